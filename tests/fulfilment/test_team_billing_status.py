"""public.team_billing_status: one row per group subject with plan, status, seats, period end,
cancel-at-period-end, trial end and has_access; with several subscriptions, the one granting the
most access is shown."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pgpay.testing.events import JSON, StripeFactory
from tests.fulfilment import helpers as h

DAY = h.DAY


def setup(
    db: h.Conn, *, days_ago: float = 2, seed: int = 21, **kwargs: Any
) -> tuple[StripeFactory, h.Catalog]:
    h.reset(db)
    f = h.factory(seed, days_ago=days_ago, **kwargs)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    return f, cat


def team_subscription(
    f: StripeFactory, cat: h.Catalog, plan: str = "team", seats: int = 5, **kwargs: Any
) -> list[JSON]:
    kwargs.setdefault("renewals", 0)
    kwargs.setdefault("end", "active")
    subject_type = kwargs.pop("subject_type", "team")
    return f.subscription_lifecycle(subject_type, "t1", cat.prices[plan], quantity=seats, **kwargs)


@pytest.mark.parametrize("api_version", ["2025-03-31.basil", "2024-06-20"])
def test_a_trialing_team(shared_db: h.Conn, api_version: str) -> None:
    f, cat = setup(shared_db, api_version=api_version)
    events = team_subscription(f, cat, seats=5, trial_days=14)
    sub = h.subscription_of(events)

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert {
        k: row[k] for k in ("plan", "status", "seats", "cancel_at_period_end", "has_access")
    } == {
        "plan": "team_monthly",
        "status": "trialing",
        "seats": 5,
        "cancel_at_period_end": False,
        "has_access": True,
    }
    assert h.ts(row["trial_end"]) == sub["trial_end"]
    assert h.ts(row["current_period_end"]) == sub["trial_end"]
    assert row["stripe_subscription_id"] == sub["id"]
    assert row["stripe_customer_id"] == sub["customer"]
    assert row["stripe_price_id"] == cat.prices["team"]["id"]
    assert row["stripe_product_id"] == cat.products["team"]["id"]


def test_after_the_trial_the_team_is_active(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db, days_ago=9)
    events = team_subscription(f, cat, trial_days=7, renewals=1)
    sub = h.subscription_of(events)

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["status"], row["has_access"]) == ("active", True)
    assert h.ts(row["trial_end"]) == sub["trial_end"]
    assert h.ts(row["current_period_end"]) == h.period_of(sub)[1]


def test_seat_changes_in_any_order(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db)
    events = team_subscription(f, cat, seats=5)
    sub_id = h.subscription_of(events)["id"]
    changes = f.seat_change(sub_id, 8) + f.seat_change(sub_id, 3)
    h.ingest(shared_db, events)

    h.ingest(shared_db, list(reversed(changes)))

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None and row["seats"] == 3


def test_a_plan_change_updates_the_plan(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db)
    events = team_subscription(f, cat)
    events += f.plan_change(h.subscription_of(events)["id"], cat.prices["team_plus"])

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["plan"], row["stripe_price_id"]) == (
        "team_plus_yearly",
        cat.prices["team_plus"]["id"],
    )


def test_the_plan_falls_back_to_the_product_name(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db)
    plain = f.price(cat.products["team"]["id"], 900, recurring_interval="month")
    h.ingest(shared_db, [f.event("price.created", plain)])
    cat.prices["plain"] = plain

    h.ingest(shared_db, team_subscription(f, cat, plan="plain"))

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None and row["plan"] == "Team"


@pytest.mark.parametrize(("days_ago", "has_access"), [(2, True), (35, False)])
def test_cancel_at_period_end_keeps_access_until_the_period_ends(
    shared_db: h.Conn, days_ago: int, has_access: bool
) -> None:
    f, cat = setup(shared_db, days_ago=days_ago)
    events = team_subscription(f, cat)
    sub = h.subscription_of(events)
    _, end = h.period_of(sub)
    assert (end > time.time()) == has_access
    events.append(h.restate(f, sub, cancel_at_period_end=True, cancel_at=end))

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["status"], row["cancel_at_period_end"], row["has_access"]) == (
        "active",
        True,
        has_access,
    )


def test_a_canceled_subscription_has_no_access(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db, days_ago=40)
    events = team_subscription(f, cat, end="canceled")

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["status"], row["has_access"]) == ("canceled", False)
    assert row["stripe_subscription_id"] == h.subscription_of(events)["id"]


@pytest.mark.parametrize(
    ("days_late", "grace", "has_access"),
    [(1, None, True), (5, None, False), (5, "10 days", True)],
)
def test_past_due_keeps_access_for_the_grace_period(
    shared_db: h.Conn, days_late: int, grace: str | None, has_access: bool
) -> None:
    f, cat = setup(shared_db, days_ago=40)
    if grace is not None:
        h.set_setting(shared_db, "past_due_grace_period", grace)
    events = team_subscription(f, cat)
    now = int(time.time())
    events.append(
        h.restate(
            f,
            h.subscription_of(events),
            status="past_due",
            period_start=now - days_late * DAY,
            period_end=now + 25 * DAY,
        )
    )

    h.ingest(shared_db, events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["status"], row["has_access"]) == ("past_due", has_access)


def second_subscription(
    f: StripeFactory, cat: h.Catalog, first: list[JSON], plan: str, **kw: Any
) -> list[JSON]:
    """Another subscription of the same team, billed to the same customer."""
    kw.setdefault("renewals", 0)
    kw.setdefault("end", "active")
    customer = h.subscription_of(first)["customer"]
    return f.subscription_lifecycle("team", "t1", cat.prices[plan], customer=customer, **kw)


@pytest.mark.parametrize("reverse", [False, True])
def test_the_subscription_granting_access_wins_over_a_canceled_one(
    shared_db: h.Conn, reverse: bool
) -> None:
    f, cat = setup(shared_db, days_ago=70)
    old = team_subscription(f, cat, seats=9, end="canceled")
    f.advance_to(int(time.time()) - 2 * DAY)
    new = second_subscription(f, cat, old, "team", quantity=4)
    events = old + new

    h.ingest(shared_db, list(reversed(events)) if reverse else events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["stripe_subscription_id"], row["status"], row["seats"], row["has_access"]) == (
        h.subscription_of(new)["id"],
        "active",
        4,
        True,
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_of_two_granting_subscriptions_active_beats_trialing(
    shared_db: h.Conn, reverse: bool
) -> None:
    f, cat = setup(shared_db)
    trial = team_subscription(f, cat, trial_days=30)
    active = second_subscription(f, cat, trial, "team_plus", quantity=2)
    events = trial + active

    h.ingest(shared_db, list(reversed(events)) if reverse else events)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["stripe_subscription_id"], row["plan"], row["status"]) == (
        h.subscription_of(active)["id"],
        "team_plus_yearly",
        "active",
    )


def test_a_past_due_subscription_outside_grace_loses_to_a_trial(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db, days_ago=40)
    late = team_subscription(f, cat)
    now = int(time.time())
    late.append(
        h.restate(
            f,
            h.subscription_of(late),
            status="past_due",
            period_start=now - 6 * DAY,
            period_end=now + 24 * DAY,
        )
    )
    f.advance_to(now - DAY)
    trial = second_subscription(f, cat, late, "team_plus", trial_days=14)

    h.ingest(shared_db, trial + late)

    row = h.team_row(shared_db, "team", "t1")
    assert row is not None
    assert (row["status"], row["has_access"]) == ("trialing", True)
    assert row["stripe_subscription_id"] == h.subscription_of(trial)["id"]


def test_other_group_types_get_a_row_and_users_do_not(shared_db: h.Conn) -> None:
    f, cat = setup(shared_db)
    org = team_subscription(f, cat, subject_type="organization", seats=12)
    user = f.subscription_lifecycle("user", "u1", cat.prices["basic"], renewals=0, end="active")

    h.ingest(shared_db, org + user)

    rows = shared_db.execute(
        "SELECT subject_type, subject_id, seats FROM public.team_billing_status"
    ).fetchall()
    assert rows == [{"subject_type": "organization", "subject_id": "t1", "seats": 12}]
