"""`chotdon chaos`: lives on every platform, staff and couriers at work, faults on a schedule,
and a check from the database that nothing was lost or doubled."""

from __future__ import annotations
