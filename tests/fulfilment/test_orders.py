"""public.orders: pending -> paid only from a succeeded one-time payment; refunds, disputes, async
payment methods; the app's own `fulfilled` status is never overwritten; late events never move an
order backwards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from pgpay.testing.events import JSON, StripeFactory
from tests.fulfilment import helpers as h

OLD_API = "2024-06-20"
NEW_API = "2025-03-31.basil"


def upto(events: Sequence[JSON], event_type: str) -> tuple[list[JSON], list[JSON]]:
    """Split a scenario just after the first event of `event_type`."""
    index = next(i for i, e in enumerate(events) if e["type"] == event_type)
    return list(events[: index + 1]), list(events[index + 1 :])


def purchase(
    db: h.Conn,
    f: StripeFactory,
    cat: h.Catalog,
    *,
    quantity: int = 3,
    subject: tuple[str, str] | None = ("user", "u_buyer"),
    async_payment: bool = False,
    async_outcome: Any = "succeeded",
    link: str = "checkout_row",
) -> tuple[uuid.UUID, list[JSON]]:
    """The app creates an order, pgpay's checkout route stores its row, Stripe's events follow
    (not yet delivered: returned). `link` says how the order is tied to the payment."""
    price = cat.prices["pack"]
    order_id = uuid.uuid4()
    extra = {"order_id": str(order_id)} if link == "metadata" else None
    events = f.one_time_purchase(
        *(subject or (None, None)),
        price,
        quantity=quantity,
        async_payment=async_payment,
        async_outcome=async_outcome,
        extra_metadata=extra,
    )
    session = h.session_of(events)
    h.create_order(
        db,
        order_id=order_id,
        subject=subject,
        stripe_checkout_session_id=session["id"] if link == "order_session" else None,
    )
    h.record_checkout(
        db, session, [(price, quantity)], order_id=order_id if link == "checkout_row" else None
    )
    return order_id, events


@pytest.fixture
def world(db: h.Conn) -> tuple[h.Conn, StripeFactory, h.Catalog]:
    f = h.factory(41)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    return db, f, cat


World = tuple[h.Conn, StripeFactory, h.Catalog]


@pytest.mark.parametrize("api_version", [NEW_API, OLD_API])
@pytest.mark.parametrize("link", ["checkout_row", "order_session", "metadata"])
def test_card_payment_marks_the_order_paid(db: h.Conn, api_version: str, link: str) -> None:
    f = h.factory(42, api_version=api_version)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    order_id, events = purchase(db, f, cat, link=link)
    assert h.order_status(db, order_id) == "pending"

    h.ingest(db, events)

    order = h.order_row(db, order_id)
    assert order["status"] == "paid"
    assert (order["amount"], order["currency"], order["amount_refunded"]) == (1_500, "usd", 0)
    assert order["stripe_checkout_session_id"] == h.session_of(events)["id"]
    assert order["stripe_payment_intent_id"] == h.intent_of(events)
    assert order["paid_at"] is not None
    assert order["failed_at"] is None and order["refunded_at"] is None


def test_the_payment_alone_is_not_enough_before_it_succeeds(world: World) -> None:
    """payment_intent.created / processing and an unpaid completed session leave it pending."""
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True)
    before, _ = upto(events, "checkout.session.completed")
    assert before[-1]["data"]["object"]["payment_status"] == "unpaid"

    h.ingest(db, before)

    order = h.order_row(db, order_id)
    assert order["status"] == "pending"
    assert order["paid_at"] is None


def test_an_unpaid_completed_session_alone_never_pays(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True)
    completed = [e for e in events if e["type"] == "checkout.session.completed"]

    h.ingest(db, completed * 2)

    assert h.order_status(db, order_id) == "pending"


@pytest.mark.parametrize(("outcome", "status"), [("succeeded", "paid"), ("failed", "failed")])
def test_async_payment_settles_later(world: World, outcome: str, status: str) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True, async_outcome=outcome)
    before, after = upto(events, "checkout.session.completed")
    h.ingest(db, before)
    assert h.order_status(db, order_id) == "pending"

    h.ingest(db, after)

    order = h.order_row(db, order_id)
    assert order["status"] == status
    assert (order["paid_at"] is not None) == (status == "paid")
    assert (order["failed_at"] is not None) == (status == "failed")


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_async_outcome_alone_decides_even_when_delivered_first(world: World, outcome: str) -> None:
    """checkout.session.async_payment_* may overtake the unpaid checkout.session.completed."""
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True, async_outcome=outcome)

    h.ingest(db, list(reversed(events)))

    assert h.order_status(db, order_id) == ("paid" if outcome == "succeeded" else "failed")


def test_partial_refund_is_recorded_and_a_full_refund_refunds(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat)
    h.ingest(db, events)

    h.ingest(db, f.refund_events(amount=400))
    order = h.order_row(db, order_id)
    assert (order["status"], order["amount_refunded"]) == ("paid", 400)
    assert order["refunded_at"] is not None

    h.ingest(db, f.refund_events())
    order = h.order_row(db, order_id)
    assert (order["status"], order["amount_refunded"]) == ("refunded", 1_500)


@pytest.mark.parametrize(("outcome", "final"), [("won", "paid"), ("lost", "disputed")])
def test_dispute_then_outcome(world: World, outcome: str, final: str) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat)
    h.ingest(db, events)
    dispute = f.dispute_events(outcome=outcome)
    opened, closed = upto(dispute, "charge.dispute.updated")

    h.ingest(db, opened)
    order = h.order_row(db, order_id)
    assert order["status"] == "disputed"
    assert order["disputed_at"] is not None

    h.ingest(db, closed)
    assert h.order_status(db, order_id) == final


@pytest.mark.parametrize(
    "later",
    [
        pytest.param(lambda f: f.refund_events(amount=100) + f.refund_events(), id="refunds"),
        pytest.param(lambda f: f.dispute_events(outcome="lost"), id="dispute-lost"),
        pytest.param(lambda f: f.dispute_events(outcome="won"), id="dispute-won"),
    ],
)
def test_the_apps_fulfilled_status_is_never_overwritten(world: World, later: Any) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat)
    h.ingest(db, events)
    assert h.order_status(db, order_id) == "paid"
    db.execute(
        "UPDATE public.orders SET status = 'fulfilled', fulfilled_at = now()"
        " WHERE id = %s AND status = 'paid'",
        [order_id],
    )
    followups = later(f)

    h.ingest(db, followups)
    h.ingest(db, events)  # duplicates of the purchase, as Stripe retries them

    order = h.order_row(db, order_id)
    assert order["status"] == "fulfilled"
    assert order["fulfilled_at"] is not None
    # The money facts are still recorded for the app to act on.
    if any(e["type"] == "charge.refunded" for e in followups):
        assert order["amount_refunded"] == 1_500
        assert order["refunded_at"] is not None
    else:
        assert order["disputed_at"] is not None


def test_late_events_never_move_an_order_backwards(world: World) -> None:
    """Refunds delivered before the purchase, then the purchase's own (older) events."""
    db, f, cat = world
    order_id, events = purchase(db, f, cat)
    refunds = f.refund_events()

    h.ingest(db, refunds)
    h.ingest(db, events)

    assert h.order_status(db, order_id) == "refunded"
    # Older snapshots replayed under new event ids (a backfill, say) change nothing either.
    replays = [f.event(e["type"], e["data"]["object"], created=e["created"]) for e in events]
    h.ingest(db, replays)
    order = h.order_row(db, order_id)
    assert (order["status"], order["amount_refunded"]) == ("refunded", 1_500)


def test_late_unpaid_session_after_success_keeps_the_order_paid(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True)
    before, after = upto(events, "checkout.session.completed")

    h.ingest(db, after)
    assert h.order_status(db, order_id) == "paid"
    h.ingest(db, before)

    assert h.order_status(db, order_id) == "paid"


def test_a_failed_async_payment_is_not_revived_by_its_pending_events(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, async_payment=True, async_outcome="failed")
    before, after = upto(events, "checkout.session.completed")

    h.ingest(db, after)
    h.ingest(db, before)

    assert h.order_status(db, order_id) == "failed"


def test_an_order_created_after_the_payment_catches_up(world: World) -> None:
    """An order linked to the Checkout Session after the webhooks came still becomes paid."""
    db, f, cat = world
    events = f.one_time_purchase("user", "u_late", cat.prices["pack"], quantity=1)
    h.ingest(db, events)

    order_id = h.create_order(
        db, subject=("user", "u_late"), stripe_checkout_session_id=h.session_of(events)["id"]
    )

    order = h.order_row(db, order_id)
    assert (order["status"], order["amount"]) == ("paid", 500)


def test_anonymous_purchase_pays_its_order(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, subject=None)

    h.ingest(db, events)

    order = h.order_row(db, order_id)
    assert order["status"] == "paid"
    assert order["subject_type"] is None


def test_an_unrelated_order_stays_pending(world: World) -> None:
    db, f, cat = world
    bystander = h.create_order(db, subject=("user", "u_buyer"), amount=1_500)
    _, events = purchase(db, f, cat)

    h.ingest(db, events + f.refund_events())

    assert h.order_status(db, bystander) == "pending"


def test_checkout_row_written_after_the_webhooks_still_fulfils(world: World) -> None:
    db, f, cat = world
    order_id = h.create_order(db, subject=("user", "u_slow"))
    price = cat.prices["pack"]
    events = f.one_time_purchase("user", "u_slow", price, quantity=2)
    h.ingest(db, events)

    h.record_checkout(db, h.session_of(events), [(price, 2)], order_id=order_id)

    assert h.order_status(db, order_id) == "paid"
    assert h.balance(db, "user", "u_slow") == 20
    assert h.active_keys(db, "u_slow") == {"export"}


def test_a_won_dispute_is_recorded_whatever_the_delivery_order(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat)
    dispute = f.dispute_events(outcome="won")

    h.ingest(db, dispute + events)

    order = h.order_row(db, order_id)
    assert order["status"] == "paid"
    assert order["disputed_at"] is not None


def test_a_failed_refund_gives_the_purchase_back(world: World) -> None:
    db, f, cat = world
    order_id, events = purchase(db, f, cat, quantity=2)
    h.ingest(db, events)
    refund_created = f.refund_events(pending=True)[:2]  # charge.refunded, refund.created (pending)
    h.ingest(db, refund_created)
    assert h.order_status(db, order_id) == "refunded"

    pending = refund_created[1]["data"]["object"]
    f.tick(3_600)
    failed = f.refund(
        pending["charge"],
        pending["payment_intent"],
        pending["amount"],
        "failed",
        id=pending["id"],
        created=pending["created"],
    )
    h.ingest(db, [f.event("refund.failed", failed), f.event("charge.refund.updated", failed)])

    order = h.order_row(db, order_id)
    assert (order["status"], order["amount_refunded"]) == ("paid", 0)
    assert h.balance(db, "user", "u_buyer") == 20
    assert h.active_keys(db, "u_buyer") == {"export"}


@pytest.mark.parametrize("link", ["checkout_row", "order_session", "metadata"])
def test_among_thousands_of_orders_a_payment_finds_its_own_by_index(
    world: World, link: str
) -> None:
    """Projecting a payment looks its orders up by index however the order is named: no
    statement of the purchase's events reads the whole orders table."""
    db, f, cat = world
    db.execute(
        "INSERT INTO public.orders (environment, status, stripe_checkout_session_id,"
        " stripe_payment_intent_id, metadata)"
        " SELECT 'test', 'pending', 'cs_other_' || g, 'pi_other_' || g,"
        " jsonb_build_object('order_id', gen_random_uuid())"
        " FROM generate_series(1, 5000) AS g"
    )
    db.execute("ANALYZE public.orders")
    order_id, events = purchase(db, f, cat, link=link)
    with h.table_activity(db, "public.orders") as orders:
        h.ingest(db, events)
    assert h.order_status(db, order_id) == "paid"
    assert orders["seq_scan"] == 0


def test_among_thousands_of_payments_a_late_order_finds_its_own_by_index(world: World) -> None:
    """An order the app creates after its payment came catches up through index probes: its
    insert does not read the whole payment_history table."""
    db, f, cat = world
    db.execute("ALTER TABLE payments.payment_history DISABLE TRIGGER USER")
    try:
        db.execute(
            "INSERT INTO payments.payment_history (environment, type, status, amount, currency,"
            " stripe_payment_intent_id, stripe_checkout_session_id, stripe_charge_id)"
            " SELECT 'test', 'one_time_payment', 'succeeded', 500, 'usd', 'pi_other_' || g,"
            " 'cs_other_' || g, 'ch_other_' || g FROM generate_series(1, 5000) AS g"
        )
    finally:
        db.execute("ALTER TABLE payments.payment_history ENABLE TRIGGER USER")
    db.execute("ANALYZE payments.payment_history")
    price = cat.prices["pack"]
    events = f.one_time_purchase("user", "u_late", price, quantity=1)
    h.ingest(db, events)
    session = h.session_of(events)
    with h.table_activity(db, "payments.payment_history") as payments:
        order_id = h.create_order(
            db, subject=("user", "u_late"), stripe_checkout_session_id=session["id"]
        )
    assert h.order_status(db, order_id) == "paid"
    assert payments["seq_scan"] == 0
