"""uvicorn's HTTP/1.1 protocol (httptools), sending each answer with one system call.

An ASGI answer is two messages, the status and headers, then the body, and uvicorn writes each to
the socket as it comes: two sends per answer, two packets, and a client woken for the headers and
then again for the body. On the webhook route, whose answers are a few dozen bytes, the second
send was one of the seven system calls the server made per delivery.

`HttpProtocol` gives uvicorn a transport that holds what is written during one step of the event
loop and hands it to the socket at the end of that step, in one `writelines` (one `writev`). Both
ASGI messages of an answer are sent in the same step, so they leave together. Nothing is delayed
past the step: unlike Nagle's algorithm, there is no timer and no waiting for the peer; and 64 KiB
held go out at once, so a large answer still meets the transport's flow control. Closing sends
what is held first; what is held when the connection is already lost is dropped, as a closed
socket would drop it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 64 * 1024
"""Held bytes that are sent at once rather than at the end of the step (uvloop's and asyncio's
default high-water mark for a transport's buffer)."""


class StepBufferedTransport(asyncio.Transport):
    """Wraps a stream transport: writes made in one event-loop step go out as one send."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0
        self._eof = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._eof:
            raise RuntimeError("cannot write after write_eof()")
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        # A mutable buffer is copied: the caller may reuse it before the step ends.
        chunk = data if isinstance(data, bytes) else bytes(data)
        self._held.append(chunk)
        self._held_size += len(chunk)
        if self._held_size >= FLUSH_AT:
            # A large answer written in one step goes to the socket now, so that the transport's
            # flow control (pause_writing past its high-water mark) still holds the writer back.
            self.flush()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held now (called at the end of the step that wrote it)."""
        held, self._held, self._held_size = self._held, [], 0
        if held and not self._transport.is_closing():
            self._transport.writelines(held)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._eof = True
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def abort(self) -> None:
        self._held, self._held_size = [], 0
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_size

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `StepBufferedTransport`: one send per answer."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(StepBufferedTransport(transport, self.loop))
