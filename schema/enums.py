"""Closed sets of values stored in the database; each mirrors a CHECK constraint."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    FACEBOOK = "facebook"
    TIKTOK = "tiktok"
    ZALO = "zalo"
    RELAY = "relay"
    MANUAL = "manual"


class StaffRole(StrEnum):
    DIRECTOR = "director"
    STAFF = "staff"
    PACKER = "packer"


class HoldMode(StrEnum):
    FIRST_COMMENT = "first_comment"  # the first to comment holds the stock
    FIRST_CONFIRM = "first_confirm"  # stock is taken when the order is confirmed (buyer or staff)
    FIRST_PAYMENT = "first_payment"  # stock is taken when the transfer pays the order


class CommentStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    ORPHANED = "orphaned"
    IGNORED = "ignored"


class OrderSource(StrEnum):
    COMMENT = "comment"
    PLATFORM = "platform"
    MANUAL = "manual"
    IMPORT = "import"


class ItemStatus(StrEnum):
    REQUESTED = "requested"
    HELD = "held"
    WAITLISTED = "waitlisted"
    UNCLEAR = "unclear"
    REMOVED = "removed"


class PaymentMethod(StrEnum):
    COD = "cod"
    VIETQR = "vietqr"
    PLATFORM = "platform"


class Courier(StrEnum):
    GHN = "ghn"
    GHTK = "ghtk"
    VIETTELPOST = "viettelpost"


class ShipmentStatus(StrEnum):
    CREATING = "creating"
    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNING = "returning"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    # Incidents staff must see (migration 0015): the courier could not pick the parcel up, or
    # lost it, damaged it, or reports an exception outside its normal flow.
    PICKUP_FAILED = "pickup_failed"
    LOST = "lost"
    DAMAGED = "damaged"
    EXCEPTION = "exception"


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    REJECTED = "rejected"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    UNREADABLE = "unreadable"  # proven sender, body not understood yet: kept for replay


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNSENT = "unsent"  # recorded, but no sender exists for its platform yet


class PaymentStatus(StrEnum):
    MATCHED = "matched"
    PARTIAL = "partial"
    OVERPAID = "overpaid"
    UNMATCHED = "unmatched"


class BankProvider(StrEnum):
    """Who tells chotdon of a transfer into a cooperative's account (bank_connections.provider)."""

    SEPAY = "sepay"
    CASSO = "casso"
    PAYOS = "payos"


class ReturnCause(StrEnum):
    """Why a buyer sends goods back (returns.cause); the figures page counts returns by it."""

    DAMAGED = "damaged"  # broken or crushed in transit
    SPOILED = "spoiled"  # food gone bad
    WRONG_ITEM = "wrong_item"
    MISSING_ITEM = "missing_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class ReturnSendMethod(StrEnum):
    """How accepted goods come back (returns.send_method)."""

    COURIER_PICKUP = "courier_pickup"  # a parcel booked with the courier, picked up at the buyer
    BUYER_SENDS = "buyer_sends"  # the buyer posts it to the cooperative's address
    NO_RETURN = "no_return"  # nothing to send back (spoiled food): written off


class RefundMethod(StrEnum):
    """refunds.method (migration 0024)."""

    TRANSFER = "transfer"  # staff transfer to the buyer's account (its VietQR on the page)
    COD_NOT_COLLECTED = "cod_not_collected"  # the COD for it was never collected
