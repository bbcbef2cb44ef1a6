"""Each handled Stripe event type's effect on the payments mirror, through the SQL entry point.

Every test starts from an empty mirror and calls `payments.ingest_stripe_event` directly (the HTTP
path is tested elsewhere). Events come from `StripeFactory`, in both API shapes (every test runs
once per shape): before 2025-03-31 and the 2025-03-31 ("basil") shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow

from pgpay.testing.events import JSON, StripeFactory
from pgpay.testing.postgres import DatabaseFactory

from .projection_state import (
    NEW_API,
    OLD_API,
    MirrorDatabase,
    catalog_events,
    ingest,
    ingest_all,
    mirror_database,
    one,
    projection_state,
    rows,
)

Conn = psycopg.Connection[DictRow]


@pytest.fixture(scope="module")
def mirror(pgpay_databases: DatabaseFactory) -> Iterator[MirrorDatabase]:
    with mirror_database(pgpay_databases) as database:
        yield database


@pytest.fixture
def db(mirror: MirrorDatabase) -> Conn:
    """The module's database, emptied of everything ingest writes."""
    return mirror.reset()


@pytest.fixture(params=[OLD_API, NEW_API], ids=["old-shape", "new-shape"])
def f(request: pytest.FixtureRequest) -> StripeFactory:
    return StripeFactory(api_version=request.param, seed=11)


def ts(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def of_type(events: list[JSON], type_: str) -> JSON:
    """The last event of one type in a list."""
    matches = [e for e in events if e["type"] == type_]
    assert matches, f"no {type_} event in {[e['type'] for e in events]}"
    return matches[-1]


def send(db: Conn, *events: Mapping[str, Any]) -> None:
    """Ingest events in the given order; none may fail (unhandled types are ignored and
    redeliveries are duplicates)."""
    for event in events:
        outcome = ingest(db, event)
        assert outcome in {"processed", "ignored", "duplicate"}, (event["type"], outcome)


def mapping(db: Conn) -> list[tuple[str, str, str]]:
    return [
        (r["subject_type"], r["subject_id"], r["stripe_customer_id"])
        for r in rows(db, "stripe_customer_mappings")
    ]


def history(db: Conn, type_: str | None = None) -> list[dict[str, Any]]:
    found = (
        rows(db, "payment_history") if type_ is None else rows(db, "payment_history", type=type_)
    )
    return sorted(found, key=lambda r: r["id"])


def recurring_setup(
    f: StripeFactory, subject: tuple[str, str] = ("team", "t1")
) -> tuple[JSON, JSON, JSON, dict[str, str]]:
    """A customer, a monthly and a yearly price, and the pgpay subject metadata for `subject`."""
    _, _, monthly, yearly = catalog_events(f)
    cus = f.customer(email="billing@example.com")
    meta = f.subject_metadata(*subject)
    return cus, monthly, yearly, meta


# ------------------------------------------------------------------------------ customers


def test_customer_created_is_mirrored(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(email="ada@example.com", name="Ada", metadata={"plan": "gold"})
    send(db, f.event("customer.created", cus))
    row = one(db, "customers", stripe_customer_id=cus["id"])
    assert row["environment"] == "test"
    assert (row["email"], row["name"], row["metadata"]) == (
        "ada@example.com",
        "Ada",
        {"plan": "gold"},
    )
    assert row["deleted"] is False
    assert row["stripe_created"] == ts(cus["created"])
    assert row["last_event_at"] == ts(f.now)
    assert mapping(db) == []  # no pgpay subject in its metadata


def test_customer_updated_takes_the_newer_snapshot(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(email="old@example.com")
    created = f.event("customer.created", cus)
    f.tick(10)
    updated, previous = f.update(cus, email="new@example.com", name="Grace")
    send(db, created, f.event("customer.updated", updated, previous))
    row = one(db, "customers", stripe_customer_id=cus["id"])
    assert (row["email"], row["name"]) == ("new@example.com", "Grace")


def test_an_older_customer_update_does_not_overwrite_a_newer_one(
    db: Conn, f: StripeFactory
) -> None:
    cus = f.customer(email="first@example.com")
    first, _ = f.update(cus, email="second@example.com")
    older = f.event("customer.updated", first)
    f.tick(10)
    second, _ = f.update(first, email="third@example.com", metadata={"tier": "3"})
    newer = f.event("customer.updated", second)
    send(db, newer, older)
    row = one(db, "customers", stripe_customer_id=cus["id"])
    assert (row["email"], row["metadata"]) == ("third@example.com", {"tier": "3"})
    assert row["last_event_at"] == ts(newer["created"])


def test_customer_deleted_marks_it_deleted(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(email="gone@example.com", metadata={"k": "v"})
    send(db, f.event("customer.created", cus))
    f.tick(5)
    send(db, f.event("customer.deleted", cus))
    row = one(db, "customers", stripe_customer_id=cus["id"])
    assert row["deleted"] is True
    assert row["email"] == "gone@example.com"
    assert row["metadata"] == {"k": "v"}


def test_a_deleted_customer_is_not_revived_by_an_older_update(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(email="a@example.com")
    f.tick(5)
    updated, previous = f.update(cus, email="b@example.com")
    update = f.event("customer.updated", updated, previous)
    f.tick(5)
    deleted = f.event("customer.deleted", updated)
    send(db, f.event("customer.created", cus), deleted, update)
    row = one(db, "customers", stripe_customer_id=cus["id"])
    assert row["deleted"] is True
    assert row["email"] == "b@example.com"
    assert row["last_event_at"] == ts(deleted["created"])


def test_customer_with_subject_metadata_is_mapped(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(metadata={"pgpay_subject_type": "team", "pgpay_subject_id": "t9"})
    send(db, f.event("customer.created", cus))
    assert mapping(db) == [("team", "t9", cus["id"])]
    assert one(db, "stripe_customer_mappings")["source"] == "metadata"


def test_invalid_subject_metadata_maps_nothing(db: Conn, f: StripeFactory) -> None:
    bad_type = f.customer(metadata={"pgpay_subject_type": "planet", "pgpay_subject_id": "p1"})
    bad_id = f.customer(metadata={"pgpay_subject_type": "user", "pgpay_subject_id": "no spaces"})
    send(db, f.event("customer.created", bad_type), f.event("customer.created", bad_id))
    assert mapping(db) == []
    assert len(rows(db, "customers")) == 2


# ------------------------------------------------------------------------------ catalog


def test_product_and_price_created_are_mirrored(db: Conn, f: StripeFactory) -> None:
    events, one_time, monthly, _ = catalog_events(f)
    send(db, *events)
    product = one(db, "products", stripe_product_id=one_time["product"])
    assert (product["name"], product["active"], product["deleted"]) == ("Credits", True, False)
    assert product["metadata"] == {"credits": "100"}
    price = one(db, "prices", stripe_price_id=monthly["id"])
    assert price["stripe_product_id"] == monthly["product"]
    assert (price["unit_amount"], price["currency"], price["type"]) == (2_000, "usd", "recurring")
    assert (price["recurring_interval"], price["recurring_interval_count"]) == ("month", 1)
    assert one(db, "prices", stripe_price_id=one_time["id"])["type"] == "one_time"
    assert len(rows(db, "products")) == 2
    assert len(rows(db, "prices")) == 3


def test_product_deactivation_and_update(db: Conn, f: StripeFactory) -> None:
    product = f.product("Pro", metadata={"entitlements": "pro"})
    send(db, f.event("product.created", product))
    f.tick(3)
    renamed, previous = f.update(product, name="Pro (legacy)", active=False, description="old")
    send(db, f.event("product.updated", renamed, previous))
    row = one(db, "products", stripe_product_id=product["id"])
    assert (row["name"], row["active"], row["description"]) == ("Pro (legacy)", False, "old")
    assert row["deleted"] is False


def test_product_deleted_stays_deleted(db: Conn, f: StripeFactory) -> None:
    product = f.product("Temp")
    created = f.event("product.created", product)
    f.tick(3)
    renamed, previous = f.update(product, name="Temp 2")
    update = f.event("product.updated", renamed, previous)
    f.tick(3)
    deleted = f.event("product.deleted", renamed)
    send(db, created, deleted, update)
    row = one(db, "products", stripe_product_id=product["id"])
    assert (row["deleted"], row["active"], row["name"]) == (True, False, "Temp 2")


def test_price_update_deactivation_and_deletion(db: Conn, f: StripeFactory) -> None:
    product = f.product("Pro")
    price = f.price(product["id"], 900, recurring_interval="month", nickname="launch")
    send(db, f.event("price.created", price))
    f.tick(2)
    older, _ = f.update(price, nickname="older", lookup_key="pro_monthly")
    older_event = f.event("price.updated", older)
    f.tick(2)
    archived, previous = f.update(price, active=False, nickname="archived")
    send(db, f.event("price.updated", archived, previous), older_event)
    row = one(db, "prices", stripe_price_id=price["id"])
    assert (row["active"], row["nickname"], row["lookup_key"]) == (False, "archived", None)
    f.tick(2)
    send(db, f.event("price.deleted", archived))
    row = one(db, "prices", stripe_price_id=price["id"])
    assert (row["deleted"], row["active"], row["unit_amount"]) == (True, False, 900)
    send(db, f.event("price.updated", price, created=f.now - 100))
    assert one(db, "prices", stripe_price_id=price["id"])["deleted"] is True


# ------------------------------------------------------------------------------ checkout


def test_checkout_completed_paid_records_session_payment_and_mapping(
    db: Conn, f: StripeFactory
) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("user", "u1", one_time, quantity=3)
    completed = of_type(events, "checkout.session.completed")
    send(db, completed)
    session = completed["data"]["object"]
    cs = one(db, "checkout_sessions", stripe_checkout_session_id=session["id"])
    assert (cs["status"], cs["payment_status"], cs["mode"]) == ("complete", "paid", "payment")
    assert (cs["subject_type"], cs["subject_id"]) == ("user", "u1")
    assert cs["stripe_customer_id"] == session["customer"]
    assert cs["stripe_payment_intent_id"] == session["payment_intent"]
    assert (cs["amount_total"], cs["currency"]) == (3_000, "usd")
    assert cs["completed_at"] == ts(completed["created"])
    payment = one(db, "payment_history")
    assert (payment["type"], payment["status"]) == ("one_time_payment", "succeeded")
    assert (payment["amount"], payment["currency"]) == (3_000, "usd")
    assert payment["stripe_payment_intent_id"] == session["payment_intent"]
    assert payment["stripe_checkout_session_id"] == session["id"]
    assert (payment["subject_type"], payment["subject_id"]) == ("user", "u1")
    assert mapping(db) == [("user", "u1", session["customer"])]
    assert one(db, "stripe_customer_mappings")["source"] == "checkout"


def test_checkout_completed_unpaid_is_a_pending_payment(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("team", "t1", one_time, async_payment=True)
    send(db, of_type(events, "checkout.session.completed"))
    cs = one(db, "checkout_sessions")
    assert (cs["status"], cs["payment_status"]) == ("complete", "unpaid")
    assert one(db, "payment_history")["status"] == "pending"


def test_async_payment_succeeded_completes_the_payment(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("team", "t1", one_time, async_payment=True)
    send(
        db,
        of_type(events, "checkout.session.completed"),
        of_type(events, "checkout.session.async_payment_succeeded"),
    )
    assert one(db, "checkout_sessions")["payment_status"] == "paid"
    payment = one(db, "payment_history")
    assert (payment["status"], payment["amount"]) == ("succeeded", 1_000)


def test_async_payment_failed_fails_the_payment(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("team", "t1", one_time, async_payment=True, async_outcome="failed")
    send(
        db,
        of_type(events, "checkout.session.completed"),
        of_type(events, "checkout.session.async_payment_failed"),
    )
    cs = one(db, "checkout_sessions")
    assert (cs["status"], cs["payment_status"]) == ("complete", "unpaid")
    payment = one(db, "payment_history")
    assert payment["status"] == "failed"
    assert payment["failure_message"]


def test_async_success_is_not_undone_by_a_late_completion(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("team", "t1", one_time, async_payment=True)
    send(
        db,
        of_type(events, "checkout.session.async_payment_succeeded"),
        of_type(events, "checkout.session.completed"),
    )
    assert one(db, "checkout_sessions")["payment_status"] == "paid"
    assert one(db, "payment_history")["status"] == "succeeded"


def test_checkout_expired_records_no_payment_and_no_mapping(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    cus = f.customer()
    (expired,) = f.expired_checkout("user", "u4", one_time, customer=cus["id"])
    send(db, expired)
    cs = one(db, "checkout_sessions")
    assert cs["status"] == "expired"
    assert cs["completed_at"] is None
    assert (cs["subject_type"], cs["subject_id"]) == ("user", "u4")
    assert rows(db, "payment_history") == []
    assert mapping(db) == []


def test_a_completed_session_is_not_expired_by_a_late_expiry(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("user", "u1", one_time)
    completed = of_type(events, "checkout.session.completed")
    expired = f.event(
        "checkout.session.expired", {**completed["data"]["object"], "status": "expired"}
    )
    send(db, completed, expired)
    assert one(db, "checkout_sessions")["status"] == "complete"


def test_subscription_checkout_maps_and_names_the_subscription_subject(
    db: Conn, f: StripeFactory
) -> None:
    cus, monthly, _, meta = recurring_setup(f)
    # A subscription stamped without a subject arrives first (e.g. created from the Dashboard
    # for a customer pgpay has not mapped yet): it has no subject until checkout names it.
    sub = f.subscription(cus["id"], [(monthly, 2)], metadata={})
    session = f.checkout_session(
        "subscription",
        customer=cus["id"],
        line_items=[(monthly, 2)],
        metadata=meta,
        status="complete",
        payment_status="paid",
        subscription=sub["id"],
    )
    send(db, f.event("customer.subscription.created", sub))
    assert one(db, "subscriptions")["subject_type"] is None
    send(db, f.event("checkout.session.completed", session))
    cs = one(db, "checkout_sessions")
    assert (cs["mode"], cs["stripe_subscription_id"]) == ("subscription", sub["id"])
    assert rows(db, "payment_history") == []  # the invoice is the payment of a subscription
    assert mapping(db) == [("team", "t1", cus["id"])]
    s = one(db, "subscriptions")
    assert (s["subject_type"], s["subject_id"]) == ("team", "t1")


# ------------------------------------------------------------------------------ payment intents


def purchase_events(f: StripeFactory, outcome: str = "succeeded") -> tuple[JSON, list[JSON]]:
    catalog_events(f)
    cus = f.customer()
    meta = f.subject_metadata("user", "u7")
    pi = f.payment_intent(
        2_500, customer=cus["id"], status="requires_payment_method", metadata=meta
    )
    f.tick(2)
    return pi, f._settle_payment(pi, outcome)


def test_payment_intent_succeeded_records_a_one_time_payment(db: Conn, f: StripeFactory) -> None:
    pi, events = purchase_events(f)
    send(db, of_type(events, "payment_intent.succeeded"))
    payment = one(db, "payment_history")
    assert (payment["type"], payment["status"], payment["amount"]) == (
        "one_time_payment",
        "succeeded",
        2_500,
    )
    assert payment["stripe_payment_intent_id"] == pi["id"]
    assert (
        payment["stripe_charge_id"] == of_type(events, "charge.succeeded")["data"]["object"]["id"]
    )
    assert (payment["subject_type"], payment["subject_id"]) == ("user", "u7")
    assert payment["stripe_customer_id"] == pi["customer"]
    assert mapping(db) == [("user", "u7", pi["customer"])]
    assert one(db, "stripe_customer_mappings")["source"] == "metadata"


def test_payment_intent_payment_failed(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f, "failed")
    send(db, of_type(events, "payment_intent.payment_failed"))
    payment = one(db, "payment_history")
    assert payment["status"] == "failed"
    assert payment["failure_message"] == "Your card was declined."


def test_payment_intent_canceled(db: Conn, f: StripeFactory) -> None:
    pi, _ = purchase_events(f, "failed")
    f.tick(60)
    canceled = f._set(pi, status="canceled", cancellation_reason="abandoned")
    send(db, f.event("payment_intent.canceled", canceled))
    assert one(db, "payment_history")["status"] == "canceled"


def test_a_failure_after_success_keeps_the_payment_succeeded(db: Conn, f: StripeFactory) -> None:
    _, failed = purchase_events(f, "failed")
    f.tick(30)
    pi = f.latest("payment_intent")
    succeeded = f._settle_payment(pi, "succeeded")
    send(db, *succeeded)
    send(db, *failed)  # late deliveries of the first, failed attempt
    payment = one(db, "payment_history")
    assert payment["status"] == "succeeded"
    assert (
        payment["stripe_charge_id"]
        == of_type(succeeded, "charge.succeeded")["data"]["object"]["id"]
    )


def test_one_row_per_payment_object(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("user", "u1", one_time, quantity=2)
    send(db, *[e for e in events if e["type"] != "payment_intent.created"])
    payment = one(db, "payment_history")
    completed = of_type(events, "checkout.session.completed")["data"]["object"]
    assert payment["stripe_checkout_session_id"] == completed["id"]
    assert (
        payment["stripe_charge_id"] == of_type(events, "charge.succeeded")["data"]["object"]["id"]
    )
    assert (payment["status"], payment["amount"]) == ("succeeded", 2_000)


def test_payment_intent_of_an_invoice_is_left_to_the_invoice(db: Conn) -> None:
    f = StripeFactory(api_version=OLD_API, seed=5)  # only the old shape names the invoice
    cus = f.customer()
    pi = f.payment_intent(2_000, customer=cus["id"], invoice="in_1AbCdEfGhIjKlMnOpQrStUvW")
    send(db, f.event("payment_intent.succeeded", pi))
    assert rows(db, "payment_history") == []


# ------------------------------------------------------------------------------ charges


def test_charge_succeeded(db: Conn, f: StripeFactory) -> None:
    pi, events = purchase_events(f)
    charge = of_type(events, "charge.succeeded")
    send(db, charge)
    payment = one(db, "payment_history")
    assert (payment["type"], payment["status"]) == ("one_time_payment", "succeeded")
    assert payment["stripe_payment_intent_id"] == pi["id"]
    assert payment["stripe_charge_id"] == charge["data"]["object"]["id"]
    assert (payment["amount"], payment["amount_refunded"]) == (2_500, 0)


def test_charge_failed(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f, "failed")
    send(db, of_type(events, "charge.failed"))
    payment = one(db, "payment_history")
    assert payment["status"] == "failed"
    assert payment["failure_message"] == "Your card was declined."


def test_charge_refunded_partially_then_fully(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f)
    send(db, *events)
    partial = f.refund_events(amount=1_000)
    send(db, of_type(partial, "charge.refunded"))
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("partially_refunded", 1_000)
    full = f.refund_events()
    send(db, of_type(full, "charge.refunded"))
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("refunded", 2_500)


# ------------------------------------------------------------------------------ refunds


def test_refund_created_records_the_refund_and_the_refunded_amount(
    db: Conn, f: StripeFactory
) -> None:
    pi, events = purchase_events(f)
    send(db, *events)
    refund_events = f.refund_events(amount=500)
    created = of_type(refund_events, "refund.created")
    send(db, created)
    refund = one(db, "payment_history", type="refund")
    assert refund["stripe_refund_id"] == created["data"]["object"]["id"]
    assert (refund["status"], refund["amount"], refund["currency"]) == ("succeeded", 500, "usd")
    assert refund["stripe_payment_intent_id"] == pi["id"]
    assert refund["stripe_charge_id"] == created["data"]["object"]["charge"]
    assert (refund["subject_type"], refund["subject_id"]) == ("user", "u7")
    assert refund["stripe_customer_id"] == pi["customer"]
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("partially_refunded", 500)


def test_refund_updated_moves_a_pending_refund_forward(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f)
    send(db, *events)
    refund_events = f.refund_events(pending=True)
    send(db, of_type(refund_events, "refund.created"))
    assert one(db, "payment_history", type="refund")["status"] == "pending"
    send(db, of_type(refund_events, "refund.updated"))
    assert one(db, "payment_history", type="refund")["status"] == "succeeded"
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("refunded", 2_500)


def test_charge_refund_updated_is_applied_like_refund_updated(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f)
    send(db, *events)
    refund_events = f.refund_events(amount=700, pending=True)
    send(db, of_type(refund_events, "charge.refund.updated"))
    refund = one(db, "payment_history", type="refund")
    assert (refund["status"], refund["amount"]) == ("succeeded", 700)
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("partially_refunded", 700)


def test_refund_events_all_arrive_as_one_refund_row(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f)
    send(db, *events)
    refund_events = f.refund_events(amount=500)
    send(db, *reversed(refund_events))
    assert len(history(db, "refund")) == 1
    assert len(history(db)) == 2


def test_a_refund_that_failed_refunds_nothing(db: Conn, f: StripeFactory) -> None:
    _, events = purchase_events(f)
    send(db, *events)
    charge = f.latest("charge")
    f.tick(1)
    pending = f.refund(charge["id"], charge["payment_intent"], 2_500, "pending")
    created = f.event("refund.created", pending)
    f.tick(86_400)
    failed = f.event("refund.failed", f._set(pending, status="failed"))
    send(db, created, failed)
    refund = one(db, "payment_history", type="refund")
    assert refund["status"] == "failed"
    payment = one(db, "payment_history", type="one_time_payment")
    assert (payment["status"], payment["amount_refunded"]) == ("succeeded", 0)


# ------------------------------------------------------------------------------ disputes


def dispute_lifecycle(db: Conn, f: StripeFactory, outcome: str) -> tuple[JSON, list[JSON]]:
    pi, events = purchase_events(f)
    send(db, *events)
    return pi, f.dispute_events(outcome=outcome)  # type: ignore[arg-type]


def test_dispute_created_and_funds_withdrawn_are_an_open_dispute(
    db: Conn, f: StripeFactory
) -> None:
    pi, events = dispute_lifecycle(db, f, "lost")
    send(db, of_type(events, "charge.dispute.created"))
    dispute = one(db, "payment_history", type="dispute")
    dp = of_type(events, "charge.dispute.created")["data"]["object"]
    assert dispute["stripe_dispute_id"] == dp["id"]
    assert (dispute["status"], dispute["amount"], dispute["description"]) == (
        "disputed",
        2_500,
        "fraudulent",
    )
    assert dispute["stripe_payment_intent_id"] == pi["id"]
    assert dispute["stripe_charge_id"] == dp["charge"]
    assert (dispute["subject_type"], dispute["subject_id"]) == ("user", "u7")
    send(db, of_type(events, "charge.dispute.funds_withdrawn"))
    assert one(db, "payment_history", type="dispute")["status"] == "disputed"
    # The disputed payment itself keeps its row and status.
    assert one(db, "payment_history", type="one_time_payment")["status"] == "succeeded"


def test_dispute_closed_won_and_funds_reinstated(db: Conn, f: StripeFactory) -> None:
    _, events = dispute_lifecycle(db, f, "won")
    send(db, of_type(events, "charge.dispute.created"), of_type(events, "charge.dispute.closed"))
    assert one(db, "payment_history", type="dispute")["status"] == "won"
    send(db, of_type(events, "charge.dispute.funds_reinstated"))
    assert one(db, "payment_history", type="dispute")["status"] == "won"


def test_funds_reinstated_alone_means_won(db: Conn, f: StripeFactory) -> None:
    _, events = dispute_lifecycle(db, f, "won")
    send(db, of_type(events, "charge.dispute.funds_reinstated"))
    assert one(db, "payment_history", type="dispute")["status"] == "won"


def test_dispute_closed_lost_is_final(db: Conn, f: StripeFactory) -> None:
    _, events = dispute_lifecycle(db, f, "lost")
    send(db, of_type(events, "charge.dispute.closed"))
    send(db, *events)  # every earlier event, late
    dispute = one(db, "payment_history", type="dispute")
    assert dispute["status"] == "lost"
    assert len(history(db, "dispute")) == 1


# ------------------------------------------------------------------------------ invoices


def invoice_events(f: StripeFactory, *, succeed: bool = True) -> tuple[JSON, list[JSON]]:
    """A subscription (team t1) with its first invoice paid (or failed): the subscription
    snapshot and every event of the invoice's collection."""
    cus, monthly, _, meta = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 3)], status="incomplete", metadata=meta)
    inv = f.invoice(
        cus["id"],
        sub["id"],
        lines=[(monthly, 3)],
        status="draft",
        billing_reason="subscription_create",
    )
    f.tick(60)
    return sub, f._collect_invoice(inv, [(monthly, 3)], succeed=succeed)


@pytest.mark.parametrize("type_", ["invoice.paid", "invoice.payment_succeeded"])
def test_invoice_paid_records_a_subscription_invoice(
    db: Conn, f: StripeFactory, type_: str
) -> None:
    sub, events = invoice_events(f)
    event = of_type(events, type_)
    send(db, event)
    inv = event["data"]["object"]
    payment = one(db, "payment_history")
    assert (payment["type"], payment["status"]) == ("subscription_invoice", "succeeded")
    assert payment["stripe_invoice_id"] == inv["id"]
    assert payment["stripe_subscription_id"] == sub["id"]
    assert (payment["amount"], payment["currency"]) == (6_000, "usd")
    assert payment["stripe_payment_intent_id"] == f.latest("payment_intent")["id"]
    assert (payment["subject_type"], payment["subject_id"]) == ("team", "t1")
    assert payment["description"] == "subscription_create"


def test_invoice_payment_failed(db: Conn, f: StripeFactory) -> None:
    _, events = invoice_events(f, succeed=False)
    send(db, of_type(events, "invoice.payment_failed"))
    assert one(db, "payment_history")["status"] == "failed"


def test_invoice_payment_failed_after_paid_keeps_it_paid(db: Conn, f: StripeFactory) -> None:
    _, events = invoice_events(f, succeed=False)
    failed = of_type(events, "invoice.payment_failed")
    f.tick(3_600)
    paid = f._set(failed["data"]["object"], status="paid", amount_paid=6_000)
    send(db, f.event("invoice.paid", paid), failed)
    assert one(db, "payment_history")["status"] == "succeeded"


def test_invoice_payment_action_required(db: Conn, f: StripeFactory) -> None:
    _, events = invoice_events(f, succeed=False)
    open_invoice = of_type(events, "invoice.payment_failed")["data"]["object"]
    f.tick(5)
    send(db, f.event("invoice.payment_action_required", open_invoice))
    assert one(db, "payment_history")["status"] == "requires_action"


@pytest.mark.parametrize(
    ("type_", "status"),
    [("invoice.voided", "void"), ("invoice.marked_uncollectible", "uncollectible")],
)
def test_invoice_voided_and_marked_uncollectible(
    db: Conn, f: StripeFactory, type_: str, status: str
) -> None:
    _, events = invoice_events(f, succeed=False)
    inv = of_type(events, "invoice.payment_failed")["data"]["object"]
    send(db, of_type(events, "invoice.payment_failed"))
    f.tick(86_400)
    closed = f._set(inv, status=status)
    send(db, f.event(type_, closed))
    assert one(db, "payment_history")["status"] == status


def test_invoice_without_a_subscription_is_not_tracked(db: Conn, f: StripeFactory) -> None:
    cus = f.customer()
    inv = f.invoice(cus["id"], None, lines=[(f.price(f.product("X")["id"], 100), 1)])
    send(db, f.event("invoice.paid", inv))
    assert rows(db, "payment_history") == []


def test_invoice_charge_and_intent_merge_into_the_invoice_row(db: Conn, f: StripeFactory) -> None:
    _, events = invoice_events(f)
    send(db, *events)
    payment = one(db, "payment_history")
    assert payment["type"] == "subscription_invoice"
    assert (
        payment["stripe_charge_id"] == of_type(events, "charge.succeeded")["data"]["object"]["id"]
    )
    assert payment["status"] == "succeeded"


PAYMENT_COLUMNS = (
    "type", "status", "amount", "amount_refunded", "currency", "subject_type", "subject_id",
    "stripe_customer_id", "stripe_payment_intent_id", "stripe_charge_id", "stripe_invoice_id",
    "stripe_subscription_id", "stripe_refund_id", "failure_message",
)  # fmt: skip


def test_an_intent_seen_before_its_invoice_is_folded_into_the_invoice_row(
    db: Conn, mirror: MirrorDatabase, f: StripeFactory
) -> None:
    """A payment's events that come before its invoice are kept as a one-time payment until the
    invoice names the intent (the new API shape does not name the invoice on the intent). The
    invoice then takes over what they learnt (a failed attempt, the charge that paid, a refund) in
    one merge, and ends as if those events had come after it; the one-time payment is gone."""
    cus, monthly, _, meta = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 3)], status="incomplete", metadata=meta)
    draft = f.invoice(
        cus["id"], sub["id"], lines=[(monthly, 3)], status="draft",
        billing_reason="subscription_create",
    )  # fmt: skip
    common = f._invoice_args(draft, [(monthly, 3)])
    pi = f.payment_intent(
        int(draft["amount_due"]), customer=cus["id"], status="requires_confirmation",
        invoice=draft["id"], description="Subscription creation",
    )  # fmt: skip
    opened = f.invoice(**common, status="open", payment_intent=pi["id"], attempt_count=0)
    f.tick(60)
    payment = f._settle_payment(pi, "failed")
    f.tick(60)
    payment += f._settle_payment(f.payment_intents[pi["id"]], "succeeded")
    charge = of_type(payment, "charge.succeeded")["data"]["object"]
    paid = f.invoice(**common, status="paid", payment_intent=pi["id"], paid_at=f.now)
    invoice = [
        f.event("invoice.finalized", opened),
        f.event("invoice.paid", paid),
        f.event("invoice.payment_succeeded", paid),
    ]
    f.tick(60)
    payment += f.refund_events(charge["id"], amount=1_000)

    def outcome(order: list[JSON]) -> tuple[list[tuple[Any, ...]], int]:
        conn = mirror.reset()
        send(conn, *order)
        found = sorted(tuple(r[c] for c in PAYMENT_COLUMNS) for r in history(conn))
        entries = conn.execute("SELECT count(*) AS n FROM public.credit_ledger").fetchone()
        return found, int(entries["n"]) if entries else -1

    send(mirror.reset(), *payment)
    kept = [r["type"] for r in history(db)]
    assert "one_time_payment" in kept  # until the invoice says whose payment this is

    intent_first = outcome(payment + invoice)
    assert intent_first == outcome(invoice + payment)
    found = {row[0]: row for row in intent_first[0]}
    assert sorted(found) == ["refund", "subscription_invoice"]
    invoice_row = found["subscription_invoice"]
    assert invoice_row[PAYMENT_COLUMNS.index("status")] == "partially_refunded"
    assert invoice_row[PAYMENT_COLUMNS.index("stripe_charge_id")] == charge["id"]
    assert invoice_row[PAYMENT_COLUMNS.index("amount_refunded")] == 1_000
    assert invoice_row[PAYMENT_COLUMNS.index("failure_message")]


# ------------------------------------------------------------------------------ subscriptions


def test_subscription_created_then_updated_active(db: Conn, f: StripeFactory) -> None:
    cus, monthly, _, meta = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 3)], status="incomplete", metadata=meta)
    send(db, f.event("customer.subscription.created", sub))
    row = one(db, "subscriptions")
    assert (row["status"], row["quantity"]) == ("incomplete", 3)
    assert (row["subject_type"], row["subject_id"]) == ("team", "t1")
    assert (row["stripe_price_id"], row["stripe_product_id"]) == (monthly["id"], monthly["product"])
    assert row["stripe_customer_id"] == cus["id"]
    start, end = f._current_period(sub)
    assert (row["current_period_start"], row["current_period_end"]) == (ts(start), ts(end))
    assert mapping(db) == [("team", "t1", cus["id"])]
    item = one(db, "subscription_items")
    assert item["stripe_subscription_item_id"] == sub["items"]["data"][0]["id"]
    assert (item["stripe_price_id"], item["quantity"], item["deleted"]) == (monthly["id"], 3, False)
    assert (item["current_period_start"], item["current_period_end"]) == (ts(start), ts(end))
    f.tick(1)
    active = f._set(sub, status="active")
    send(db, f.event("customer.subscription.updated", active))
    assert one(db, "subscriptions")["status"] == "active"


def test_subscription_deleted_is_canceled_and_final(db: Conn, f: StripeFactory) -> None:
    _, monthly, _, _ = recurring_setup(f)
    events = f.subscription_lifecycle("user", "u2", monthly, renewals=1, end="canceled")
    deleted = of_type(events, "customer.subscription.deleted")
    send(db, deleted)
    send(db, *[e for e in events if e["type"].startswith("customer.subscription.")])
    row = one(db, "subscriptions")
    sub = deleted["data"]["object"]
    assert row["status"] == "canceled"
    assert row["ended_at"] == ts(sub["ended_at"])
    assert row["canceled_at"] == ts(sub["canceled_at"])
    assert row["cancel_at_period_end"] is True
    assert row["last_event_at"] == ts(deleted["created"])


def test_a_canceled_subscription_is_not_revived_by_an_older_update(
    db: Conn, f: StripeFactory
) -> None:
    cus, monthly, _, meta = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 1)], metadata=meta)
    f.tick(10)
    renewed = f._set(sub, quantity=1, status="active")
    older = f.event("customer.subscription.updated", renewed)
    f.tick(10)
    canceled = f._set(sub, status="canceled", canceled_at=f.now, ended_at=f.now)
    send(db, f.event("customer.subscription.deleted", canceled), older)
    assert one(db, "subscriptions")["status"] == "canceled"


def test_an_older_subscription_update_never_overwrites_a_newer_one(
    db: Conn, f: StripeFactory
) -> None:
    _, monthly, yearly, _ = recurring_setup(f)
    events = f.subscription_lifecycle("team", "t1", monthly, quantity=2, renewals=0, end="active")
    sub = f.latest("subscription")
    plan = f.plan_change(sub["id"], yearly)
    seats = f.seat_change(sub["id"], 5)
    send(db, *events, *seats, *plan)  # the plan change arrives after the later seat change
    row = one(db, "subscriptions")
    assert (row["stripe_price_id"], row["quantity"]) == (yearly["id"], 5)
    item = one(db, "subscription_items")
    assert (item["stripe_price_id"], item["quantity"]) == (yearly["id"], 5)


def test_subscription_paused_and_resumed(db: Conn, f: StripeFactory) -> None:
    cus, monthly, _, meta = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 1)], metadata=meta)
    send(db, f.event("customer.subscription.created", sub))
    f.tick(100)
    paused = f._set(sub, status="paused")
    send(db, f.event("customer.subscription.paused", paused))
    assert one(db, "subscriptions")["status"] == "paused"
    f.tick(100)
    resumed = f._set(paused, status="active")
    send(db, f.event("customer.subscription.resumed", resumed))
    assert one(db, "subscriptions")["status"] == "active"


def test_trial_will_end_keeps_the_trial(db: Conn, f: StripeFactory) -> None:
    _, monthly, _, _ = recurring_setup(f)
    events = f.subscription_lifecycle(
        "user", "u3", monthly, trial_days=14, renewals=1, end="active"
    )
    trial_will_end = of_type(events, "customer.subscription.trial_will_end")
    send(db, of_type(events, "customer.subscription.created"), trial_will_end)
    row = one(db, "subscriptions")
    sub = trial_will_end["data"]["object"]
    assert row["status"] == "trialing"
    assert (row["trial_start"], row["trial_end"]) == (ts(sub["trial_start"]), ts(sub["trial_end"]))
    assert row["last_event_at"] == ts(trial_will_end["created"])


def test_a_renewal_moves_the_period_forward(db: Conn, f: StripeFactory) -> None:
    _, monthly, _, _ = recurring_setup(f)
    events = f.subscription_lifecycle("user", "u3", monthly, renewals=2, end="active")
    updates = [e for e in events if e["type"].startswith("customer.subscription.")]
    send(db, updates[-1], *updates[:-1])
    sub = f.latest("subscription")
    start, end = f._current_period(sub)
    row = one(db, "subscriptions")
    assert (row["status"], row["current_period_start"], row["current_period_end"]) == (
        "active",
        ts(start),
        ts(end),
    )
    assert one(db, "subscription_items")["current_period_end"] == ts(end)


def test_an_item_removed_from_the_subscription_is_marked_deleted(
    db: Conn, f: StripeFactory
) -> None:
    cus, monthly, yearly, meta = recurring_setup(f)
    addon = f.price(f.product("Addon")["id"], 500, recurring_interval="month")
    sub = f.subscription(cus["id"], [(monthly, 1), (addon, 2)], metadata=meta)
    send(db, f.event("customer.subscription.created", sub))
    assert len(rows(db, "subscription_items", deleted=False)) == 2
    f.tick(5)
    fewer = f._set(sub, items={**sub["items"], "data": sub["items"]["data"][:1]})
    send(db, f.event("customer.subscription.updated", fewer))
    removed = one(db, "subscription_items", stripe_price_id=addon["id"])
    assert removed["deleted"] is True
    assert one(db, "subscription_items", stripe_price_id=monthly["id"])["deleted"] is False
    assert yearly  # the catalog's other price is untouched


def test_subscription_subject_comes_from_the_customer_mapping(db: Conn, f: StripeFactory) -> None:
    cus = f.customer(metadata={"pgpay_subject_type": "workspace", "pgpay_subject_id": "w1"})
    _, monthly, _, _ = recurring_setup(f)
    sub = f.subscription(cus["id"], [(monthly, 1)], metadata={})
    send(db, f.event("customer.created", cus), f.event("customer.subscription.created", sub))
    row = one(db, "subscriptions")
    assert (row["subject_type"], row["subject_id"]) == ("workspace", "w1")


# ------------------------------------------------------------------------------ ledger


def test_unknown_event_type_is_ignored_and_changes_no_mirror_row(
    db: Conn, f: StripeFactory
) -> None:
    cus = f.customer()
    before = projection_state(db)
    event = f.event(
        "customer.tax_id.created", {"id": "txi_123", "object": "tax_id", "customer": cus["id"]}
    )
    assert ingest(db, event) == "ignored"
    after = projection_state(db)
    assert after["webhook_events"] == [
        {"environment": "test", "stripe_event_id": event["id"], "status": "ignored"}
    ]
    assert {k: v for k, v in after.items() if k != "webhook_events"} == {
        k: v for k, v in before.items() if k != "webhook_events"
    }
    assert ingest(db, event) == "duplicate"


def test_every_handled_event_is_ledgered_as_processed(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase("user", "u1", one_time)
    outcomes = ingest_all(db, events)
    expected = ["ignored" if e["type"] == "payment_intent.created" else "processed" for e in events]
    assert outcomes == expected
    ledger = {r["stripe_event_id"]: r for r in rows(db, "webhook_events")}
    assert set(ledger) == {e["id"] for e in events}
    for event in events:
        row = ledger[event["id"]]
        assert (row["type"], row["object_id"]) == (event["type"], event["data"]["object"]["id"])
        assert row["stripe_created"] == ts(event["created"])
        assert row["attempts"] == 1


# ------------------------------------------------------------------------------ customer mapping


def test_mapping_is_backfilled_onto_rows_that_arrived_first(db: Conn, f: StripeFactory) -> None:
    cus, monthly, _, meta = recurring_setup(f)
    # A subscription and its invoice arrive with no subject anywhere in them.
    sub = f.subscription(cus["id"], [(monthly, 1)], metadata={})
    inv = f.invoice(
        cus["id"], sub["id"], lines=[(monthly, 1)], billing_reason="subscription_create"
    )
    send(db, f.event("customer.subscription.created", sub), f.event("invoice.paid", inv))
    assert one(db, "payment_history")["subject_type"] is None
    session = f.checkout_session(
        "subscription",
        customer=cus["id"],
        line_items=[(monthly, 1)],
        metadata=meta,
        status="complete",
        payment_status="paid",
        subscription=sub["id"],
    )
    send(db, f.event("checkout.session.completed", session))
    assert mapping(db) == [("team", "t1", cus["id"])]
    payment = one(db, "payment_history")
    assert (payment["subject_type"], payment["subject_id"]) == ("team", "t1")
    s = one(db, "subscriptions")
    assert (s["subject_type"], s["subject_id"]) == ("team", "t1")


def completed_checkout(f: StripeFactory, customer: str, subject: tuple[str, str]) -> JSON:
    one_time = f.price(f.product("Pack")["id"], 1_000)
    session = f.checkout_session(
        "payment",
        customer=customer,
        line_items=[(one_time, 1)],
        metadata=f.subject_metadata(*subject),
        status="complete",
        payment_status="paid",
        payment_intent=f.new_id("pi"),
    )
    f.tick(1)
    return f.event("checkout.session.completed", session)


def test_a_second_subject_never_steals_a_mapped_customer(db: Conn, f: StripeFactory) -> None:
    cus = f.customer()
    send(db, completed_checkout(f, cus["id"], ("user", "u1")))
    send(db, completed_checkout(f, cus["id"], ("user", "u2")))
    sub = f.subscription(
        cus["id"],
        [(f.price(f.product("P")["id"], 1, recurring_interval="month"), 1)],
        metadata=f.subject_metadata("team", "t2"),
    )
    send(db, f.event("customer.subscription.created", sub))
    updated, previous = f.update(
        cus, metadata={"pgpay_subject_type": "team", "pgpay_subject_id": "t3"}
    )
    send(db, f.event("customer.updated", updated, previous))
    assert mapping(db) == [("user", "u1", cus["id"])]


def test_a_mapped_subject_keeps_its_first_customer(db: Conn, f: StripeFactory) -> None:
    first, second = f.customer(), f.customer()
    send(db, completed_checkout(f, first["id"], ("team", "t1")))
    send(db, completed_checkout(f, second["id"], ("team", "t1")))
    assert mapping(db) == [("team", "t1", first["id"])]
    # The second customer's own payment still names the subject stamped on it.
    assert {(r["stripe_customer_id"], r["subject_id"]) for r in history(db)} == {
        (first["id"], "t1"),
        (second["id"], "t1"),
    }


def test_an_expired_or_anonymous_checkout_maps_nothing(db: Conn, f: StripeFactory) -> None:
    _, one_time, _, _ = catalog_events(f)
    events = f.one_time_purchase(None, None, one_time, customer_email="anon@example.com")
    send(db, *[e for e in events if e["type"] != "payment_intent.created"])
    assert mapping(db) == []
    payment = one(db, "payment_history")
    assert (payment["status"], payment["subject_type"]) == ("succeeded", None)
