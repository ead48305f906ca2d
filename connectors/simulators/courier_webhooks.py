"""The couriers' status webhooks as the simulator sends them: scenarios, wire bodies, retries.

Each courier's body, content type and auth are its own (GHN JSON + custom header, GHTK form with
?hash= in the URL and the time's "+" unencoded as in its docs, Viettel Post {DATA, TOKEN} +
Authorization header), with the fields of its documented sample.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from urllib.parse import urlencode

import aiohttp
import orjson

from connectors.couriers.status_names import VTP_NAMES
from schema.enums import Courier

ICT = timezone(timedelta(hours=7))


class Scenario(StrEnum):
    DELIVER = "deliver"
    REFUSE = "refuse"  # the buyer refuses the COD parcel: failed attempt, return
    CANCEL = "cancel"


SCRIPTS: dict[Courier, dict[Scenario, list[str]]] = {
    Courier.GHN: {
        Scenario.DELIVER: ["picking", "picked", "storing", "delivering", "delivered"],
        Scenario.REFUSE: ["picking", "picked", "delivering", "delivery_fail", "return", "returned"],
        Scenario.CANCEL: ["cancel"],
    },
    Courier.GHTK: {
        Scenario.DELIVER: ["2", "3", "4", "5"],
        Scenario.REFUSE: ["2", "3", "4", "9", "20", "21"],
        Scenario.CANCEL: ["-1"],
    },
    Courier.VIETTELPOST: {
        Scenario.DELIVER: ["103", "105", "200", "300", "500", "501"],
        Scenario.REFUSE: ["105", "200", "500", "505", "502", "504"],
        Scenario.CANCEL: ["107"],
    },
}
# How often each courier tries a delivery that was not acknowledged (docs: GHN ~10, GHTK once
# more, Viettel Post 5 retries).
ATTEMPTS: dict[Courier, int] = {Courier.GHN: 10, Courier.GHTK: 2, Courier.VIETTELPOST: 6}


@dataclass
class WebhookTarget:
    url: str  # for GHTK, with ?hash=<secret>
    headers: dict[str, str] = field(default_factory=dict)
    token: str = ""  # Viettel Post's body TOKEN


@dataclass(frozen=True)
class StatusReport:
    courier: Courier
    tracking_code: str
    client_code: str
    code: str
    at: datetime
    cod_vnd: int


def webhook_body(report: StatusReport, target: WebhookTarget) -> tuple[bytes, str]:
    """(body, content type) exactly as the courier would post it: the fields of its documented
    sample (tests/fixtures/wire/<courier>/), a test compares the keys."""
    if report.courier is Courier.GHN:
        return orjson.dumps(_ghn(report)), "application/json"
    if report.courier is Courier.GHTK:
        return _ghtk_form(report), "application/x-www-form-urlencoded"
    return orjson.dumps({"DATA": _vtp(report), "TOKEN": target.token}), "application/json"


GHN_FEES = ("CODFailedFee", "CODFee", "Coupon", "DeliverRemoteAreasFee", "DocumentReturn",
            "DoubleCheck", "Insurance", "MainService", "PickRemoteAreasFee", "R2S", "Return",
            "StationDO", "StationPU", "Total")  # fmt: skip


def _ghn(report: StatusReport) -> dict[str, object]:
    return {
        "CODAmount": report.cod_vnd, "CODTransferDate": None,
        "ClientOrderCode": report.client_code, "ConvertedWeight": 500, "Description": "",
        "Fee": dict.fromkeys(GHN_FEES, 0), "Height": 10, "IsPartialReturn": False, "Length": 20,
        "OrderCode": report.tracking_code, "PartialReturnCode": "", "PaymentType": 2,
        "Reason": "", "ReasonCode": "", "ShopID": 885, "Status": report.code,
        "Time": report.at.astimezone(UTC).isoformat().replace("+00:00", "Z"), "TotalFee": 0,
        "Type": "switch_status", "Warehouse": "", "Weight": 500, "Width": 15,
    }  # fmt: skip


def _ghtk_form(report: StatusReport) -> bytes:
    """GHTK's documented wire: form-urlencoded with the "+" of action_time left unencoded."""
    form = {
        "label_id": report.tracking_code, "partner_id": report.client_code,
        "action_time": report.at.astimezone(ICT).isoformat(), "status_id": report.code,
        "reason_code": "", "reason": "", "weight": "0.5", "fee": "0",
        "pick_money": str(report.cod_vnd), "return_part_package": "0",
    }  # fmt: skip
    return urlencode(form, safe=":+").encode()


def _vtp(report: StatusReport) -> dict[str, object]:
    place = "Bưu cục Thái Bình"
    return {
        "ORDER_NUMBER": report.tracking_code, "ORDER_REFERENCE": report.client_code,
        "ORDER_STATUSDATE": report.at.astimezone(ICT).strftime("%d/%m/%Y %H:%M:%S"),
        "ORDER_STATUS": int(report.code), "STATUS_NAME": VTP_NAMES.get(report.code, ""),
        "LOCALION_CURRENTLY": place, "NOTE": "", "MONEY_COLLECTION": report.cod_vnd,
        "MONEY_FEECOD": 0, "MONEY_TOTALFEE": 0, "MONEY_TOTAL": 0, "MONEY_TOTALVAT": 0,
        "EXPECTED_DELIVERY": "", "PRODUCT_WEIGHT": 500, "ORDER_SERVICE": "VCN",
        "ORDER_SERVICE_ADD": None, "ORDER_PAYMENT": 3, "EXPECTED_DELIVERY_DATE": None,
        "DETAIL": [], "VOUCHER_VALUE": 0, "MONEY_COLLECTION_ORIGIN": None, "EMPLOYEE_NAME": "",
        "EMPLOYEE_PHONE": "", "IS_RETURNING": report.code in {"502", "504", "515"},
        "POD": {"IMAGES": []}, "REASON_CODE": None, "RECEIVER_FULLNAME": "",
        "LOCATION_CURRENTLY": place,
    }  # fmt: skip


def acknowledged(courier: Courier, status: int) -> bool:
    return status == 200 if courier is Courier.GHTK else 200 <= status < 300


def retried(courier: Courier, status: int) -> bool:
    """GHN drops 4xx other than 408/429; the others retry any non-success."""
    if courier is Courier.GHN and 400 <= status < 500:
        return status in (408, 429)
    return True


async def post_webhook(
    session: aiohttp.ClientSession,
    report: StatusReport,
    target: WebhookTarget,
    *,
    retry_delay_s: float = 0.05,
) -> int:
    """Post one report with the courier's retries; the last HTTP status (0: unreachable)."""
    body, content_type = webhook_body(report, target)
    headers = {**target.headers, "Content-Type": content_type}
    status = 0
    for _ in range(ATTEMPTS[report.courier]):
        try:
            async with session.post(target.url, data=body, headers=headers) as response:
                status = response.status
        except aiohttp.ClientError:
            status = 0
        if acknowledged(report.courier, status) or not retried(report.courier, status):
            return status
        await asyncio.sleep(retry_delay_s)
    return status
