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
