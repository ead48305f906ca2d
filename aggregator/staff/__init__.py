"""Staff accounts, sessions and the work staff do in the web app (queue, packing)."""

from __future__ import annotations
