"""The value rules of the tables the event path writes: each refuses what it names, by name.

Migration 0008 moved webhook_events' rules into domains and wrote the IN lists of the others as
array constants (both cheaper per statement); the rules and their names must not have moved.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

Conn = psycopg.Connection[DictRow]

LEDGER_ROW = (
    "INSERT INTO payments.webhook_events (environment, stripe_event_id, type, livemode,"
    " stripe_created, status, attempts, source, payload)"
    " VALUES ('test', %(id)s, 'x.y', false, now(), %(status)s, %(attempts)s, %(source)s, '{}')"
)
GOOD = {"id": "evt_ok", "status": "received", "attempts": 0, "source": "webhook"}


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"id": "ev_missing_t"}, "webhook_events_stripe_event_id_check"),
        ({"status": "done"}, "webhook_events_status_check"),
        ({"attempts": -1}, "webhook_events_attempts_check"),
        ({"source": "email"}, "webhook_events_source_check"),
    ],
)
def test_the_ledger_refuses_a_bad_value_by_its_rule(
    pgpay_db: Conn, change: dict[str, object], constraint: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute(LEDGER_ROW, GOOD | change)
    assert err.value.diag.constraint_name == constraint
    assert pgpay_db.execute("SELECT count(*) AS n FROM payments.webhook_events").fetchone() == {
        "n": 0
    }


def test_the_ledger_takes_every_allowed_value_and_refuses_a_bad_update(pgpay_db: Conn) -> None:
    for n, status in enumerate(("received", "processed", "ignored", "failed")):
        for source in ("webhook", "cli", "backfill", "sync", "replay"):
            row = {"id": f"evt_{n}_{source}", "status": status, "attempts": n, "source": source}
            pgpay_db.execute(LEDGER_ROW, row)
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute("UPDATE payments.webhook_events SET status = 'lost'")
    assert err.value.diag.constraint_name == "webhook_events_status_check"
    counts = pgpay_db.execute(
        "SELECT count(*) AS n, count(DISTINCT status) AS statuses FROM payments.webhook_events"
    ).fetchone()
    assert counts == {"n": 20, "statuses": 4}


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        (
            "INSERT INTO payments.payment_history (environment, type, status)"
            " VALUES ('test', 'gift', 'pending')",
            "payment_history_type_check",
        ),
        (
            "INSERT INTO payments.payment_history (environment, type, status)"
            " VALUES ('test', 'refund', 'maybe')",
            "payment_history_status_check",
        ),
        (
            "INSERT INTO payments.checkout_sessions (environment, mode) VALUES ('test', 'gift')",
            "checkout_sessions_mode_check",
        ),
        (
            "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount,"
            " kind, source_key) VALUES ('test', 'user', 'u1', 5, 'bonus', 'k1')",
            "credit_ledger_kind_check",
        ),
    ],
)
def test_the_other_tables_refuse_a_value_outside_their_list(
    pgpay_db: Conn, statement: str, constraint: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute(statement)
    assert err.value.diag.constraint_name == constraint
