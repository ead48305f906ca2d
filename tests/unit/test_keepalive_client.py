"""The webhook bench's lean client frames answers by their Content-Length, keeps its connections,
counts only 2xx as acknowledged, and sends nothing twice when the server closes a connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from aggregator.tools.bench.keepalive_client import (
    AnswerError,
    framed_answer,
    post_all,
    request_bytes,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ANSWER = b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


def test_a_request_goes_on_the_wire_with_its_host_length_headers_and_body() -> None:
    wire = request_bytes("http://127.0.0.1:8080/webhooks/facebook?x=1", b"{}", {"X-Sig": "abc"})
    assert wire == (
        b"POST /webhooks/facebook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
        b"Content-Length: 2\r\nX-Sig: abc\r\n\r\n{}"
    )


@pytest.mark.parametrize("cut", [0, 10, len(ANSWER) - 5, len(ANSWER) - 1])
def test_an_answer_is_framed_only_once_it_is_whole(cut: int) -> None:
    assert framed_answer(bytearray(ANSWER[:cut])) is None
    assert framed_answer(bytearray(ANSWER)) == (201, len(ANSWER))
    assert framed_answer(bytearray(ANSWER + b"HTTP/1.1 2")) == (201, len(ANSWER))


def test_an_answer_without_a_length_is_an_error_not_a_guess() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    with pytest.raises(AnswerError, match="without Content-Length"):
        framed_answer(bytearray(chunked))


async def _post_numbers(handler: Handler, count: int, lanes: int) -> tuple[float, int]:
    """POSTs of the bodies "0" to str(count - 1), through post_all, to `handler` on a real port."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    async with TestServer(app) as server:
        url = str(server.make_url("/hook"))
        requests = [request_bytes(url, str(i).encode(), {}) for i in range(count)]
        return await post_all(url, iter(requests), lanes)


async def test_every_request_is_sent_once_and_only_2xx_count() -> None:
    seen: list[bytes] = []
    peers: set[object] = set()

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(body)
        peers.add(request.transport)
        return web.Response(status=202 if int(body) % 3 else 401, text="ok")

    rate, acknowledged = await _post_numbers(handler, 60, lanes=4)
    assert sorted(int(b) for b in seen) == list(range(60))
    assert acknowledged == 40  # every third answered 401
    assert rate > 0
    assert len(peers) == 4  # keep-alive: four connections carried all sixty


async def test_a_connection_the_server_closes_is_opened_again_and_its_post_not_counted() -> None:
    answered, sevens = 0, 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal answered, sevens
        body = await request.read()
        if body == b"7":  # the server goes away in the middle of this one
            sevens += 1
            assert request.transport is not None
            request.transport.close()
            raise web.HTTPInternalServerError
        answered += 1
        return web.Response(text="ok")

    _, acknowledged = await _post_numbers(handler, 20, lanes=2)
    assert acknowledged == answered == 19
    assert sevens == 1  # not sent again
