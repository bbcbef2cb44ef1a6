"""One prepared statement called straight through libpq, for the webhook hot path.

`AsyncConnection.execute` builds a cursor, adapts the parameters and runs a poll, a timer and a
future around every wait; for the one statement the webhook route runs per delivery that machinery
costs the server more CPU than the rest of the request. `PreparedCall` keeps psycopg's connection
and pool (reconnection, health checks, errors) and only replaces the execution: parameters go as
text, the statement is prepared once per connection, the reply is read when the socket is readable.
Errors are psycopg's own exception classes, built from the server's answer.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence

import psycopg
from psycopg import errors, pq


class PreparedCall:
    """`await call(conn, params)`: the first row of one SQL statement ($1, $2... text params)."""

    def __init__(self, name: str, sql: str) -> None:
        self.name = name.encode()
        self.sql = sql.encode()
        self._prepared: weakref.WeakSet[psycopg.AsyncConnection[object]] = weakref.WeakSet()

    async def __call__(
        self, conn: psycopg.AsyncConnection[object], params: Sequence[str | None]
    ) -> tuple[str | None, ...] | None:
        pgconn = conn.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise errors.InterfaceError("the connection is not idle")
        if conn not in self._prepared:
            pgconn.send_prepare(self.name, self.sql)
            await _result(conn)
            self._prepared.add(conn)
        values = []
        for param in params:
            if param is not None and "\x00" in param:  # libpq would cut a text value there
                raise errors.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
            values.append(None if param is None else param.encode())
        pgconn.send_query_prepared(self.name, values)
        result = await _result(conn)
        if result.ntuples == 0:
            return None
        return tuple(
            None if (value := result.get_value(0, column)) is None else value.decode()
            for column in range(result.nfields)
        )


async def _result(conn: psycopg.AsyncConnection[object]) -> pq.abc.PGresult:
    """Flush what was sent, wait for the whole answer, raise its error if it is one."""
    pgconn = conn.pgconn
    loop = asyncio.get_running_loop()
    while pgconn.flush() != 0:  # the socket buffer was full: wait until it drains
        await _ready(loop, pgconn.socket, writer=True)
    while True:
        pgconn.consume_input()
        if not pgconn.is_busy():
            break
        await _ready(loop, pgconn.socket, writer=False)
    first: pq.abc.PGresult | None = None
    while (result := pgconn.get_result()) is not None:
        if first is None:
            first = result
    if first is None:
        raise errors.OperationalError(pgconn.get_error_message() or "the server sent no answer")
    if first.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(first, encoding=conn.info.encoding)
    return first


async def _ready(loop: asyncio.AbstractEventLoop, fileno: int, *, writer: bool) -> None:
    future: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    if writer:
        loop.add_writer(fileno, wake)
    else:
        loop.add_reader(fileno, wake)
    try:
        await future
    finally:
        if writer:
            loop.remove_writer(fileno)
        else:
            loop.remove_reader(fileno)
