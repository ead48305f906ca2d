"""Buyers: one identity per platform account, linked across platforms by phone number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aggregator.runtime.db import Connection
from schema.queries import query


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    buyer_id: int


async def resolve_identities(
    conn: Connection, tenant_id: int, channel_id: int, authors: Mapping[str, str]
) -> tuple[dict[str, Identity], set[str]]:
    """Identity of each author (external user id -> display name), creating what is missing.

    Also returns the authors whose identity was created now: they have no history anywhere.
    """
    wanted = sorted(authors)
    rows = await conn.fetch(query("identities_by_external_id"), channel_id, wanted)
    found = {r["external_user_id"]: Identity(r["id"], r["buyer_id"]) for r in rows}
    missing = [a for a in wanted if a not in found]
    if missing:
        created = await conn.fetch(
            query("create_buyers_with_identities"),
            tenant_id,
            channel_id,
            missing,
            [authors[a] for a in missing],
        )
        found.update({r["external_user_id"]: Identity(r["id"], r["buyer_id"]) for r in created})
        new = {r["external_user_id"] for r in created}
        if len(found) < len(wanted):  # another live of this channel created some meanwhile
            rows = await conn.fetch(query("identities_by_external_id"), channel_id, missing)
            found.update({r["external_user_id"]: Identity(r["id"], r["buyer_id"]) for r in rows})
        return found, new
    return found, set()


async def _owners(
    conn: Connection, tenant_id: int, session_id: int, phones: list[str]
) -> dict[str, int]:
    """Owners on the live's side of the sandbox boundary (a rehearsal never reaches real buyers)."""
    rows = await conn.fetch(query("buyers_by_phones"), tenant_id, phones, session_id)
    return {r["phone"]: r["id"] for r in rows}


async def link_phones(
    conn: Connection, tenant_id: int, session_id: int, phones: Mapping[Identity, str]
) -> dict[int, Identity]:
    """Record phones on identities and link each identity to the buyer who owns its phone.

    A phone nobody owns yet is claimed by the buyer of the first identity that wrote it.
    Returns identity id -> the identity as it is now (its buyer may have changed).
    """
    if not phones:
        return {}
    items = sorted(phones.items(), key=lambda kv: kv[0].id)
    await conn.execute(
        query("set_identity_phones"), [i.id for i, _ in items], [p for _, p in items]
    )
    wanted = sorted(set(phones.values()))
    owners = await _owners(conn, tenant_id, session_id, wanted)
    unowned = [p for p in wanted if p not in owners]
    if unowned:
        await conn.execute(query("lock_phones"), tenant_id, unowned)
        owners = await _owners(conn, tenant_id, session_id, wanted)
        claims = {p: i.buyer_id for i, p in reversed(items) if p not in owners}
        rows = await conn.fetch(query("claim_phones"), list(claims.values()), list(claims))
        owners.update({r["phone"]: r["id"] for r in rows})
    linked = {i.id: Identity(i.id, owners.get(p, i.buyer_id)) for i, p in items}
    moves = [(i.id, linked[i.id].buyer_id) for i, _ in items if linked[i.id].buyer_id != i.buyer_id]
    if moves:
        await conn.execute(query("relink_identities"), [m[0] for m in moves], [m[1] for m in moves])
    return linked
