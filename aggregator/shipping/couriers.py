"""The courier adapters chotdon talks to, built once per process from Settings."""

from __future__ import annotations

from typing import Any

import aiohttp

from aggregator.errors import ConfigurationError
from aggregator.settings import Settings
from connectors.couriers.port import CourierConfig, CourierPort
from connectors.couriers.registry import build_adapter
from schema.enums import Courier


def courier_config(settings: Settings, courier: Courier) -> CourierConfig:
    token = {
        Courier.GHN: settings.ghn_token,
        Courier.GHTK: settings.ghtk_token,
        Courier.VIETTELPOST: settings.viettelpost_token,
    }[courier]
    base_url = {
        Courier.GHN: settings.ghn_base_url,
        Courier.GHTK: settings.ghtk_base_url,
        Courier.VIETTELPOST: settings.viettelpost_base_url,
    }[courier]
    shop_id = {Courier.GHN: settings.ghn_shop_id, Courier.GHTK: settings.ghtk_client_source}
    return CourierConfig(
        base_url=base_url,
        token=token.get_secret_value() if token else "",
        shop_id=shop_id.get(courier, ""),
        timeout_s=settings.courier_timeout_s,
        print_url=settings.viettelpost_print_url if courier is Courier.VIETTELPOST else "",
    )


class Couriers:
    """One adapter per courier over one HTTP session; `close()` when the process stops."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.session = session
        self._adapters: dict[Courier, CourierPort] = {}

    @classmethod
    def open(cls, settings: Settings) -> Couriers:
        return cls(settings, aiohttp.ClientSession())

    def get(self, courier: Courier) -> CourierPort:
        if courier not in self._adapters:
            config = courier_config(self.settings, courier)
            if not config.token:
                raise ConfigurationError(f"no token for courier {courier.value}")
            self._adapters[courier] = build_adapter(courier, config, self.session)
        return self._adapters[courier]

    def choose(self, tenant_settings: dict[str, Any]) -> Courier:
        """The cooperative's courier (tenants.settings.courier), else the deployment default."""
        chosen = tenant_settings.get("courier") or self.settings.courier_default
        return Courier(chosen)

    async def close(self) -> None:
        await self.session.close()
