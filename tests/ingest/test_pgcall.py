"""PipelinedCall, the webhook route's pipelined libpq connections: the same answers and errors as
psycopg's, calls kept apart from each other, and nothing lost when a connection goes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psycopg
import pytest
import uvloop
from psycopg import errors

from pgpay.config import Settings, parse_connections
from pgpay.errors import ConfigError
from pgpay.pgcall import PipelinedCall, default_lanes
from pgpay.testing.events import StripeFactory

INGEST_SQL = "SELECT payments.ingest_stripe_event($1, $2::jsonb, $3)"
T = TypeVar("T")


def run(url: str, sql: str, main: Callable[[PipelinedCall], Awaitable[T]], lanes: int = 1) -> T:
    """`main(call)` with a PipelinedCall of `sql` on `lanes` connections, closed afterwards."""

    async def wrapper() -> T:
        call = PipelinedCall(url, "test_call", sql, lanes=lanes)
        try:
            return await main(call)
        finally:
            await call.close()

    return asyncio.run(wrapper())


async def outcome(call: PipelinedCall, params: tuple[str | bytes | None, ...]) -> object:
    """The call's row, or the psycopg error it raised."""
    try:
        return await call(params)
    except psycopg.Error as exc:
        return exc


def customer_events(seed: int, count: int) -> list[str]:
    factory = StripeFactory(seed=seed)
    return [json.dumps(factory.event("customer.created", factory.customer())) for _ in range(count)]


def test_answers_the_first_row_as_text(pgpay_database_url: str) -> None:
    sql = "SELECT $1::int + 1, NULL::text, 'x'"
    assert run(pgpay_database_url, sql, lambda call: call(("41",))) == ("42", None, "x")


def test_bytes_parameters_are_sent_as_they_are(pgpay_database_url: str) -> None:
    sql = "SELECT $1 || $2, octet_length($1)"
    params = ("café ".encode(), "naïve")  # UTF-8 bytes as received, and text
    assert run(pgpay_database_url, sql, lambda call: call(params)) == ("café naïve", "6")


def test_no_row_is_none(pgpay_database_url: str) -> None:
    sql = "SELECT 1 WHERE $1::text = 'never'"
    assert run(pgpay_database_url, sql, lambda call: call(("x",))) is None


def test_concurrent_calls_each_get_their_own_answer(pgpay_database_url: str) -> None:
    # 200 calls at once on 2 connections: each is queued behind others on its connection, and
    # the answers must come back to the right callers.
    sql = "SELECT $1::int * 2, pg_backend_pid()"

    async def main(call: PipelinedCall) -> list[tuple[str | None, ...] | None]:
        return await asyncio.gather(*(call((str(n),)) for n in range(200)))

    rows = run(pgpay_database_url, sql, main, lanes=2)
    assert [row[0] if row else None for row in rows] == [str(n * 2) for n in range(200)]
    assert len({row[1] for row in rows if row}) == 2  # both connections were used


def test_ingests_concurrently_with_duplicates(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    bodies = customer_events(3, 20)

    async def main(call: PipelinedCall) -> list[object]:
        sends = [call(("test", body, "webhook")) for body in bodies + bodies]
        return [row[0] if row else None for row in await asyncio.gather(*sends)]

    answers = run(pgpay_database_url, INGEST_SQL, main, lanes=2)
    assert answers[:20].count("processed") + answers[20:].count("processed") == 20
    assert answers.count("duplicate") == 20
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.customers").fetchone()
    assert count is not None and count["n"] == 20


def test_an_error_ends_only_its_own_call(pgpay_database_url: str) -> None:
    # Sent back to back on one connection: the bad ones fail with psycopg's classes, the ones
    # queued after them run as if alone.
    good = customer_events(5, 2)

    async def main(call: PipelinedCall) -> list[object]:
        return list(
            await asyncio.gather(
                outcome(call, ("test", "{not json", "webhook")),
                outcome(call, ("test", good[0], "webhook")),
                outcome(call, ("mars", good[1], "webhook")),
                outcome(call, ("test", good[1], "webhook")),
            )
        )

    not_json, first, bad_environment, second = run(pgpay_database_url, INGEST_SQL, main)
    assert isinstance(not_json, errors.InvalidTextRepresentation)
    assert isinstance(not_json, psycopg.DataError)
    assert isinstance(bad_environment, errors.InvalidParameterValue)
    assert "unknown environment" in str(bad_environment)
    assert (first, second) == (("processed",), ("processed",))


@pytest.mark.parametrize("body", ['{"id": "evt_\x00"}', b'{"id": "evt_\x00"}'])
def test_a_nul_byte_is_refused_before_it_is_sent(
    pgpay_database_url: str, body: str | bytes
) -> None:
    async def main(call: PipelinedCall) -> object:
        result = await outcome(call, ("test", body, "webhook"))
        return result, call.in_flight

    result, in_flight = run(pgpay_database_url, INGEST_SQL, main)
    assert isinstance(result, psycopg.DataError)
    assert in_flight == 0


def test_a_lost_connection_fails_its_calls_and_the_next_call_reconnects(
    pgpay_database_url: str,
) -> None:
    sql = (
        "SELECT $1::text, pg_backend_pid(), pg_sleep(CASE WHEN $1::text = 'slow' THEN 2 ELSE 0 END)"
    )

    async def main(call: PipelinedCall) -> tuple[object, object, object, object]:
        first = await call(("first",))
        assert first is not None
        slow = asyncio.ensure_future(outcome(call, ("slow",)))
        queued = asyncio.ensure_future(outcome(call, ("queued",)))
        await asyncio.sleep(0.3)  # both sent; the first is running
        with psycopg.connect(pgpay_database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s::int)", (first[1],))
        lost = await slow, await queued
        again = await call(("again",))
        return first, lost[0], lost[1], again

    first, slow, queued, again = run(pgpay_database_url, sql, main)
    assert isinstance(slow, psycopg.OperationalError)
    assert isinstance(queued, psycopg.OperationalError)
    assert isinstance(first, tuple) and isinstance(again, tuple)
    assert again[0] == "again" and again[1] != first[1]  # a new backend


def test_an_unreachable_database_is_an_operational_error(pgpay_database_url: str) -> None:
    closed = psycopg.conninfo.make_conninfo(pgpay_database_url, port=1, connect_timeout=2)

    async def main(call: PipelinedCall) -> list[object]:
        return list(await asyncio.gather(*(outcome(call, ("x",)) for _ in range(5))))

    results = run(closed, "SELECT $1::text", main)
    assert all(isinstance(result, psycopg.OperationalError) for result in results)


SLOW_SQL = (
    "SELECT length($1::text), pg_backend_pid(),"
    " pg_sleep(CASE WHEN $1::text = 'slow' THEN 3 ELSE 0 END)"
)
BIG = 1_000_000


async def block_a_flush(call: PipelinedCall) -> tuple[list[asyncio.Future[object]], int]:
    """One slow call running, then 1 MB calls until the socket is full and a flush waits: the
    calls sent, and the backend's pid."""
    first = await call(("warm",))
    assert first is not None and first[1] is not None
    lane = call.lanes[0]
    sent = [asyncio.ensure_future(outcome(call, ("slow",)))]
    await asyncio.sleep(0.2)
    while lane.flushing is None:
        assert len(sent) < 64, "the socket never filled up"
        sent.append(asyncio.ensure_future(outcome(call, ("x" * BIG,))))
        await asyncio.sleep(0.01)
    return sent, int(first[1])


def test_a_connection_lost_while_a_flush_waits_answers_every_call(
    pgpay_database_url: str,
) -> None:
    async def main(call: PipelinedCall) -> tuple[list[object], object]:
        sent, pid = await block_a_flush(call)
        with psycopg.connect(pgpay_database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        answers = await asyncio.wait_for(asyncio.gather(*sent), 20)
        return answers, await asyncio.wait_for(call(("after",)), 20)

    answers, after = run(pgpay_database_url, SLOW_SQL, main)
    assert answers and all(isinstance(answer, psycopg.OperationalError) for answer in answers)
    assert after is not None and after[0] == "5"


def test_closing_answers_the_calls_in_flight_and_refuses_later_ones(
    pgpay_database_url: str,
) -> None:
    async def main(call: PipelinedCall) -> tuple[list[object], object]:
        sent, _pid = await block_a_flush(call)
        await call.close()
        answers = await asyncio.wait_for(asyncio.gather(*sent), 20)
        return answers, await outcome(call, ("after",))

    answers, after = run(pgpay_database_url, SLOW_SQL, main)
    assert all(isinstance(answer, psycopg.OperationalError) for answer in answers)
    assert isinstance(after, psycopg.OperationalError) and "closed" in str(after)


def test_a_call_queued_behind_a_cancelled_flush_is_still_sent(pgpay_database_url: str) -> None:
    async def main(call: PipelinedCall) -> list[object]:
        sent, _pid = await block_a_flush(call)
        queued = asyncio.ensure_future(outcome(call, ("queued",)))
        await asyncio.sleep(0)
        for task in sent[1:]:
            task.cancel()  # the caller whose flush waits, among them
        return [await asyncio.wait_for(queued, 20), await sent[0]]

    queued, slow = run(pgpay_database_url, SLOW_SQL, main)
    assert queued is not None and queued[0] == "6"
    assert slow is not None and slow[0] == "4"


def test_calls_waiting_for_a_connection_share_one_attempt() -> None:
    # A server that accepts connections and never answers: each attempt times out.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(32)
        port = listener.getsockname()[1]
        conninfo = f"host=127.0.0.1 port={port} dbname=x user=x connect_timeout=1"

        async def main(call: PipelinedCall) -> list[object]:
            return list(await asyncio.gather(*(outcome(call, ("x",)) for _ in range(6))))

        results = run(conninfo, "SELECT $1::text", main)
        attempts = 0
        listener.settimeout(0.1)
        with contextlib.suppress(TimeoutError):
            while True:
                listener.accept()[0].close()
                attempts += 1
    assert all(isinstance(result, psycopg.OperationalError) for result in results)
    assert attempts == 1


def test_a_cancelled_caller_does_not_disturb_the_calls_behind_it(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    bodies = customer_events(6, 3)

    async def main(call: PipelinedCall) -> list[object]:
        await outcome(call, ("test", "{}", "replay"))  # connected (an empty event is refused)
        tasks = [asyncio.ensure_future(call(("test", body, "webhook"))) for body in bodies]
        await asyncio.sleep(0)  # all three sent
        tasks[0].cancel()
        answers: list[object] = [await task for task in tasks[1:]]
        answers.append(await call(("test", bodies[0], "webhook")))
        return answers

    answers = run(pgpay_database_url, INGEST_SQL, main)
    # The cancelled call ran all the same: delivering its event again is a duplicate.
    assert answers == [("processed",), ("processed",), ("duplicate",)]
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.webhook_events").fetchone()
    assert count is not None and count["n"] == 3


@pytest.mark.parametrize("size", [200_000, 1_000_000])
def test_large_parameters_are_sent_whole(pgpay_database_url: str, size: int) -> None:
    async def main(call: PipelinedCall) -> list[object]:
        return list(await asyncio.gather(*(call(("x" * (size + n),)) for n in range(3))))

    rows = run(pgpay_database_url, "SELECT length($1::text)", main)
    assert rows == [(str(size + n),) for n in range(3)]


def test_an_error_at_commit_is_raised_not_answered_as_a_row(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    pgpay_db.execute(
        "CREATE TABLE public.deferred_probe (a int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
    )
    sql = (
        "WITH i AS (INSERT INTO public.deferred_probe VALUES ($1::int), ($1::int) RETURNING a)"
        " SELECT count(*) FROM i"
    )

    async def main(call: PipelinedCall) -> tuple[object, object]:
        return await outcome(call, ("1",)), await outcome(call, ("2",))

    failed, second = run(pgpay_database_url, sql, main)
    assert isinstance(failed, errors.UniqueViolation)  # the row came first, the error at commit
    assert isinstance(second, errors.UniqueViolation)  # its own failure, not the first one's
    stored = pgpay_db.execute("SELECT count(*) AS n FROM public.deferred_probe").fetchone()
    assert stored is not None and stored["n"] == 0


def test_the_number_of_connections_is_configurable() -> None:
    assert Settings.from_env({}).ingest_connections is None
    assert Settings.from_env({"PGPAY_INGEST_CONNECTIONS": "3"}).ingest_connections == 3
    assert parse_connections(" ") is None
    for bad in ("0", "65", "two", "-1", "1.5"):
        with pytest.raises(ConfigError, match="PGPAY_INGEST_CONNECTIONS"):
            parse_connections(bad)
    assert 2 <= default_lanes() <= 8
    assert len(PipelinedCall("postgresql://", "n", "SELECT 1").lanes) == default_lanes()
    with pytest.raises(ValueError, match="at least 1"):
        PipelinedCall("postgresql://", "n", "SELECT 1", lanes=0)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_calls_are_answered_even_if_the_event_loop_stops_watching_the_socket(
    pgpay_database_url: str, loop: str
) -> None:
    # uvloop closes a reader whose socket reports an error (a reset), without calling it; the
    # server uses uvloop. Here the reader is removed by hand, then the backend goes: the calls
    # waiting must still be answered, and the next call must work.
    async def main() -> tuple[list[object], object]:
        call = PipelinedCall(pgpay_database_url, "test_call", SLOW_SQL, lanes=1)
        try:
            first = await call(("warm",))
            assert first is not None
            lane = call.lanes[0]
            sent = [asyncio.ensure_future(outcome(call, (word,))) for word in ("slow", "queued")]
            await asyncio.sleep(0.2)
            asyncio.get_running_loop().remove_reader(lane.fd)
            with psycopg.connect(pgpay_database_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s::int)", (first[1],))
            answers = await asyncio.wait_for(asyncio.gather(*sent), 10)
            return answers, await asyncio.wait_for(call(("after",)), 15)
        finally:
            await call.close()

    answers, after = uvloop.run(main()) if loop == "uvloop" else asyncio.run(main())
    assert all(isinstance(answer, psycopg.OperationalError) for answer in answers)
    assert after is not None and after[0] == "5"


def test_a_slow_call_survives_the_watch(pgpay_database_url: str) -> None:
    # The watch reads a busy connection every WATCH_SECONDS: a call running longer than that
    # is answered normally, and so are the ones queued behind it.
    async def main(call: PipelinedCall) -> list[object]:
        return list(await asyncio.gather(call(("slow",)), call(("queued",))))

    slow, queued = run(pgpay_database_url, SLOW_SQL, main)
    assert slow is not None and slow[0] == "4"
    assert queued is not None and queued[0] == "6"
