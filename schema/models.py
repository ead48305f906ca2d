"""One pydantic model per table: rows become models at the edge.

A test checks that they match the SQL migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from schema.enums import (
    CommentStatus,
    Courier,
    DeliveryStatus,
    HoldMode,
    ItemStatus,
    MessageStatus,
    OrderSource,
    PaymentMethod,
    PaymentStatus,
    Platform,
    ShipmentStatus,
    StaffRole,
)
from schema.states import OrderStatus

JsonObject = dict[str, Any]


class Row(BaseModel):
    """Base of every row model; `table` names the table it mirrors."""

    model_config = ConfigDict(frozen=True, from_attributes=True)
    table: ClassVar[str]


class Tenant(Row):
    table: ClassVar[str] = "tenants"
    id: int
    slug: str
    name: str
    province: str | None
    settings: JsonObject
    created_at: datetime


class Staff(Row):
    table: ClassVar[str] = "staff"
    id: int
    tenant_id: int
    login: str
    display_name: str
    role: StaffRole
    password_hash: str
    active: bool
    created_at: datetime


class Channel(Row):
    table: ClassVar[str] = "channels"
    id: int
    tenant_id: int
    platform: Platform
    external_id: str
    name: str
    credentials_encrypted: bytes | None
    settings: JsonObject
    status: str
    created_at: datetime
    status_reason: str | None


class Product(Row):
    table: ClassVar[str] = "products"
    id: int
    tenant_id: int
    code: str
    name: str
    aliases: list[str]
    variants: list[str]
    price_vnd: int
    weight_g: int
    origin_name: str | None
    origin_province: str | None
    ocop_stars: int | None
    certificate_no: str | None
    photo_path: str | None
    active: bool
    created_at: datetime


class LiveSession(Row):
    table: ClassVar[str] = "live_sessions"
    id: int
    tenant_id: int
    channel_id: int
    external_live_id: str
    title: str
    status: str
    hold_mode: HoldMode
    promotion: JsonObject
    started_at: datetime | None
    ended_at: datetime | None
    last_comment_at: datetime | None
    created_at: datetime
    video_id: str | None
    keywords: JsonObject


class SessionStock(Row):
    table: ClassVar[str] = "session_stock"
    tenant_id: int
    session_id: int
    product_id: int
    variant: str
    quantity: int
    reserved: int
    price_vnd: int | None


class Buyer(Row):
    table: ClassVar[str] = "buyers"
    id: int
    tenant_id: int
    display_name: str
    phone: str | None
    full_name: str | None
    province_code: str | None
    ward_code: str | None
    address_line: str | None
    delivered_count: int
    returned_count: int
    created_at: datetime


class BuyerIdentity(Row):
    table: ClassVar[str] = "buyer_identities"
    id: int
    tenant_id: int
    buyer_id: int
    channel_id: int
    external_user_id: str
    display_name: str
    phone: str | None
    created_at: datetime


class Comment(Row):
    table: ClassVar[str] = "comments"
    id: int
    tenant_id: int | None
    platform: Platform
    channel_external_id: str
    external_id: str
    channel_id: int | None
    session_id: int | None
    external_live_id: str | None
    author_external_id: str
    author_name: str
    body: str
    commented_at: datetime
    received_at: datetime
    intent: str
    parsed: JsonObject
    phone: str | None
    status: CommentStatus
    processed_at: datetime | None


class PlatformOrder(Row):
    table: ClassVar[str] = "platform_orders"
    id: int
    tenant_id: int
    channel_id: int
    external_order_id: str
    external_status: str
    payload: JsonObject
    order_id: int | None
    updated_at: datetime
    received_at: datetime
    applied_updated_at: datetime | None


class Order(Row):
    table: ClassVar[str] = "orders"
    id: int
    tenant_id: int
    order_no: str
    session_id: int | None
    buyer_id: int
    buyer_identity_id: int | None
    source: OrderSource
    status: OrderStatus
    needs_reconfirmation: bool
    merge_review: bool
    subtotal_vnd: int
    shipping_vnd: int
    discount_vnd: int
    total_vnd: int
    payment_method: PaymentMethod
    paid_at: datetime | None
    recipient_name: str | None
    recipient_phone: str | None
    province_code: str | None
    ward_code: str | None
    address_line: str | None
    note: str
    confirm_deadline: datetime | None
    reminder_sent_at: datetime | None
    claimed_by: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    free_shipping: bool


class OrderItem(Row):
    table: ClassVar[str] = "order_items"
    id: int
    tenant_id: int
    order_id: int
    product_id: int | None
    code: str
    variant: str
    qty: int
    unit_price_vnd: int
    status: ItemStatus
    source_comment_id: int | None
    queue_position: int
    created_at: datetime
    updated_at: datetime


class OrderEvent(Row):
    table: ClassVar[str] = "order_events"
    id: int
    tenant_id: int
    order_id: int
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    reason: str
    data: JsonObject


class Shipment(Row):
    table: ClassVar[str] = "shipments"
    id: int
    tenant_id: int
    order_id: int
    courier: Courier
    client_order_code: str
    tracking_code: str | None
    status: ShipmentStatus
    courier_status: str | None
    status_rank: int
    cod_vnd: int
    fee_vnd: int
    label_url: str | None
    last_event_at: datetime | None
    next_poll_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BlockedPhone(Row):
    table: ClassVar[str] = "blocked_phones"
    tenant_id: int
    phone: str
    reason: str
    blocked_by: str
    created_at: datetime


class ShipmentEvent(Row):
    table: ClassVar[str] = "shipment_events"
    id: int
    tenant_id: int
    shipment_id: int
    status: str
    courier_status: str
    at: datetime
    raw: JsonObject


class WebhookDelivery(Row):
    table: ClassVar[str] = "webhook_deliveries"
    id: int
    tenant_id: int | None
    source: str
    delivery_key: str | None
    received_at: datetime
    verified: bool
    verification_error: str | None
    headers: JsonObject
    body: bytes
    status: DeliveryStatus
    processed_at: datetime | None
    error: str | None


class OutboundMessage(Row):
    table: ClassVar[str] = "outbound_messages"
    id: int
    tenant_id: int
    channel_id: int
    buyer_identity_id: int | None
    order_id: int | None
    kind: str
    idempotency_key: str
    body: str
    status: MessageStatus
    attempts: int
    last_error: str | None
    external_message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    target: JsonObject


class Payment(Row):
    table: ClassVar[str] = "payments"
    id: int
    tenant_id: int | None
    delivery_id: int | None
    transaction_id: str
    amount_vnd: int
    content: str
    order_no: str | None
    order_id: int | None
    status: PaymentStatus
    received_at: datetime
    resolved_at: datetime | None
    resolved_by: int | None


class StaffSession(Row):
    table: ClassVar[str] = "staff_sessions"
    id: int
    staff_id: int
    tenant_id: int
    token_hash: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class LoginFailure(Row):
    table: ClassVar[str] = "login_failures"
    id: int
    login: str
    ip: str
    at: datetime


class WorkerHeartbeat(Row):
    table: ClassVar[str] = "worker_heartbeats"
    id: int
    worker: str
    job_id: str
    beat_at: datetime


class ProductPhoto(Row):
    table: ClassVar[str] = "product_photos"
    product_id: int
    tenant_id: int
    content_type: str
    data: bytes
    updated_at: datetime


class KeywordTemplate(Row):
    table: ClassVar[str] = "keyword_templates"
    id: int
    tenant_id: int
    name: str
    keywords: JsonObject
    created_at: datetime


class PrivacyRequest(Row):
    table: ClassVar[str] = "privacy_requests"
    id: int
    tenant_id: int
    kind: str
    phone_hint: str
    buyer_ids: list[int]
    actor: str
    counts: JsonObject
    at: datetime


ALL_ROW_MODELS: tuple[type[Row], ...] = (
    Tenant, Staff, Channel, Product, LiveSession, SessionStock, Buyer, BuyerIdentity, Comment,
    PlatformOrder, Order, OrderItem, OrderEvent, Shipment, ShipmentEvent, WebhookDelivery,
    OutboundMessage, WorkerHeartbeat, Payment, StaffSession, LoginFailure,
    ProductPhoto, KeywordTemplate, BlockedPhone, PrivacyRequest,
)  # fmt: skip
