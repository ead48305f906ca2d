"""Connecting a Facebook Page, a Zalo OA or a TikTok shop by the director's login at the platform:
start (the link to open), then the callback with its code, token exchange, and the channels
stored with sealed credentials. Records of attempts: channel_login.py; HTTP: connectors.

Facebook: code → short-lived user token → long-lived user token → the Pages granted, offered to
the director (sealed) → the picked Pages connected with their Page tokens (which do not expire
when read with a long-lived user token) and the app subscribed to each Page's feed, messages and
live_videos webhooks. Zalo: PKCE (S256) → the OA's token pair and its name. TikTok Shop: auth
code → the seller's token pair → every authorized shop with its cipher.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Mapping

import structlog

from aggregator.channels.directory import connect_channel
from aggregator.core.channel_login import missing_tasks
from aggregator.credentials.cipher import open_json, seal_json
from aggregator.credentials.keyring import credential_cipher
from aggregator.errors import ConfigurationError
from aggregator.staff.accounts import StaffUser
from aggregator.staff.channel_login import (
    ChannelLoginError,
    LoginDeps,
    LoginNotConfiguredError,
    Outcome,
    callback_url,
    claim_attempt,
    configured,
    finish_attempt,
    offer,
    offered,
    open_attempt,
)
from connectors.errors import ConnectorError, PlatformApiError, TransportError
from connectors.facebook import login as fb
from connectors.tiktok import login as tts
from connectors.tiktok.client import ShopClient
from connectors.zalo import login as zalo
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()


def _secret(value: object) -> str:
    get = getattr(value, "get_secret_value", None)
    return str(get()) if get is not None else ""


async def start(deps: LoginDeps, staff: StaffUser, platform: Platform) -> str:
    """The platform's login link for this director (one tap from the settings or dashboard)."""
    s = deps.settings
    if not configured(s, platform):
        raise LoginNotConfiguredError(platform)
    if platform is Platform.ZALO:
        verifier = zalo.code_verifier()
        sealed = credential_cipher(s, Platform.ZALO).encrypt(verifier)
        state = await open_attempt(deps, staff, platform, sealed)
        challenge = zalo.code_challenge(verifier)
        return zalo.permission_url(
            s.zalo_oauth_url, s.zalo_app_id, callback_url(s, platform), challenge, state
        )
    state = await open_attempt(deps, staff, platform, None)
    if platform is Platform.FACEBOOK:
        return fb.dialog_url(
            s.facebook_dialog_url, s.facebook_app_id, s.facebook_login_config_id,
            callback_url(s, platform), state,
        )  # fmt: skip
    return tts.authorize_url(s.tiktok_authorize_url, s.tiktok_service_id, state)


def _problem(exc: ConnectorError) -> str:
    return "unreachable" if isinstance(exc, TransportError) else "platform"


async def _connect(
    deps: LoginDeps, staff: StaffUser, platform: Platform, external_id: str, name: str,
    sealed: bytes, settings: dict[str, object], outcome: Outcome,
) -> None:  # fmt: skip
    try:
        channel_id = await connect_channel(
            deps.owner_pool, platform, staff.tenant_id, external_id, name, sealed,
            {**settings, "connected_at": int(time.time()), "connected_by": staff.id},
        )  # fmt: skip
    except ConfigurationError:
        outcome.warnings.append(f"«{name}»: kênh này đã được một hợp tác xã khác kết nối.")
        return
    outcome.connected.append(name)
    outcome.channel_ids.append(channel_id)
    log.info("channel.connected_by_login", platform=platform.value, channel_id=channel_id)


async def _run(
    deps: LoginDeps, login_id: int, flow: Awaitable[Outcome], problem_if_empty: str
) -> Outcome:
    """Await `flow` (a coroutine giving an Outcome), recording the attempt's end either way."""
    try:
        outcome = await flow
    except ChannelLoginError as exc:
        await finish_attempt(deps, login_id, None, exc.problem)
        raise
    except ConnectorError as exc:
        log.warning("channel_login.platform_error", login_id=login_id, error=str(exc))
        await finish_attempt(deps, login_id, None, _problem(exc))
        raise ChannelLoginError(_problem(exc)) from None
    if not outcome.channel_ids:
        await finish_attempt(
            deps, login_id, None, "taken" if outcome.warnings else problem_if_empty
        )
        raise ChannelLoginError("taken" if outcome.warnings else problem_if_empty)
    outcome.login_id = login_id
    await finish_attempt(deps, login_id, outcome)
    return outcome


def _refused(query: Mapping[str, str]) -> bool:
    return bool(query.get("error") or query.get("error_reason")) or not query.get("code")


# --- Zalo OA ---------------------------------------------------------------------------------


async def finish_zalo(deps: LoginDeps, staff: StaffUser, query: Mapping[str, str]) -> Outcome:
    login_id, verifier_sealed = await claim_attempt(
        deps, staff, Platform.ZALO, query.get("state", "")
    )
    if _refused(query) or not query.get("oa_id"):
        await finish_attempt(deps, login_id, None, "refused")
        raise ChannelLoginError("refused")
    return await _run(deps, login_id, _zalo(deps, staff, query, verifier_sealed), "platform")


async def _zalo(
    deps: LoginDeps, staff: StaffUser, query: Mapping[str, str], verifier_sealed: bytes | None
) -> Outcome:
    s, sealer = deps.settings, credential_cipher(deps.settings, Platform.ZALO)
    verifier = sealer.decrypt(verifier_sealed)
    tokens = await zalo.exchange_code(
        deps.http, s.zalo_oauth_url, s.zalo_app_id, _secret(s.zalo_app_secret),
        query["code"], verifier,
    )  # fmt: skip
    name = await zalo.oa_name(deps.http, s.zalo_openapi_url, tokens.access_token)
    sealed = seal_json(
        sealer, {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}
    )
    outcome = Outcome()
    await _connect(deps, staff, Platform.ZALO, query["oa_id"], name, sealed,
                   {"token_expires_at": tokens.expires_at}, outcome)  # fmt: skip
    return outcome


# --- TikTok Shop -----------------------------------------------------------------------------


async def finish_tiktok(deps: LoginDeps, staff: StaffUser, query: Mapping[str, str]) -> Outcome:
    login_id, _ = await claim_attempt(deps, staff, Platform.TIKTOK, query.get("state", ""))
    if _refused(query):
        await finish_attempt(deps, login_id, None, "refused")
        raise ChannelLoginError("refused")
    return await _run(deps, login_id, _tiktok(deps, staff, query["code"]), "no_shops")


async def _tiktok(deps: LoginDeps, staff: StaffUser, code: str) -> Outcome:
    s = deps.settings
    secret = _secret(s.tiktok_app_secret)
    tokens = await tts.exchange_code(deps.http, s.tiktok_auth_url, s.tiktok_app_key, secret, code)
    client = ShopClient(deps.http, s.tiktok_api_url, s.tiktok_app_key, secret.encode())
    shops = await tts.authorized_shops(client, tokens.access_token)
    sealer, outcome = credential_cipher(s, Platform.TIKTOK), Outcome()
    sealed = seal_json(
        sealer, {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}
    )
    for shop in shops:
        settings: dict[str, object] = {"shop_cipher": shop.cipher,
                                       "token_expires_at": tokens.expires_at}  # fmt: skip
        if tokens.refresh_expires_at:
            settings["reconnect_by"] = tokens.refresh_expires_at
        await _connect(deps, staff, Platform.TIKTOK, shop.id, shop.name, sealed, settings, outcome)
    return outcome


# --- Facebook --------------------------------------------------------------------------------


async def finish_facebook(deps: LoginDeps, staff: StaffUser, query: Mapping[str, str]) -> int:
    """The callback: the Pages granted are offered; returns the attempt to pick Pages from."""
    if _refused(query) and not query.get("state"):
        raise ChannelLoginError("refused")  # the documented refusal carries no state
    login_id, _ = await claim_attempt(deps, staff, Platform.FACEBOOK, query.get("state", ""))
    if _refused(query):
        await finish_attempt(deps, login_id, None, "refused")
        raise ChannelLoginError("refused")
    try:
        pages = await _facebook_pages(deps, query["code"])
    except ConnectorError as exc:
        log.warning("channel_login.platform_error", login_id=login_id, error=str(exc))
        await finish_attempt(deps, login_id, None, _problem(exc))
        raise ChannelLoginError(_problem(exc)) from None
    if not pages:
        await finish_attempt(deps, login_id, None, "no_pages")
        raise ChannelLoginError("no_pages")
    sealer = credential_cipher(deps.settings, Platform.FACEBOOK)
    await offer(deps, login_id, seal_json(sealer, {"pages": pages}))
    return login_id


async def _facebook_pages(deps: LoginDeps, code: str) -> list[dict[str, str]]:
    s = deps.settings
    graph, app_id, secret = s.facebook_graph_url, s.facebook_app_id, _secret(s.facebook_app_secret)
    redirect = callback_url(s, Platform.FACEBOOK)
    short = await fb.exchange_code(deps.http, graph, app_id, secret, redirect, code)
    user = await fb.long_lived(deps.http, graph, app_id, secret, short)
    pages = await fb.managed_pages(deps.http, graph, user)
    return [
        {"id": p.id, "name": p.name, "token": p.access_token, "tasks": ",".join(p.tasks)}
        for p in pages
    ]


async def facebook_offer(deps: LoginDeps, staff: StaffUser, login_id: int) -> list[dict[str, str]]:
    """The Pages offered (id and name only: the tokens stay sealed)."""
    sealed = await offered(deps, staff, login_id)  # first: nothing to open for a stranger
    pages = open_json(credential_cipher(deps.settings, Platform.FACEBOOK), sealed).get("pages")
    return [{"id": str(p["id"]), "name": str(p["name"])} for p in pages or []]


async def pick_pages(deps: LoginDeps, staff: StaffUser, login_id: int, chosen: set[str]) -> Outcome:
    sealed = await offered(deps, staff, login_id)
    pages = open_json(credential_cipher(deps.settings, Platform.FACEBOOK), sealed).get("pages")
    picked = [p for p in pages or [] if str(p["id"]) in chosen]
    if not picked:
        raise ChannelLoginError("none_picked")
    return await _run(deps, login_id, _facebook(deps, staff, picked), "platform")


async def _facebook(deps: LoginDeps, staff: StaffUser, picked: list[dict[str, str]]) -> Outcome:
    sealer, outcome = credential_cipher(deps.settings, Platform.FACEBOOK), Outcome()
    for page in picked:
        tasks = tuple(t for t in str(page.get("tasks") or "").split(",") if t)
        ref = fb.ManagedPage(str(page["id"]), str(page["name"]), str(page["token"]), tasks)
        owner = await deps.owner_pool.fetchval(query("setup_channel_owner"), "facebook", ref.id)
        if owner is not None and owner != staff.tenant_id:  # not even subscribed for another
            outcome.warnings.append(f"«{ref.name}»: kênh này đã được một hợp tác xã khác kết nối.")
            continue
        settings: dict[str, object] = {}
        try:
            await fb.subscribe_page(deps.http, deps.settings.facebook_graph_url, ref,
                                    fb.WEBHOOK_FIELDS)  # fmt: skip
            settings["webhook_fields"] = list(fb.WEBHOOK_FIELDS)
        except ConnectorError as exc:  # the Page is still connected: the puller reads its lives
            code = exc.code if isinstance(exc, PlatformApiError) else None
            log.warning("facebook.subscribe_failed", page_id=ref.id, code=code)
            outcome.warnings.append(
                f"Trang «{ref.name}»: chưa đăng ký nhận bình luận và tin nhắn tự động (Facebook "
                "từ chối hoặc không trả lời). chotdon vẫn đọc bình luận live; hãy kết nối lại sau."
            )
        await _connect(deps, staff, Platform.FACEBOOK, ref.id, ref.name,
                       sealer.encrypt(ref.access_token), settings, outcome)  # fmt: skip
        if lacking := missing_tasks(ref.tasks):
            outcome.warnings.append(
                f"Trang «{ref.name}»: tài khoản vừa đăng nhập thiếu quyền {lacking} trên Trang, "
                "nên chotdon có thể không đọc hoặc không trả lời được bình luận. Hãy nhờ quản trị "
                "viên Trang cấp quyền rồi kết nối lại."
            )
    return outcome
