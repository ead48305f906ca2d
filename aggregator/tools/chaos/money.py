"""Money in a chaos run: buyers who chose VietQR pay in full, pay part, or never pay; and the
rules of one live (stock, prepayment, COD, no empty parcels) checked from Postgres afterwards.

Buyers pay through the web process's own payments webhook (the way a bank's notice arrives),
retried until it is acknowledged, so a killed web process or a dropped connection costs only a
retry; the transaction id makes a repeat count once. The figures read Postgres, not the robots'
counters: a parcel that left for a buyer who owed a prepayment, an oversold pool, a parcel with no
goods or a COD that is not what is still owed is a failure of chotdon, whatever the robots did.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiohttp
import asyncpg
import orjson
import structlog

log = structlog.get_logger()
TOKEN_HEADER = "x-chotdon-token"
PAY_AT_ONCE = 40
# The director's payment deadline, shortened for the run (hours in a real shop): the buyers who
# never pay must see their orders expire and their stock go back while the run settles.
DEADLINE_S = 20

# Orders waiting for a transfer: must prepay (VietQR), confirmed, not paid in full.
AWAITING = (
    "SELECT id, order_no, total_vnd, chotdon_paid_vnd(id) AS paid FROM orders "
    "WHERE session_id = ANY($1::bigint[]) AND status = 'confirmed' AND paid_at IS NULL "
    "AND payment_method = 'vietqr' ORDER BY id LIMIT 500"
)
SHORTEN_DEADLINES = (
    "UPDATE orders SET payment_deadline = now() + make_interval(secs => $2), "
    "payment_remind_at = now() + make_interval(secs => $2 / 2.0) "
    "WHERE id = ANY($1::bigint[]) AND payment_deadline IS NOT NULL AND paid_at IS NULL"
)

# Every rule of one live, from Postgres, each must be 0:
# - oversold: a (live, product, variant) whose held lines, over every channel, exceed its pool;
# - shipped_unpaid_prepay: a parcel booked or packed for an order that had to be paid first
#   (VietQR chosen, a first-payment live, or a blocked phone) and is not paid in full;
# - shipped_empty: a parcel for an order that holds no goods;
# - cod_mismatch: a parcel whose COD is not the order's total less what was transferred.
LIVE_RULES = """
WITH shipped AS (
    SELECT o.*, s.cod_vnd FROM orders o
    JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
)
SELECT
  (SELECT count(*) FROM live_stock st JOIN (
      SELECT o.live_id, i.product_id, i.variant, sum(i.qty) AS held
      FROM order_items i JOIN orders o ON o.id = i.order_id
      WHERE i.status = 'held' AND o.live_id IS NOT NULL GROUP BY 1, 2, 3
   ) h USING (live_id, product_id, variant)
   WHERE h.held > st.quantity) AS oversold,
  (SELECT count(*) FROM orders o
   WHERE o.status IN ('packing', 'packed', 'shipped', 'delivered', 'returned')
     AND o.paid_at IS NULL AND o.payment_method <> 'platform'
     AND (o.payment_method = 'vietqr'
          OR EXISTS (SELECT 1 FROM lives l WHERE l.id = o.live_id
                     AND l.hold_mode = 'first_payment')
          OR EXISTS (SELECT 1 FROM blocked_phones bp JOIN buyers b ON b.id = o.buyer_id
                     WHERE bp.tenant_id = o.tenant_id
                       AND bp.phone IN (o.recipient_phone, b.phone)))) AS shipped_unpaid_prepay,
  (SELECT count(*) FROM shipped o WHERE NOT EXISTS (
      SELECT 1 FROM order_items i WHERE i.order_id = o.id
        AND i.status IN ('held', 'requested'))) AS shipped_empty,
  (SELECT count(*) FROM shipped o
   WHERE o.cod_vnd <> CASE WHEN o.paid_at IS NOT NULL OR o.payment_method = 'platform' THEN 0
                           ELSE greatest(o.total_vnd - chotdon_paid_vnd(o.id), 0) END)
      AS cod_mismatch
"""
PAYMENTS = """
SELECT count(*) FILTER (WHERE payment_method = 'vietqr') AS vietqr_orders,
       count(*) FILTER (WHERE payment_method = 'vietqr' AND paid_at IS NOT NULL) AS paid_in_full,
       count(*) FILTER (WHERE payment_method = 'vietqr' AND paid_at IS NULL
                          AND chotdon_paid_vnd(id) > 0) AS paid_in_part,
       count(*) FILTER (WHERE payment_method = 'vietqr' AND status = 'expired'
                          AND paid_at IS NULL) AS expired_unpaid
FROM orders
"""


class Payer(StrEnum):
    FULL = "full"
    PART = "part"  # half, and never the rest: the order must not ship, and expires
    NEVER = "never"


def payer_of(seed: int, order_no: str) -> Payer:
    draw = random.Random(f"{seed}:pay:{order_no}").random()
    return Payer.FULL if draw < 0.55 else Payer.PART if draw < 0.75 else Payer.NEVER


@dataclass
class Buyers:
    """Buyers who chose VietQR, each paying the way payer_of says, once."""

    pool: asyncpg.Pool
    http: aiohttp.ClientSession
    base_url: str
    token: str
    session_ids: list[int]
    seed: int
    handled: set[int] = field(default_factory=set)
    transfers: int = 0
    _gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PAY_AT_ONCE))

    async def pay(self) -> None:
        rows = await self.pool.fetch(AWAITING, self.session_ids)
        todo = [r for r in rows if r["id"] not in self.handled]
        await asyncio.gather(*(self._pay(r) for r in todo))

    async def _pay(self, order: asyncpg.Record) -> None:
        payer = payer_of(self.seed, order["order_no"])
        amount = {Payer.FULL: order["total_vnd"] - order["paid"],
                  Payer.PART: order["total_vnd"] // 2, Payer.NEVER: 0}[payer]  # fmt: skip
        if amount > 0:
            notice = {
                "transaction_id": f"chaos-{order['order_no']}",
                "amount": amount,
                "content": f"MBVCB.{order['id']}.{order['order_no']}.CT tu chaos",
            }
            async with self._gate:
                await self._post(orjson.dumps(notice))
            self.transfers += 1
        self.handled.add(order["id"])

    async def _post(self, body: bytes) -> None:
        """Until the web process acknowledges it (it may be down, or Postgres away)."""
        headers = {TOKEN_HEADER: self.token, "content-type": "application/json"}
        while True:
            try:
                async with self.http.post(f"{self.base_url}/webhooks/payments", data=body,
                                          headers=headers) as response:  # fmt: skip
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.info("chaos.payment_retry", error=repr(exc)[:200])
            await asyncio.sleep(0.5)


async def live_rule_figures(pool: asyncpg.Pool) -> dict[str, Any]:
    rules = await pool.fetchrow(LIVE_RULES)
    payments = await pool.fetchrow(PAYMENTS)
    assert rules is not None and payments is not None
    return {**{k: int(v) for k, v in rules.items()}, **{k: int(v) for k, v in payments.items()}}
