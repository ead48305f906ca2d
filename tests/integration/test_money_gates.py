"""Money gates (issue 19 item 3): an order that must prepay (VietQR chosen, blocked phone, risk at
or above the director's threshold) or that holds nothing is refused by every path that could
send it: the packer's claim (service and the SQL function itself), the state module, a raw
UPDATE (trigger), the barcode scan, the courier booking and its sweep. Paying opens the gate."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from arq.connections import ArqRedis

from aggregator.core.prepay import MoneyRules
from aggregator.core.risk import RiskLevel
from aggregator.orders.money import ShipBlockedError, save_money_rules, ship_blocks
from aggregator.orders.state import transition
from aggregator.settings import Settings
from aggregator.shipping.handoff import Outcome, mark_packed, sweep_unshipped
from aggregator.staff.accounts import StaffUser
from aggregator.staff.packing import claim_next, pack_scanned
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier, StaffRole
from schema.states import OrderStatus
from tests.support.factories import Shop, seed_shop
from tests.support.shipping import (
    book,
    courier_settings,
    running_simulator,
    seed_packing_orders,
)
from tests.support.staff import add_staff

GATES = ["vietqr", "blocked", "risky"]


@pytest.fixture
async def simulator() -> AsyncIterator[CourierSimulator]:
    async with running_simulator() as sim:
        yield sim


@pytest.fixture
def ship_settings(settings: Settings, simulator: CourierSimulator) -> Settings:
    return courier_settings(settings, simulator)


async def gate(
    db: asyncpg.Connection, pool: asyncpg.Pool, shop: Shop, order_id: int, why: str
) -> None:
    """Make the order one that must prepay, for the reason `why`."""
    phone = await db.fetchval("SELECT recipient_phone FROM orders WHERE id = $1", order_id)
    if why == "vietqr":
        await db.execute("UPDATE orders SET payment_method = 'vietqr' WHERE id = $1", order_id)
    elif why == "blocked":
        await db.execute(
            "INSERT INTO blocked_phones (tenant_id, phone, reason, blocked_by) "
            "VALUES ($1, $2, 'bom 3 đơn', 'test')", shop.tenant_id, phone,
        )  # fmt: skip
    else:  # refused 2 of 3 parcels: high risk; the director requires prepayment from high up
        await db.execute(
            "UPDATE buyers SET delivered_count = 1, returned_count = 2 WHERE phone = $1", phone
        )
        async with pool.acquire() as conn:
            await save_money_rules(conn, shop.tenant_id, MoneyRules(RiskLevel.HIGH))


async def pay(db: asyncpg.Connection, order_id: int, amount: int, *, full: bool) -> None:
    """A bank transfer as apply_payment stores it (payments row, paid_at once paid in full)."""
    status = "matched" if full else "partial"
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, order_id, status) "
        "SELECT tenant_id, 'tx-' || id || '-' || $2::bigint, $2::bigint, id, $3 FROM orders "
        "WHERE id = $1",
        order_id, amount, status,
    )  # fmt: skip
    if full:
        await db.execute("UPDATE orders SET paid_at = now() WHERE id = $1", order_id)


async def packer(db: asyncpg.Connection, shop: Shop) -> StaffUser:
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.PACKER)
    return StaffUser(staff_id, shop.tenant_id, login, login, StaffRole.PACKER)


@pytest.mark.parametrize("why", GATES)
async def test_an_unpaid_prepay_order_is_never_claimed(
    db: asyncpg.Connection, pool: asyncpg.Pool, why: str
) -> None:
    shop = await seed_shop(db)
    gated, fine = await seed_packing_orders(db, shop, 2, Courier.GHN)
    await db.execute("UPDATE orders SET status = 'confirmed' WHERE id = ANY($1)", [gated, fine])
    await gate(db, pool, shop, gated, why)
    me = await packer(db, shop)

    assert await claim_next(pool, me) == fine  # the older gated order is passed over
    assert await claim_next(pool, me) is None
    # The SQL function every claim goes through, called directly.
    assert (
        await db.fetchval("SELECT chotdon_claim_next_order($1, $2)", shop.tenant_id, me.id) is None
    )
    async with pool.acquire() as conn, conn.transaction():
        assert await ship_blocks(conn, [gated, fine]) == {gated: "unpaid"}
        moved = await transition(conn, [gated], OrderStatus.PACKING, actor="t", reason="t")
    assert moved.refused == [gated]  # the state module refuses it too
    with pytest.raises(asyncpg.CheckViolationError, match="unpaid"):  # and a raw UPDATE
        await db.execute("UPDATE orders SET status = 'packing' WHERE id = $1", gated)
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", gated) == "confirmed"
    queue_row = await db.fetchval("SELECT chotdon_ship_block(id) FROM orders WHERE id = $1", gated)
    assert queue_row == "unpaid"

    await pay(db, gated, 360_000, full=True)
    assert await claim_next(pool, me) == gated


@pytest.mark.parametrize("why", GATES)
async def test_an_unpaid_prepay_order_is_never_packed(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, why: str
) -> None:
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHTK)
    await gate(db, pool, shop, order_id, why)  # became prepay while a packer held it
    me = await packer(db, shop)
    await db.execute("UPDATE orders SET claimed_by = $2 WHERE id = $1", order_id, me.id)  # hers
    with pytest.raises(ShipBlockedError) as refused:
        await pack_scanned(pool, arq_pool, me, order_id)
    assert "chờ chuyển khoản" in refused.value.staff_message
    assert await mark_packed(pool, arq_pool, [order_id], actor="staff:t") == []
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "packing"
    await pay(db, order_id, 360_000, full=True)
    assert await pack_scanned(pool, arq_pool, me, order_id)


@pytest.mark.parametrize("why", GATES)
async def test_an_unpaid_prepay_order_is_never_booked(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, ship_settings: Settings,
    simulator: CourierSimulator, why: str,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.VIETTELPOST)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", order_id)
    await gate(db, pool, shop, order_id, why)  # after packing, before the booking job ran
    assert await book(pool, ship_settings, order_id) is Outcome.HELD
    assert simulator.count() == 0
    held = await db.fetchrow(
        "SELECT reason, data FROM order_events WHERE order_id = $1 AND kind = 'shipment_held'",
        order_id,
    )
    assert held["data"] == {"block": "unpaid"} and "chờ chuyển khoản" in held["reason"]
    await db.execute("UPDATE orders SET updated_at = now() - interval '1 minute'")
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 0  # waits for the transfer
    await pay(db, order_id, 360_000, full=True)
    assert await sweep_unshipped(pool, arq_pool, stale_after_s=0) == 1
    assert await book(pool, ship_settings, order_id) is Outcome.CREATED
    [parcel] = simulator.parcels.values()
    assert parcel.body["MONEY_COLLECTION"] == 0  # paid in full: nothing to collect


async def test_a_partly_paid_prepay_order_still_waits_for_the_balance(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.GHN)
    await db.execute("UPDATE orders SET status = 'confirmed' WHERE id = $1", order_id)
    await gate(db, pool, shop, order_id, "vietqr")
    await pay(db, order_id, 100_000, full=False)
    me = await packer(db, shop)
    assert await claim_next(pool, me) is None  # 260.000 ₫ still owed: not before it is paid
    await pay(db, order_id, 260_000, full=True)
    assert await claim_next(pool, me) == order_id


async def test_an_order_holding_nothing_is_never_claimed_packed_or_booked(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, ship_settings: Settings,
    simulator: CourierSimulator,
) -> None:  # fmt: skip
    shop = await seed_shop(db)
    waiting, packing, packed = await seed_packing_orders(db, shop, 3, Courier.GHN)
    await db.execute("UPDATE orders SET status = 'confirmed' WHERE id = $1", waiting)
    await db.execute("UPDATE orders SET status = 'packed' WHERE id = $1", packed)
    # Only a waitlisted, an unclear and a removed line left: nothing to put in a parcel.
    await db.execute(
        "UPDATE order_items SET status = (ARRAY['waitlisted', 'unclear', 'removed'])[ord] "
        "FROM unnest($1::bigint[]) WITH ORDINALITY AS u(oid, ord) WHERE order_id = u.oid",
        [waiting, packing, packed],
    )  # fmt: skip
    me = await packer(db, shop)
    assert await claim_next(pool, me) is None
    assert (
        await db.fetchval("SELECT chotdon_claim_next_order($1, $2)", shop.tenant_id, me.id) is None
    )
    with pytest.raises(ShipBlockedError) as refused:
        await pack_scanned(pool, arq_pool, me, packing)
    assert refused.value.block == "empty"
    assert await book(pool, ship_settings, packed) is Outcome.HELD
    assert simulator.count() == 0
