"""chotdon data layer: migrations, named queries, models. Imports nothing of ours."""

from __future__ import annotations
