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

Row = tuple[str | None, ...]


class PreparedCall:
    """`await call(conn, params)`: the first row of one SQL statement ($1, $2... text params)."""

    def __init__(self, name: str, sql: str) -> None:
        self.name = name.encode()
        self.sql = sql.encode()
        self._prepared: weakref.WeakSet[psycopg.AsyncConnection[object]] = weakref.WeakSet()

    async def __call__(
        self, conn: psycopg.AsyncConnection[object], params: Sequence[str | None]
    ) -> Row | None:
        pgconn = conn.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            raise errors.InterfaceError("the connection is not idle")
        encoding = conn.info.encoding
        values = []
        for param in params:
            if param is not None and "\x00" in param:  # libpq would cut a text value there
                raise errors.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
            values.append(None if param is None else param.encode(encoding))
        for attempt in (1, 2):
            if conn not in self._prepared:
                pgconn.send_prepare(self.name, self.sql)
                await _results(conn)
                self._prepared.add(conn)
            pgconn.send_query_prepared(self.name, values)
            try:
                result = await _results(conn)
                break
            except errors.InvalidSqlStatementName:
                # Gone: psycopg runs DEALLOCATE ALL on a connection after some rollbacks (it
                # prepares statements of its own). Nothing ran; prepare again and retry once.
                self._prepared.discard(conn)
                if attempt == 2:
                    raise
        if result.ntuples == 0:
            return None
        return tuple(
            None if (value := result.get_value(0, column)) is None else value.decode(encoding)
            for column in range(result.nfields)
        )


async def _results(conn: psycopg.AsyncConnection[object]) -> pq.abc.PGresult:
    """Flush what was sent and read every result up to the end of the command (never blocking
    the event loop). Raise the first error among them (one may come after the row: a deferred
    constraint or a serialization failure at commit); return the first result otherwise."""
    pgconn = conn.pgconn
    loop = asyncio.get_running_loop()
    while pgconn.flush() != 0:  # the socket buffer was full: wait until it drains
        await _ready(loop, pgconn.socket, writer=True)
    results = []
    while True:
        pgconn.consume_input()
        while pgconn.is_busy():
            await _ready(loop, pgconn.socket, writer=False)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            break
        results.append(result)
    if not results:
        raise errors.OperationalError(pgconn.get_error_message() or "the server sent no answer")
    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=conn.info.encoding)
        if result.status not in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            raise errors.InternalError(
                f"unexpected result status {pq.ExecStatus(result.status).name}"
            )
    return results[0]


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
