"""How much a refused (unverified) delivery may cost: a few hundred bytes, and not too many of them.

Anyone can post to a webhook route, so a delivery whose sender is not proven keeps only what staff
need to see it happened (route, reason, size, SHA-256 and a short prefix of the body: see
`Inbound.rejected`), and only so many of them per client address and per minute are recorded at
all. Past that, the web layer only counts them (`chotdon_refused_deliveries_unrecorded_total`).

The web process sets a RefusalScope for each delivery request (the client's address and the shared
RefusalLimit); `admit_refusal` reads it from the context, so every service's `reject` follows the
rule without each route passing the address down. Outside a request (tests, the CLI) there is no
scope and every refusal is recorded. The limit is per web process, in memory: it bounds what one
process writes, and needs no round trip to Redis on the path an attacker chooses to flood.
"""

from __future__ import annotations

import ipaddress
import time
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from aggregator.inbox.records import DeliveryRecord, Recorder

log = structlog.get_logger()

WINDOW_S = 60.0
IPV6_PREFIX = 64  # one IPv6 client usually holds a whole /64: count it as one address


def address_key(address: str) -> str:
    """What the limit counts by: the address itself, or its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


@dataclass
class RefusalLimit:
    """At most `per_address` refused deliveries recorded per address and `total` overall, per
    minute (a fixed window). Memory is bounded: one small entry per address seen this window."""

    per_address: int
    total: int
    _window: int = -1
    _counts: dict[str, int] = field(default_factory=dict)
    _recorded: int = 0

    def admit(self, address: str, now: float | None = None) -> bool:
        window = int((time.monotonic() if now is None else now) // WINDOW_S)
        if window != self._window:
            self._window, self._counts, self._recorded = window, {}, 0
        key = address_key(address)
        count = self._counts.get(key, 0) + 1
        if count > self.per_address or self._recorded >= self.total:
            if count == self.per_address + 1:  # once per address and window, not per request
                log.warning("inbox.refusals_over_limit", address=key, limit=self.per_address)
            self._counts[key] = min(count, self.per_address + 1)
            return False
        self._counts[key] = count
        self._recorded += 1
        return True


class RefusalSink(Protocol):
    """The web process's one writer of refusals (aggregator/inbox/refusal_writer.py)."""

    async def record(self, source: str, record: DeliveryRecord) -> bool: ...


@dataclass
class RefusalScope:
    """One delivery request: who sent it, the limit it counts against, what went unrecorded, and
    the process's refusal writer (None: each refusal is written by the route's own recorder)."""

    limit: RefusalLimit
    address: str
    unrecorded: int = 0
    writer: RefusalSink | None = None


_scope: ContextVar[RefusalScope | None] = ContextVar("chotdon_refusal_scope", default=None)


def enter_scope(scope: RefusalScope) -> Token[RefusalScope | None]:
    """Set for the current request; returns the token to `leave_scope` with."""
    return _scope.set(scope)


def leave_scope(token: Token[RefusalScope | None]) -> None:
    _scope.reset(token)


def admit_refusal() -> bool:
    """True if this refused delivery is to be recorded; False: only counted."""
    scope = _scope.get()
    if scope is None or scope.limit.admit(scope.address):
        return True
    scope.unrecorded += 1
    return False


async def record_refusal(recorder: Recorder, record: DeliveryRecord) -> None:
    """Store an admitted refusal: through the process's one writer inside a web request (a flood
    must not become concurrent INSERTs), else through the route's own recorder."""
    scope = _scope.get()
    if scope is not None and scope.writer is not None:
        await scope.writer.record(recorder.source, record)
    else:
        await recorder.record(record)
