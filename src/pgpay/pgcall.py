"""One prepared statement on a few dedicated connections in pipeline mode: the webhook hot path.

Every delivery runs the same statement (payments.ingest_stripe_event). Going through psycopg's
pool and `execute` for each one costs the server more CPU than the rest of the request, and each
connection then sits idle between the end of one call and the start of the next, while more
backends than cores fight over the CPU.

`PipelinedCall` keeps `lanes` connections of its own (by default one per CPU). A call goes to the
lane with the fewest calls in flight and is sent at once, followed by a Sync: PostgreSQL runs each
call in its own implicit transaction, one after the other, so an error (or a failed commit) ends
only its own call, and the backend starts the next call without waiting for the server. Answers
come back in the order sent. Parameters go as text; the statement is prepared once per
connection. Errors are psycopg's own exception classes, built from the server's answer. A lost
connection fails the calls waiting on it with `OperationalError`; the next call connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import deque
from collections.abc import Callable, Sequence

import psycopg
from psycopg import errors, pq

Row = tuple[str | None, ...]
Results = list[pq.abc.PGresult]
ENCODING = "utf-8"
"""Every lane connection sets client_encoding UTF8: parameters and answers use it."""
WATCH_SECONDS = 1.0
"""How often a connection with calls waiting is read even if the event loop did not say so."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, e.g. a container's cpuset)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_lanes(processes: int = 1, total: int | None = None) -> int:
    """The delivery connections of each of `processes` server processes: `total` (by default one
    per CPU, between 2 and 8) shared out among them, at least one each. More backends than cores
    only fight over the CPU."""
    wanted = max(2, min(8, usable_cpus())) if total is None else total
    return max(1, wanted // processes)


class PipelinedCall:
    """`await call(params)`: the first row of one SQL statement ($1, $2... text parameters)."""

    def __init__(
        self,
        conninfo: str,
        name: str,
        sql: str,
        *,
        lanes: int | None = None,
        connect_timeout: int = 5,
    ) -> None:
        count = default_lanes() if lanes is None else lanes
        if count < 1:
            raise ValueError("lanes must be at least 1")
        self.lanes = [
            _Lane(conninfo, name.encode(), sql.encode(), connect_timeout) for _ in range(count)
        ]

    async def __call__(self, params: Sequence[str | bytes | None]) -> Row | None:
        """`bytes` parameters go as they are: they must be UTF-8 text already (the webhook body,
        received as bytes, is not decoded and encoded again)."""
        values = [param.encode(ENCODING) if isinstance(param, str) else param for param in params]
        for value in values:
            if value is not None and b"\x00" in value:  # libpq would cut a text value there
                raise errors.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        lane = min(self.lanes, key=lambda lane: lane.in_flight)
        lane.in_flight += 1  # from now: a call waiting for a connection counts too
        try:
            conn = await lane.connection()
            pgconn = conn.pgconn
            results = await lane.send(conn, lambda: pgconn.send_query_prepared(lane.name, values))
        finally:
            lane.in_flight -= 1
        result = _first(results)
        if result.ntuples == 0:
            return None
        return tuple(
            None if (value := result.get_value(0, column)) is None else value.decode(ENCODING)
            for column in range(result.nfields)
        )

    @property
    def in_flight(self) -> int:
        return sum(lane.in_flight for lane in self.lanes)

    async def close(self) -> None:
        """Close every connection; calls still waiting fail with OperationalError."""
        for lane in self.lanes:
            await lane.close()


class _Lane:
    """One connection in pipeline mode and the calls waiting on it, in the order sent."""

    def __init__(self, conninfo: str, name: bytes, sql: bytes, connect_timeout: int) -> None:
        self.conninfo = conninfo
        self.name = name
        self.sql = sql
        self.connect_timeout = connect_timeout
        self.conn: psycopg.AsyncConnection[object] | None = None
        self.connecting: asyncio.Task[psycopg.AsyncConnection[object]] | None = None
        self.closed = False
        self.waiting: deque[asyncio.Future[Results]] = deque()
        self.current: Results = []
        self.flushing: asyncio.Future[None] | None = None
        """Set while one call waits for the socket to take more of what libpq buffered."""
        self.writable: asyncio.Future[None] | None = None
        """What that call waits on: the socket is writable, or the connection was dropped."""
        self.in_flight = 0
        """Calls from the moment they chose this lane until they have their answer."""
        self.fd = -1
        self.loop: asyncio.AbstractEventLoop | None = None
        """The loop the connection's reader is registered with (asking for the running loop on
        every call costs a getpid() system call)."""
        self.watch: asyncio.TimerHandle | None = None
        """Set while calls wait: see _watch."""

    async def connection(self) -> psycopg.AsyncConnection[object]:
        if self.closed:
            raise errors.OperationalError("the connection was closed")
        if self.conn is not None:
            return self.conn
        if self.connecting is None:
            # One attempt shared by every call that arrives meanwhile: during an outage they all
            # get its error instead of queueing for attempts of their own.
            self.connecting = asyncio.ensure_future(self._connect())
            self.connecting.add_done_callback(self._connected)
        try:
            return await asyncio.shield(self.connecting)
        except asyncio.CancelledError:
            if self.closed:  # close() cancelled the attempt, not our caller
                raise errors.OperationalError("the connection was closed") from None
            raise

    def _connected(self, task: asyncio.Task[psycopg.AsyncConnection[object]]) -> None:
        self.connecting = None
        if not task.cancelled():
            task.exception()  # retrieved here: callers may all have gone

    async def _connect(self) -> psycopg.AsyncConnection[object]:
        conn = await psycopg.AsyncConnection.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=self.connect_timeout,
            client_encoding="UTF8",  # ENCODING: every text parameter can be encoded in it
        )
        pgconn = conn.pgconn
        try:
            pgconn.nonblocking = 1
            pgconn.enter_pipeline_mode()
            self.fd = pgconn.socket  # kept: a lost connection no longer tells its socket
            self.loop = asyncio.get_running_loop()
            self.loop.add_reader(self.fd, self._readable)
        except BaseException:
            pgconn.finish()
            raise
        self.conn = conn
        try:
            results = await self.send(conn, lambda: pgconn.send_prepare(self.name, self.sql))
            _first(results)
        except BaseException as exc:
            if self.conn is conn:
                self.drop(errors.OperationalError(f"preparing the statement failed: {exc}"))
            raise
        return conn

    async def send(self, conn: psycopg.AsyncConnection[object], put: Callable[[], None]) -> Results:
        """Queue one command and a Sync on `conn`; its results, once they come."""
        if self.conn is not conn or self.loop is None:
            raise errors.OperationalError("the connection was lost")
        loop = self.loop
        future: asyncio.Future[Results] = loop.create_future()
        try:
            put()
            conn.pgconn.pipeline_sync()
        except psycopg.Error as exc:  # the connection broke before the reader noticed
            self.drop(exc)
            raise
        self.waiting.append(future)
        if self.watch is None:
            self.watch = loop.call_later(WATCH_SECONDS, self._watch)
        await self._flush(conn, loop)
        return await future

    async def _flush(
        self, conn: psycopg.AsyncConnection[object], loop: asyncio.AbstractEventLoop
    ) -> None:
        """Push what libpq buffered to the socket (one caller at a time: a large body may need
        the socket to drain first)."""
        while self.flushing is not None:  # then flush again: its caller may have been cancelled
            await asyncio.shield(self.flushing)
        pgconn = conn.pgconn
        flushing = self.flushing = loop.create_future()
        waited = False
        try:
            while self.conn is conn and pgconn.flush() != 0:
                waited = True
                writable = self.writable = loop.create_future()
                loop.add_writer(self.fd, _wake, writable)
                try:
                    await writable
                finally:
                    self.writable = None
                    if self.conn is conn:  # else drop() removed it, before the socket closed
                        loop.remove_writer(self.fd)
        except psycopg.Error as exc:
            self.drop(exc)
        finally:
            self.flushing = None
            flushing.set_result(None)
        if waited:
            # While the socket was full, flush() may have read answers into libpq's buffer: the
            # socket will not say so.
            self._readable()

    def _readable(self) -> None:
        """Read what arrived and answer every call whose Sync came back."""
        conn = self.conn
        if conn is None:
            return
        pgconn = conn.pgconn
        ended = False  # the last result was the end of one command's results
        try:
            pgconn.consume_input()
            while self.waiting and not pgconn.is_busy():
                result = pgconn.get_result()
                if result is None:
                    if ended:  # two ends in a row: libpq has nothing more, yet calls wait
                        raise errors.OperationalError("the connection lost track of its calls")
                    ended = True  # its Sync comes next
                    continue
                ended = False
                if result.status == pq.ExecStatus.PIPELINE_SYNC:
                    results, self.current = self.current, []
                    future = self.waiting.popleft()
                    if not future.done():  # a cancelled caller: its call ran all the same
                        future.set_result(results)
                    continue
                self.current.append(result)
        except psycopg.Error as exc:
            self.drop(exc)
            return
        if pgconn.status == pq.ConnStatus.BAD:
            message = pgconn.get_error_message() or "the connection was lost"
            self.drop(errors.OperationalError(message))

    def _watch(self) -> None:
        """Every WATCH_SECONDS while calls wait: read the connection whether or not the event loop
        said it is readable, and register the reader again. uvloop closes a reader whose socket
        reports an error without calling it, which would leave the calls waiting on a dead
        connection for ever; reading finds the broken connection and drops it."""
        self.watch = None
        conn = self.conn
        if conn is None or not self.waiting:
            return
        self._readable()
        if self.conn is conn:
            loop = asyncio.get_running_loop()
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                loop.remove_reader(self.fd)  # a reader uvloop closed included
            loop.add_reader(self.fd, self._readable)
            if self.waiting:
                self.watch = loop.call_later(WATCH_SECONDS, self._watch)

    async def close(self) -> None:
        """Close for good: later calls fail with OperationalError."""
        self.closed = True
        task = self.connecting
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self.drop(errors.OperationalError("the connection was closed"))

    def drop(self, exc: Exception) -> None:
        """Close the connection; every call still waiting on it fails with `exc`."""
        conn, self.conn = self.conn, None
        if self.watch is not None:
            self.watch.cancel()
            self.watch = None
        waiting, self.waiting, self.current = self.waiting, deque(), []
        for future in waiting:
            if not future.done():
                future.set_exception(exc)
        if conn is None:
            return
        loop = asyncio.get_running_loop()
        # Before the socket closes (its number goes to the next connection). libpq may have
        # closed it already, on finding it broken: the event loop then cannot unregister it.
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            loop.remove_reader(self.fd)
        if self.writable is not None:
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                loop.remove_writer(self.fd)
            _wake(self.writable)  # the flushing call sees the connection is gone
        conn.pgconn.finish()


def _first(results: Results) -> pq.abc.PGresult:
    """The first result of one call. Raise the first error among them instead (one may come
    after the row: a deferred constraint or a serialization failure at commit)."""
    if not results:
        raise errors.OperationalError("the server sent no answer")
    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=ENCODING)
        if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            raise errors.InternalError(
                f"unexpected result status {pq.ExecStatus(result.status).name}"
            )
    return results[0]


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
