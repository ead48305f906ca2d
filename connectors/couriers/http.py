"""One HTTP call to a courier, with every transport failure mapped onto connectors.errors.

A timeout or a dropped connection after the request was sent is ambiguous (the courier may have
booked the parcel), so it becomes CourierTimeoutError; a refused connection, 429 or 5xx is plainly
"not done" and becomes CourierUnavailableError.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from connectors.couriers.errors import (
    CourierAuthError,
    CourierTimeoutError,
    CourierUnavailableError,
)
from connectors.couriers.port import CourierConfig
from schema.enums import Courier

JsonObject = dict[str, Any]


class CourierHttp:
    def __init__(
        self, courier: Courier, config: CourierConfig, session: aiohttp.ClientSession
    ) -> None:
        self.courier = courier
        self.config = config
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        json: JsonObject | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, JsonObject]:
        url = self.config.base_url.rstrip("/") + path
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        data = orjson.dumps(json) if json is not None else None
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            async with self.session.request(
                method, url, data=data, params=params, headers=headers, timeout=timeout
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError as exc:
            raise CourierTimeoutError(f"{method} {path} timed out", courier=self.courier) from exc
        except aiohttp.ClientConnectorError as exc:
            raise CourierUnavailableError(str(exc), courier=self.courier) from exc
        except aiohttp.ClientError as exc:
            raise CourierTimeoutError(f"{method} {path}: {exc}", courier=self.courier) from exc
        return status, self._decode(status, raw, path)

    def _decode(self, status: int, raw: bytes, path: str) -> JsonObject:
        if status == 401 or status == 403:
            raise CourierAuthError(f"token refused on {path}", courier=self.courier)
        if status == 429 or status >= 500:
            raise CourierUnavailableError(f"HTTP {status} on {path}", courier=self.courier)
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError as exc:
            raise CourierUnavailableError(
                f"HTTP {status} on {path}: not JSON", courier=self.courier
            ) from exc
        if not isinstance(body, dict):
            raise CourierUnavailableError(
                f"HTTP {status} on {path}: not an object", courier=self.courier
            )
        return body

    async def raw_get(self, path: str, headers: dict[str, str]) -> bytes:
        """A binary GET (GHTK's label PDF)."""
        url = self.config.base_url.rstrip("/") + path
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_s)
        try:
            async with self.session.get(url, headers=headers, timeout=timeout) as response:
                if response.status >= 400:
                    raise CourierUnavailableError(
                        f"HTTP {response.status} on {path}", courier=self.courier
                    )
                return await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise CourierUnavailableError(f"GET {path}: {exc}", courier=self.courier) from exc
