"""`pgpay backfill`: every page of Stripe's Events API, ingested oldest first through the SQL
path webhooks use (source 'backfill'); only what is not stored yet; safe to interrupt and rerun."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgpay.backfill import parse_since, retention_warning
from pgpay.errors import ConfigError
from pgpay.testing.events import StripeFactory
from pgpay.testing.stripe_api import StripeStandIn
from tests.admin import admin_env, assert_one_line_error, fail_after, pgpay_ok
from tests.conftest import run_pgpay

Conn = psycopg.Connection[Any]
HOUR = 3600


@pytest.fixture
def env(pgpay_database_url: str, pgpay_stripe: StripeStandIn, tmp_path: Path) -> dict[str, str]:
    return admin_env(pgpay_database_url, pgpay_stripe, tmp_path / ".pgpay")


def scenario(start: int) -> list[dict[str, Any]]:
    """About 160 events from `start` on: a catalog, a team's subscription lifecycle (ending
    active), a user's one-time purchase, and event types pgpay does not handle among them."""
    stripe = StripeFactory(start=start, seed=11)
    events: list[dict[str, Any]] = []
    team_plan = stripe.product("Team plan")
    events.append(stripe.event("product.created", team_plan))
    team_price = stripe.price(team_plan["id"], 4900, recurring_interval="month")
    events.append(stripe.event("price.created", team_price))
    pack = stripe.price(team_plan["id"], 500)
    events.append(stripe.event("price.created", pack))
    for i in range(50):
        stripe.tick(60)
        product = stripe.product(f"Add-on {i}", metadata={"credits": str(10 * i)})
        events.append(stripe.event("product.created", product))
        events.append(stripe.event("price.created", stripe.price(product["id"], 100 + i)))
    stripe.tick(HOUR)
    events += stripe.subscription_lifecycle("team", "acme", team_price, quantity=4, end="active")
    stripe.tick(HOUR)
    events += stripe.one_time_purchase("user", "ada", pack)
    return events


def seed(standin: StripeStandIn, events: list[dict[str, Any]]) -> None:
    for event in events:
        standin.add_event(event)


def ledger(db: Conn, source: str | None = None) -> list[dict[str, Any]]:
    return list(
        db.execute(
            "SELECT stripe_event_id, type, status, source FROM payments.webhook_events "
            "WHERE %(source)s::text IS NULL OR source = %(source)s ORDER BY id",
            {"source": source},
        ).fetchall()
    )


def handled(db: Conn) -> set[str]:
    row = db.execute("SELECT payments.handled_event_types() AS t").fetchone()
    assert row is not None
    return set(row["t"])


def test_backfill_ingests_what_is_missing_oldest_first_and_reruns_as_duplicates(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    now = int(time.time())
    events = scenario(now - 48 * HOUR)
    older = StripeFactory(start=now - 100 * HOUR, seed=12)
    too_old = older.event("product.created", older.product("Before the window"))
    seed(pgpay_stripe, [too_old, *events])
    types = handled(pgpay_db)
    wanted = [e for e in events if e["type"] in types]
    unhandled = [e for e in events if e["type"] not in types]
    assert len(wanted) > 100 and unhandled  # several pages, and something to skip
    # Some events arrived by webhook already.
    for event in wanted[:5]:
        pgpay_db.execute(
            "SELECT payments.ingest_stripe_event('test', %s::jsonb, 'webhook')", (Jsonb(event),)
        )

    out = pgpay_ok("backfill", "--environment", "test", "--since", "72h", env=env)

    assert f"fetched {len(events)} events created since" in out
    assert f"skipped {len(unhandled)} of types pgpay does not handle" in out
    assert f"ingested: processed {len(wanted) - 5}, duplicate 5, ignored 0, failed 0" in out
    pages = pgpay_stripe.calls("GET", "/v1/events")
    assert len(pages) == -(-len(events) // 100)
    since = int(pages[0].params["created"]["gte"])
    assert now - 72 * HOUR - 5 <= since <= int(time.time()) - 72 * HOUR
    # Oldest first, and the webhook-delivered ones kept as they were.
    assert [e["stripe_event_id"] for e in ledger(pgpay_db, "backfill")] == [
        e["id"] for e in wanted[5:]
    ]
    assert [e["stripe_event_id"] for e in ledger(pgpay_db, "webhook")] == [
        e["id"] for e in wanted[:5]
    ]
    assert {e["status"] for e in ledger(pgpay_db)} == {"processed"}
    assert too_old["id"] not in {e["stripe_event_id"] for e in ledger(pgpay_db)}
    # Through the projections, as the webhooks would have gone.
    team = pgpay_db.execute(
        "SELECT status, seats, has_access FROM public.team_billing_status WHERE subject_id = 'acme'"
    ).fetchone()
    assert team == {"status": "active", "seats": 4, "has_access": True}
    paid = pgpay_db.execute(
        "SELECT count(*) AS n FROM payments.payment_history "
        "WHERE subject_id = 'ada' AND type = 'one_time_payment' AND status = 'succeeded'"
    ).fetchone()
    assert paid == {"n": 1}
    recorded = pgpay_db.execute(
        "SELECT last_backfill_at FROM payments.connections WHERE environment = 'test'"
    ).fetchone()
    assert recorded is not None and recorded["last_backfill_at"] is not None

    before = ledger(pgpay_db)
    again = pgpay_ok("backfill", "--since", "72h", env=env)

    assert f"ingested: processed 0, duplicate {len(wanted)}, ignored 0, failed 0" in again
    assert ledger(pgpay_db) == before


def test_a_backfill_interrupted_mid_pages_completes_when_run_again(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    events = scenario(int(time.time()) - 24 * HOUR)
    seed(pgpay_stripe, events)
    wanted = [e["id"] for e in events if e["type"] in handled(pgpay_db)]
    # The second page fails (and keeps failing through the library's retries).
    fail_after(pgpay_stripe, "/v1/events", successes=1, failures=3)

    failed = run_pgpay("backfill", "--since", "2d", env=env)

    line = assert_one_line_error(
        failed, "fetching events from Stripe", "run the same command again"
    )
    assert "HTTP 500" in line
    assert sum(r.injected for r in pgpay_stripe.calls("GET", "/v1/events")) == 3
    assert ledger(pgpay_db) == []
    assert pgpay_db.execute("SELECT * FROM payments.connections").fetchall() == []

    out = pgpay_ok("backfill", "--since", "2d", "--progress", env=env)

    assert f"ingested: processed {len(wanted)}, duplicate 0" in out
    assert [e["stripe_event_id"] for e in ledger(pgpay_db, "backfill")] == wanted


def test_progress_bar_and_the_30_day_warning(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    seed(pgpay_stripe, scenario(int(time.time()) - 40 * 24 * HOUR))

    result = run_pgpay("backfill", "--since", "45d", "--progress", env=env)

    assert result.returncode == 0, result.stderr
    assert "warning: Stripe keeps events for 30 days" in result.stderr
    assert "fetching events" in result.stderr and "ingesting" in result.stderr
    # The bar writes to standard error only; standard output is the summary.
    assert "fetching events" not in result.stdout
    quiet = run_pgpay("backfill", "--since", "29d", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert "warning" not in quiet.stderr
    assert "fetching events" not in quiet.stderr  # no bar when standard error is not a terminal


def test_since_accepts_iso_dates(env: dict[str, str], pgpay_stripe: StripeStandIn) -> None:
    pgpay_ok("backfill", "--since", "2025-01-31T12:00:00Z", env=env)
    pgpay_ok("backfill", "--since", "2025-02-01", env=env)

    gte = [r.params["created"]["gte"] for r in pgpay_stripe.calls("GET", "/v1/events")]
    assert gte == ["1738324800", "1738368000"]


def test_bad_since_and_live_are_refused_before_stripe(
    env: dict[str, str], pgpay_stripe: StripeStandIn
) -> None:
    for since in ("yesterday", "72x", "3h ago"):
        assert_one_line_error(run_pgpay("backfill", "--since", since, env=env), "--since")
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    assert_one_line_error(run_pgpay("backfill", "--since", future, env=env), "in the future")
    live = run_pgpay("backfill", "--environment", "live", env=env)
    assert_one_line_error(live, "PGPAY_ALLOW_LIVE=1")
    assert pgpay_stripe.requests == []


def test_parse_since_units() -> None:
    now = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert parse_since("90s", now) == now - timedelta(seconds=90)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("72h", now) == now - timedelta(hours=72)
    assert parse_since("7D", now) == now - timedelta(days=7)
    assert parse_since("2025-03-01T08:30:00+01:00", now) == datetime(2025, 3, 1, 7, 30, tzinfo=UTC)
    with pytest.raises(ConfigError):
        parse_since("3 weeks", now)
    assert retention_warning(now - timedelta(days=29), now) is None
    assert retention_warning(now - timedelta(days=31), now) is not None
