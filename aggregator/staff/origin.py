"""Batches and certificates of the cooperative's products (director's pages), and the public
origin page's data, from Postgres.

Staff reads and writes go through the staff pool with the director's tenant id; the public page
reads by a batch's public code and gets the batch, product, cooperative and certificates only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from aggregator.core.origin import (
    CERT_FILE_MAX_BYTES,
    BatchInput,
    CertificateInput,
    batch_from_form,
    certificate_file_type,
    certificate_from_form,
    public_code,
)
from aggregator.errors import BadInputError, NotFoundError
from schema.queries import query

log = structlog.get_logger()


class OriginFormError(BadInputError):
    """A batch or certificate form that cannot be saved: {field: Vietnamese message}."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class CertificateFile:
    content_type: str
    name: str
    data: bytes


@dataclass
class ProductOrigin:
    product: Any
    batches: list[Any]
    certificates: list[Any]


async def product_origin(pool: asyncpg.Pool, tenant_id: int, product_id: int) -> ProductOrigin:
    async with pool.acquire() as conn:
        product = await conn.fetchrow(query("origin_product"), tenant_id, product_id)
        if product is None:
            raise NotFoundError("no such product")
        batches = await conn.fetch(query("origin_batches"), tenant_id, product_id)
        certificates = await conn.fetch(query("origin_certificates"), tenant_id, product_id)
    return ProductOrigin(product, list(batches), list(certificates))


async def add_batch(
    pool: asyncpg.Pool, tenant_id: int, product_id: int, form: Mapping[str, str]
) -> int:
    product = await pool.fetchrow(query("origin_product"), tenant_id, product_id)
    if product is None:
        raise NotFoundError("no such product")
    batch = batch_from_form(form, tuple(product["variants"]))
    if not isinstance(batch, BatchInput):
        raise OriginFormError(batch)
    b = batch
    batch_id = await pool.fetchval(
        query("add_batch"), tenant_id, product_id, b.variant, b.code, public_code(),
        b.harvested_on, b.packed_on, b.expires_on, b.quantity, b.place, b.note,
    )  # fmt: skip
    if batch_id is None:
        raise OriginFormError({"code": "Sản phẩm này đã có lô cùng số. Hãy đặt số lô khác."})
    log.info("origin.batch_added", tenant_id=tenant_id, product_id=product_id, batch_id=batch_id)
    return int(batch_id)


def _file(upload: CertificateFile | None) -> tuple[str | None, str | None, bytes | None]:
    if upload is None or not upload.data:
        return None, None, None
    if len(upload.data) > CERT_FILE_MAX_BYTES:
        raise OriginFormError({"file": "Tệp giấy chứng nhận lớn quá 5 MB."})
    kind = certificate_file_type(upload.data)
    if kind is None:
        raise OriginFormError({"file": "Tệp phải là PDF, JPEG hoặc PNG."})
    return kind, upload.name[:120], upload.data


async def add_certificate(
    pool: asyncpg.Pool, tenant_id: int, product_id: int, form: Mapping[str, str],
    upload: CertificateFile | None,
) -> int:  # fmt: skip
    if await pool.fetchrow(query("origin_product"), tenant_id, product_id) is None:
        raise NotFoundError("no such product")
    cert = certificate_from_form(form)
    if not isinstance(cert, CertificateInput):
        raise OriginFormError(cert)
    file_type, file_name, data = _file(upload)
    c = cert
    cert_id = await pool.fetchval(
        query("add_certificate"), tenant_id, product_id, c.kind, c.number, c.issuer, c.stars,
        c.issued_on, c.expires_on, file_type, file_name, data,
    )  # fmt: skip
    log.info("origin.certificate_added", tenant_id=tenant_id, product_id=product_id, kind=c.kind)
    return int(cert_id)


@dataclass
class PublicOrigin:
    batch: Any
    certificates: list[Any]


async def public_origin(pool: asyncpg.Pool, code: str) -> PublicOrigin | None:
    """What anyone with the batch's code may see (no buyer, no order)."""
    async with pool.acquire() as conn:
        batch = await conn.fetchrow(query("public_batch"), code)
        if batch is None:
            return None
        certificates = await conn.fetch(
            query("public_certificates"), batch["tenant_id"], batch["product_id"]
        )
    return PublicOrigin(batch, list(certificates))


async def public_certificate_file(
    pool: asyncpg.Pool, code: str, certificate_id: int
) -> CertificateFile | None:
    row = await pool.fetchrow(query("public_certificate_file"), code, certificate_id)
    if row is None:
        return None
    return CertificateFile(row["file_type"], row["file_name"] or "", bytes(row["file_data"]))


async def batches_left(pool: asyncpg.Pool, tenant_id: int) -> dict[tuple[int, str], int]:
    """(product id, variant) -> what its batches still hold for a new live."""
    rows = await pool.fetch(query("batches_left_of_tenant"), tenant_id)
    return {(r["product_id"], r["variant"]): int(r["left_qty"]) for r in rows}


async def delete_certificate(
    pool: asyncpg.Pool, tenant_id: int, product_id: int, cert: int
) -> None:
    if await pool.fetchval(query("delete_certificate"), tenant_id, product_id, cert) is None:
        raise NotFoundError("no such certificate")
    log.info("origin.certificate_deleted", tenant_id=tenant_id, product_id=product_id)


async def delete_batch(pool: asyncpg.Pool, tenant_id: int, product_id: int, batch: int) -> None:
    """Only a batch nothing was sold from: one a live drew from stays, its buyers may check it."""
    if await pool.fetchval(query("delete_batch"), tenant_id, product_id, batch) is not None:
        log.info("origin.batch_deleted", tenant_id=tenant_id, product_id=product_id)
        return
    exists = await pool.fetchval(
        "SELECT 1 FROM product_batches WHERE tenant_id = $1 AND product_id = $2 AND id = $3",
        tenant_id, product_id, batch,
    )  # fmt: skip
    if exists is None:
        raise NotFoundError("no such batch")
    raise OriginFormError({"batch": "Lô đã được đưa vào phiên live hoặc đã bán, không xoá được."})
