"""Courier errors, under the connectors root (connectors.errors.ConnectorError).

They carry their data as attributes (courier, code), not only in the message.
"""

from __future__ import annotations

from connectors.errors import ConnectorError, PayloadError


class CourierError(ConnectorError):
    """A courier call failed; `courier` names it, `code` is the courier's own error code."""

    def __init__(self, message: str, *, courier: str, code: str = "") -> None:
        super().__init__(message)
        self.courier = courier
        self.code = code


class CourierTimeoutError(CourierError):
    """No answer in time: the courier may or may not have done it. Look it up before retrying."""


class CourierUnavailableError(CourierError):
    """Connection refused, 5xx or 429: not done, safe to retry later."""


class CourierAuthError(CourierError):
    """The courier refused our token."""


class CourierRejectedError(CourierError):
    """The courier refused the request itself (bad address, bad data): retrying will not help."""


class DuplicateClientCodeError(CourierError):
    """A parcel with this client order code exists; `tracking_code` when the courier says it."""

    def __init__(self, message: str, *, courier: str, tracking_code: str | None = None) -> None:
        super().__init__(message, courier=courier, code="duplicate")
        self.tracking_code = tracking_code


class MalformedWebhookError(PayloadError):
    """A courier webhook body that is not what the courier's documented format says."""
