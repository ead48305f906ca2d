"""Every inbound endpoint (found on the router, so new ones are covered or this test fails) under
attack: a bad signature or token is refused 401/403 and recorded without secrets, with nothing
ingested; hostile bodies that ARE signed get a 4xx or a normal answer, never a 500, and a refused
one (or one kept unread as a dead letter) writes nothing but its delivery record."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import asyncpg
import orjson
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from aggregator.credentials.keyring import bank_cipher, courier_cipher
from aggregator.settings import Settings
from aggregator.web.keys import ARQ_POOL, INGESTOR
from connectors.banks import casso, payos, sepay
from connectors.errors import SignatureError
from connectors.facebook.signature import SIGNATURE_HEADER as FB_HEADER, sign as fb_sign
from connectors.relay.signature import signed_headers as relay_headers
from connectors.tiktok.signature import WEBHOOK_HEADER, sign_webhook
from connectors.zalo.signature import (
    SIGNATURE_HEADER as ZALO_HEADER,
    body_timestamp,
    sign as zalo_sign,
)
from schema.enums import BankProvider, Courier, Platform
from tests.support.facebook import APP_SECRET, app_client, facebook_settings
from tests.support.factories import seed_shop
from tests.support.hostile import BANK_ACCOUNT, SAMPLES, dumps, fixed_bodies
from tests.support.platforms import (
    RELAY_SECRET,
    TIKTOK_APP_KEY,
    TIKTOK_APP_SECRET,
    ZALO_APP_ID,
    ZALO_OA_SECRET,
    add_channel,
    add_live,
    platform_settings,
)
from tests.support.staff import add_order

Client = TestClient[Any, Any]
COURIER_SECRET = "courier-webhook-secret-for-tests"
PAYMENT_SECRET = "payment-webhook-secret-for-tests"
BANK_SECRET = "bank-notice-secret-for-tests"
SECRETS = (APP_SECRET, RELAY_SECRET, TIKTOK_APP_SECRET, ZALO_OA_SECRET, COURIER_SECRET,
           PAYMENT_SECRET, BANK_SECRET)  # fmt: skip
DOMAIN_TABLES = ("comments", "orders", "order_items", "order_events", "payments", "shipments",
                 "shipment_events", "platform_orders", "outbound_messages", "buyers")  # fmt: skip
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Call:
    path: str
    body: bytes
    headers: dict[str, str]


Signer = Callable[[bytes, bool], Call]  # (body, signed correctly?) -> the request
OWN, OWN_SLUG = "/webhooks", "htx-hostile"


def _zalo(body: bytes, good: bool) -> Call:
    try:
        stamp = body_timestamp(body)
    except SignatureError:
        stamp = "0"
    secret = ZALO_OA_SECRET if good else "wrong-secret"
    return Call(
        "/webhooks/zalo", body, {**JSON, ZALO_HEADER: zalo_sign(ZALO_APP_ID, body, stamp, secret)}
    )


def _keyed(secret: str, ok: bool) -> str:
    return secret if ok else "not-the-secret-0000"


def _facebook(body: bytes, ok: bool) -> Call:
    signature = fb_sign(body, _keyed(APP_SECRET, ok).encode())
    return Call("/webhooks/facebook", body, {**JSON, FB_HEADER: signature})


def _tiktok(body: bytes, ok: bool) -> Call:
    signature = sign_webhook(TIKTOK_APP_KEY, _keyed(TIKTOK_APP_SECRET, ok).encode(), body)
    return Call("/webhooks/tiktok", body, {**JSON, WEBHOOK_HEADER: signature})


def _relay(channel: str) -> Signer:
    def signer(body: bytes, ok: bool) -> Call:
        signed = relay_headers(_keyed(RELAY_SECRET, ok).encode(), int(time.time()), body)
        return Call(f"/relay/{channel}/comments", body, {**JSON, **signed})

    return signer


def _token(path: str, header: str, secret: str) -> Signer:
    return lambda body, ok: Call(path, body, {**JSON, header: _keyed(secret, ok)})


def _ghtk(body: bytes, ok: bool) -> Call:
    return Call(f"/webhooks/ghtk?hash={_keyed(COURIER_SECRET, ok)}", body, FORM)


def _ghtk_own(body: bytes, ok: bool) -> Call:
    """A cooperative's own GHTK address (0025), its own account's secret in ?hash=."""
    return Call(f"{OWN}/ghtk/htx/{OWN_SLUG}?hash={_keyed(COURIER_SECRET, ok)}", body, FORM)


def _bank(provider: BankProvider) -> Signer:
    """Each provider's own scheme; payOS signs inside the body, so a JSON body is re-signed."""
    path = f"/webhooks/payments/{provider.value}"

    def signer(body: bytes, ok: bool) -> Call:
        secret = _keyed(BANK_SECRET, ok)
        if provider is BankProvider.SEPAY:
            stamp = str(int(time.time()))
            signature = {sepay.SIGNATURE_HEADER: sepay.sign(body, stamp, secret),
                         sepay.TIMESTAMP_HEADER: stamp}  # fmt: skip
            return Call(path, body, {**JSON, **signature})
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            document = None
        if provider is BankProvider.CASSO:
            signed = casso.sign(document, 1, secret) if isinstance(document, dict) else "t=1,v1=0"
            return Call(path, body, {**JSON, casso.SIGNATURE_HEADER: signed})
        if isinstance(document, dict) and isinstance(document.get("data"), dict):
            body = dumps({**document, "signature": payos.sign(document["data"], secret)})
        return Call(path, body, JSON)

    return signer


def _signers(relay_channel: str) -> dict[str, tuple[str, Signer]]:
    """Route path -> (the sample's name, how to sign a body for it, well or badly)."""
    return {
        "/webhooks/facebook": ("facebook", _facebook),
        "/webhooks/tiktok": ("tiktok", _tiktok),
        "/webhooks/zalo": ("zalo", _zalo),
        "/relay/{channel}/comments": ("relay", _relay(relay_channel)),
        "/webhooks/ghn": ("ghn", _token("/webhooks/ghn", "X-Chotdon-Token", COURIER_SECRET)),
        "/webhooks/ghtk": ("ghtk", _ghtk),
        "/webhooks/viettelpost": (
            "viettelpost",
            _token("/webhooks/viettelpost", "Authorization", COURIER_SECRET),
        ),
        "/webhooks/payments": (
            "payments",
            _token("/webhooks/payments", "X-Chotdon-Token", PAYMENT_SECRET),
        ),
        **{f"/webhooks/payments/{p.value}": (p.value, _bank(p)) for p in BankProvider},
        # A cooperative's own courier addresses, verified with its own account's secret (0025).
        f"{OWN}/ghn/htx/{{slug}}": (
            "ghn",
            _token(f"{OWN}/ghn/htx/{OWN_SLUG}", "X-Chotdon-Token", COURIER_SECRET),
        ),
        f"{OWN}/ghtk/htx/{{slug}}": ("ghtk", _ghtk_own),
        f"{OWN}/viettelpost/htx/{{slug}}": (
            "viettelpost",
            _token(f"{OWN}/viettelpost/htx/{OWN_SLUG}", "Authorization", COURIER_SECRET),
        ),
    }


def _settings(settings: Settings) -> Settings:
    secret = SecretStr(COURIER_SECRET)
    return platform_settings(
        facebook_settings(settings), ghn_webhook_secret=secret, ghtk_webhook_secret=secret,
        viettelpost_webhook_secret=secret, payment_webhook_secret=SecretStr(PAYMENT_SECRET),
    )  # fmt: skip


async def _seed(db: asyncpg.Connection, settings: Settings) -> str:
    """Channels named as in the samples, each with a live, and a shipment per courier sample, so
    that a delivery that got through would reach the database."""
    shop = await seed_shop(db)
    await db.execute(  # the Facebook sample's Page
        "UPDATE channels SET external_id = 'page1' WHERE id = $1", shop.channel_id
    )
    channels: list[tuple[Platform, str, Any]] = [
        (Platform.TIKTOK, "shop1", {"access_token": "t"}),
        (Platform.ZALO, "oa1", {"access_token": "z"}),
        (Platform.RELAY, "relay-hostile", RELAY_SECRET),
    ]
    for platform, external_id, secret in channels:
        channel_id, _ = await add_channel(
            db, settings, shop.tenant_id, platform, secret, external_id=external_id
        )
        await add_live(db, shop.tenant_id, channel_id)
    for courier, tracking in (("ghn", "GHN1"), ("ghtk", "S1.A1.1"), ("viettelpost", "VTP1")):
        order_id = await add_order(db, shop, status="shipped")
        await db.execute(
            "INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, "
            "tracking_code, status) VALUES ($1, $2, $3, $4, $5, 'created')",
            shop.tenant_id, order_id, courier, f"CD-{courier}", tracking,
        )  # fmt: skip
    await db.execute("UPDATE tenants SET slug = $2 WHERE id = $1", shop.tenant_id, OWN_SLUG)
    hook = courier_cipher(settings).encrypt(COURIER_SECRET)
    for courier in Courier:  # the cooperative's own accounts, for its own webhook addresses
        await db.execute(
            "INSERT INTO courier_accounts (tenant_id, courier, token_encrypted, "
            "webhook_secret_encrypted) VALUES ($1, $2, $3, $3)", shop.tenant_id, courier.value,
            hook,
        )  # fmt: skip
    sealed = bank_cipher(settings).encrypt(BANK_SECRET)
    for provider in BankProvider:  # so a notice that got through would reach the database
        await db.execute(
            "INSERT INTO bank_connections (tenant_id, provider, account_number, secret_encrypted) "
            "VALUES ($1, $2, $3, $4)", shop.tenant_id, provider.value, BANK_ACCOUNT, sealed,
        )  # fmt: skip
    return "relay-hostile"


async def _counts(db: asyncpg.Connection) -> dict[str, int]:
    return {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in DOMAIN_TABLES}


def _inbound_routes(client: Client) -> set[str]:
    found = set()
    for route in client.server.app.router.routes():
        canonical = route.resource.canonical if route.resource is not None else ""
        if route.method == "POST" and canonical.startswith(("/webhooks/", "/relay/")):
            found.add(canonical)
    return found


async def test_a_bad_signature_or_token_is_refused_recorded_without_secrets_and_ingests_nothing(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings)
    relay_channel = await _seed(db, configured)
    before = await _counts(db)
    async with app_client(configured) as client:
        signers = _signers(relay_channel)
        assert _inbound_routes(client) == set(signers), "a new inbound route needs a signer here"
        for route, (name, signer) in signers.items():
            sample = SAMPLES[name]()
            body = dumps(sample) if name != "ghtk" else urlencode(sample).encode()
            call = signer(body, False)
            recorded = await db.fetchval("SELECT count(*) FROM webhook_deliveries")
            async with client.post(call.path, data=call.body, headers=call.headers) as answer:
                assert answer.status in {401, 403}, (route, answer.status, await answer.text())
            rows = await db.fetch(
                "SELECT * FROM webhook_deliveries ORDER BY id OFFSET $1", recorded
            )
            assert len(rows) == 1, route
            row = rows[0]
            assert not row["verified"] and row["status"] == "rejected", route
            stored = " ".join((
                orjson.dumps(dict(row["headers"])).decode(),
                bytes(row["body"]).decode("utf-8", "replace"),
                row["verification_error"] or "",
            ))  # fmt: skip
            for secret in (*SECRETS, "not-the-secret-0000"):
                assert secret not in stored, (route, secret)
        await client.server.app[INGESTOR].drain()
        assert await client.server.app[ARQ_POOL].zcard(configured.arq_queue) == 0  # no job either
    assert await _counts(db) == before


async def test_signed_hostile_bodies_get_4xx_never_500_and_refusals_write_nothing_else(
    settings: Settings, db: asyncpg.Connection
) -> None:
    configured = _settings(settings)
    relay_channel = await _seed(db, configured)
    statuses: dict[str, set[int]] = {}
    kept: set[str] = set()  # routes that kept a signed body they could not read (a dead letter)
    async with app_client(configured) as client:
        ingestor = client.server.app[INGESTOR]
        for route, (name, signer) in _signers(relay_channel).items():
            for body in fixed_bodies(name):
                call = signer(body, True)
                before, dead = await _counts(db), await _unreadable(db)
                async with client.post(call.path, data=call.body, headers=call.headers) as answer:
                    status, text = answer.status, await answer.text()
                assert status < 500, (route, body[:200], text)
                statuses.setdefault(route, set()).add(status)
                unread = await _unreadable(db) > dead
                if unread:
                    kept.add(route)
                if status >= 400 or unread:
                    await ingestor.drain()
                    assert await _counts(db) == before, (route, status, body[:200])
        await ingestor.drain()
        assert ingestor.stats.failed_batches == 0  # no accepted body poisoned a batch
    for route, seen in statuses.items():
        # the bodies were refused, or (signed, so never refused for their shape) kept unread
        assert route in kept or any(400 <= s < 500 for s in seen), (route, seen)


async def _unreadable(db: asyncpg.Connection) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'unreadable'"
    )
    return count
