"""SePay, Casso and payOS notices through the real routes, from the providers' published samples:
the receiving account finds the cooperative, its secret verifies the notice, an incoming transfer
pays that cooperative's order once, an outgoing one pays nothing, another cooperative's account
never pays this one's orders, an unknown account is 404, and an unreadable body is kept and
replayed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.bank_accounts import BankRequest, connect_bank
from aggregator.confirmation.bank_transfers import bank_replayer, source
from aggregator.confirmation.payments import payments_for_staff
from aggregator.inbox.replay import replay_unreadable
from aggregator.settings import Settings
from aggregator.web.app import create_app
from connectors.banks import ADAPTERS, sepay
from connectors.banks.notice import Direction
from connectors.simulators.banks import Transfer, post_transfer
from schema.enums import BankProvider
from tests.support.banks import addressed, signed
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins

ACCOUNT_A, ACCOUNT_B = "0011001234567", "0022009876543"
SECRETS_A = {p: f"coop-a-{p.value}-secret-0123456789" for p in BankProvider}
SECRET_B = "coop-b-sepay-secret-0123456789"
TOTAL = 360_000  # two packs of A01


@dataclass(frozen=True)
class Rig:
    client: TestClient[Any, Any]
    tenant_a: int
    tenant_b: int
    order_a: asyncpg.Record
    order_b: asyncpg.Record


async def _order(db: asyncpg.Connection, order_id: int) -> asyncpg.Record:
    row = await db.fetchrow("SELECT id, order_no, tenant_id FROM orders WHERE id = $1", order_id)
    assert row is not None
    return row


@pytest.fixture
async def rig(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> AsyncIterator[Rig]:
    own = confirmation_settings(settings)
    a = await shop_with_origins(db, stock={"A01": 5})
    b = await shop_with_origins(db, stock={"A01": 5})
    order_a = await _order(
        db, await order_from_comments(db, pool, arq_pool, a, "lan", "chốt A01 x2")
    )
    order_b = await _order(
        db, await order_from_comments(db, pool, arq_pool, b, "minh", "chốt A01 x2")
    )
    slug = "SELECT slug FROM tenants WHERE id = $1"
    slug_a, slug_b = await db.fetchval(slug, a.tenant_id), await db.fetchval(slug, b.tenant_id)
    for provider, secret in SECRETS_A.items():
        await connect_bank(pool, own, BankRequest(slug_a, provider, ACCOUNT_A, secret))
    await connect_bank(pool, own, BankRequest(slug_b, BankProvider.SEPAY, ACCOUNT_B, SECRET_B))
    async with TestClient(TestServer(create_app(own))) as client:
        yield Rig(client, a.tenant_id, b.tenant_id, order_a, order_b)


def _notice(
    provider: BankProvider, content: str, tid: int, *, account: str = ACCOUNT_A,
    amount: int = TOTAL, secret: str | None = None, **changes: Any,
) -> tuple[bytes, dict[str, str]]:  # fmt: skip
    body = addressed(provider, account=account, content=content, transaction_id=tid, amount=amount)
    body.update(changes)
    return signed(provider, body, secret or SECRETS_A[provider])


async def _post(
    rig: Rig, provider: BankProvider, request: tuple[bytes, dict[str, str]]
) -> tuple[int, Any]:
    raw, headers = request
    url = f"/webhooks/payments/{provider.value}"
    answer = await rig.client.post(url, data=raw, headers={"Content-Type": "application/json",
                                                           **headers})  # fmt: skip
    return answer.status, await answer.json()


async def _paid(db: asyncpg.Connection, order: asyncpg.Record) -> bool:
    return bool(
        await db.fetchval("SELECT paid_at IS NOT NULL FROM orders WHERE id = $1", order["id"])
    )


async def _deliveries(db: asyncpg.Connection, provider: BankProvider) -> list[tuple[Any, ...]]:
    rows = await db.fetch(
        "SELECT status, delivery_key, verified, error, tenant_id FROM webhook_deliveries "
        "WHERE source = $1 ORDER BY id", source(provider),
    )  # fmt: skip
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("provider", list(BankProvider))
async def test_an_incoming_transfer_pays_the_order_once(
    rig: Rig, db: asyncpg.Connection, provider: BankProvider
) -> None:
    number = rig.order_a["order_no"]
    request = _notice(provider, f"MBVCB.3278.{number}.CT tu 0011 NGUYEN THI LAN", 5001)
    # Three deliveries at once (the provider retrying a slow answer), then one more later.
    first = await asyncio.gather(*(_post(rig, provider, request) for _ in range(3)))
    assert first == [(200, {"success": True})] * 3
    assert await _paid(db, rig.order_a)
    assert await _post(rig, provider, request) == (200, {"success": True})
    payments = await db.fetch("SELECT * FROM payments")
    assert [(p["source"], p["status"], p["tenant_id"], p["order_id"], p["amount_vnd"])
            for p in payments] == [
        (source(provider), "matched", rig.tenant_a, rig.order_a["id"], TOTAL)]  # fmt: skip
    assert payments[0]["transferred_at"] is not None
    events = await db.fetchval(
        "SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'payment_received'",
        rig.order_a["id"],
    )
    assert events == 1
    tid = "FT5001" if provider is BankProvider.PAYOS else "5001"
    key = f"{provider.value}:{tid}"
    assert sorted(await _deliveries(db, provider), key=lambda d: d[0] != "processed") == [
        ("processed", key, True, None, rig.tenant_a),
        *[("duplicate", None, True, f"duplicate of delivery {key}", rig.tenant_a)] * 3,
    ]
    assert not await _paid(db, rig.order_b)


async def test_partial_transfers_add_up_and_one_transaction_id_per_provider(
    rig: Rig, db: asyncpg.Connection
) -> None:
    number = rig.order_a["order_no"]
    first = _notice(BankProvider.SEPAY, f"{number} dat coc", 7001, amount=200_000)
    second = _notice(BankProvider.CASSO, f"{number} con lai", 7001, amount=160_000)
    await _post(rig, BankProvider.SEPAY, first)
    assert not await _paid(db, rig.order_a)
    await _post(rig, BankProvider.CASSO, second)  # same id, other provider: another transfer
    assert await _paid(db, rig.order_a)
    rows = await db.fetch("SELECT source, transaction_id, status FROM payments ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("bank:sepay", "7001", "partial"), ("bank:casso", "7001", "matched"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "changes"),
    [(BankProvider.SEPAY, {"transferType": "out"}), (BankProvider.CASSO, {"amount": -TOTAL})],
)
async def test_an_outgoing_transfer_pays_nothing(
    rig: Rig, db: asyncpg.Connection, provider: BankProvider, changes: dict[str, Any]
) -> None:
    body = addressed(provider, account=ACCOUNT_A, content=rig.order_a["order_no"],
                     transaction_id=6001, amount=TOTAL)  # fmt: skip
    (body["data"] if provider is BankProvider.CASSO else body).update(changes)
    status, _ = await _post(rig, provider, signed(provider, body, SECRETS_A[provider]))
    assert status == 200
    assert not await _paid(db, rig.order_a)
    assert await db.fetchval("SELECT count(*) FROM payments") == 0
    [delivery] = await _deliveries(db, provider)
    assert delivery[0] == "processed" and delivery[3] == "outgoing: ignored"


async def test_another_cooperatives_account_never_pays_this_ones_orders(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    # A transfer into B's account that names A's order (a mistaken or malicious content).
    into_b = _notice(BankProvider.SEPAY, rig.order_a["order_no"], 8001, account=ACCOUNT_B,
                     secret=SECRET_B)  # fmt: skip
    assert await _post(rig, BankProvider.SEPAY, into_b) == (200, {"success": True})
    assert not await _paid(db, rig.order_a) and not await _paid(db, rig.order_b)
    waiting = await payments_for_staff(pool, rig.tenant_b)
    assert [(p["transaction_id"], p["status"], p["order_id"]) for p in waiting] == [
        ("8001", "unmatched", None)]  # fmt: skip
    assert await payments_for_staff(pool, rig.tenant_a) == []
    # A's own secret cannot speak for B's account.
    forged = _notice(BankProvider.SEPAY, rig.order_b["order_no"], 8002, account=ACCOUNT_B)
    assert (await _post(rig, BankProvider.SEPAY, forged))[0] == 403
    assert not await _paid(db, rig.order_b)


async def test_unknown_accounts_and_bad_signatures_are_refused_and_recorded(
    rig: Rig, db: asyncpg.Connection
) -> None:
    number = rig.order_a["order_no"]
    for provider in BankProvider:
        unknown = _notice(provider, number, 9001, account="0099000000000")
        status, body = await _post(rig, provider, unknown)
        assert (status, body["success"]) == (404, False)
        raw, headers = _notice(provider, number, 9002, secret="not-the-cooperatives-secret")
        assert (await _post(rig, provider, (raw, headers)))[0] == 403
        unsigned = orjson.loads(raw)
        unsigned.pop("signature", None)
        assert (await _post(rig, provider, (orjson.dumps(unsigned), {})))[0] == 401
        assert [(d[0], d[2], d[4]) for d in await _deliveries(db, provider)] == [
            ("rejected", False, None)] * 3  # fmt: skip
    assert (await _post(rig, BankProvider.SEPAY, (b"not json", {})))[0] == 404
    assert not await _paid(db, rig.order_a)
    assert await db.fetchval("SELECT count(*) FROM payments") == 0


async def test_a_payment_payos_did_not_complete_is_recorded_and_ignored(
    rig: Rig, db: asyncpg.Connection
) -> None:
    body = addressed(BankProvider.PAYOS, account=ACCOUNT_A, content=rig.order_a["order_no"],
                     transaction_id=9101, amount=TOTAL)  # fmt: skip
    body["data"]["code"] = "01"
    raw, headers = signed(BankProvider.PAYOS, body, SECRETS_A[BankProvider.PAYOS])
    assert await _post(rig, BankProvider.PAYOS, (raw, headers)) == (200, {"success": True})
    assert not await _paid(db, rig.order_a)
    assert [(d[0], d[1], d[3]) for d in await _deliveries(db, BankProvider.PAYOS)] == [
        ("processed", None, "ignored: payOS code 01")]  # fmt: skip


def _reads_credit(body: bytes) -> Any:
    """SePay's parser after an imagined upgrade that learnt transferType 'credit' means in."""
    document = orjson.loads(body)
    if document.get("transferType") == "credit":
        document["transferType"] = "in"
    return sepay.parse(orjson.dumps(document))


async def test_an_unreadable_verified_notice_is_kept_then_replayed_once(
    rig: Rig, db: asyncpg.Connection, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = _notice(BankProvider.SEPAY, rig.order_a["order_no"], 9201, transferType="credit")
    assert await _post(rig, BankProvider.SEPAY, kept) == (200, {"success": True})
    assert await _deliveries(db, BankProvider.SEPAY) == [
        ("unreadable", None, True, "unknown transferType 'credit'", rig.tenant_a)
    ]
    assert not await _paid(db, rig.order_a)
    source_name = source(BankProvider.SEPAY)
    today = await replay_unreadable(pool, {source_name: bank_replayer(pool, BankProvider.SEPAY)})
    assert today.unreadable == {source_name: 1} and not await _paid(db, rig.order_a)

    upgraded = replace(ADAPTERS[BankProvider.SEPAY], parse=_reads_credit)
    monkeypatch.setitem(ADAPTERS, BankProvider.SEPAY, upgraded)
    replayers = {source_name: bank_replayer(pool, BankProvider.SEPAY)}
    assert (await replay_unreadable(pool, replayers)).read == {source_name: 1}
    assert await _paid(db, rig.order_a)
    second = await replay_unreadable(pool, replayers)
    assert (second.read, second.unreadable) == ({}, {})
    rows = await db.fetch("SELECT source, transaction_id, status, delivery_id FROM payments")
    delivery_id = await db.fetchval("SELECT id FROM webhook_deliveries WHERE source = $1",
                                    source_name)  # fmt: skip
    assert [tuple(r) for r in rows] == [(source_name, "9201", "matched", delivery_id)]
    # The same transaction arriving live afterwards is recognised as already stored.
    relive = _notice(BankProvider.SEPAY, rig.order_a["order_no"], 9201)
    assert await _post(rig, BankProvider.SEPAY, relive) == (200, {"success": True})
    assert await db.fetchval("SELECT count(*) FROM payments") == 1
    statuses = [d[0] for d in await _deliveries(db, BankProvider.SEPAY)]
    assert statuses == ["processed", "duplicate"]


async def test_a_sepay_notice_with_the_api_key_instead_of_a_signature_pays_too(
    rig: Rig, db: asyncpg.Connection
) -> None:
    raw, _ = _notice(BankProvider.SEPAY, rig.order_a["order_no"], 9301)
    apikey = {"Authorization": f"Apikey {SECRETS_A[BankProvider.SEPAY]}"}
    assert await _post(rig, BankProvider.SEPAY, (raw, apikey)) == (200, {"success": True})
    assert await _paid(db, rig.order_a)
    headers = await db.fetchval("SELECT headers FROM webhook_deliveries WHERE verified")
    assert "authorization" not in headers  # the key is never stored


async def test_the_simulators_transfers_go_through_the_real_routes(
    rig: Rig, db: asyncpg.Connection
) -> None:
    number, base = rig.order_a["order_no"], str(rig.client.make_url("")).rstrip("/")
    parts = {BankProvider.SEPAY: 100_000, BankProvider.CASSO: 100_000, BankProvider.PAYOS: 160_000}
    for n, (provider, amount) in enumerate(parts.items()):
        transfer = Transfer(ACCOUNT_A, amount, f"{number} chuyen khoan", 9400 + n)
        status = await post_transfer(rig.client.session, base, provider, transfer,
                                     SECRETS_A[provider])  # fmt: skip
        assert status == 200
    assert await _paid(db, rig.order_a)
    statuses = await db.fetch("SELECT source, status FROM payments ORDER BY id")
    assert [tuple(r) for r in statuses] == [
        ("bank:sepay", "partial"), ("bank:casso", "partial"), ("bank:payos", "matched"),
    ]  # fmt: skip
    out = Transfer(ACCOUNT_A, 50_000, "tra lai khach", 9500, direction=Direction.OUT)
    assert await post_transfer(rig.client.session, base, BankProvider.CASSO, out,
                               SECRETS_A[BankProvider.CASSO]) == 200  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM payments") == 3
