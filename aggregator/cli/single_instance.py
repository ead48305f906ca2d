"""One `chotdon demo` or `chotdon serve` per data folder and per port.

A second one must not touch the first: no migrations, no new staff passwords, no re-sealed channel
secrets, no web process dying on a taken port. So before anything starts it takes an exclusive lock
on a file in the data folder (held until it exits; the kernel drops it even if the process is
killed) and tries to bind the port, and refuses in one line naming the way out when either is
taken.
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
from collections.abc import Iterator
from pathlib import Path

from aggregator.errors import ConfigurationError, ConflictError
from aggregator.settings import Settings

LOCK_FILE = "chotdon.lock"


@contextlib.contextmanager
def data_folder_held(data_dir: Path) -> Iterator[None]:
    """Hold `data_dir` for this run, or raise ConflictError at once if another run holds it."""
    folder = data_dir.resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / LOCK_FILE).open("a")
    except OSError as exc:
        raise ConfigurationError(f"cannot use the data folder {folder}: {exc.strerror}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConflictError(
                f"the data folder {folder} is in use by another chotdon demo or serve; "
                "stop that one, or start this one on another folder with --data-dir"
            ) from None
        yield


def ensure_port_free(host: str, port: int, reuse_port: bool = False) -> None:
    """Raise ConflictError if the web app could not listen on host:port (as aiohttp binds it).
    With reuse_port the probe asks for SO_REUSEPORT as well: other serve processes sharing the
    port do not count as taken, anything else listening there does."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            # aiohttp sets SO_REUSEADDR too: a port left in TIME_WAIT by a stopped run is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise ConflictError(
                    f"port {port} cannot be used on {host} ({exc.strerror}); "
                    "stop what listens there, or start on another port with --port"
                ) from exc


@contextlib.contextmanager
def single_instance(settings: Settings) -> Iterator[None]:
    """For demo and serve: hold the data folder when this run owns the embedded servers there
    (with DATABASE_URL / REDIS_URL the folder holds nothing of it, and the demo's own web process
    runs that way), and check the port is free, before anything is started or written."""
    with contextlib.ExitStack() as held:
        if settings.uses_embedded_services:
            held.enter_context(data_folder_held(settings.data_dir))
        ensure_port_free(settings.host, settings.port, settings.reuse_port)
        yield
