"""What we ask the courier to carry: an order, its lines and the cooperative as sender."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from aggregator.core.addresses import Resolution
from aggregator.core.prepay import cod_due, shop_pays_shipping
from connectors.couriers.port import Item, Party, ShipmentRequest

DEFAULT_WEIGHT_G = 500  # a product without a weight still weighs something


def cod_amount(order: asyncpg.Record | Mapping[str, Any]) -> int:
    """Cash the courier collects: total - paid (a partial transfer leaves the balance), nothing
    on an order paid in full. An order that must prepay never gets here unpaid (money gates)."""
    return cod_due(
        int(order["total_vnd"]), int(order["paid_vnd"]), str(order["payment_method"]),
        order["paid_at"] is not None,
    )  # fmt: skip


def sender_of(order: asyncpg.Record) -> Party:
    sender: dict[str, Any] = (order["tenant_settings"] or {}).get("sender") or {}
    return Party(
        name=str(sender.get("name") or order["tenant_name"]),
        phone=str(sender.get("phone") or ""),
        address=str(sender.get("address") or ""),
        ward=str(sender.get("ward") or ""),
        province=str(sender.get("province") or order["tenant_province"] or ""),
    )


def shipment_request(
    order: asyncpg.Record, lines: Sequence[asyncpg.Record], address: Resolution
) -> ShipmentRequest:
    """The parcel as the port describes it; the address is the 2025 unit `address` resolved to
    (by name: each adapter puts ward and province names into its courier's own fields)."""
    items = tuple(
        Item(
            name=f"{line['name']} {line['variant']}".strip(),
            quantity=line["qty"],
            price_vnd=line["unit_price_vnd"],
            weight_g=line["weight_g"] or DEFAULT_WEIGHT_G,
        )
        for line in lines
    )
    recipient = Party(
        name=order["recipient_name"] or "",
        phone=order["recipient_phone"] or "",
        address=address.typed.street or order["address_line"] or "",
        ward=address.unit.ward_name if address.unit else "",
        province=address.unit.province_name if address.unit else "",
    )
    return ShipmentRequest(
        client_code=order["order_no"],
        sender=sender_of(order),
        recipient=recipient,
        items=items,
        cod_vnd=cod_amount(order),
        value_vnd=int(order["total_vnd"]),
        weight_g=sum(i.weight_g * i.quantity for i in items) or DEFAULT_WEIGHT_G,
        note=order["note"] or "",
        shop_pays_shipping=shop_pays_shipping(order["free_shipping"], int(order["shipping_vnd"])),
    )
