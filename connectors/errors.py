"""What can go wrong talking to a platform: connectors/' errors, under chotdon's one root
(schema.errors.ChotdonError)."""

from __future__ import annotations

from schema.errors import ChotdonError


class ConnectorError(ChotdonError):
    """Root of every error a connector raises on purpose."""


class SignatureError(ConnectorError):
    """A webhook's signature is missing or does not match the raw body."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


class PayloadError(ConnectorError):
    """A delivery or an API answer does not have the documented shape."""


class PlatformApiError(ConnectorError):
    """The platform answered a call with an error.

    `code` / `subcode` are the platform's own numbers (Graph API `error.code`), `status` the HTTP
    status of its answer (given as `http_status`; the class's own `http_status` stays what
    chotdon's web edge answers). The message never contains an access token.
    """

    def __init__(
        self, message: str, *, code: int | None = None, subcode: int | None = None, http_status: int
    ) -> None:
        super().__init__(message)
        self.code, self.subcode, self.status = code, subcode, http_status


class RateLimitedError(PlatformApiError):
    """Too many calls: retry later, with backoff (Graph codes 4, 17, 32, 613 or HTTP 429)."""


class TokenError(PlatformApiError):
    """The access token expired, was revoked or lacks a permission: staff must reconnect the Page.

    Not retried: the same call with the same token fails the same way.
    """


class AlreadyDoneError(PlatformApiError):
    """The platform refuses because the action already happened (one private reply per comment)."""


class TransportError(ConnectorError):
    """The platform could not be reached (connection refused, reset, timeout)."""


class CredentialsError(ConnectorError):
    """A stored credential is missing or cannot be decrypted (the app secret changed)."""
