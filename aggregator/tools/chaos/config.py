"""What a chaos run does: its size, and when each fault strikes (a pure schedule)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    KILL_WORKER = "kill_worker"  # kill -9 a `chotdon worker` in the middle of its batches
    KILL_WEB = "kill_web"  # kill -9 the web process receiving webhooks; senders retry
    FLUSH_REDIS = "flush_redis"  # every queued job and rate window gone
    DROP_POSTGRES = "drop_postgres"  # pg_terminate_backend on every connection of the run
    COURIER_TIMEOUT = "courier_timeout"  # the courier accepts a parcel, then never answers
    KILL_PULLER = "kill_facebook_pull"  # kill -9 `chotdon facebook-pull` mid-live, then restart


@dataclass(frozen=True)
class ChaosConfig:
    comments: int = 100_000
    lives: int = 12  # spread over Facebook, TikTok (relay) and Zalo in turn
    workers: int = 2
    web: int = 1  # `chotdon serve` processes sharing the run's port (SO_REUSEPORT) when > 1
    seed: int = 7
    buyers_per_live: int = 250
    rounds: int = 2  # how many times each fault kind strikes
    settle_timeout_s: float = 300.0
    confirm_window_s: float = 20.0  # unconfirmed orders expire after this
    unanswered_share: float = 0.05  # buyers staff never reach: their orders expire
    refuse_share: float = 0.1  # COD parcels the buyer refuses (returned)
    duplicate_share: float = 0.02  # deliveries a platform sends twice
    keep_database: bool = False  # keep the run's database to look into afterwards


@dataclass(frozen=True, slots=True)
class Strike:
    at_share: float  # strikes once this share of the comments has been sent
    fault: Fault


def schedule(config: ChaosConfig) -> list[Strike]:
    """Each fault kind `rounds` times, spread over 10 %–85 % of the sending, shuffled by seed."""
    kinds = [fault for _ in range(config.rounds) for fault in Fault]
    random.Random(config.seed).shuffle(kinds)
    step = 0.75 / max(1, len(kinds) - 1)
    return [Strike(round(0.1 + i * step, 3), fault) for i, fault in enumerate(kinds)]
