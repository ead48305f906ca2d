"""The one exception root of aggregator/, and the HTTP status each kind maps to at the web edge."""

from __future__ import annotations


class ChotdonError(Exception):
    """Root of every error the aggregator raises on purpose."""

    http_status = 500


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
