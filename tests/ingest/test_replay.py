"""A projection that raises leaves a `failed` ledger row; `pgpay replay` re-runs it exactly once.

The failure is real: the test, as the database owner, adds a trigger on payments.customers that
raises, ingests through the command line, then drops the trigger and replays.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgpay.errors import PgpayError
from pgpay.feed import replay
from pgpay.testing.events import StripeFactory
from tests.conftest import run_pgpay

Conn = psycopg.Connection[Any]

BOOM = "pgpay-test: customers are unavailable"


# ------------------------------------------------------------------------------------ helpers


def pgpay(
    url: str, home: Path, *args: str, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`pgpay ARGS` on the test database, with a private PGPAY_HOME and no Stripe secrets."""
    return run_pgpay(
        *args, env={"DATABASE_URL": url, "PGPAY_HOME": str(home / ".pgpay"), **env}, input=input
    )


class Breaker:
    """Makes every write to payments.customers raise, until `fix()`."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    def break_(self) -> None:
        self.conn.execute(
            f"""
            CREATE OR REPLACE FUNCTION public.pgpay_test_boom() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{BOOM}'; END $$;
            CREATE OR REPLACE TRIGGER _000_pgpay_test_boom
            BEFORE INSERT OR UPDATE ON payments.customers
            FOR EACH ROW EXECUTE FUNCTION public.pgpay_test_boom();
            """
        )

    def fix(self) -> None:
        self.conn.execute("DROP TRIGGER IF EXISTS _000_pgpay_test_boom ON payments.customers")


@pytest.fixture
def breaker(pgpay_db: Conn) -> Iterator[Breaker]:
    b = Breaker(pgpay_db)
    yield b
    b.fix()


def customer_event(factory: StripeFactory, name: str) -> dict[str, Any]:
    factory.tick(60)
    cus = factory.customer(email=f"{name}@example.com", name=name)
    return factory.event("customer.created", cus)


def product_event(factory: StripeFactory) -> dict[str, Any]:
    factory.tick(60)
    return factory.event("product.created", factory.product("Pro plan"))


def write_events(path: Path, events: list[dict[str, Any]]) -> str:
    path.write_text(json.dumps(events))
    return str(path)


def ledger_row(conn: Conn, event_id: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT status, attempts, last_error, payload, source, updated_at, processed_at"
        " FROM payments.webhook_events WHERE stripe_event_id = %s",
        (event_id,),
    ).fetchone()
    assert row is not None, f"{event_id} is not in payments.webhook_events"
    return dict(row)


def customer_rows(conn: Conn) -> list[dict[str, Any]]:
    return list(
        conn.execute(
            "SELECT stripe_customer_id, name, updated_at FROM payments.customers"
            " ORDER BY stripe_customer_id"
        ).fetchall()
    )


def snapshot(conn: Conn) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        "SELECT stripe_event_id, status, attempts, last_error, source, updated_at"
        " FROM payments.webhook_events ORDER BY stripe_event_id"
    ).fetchall()
    return [tuple(r.values()) for r in rows] + [tuple(r.values()) for r in customer_rows(conn)]


@pytest.fixture
def failed_event(
    pgpay_database_url: str, pgpay_db: Conn, breaker: Breaker, tmp_path: Path
) -> dict[str, Any]:
    """Ingest, through the CLI, a product (fine) and a customer whose projection raises."""
    factory = StripeFactory(seed=101)
    product, customer = product_event(factory), customer_event(factory, "Ada")
    breaker.break_()
    path = write_events(tmp_path / "events.json", [customer, product])

    result = pgpay(pgpay_database_url, tmp_path, "ingest", path)

    assert result.returncode == 1
    assert result.stdout.strip() == "processed 1, duplicate 0, ignored 0, failed 1, rejected 0"
    assert f"failed {path}#1 ({customer['id']}):" in result.stderr
    assert BOOM in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # the SQL context stays on that line
    return customer


# ------------------------------------------------------------------------------------ tests


def test_a_raising_projection_leaves_a_failed_row_with_payload_error_and_attempt(
    failed_event: dict[str, Any], pgpay_db: Conn
) -> None:
    row = ledger_row(pgpay_db, failed_event["id"])
    assert row["status"] == "failed"
    assert row["attempts"] == 1
    assert BOOM in row["last_error"]
    assert row["payload"] == failed_event
    assert row["processed_at"] is None
    assert customer_rows(pgpay_db) == []  # the projection's changes were rolled back
    products = pgpay_db.execute("SELECT count(*) AS n FROM payments.products").fetchone()
    assert products is not None and products["n"] == 1  # the other event went through


def test_status_shows_the_failure_and_the_oldest_unprocessed_event(
    failed_event: dict[str, Any], pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    # A later event that succeeds must not hide the older failure.
    later = customer_event(StripeFactory(seed=102, start=1_770_000_000), "Grace")
    pgpay_db.execute("DROP TRIGGER _000_pgpay_test_boom ON payments.customers")
    ok = pgpay(pgpay_database_url, tmp_path, "ingest", "-", input=json.dumps(later))
    assert ok.returncode == 0, ok.stderr
    assert ledger_row(pgpay_db, later["id"])["status"] == "processed"

    text = pgpay(pgpay_database_url, tmp_path, "status")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    oldest = next(line for line in lines if line.startswith("oldest unprocessed:"))
    assert failed_event["id"] in oldest and "failed" in oldest
    assert any("test: failed 1, processed 2" in line for line in lines), text.stdout
    failure = lines[lines.index("recent failures:") + 1]
    assert failed_event["id"] in failure and "attempts=1" in failure and BOOM in failure

    raw = pgpay(pgpay_database_url, tmp_path, "status", "--json")
    assert raw.returncode == 0, raw.stderr
    report = json.loads(raw.stdout)
    assert report["webhook_events"]["test"] == {"failed": 1, "processed": 2}
    assert report["oldest_unprocessed"]["stripe_event_id"] == failed_event["id"]
    assert report["oldest_unprocessed"]["status"] == "failed"
    [failure_json] = report["failures"]
    assert failure_json["stripe_event_id"] == failed_event["id"]
    assert failure_json["attempts"] == 1
    assert BOOM in failure_json["last_error"]


def test_replay_after_the_cause_is_removed_processes_it_exactly_once(
    failed_event: dict[str, Any],
    pgpay_database_url: str,
    pgpay_db: Conn,
    breaker: Breaker,
    tmp_path: Path,
) -> None:
    event_id = failed_event["id"]
    customer_id = failed_event["data"]["object"]["id"]

    # Cause still there: replay retries, fails again, counts the attempt, exits 1.
    still = pgpay(pgpay_database_url, tmp_path, "replay")
    assert still.returncode == 1
    assert f"{event_id} customer.created: failed" in still.stdout
    row = ledger_row(pgpay_db, event_id)
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert customer_rows(pgpay_db) == []

    breaker.fix()
    fixed = pgpay(pgpay_database_url, tmp_path, "replay")
    assert fixed.returncode == 0, fixed.stderr
    assert f"{event_id} customer.created: processed" in fixed.stdout
    assert "replayed 1: processed 1, duplicate 0, ignored 0, failed 0" in fixed.stdout
    row = ledger_row(pgpay_db, event_id)
    assert row["status"] == "processed"
    assert row["attempts"] == 3
    assert row["processed_at"] is not None
    assert row["payload"] == failed_event
    [customer] = customer_rows(pgpay_db)
    assert (customer["stripe_customer_id"], customer["name"]) == (customer_id, "Ada")
    after = snapshot(pgpay_db)

    # Nothing failed any more: a second replay finds nothing and changes nothing.
    again = pgpay(pgpay_database_url, tmp_path, "replay")
    assert again.returncode == 0
    assert again.stdout.strip() == "nothing to replay: no failed webhook events in 'test'"
    assert snapshot(pgpay_db) == after

    # Asking for the processed event by id answers duplicate and changes nothing either.
    by_id = pgpay(pgpay_database_url, tmp_path, "replay", "--event", event_id)
    assert by_id.returncode == 0, by_id.stderr
    assert f"{event_id} customer.created: duplicate" in by_id.stdout
    assert snapshot(pgpay_db) == after


def test_replay_dry_run_lists_and_changes_nothing(
    failed_event: dict[str, Any],
    pgpay_database_url: str,
    pgpay_db: Conn,
    breaker: Breaker,
    tmp_path: Path,
) -> None:
    breaker.fix()  # a real replay would now succeed: the dry run must still not run it
    before = snapshot(pgpay_db)

    dry = pgpay(pgpay_database_url, tmp_path, "replay", "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert f"{failed_event['id']} customer.created: would replay" in dry.stdout
    assert "dry run: 1 event(s) would be replayed; nothing changed" in dry.stdout
    assert snapshot(pgpay_db) == before
    assert ledger_row(pgpay_db, failed_event["id"])["status"] == "failed"
    assert customer_rows(pgpay_db) == []

    by_id = replay(pgpay_database_url, event_id=failed_event["id"], dry_run=True)
    assert [tuple(r) for r in by_id] == [(failed_event["id"], "customer.created", "dry-run")]
    assert snapshot(pgpay_db) == before


def test_replay_filters_by_environment_and_status(
    pgpay_database_url: str, pgpay_db: Conn, breaker: Breaker, tmp_path: Path
) -> None:
    test_event = customer_event(StripeFactory(seed=111), "Test")
    live_event = customer_event(StripeFactory(livemode=True, seed=112), "Live")
    breaker.break_()
    for environment, event in (("test", test_event), ("live", live_event)):
        result = pgpay(
            pgpay_database_url, tmp_path, "ingest", "-", "--environment", environment,
            input=json.dumps(event), PGPAY_ALLOW_LIVE="1",
        )  # fmt: skip
        assert result.returncode == 1
        assert ledger_row(pgpay_db, event["id"])["status"] == "failed"
    breaker.fix()

    # Without PGPAY_ALLOW_LIVE=1 only test is touched.
    result = pgpay(pgpay_database_url, tmp_path, "replay")
    assert result.returncode == 0, result.stderr
    assert test_event["id"] in result.stdout and live_event["id"] not in result.stdout
    assert ledger_row(pgpay_db, test_event["id"])["status"] == "processed"
    assert ledger_row(pgpay_db, live_event["id"])["status"] == "failed"

    refused = pgpay(pgpay_database_url, tmp_path, "replay", "--environment", "live")
    assert refused.returncode == 2 and "PGPAY_ALLOW_LIVE=1" in refused.stderr
    assert ledger_row(pgpay_db, live_event["id"])["status"] == "failed"

    # Other statuses: processed events replay as duplicate, and change nothing.
    before = snapshot(pgpay_db)
    processed = replay(pgpay_database_url, environment="test", status="processed")
    assert [tuple(r) for r in processed] == [(test_event["id"], "customer.created", "duplicate")]
    assert snapshot(pgpay_db) == before

    result = pgpay(
        pgpay_database_url, tmp_path, "replay", "--environment", "live", PGPAY_ALLOW_LIVE="1"
    )
    assert result.returncode == 0, result.stderr
    assert ledger_row(pgpay_db, live_event["id"])["status"] == "processed"
    live_customer = pgpay_db.execute(
        "SELECT environment::text AS e FROM payments.customers WHERE stripe_customer_id = %s",
        (live_event["data"]["object"]["id"],),
    ).fetchone()
    assert live_customer == {"e": "live"}


def test_replay_of_an_unknown_event_is_a_one_line_error(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    result = pgpay(pgpay_database_url, tmp_path, "replay", "--event", "evt_doesNotExist")
    assert result.returncode == 1
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("pgpay: error: ")
    assert "evt_doesNotExist" in err
    with pytest.raises(PgpayError, match="no stored webhook event"):
        replay(pgpay_database_url, event_id="evt_doesNotExist")
    with pytest.raises(PgpayError, match="unknown status"):
        replay(pgpay_database_url, status="pending")
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.webhook_events").fetchone()
    assert count == {"n": 0}
