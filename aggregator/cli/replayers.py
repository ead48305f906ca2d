"""Who reads each source's dead letters again: the composition root of `chotdon deliveries replay`.

Each webhook source that can keep a delivery as unreadable registers its Replayer here, with the
resources it needs (pools, the ingest queue) held for the replay's duration. A source with no
replayer yet keeps its dead letters untouched, and the command says how many.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from aggregator.cli.facebook_replay import facebook_replayer
from aggregator.cli.replay_platforms import platform_replayers
from aggregator.confirmation.bank_transfers import bank_replayer, source as bank_source
from aggregator.confirmation.payments import SOURCE as PAYMENTS, payment_replayer
from aggregator.inbox.replay import Replayer
from aggregator.settings import Settings
from aggregator.shipping.webhooks import CourierReplayer, source as courier_source
from schema.enums import BankProvider, Courier


@contextlib.asynccontextmanager
async def replayers_for(
    settings: Settings, pool: asyncpg.Pool
) -> AsyncIterator[dict[str, Replayer]]:
    """The replayers of every source, ready to use until the block ends."""
    async with contextlib.AsyncExitStack() as resources:
        replayers: dict[str, Replayer] = {}
        replayers["facebook"] = await resources.enter_async_context(
            facebook_replayer(settings, pool)
        )
        replayers.update(await resources.enter_async_context(platform_replayers(settings, pool)))
        replayers.update({bank_source(p): bank_replayer(pool, p) for p in BankProvider})
        replayers[PAYMENTS] = payment_replayer(pool)
        for courier in Courier:  # courier:ghn, courier:ghtk, courier:viettelpost
            replayers[courier_source(courier)] = CourierReplayer(pool, settings, courier)
        yield replayers
