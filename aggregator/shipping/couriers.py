"""The courier adapters chotdon talks to: each cooperative's own account when it saved one
(shipping/accounts.py), else the installation's, built from Settings."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg

from aggregator.errors import ConfigurationError
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from aggregator.shipping.accounts import CourierAccount, account_for
from connectors.couriers.port import CourierConfig, CourierPort
from connectors.couriers.registry import build_adapter
from schema.enums import Courier


def courier_config(
    settings: Settings, courier: Courier, account: CourierAccount | None = None
) -> CourierConfig:
    """The adapter's configuration: the cooperative's own account, else the installation's."""
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
        token=account.token if account else (token.get_secret_value() if token else ""),
        shop_id=account.shop_id if account else shop_id.get(courier, ""),
        timeout_s=settings.courier_timeout_s,
        print_url=settings.viettelpost_print_url if courier is Courier.VIETTELPOST else "",
    )


class Couriers:
    """One adapter per courier over one HTTP session; `close()` when the process stops."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.session = session
        self._adapters: dict[Courier, CourierPort] = {}
        # Cooperatives' own accounts: one adapter per (courier, cooperative, its configuration),
        # so a token changed on the settings page is used from the next call on.
        self._own: dict[tuple[Courier, int, CourierConfig], CourierPort] = {}

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

    async def for_tenant(
        self, conn: Connection | asyncpg.Pool, tenant_id: int, courier: Courier
    ) -> CourierPort:
        """The adapter speaking for this cooperative: its own account if it saved one."""
        account = await account_for(conn, self.settings, tenant_id, courier)
        if account is None:
            return self.get(courier)
        config = courier_config(self.settings, courier, account)
        key = (courier, tenant_id, config)
        if key not in self._own:
            stale = [k for k in self._own if k[:2] == (courier, tenant_id)]
            for old in stale:
                del self._own[old]
            self._own[key] = build_adapter(courier, config, self.session)
        return self._own[key]

    def choose(self, tenant_settings: dict[str, Any]) -> Courier:
        """The cooperative's courier (tenants.settings.courier), else the deployment default."""
        chosen = tenant_settings.get("courier") or self.settings.courier_default
        return Courier(chosen)

    async def close(self) -> None:
        await self.session.close()
