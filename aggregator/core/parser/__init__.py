"""The livestream comment parser: `parse_comment(text, catalog) -> ParsedComment`. Pure code.

Build a `Catalog` once (`catalog_from_data` validates decoded catalog JSON), then parse any
number of comments with it.
"""

from __future__ import annotations

from aggregator.core.parser.catalog import Catalog, catalog_from_data
from aggregator.core.parser.errors import CatalogError, ParserError
from aggregator.core.parser.parse import find_phone, parse_comment, read_comment
from aggregator.core.parser.phone import normalize_phone

__all__ = [
    "Catalog",
    "CatalogError",
    "ParserError",
    "catalog_from_data",
    "find_phone",
    "normalize_phone",
    "parse_comment",
    "read_comment",
]
