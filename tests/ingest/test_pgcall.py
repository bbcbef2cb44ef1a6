"""PreparedCall, the webhook route's direct libpq call: same answers and errors as psycopg's."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from psycopg import errors

from pgpay.pgcall import PreparedCall
from pgpay.testing.events import StripeFactory

INGEST = PreparedCall("test_ingest", "SELECT payments.ingest_stripe_event($1, $2::jsonb, $3)")


def run(url: str, calls: list[tuple[PreparedCall, tuple[str | None, ...]]]) -> list[object]:
    """Each call in turn on one connection; an exception is kept as the call's result."""

    async def main() -> list[object]:
        results: list[object] = []
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            for call, params in calls:
                try:
                    results.append(await call(conn, params))
                except psycopg.Error as exc:
                    results.append(exc)
            results.append(conn.pgconn.transaction_status)
        return results

    return asyncio.run(main())


def test_answers_the_first_row_as_text(pgpay_database_url: str) -> None:
    call = PreparedCall("test_row", "SELECT $1::int + 1, NULL::text, 'x'")
    assert run(pgpay_database_url, [(call, ("41",))])[0] == ("42", None, "x")


def test_no_row_is_none(pgpay_database_url: str) -> None:
    call = PreparedCall("test_none", "SELECT 1 WHERE $1::text = 'never'")
    assert run(pgpay_database_url, [(call, ("x",))])[0] is None


def test_ingests_an_event_and_a_duplicate(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    event = StripeFactory(seed=3).event("customer.created", StripeFactory(seed=3).customer())
    body = json.dumps(event)
    first, again, state = run(
        pgpay_database_url,
        [(INGEST, ("test", body, "webhook")), (INGEST, ("test", body, "webhook"))],
    )
    assert (first, again) == (("processed",), ("duplicate",))
    assert state == psycopg.pq.TransactionStatus.IDLE
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.customers").fetchone()
    assert count is not None and count["n"] == 1


def test_errors_are_psycopgs_classes_and_leave_the_connection_usable(
    pgpay_database_url: str,
) -> None:
    not_json, bad_environment, after, state = run(
        pgpay_database_url,
        [
            (INGEST, ("test", "{not json", "webhook")),
            (INGEST, ("mars", json.dumps({"id": "evt_1"}), "webhook")),
            (PreparedCall("test_after", "SELECT $1::text"), ("still here",)),
        ],
    )
    assert isinstance(not_json, errors.InvalidTextRepresentation)
    assert isinstance(not_json, psycopg.DataError)
    assert isinstance(bad_environment, errors.InvalidParameterValue)
    assert "unknown environment" in str(bad_environment)
    assert after == ("still here",)
    assert state == psycopg.pq.TransactionStatus.IDLE


def test_a_nul_byte_is_refused_before_it_is_sent(pgpay_database_url: str) -> None:
    result = run(pgpay_database_url, [(INGEST, ("test", '{"id": "evt_\x00"}', "webhook"))])[0]
    assert isinstance(result, psycopg.DataError)


def test_a_server_that_went_away_is_an_operational_error(pgpay_database_url: str) -> None:
    async def main() -> object:
        async with await psycopg.AsyncConnection.connect(
            pgpay_database_url, autocommit=True
        ) as conn:
            pid = conn.info.backend_pid
            with psycopg.connect(pgpay_database_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            try:
                return await INGEST(conn, ("test", "{}", "webhook"))
            except psycopg.Error as exc:
                return exc

    result = asyncio.run(main())
    assert isinstance(result, psycopg.OperationalError)


@pytest.mark.parametrize("size", [200_000, 1_000_000])
def test_large_parameters_are_sent_whole(pgpay_database_url: str, size: int) -> None:
    call = PreparedCall("test_large", "SELECT length($1::text)")
    assert run(pgpay_database_url, [(call, ("x" * size,))])[0] == (str(size),)


def test_survives_psycopg_deallocating_every_prepared_statement(pgpay_database_url: str) -> None:
    # The pool is shared with the runtime routes: psycopg prepares its own statements after a few
    # runs and then answers a rollback with DEALLOCATE ALL, which drops this one too.
    factory = StripeFactory(seed=4)

    def body() -> str:
        return json.dumps(factory.event("customer.created", factory.customer()))

    async def main() -> list[object]:
        out: list[object] = []
        async with await psycopg.AsyncConnection.connect(
            pgpay_database_url, autocommit=True
        ) as conn:
            out.append(await INGEST(conn, ("test", body(), "webhook")))
            for _ in range(6):
                await conn.execute("SELECT 1")
            with pytest.raises(ValueError, match="inside its transaction"):
                async with conn.transaction():
                    await conn.execute("SELECT 1")
                    raise ValueError("a route failed inside its transaction")
            gone = await conn.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE name = 'test_ingest'"
            )
            out.append(await gone.fetchone())
            for _ in range(2):
                out.append(await INGEST(conn, ("test", body(), "webhook")))
        return out

    first, gone, second, third = asyncio.run(main())
    assert gone == (0,)  # the statement was dropped under PreparedCall's feet ...
    assert first == second == third == ("processed",)  # ... and prepared again


def test_an_error_at_commit_is_raised_not_answered_as_a_row(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    pgpay_db.execute(
        "CREATE TABLE public.deferred_probe (a int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
    )
    call = PreparedCall(
        "test_deferred",
        "WITH i AS (INSERT INTO public.deferred_probe VALUES ($1::int), ($1::int) RETURNING a)"
        " SELECT count(*) FROM i",
    )
    result, state = run(pgpay_database_url, [(call, ("1",))])
    assert isinstance(result, errors.UniqueViolation)  # the row came first, the error at commit
    assert state == psycopg.pq.TransactionStatus.IDLE
    stored = pgpay_db.execute("SELECT count(*) AS n FROM public.deferred_probe").fetchone()
    assert stored is not None and stored["n"] == 0
