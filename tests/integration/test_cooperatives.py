"""Two cooperatives side by side on one installation, each with its own courier account and its
own bank account: each one's parcels are booked with its own token and shop id, each one's
courier webhooks and payment notices are verified with its own secret and move only its own
orders; without an account of its own a cooperative falls back to the installation's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from pydantic import SecretStr

from aggregator.confirmation.view import load_order_page
from aggregator.core.cooperative import vietqr_from_form
from aggregator.credentials.keyring import rotate_credentials
from aggregator.settings import Settings
from aggregator.shipping.accounts import AccountForm, account_for, save_account
from aggregator.shipping.handoff import Outcome, mark_packed
from aggregator.staff.cooperatives import connect_provider, save_vietqr
from aggregator.web.app import create_app
from connectors.simulators.courier_webhooks import Scenario, WebhookTarget
from connectors.simulators.couriers import CourierSimulator
from schema.enums import BankProvider, Courier
from tests.support.banks import addressed, signed
from tests.support.factories import Shop, seed_shop
from tests.support.shipping import TOKENS, book, courier_settings, seed_packing_orders

G = Courier.GHN
OWN = {"a": ("token-htx-a", "1001", "hook-a-secret"), "b": ("token-htx-b", "2002", "hook-b")}
ACCOUNTS = {"a": "0011001234567", "b": "0022009876543"}
BANK_SECRETS = {"a": "sepay-key-of-htx-a-0123456789", "b": "sepay-key-of-htx-b-9876543210"}


@dataclass
class Rig:
    sim: CourierSimulator
    settings: Settings
    client: TestClient[Any, Any]
    shops: dict[str, Shop]
    slugs: dict[str, str]
    orders: dict[str, list[int]]


@pytest.fixture
async def rig(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> AsyncIterator[Rig]:
    sim = CourierSimulator(TOKENS)
    await sim.start()
    own = courier_settings(
        settings, sim, app_secret=SecretStr("app-secret-of-the-tests-0123456789")
    )
    sim.accounts[G] = {token: shop for token, shop, _ in OWN.values()}
    shops, slugs, orders = {}, {}, {}
    for n, key in enumerate(("a", "b", "plain")):
        shop = await seed_shop(db, slug=f"htx-{key}")
        shops[key] = shop
        slugs[key] = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
        orders[key] = await seed_packing_orders(db, shop, 2, G, first_phone=n * 100)
        await mark_packed(pool, arq_pool, orders[key], actor="staff:test")
        if key in OWN:
            token, shop_id, hook = OWN[key]
            await save_account(pool, own, shop.tenant_id, AccountForm(G, token, shop_id, hook))
            await connect_provider(pool, own, shop.tenant_id, BankProvider.SEPAY, ACCOUNTS[key],
                                   BANK_SECRETS[key])  # fmt: skip
    async with TestClient(TestServer(create_app(own))) as client:
        yield Rig(sim, own, client, shops, slugs, orders)
    await sim.stop()


async def _order_no(db: asyncpg.Connection, order_id: int) -> str:
    return str(await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id))


async def _status(db: asyncpg.Connection, order_id: int) -> str:
    return str(await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id))


async def test_each_cooperative_books_with_its_own_token_and_shop_id(
    db: asyncpg.Connection, pool: asyncpg.Pool, rig: Rig
) -> None:
    for key, order_ids in rig.orders.items():
        rig.sim.callers.clear()
        assert await book(pool, rig.settings, order_ids[0]) is Outcome.CREATED
        creates = {(token, shop) for courier, token, shop in rig.sim.callers if courier is G}
        expected = (OWN[key][0], OWN[key][1]) if key in OWN else (TOKENS[G], "885")
        assert creates == {expected}, key
    booked = await db.fetchval("SELECT count(*) FROM shipments WHERE tracking_code IS NOT NULL")
    assert booked == 3


async def test_each_cooperatives_webhook_address_takes_only_its_secret_and_its_parcels(
    db: asyncpg.Connection, pool: asyncpg.Pool, rig: Rig
) -> None:
    a1, a2 = rig.orders["a"]
    for order_id in (a1, a2):
        await book(pool, rig.settings, order_id)
    base = str(rig.client.make_url("")).rstrip("/")

    def hook(key: str, secret: str) -> WebhookTarget:
        return WebhookTarget(f"{base}/webhooks/ghn/htx/{rig.slugs[key]}",
                             {"X-Chotdon-Token": secret})  # fmt: skip

    rig.sim.targets[G] = hook("a", OWN["a"][2])
    answers = await rig.sim.walk(G, await _order_no(db, a1), Scenario.DELIVER)
    assert set(answers) == {200}
    assert await _status(db, a1) == "delivered"
    # The installation's secret, or B's, does not open A's address.
    for wrong in ("hook-secret-ghn", OWN["b"][2]):
        rig.sim.targets[G] = hook("a", wrong)
        assert set(await rig.sim.walk(G, await _order_no(db, a2), Scenario.DELIVER)) == {401}
    # B's address with B's secret cannot move A's parcel: unknown to B.
    rig.sim.targets[G] = hook("b", OWN["b"][2])
    assert set(await rig.sim.walk(G, await _order_no(db, a2), Scenario.DELIVER)) == {404}
    assert await _status(db, a2) == "packed"
    refused = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE source = 'courier:ghn' "
        "AND status = 'rejected'"
    )
    assert refused >= 3  # every refusal recorded
    unknown = await rig.client.post("/webhooks/ghn/htx/khong-co-htx-nay", data=b"{}")
    assert unknown.status == 404


async def test_each_cooperatives_payment_notices_are_verified_with_its_own_secret(
    db: asyncpg.Connection, rig: Rig
) -> None:
    async def notice(account: str, secret: str, tid: int) -> int:
        body = addressed(BankProvider.SEPAY, account=account, content="CK CD0000001",
                         transaction_id=tid, amount=10_000)  # fmt: skip
        raw, headers = signed(BankProvider.SEPAY, body, secret)
        answer = await rig.client.post(
            "/webhooks/payments/sepay", data=raw,
            headers={"Content-Type": "application/json", **headers},
        )  # fmt: skip
        return answer.status

    assert await notice(ACCOUNTS["a"], BANK_SECRETS["a"], 9101) == 200
    assert await notice(ACCOUNTS["b"], BANK_SECRETS["b"], 9102) == 200
    assert await notice(ACCOUNTS["a"], BANK_SECRETS["b"], 9103) == 403
    assert await notice(ACCOUNTS["b"], BANK_SECRETS["a"], 9104) == 403
    verified = await db.fetch(
        "SELECT tenant_id FROM webhook_deliveries WHERE source = 'bank:sepay' AND verified "
        "ORDER BY id"
    )
    tenants = [r["tenant_id"] for r in verified]
    assert tenants == [rig.shops["a"].tenant_id, rig.shops["b"].tenant_id]


async def test_courier_secrets_are_sealed_and_a_blank_field_keeps_them(
    db: asyncpg.Connection, pool: asyncpg.Pool, rig: Rig
) -> None:
    tenant = rig.shops["a"].tenant_id
    raw = await db.fetchrow("SELECT * FROM courier_accounts WHERE tenant_id = $1", tenant)
    assert b"token-htx-a" not in raw["token_encrypted"]
    assert b"hook-a-secret" not in raw["webhook_secret_encrypted"]
    await save_account(pool, rig.settings, tenant, AccountForm(G, "", "1009", ""))
    opened = await account_for(pool, rig.settings, tenant, G)
    assert opened is not None
    assert (opened.token, opened.shop_id, opened.webhook_secret) == (
        "token-htx-a", "1009", "hook-a-secret"
    )  # fmt: skip
    assert "token-htx-a" not in repr(opened)


async def test_rotating_keys_reseals_courier_accounts(pool: asyncpg.Pool, rig: Rig) -> None:
    tenant = rig.shops["b"].tenant_id
    old = rig.settings.app_secret
    assert old is not None
    new_key = "a-new-credential-key-0123456789abcdef"
    both = rig.settings.model_copy(
        update={"credential_keys": SecretStr(f"{new_key},{old.get_secret_value()}")}
    )
    done = await rotate_credentials(pool, both)
    assert done.unreadable_couriers == [] and done.resealed >= 2
    only_new = rig.settings.model_copy(update={"credential_keys": SecretStr(new_key)})
    opened = await account_for(pool, only_new, tenant, G)
    assert opened is not None and (opened.token, opened.webhook_secret) == ("token-htx-b", "hook-b")


async def test_each_cooperatives_buyers_see_its_own_vietqr_account(
    pool: asyncpg.Pool, rig: Rig
) -> None:
    for key in OWN:
        account = vietqr_from_form({"bank_bin": "970405", "account_no": ACCOUNTS[key],
                                    "account_name": f"HTX {key}"})  # fmt: skip
        async with pool.acquire() as conn:
            await save_vietqr(conn, rig.shops[key].tenant_id, account)
    for key in OWN:
        async with pool.acquire() as conn:
            page = await load_order_page(conn, rig.orders[key][0])
        assert page is not None and page.bank is not None
        assert (page.bank.account_no, page.bank.account_name) == (
            ACCOUNTS[key],
            f"HTX {key.upper()}",
        )
    async with pool.acquire() as conn:
        plain = await load_order_page(conn, rig.orders["plain"][0])
    assert plain is not None and plain.bank is None  # no account: buyers pay on delivery
