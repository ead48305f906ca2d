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


ChannelAuthor = tuple[int, str]  # (channel id, the author's external user id on it)


async def resolve_identities(
    conn: Connection, tenant_id: int, channel_id: int, authors: Mapping[str, str]
) -> tuple[dict[str, Identity], set[str]]:
    """Identity of each author (external user id -> display name), creating what is missing.

    Also returns the authors whose identity was created now: they have no history anywhere.
    """
    found, new = await resolve_channel_identities(
        conn, {(channel_id, a): (tenant_id, name) for a, name in authors.items()}
    )
    return {a: i for (_, a), i in found.items()}, {a for _, a in new}


async def _identities(
    conn: Connection, wanted: list[ChannelAuthor]
) -> dict[ChannelAuthor, Identity]:
    rows = await conn.fetch(
        query("identities_of_channel_authors"), [w[0] for w in wanted], [w[1] for w in wanted]
    )
    return {
        (r["channel_id"], r["external_user_id"]): Identity(r["id"], r["buyer_id"]) for r in rows
    }


async def resolve_channel_identities(
    conn: Connection, authors: Mapping[ChannelAuthor, tuple[int, str]]
) -> tuple[dict[ChannelAuthor, Identity], set[ChannelAuthor]]:
    """resolve_identities for authors of several channels at once: (channel, author) ->
    (tenant, display name). Returns their identities and those created now."""
    wanted = sorted(authors)
    found = await _identities(conn, wanted)
    missing = [a for a in wanted if a not in found]
    if not missing:
        return found, set()
    rows = await conn.fetch(
        query("create_buyers_with_identities_of_channels"),
        [authors[a][0] for a in missing],
        [a[0] for a in missing],
        [a[1] for a in missing],
        [authors[a][1] for a in missing],
    )
    created = {(r["channel_id"], r["external_user_id"]): Identity(r["id"], r["buyer_id"])
               for r in rows}  # fmt: skip
    found.update(created)
    if len(found) < len(wanted):  # another live of a channel created some meanwhile
        found.update(await _identities(conn, [a for a in missing if a not in found]))
    return found, set(created)


PhoneScope = tuple[int, bool]  # (tenant id, sandbox): where a phone number names one buyer
ScopedPhone = tuple[PhoneScope, str]


async def _scoped_owners(conn: Connection, phones: list[ScopedPhone]) -> dict[ScopedPhone, int]:
    rows = await conn.fetch(
        query("buyers_by_scoped_phones"),
        [p[0][0] for p in phones],
        [p[0][1] for p in phones],
        [p[1] for p in phones],
    )
    return {((r["tenant_id"], r["sandbox"]), r["phone"]): r["id"] for r in rows}


async def link_scoped_phones(
    conn: Connection, phones: Mapping[Identity, ScopedPhone]
) -> dict[int, Identity]:
    """link_phones for identities of several cooperatives and lives at once (the merge's): each
    phone is matched within its scope (the cooperative, and the live's side of the sandbox
    boundary). A phone nobody owns yet in its scope is claimed by the buyer of the first identity
    that wrote it. Returns identity id -> the identity as it is now."""
    if not phones:
        return {}
    items = sorted(phones.items(), key=lambda kv: kv[0].id)
    await conn.execute(
        query("set_identity_phones"), [i.id for i, _ in items], [p[1] for _, p in items]
    )
    wanted = sorted(set(phones.values()))
    owners = await _scoped_owners(conn, wanted)
    unowned = [p for p in wanted if p not in owners]
    if unowned:
        await conn.execute(
            query("lock_scoped_phones"), [p[0][0] for p in unowned], [p[1] for p in unowned]
        )
        owners = await _scoped_owners(conn, wanted)
        claims = {p: i.buyer_id for i, p in reversed(items) if p not in owners}
        claimed = {(buyer, p[1]): p for p, buyer in claims.items()}
        rows = await conn.fetch(
            query("claim_phones"), list(claims.values()), [p[1] for p in claims]
        )
        owners.update({claimed[(r["id"], r["phone"])]: r["id"] for r in rows})
    linked = {i.id: Identity(i.id, owners.get(p, i.buyer_id)) for i, p in items}
    moves = [(i.id, linked[i.id].buyer_id) for i, _ in items if linked[i.id].buyer_id != i.buyer_id]
    if moves:
        await conn.execute(query("relink_identities"), [m[0] for m in moves], [m[1] for m in moves])
    return linked


async def link_phones(
    conn: Connection, tenant_id: int, session_id: int, phones: Mapping[Identity, str]
) -> dict[int, Identity]:
    """Record phones on identities and link each identity to the buyer who owns its phone, within
    the cooperative and the live's side of the sandbox boundary (a rehearsal never reaches real
    buyers). A phone nobody owns yet is claimed by the buyer of the first identity that wrote it.
    Returns identity id -> the identity as it is now (its buyer may have changed).
    """
    if not phones:
        return {}
    scope = (tenant_id, bool(await conn.fetchval(query("session_is_sandbox"), session_id)))
    return await link_scoped_phones(conn, {i: (scope, p) for i, p in phones.items()})
