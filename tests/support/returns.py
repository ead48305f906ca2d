"""A delivered order ready for a return: recipient and 2025 address, a GHN shipment, the courier's
delivered move in the event log; and a phone photo to upload."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta

import asyncpg
from PIL import Image

from tests.support.factories import Shop
from tests.support.staff import add_order

HANOI, HOAN_KIEM = "1", "70"
_phones = itertools.count(12_345_678)


async def delivered_order(
    db: asyncpg.Connection, shop: Shop, *, days_ago: float = 1, method: str = "cod"
) -> int:
    """2 × A01 (180.000 đ) delivered `days_ago` days ago, recipient Nguyễn Thị Lan in Hà Nội."""
    phone = f"09{next(_phones):08d}"
    order_id = await add_order(db, shop, status="delivered", phone=phone)
    delivered_at = datetime.now(UTC) - timedelta(days=days_ago)
    await db.execute(
        "UPDATE orders SET recipient_name = 'Nguyễn Thị Lan', recipient_phone = $5, "
        "province_code = $2, ward_code = $3, address_line = 'Số 5 ngõ 12 phố Hàng Bông', "
        "payment_method = $4, paid_at = CASE WHEN $4 = 'vietqr' THEN now() END WHERE id = $1",
        order_id, HANOI, HOAN_KIEM, method, phone,
    )  # fmt: skip
    # The buyer as Facebook knows them: news of the return reach them there.
    identity = await db.fetchval(
        "INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id) "
        "SELECT tenant_id, buyer_id, $2, 'psid-' || id FROM orders WHERE id = $1 RETURNING id",
        order_id, shop.channel_id,
    )  # fmt: skip
    await db.execute("UPDATE orders SET buyer_identity_id = $2 WHERE id = $1", order_id, identity)
    await db.execute(
        "INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, tracking_code, "
        "status, cod_vnd) VALUES ($1, $2, 'ghn', $3, $4, 'delivered', 360000)",
        shop.tenant_id, order_id, f"CD{order_id}", f"GHNOUT{order_id:05d}",
    )  # fmt: skip
    await db.execute(
        "INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, to_status, at) "
        "VALUES ($1, $2, 'courier:ghn', 'status', 'shipped', 'delivered', $3)",
        shop.tenant_id, order_id, delivered_at,
    )  # fmt: skip
    return order_id


def phone_photo(width: int = 1600, height: int = 1200) -> bytes:
    """A JPEG as a phone takes it, with an EXIF block (which must not be kept)."""
    image = Image.new("RGB", (width, height), (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()
