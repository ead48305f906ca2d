"""COD reconciliation (pure): a courier's COD report against the parcels we shipped.

The report is a CSV with a header row. Column names vary by courier export, so several are
accepted (case-insensitive): the waybill (tracking_code, order_code, label, label_id,
order_number, ma_van_don), our order number (client_order_code, partner_id, order_reference) and
the cash collected (cod_amount, cod, pick_money, money_collection, tien_thu_ho). Amounts may be
written 360000, 360.000 or 360,000.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TRACKING_COLUMNS = (
    "tracking_code",
    "order_code",
    "label",
    "label_id",
    "order_number",
    "ma_van_don",
)
CLIENT_COLUMNS = ("client_order_code", "partner_id", "order_reference")
COD_COLUMNS = ("cod_amount", "cod", "pick_money", "money_collection", "tien_thu_ho")


@dataclass(frozen=True, slots=True)
class ReportLine:
    line: int
    tracking_code: str
    client_code: str
    cod_vnd: int


@dataclass(frozen=True, slots=True)
class ShippedCod:
    shipment_id: int
    order_id: int
    tracking_code: str | None
    client_code: str
    status: str
    cod_vnd: int


@dataclass
class Reconciliation:
    matched: list[tuple[ShippedCod, ReportLine]] = field(default_factory=list)
    mismatched: list[tuple[ShippedCod, ReportLine]] = field(default_factory=list)
    unknown: list[ReportLine] = field(default_factory=list)
    missing: list[ShippedCod] = field(default_factory=list)  # delivered COD parcels not reported
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def parse_amount(text: str) -> int:
    digits = re.sub(r"[.,\s]|đ|vnd", "", text.strip().lower())
    if not digits.isdecimal():
        raise ValueError(f"not an amount: {text!r}")
    return int(digits)


def read_report(text: str) -> tuple[list[ReportLine], list[tuple[int, str]]]:
    """Lines of the report and (line number, error) of the rows that cannot be read."""
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    tracking, client, cod = (
        _column(header, names) for names in (TRACKING_COLUMNS, CLIENT_COLUMNS, COD_COLUMNS)
    )
    if cod is None or (tracking is None and client is None):
        raise ValueError(
            "the header needs a COD amount column and a waybill or order number column"
        )
    lines, bad = [], []
    for number, row in enumerate(reader, start=2):
        try:
            lines.append(ReportLine(
                number, (row.get(tracking) or "").strip() if tracking else "",
                (row.get(client) or "").strip() if client else "", parse_amount(row.get(cod) or ""),
            ))  # fmt: skip
        except ValueError as exc:
            bad.append((number, str(exc)))
    return lines, bad


def reconcile(lines: Iterable[ReportLine], shipped: Iterable[ShippedCod]) -> Reconciliation:
    shipments = list(shipped)
    by_tracking: Mapping[str, ShippedCod] = {
        s.tracking_code: s for s in shipments if s.tracking_code
    }
    by_client: Mapping[str, ShippedCod] = {s.client_code: s for s in shipments}
    result, seen = Reconciliation(), set()
    for line in lines:
        found = by_tracking.get(line.tracking_code) or by_client.get(line.client_code)
        if found is None:
            result.unknown.append(line)
            continue
        seen.add(found.shipment_id)
        target = result.matched if found.cod_vnd == line.cod_vnd else result.mismatched
        target.append((found, line))
    result.missing = [
        s
        for s in shipments
        if s.status == "delivered" and s.cod_vnd > 0 and s.shipment_id not in seen
    ]
    return result
