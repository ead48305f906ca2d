"""The webhook bench's client: requests built before the clock starts, sent over keep-alive
connections, one in flight on each, answers read only as far as their status and length.

The client shares the machine's cores with the web process and Postgres. aiohttp's client spent
135-244 µs of CPU a POST here, more than the unrouted request cost the server, and that load fell
harder on the signed phase, whose Postgres needs the same cores, than on the unrouted one. This
one spends 36-62 µs: it writes bytes it built beforehand and reads the status line and the
Content-Length of each answer (every chotdon answer carries one; an answer without it is an
error, not a guess). A connection the server closes is opened again, and the POST it carried
counts as not acknowledged: nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

from aggregator.errors import ChotdonError

_HEAD_END = b"\r\n\r\n"
_LENGTH = b"\r\ncontent-length:"


class AnswerError(ChotdonError):
    """An answer this client cannot frame (no Content-Length, or a chunked body)."""


def request_bytes(url: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """One POST as it goes on the wire: request line, Host, Content-Length, the headers, body."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def framed_answer(buffer: bytearray) -> tuple[int, int] | None:
    """(status, length of the whole answer) once `buffer` holds a whole answer; None before."""
    end = buffer.find(_HEAD_END)
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    at = head.find(_LENGTH)
    if at < 0:
        raise AnswerError(f"an answer without Content-Length: {head[:200]!r}")
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + len(_LENGTH) : None if line_end < 0 else line_end])
    whole = end + len(_HEAD_END) + length
    if len(buffer) < whole:
        return None
    return int(head[9:12]), whole


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._waiter: asyncio.Future[int] | None = None
        self._transport: asyncio.Transport | None = None
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport, self.open = transport, True

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._waiter is None or self._waiter.done():
            return
        try:
            answer = framed_answer(self._buffer)
        except (AnswerError, ValueError) as exc:
            self._waiter.set_exception(exc)
            return
        if answer is not None:
            status, whole = answer
            del self._buffer[:whole]
            self._waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionResetError("the server closed the connection"))

    async def send(self, request: bytes) -> int:
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def post_all(url: str, requests: Iterator[bytes], lanes: int) -> tuple[float, int]:
    """Every request of `requests` (built by request_bytes for `url`'s host) sent on `lanes`
    connections at once, each taking the next when its answer is in: (POSTs a second, how many
    were answered 2xx)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    sent = acknowledged = 0

    async def connect() -> _Connection:
        _, connection = await loop.create_connection(_Connection, host, port)
        return connection

    async def lane(connection: _Connection) -> None:
        nonlocal sent, acknowledged
        try:
            for request in requests:
                if not connection.open:
                    connection = await connect()
                sent += 1
                try:
                    status = await connection.send(request)
                except ConnectionResetError:
                    continue  # not acknowledged; the next request opens the connection again
                acknowledged += 200 <= status < 300
        finally:
            connection.close()

    connections = [await connect() for _ in range(lanes)]  # before the clock starts
    started = time.perf_counter()
    await asyncio.gather(*(lane(c) for c in connections))
    elapsed = time.perf_counter() - started
    return sent / elapsed, acknowledged
