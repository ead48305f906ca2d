"""Refresh a Zalo OA's or TikTok shop's access token before it expires, never losing the new one.

Zalo refresh tokens are single-use: once the token endpoint has answered, the old refresh token is
spent, and only the answer can keep the channel connected. So:

1. Claim (one short transaction, row lock on the channel): skip when the token is still fresh or
   another worker's claim is younger than CLAIM_LEASE_S, else mark `settings.token_refresh` =
   {started_at} and commit. Two workers never call the endpoint for the same channel at once.
2. Call the token endpoint with the stored refresh token (no lock held; the claim guards it).
3. Save the answer at once, one UPDATE (sealed credentials, expiry, claim cleared) before anything
   else is done or logged. A call that fails before the platform used the token (unreachable,
   rate limited) releases the claim; the next run tries again.

What a crash costs: if the worker dies after the endpoint answered and before step 3 commits, the
new pair is lost with the process. The claim stays behind; the next run (after the lease) finds it,
tries the old refresh token, and when the platform refuses it as already used, disconnects the
channel with a staff-facing reason saying a refresh was interrupted and the channel must be
reconnected. The window is one HTTP answer plus one UPDATE; nothing else runs inside it.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog

from aggregator.credentials.cipher import TokenCipher, open_json, seal_json
from connectors.errors import PlatformApiError, TokenError, TransportError
from connectors.tokens import TokenPair
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
CLAIM_LEASE_S = 120  # longer than any token call (15-20 s timeouts)
REFRESH_MARGIN_S = 3 * 3600  # refresh when the access token has less than this left
CLAIM_SETTING = "token_refresh"
EXPIRES_SETTING = "token_expires_at"

Refresher = Callable[[str], Awaitable[TokenPair]]  # refresh token → new pair


class Refreshed(enum.StrEnum):
    REFRESHED = "refreshed"
    FRESH = "fresh"  # not due yet (another worker may just have refreshed it)
    BUSY = "busy"  # another worker's refresh is in flight
    UNUSABLE = "unusable"  # not active, or no refresh token stored
    RETRY = "retry"  # the endpoint could not be reached: the refresh token is unspent
    DISCONNECTED = "disconnected"


async def _claim(
    pool: asyncpg.Pool, channel_id: int, platform: Platform, now: int, force: bool
) -> tuple[Refreshed | None, Any]:
    """(None, row) when this worker now owns the refresh, else (why not, row)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            query("lock_channel_for_token_refresh"), channel_id, platform.value
        )
        if row is None or row["status"] != "active" or not row["credentials_encrypted"]:
            return Refreshed.UNUSABLE, row
        settings = row["settings"] or {}
        claim = settings.get(CLAIM_SETTING)
        if claim and now - int(claim.get("started_at", 0)) < CLAIM_LEASE_S:
            return Refreshed.BUSY, row
        expires_at = int(settings.get(EXPIRES_SETTING) or 0)
        if not claim and not force and expires_at - now > REFRESH_MARGIN_S:
            return Refreshed.FRESH, row
        await conn.execute(query("claim_token_refresh"), channel_id, now)
    return None, row


def _refused_reason(platform: Platform, name: str, interrupted: bool, exc: Exception) -> str:
    label = "Zalo OA" if platform is Platform.ZALO else "TikTok shop"
    if interrupted:
        why = (
            "an earlier token refresh was interrupted after the platform answered and before the "
            "new token was saved, so the stored refresh token was already used"
        )
    else:
        why = "the platform refused the stored refresh token (expired, revoked or already used)"
    return f"{label} {name}: {why}; reconnect the channel. [{exc}]"


async def refresh_channel(
    pool: asyncpg.Pool, sealer: TokenCipher, platform: Platform, channel_id: int,
    refresher: Refresher, *, now: int, force: bool = False,
) -> Refreshed:  # fmt: skip
    """Refresh one channel's token pair if it is due (see the module docstring)."""
    skipped, row = await _claim(pool, channel_id, platform, now, force)
    if skipped is not None:
        return skipped
    credentials = open_json(sealer, row["credentials_encrypted"])
    if not credentials.get("refresh_token"):
        await pool.execute(query("release_token_refresh"), channel_id)
        return Refreshed.UNUSABLE
    try:
        pair = await refresher(str(credentials["refresh_token"]))
    except TokenError as exc:
        interrupted = bool((row["settings"] or {}).get(CLAIM_SETTING))
        reason = _refused_reason(platform, row["name"], interrupted, exc)
        await pool.execute(query("disconnect_after_refused_refresh"), channel_id, reason)
        log.warning("platform.token_refresh_refused", channel_id=channel_id, code=exc.code)
        return Refreshed.DISCONNECTED
    except (TransportError, PlatformApiError) as exc:
        await pool.execute(query("release_token_refresh"), channel_id)
        log.info("platform.token_refresh_retry", channel_id=channel_id, error=str(exc))
        return Refreshed.RETRY
    sealed = seal_json(sealer, {**credentials, "access_token": pair.access_token,
                                "refresh_token": pair.refresh_token})  # fmt: skip
    await pool.execute(
        query("save_refreshed_tokens"), channel_id, sealed, pair.expires_at, pair.refresh_expires_at
    )
    log.info("platform.token_refreshed", channel_id=channel_id, expires_at=pair.expires_at)
    return Refreshed.REFRESHED


async def refresh_due(
    pool: asyncpg.Pool, sealer: TokenCipher, platform: Platform, refresher: Refresher, now: int
) -> dict[Refreshed, int]:
    """Every active channel of `platform` whose token expires within the margin."""
    counts: dict[Refreshed, int] = {}
    for row in await pool.fetch(query("token_refresh_due"), platform.value, now + REFRESH_MARGIN_S):
        result = await refresh_channel(pool, sealer, platform, row["id"], refresher, now=now)
        counts[result] = counts.get(result, 0) + 1
    return counts
