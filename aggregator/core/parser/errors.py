"""Errors of the comment parser package."""

from __future__ import annotations

from aggregator.errors import ChotdonError


class ParserError(ChotdonError):
    """Root of every error the comment parser raises."""


class CatalogError(ParserError):
    """The product catalog is malformed; the message names the offending entry."""
