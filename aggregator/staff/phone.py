"""Staff confirm an order with the buyer on the phone: the recipient's name and phone, the 2025
address (province + ward), the payment method, read and checked by the buyer page's own form
rules and confirmed by the buyer page's own service (stock, state module, payment deadline).

The audit event names the staff member (actor `staff:<id>`, kind `staff_confirmed_by_phone`) and
holds what was confirmed, as the buyer's own confirmation does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg
import structlog

from aggregator.confirmation.addresses import divisions
from aggregator.confirmation.errors import FormError
from aggregator.confirmation.forms import read_delivery
from aggregator.confirmation.service import BuyerRequest, submit
from aggregator.confirmation.view import OrderPage, load_order_page
from aggregator.core.privacy import Notice
from aggregator.orders.consent import PHONE_CALL, Consent, notice_for
from aggregator.staff.accounts import StaffUser
from schema.queries import query

log = structlog.get_logger()
EVENT_KIND = "staff_confirmed_by_phone"
REASON = "nhân viên gọi điện xác nhận với khách"
CONSENT_NOT_HEARD = "Hãy đọc thông báo về dữ liệu cá nhân cho khách và đánh dấu khi khách đồng ý."


@dataclass(frozen=True, slots=True)
class PhoneForm:
    """What the order page's phone form needs: the order as the buyer page reads it."""

    page: OrderPage
    notice: Notice  # what staff read out before the buyer agrees (Law 91/2025/QH15, Art. 9)

    @property
    def accepts_transfer(self) -> bool:
        return self.page.bank is not None

    @property
    def cod_allowed(self) -> bool:
        return not self.page.prepay_required


async def phone_form(pool: asyncpg.Pool, staff: StaffUser, order_id: int) -> PhoneForm | None:
    """None: not this cooperative's order."""
    async with pool.acquire() as conn:
        if await conn.fetchrow(query("staff_order"), staff.tenant_id, order_id) is None:
            return None
        page = await load_order_page(conn, order_id)
        if page is None:
            return None
        return PhoneForm(page, await notice_for(conn, page.tenant_id, page.tenant_name))


async def confirm_by_phone(
    pool: asyncpg.Pool, staff: StaffUser, order_id: int, form: Mapping[str, str]
) -> bool | None:
    """None: not this cooperative's order. FormError: fields to correct (Vietnamese messages);
    the buyer page's other errors (nothing held, stale, not editable) propagate as they are."""
    found = await phone_form(pool, staff, order_id)
    if found is None:
        return None
    errors: dict[str, str] = {}
    delivery = read_delivery(
        form, divisions(), found.accepts_transfer, errors, cod_allowed=found.cod_allowed
    )
    if form.get("consent") != "yes":
        errors["consent"] = CONSENT_NOT_HEARD
    if errors:
        raise FormError(errors)
    agent = f"staff phone call ({staff.login})"
    consent = Consent(found.notice, source=PHONE_CALL, actor=staff.actor, user_agent=agent)
    request = BuyerRequest(
        order_id=order_id, digest=found.page.digest, delivery=delivery,
        user_agent=f"staff phone call ({staff.login})", actor=staff.actor,
        event_kind=EVENT_KIND, reason=REASON, consent=consent,
    )  # fmt: skip
    outcome = await submit(pool, request)
    log.info("order.confirmed_by_phone", order_id=order_id, staff_id=staff.id)
    return outcome.confirmed


def phone_context(
    found: PhoneForm, values: Mapping[str, str], errors: Mapping[str, str]
) -> dict[str, object]:
    """What _phone_confirm.html shows: the form prefilled from the buyer's last address (or
    what staff typed), the wards of the chosen province, and which payments are allowed."""
    page, units = found.page, divisions()
    prefill = {
        "name": page.prefill.name, "phone": page.prefill.phone,
        "province": page.prefill.province_code, "ward": page.prefill.ward_code,
        "address": page.prefill.address_line, "note": page.note, "consent": "",
        "payment": "vietqr" if not found.cod_allowed else page.payment_method.value,
    }  # fmt: skip
    chosen = {**prefill, **{k: v for k, v in values.items() if k in prefill}}
    return {
        "phone_values": chosen,
        "phone_errors": dict(errors),
        "provinces": units.provinces,
        "phone_wards": units.wards.get(chosen["province"], ()),
        "accepts_transfer": found.accepts_transfer,
        "cod_allowed": found.cod_allowed,
        "phone_notice": found.notice.body.split("\n"),
    }
