"""The courier port: what chotdon asks of any courier, and the values that cross it.

Adapters (ghn, ghtk, viettelpost) speak each courier's own wire format behind this interface.
Our order number is always the courier's client order code, so a retried create finds the parcel
instead of making a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from schema.enums import Courier, ShipmentStatus


@dataclass(frozen=True, slots=True)
class CourierConfig:
    base_url: str
    token: str
    shop_id: str = ""  # GHN ShopId; GHTK X-Client-Source; unused by Viettel Post
    timeout_s: float = 10.0
    print_url: str = ""  # Viettel Post's label print page (another host); others print on base_url


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    phone: str
    address: str  # street and house number
    ward: str = ""
    province: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    quantity: int
    price_vnd: int
    weight_g: int = 0


@dataclass(frozen=True, slots=True)
class ShipmentRequest:
    client_code: str
    sender: Party
    recipient: Party
    items: tuple[Item, ...]
    cod_vnd: int
    value_vnd: int
    weight_g: int
    note: str = ""
    # The shop pays the courier's fee (free shipping, or a fee already in the order's total);
    # False: the courier collects its fee from the recipient on top of cod_vnd.
    shop_pays_shipping: bool = False
    # A buyer's return coming back: the courier picks up at `sender` (the buyer), not at the
    # shop's registered pickup address, and delivers to the shop.
    return_leg: bool = False


@dataclass(frozen=True, slots=True)
class CreatedShipment:
    tracking_code: str | None  # None: the courier accepted it but did not say the code yet
    client_code: str
    fee_vnd: int = 0
    courier_status: str = ""


@dataclass(frozen=True, slots=True)
class CourierLabel:
    """The courier's own label: a page to open (GHN, Viettel Post print pages, short-lived) or
    a PDF it served us (GHTK's needs our token, so staff cannot open its URL themselves)."""

    url: str = ""
    pdf: bytes = b""


@dataclass(frozen=True, slots=True)
class CourierEvent:
    """One status report from a courier, from a webhook or a poll."""

    courier: Courier
    tracking_code: str | None
    client_code: str | None
    courier_status: str
    status: ShipmentStatus | None  # None: a code outside the common set; stored, not applied
    at: datetime
    delivery_key: str  # the courier's documented dedup key
    cod_vnd: int | None = None
    reason: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


class CourierPort(Protocol):
    courier: Courier

    async def create(self, request: ShipmentRequest) -> CreatedShipment:
        """Book a parcel; raises DuplicateClientCodeError when the client code exists."""
        ...

    async def find(self, client_code: str) -> CreatedShipment | None:
        """The parcel booked under our client code, or None (also when not supported)."""
        ...

    async def cancel(self, tracking_code: str) -> None: ...

    async def fee(self, request: ShipmentRequest) -> int: ...

    async def label_url(self, tracking_code: str) -> str: ...

    async def label(self, tracking_code: str) -> CourierLabel: ...

    async def track(self, tracking_code: str) -> CourierEvent | None:
        """The latest status, for polling; None when the courier offers no status query."""
        ...


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """What a courier's webhook POST carried, as the web edge read it (header names lower-case)."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """How one courier's status webhook is read: the secrets it presents, the event it carries,
    and its body with any secret removed (for storing)."""

    secrets: Callable[[WebhookRequest], list[str]]
    parse: Callable[[WebhookRequest], CourierEvent]
    redact: Callable[[bytes], bytes]
