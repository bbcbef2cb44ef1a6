"""When a payment or subscription row changes, the public tables are projected again only if it
changed in what fulfilment depends on: an event that just refreshes a snapshot projects nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pgpay.testing.events import JSON
from tests.fulfilment import helpers as h

CALLS = (
    "SELECT f.funcname, f.calls FROM pg_catalog.pg_stat_xact_user_functions AS f"
    " WHERE f.schemaname = 'payments' AND f.funcname = ANY(%s)"
)


def ingest_counting(
    db: h.Conn, events: Sequence[JSON], functions: Sequence[str]
) -> tuple[list[str], dict[str, int]]:
    """Ingest `events` in one transaction: their outcomes, and how often each of `functions` was
    called (after less before: the counters may still hold earlier transactions' calls not yet
    reported)."""

    def count() -> dict[str, int]:
        rows = db.execute(CALLS, [list(functions)]).fetchall()
        return {row["funcname"]: int(row["calls"]) for row in rows}

    with db.transaction():
        db.execute("SET LOCAL track_functions = 'all'")
        before = count()
        outcomes = h.ingest(db, events)
        after = count()
    return outcomes, {name: after.get(name, 0) - before.get(name, 0) for name in functions}


def value(db: h.Conn, query: str, *params: Any) -> Any:
    """The one value `query` returns (its first column)."""
    row = db.execute(query, params).fetchone()  # type: ignore[arg-type]
    assert row is not None, "no row"
    return next(iter(row.values()))


def test_a_payment_is_projected_again_only_when_fulfilment_depends_on_the_change(
    db: h.Conn,
) -> None:
    f = h.factory(21)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events, order_id = h.buy(db, f, cat.prices["pack"], 2, ("user", "u1"), order=True)
    h.ingest(db, events)
    assert order_id is not None and h.order_status(db, order_id) == "paid"
    charge = next(e["data"]["object"] for e in events if e["type"] == "charge.succeeded")
    watched = ("project_payment",)

    # The charge again in a newer event: the row keeps when it last saw it, nothing else changes.
    again = f.event("charge.succeeded", charge, created=f.tick(5))
    outcomes, calls = ingest_counting(db, [again], watched)
    assert outcomes == ["processed"]
    seen = value(
        db,
        "SELECT (raw -> '_seen' ->> 'charge')::numeric FROM payments.payment_history"
        " WHERE stripe_charge_id = %s AND type = 'one_time_payment'",
        charge["id"],
    )
    assert seen == again["created"]  # the row was rewritten
    assert calls == {"project_payment": 0}

    # A partial refund changes the refunded amount: the payment is projected again.
    f.tick(5)
    refund_events: list[JSON] = f.refund_events(charge["id"], amount=charge["amount"] // 2)
    _, calls = ingest_counting(db, refund_events, watched)
    assert calls["project_payment"] >= 1
    assert h.ledger(db, "user", "u1") == [("grant", 20), ("reversal", -10)]


def test_a_subscription_is_projected_again_only_when_fulfilment_depends_on_the_change(
    db: h.Conn,
) -> None:
    f = h.factory(22, days_ago=2)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events = f.subscription_lifecycle("user", "u1", cat.prices["basic"], renewals=0, end="active")
    h.ingest(db, events)
    assert h.active_keys(db, "u1") == {"basic"}
    sub = h.subscription_of(events)
    watched = ("refresh_subscription_entitlements",)

    # A newer snapshot whose only change is one fulfilment does not read.
    snapshot = h.restate(f, sub, latest_invoice=f.new_id("in"))
    outcomes, calls = ingest_counting(db, [snapshot], watched)
    assert outcomes == ["processed"]
    invoice = value(
        db,
        "SELECT raw ->> 'latest_invoice' FROM payments.subscriptions"
        " WHERE stripe_subscription_id = %s",
        sub["id"],
    )
    assert invoice == snapshot["data"]["object"]["latest_invoice"]  # the row was rewritten
    assert calls == {"refresh_subscription_entitlements": 0}

    # Cancelling at the period end is a change the entitlement follows.
    cancel = h.restate(f, snapshot["data"]["object"], cancel_at_period_end=True)
    outcomes, calls = ingest_counting(db, [cancel], watched)
    assert outcomes == ["processed"]
    assert calls == {"refresh_subscription_entitlements": 1}
    assert h.active_keys(db, "u1") == {"basic"}  # still within the paid period
