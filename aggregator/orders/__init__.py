"""Orders: merging comments, stock holds, waitlists and the one place that changes status."""

from __future__ import annotations
