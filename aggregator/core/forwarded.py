"""The client's address behind trusted reverse proxies, pure.

A request's peer is the client, unless the peer is one of the configured trusted proxies: then the
client is the rightmost address of X-Forwarded-For (or, without it, of Forwarded `for=`) that is
not itself a trusted proxy. Everything left of that hop was written by the client and may be a
lie; a header from a peer that is not trusted is ignored altogether.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> tuple[Network, ...]:
    """A comma-separated list of addresses and CIDRs; raises ValueError on a bad entry."""
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()
    )


# Both are asked on every request, with the same few values (a keep-alive peer, the proxies'
# hops): ipaddress's parsing was 5 % of the web process's CPU under the webhook bench. Bounded:
# forged X-Forwarded-For values only churn them.
@lru_cache(maxsize=4096)
def _address(text: str) -> Address | None:
    """An address as proxies write it: bare, "[v6]:port", v4:port, quoted. None if not one."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def forwarded_for(headers: Sequence[str]) -> list[str]:
    """The `for=` values of Forwarded headers (RFC 7239), in order."""
    hops: list[str] = []
    for header in headers:
        for element in header.split(","):
            for pair in element.split(";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(value)
    return hops


def client_address(
    peer: str, x_forwarded_for: Sequence[str], forwarded: Sequence[str],
    proxies: tuple[Network, ...],
) -> str:  # fmt: skip
    """The address to limit, allow and log: see the module's docstring."""
    current = _address(peer)
    if current is None or not _trusted(current, proxies):
        return peer
    hops = [h for header in x_forwarded_for for h in header.split(",")]
    if not hops:
        hops = forwarded_for(forwarded)
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # garbage (or "unknown"): nothing left of it can be believed
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)


def forwarded_proto(
    peer: str, x_forwarded_proto: Sequence[str], proxies: tuple[Network, ...]
) -> str | None:
    """The scheme a trusted proxy says the client used (its last X-Forwarded-Proto), else None."""
    current = _address(peer)
    if current is None or not _trusted(current, proxies) or not x_forwarded_proto:
        return None
    return x_forwarded_proto[-1].split(",")[-1].strip().lower() or None
