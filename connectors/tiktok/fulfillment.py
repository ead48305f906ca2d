"""TikTok Shop Fulfillment API (version 202309), the part chotdon uses for TikTok-shipped orders.

An order whose `shipping_type` is TIKTOK ships through TikTok's logistics: the seller arranges the
shipment of its package (Ship Package), prints TikTok's label (Get Package Shipping Document,
a URL valid for 24 hours, downloaded without TikTok's auth) and hands the parcel to TikTok's
carrier. Paths and shapes: tests/fixtures/wire/tiktok/fulfillment/README.md.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict

from connectors.errors import PayloadError, TransportError
from connectors.tiktok.client import ShopClient

SHIP_PATH = "/fulfillment/202309/packages/{package_id}/ship"
DOCUMENT_PATH = "/fulfillment/202309/packages/{package_id}/shipping_documents"
LABEL = "SHIPPING_LABEL"  # PDF; SHIPPING_LABEL_AND_PACKING_SLIP would add TikTok's slip
LABEL_SIZE = "A6"  # the documented default, the size of chotdon's own slips
PICKUP = "PICKUP"  # TikTok's carrier collects at the seller's pickup address
# Order statuses (Order API) saying the seller already arranged the shipment.
ARRANGED = frozenset({"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"})
MAX_DOCUMENT_BYTES = 5_000_000
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=30)


class ShippingDocument(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    doc_url: str
    tracking_number: str = ""


def package_ids(order: dict[str, Any]) -> list[str]:
    """The order detail's `packages[].id` (present once the order awaits shipment)."""
    packages = order.get("packages")
    if not isinstance(packages, list):
        return []
    return [str(p["id"]) for p in packages if isinstance(p, dict) and p.get("id")]


def ships_with_tiktok(order: dict[str, Any]) -> bool:
    """`shipping_type` TIKTOK, or absent (a Vietnamese shop ships with TikTok unless it says
    SELLER): such an order must never get a parcel of our own couriers."""
    return str(order.get("shipping_type") or "TIKTOK").upper() != "SELLER"


async def ship_package(client: ShopClient, token: str, shop_cipher: str, package_id: str) -> None:
    """Arrange the package's shipment: TikTok's carrier will collect it (order → COLLECTION)."""
    path = SHIP_PATH.format(package_id=package_id)
    await client.call(
        "POST", path, token=token, shop_cipher=shop_cipher, json={"handover_method": PICKUP}
    )


async def shipping_document(
    client: ShopClient, token: str, shop_cipher: str, package_id: str
) -> ShippingDocument:
    path = DOCUMENT_PATH.format(package_id=package_id)
    query = {"document_type": LABEL, "document_size": LABEL_SIZE}
    data = await client.call("GET", path, token=token, shop_cipher=shop_cipher, query=query)
    try:
        return ShippingDocument.model_validate(data)
    except ValueError as exc:
        raise PayloadError(f"shipping document not as documented: {str(exc)[:300]}") from None


async def download_document(http: aiohttp.ClientSession, url: str) -> bytes:
    """The label itself (a pre-signed URL: no TikTok auth), kept by chotdon since it expires."""
    try:
        async with http.get(url, timeout=DOWNLOAD_TIMEOUT) as response:
            if response.status != 200:
                raise TransportError(f"label download answered HTTP {response.status}")
            body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(f"label download failed: {type(exc).__name__}") from exc
    if len(body) > MAX_DOCUMENT_BYTES or not body.startswith(b"%PDF"):
        raise PayloadError("the label is not a PDF of a sensible size")
    return body
