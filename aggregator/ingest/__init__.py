"""Ingest: every connector hands events here; they are parsed and stored in batches."""

from __future__ import annotations
