"""public.user_entitlements: keys from product metadata `entitlements`, for user subjects only;
granted while the subscription grants access, revoked when it stops, swapped by plan changes;
one-time purchases grant until refunded in full or lost in a dispute; valid_until follows the
period end plus payments.settings entitlement_grace_period."""

from __future__ import annotations

import time

import pytest

from pgpay.testing.events import JSON, StripeFactory
from tests.fulfilment import helpers as h

DAY = h.DAY


def subscribe(
    db: h.Conn,
    plan: str,
    *,
    days_ago: float = 2,
    user: str = "u1",
    seed: int = 11,
    **kwargs: object,
) -> tuple[StripeFactory, h.Catalog, list[JSON]]:
    """A user's subscription bought `days_ago` (period still running unless told otherwise)."""
    f = h.factory(seed, days_ago=days_ago)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    kwargs.setdefault("renewals", 0)
    kwargs.setdefault("end", "active")
    events = f.subscription_lifecycle("user", user, cat.prices[plan], **kwargs)  # type: ignore[arg-type]
    h.ingest(db, events)
    return f, cat, events


def test_an_active_subscription_grants_its_products_keys(db: h.Conn) -> None:
    _, cat, events = subscribe(db, "basic")
    sub = h.subscription_of(events)
    start, end = h.period_of(sub)

    assert h.active_keys(db, "u1") == {"basic"}
    row = h.entitlement_rows(db, "u1")[("basic", "subscription")]
    assert row["source_id"] == sub["id"]
    assert row["stripe_product_id"] == cat.products["basic"]["id"]
    assert h.ts(row["valid_until"]) == end + DAY  # entitlement_grace_period: 1 day
    assert h.ts(row["valid_from"]) == start


def test_the_entitlement_grace_period_is_a_setting(db: h.Conn) -> None:
    h.set_setting(db, "entitlement_grace_period", "3 days")
    _, _, events = subscribe(db, "basic")
    _, end = h.period_of(h.subscription_of(events))

    row = h.entitlement_rows(db, "u1")[("basic", "subscription")]
    assert h.ts(row["valid_until"]) == end + 3 * DAY


def test_keys_are_trimmed_and_all_granted(db: h.Conn) -> None:
    subscribe(db, "pro")  # product metadata "basic, pro,priority"
    assert h.active_keys(db, "u1") == {"basic", "pro", "priority"}


def test_a_trial_grants_access(db: h.Conn) -> None:
    _, _, events = subscribe(db, "basic", trial_days=14)
    assert h.subscription_of(events)["status"] == "trialing"
    assert h.active_keys(db, "u1") == {"basic"}


def test_cancellation_revokes(db: h.Conn) -> None:
    _, _, events = subscribe(db, "basic", days_ago=40, end="canceled")
    sub = h.subscription_of(events)
    assert sub["status"] == "canceled"

    assert h.active_keys(db, "u1") == set()
    row = h.entitlement_rows(db, "u1")[("basic", "subscription")]
    assert row["active"] is False
    assert h.ts(row["valid_until"]) == sub["ended_at"]


@pytest.mark.parametrize("status", ["unpaid", "paused", "incomplete_expired"])
def test_states_without_access_revoke(db: h.Conn, status: str) -> None:
    f, _, events = subscribe(db, "basic")
    assert h.active_keys(db, "u1") == {"basic"}

    h.ingest(db, [h.restate(f, h.subscription_of(events), status=status)])

    assert h.active_keys(db, "u1") == set()
    assert not h.entitlement_rows(db, "u1")[("basic", "subscription")]["active"]


def test_cancel_at_period_end_keeps_access_until_the_period_ends(db: h.Conn) -> None:
    f, _, events = subscribe(db, "basic")
    sub = h.subscription_of(events)
    _, end = h.period_of(sub)

    h.ingest(db, [h.restate(f, sub, cancel_at_period_end=True, cancel_at=end)])

    assert h.active_keys(db, "u1") == {"basic"}
    row = h.entitlement_rows(db, "u1")[("basic", "subscription")]
    assert h.ts(row["valid_until"]) == end + DAY


def test_cancel_at_period_end_after_the_period_ended_revokes(db: h.Conn) -> None:
    f, _, events = subscribe(db, "basic", days_ago=35)  # its only period ended ~4 days ago
    sub = h.subscription_of(events)
    _, end = h.period_of(sub)
    assert end < time.time()

    h.ingest(db, [h.restate(f, sub, cancel_at_period_end=True, cancel_at=end)])

    assert h.active_keys(db, "u1") == set()


def test_past_due_outside_the_grace_period_revokes(db: h.Conn) -> None:
    f, _, events = subscribe(db, "basic", days_ago=40)
    now = int(time.time())

    h.ingest(
        db,
        [
            h.restate(
                f,
                h.subscription_of(events),
                status="past_due",
                period_start=now - 5 * DAY,
                period_end=now + 25 * DAY,
            )
        ],
    )

    assert h.active_keys(db, "u1") == set()


def test_past_due_inside_the_grace_period_keeps_access(db: h.Conn) -> None:
    f, _, events = subscribe(db, "basic", days_ago=40)
    now = int(time.time())

    h.ingest(
        db,
        [
            h.restate(
                f,
                h.subscription_of(events),
                status="past_due",
                period_start=now - DAY,
                period_end=now + 29 * DAY,
            )
        ],
    )

    assert h.active_keys(db, "u1") == {"basic"}


def test_past_due_entitlements_expire_with_the_grace_period(db: h.Conn) -> None:
    f, _, events = subscribe(db, "basic", days_ago=40)
    now = int(time.time())
    start = now - DAY

    h.ingest(
        db,
        [
            h.restate(
                f,
                h.subscription_of(events),
                status="past_due",
                period_start=start,
                period_end=now + 29 * DAY,
            )
        ],
    )

    row = h.entitlement_rows(db, "u1")[("basic", "subscription")]
    assert row["active"]
    assert h.ts(row["valid_until"]) <= start + 3 * DAY + DAY


@pytest.mark.parametrize("api_version", ["2025-03-31.basil", "2024-06-20"])
def test_upgrade_and_downgrade_swap_the_keys(db: h.Conn, api_version: str) -> None:
    f = h.factory(12, days_ago=2, api_version=api_version)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events = f.subscription_lifecycle("user", "u1", cat.prices["basic"], renewals=0, end="active")
    h.ingest(db, events)
    sub_id = h.subscription_of(events)["id"]
    assert h.active_keys(db, "u1") == {"basic"}

    h.ingest(db, f.plan_change(sub_id, cat.prices["pro"]))
    assert h.active_keys(db, "u1") == {"basic", "pro", "priority"}
    rows = h.entitlement_rows(db, "u1")
    assert rows[("pro", "subscription")]["stripe_product_id"] == cat.products["pro"]["id"]

    h.ingest(db, f.plan_change(sub_id, cat.prices["basic"]))
    assert h.active_keys(db, "u1") == {"basic"}
    rows = h.entitlement_rows(db, "u1")
    assert not rows[("pro", "subscription")]["active"]
    assert not rows[("priority", "subscription")]["active"]
    assert rows[("basic", "subscription")]["stripe_product_id"] == cat.products["basic"]["id"]


def test_a_one_time_purchase_grants_without_expiry(db: h.Conn) -> None:
    f = h.factory(13)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events, _ = h.buy(db, f, cat.prices["pack"], 1, ("user", "u1"))

    h.ingest(db, events)

    row = h.entitlement_rows(db, "u1")[("export", "one_time_payment")]
    assert (row["active"], row["valid_until"]) == (True, None)
    assert row["source_id"] == h.intent_of(events)


@pytest.mark.parametrize(
    ("later", "keeps"),
    [
        pytest.param(lambda f: f.refund_events(amount=100), True, id="partial-refund"),
        pytest.param(lambda f: f.refund_events(), False, id="full-refund"),
        pytest.param(lambda f: f.dispute_events(outcome="won"), True, id="dispute-won"),
        pytest.param(lambda f: f.dispute_events(outcome="lost"), False, id="dispute-lost"),
    ],
)
def test_a_one_time_purchase_grants_until_refunded_or_lost(
    db: h.Conn, later: object, keeps: bool
) -> None:
    f = h.factory(14)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events, _ = h.buy(db, f, cat.prices["pack"], 1, ("user", "u1"))
    h.ingest(db, events)

    h.ingest(db, later(f))  # type: ignore[operator]

    assert h.active_keys(db, "u1") == ({"export"} if keeps else set())


def test_sources_are_independent(db: h.Conn) -> None:
    """A canceled subscription does not take away what a one-time purchase granted."""
    f, cat, _ = subscribe(db, "pro", days_ago=40, end="canceled")
    purchase, _ = h.buy(db, f, cat.prices["pack"], 1, ("user", "u1"))
    h.ingest(db, purchase)

    assert h.active_keys(db, "u1") == {"export"}


def test_group_subjects_get_no_user_entitlements(db: h.Conn) -> None:
    f = h.factory(15, days_ago=2)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events = f.subscription_lifecycle("team", "t1", cat.prices["pro"], renewals=0, end="active")
    purchase, _ = h.buy(db, f, cat.prices["pack"], 1, ("team", "t1"))

    h.ingest(db, events + purchase)

    assert db.execute("SELECT count(*) AS n FROM public.user_entitlements").fetchone() == {"n": 0}


def test_valid_from_does_not_depend_on_delivery_order(db: h.Conn) -> None:
    f = h.factory(16, days_ago=35)
    cat = h.build_catalog(f)
    events = f.subscription_lifecycle("user", "u1", cat.prices["basic"], renewals=1, end="active")
    starts = []
    for delivery in (events, list(reversed(events))):
        h.reset(db)
        h.ingest(db, cat.events)
        h.ingest(db, delivery)
        starts.append(h.entitlement_rows(db, "u1")[("basic", "subscription")]["valid_from"])

    assert starts[0] == starts[1]
