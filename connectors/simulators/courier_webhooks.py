"""The couriers' status webhooks as the simulator sends them: scenarios, wire bodies, retries.

Each courier's body, content type and auth are its own (GHN JSON + custom header, GHTK form with
?hash= in the URL, Viettel Post {DATA, TOKEN} + Authorization header).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from urllib.parse import urlencode

import aiohttp
import orjson

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
    """(body, content type) exactly as the courier would post it."""
    if report.courier is Courier.GHN:
        return orjson.dumps(
            {
                "ShopID": 885,
                "OrderCode": report.tracking_code,
                "ClientOrderCode": report.client_code,
                "Type": "switch_status",
                "Status": report.code,
                "Time": report.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "CODAmount": report.cod_vnd,
                "Reason": "",
                "Description": "",
            }
        ), "application/json"
    if report.courier is Courier.GHTK:
        form = {
            "label_id": report.tracking_code,
            "partner_id": report.client_code,
            "status_id": report.code,
            "action_time": report.at.astimezone(ICT).isoformat(),
            "reason_code": "",
            "reason": "",
            "pick_money": str(report.cod_vnd),
        }
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    data = {
        "ORDER_NUMBER": report.tracking_code,
        "ORDER_REFERENCE": report.client_code,
        "ORDER_STATUSDATE": report.at.astimezone(ICT).strftime("%d/%m/%Y %H:%M:%S"),
        "ORDER_STATUS": int(report.code),
        "STATUS_NAME": "",
        "MONEY_COLLECTION": report.cod_vnd,
        "IS_RETURNING": report.code in {"502", "504", "515"},
        "NOTE": "",
    }
    return orjson.dumps({"DATA": data, "TOKEN": target.token}), "application/json"


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
