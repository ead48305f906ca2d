"""The record of a login at a platform (channel_logins): start one, take it back once at the
callback, record its outcome. Platform calls are in channel_connect.py.

The state sent to the platform is stored only as its SHA-256; a callback is honoured for the
director who started it, once, before the attempt expires. Zalo's PKCE verifier and the Facebook
Pages offered for picking are sealed (aggregator/credentials) and erased when the attempt ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg
import structlog

from aggregator.core.channel_login import PLATFORM_NAMES, new_state, problem_text, state_hash
from aggregator.errors import BadInputError, ConfigurationError
from aggregator.settings import Settings
from aggregator.staff.accounts import StaffUser
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
CALLBACK_PATH = "/cai-dat/kenh/{platform}/ve"


class ChannelLoginError(BadInputError):
    """A login that cannot go on; `problem` is a key of core.channel_login.PROBLEM_TEXT."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(problem_text(problem))
        self.problem, self.detail = problem, detail


class LoginNotFoundError(ChannelLoginError):
    """No open attempt of this director by that id (ended, expired, or not theirs)."""

    http_status = 404

    def __init__(self) -> None:
        super().__init__("expired")


class LoginNotConfiguredError(ConfigurationError):
    """The installation has no app registered at this platform (its settings are empty)."""

    http_status = 503

    def __init__(self, platform: Platform) -> None:
        super().__init__(
            f"Máy chủ chưa có ứng dụng {PLATFORM_NAMES[platform.value]} đã đăng ký, nên chưa thể "
            "kết nối bằng đăng nhập. Hãy báo người quản trị máy chủ (xem README, mục Kết nối kênh)."
        )


@dataclass(frozen=True)
class LoginDeps:
    """What a login needs: settings, the staff pool (walled) for the attempts, the owner pool
    for channels (a Page belongs to one cooperative across chotdon), an HTTP session."""

    settings: Settings
    staff_pool: asyncpg.Pool
    owner_pool: asyncpg.Pool
    http: aiohttp.ClientSession


@dataclass
class Outcome:
    connected: list[str] = field(default_factory=list)  # channel names
    warnings: list[str] = field(default_factory=list)  # Vietnamese, for the director
    channel_ids: list[int] = field(default_factory=list)
    login_id: int = 0


def callback_url(settings: Settings, platform: Platform) -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH.format(platform=platform.value)


def configured(settings: Settings, platform: Platform) -> bool:
    if platform is Platform.FACEBOOK:
        return bool(settings.facebook_app_id and settings.facebook_app_secret)
    if platform is Platform.ZALO:
        return bool(settings.zalo_app_id and settings.zalo_app_secret)
    if platform is Platform.TIKTOK:
        return bool(
            settings.tiktok_service_id and settings.tiktok_app_key and settings.tiktok_app_secret
        )
    return False


async def open_attempt(
    deps: LoginDeps, staff: StaffUser, platform: Platform, verifier: bytes | None
) -> str:
    """Record a new attempt; returns the state to send to the platform."""
    if not configured(deps.settings, platform):
        raise LoginNotConfiguredError(platform)
    state = new_state()
    expires = datetime.now(UTC) + timedelta(seconds=deps.settings.channel_login_ttl_s)
    async with deps.staff_pool.acquire() as conn:
        await conn.execute(query("expire_channel_logins"))
        login_id = await conn.fetchval(
            query("start_channel_login"), staff.tenant_id, staff.id, platform.value,
            state_hash(state), verifier, expires,
        )  # fmt: skip
    log.info("channel_login.started", platform=platform.value, login_id=login_id)
    return state


async def claim_attempt(
    deps: LoginDeps, staff: StaffUser, platform: Platform, state: str
) -> tuple[int, bytes | None]:
    """The attempt this callback answers (once): (login id, sealed verifier)."""
    if not state or len(state) > 200:
        raise ChannelLoginError("expired")
    row = await deps.staff_pool.fetchrow(
        query("claim_channel_login"), state_hash(state), staff.id, platform.value
    )
    if row is None:
        log.warning("channel_login.unknown_state", platform=platform.value, staff_id=staff.id)
        raise ChannelLoginError("expired")
    return int(row["id"]), row["verifier_sealed"]


async def finish_attempt(
    deps: LoginDeps, login_id: int, outcome: Outcome | None, problem: str | None = None
) -> None:
    ok = outcome is not None and bool(outcome.channel_ids)
    warnings = "\n".join(outcome.warnings) if outcome and outcome.warnings else None
    await deps.staff_pool.execute(
        query("finish_channel_login"), login_id, "connected" if ok else "failed",
        warnings if ok else (problem or "platform"), outcome.channel_ids if outcome else [],
    )  # fmt: skip
    event = "channel_login.connected" if ok else "channel_login.failed"
    log.info(event, login_id=login_id, problem=problem,
             channels=len(outcome.channel_ids) if outcome else 0)  # fmt: skip


async def offer(deps: LoginDeps, login_id: int, sealed_pages: bytes) -> None:
    """Keep the sealed Pages offered until the director picks (Facebook)."""
    await deps.staff_pool.execute(query("offer_channel_login"), login_id, sealed_pages)
    log.info("channel_login.offered", login_id=login_id)


async def offered(deps: LoginDeps, staff: StaffUser, login_id: int) -> bytes:
    row = await deps.staff_pool.fetchrow(query("channel_login_offer"), login_id, staff.id)
    if row is None or row["offer_sealed"] is None:
        raise LoginNotFoundError()
    sealed: bytes = row["offer_sealed"]
    return sealed
