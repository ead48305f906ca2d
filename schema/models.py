"""Pydantic models of the table rows code reads as models (rows become models at the edge):
today the worker heartbeat, shown on the landing page and returned by the JSON API.

A table gets a model when code reads its rows; a test checks each model against the migrations."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Row(BaseModel):
    """Base of every row model; `table` names the table it mirrors."""

    model_config = ConfigDict(frozen=True, from_attributes=True)
    table: ClassVar[str]


class WorkerHeartbeat(Row):
    table: ClassVar[str] = "worker_heartbeats"
    id: int
    worker: str
    job_id: str
    beat_at: datetime


ALL_ROW_MODELS: tuple[type[Row], ...] = (WorkerHeartbeat,)
