"""The Stripe event builders and signer that the rest of the suite (and app developers) rely on.

These guard the test data itself: if the builders drift from Stripe's real shapes or the signer
from Stripe's scheme, every ingest test downstream would pass against fiction.
"""

from __future__ import annotations

import calendar
import json
import time
from typing import Any

import pytest
import stripe

from pgpay.testing.events import JSON, StripeFactory, add_interval, diff_attributes
from pgpay.testing.signing import (
    encode_event,
    sign_payload,
    signed_webhook,
    stripe_signature_headers,
)

OLD = "2024-06-20"
NEW = "2025-03-31.basil"
SECRET = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"

EVENT_KEYS = {
    "id",
    "object",
    "api_version",
    "created",
    "data",
    "livemode",
    "pending_webhooks",
    "request",
    "type",
}


def catalog(f: StripeFactory) -> tuple[JSON, JSON, JSON]:
    """A one-time credits price, a monthly and a yearly subscription price."""
    credits = f.product("Credits", metadata={"credits": "100"})
    pro = f.product("Pro", metadata={"entitlements": "pro"})
    one_time = f.price(credits["id"], 1_000)
    monthly = f.price(pro["id"], 2_000, recurring_interval="month")
    yearly = f.price(pro["id"], 20_000, recurring_interval="year")
    return one_time, monthly, yearly


def everything(f: StripeFactory) -> list[JSON]:
    """Every scenario helper, composed, in one timeline."""
    one_time, monthly, yearly = catalog(f)
    events = f.one_time_purchase("user", "u1", one_time, quantity=2)
    events += f.refund_events(amount=500)
    events += f.refund_events()
    events += f.one_time_purchase(None, None, one_time, async_payment=True, async_outcome="failed")
    events += f.one_time_purchase("team", "t1", one_time, async_payment=True)
    events += f.dispute_events(outcome="won")
    events += f.subscription_lifecycle(
        "team", "t1", monthly, quantity=3, trial_days=14, renewals=2, end="past_due_then_canceled"
    )
    events += f.subscription_lifecycle("user", "u2", monthly, renewals=1, end="active")
    sub = f.latest("subscription")
    events += f.plan_change(sub["id"], yearly)
    events += f.seat_change(sub, 5)
    events += f.subscription_lifecycle("user", "u3", monthly, renewals=0, end="canceled")
    events += f.expired_checkout("user", "u4", one_time)
    return events


def of_type(events: list[JSON], type_: str) -> list[JSON]:
    """The objects of the events of one type, in order."""
    objects: list[JSON] = [e["data"]["object"] for e in events if e["type"] == type_]
    return objects


# ------------------------------------------------------------------------------ shapes


@pytest.mark.parametrize(
    ("version", "new"),
    [
        ("2024-06-20", False),
        ("2025-02-24.acacia", False),
        ("2025-03-31.basil", True),
        ("2025-09-30.clover", True),
    ],
)
def test_is_new_shape_follows_the_api_version(version: str, new: bool) -> None:
    assert StripeFactory(api_version=version).is_new_shape is new


def test_new_shape_subscription_and_invoice() -> None:
    f = StripeFactory(api_version=NEW)
    _, monthly, _ = catalog(f)
    events = f.subscription_lifecycle("team", "t1", monthly, quantity=3, renewals=1, end="active")
    sub = f.latest("subscription")
    assert "current_period_start" not in sub
    assert "current_period_end" not in sub
    assert "plan" not in sub
    for item in sub["items"]["data"]:
        assert item["current_period_end"] > item["current_period_start"]

    paid = of_type(events, "invoice.paid")
    assert len(paid) == 2
    for inv in paid:
        for legacy in ("subscription", "payment_intent", "charge", "paid", "subscription_details"):
            assert legacy not in inv, legacy
        assert inv["parent"]["type"] == "subscription_details"
        assert inv["parent"]["subscription_details"]["subscription"] == sub["id"]
        assert inv["parent"]["subscription_details"]["metadata"] == sub["metadata"]
        (payment,) = inv["payments"]["data"]
        assert payment["object"] == "invoice_payment"
        assert payment["id"].startswith("inpay_")
        assert payment["status"] == "paid"
        assert payment["is_default"] is True
        assert payment["amount_paid"] == inv["amount_paid"] == 6_000
        assert payment["payment"]["type"] == "payment_intent"
        pi = f.payment_intents[payment["payment"]["payment_intent"]]
        assert pi["status"] == "succeeded"
        assert "invoice" not in pi
        assert "invoice" not in f.charges[pi["latest_charge"]]
        (line,) = inv["lines"]["data"]
        assert "price" not in line
        assert "type" not in line
        assert line["pricing"]["price_details"] == {
            "price": monthly["id"],
            "product": monthly["product"],
        }
        details = line["parent"]["subscription_item_details"]
        assert details["subscription"] == sub["id"]
        assert details["subscription_item"] == sub["items"]["data"][0]["id"]

    # The renewal invoice bills the period the subscription items just entered.
    renewal = paid[-1]
    item = sub["items"]["data"][0]
    assert renewal["lines"]["data"][0]["period"] == {
        "start": item["current_period_start"],
        "end": item["current_period_end"],
    }


def test_old_shape_subscription_and_invoice() -> None:
    f = StripeFactory(api_version=OLD)
    _, monthly, _ = catalog(f)
    events = f.subscription_lifecycle("team", "t1", monthly, quantity=3, renewals=1, end="active")
    sub = f.latest("subscription")
    assert sub["current_period_end"] > sub["current_period_start"]
    assert sub["plan"]["id"] == monthly["id"]
    assert sub["quantity"] == 3
    for item in sub["items"]["data"]:
        assert "current_period_start" not in item
        assert "current_period_end" not in item

    paid = of_type(events, "invoice.paid")
    assert len(paid) == 2
    for inv in paid:
        assert "parent" not in inv
        assert "payments" not in inv
        assert inv["subscription"] == sub["id"]
        assert inv["subscription_details"] == {"metadata": sub["metadata"]}
        assert inv["paid"] is True
        pi = f.payment_intents[inv["payment_intent"]]
        assert pi["invoice"] == inv["id"]
        assert inv["charge"] == pi["latest_charge"]
        (line,) = inv["lines"]["data"]
        assert line["type"] == "subscription"
        assert line["price"]["id"] == monthly["id"]
        assert line["subscription_item"] == sub["items"]["data"][0]["id"]
        assert "pricing" not in line


def test_invoice_payments_can_be_left_out_as_stripe_does_unless_expanded() -> None:
    f = StripeFactory(api_version=NEW)
    f.include_invoice_payments = False
    _, monthly, _ = catalog(f)
    events = f.subscription_lifecycle("user", "u1", monthly, renewals=0, end="active")
    assert all("payments" not in inv for inv in of_type(events, "invoice.paid"))


def test_checkout_line_items_stay_out_of_webhooks_unless_expanded() -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    events = f.one_time_purchase("user", "u1", one_time, quantity=2)
    (session,) = of_type(events, "checkout.session.completed")
    assert "line_items" not in session
    items = f.checkout_line_items[session["id"]]["data"]
    assert [(i["price"]["id"], i["quantity"]) for i in items] == [(one_time["id"], 2)]
    expanded = f.checkout_session("payment", line_items=[(one_time, 1)], include_line_items=True)
    assert expanded["line_items"]["data"][0]["price"]["id"] == one_time["id"]


# ------------------------------------------------------------------------------ ids and time


def test_same_seed_gives_the_same_events_and_another_seed_does_not() -> None:
    first = everything(StripeFactory(seed=7))
    again = everything(StripeFactory(seed=7))
    other = everything(StripeFactory(seed=8))
    assert first == again
    assert [e["id"] for e in first] != [e["id"] for e in other]
    assert not {e["id"] for e in first} & {e["id"] for e in other}


@pytest.mark.parametrize("version", [OLD, NEW])
def test_ids_are_unique_and_prefixed(version: str) -> None:
    f = StripeFactory(api_version=version)
    events = everything(f)
    event_ids = [e["id"] for e in events]
    assert len(set(event_ids)) == len(event_ids)
    assert all(i.startswith("evt_") for i in event_ids)
    prefixes = {
        "customers": "cus_",
        "products": "prod_",
        "prices": "price_",
        "checkout_sessions": "cs_test_",
        "payment_intents": "pi_",
        "charges": "ch_",
        "refunds": "re_",
        "disputes": "dp_",
        "subscriptions": "sub_",
        "invoices": "in_",
    }
    seen: list[str] = []
    for store, prefix in prefixes.items():
        ids = list(getattr(f, store))
        assert ids, f"no {store} were built"
        assert all(i.startswith(prefix) for i in ids), store
        seen += ids
    items = [it["id"] for s in f.subscriptions.values() for it in s["items"]["data"]]
    assert all(i.startswith("si_") for i in items)
    seen += items
    assert len(set(seen)) == len(seen)


def test_livemode_reaches_ids_objects_and_events() -> None:
    f = StripeFactory(livemode=True)
    one_time, _, _ = catalog(f)
    events = f.one_time_purchase("user", "u1", one_time)
    assert all(e["livemode"] is True for e in events)
    assert all(e["data"]["object"]["livemode"] is True for e in events)
    assert f.latest("checkout.session")["id"].startswith("cs_live_")


@pytest.mark.parametrize("version", [OLD, NEW])
def test_events_are_json_and_stripe_shaped(version: str) -> None:
    f = StripeFactory(api_version=version)
    events = everything(f)
    assert json.loads(json.dumps(events)) == events  # no tuples, sets or other non-JSON values
    for e in events:
        assert set(e) == EVENT_KEYS
        assert e["object"] == "event"
        assert e["api_version"] == version
        assert e["pending_webhooks"] == 1
        assert e["request"] == {"id": None, "idempotency_key": None}
        assert e["data"]["object"]["created"] <= e["created"]
        assert ("previous_attributes" in e["data"]) == e["type"].endswith(".updated"), e["type"]
        parsed = stripe.Event.construct_from(json.loads(encode_event(e)), "sk_test_x")
        assert parsed.type == e["type"]
        assert parsed.data.object.id == e["data"]["object"]["id"]


@pytest.mark.parametrize("version", [OLD, NEW])
@pytest.mark.parametrize(
    "scenario",
    [
        "purchase",
        "async_purchase",
        "refunds",
        "dispute",
        "trial_lifecycle",
        "past_due",
        "cancel",
        "changes",
    ],
)
def test_time_never_goes_backwards_within_a_scenario(version: str, scenario: str) -> None:
    f = StripeFactory(api_version=version, start=1_700_000_000)
    one_time, monthly, yearly = catalog(f)
    runs = {
        "purchase": lambda: f.one_time_purchase("user", "u1", one_time),
        "async_purchase": lambda: f.one_time_purchase(
            "user", "u1", one_time, async_payment=True, async_outcome="failed"
        ),
        "refunds": lambda: (
            f.one_time_purchase("user", "u1", one_time)
            + f.refund_events(amount=100)
            + f.refund_events()
        ),
        "dispute": lambda: f.one_time_purchase("user", "u1", one_time) + f.dispute_events(),
        "trial_lifecycle": lambda: f.subscription_lifecycle(
            "user", "u1", monthly, trial_days=7, renewals=3, end="canceled"
        ),
        "past_due": lambda: f.subscription_lifecycle(
            "team", "t1", monthly, renewals=1, end="past_due_then_canceled"
        ),
        "cancel": lambda: f.subscription_lifecycle("user", "u1", yearly, renewals=0),
        "changes": lambda: (
            f.subscription_lifecycle("team", "t1", monthly, end="active")
            + f.seat_change(f.latest("subscription"), 4)
            + f.plan_change(f.latest("subscription"), yearly)
        ),
    }
    events = runs[scenario]()
    created = [e["created"] for e in events]
    assert created == sorted(created)
    assert created[0] >= 1_700_000_000
    assert f.now >= created[-1]


def test_clock() -> None:
    f = StripeFactory(start=100)
    assert f.tick() == 101
    assert f.tick(59) == 160
    assert f.advance_to(50) == 160
    with pytest.raises(ValueError, match="backwards"):
        f.tick(-1)
    assert f.event("ping", f.customer())["created"] == 160
    assert f.event("ping", f.customer(), created=5)["created"] == 5


def test_event_deep_copies_its_object() -> None:
    f = StripeFactory()
    customer = f.customer(email="a@example.com", metadata={"k": "v"})
    event = f.event("customer.created", customer)
    customer["metadata"]["k"] = "changed"
    assert event["data"]["object"]["metadata"] == {"k": "v"}


# ------------------------------------------------------------------------------ scenarios


@pytest.mark.parametrize("version", [OLD, NEW])
def test_purchase_stamps_the_subject_and_refunds_reuse_its_charge(version: str) -> None:
    f = StripeFactory(api_version=version)
    one_time, _, _ = catalog(f)
    events = f.one_time_purchase("user", "u1", one_time, quantity=2)
    assert [e["type"] for e in events] == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "checkout.session.completed",
    ]
    (session,) = of_type(events, "checkout.session.completed")
    assert session["mode"] == "payment"
    assert session["status"] == "complete"
    assert session["payment_status"] == "paid"
    assert session["amount_total"] == 2_000
    assert session["client_reference_id"] == "user:u1"
    meta = session["metadata"]
    assert meta["pgpay_subject_type"] == "user"
    assert meta["pgpay_subject_id"] == "u1"
    assert len(meta["pgpay_checkout_session_id"]) == 36
    (pi,) = of_type(events, "payment_intent.succeeded")
    assert session["payment_intent"] == pi["id"]
    assert pi["metadata"] == meta
    (charge,) = of_type(events, "charge.succeeded")
    assert pi["latest_charge"] == charge["id"]
    assert charge["payment_intent"] == pi["id"]

    partial = f.refund_events(amount=500)
    assert [e["type"] for e in partial] == [
        "charge.refunded",
        "refund.created",
        "charge.refund.updated",
        "refund.updated",
    ]
    (refunded,) = of_type(partial, "charge.refunded")
    (refund,) = of_type(partial, "refund.created")
    assert refunded["id"] == charge["id"]
    assert (refunded["amount_refunded"], refunded["refunded"]) == (500, False)
    assert (refund["charge"], refund["payment_intent"]) == (charge["id"], pi["id"])
    assert refund["amount"] == 500

    rest = f.refund_events()
    (refunded,) = of_type(rest, "charge.refunded")
    assert (refunded["amount_refunded"], refunded["refunded"]) == (2_000, True)
    assert of_type(rest, "refund.created")[0]["amount"] == 1_500
    assert len(f.refunds) == 2
    with pytest.raises(ValueError, match="refund amount"):
        f.refund_events(amount=1)


def test_anonymous_purchase_has_no_subject_or_customer() -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    events = f.one_time_purchase(None, None, one_time, customer_email="anon@example.com")
    assert "customer.created" not in [e["type"] for e in events]
    (session,) = of_type(events, "checkout.session.completed")
    assert session["customer"] is None
    assert session["client_reference_id"] is None
    assert set(session["metadata"]) == {"pgpay_checkout_session_id"}
    assert session["customer_details"]["email"] == "anon@example.com"


@pytest.mark.parametrize(
    ("outcome", "tail", "final_status"),
    [
        (
            "succeeded",
            [
                "charge.succeeded",
                "payment_intent.succeeded",
                "checkout.session.async_payment_succeeded",
            ],
            "paid",
        ),
        (
            "failed",
            [
                "charge.failed",
                "payment_intent.payment_failed",
                "checkout.session.async_payment_failed",
            ],
            "unpaid",
        ),
    ],
)
def test_async_purchase(outcome: Any, tail: list[str], final_status: str) -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    events = f.one_time_purchase("user", "u1", one_time, async_payment=True, async_outcome=outcome)
    types = [e["type"] for e in events]
    assert types[-3:] == tail
    completed = events[types.index("checkout.session.completed")]["data"]["object"]
    assert completed["payment_status"] == "unpaid"
    assert completed["status"] == "complete"
    assert events[-1]["data"]["object"]["payment_status"] == final_status
    assert events[-1]["created"] - completed["created"] >= 86_400


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_dispute_events(outcome: Any) -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    f.one_time_purchase("user", "u1", one_time)
    charge = f.latest("charge")
    events = f.dispute_events(outcome=outcome)
    expected = [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
    ]
    if outcome == "won":
        expected.append("charge.dispute.funds_reinstated")
    assert [e["type"] for e in events] == expected
    disputes = [e["data"]["object"] for e in events]
    assert disputes[0]["status"] == "needs_response"
    assert disputes[0]["id"].startswith("dp_")
    assert {d["id"] for d in disputes} == {disputes[0]["id"]}
    assert all(d["charge"] == charge["id"] for d in disputes)
    assert all(d["payment_intent"] == charge["payment_intent"] for d in disputes)
    assert disputes[2]["status"] == "under_review"
    assert events[2]["data"]["previous_attributes"]["status"] == "needs_response"
    assert disputes[3]["status"] == outcome
    assert f.charges[charge["id"]]["disputed"] is True
    net = sum(bt["amount"] for bt in disputes[-1]["balance_transactions"])
    assert net == (0 if outcome == "won" else -charge["amount"])


@pytest.mark.parametrize("version", [OLD, NEW])
def test_subscription_lifecycle_with_trial_then_cancel(version: str) -> None:
    f = StripeFactory(api_version=version)
    _, monthly, _ = catalog(f)
    events = f.subscription_lifecycle(
        "team", "t1", monthly, quantity=2, trial_days=14, renewals=2, end="canceled"
    )
    types = [e["type"] for e in events]
    assert types[:2] == ["customer.created", "customer.subscription.created"]
    assert types[-1] == "customer.subscription.deleted"
    assert "customer.subscription.trial_will_end" in types
    (session,) = of_type(events, "checkout.session.completed")
    created = of_type(events, "customer.subscription.created")[0]
    assert created["status"] == "trialing"
    assert created["trial_end"] - created["trial_start"] == 14 * 86_400
    assert session["mode"] == "subscription"
    assert session["payment_status"] == "no_payment_required"
    assert session["subscription"] == created["id"]
    assert session["client_reference_id"] == "team:t1"
    assert created["metadata"] == session["metadata"]
    paid = of_type(events, "invoice.paid")
    assert [i["amount_paid"] for i in paid] == [0, 4_000, 4_000]
    assert [i["billing_reason"] for i in paid] == [
        "subscription_create",
        "subscription_cycle",
        "subscription_cycle",
    ]
    updates = [e for e in events if e["type"] == "customer.subscription.updated"]
    assert updates[0]["data"]["object"]["status"] == "active"
    assert updates[0]["data"]["previous_attributes"]["status"] == "trialing"
    cancel = updates[-1]
    assert cancel["data"]["object"]["cancel_at_period_end"] is True
    assert cancel["data"]["previous_attributes"]["cancel_at_period_end"] is False
    deleted = events[-1]["data"]["object"]
    assert deleted["status"] == "canceled"
    assert deleted["ended_at"] == deleted["cancel_at"] == events[-1]["created"]


@pytest.mark.parametrize("version", [OLD, NEW])
def test_subscription_lifecycle_past_due_then_canceled(version: str) -> None:
    f = StripeFactory(api_version=version)
    _, monthly, _ = catalog(f)
    events = f.subscription_lifecycle(
        "user", "u1", monthly, renewals=1, end="past_due_then_canceled"
    )
    created = of_type(events, "customer.subscription.created")[0]
    assert created["status"] == "incomplete"
    statuses = [s["status"] for s in of_type(events, "customer.subscription.updated")]
    assert statuses == ["active", "active", "active", "past_due"]
    assert len(of_type(events, "invoice.paid")) == 2
    failed = of_type(events, "invoice.payment_failed")
    assert [i["attempt_count"] for i in failed] == [1, 2]
    assert {i["id"] for i in failed} == {f.latest("subscription")["latest_invoice"]}
    assert all(i["status"] == "open" and i["amount_remaining"] == 2_000 for i in failed)
    deleted = events[-1]
    assert deleted["type"] == "customer.subscription.deleted"
    assert deleted["data"]["object"]["cancellation_details"]["reason"] == "payment_failed"


def test_renewal_reports_the_old_period_in_previous_attributes() -> None:
    for version in (OLD, NEW):
        f = StripeFactory(api_version=version)
        _, monthly, _ = catalog(f)
        events = f.subscription_lifecycle("user", "u1", monthly, renewals=1, end="active")
        renewal = [e for e in events if e["type"] == "customer.subscription.updated"][-1]
        previous = renewal["data"]["previous_attributes"]
        sub = renewal["data"]["object"]
        if version == NEW:
            old_item = previous["items"]["data"][0]
            new_item = sub["items"]["data"][0]
            assert old_item["current_period_end"] == new_item["current_period_start"]
            assert "current_period_end" not in previous
        else:
            assert previous["current_period_end"] == sub["current_period_start"]
            assert "items" not in previous
        assert previous["latest_invoice"] != sub["latest_invoice"]


@pytest.mark.parametrize("version", [OLD, NEW])
def test_plan_and_seat_changes_report_previous_attributes(version: str) -> None:
    f = StripeFactory(api_version=version)
    _, monthly, yearly = catalog(f)
    f.subscription_lifecycle("team", "t1", monthly, quantity=3, end="active")
    sub = f.latest("subscription")
    item_id = sub["items"]["data"][0]["id"]

    (change,) = f.plan_change(sub["id"], yearly)
    assert change["type"] == "customer.subscription.updated"
    new_item = change["data"]["object"]["items"]["data"][0]
    assert (new_item["id"], new_item["price"]["id"], new_item["quantity"]) == (
        item_id,
        yearly["id"],
        3,
    )
    previous = change["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["price"]["id"] == monthly["id"]

    (seats,) = f.seat_change(sub["id"], 5)
    assert seats["data"]["object"]["items"]["data"][0]["quantity"] == 5
    assert seats["data"]["previous_attributes"]["items"]["data"][0]["quantity"] == 3
    if version == OLD:
        assert previous["plan"]["id"] == monthly["id"]
        assert seats["data"]["previous_attributes"]["quantity"] == 3
    else:
        assert "plan" not in previous
    assert f.subscriptions[sub["id"]]["items"]["data"][0]["quantity"] == 5


def test_expired_checkout() -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    (event,) = f.expired_checkout("user", "u1", one_time)
    session = event["data"]["object"]
    assert event["type"] == "checkout.session.expired"
    assert (session["status"], session["payment_status"], session["url"]) == (
        "expired",
        "unpaid",
        None,
    )
    assert event["created"] == session["expires_at"]


# ------------------------------------------------------------------------------ helpers


def test_diff_attributes_reports_only_what_changed() -> None:
    old = {"status": "active", "metadata": {"a": "1", "b": "2"}, "items": [1], "same": 1}
    new = {
        "status": "past_due",
        "metadata": {"a": "1", "b": "3", "c": "4"},
        "items": [2],
        "same": 1,
    }
    assert diff_attributes(old, new) == {
        "status": "active",
        "metadata": {"b": "2", "c": None},
        "items": [1],
    }


def test_update_returns_the_new_state_and_previous_attributes() -> None:
    f = StripeFactory()
    customer = f.customer(email="old@example.com")
    new, previous = f.update(customer, email="new@example.com")
    assert previous == {"email": "old@example.com"}
    assert f.customers[customer["id"]] is new
    assert customer["email"] == "old@example.com"


@pytest.mark.parametrize(
    ("start", "interval", "count", "expected"),
    [
        ("2024-01-31", "month", 1, "2024-02-29"),
        ("2024-01-31", "month", 2, "2024-03-31"),
        ("2024-02-29", "year", 1, "2025-02-28"),
        ("2024-12-15", "month", 1, "2025-01-15"),
        ("2024-12-15", "week", 2, "2024-12-29"),
    ],
)
def test_add_interval(start: str, interval: str, count: int, expected: str) -> None:
    def ts(day: str) -> int:
        return calendar.timegm(time.strptime(day, "%Y-%m-%d"))

    assert add_interval(ts(start), interval, count) == ts(expected)


# ------------------------------------------------------------------------------ signing


def test_signature_verifies_with_the_stripe_library() -> None:
    f = StripeFactory()
    one_time, _, _ = catalog(f)
    event = f.one_time_purchase("user", "u1", one_time)[-1]
    body, headers = signed_webhook(event, SECRET)
    header = headers["Stripe-Signature"]
    assert header.startswith("t=")
    assert stripe.WebhookSignature.verify_header(body.decode(), header, SECRET, tolerance=300)
    parsed = stripe.Webhook.construct_event(body.decode(), header, SECRET)
    assert (parsed.id, parsed.type) == (event["id"], "checkout.session.completed")


def test_signature_matches_stripes_own_signer() -> None:
    payload = '{"id": "evt_1", "object": "event"}'
    ours = sign_payload(payload.encode(), SECRET, timestamp=1_760_000_000)
    theirs = stripe.WebhookSignature.generate_signature_header(
        payload, SECRET, timestamp=1_760_000_000
    )
    assert ours == theirs


def test_tampered_or_foreign_payloads_do_not_verify() -> None:
    body = encode_event({"id": "evt_1", "object": "event", "data": {"object": {"amount": 100}}})
    header = sign_payload(body, SECRET)
    tampered = body.replace(b'"amount": 100', b'"amount": 900')
    assert tampered != body
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(tampered.decode(), header, SECRET, tolerance=300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(body.decode(), header, "whsec_other", tolerance=300)
    stale = sign_payload(body, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(body.decode(), stale, SECRET, tolerance=300)


def test_rotation_signs_with_every_secret() -> None:
    body = b'{"id": "evt_1"}'
    header = sign_payload(body, [SECRET, "whsec_previous"])
    assert header.count("v1=") == 2
    for secret in (SECRET, "whsec_previous"):
        assert stripe.WebhookSignature.verify_header(body.decode(), header, secret, tolerance=300)
    with pytest.raises(ValueError, match="at least one"):
        sign_payload(body, [])


def test_headers_look_like_a_stripe_delivery() -> None:
    headers = stripe_signature_headers(b"{}", SECRET, timestamp=1_760_000_000)
    assert headers["Stripe-Signature"].startswith("t=1760000000,v1=")
    assert headers["Content-Type"].startswith("application/json")
    assert headers["User-Agent"].startswith("Stripe/")
