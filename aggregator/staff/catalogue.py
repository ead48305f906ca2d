"""The director's catalogue: products of one cooperative, their photos, and the CSV import.

Every query is scoped by the director's tenant id. The checks are the pure ones of
aggregator.core.catalogue; this module adds what needs the database (a code or alias another
product already has) and writes in one transaction.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from aggregator.core.catalogue import (
    FIELDS,
    LABELS,
    AliasOwners,
    ProductInput,
    product_from_fields,
)
from aggregator.errors import BadInputError
from aggregator.ingest.csv_import import BadRow
from aggregator.runtime.db import Connection
from aggregator.staff.photos import PHOTO_UPLOAD_MAX_BYTES, PhotoError, fit_photo
from schema.queries import query

PHOTO_TOO_LARGE = f"Ảnh lớn quá {PHOTO_UPLOAD_MAX_BYTES // (1024 * 1024)} MB. Hãy chọn ảnh nhỏ hơn."
log = structlog.get_logger()
MAX_IMPORT_ROWS = 2000
EXAMPLE_ROWS = (
    ("A01", "Gạo ST25 túi 5kg", "st25; gạo thơm", "", "180000", "5000",
     "HTX Nông sản Thái Bình", "Thái Bình", "4", "OCOP-TB-2024-012"),
    # Variants with their own price and weight: "name = price / weight", ";" between them.
    ("V05", "Vải thiều Thanh Hà", "vải thiều; vải", "1kg; 2kg = 85.000 / 2kg; 5kg = 200.000 / 5kg",
     "45000", "1000", "HTX Vải thiều Thanh Hà", "Hải Dương", "5", ""),
)  # fmt: skip


class SetupFormError(BadInputError):
    """A director's form that cannot be saved: {field: Vietnamese message}."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


@dataclass
class ImportPreview:
    good: list[tuple[int, ProductInput]] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    problem: str = ""  # the file as a whole cannot be read


def _values(product: ProductInput) -> tuple[Any, ...]:
    p = product
    return (
        p.code, p.name, list(p.aliases), list(p.variant_names), p.price_vnd, p.weight_g,
        p.origin_name, p.origin_province, p.ocop_stars, p.certificate_no,
    )  # fmt: skip


async def _save_variants(
    conn: Connection, tenant_id: int, product_id: int, p: ProductInput
) -> None:
    """Each variant's own price and weight (NULL: the product's), on the rows the database made
    for its names (0028_product_variants)."""
    if p.variants:
        await conn.execute(
            query("setup_save_variant_details"), tenant_id, product_id, list(p.variant_names),
            [v.price_vnd for v in p.variants], [v.weight_g for v in p.variants],
        )  # fmt: skip


async def _owners(conn: Connection | asyncpg.Pool, tenant_id: int) -> dict[str, list[str]]:
    rows = await conn.fetch(query("setup_product_aliases"), tenant_id)
    return {r["code"]: list(r["aliases"]) for r in rows}


def _clash_errors(owners: AliasOwners, product: ProductInput) -> dict[str, str]:
    clashes = owners.clashes(product.code, product.aliases)
    if not clashes:
        return {}
    named = ", ".join(f"“{alias}” (mã {code})" for alias, code in clashes)
    return {"aliases": f"Tên gọi khác đã thuộc sản phẩm khác: {named}."}


async def list_products(pool: asyncpg.Pool, tenant_id: int) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("setup_products"), tenant_id))


async def get_product(pool: asyncpg.Pool, tenant_id: int, product_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(query("setup_product"), tenant_id, product_id)
    return row


async def save_product(
    pool: asyncpg.Pool,
    tenant_id: int,
    fields: Mapping[str, str],
    product_id: int | None = None,
) -> int:
    """Create (product_id None) or update a product; SetupFormError names each bad field."""
    product, errors = product_from_fields(fields)
    if product is None:
        raise SetupFormError(errors)
    async with pool.acquire() as conn, conn.transaction():
        owner = await conn.fetchval(query("setup_code_taken"), tenant_id, product.code)
        if owner is not None and owner != product_id:
            raise SetupFormError({"code": f"Mã {product.code} đã có trong danh mục."})
        if errors := _clash_errors(AliasOwners(await _owners(conn, tenant_id)), product):
            raise SetupFormError(errors)
        if product_id is None:
            saved = int(
                await conn.fetchval(query("setup_upsert_product"), tenant_id, *_values(product))
            )
        else:
            active = fields.get("active") == "1"
            found = await conn.fetchval(
                query("setup_update_product"), tenant_id, product_id, *_values(product), active
            )
            if found is None:
                raise SetupFormError({"code": "Không tìm thấy sản phẩm này."})
            saved = int(found)
        await _save_variants(conn, tenant_id, saved, product)
    log.info("catalog.product_saved", product_id=saved, created=product_id is None)
    return saved


async def save_photo(pool: asyncpg.Pool, tenant_id: int, product_id: int, data: bytes) -> bool:
    """Store the photo as the pages need it (False: no such product here): decoded, upright,
    shrunk and re-encoded in a thread (aggregator.staff.photos), whatever the phone sent."""
    if len(data) > PHOTO_UPLOAD_MAX_BYTES:
        raise SetupFormError({"photo": PHOTO_TOO_LARGE})
    try:
        fitted = await asyncio.to_thread(fit_photo, data)
    except PhotoError as exc:
        raise SetupFormError({"photo": str(exc)}) from None
    saved = await pool.fetchval(
        query("setup_save_photo"), tenant_id, product_id, fitted.content_type, fitted.data
    )
    if saved is not None:
        log.info("catalog.photo_saved", product_id=product_id, uploaded=len(data),
                 stored=len(fitted.data), width=fitted.width, height=fitted.height)  # fmt: skip
    return saved is not None


async def get_photo(pool: asyncpg.Pool, tenant_id: int, product_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(query("setup_photo"), tenant_id, product_id)
    return row


def csv_template() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()


def _row_error(errors: Mapping[str, str]) -> str:
    return " ".join(f"{LABELS[name]}: {message}" for name, message in errors.items())


def read_products_csv(text: str, owners: Mapping[str, list[str]]) -> ImportPreview:
    """Each row checked like the form; a bad row is (line, Vietnamese reason), never dropped.

    Line numbers count the header as line 1, as a spreadsheet shows them.
    """
    preview = ImportPreview()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None:
        preview.problem = "Tệp trống: dòng đầu phải là tên các cột."
        return preview
    missing = [c for c in ("code", "name", "price_vnd") if c not in reader.fieldnames]
    if missing:
        preview.problem = f"Thiếu cột: {', '.join(missing)}. Hãy dùng tệp mẫu."
        return preview
    seen: dict[str, int] = {}
    known = AliasOwners(owners)
    for row in reader:
        line = reader.line_num
        if line > MAX_IMPORT_ROWS + 1:
            preview.problem = f"Tệp có quá {MAX_IMPORT_ROWS} dòng. Hãy chia nhỏ tệp."
            return preview
        preview_row(preview, line, row, seen, known)
    return preview


def preview_row(
    preview: ImportPreview,
    line: int,
    row: Mapping[str | None, Any],
    seen: dict[str, int],
    known: AliasOwners,
) -> None:
    if None in row:
        preview.bad.append(BadRow(line, "Dòng có nhiều ô hơn số cột của tiêu đề."))
        return
    product, errors = product_from_fields({k: v or "" for k, v in row.items() if k})
    if product is None:
        preview.bad.append(BadRow(line, _row_error(errors)))
        return
    if product.code in seen:
        preview.bad.append(BadRow(line, f"Mã {product.code} đã có ở dòng {seen[product.code]}."))
        return
    if errors := _clash_errors(known, product):
        preview.bad.append(BadRow(line, errors["aliases"]))
        return
    seen[product.code] = line
    known.replace(product.code, product.aliases)
    preview.good.append((line, product))


async def preview_import(pool: asyncpg.Pool, tenant_id: int, text: str) -> ImportPreview:
    return read_products_csv(text, await _owners(pool, tenant_id))


async def apply_import(pool: asyncpg.Pool, tenant_id: int, text: str) -> tuple[int, int, int]:
    """Upsert the good rows by code in one transaction: (created, updated, bad rows skipped)."""
    async with pool.acquire() as conn, conn.transaction():
        preview = read_products_csv(text, await _owners(conn, tenant_id))
        if preview.problem:
            raise SetupFormError({"file": preview.problem})
        created = 0
        for _, product in preview.good:
            row = await conn.fetchrow(query("setup_upsert_product"), tenant_id, *_values(product))
            assert row is not None  # INSERT … ON CONFLICT DO UPDATE returns its row
            await _save_variants(conn, tenant_id, int(row["id"]), product)
            created += bool(row["inserted"])
    updated = len(preview.good) - created
    log.info("catalog.imported", created=created, updated=updated, bad=len(preview.bad))
    return created, updated, len(preview.bad)
