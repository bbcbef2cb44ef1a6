"""payments.subscription_grants_access: the one access rule, case by case, with the past-due
grace period read from payments.settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg.types.json import Jsonb

from tests.fulfilment import helpers as h

AT = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
D = timedelta(days=1)
S = timedelta(seconds=1)
ZERO = timedelta(0)

RULE = "SELECT payments.subscription_grants_access(%s, %s, %s, %s, %s) AS granted"


def grants(
    db: h.Conn,
    status: str,
    cancel_at_period_end: bool = False,
    start: timedelta | None = -D,
    end: timedelta | None = 29 * D,
) -> bool:
    row = db.execute(
        RULE,
        [
            status,
            cancel_at_period_end,
            None if start is None else AT + start,
            None if end is None else AT + end,
            AT,
        ],
    ).fetchone()
    assert row is not None
    return bool(row["granted"])


# (sentence, status, cancel_at_period_end, period start, period end, granted), relative to AT
# fmt: off
CASES = [
    ("active grants", "active", False, -D, 29 * D, True),
    ("trialing grants", "trialing", False, -D, 13 * D, True),
    ("active past its period end still grants: the renewal is on its way",
        "active", False, -31 * D, -D, True),
    ("cancel at period end grants before the end", "active", True, -D, 29 * D, True),
    ("cancel at period end stops at the end", "active", True, -30 * D, ZERO, False),
    ("cancel at period end stops after the end", "active", True, -31 * D, -D, False),
    ("trialing, cancel at period end, grants before the end", "trialing", True, -D, D, True),
    ("trialing, cancel at period end, stops after the end", "trialing", True, -14 * D, -S, False),
    ("cancel at period end without a known end grants", "active", True, None, None, True),
    ("past_due grants one day into the unpaid period", "past_due", False, -D, 29 * D, True),
    ("past_due grants until the grace ends", "past_due", False, -3 * D + S, 27 * D, True),
    ("past_due stops when the grace ends", "past_due", False, -3 * D, 27 * D, False),
    ("past_due stops after the grace", "past_due", False, -5 * D, 25 * D, False),
    ("canceled never grants", "canceled", False, -D, 29 * D, False),
    ("unpaid never grants", "unpaid", False, -D, 29 * D, False),
    ("incomplete never grants", "incomplete", False, -D, 29 * D, False),
    ("incomplete_expired never grants", "incomplete_expired", False, -D, 29 * D, False),
    ("paused never grants", "paused", False, -D, 29 * D, False),
    ("an unknown status never grants", "something_new", False, -D, 29 * D, False),
]
# fmt: on


@pytest.mark.parametrize(
    ("status", "cancel_at_period_end", "start", "end", "granted"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_the_access_rule(
    db: h.Conn,
    status: str,
    cancel_at_period_end: bool,
    start: timedelta | None,
    end: timedelta | None,
    granted: bool,
) -> None:
    assert grants(db, status, cancel_at_period_end, start, end) is granted


@pytest.mark.parametrize(
    ("grace", "late", "granted"),
    [
        ("10 days", 5 * D, True),
        ("10 days", 10 * D, False),
        ("12 hours", 6 * 60 * 60 * S, True),
        ("12 hours", 13 * 60 * 60 * S, False),
        ("0 seconds", S, False),
    ],
)
def test_the_past_due_grace_period_is_a_setting(
    db: h.Conn, grace: str, late: timedelta, granted: bool
) -> None:
    h.set_setting(db, "past_due_grace_period", grace)
    assert grants(db, "past_due", start=-late, end=30 * D - late) is granted


def test_without_the_setting_the_grace_period_is_three_days(db: h.Conn) -> None:
    db.execute("DELETE FROM payments.settings WHERE key = 'past_due_grace_period'")
    try:
        assert grants(db, "past_due", start=-3 * D + S) is True
        assert grants(db, "past_due", start=-3 * D) is False
    finally:
        db.execute(
            "INSERT INTO payments.settings (key, value) VALUES ('past_due_grace_period', %s)",
            [Jsonb("3 days")],
        )


def test_the_other_settings_do_not_affect_access(db: h.Conn) -> None:
    h.set_setting(db, "entitlement_grace_period", "30 days")
    assert grants(db, "past_due", start=-5 * D) is False
    assert grants(db, "active", True, start=-31 * D, end=-D) is False


def test_the_rule_is_documented(db: h.Conn) -> None:
    row = db.execute(
        "SELECT obj_description("
        "'payments.subscription_grants_access(text, boolean, timestamptz, timestamptz,"
        " timestamptz)'::regprocedure, 'pg_proc') AS doc"
    ).fetchone()
    assert row is not None and row["doc"]
    for word in (
        "active",
        "trialing",
        "past_due",
        "past_due_grace_period",
        "canceled",
        "unpaid",
        "incomplete_expired",
        "paused",
        "cancel_at_period_end",
    ):
        assert word in row["doc"], word
