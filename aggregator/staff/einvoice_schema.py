"""Checks an e-invoice export against the schema it claims to follow (schema/einvoice/), with
xmlschema: a file an e-invoice provider would refuse is never handed to the director."""

from __future__ import annotations

from functools import cache
from importlib import resources

import xmlschema

from aggregator.errors import ChotdonError


class InvoiceSchemaError(ChotdonError):
    """chotdon wrote an invoice file its own schema refuses: a bug, not the director's input."""

    http_status = 500


@cache
def _schema() -> xmlschema.XMLSchema:
    source = resources.files("schema").joinpath("einvoice", "dshdon.xsd").read_text("utf-8")
    return xmlschema.XMLSchema(source)


def invoice_errors(document: bytes) -> list[str]:
    return [str(e.reason or e) for e in _schema().iter_errors(document.decode("utf-8"))]


def validate_invoices(document: bytes) -> None:
    errors = invoice_errors(document)
    if errors:
        raise InvoiceSchemaError("; ".join(errors[:3]))
