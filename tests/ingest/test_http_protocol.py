"""pgpay's HTTP protocol: what one event-loop step writes leaves in one send, at the step's end.

The transport is checked on real sockets under both event loops uvicorn may run (asyncio's and
uvloop, the one `pgpay serve` uses); the server test runs the whole protocol under uvicorn.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import uvloop
from uvicorn.server import ServerState

from pgpay.http_protocol import FLUSH_AT, HttpProtocol, StepBufferedTransport
from pgpay.server import uvicorn_config
from pgpay.testing.events import StripeFactory
from pgpay.testing.signing import encode_event, sign_payload

from .conftest import WEBHOOK_SECRET, WebhookServer

Peer = socket.socket
Check = Callable[[StepBufferedTransport, Peer, asyncio.AbstractEventLoop], Awaitable[None]]


T = TypeVar("T")
LOOPS = ["asyncio", "uvloop"]


def run_in_new_loop(kind: str, main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to its end on a new event loop of `kind` (asyncio or uvloop), then close it."""
    loop = uvloop.new_event_loop() if kind == "uvloop" else asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()


@pytest.fixture(params=LOOPS)
def run_on_socket(request: pytest.FixtureRequest) -> Iterator[Callable[[Check], list[Any]]]:
    """`run_on_socket(check)`: `check(transport, peer, loop)` on one end of a real socket pair,
    wrapped in a StepBufferedTransport; returns the errors the loop reported meanwhile."""
    pairs: list[tuple[socket.socket, socket.socket]] = []

    def run(check: Check) -> list[Any]:
        ours, peer = socket.socketpair()
        pairs.append((ours, peer))
        peer.setblocking(False)
        errors: list[Any] = []

        async def main() -> None:
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(lambda _loop, context: errors.append(context))
            transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
            await check(StepBufferedTransport(transport, loop), peer, loop)
            transport.close()
            await asyncio.sleep(0.01)

        run_in_new_loop(request.param, main())
        return errors

    yield run
    for ours, peer in pairs:
        ours.close()
        peer.close()


def received(peer: Peer) -> bytes:
    """What the peer can read right now, without waiting."""
    chunks = []
    while True:
        try:
            chunk = peer.recv(65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


async def next_step() -> None:
    """Let the event loop finish the current step (and run what it scheduled)."""
    for _ in range(3):
        await asyncio.sleep(0)


def test_writes_of_one_step_are_held_then_sent_together_in_order(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, peer: Peer, _loop: Any) -> None:
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.writelines([b"o", memoryview(b"k")])
        transport.write(b"")
        assert received(peer) == b"", "nothing leaves before the step ends"
        assert transport.get_write_buffer_size() == 40
        await next_step()
        assert received(peer) == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        assert transport.get_write_buffer_size() == 0
        transport.write(b"second")
        await next_step()
        assert received(peer) == b"second"

    assert run_on_socket(check) == []


def test_a_buffer_reused_before_the_step_ends_is_sent_as_it_was_written(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, peer: Peer, _loop: Any) -> None:
        buffer = bytearray(b"first")
        transport.write(buffer)
        buffer[:] = b"later"
        transport.write(memoryview(buffer))
        buffer[:] = b"XXXXX"
        await next_step()
        assert received(peer) == b"firstlater"

    assert run_on_socket(check) == []


def test_close_sends_what_is_held_before_the_end_of_the_stream(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, peer: Peer, _loop: Any) -> None:
        transport.write(b"last answer")
        transport.close()
        assert transport.is_closing()
        await next_step()
        await asyncio.sleep(0.01)
        peer.setblocking(True)
        peer.settimeout(5)
        data = b""
        while chunk := peer.recv(65536):
            data += chunk
        assert data == b"last answer"

    assert run_on_socket(check) == []


def test_what_is_held_when_the_connection_is_lost_is_dropped_quietly(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, peer: Peer, _loop: Any) -> None:
        transport.write(b"too late")
        transport.abort()
        assert transport.get_write_buffer_size() == 0
        transport.write(b"after the end")  # a late answer to a client that left
        await next_step()
        assert received(peer) == b""

    assert run_on_socket(check) == []


def test_the_transport_passes_the_rest_through(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, _peer: Peer, _loop: Any) -> None:
        assert transport.get_extra_info("socket") is not None
        assert transport.get_extra_info("no such thing", "default") == "default"
        transport.set_write_buffer_limits(high=4096, low=1024)
        assert transport.get_write_buffer_limits() == (1024, 4096)
        transport.pause_reading()
        assert not transport.is_reading()
        transport.resume_reading()
        assert transport.is_reading()
        assert transport.can_write_eof()
        transport.write(b"half")
        transport.write_eof()
        await next_step()

    assert run_on_socket(check) == []


def test_a_large_write_leaves_at_once_and_nothing_follows_eof(
    run_on_socket: Callable[[Check], list[Any]],
) -> None:
    async def check(transport: StepBufferedTransport, peer: Peer, _loop: Any) -> None:
        transport.write(b"x" * (FLUSH_AT // 2))
        assert received(peer) == b""
        transport.write(b"y" * (FLUSH_AT // 2))  # reaches the mark: sent now, not at step end
        data = received(peer)
        assert data.startswith(b"x"), "the held bytes did not leave before the step ended"
        for _ in range(100):
            data += received(peer)
            if len(data) == FLUSH_AT:
                break
            await asyncio.sleep(0.001)  # (the socket pair's buffer drains as the peer reads)
        assert data == b"x" * (FLUSH_AT // 2) + b"y" * (FLUSH_AT // 2)
        assert transport.get_write_buffer_size() == 0
        transport.write(b"end")
        transport.write_eof()
        with pytest.raises(RuntimeError, match="write_eof"):
            transport.write(b"more")
        await next_step()
        peer.setblocking(True)
        peer.settimeout(5)
        assert peer.recv(100) == b"end"
        assert peer.recv(100) == b""

    assert run_on_socket(check) == []


class RecordingTransport(StepBufferedTransport):
    """Passes writes straight to the socket's transport, noting each call's bytes."""

    def __init__(self, transport: asyncio.Transport, sends: list[bytes]) -> None:
        super().__init__(transport, asyncio.get_running_loop())
        self.sends = sends

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sends.append(bytes(data))
        self._transport.write(data)

    def writelines(self, list_of_data: Any) -> None:
        chunks = [bytes(data) for data in list_of_data]
        self.sends.append(b"".join(chunks))
        self._transport.writelines(chunks)


async def plain_answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app answering `ok`, in the usual two messages."""
    await receive()
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize("loop_kind", LOOPS)
def test_pgpay_serve_sends_each_answer_with_one_call(loop_kind: str) -> None:
    """`pgpay serve`'s protocol on a real connection: two answers, to a request and then to two
    pipelined ones, each reach the socket's transport in one call (uvicorn's own makes two)."""
    config = uvicorn_config(plain_answer, lifespan="off", log_level="warning")
    assert config.http is HttpProtocol
    config.load()
    sends: list[bytes] = []

    class Recorded(config.http):  # type: ignore[name-defined,misc]
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(RecordingTransport(transport, sends))

    request = b"GET /a HTTP/1.1\r\nHost: pgpay\r\n\r\n"

    async def main() -> list[bytes]:
        loop = asyncio.get_running_loop()
        state = ServerState()
        server = await loop.create_server(
            lambda: Recorded(config=config, server_state=state, app_state={}), "127.0.0.1", 0
        )
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers = []
        for batch in (request, request + request):
            writer.write(batch)
            for _ in range(batch.count(b"GET")):
                answers.append(await reader.readuntil(b"\r\n\r\n") + await reader.readexactly(2))
        writer.close()
        server.close()
        await server.wait_closed()
        return answers

    answers = run_in_new_loop(loop_kind, main())
    assert len(answers) == 3
    assert all(a.startswith(b"HTTP/1.1 200 OK\r\n") and a.endswith(b"\r\n\r\nok") for a in answers)
    assert sends == answers  # one call per answer, each the whole answer


def raw_exchange(sock: socket.socket, request: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """Send one request; read one answer: (status line, headers, body)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection before answering"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection in the middle of an answer"
        body += chunk
    assert len(body) == int(headers["content-length"])
    return status, headers, body


def test_answers_over_keep_alive_then_closing_connection(
    webhook_server: WebhookServer, webhook_factory: StripeFactory
) -> None:
    """Two deliveries on one connection, the second asking to close: both answers arrive
    whole (the held answer goes out before the connection closes), then the end of stream."""
    port = int(webhook_server.url.rsplit(":", 1)[1])
    event = webhook_factory.event("test.unknown_type", {"id": "obj_1", "object": "thing"})
    body = encode_event(event)

    def request(connection: str) -> bytes:
        return b"".join(
            (
                b"POST /webhooks/stripe/test HTTP/1.1\r\nHost: pgpay\r\n",
                f"Stripe-Signature: {sign_payload(body, WEBHOOK_SECRET)}\r\n".encode(),
                f"Connection: {connection}\r\nContent-Length: {len(body)}\r\n\r\n".encode(),
                body,
            )
        )

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        status, headers, answer = raw_exchange(sock, request("keep-alive"))
        assert status == b"HTTP/1.1 200 OK"
        assert headers["content-type"] == "application/json"
        assert json.loads(answer) == {"received": True, "id": event["id"], "outcome": "ignored"}
        status, headers, answer = raw_exchange(sock, request("close"))
        assert status == b"HTTP/1.1 200 OK"
        assert json.loads(answer)["outcome"] == "duplicate"
        assert headers.get("connection") == "close"
        assert sock.recv(65536) == b""
