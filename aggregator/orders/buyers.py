"""Buyers: one identity per platform account, linked across platforms by phone number."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aggregator.db import Connection
from schema.queries import query


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    buyer_id: int


async def resolve_identities(
    conn: Connection, tenant_id: int, channel_id: int, authors: Mapping[str, str]
) -> dict[str, Identity]:
    """Identity of each author (external user id -> display name), creating what is missing."""
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
        if len(found) < len(wanted):  # another live of this channel created some meanwhile
            rows = await conn.fetch(query("identities_by_external_id"), channel_id, missing)
            found.update({r["external_user_id"]: Identity(r["id"], r["buyer_id"]) for r in rows})
    return found


async def link_phone(conn: Connection, identity: Identity, phone: str, session_id: int) -> Identity:
    """Record the phone on the identity and link it to the buyer who owns that phone.

    Returns the identity as it is now (its buyer may have changed).
    """
    row = await conn.fetchrow(query("set_identity_phone"), identity.id, phone)
    if row is None:
        return identity
    owner = await conn.fetchval(query("buyer_by_phone"), row["tenant_id"], phone)
    if owner is None:
        # First time we see this phone: claim it under a lock, as another live may be doing too.
        await conn.execute(query("lock_phone"), row["tenant_id"], phone)
        owner = await conn.fetchval(query("buyer_by_phone"), row["tenant_id"], phone)
    if owner is None:
        await conn.execute(query("set_buyer_phone_if_unset"), identity.buyer_id, phone)
        return identity
    if owner != identity.buyer_id:
        await conn.execute(query("relink_identity"), identity.id, owner, session_id)
    return Identity(identity.id, owner)


async def flag_orders_to_merge(conn: Connection, buyer_ids: set[int], session_id: int) -> list[int]:
    """Open orders of one buyer in this live, through several identities: staff decide."""
    flagged: list[int] = []
    for buyer_id in sorted(buyer_ids):
        rows = await conn.fetch(query("flag_orders_to_merge"), buyer_id, session_id)
        flagged += [r["id"] for r in rows]
    return flagged
