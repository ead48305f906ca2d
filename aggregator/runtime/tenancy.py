"""Which cooperative the code running now acts for: the second wall's input.

A staff request sets it once the staff member is known (aggregator/web/staff_auth.py); the staff
pool (aggregator/runtime/db.py) hands it to Postgres on every connection it lends, where row-level
security (migration 0012) shows and accepts only that cooperative's rows. A context variable, so
each request's task carries its own and tasks it starts inherit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current_tenant: ContextVar[int | None] = ContextVar("chotdon_current_tenant", default=None)


def current_tenant() -> int | None:
    return _current_tenant.get()


@contextmanager
def acting_for(tenant_id: int) -> Iterator[None]:
    """Within this block, the staff pool's connections see only `tenant_id`'s rows."""
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)
