"""The aggregator's kinds of error under chotdon's one root, and the HTTP status each maps to at
the web edge. `ChotdonError` itself is defined in schema.errors (schema imports nothing of ours,
so connectors/ can derive from it too) and re-exported here."""

from __future__ import annotations

from schema.errors import ChotdonError

__all__ = [
    "BadInputError",
    "ChotdonError",
    "ConfigurationError",
    "ConflictError",
    "NotFoundError",
    "ServiceUnavailableError",
]


class ConfigurationError(ChotdonError):
    """A setting is missing or wrong."""


class ServiceUnavailableError(ChotdonError):
    """Postgres or Redis cannot be reached."""

    http_status = 503


class BadInputError(ChotdonError):
    """The caller sent something we cannot accept."""

    http_status = 400


class NotFoundError(ChotdonError):
    http_status = 404


class ConflictError(ChotdonError):
    """The change lost a race or breaks a rule of the current state."""

    http_status = 409
