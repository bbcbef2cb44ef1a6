"""POST /api/payments/{environment}/checkout-sessions over HTTP, on real PostgreSQL and the
Stripe stand-in: validation, row-level security before Stripe, customers, metadata, idempotency
and orders."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from typing import Any

import pytest

from pgpay.runtime import parse_checkout
from pgpay.stripe_client import idempotency_key
from tests.runtime.conftest import (
    CANCEL_URL,
    STRIPE_CHECKOUT,
    STRIPE_CUSTOMERS,
    SUCCESS_URL,
    Catalog,
    RuntimeServer,
    Seed,
    make_token,
    one_time_body,
    subscription_body,
)

USER = "user-1"
OTHER = "user-2"
TEAM = "team-acme"


def session_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    session = response.json()["checkoutSession"]
    assert isinstance(session, dict)
    return session


# ----------------------------------------------------------------------------- anonymous


def test_anonymous_one_time_checkout_without_subject_opens_a_session(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    response = runtime_server.checkout(
        one_time_body(
            catalog.one_time,
            customer_email="buyer@example.com",
            metadata={"cart": "c-42"},
            line_items=[{"price": catalog.one_time, "quantity": 3}],
        )
    )
    session = session_of(response)
    assert session["status"] == "open"
    assert session["subject"] is None
    assert session["url"].startswith("https://checkout.stripe.com/")

    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
    row_id = session["id"]
    assert sent["mode"] == "payment"
    assert sent["line_items"] == [{"price": catalog.one_time, "quantity": "3"}]
    assert sent["success_url"] == SUCCESS_URL
    assert sent["cancel_url"] == CANCEL_URL
    assert sent["customer_email"] == "buyer@example.com"
    assert "customer" not in sent
    assert sent["metadata"] == {"cart": "c-42", "pgpay_checkout_session_id": row_id}
    assert sent["payment_intent_data"] == {"metadata": sent["metadata"]}
    assert "subscription_data" not in sent
    assert sent["client_reference_id"] == f"pgpay:{row_id}"
    assert runtime_server.stripe.count("POST", STRIPE_CUSTOMERS) == 0

    row = seed.checkout_row(row_id)
    assert row["status"] == "open"
    assert row["url"] == session["url"]
    assert row["stripe_checkout_session_id"] == session["stripeCheckoutSessionId"]
    assert row["created_by"] is None and row["subject_type"] is None
    assert row["amount_total"] == 3600 and row["currency"] == "usd"
    assert row["metadata"] == {"cart": "c-42"}


def test_anonymous_subscription_without_subject_is_400_and_stripe_is_not_called(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = one_time_body(catalog.monthly, mode="subscription")
    response = runtime_server.checkout(body)
    assert response.status_code == 400
    assert "subject" in response.json()["fields"]
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == []


@pytest.mark.parametrize(
    ("mode", "price"),
    [
        pytest.param("payment", "one_time", id="anonymous one-time checkout for a user subject"),
        pytest.param("subscription", "monthly", id="anonymous subscription for a user subject"),
    ],
)
def test_anonymous_caller_naming_a_subject_is_refused_by_the_database(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed, mode: str, price: str
) -> None:
    body = subscription_body(getattr(catalog, price), ("user", USER), mode=mode)
    response = runtime_server.checkout(body)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == []


def test_anon_role_token_is_treated_as_anonymous(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    token = make_token(sub=None, role="anon")
    assert session_of(runtime_server.checkout(one_time_body(catalog.one_time), token))
    subscription = subscription_body(catalog.monthly, ("user", USER))
    assert runtime_server.checkout(subscription, token).status_code == 403
    assert [r["created_by"] for r in seed.checkout_rows()] == [None]


# ----------------------------------------------------------------------------- validation

LONG_KEY = "k" * 41


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"line_items": []}, "line_items", id="no line items"),
        pytest.param({"line_items": None}, "line_items", id="line items missing"),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": 1}] * 101},
            "line_items",
            id="101 line items",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": 0}]},
            "line_items[0].quantity",
            id="quantity 0",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": -2}]},
            "line_items[0].quantity",
            id="negative quantity",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": 10_001}]},
            "line_items[0].quantity",
            id="quantity above 10000",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": "2"}]},
            "line_items[0].quantity",
            id="quantity as a string",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": 1.5}]},
            "line_items[0].quantity",
            id="fractional quantity",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": True}]},
            "line_items[0].quantity",
            id="boolean quantity",
        ),
        pytest.param({"line_items": [{"quantity": 1}]}, "line_items[0].price", id="no price"),
        pytest.param(
            {"line_items": [{"price": "price x'; --", "quantity": 1}]},
            "line_items[0].price",
            id="malformed price id",
        ),
        pytest.param(
            {"line_items": [{"price": "price_x", "quantity": 1, "amount": 1}]},
            "line_items[0]",
            id="unknown line item field",
        ),
        pytest.param({"success_url": None}, "success_url", id="success URL missing"),
        pytest.param({"success_url": "ftp://shop.example.com/"}, "success_url", id="ftp URL"),
        pytest.param({"success_url": "javascript:alert(1)"}, "success_url", id="javascript URL"),
        pytest.param({"success_url": "/relative/path"}, "success_url", id="relative URL"),
        pytest.param({"cancel_url": "https://"}, "cancel_url", id="URL without host"),
        pytest.param(
            {"cancel_url": "https://shop.example.com/" + "a" * 2048},
            "cancel_url",
            id="URL too long",
        ),
        pytest.param({"metadata": {"n": 1}}, "metadata.n", id="metadata number value"),
        pytest.param({"metadata": {"n": {"a": "b"}}}, "metadata.n", id="metadata object value"),
        pytest.param({"metadata": ["a"]}, "metadata", id="metadata not an object"),
        pytest.param(
            {"metadata": {"pgpay_subject_id": "someone"}},
            "metadata.pgpay_subject_id",
            id="reserved pgpay_ metadata key",
        ),
        pytest.param(
            {"metadata": {"PGPAY_order_id": "x"}},
            "metadata.PGPAY_order_id",
            id="reserved prefix in capitals",
        ),
        pytest.param(
            {"metadata": {"order_id": str(uuid.uuid4())}},
            "metadata.order_id",
            id="order_id metadata key",
        ),
        pytest.param({"metadata": {LONG_KEY: "v"}}, f"metadata.{LONG_KEY[:40]}", id="41-char key"),
        pytest.param({"metadata": {"k": "v" * 501}}, "metadata.k", id="501-char value"),
        pytest.param({"metadata": {"k": ""}}, "metadata.k", id="empty value"),
        pytest.param(
            {"metadata": {f"k{i}": "v" for i in range(47)}}, "metadata", id="47 metadata keys"
        ),
        pytest.param({"idempotency_key": "k" * 201}, "idempotency_key", id="key of 201 chars"),
        pytest.param({"idempotency_key": ""}, "idempotency_key", id="empty key"),
        pytest.param({"idempotency_key": 42}, "idempotency_key", id="numeric key"),
        pytest.param({"idempotency_key": "a\nb"}, "idempotency_key", id="control character"),
        pytest.param({"mode": "setup"}, "mode", id="setup mode"),
        pytest.param({"mode": None}, "mode", id="mode missing"),
        pytest.param({"customer_email": "not-an-email"}, "customer_email", id="bad email"),
        pytest.param({"order_id": "42"}, "order_id", id="order id not a uuid"),
        pytest.param({"subject": "user-1"}, "subject", id="subject not an object"),
        pytest.param(
            {"subject": {"type": "user", "id": "bad id!"}}, "subject.id", id="bad subject id"
        ),
        pytest.param(
            {"subject": {"type": "User", "id": "u"}}, "subject.type", id="bad subject type"
        ),
        pytest.param(
            {"subject": {"type": "planet", "id": "earth"}},
            "subject.type",
            id="unknown subject type",
        ),
        pytest.param({"lineItems": []}, "lineItems", id="unknown field"),
    ],
)
def test_invalid_requests_are_400_with_field_errors_and_never_reach_stripe(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed, change: dict[str, Any], field: str
) -> None:
    body = one_time_body(catalog.one_time, **change)
    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["statusCode"] == 400
    assert answer["error"] == "invalid_request"
    assert field in answer["fields"], answer
    assert field in answer["message"]
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == []


def test_all_field_errors_are_reported_at_once(runtime_server: RuntimeServer) -> None:
    response = runtime_server.checkout(
        {
            "mode": "subscription",
            "line_items": [{"price": "price_x", "quantity": 0}],
            "success_url": "nope",
            "metadata": {"pgpay_x": "y"},
        }
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "subject",
        "line_items[0].quantity",
        "success_url",
        "metadata.pgpay_x",
    }


def test_limits_are_inclusive(runtime_server: RuntimeServer, catalog: Catalog, seed: Seed) -> None:
    body = one_time_body(
        catalog.one_time,
        line_items=[{"price": catalog.one_time, "quantity": 10_000}]
        + [{"price": catalog.one_time_usd_500, "quantity": 1}] * 99,
        idempotency_key="k" * 200,
        metadata={f"k{i:02d}": "v" * 500 for i in range(46)},
    )
    session = session_of(runtime_server.checkout(body, make_token(USER)))
    assert len(runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params["line_items"]) == 100
    assert seed.checkout_row(session["id"])["idempotency_key"] == "k" * 200


def test_malformed_and_oversized_bodies_are_refused(runtime_server: RuntimeServer) -> None:
    url = "/api/payments/test/checkout-sessions"
    response = runtime_server.client.post(url, content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    response = runtime_server.client.post(url, content=b"[1, 2]")
    assert response.status_code == 400
    response = runtime_server.client.post(url, content=b'{"a": "' + b"x" * 70_000 + b'"}')
    assert response.status_code == 413
    assert runtime_server.stripe.count() == 0


# ----------------------------------------------------------------------------- subjects & RLS


def test_user_subscribes_for_itself_with_subject_stamped_everywhere(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = subscription_body(catalog.monthly, ("user", USER), customer_email="me@example.com")
    session = session_of(runtime_server.checkout(body, make_token(USER)))
    row_id = session["id"]
    assert session["subject"] == {"type": "user", "id": USER}

    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
    stamped = {
        "pgpay_subject_type": "user",
        "pgpay_subject_id": USER,
        "pgpay_checkout_session_id": row_id,
    }
    assert sent["mode"] == "subscription"
    assert sent["metadata"] == stamped
    assert sent["subscription_data"] == {"metadata": stamped}
    assert "payment_intent_data" not in sent
    assert sent["client_reference_id"] == f"user:{USER}:{row_id}"
    # No mapping yet: Stripe creates the customer at checkout; pgpay does not.
    assert sent["customer_email"] == "me@example.com"
    assert "customer" not in sent
    assert runtime_server.stripe.count("POST", STRIPE_CUSTOMERS) == 0
    assert seed.mappings() == []

    row = seed.checkout_row(row_id)
    assert (row["subject_type"], row["subject_id"], row["created_by"]) == ("user", USER, USER)
    assert row["status"] == "open"


def test_user_cannot_check_out_for_another_user(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    for body in (
        subscription_body(catalog.monthly, ("user", OTHER)),
        one_time_body(catalog.one_time, subject={"type": "user", "id": OTHER}),
    ):
        response = runtime_server.checkout(body, make_token(USER))
        assert response.status_code == 403, response.text
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == []


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        pytest.param("owner", True, id="a team owner may buy for the team"),
        pytest.param("admin", True, id="a team admin may buy for the team"),
        pytest.param("member", False, id="a plain team member may not buy for the team"),
        pytest.param(None, False, id="a stranger may not buy for the team"),
    ],
)
def test_group_subject_needs_a_billing_admin(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed, role: str | None, allowed: bool
) -> None:
    if role is not None:
        seed.member(TEAM, USER, role)
    seed.member(TEAM, "someone-else", "owner")
    response = runtime_server.checkout(
        subscription_body(catalog.monthly, ("team", TEAM)), make_token(USER)
    )
    if allowed:
        session = session_of(response)
        sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
        assert sent["metadata"]["pgpay_subject_type"] == "team"
        assert sent["metadata"]["pgpay_subject_id"] == TEAM
        assert sent["client_reference_id"] == f"team:{TEAM}:{session['id']}"
    else:
        assert response.status_code == 403
        assert runtime_server.stripe.count() == 0
        assert seed.checkout_rows() == []


def test_a_long_subject_id_keeps_client_reference_id_within_stripe_limits(
    runtime_server: RuntimeServer, catalog: Catalog
) -> None:
    user = "u" + "x" * 199
    session = session_of(
        runtime_server.checkout(
            subscription_body(catalog.monthly, ("user", user)), make_token(user)
        )
    )
    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
    assert sent["client_reference_id"] == f"pgpay:{session['id']}"
    assert sent["metadata"]["pgpay_subject_id"] == user


# ----------------------------------------------------------------------------- customers


def test_mapped_customer_is_used_and_no_email_or_new_customer_is_sent(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    customer = runtime_server.stripe.add_customer("old@example.com")["id"]
    seed.mapping("user", USER, customer)
    for body in (
        subscription_body(catalog.monthly, ("user", USER), customer_email="new@example.com"),
        one_time_body(catalog.one_time, subject={"type": "user", "id": USER}),
    ):
        session = session_of(runtime_server.checkout(body, make_token(USER)))
        sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
        assert sent["customer"] == customer
        assert "customer_email" not in sent
        assert seed.checkout_row(session["id"])["stripe_customer_id"] == customer
    assert runtime_server.stripe.count("POST", STRIPE_CUSTOMERS) == 0


def test_first_one_time_purchase_of_a_subject_creates_and_maps_a_customer(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = one_time_body(
        catalog.one_time,
        subject={"type": "user", "id": USER},
        customer_email="buyer@example.com",
    )
    session = session_of(runtime_server.checkout(body, make_token(USER)))
    created = runtime_server.stripe.last("POST", STRIPE_CUSTOMERS)
    assert created.params == {
        "email": "buyer@example.com",
        "metadata": {"pgpay_subject_type": "user", "pgpay_subject_id": USER},
    }
    assert created.idempotency_key == idempotency_key(
        "test", "customer", "user", USER, "buyer@example.com"
    )
    customer = runtime_server.stripe.objects("customer")[0]["id"]
    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
    assert sent["customer"] == customer
    assert "customer_email" not in sent
    [mapping] = seed.mappings()
    assert (mapping["subject_type"], mapping["subject_id"]) == ("user", USER)
    assert (mapping["stripe_customer_id"], mapping["source"]) == (customer, "runtime")
    assert seed.checkout_row(session["id"])["stripe_customer_id"] == customer

    # The next purchase uses the mapping.
    again = one_time_body(catalog.one_time_usd_500, subject={"type": "user", "id": USER})
    session_of(runtime_server.checkout(again, make_token(USER)))
    assert runtime_server.stripe.count("POST", STRIPE_CUSTOMERS) == 1
    assert runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params["customer"] == customer


def test_team_one_time_purchase_creates_a_customer_for_the_team(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    seed.member(TEAM, USER, "admin")
    body = one_time_body(catalog.one_time, subject={"type": "team", "id": TEAM})
    session_of(runtime_server.checkout(body, make_token(USER)))
    [mapping] = seed.mappings()
    assert (mapping["subject_type"], mapping["subject_id"]) == ("team", TEAM)
    assert "email" not in runtime_server.stripe.last("POST", STRIPE_CUSTOMERS).params


# ----------------------------------------------------------------------------- idempotency


def test_retry_with_the_same_key_returns_the_same_session_without_calling_stripe(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = subscription_body(catalog.monthly, ("user", USER), idempotency_key="cart-7")
    first = session_of(runtime_server.checkout(body, make_token(USER)))
    again = session_of(runtime_server.checkout(body, make_token(USER)))
    assert again["replayed"] is True and first["replayed"] is False
    assert {k: v for k, v in again.items() if k != "replayed"} == {
        k: v for k, v in first.items() if k != "replayed"
    }
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 1
    assert len(seed.checkout_rows()) == 1
    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT)
    assert sent.idempotency_key == idempotency_key("test", "checkout", USER, "cart-7")


def test_same_key_with_a_different_request_is_409(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = subscription_body(catalog.monthly, ("user", USER), idempotency_key="cart-8")
    session_of(runtime_server.checkout(body, make_token(USER)))
    changed = dict(body, metadata={"coupon": "x"})
    response = runtime_server.checkout(changed, make_token(USER))
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_key_reused"
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 1
    assert len(seed.checkout_rows()) == 1


def test_idempotency_keys_are_per_caller(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    mine = session_of(
        runtime_server.checkout(
            one_time_body(catalog.one_time, idempotency_key="same"), make_token(USER)
        )
    )
    theirs = session_of(
        runtime_server.checkout(
            one_time_body(catalog.one_time, idempotency_key="same"), make_token(OTHER)
        )
    )
    assert mine["id"] != theirs["id"]
    assert theirs["replayed"] is False
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 2
    keys = {r.idempotency_key for r in runtime_server.stripe.calls("POST", STRIPE_CHECKOUT)}
    assert len(keys) == 2


def test_a_denied_caller_learns_nothing_from_a_used_key(
    runtime_server: RuntimeServer, catalog: Catalog
) -> None:
    body = subscription_body(catalog.monthly, ("user", USER), idempotency_key="k1")
    session_of(runtime_server.checkout(body, make_token(USER)))
    # Anonymous, same key and body: refused by row-level security, not answered from the row.
    assert runtime_server.checkout(body).status_code == 403
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 1


def test_without_a_key_the_stripe_idempotency_key_comes_from_the_row(
    runtime_server: RuntimeServer, catalog: Catalog
) -> None:
    first = session_of(runtime_server.checkout(one_time_body(catalog.one_time)))
    second = session_of(runtime_server.checkout(one_time_body(catalog.one_time)))
    assert first["id"] != second["id"]
    calls = runtime_server.stripe.calls("POST", STRIPE_CHECKOUT)
    assert [c.idempotency_key for c in calls] == [
        idempotency_key("test", "checkout", first["id"]),
        idempotency_key("test", "checkout", second["id"]),
    ]


def test_concurrent_duplicates_call_stripe_once(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    runtime_server.stripe.fail_next(STRIPE_CHECKOUT, error_type=None, delay=1.5)
    body = one_time_body(catalog.one_time, idempotency_key="double-click")
    token = make_token(USER)

    def send() -> int:
        with runtime_server.client.__class__(base_url=runtime_server.url, timeout=60) as client:
            return client.post(
                "/api/payments/test/checkout-sessions",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            ).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(send)
        second = pool.submit(send)
        statuses = sorted([first.result(), second.result()])
    assert statuses == [200, 409]
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 1
    assert [r["status"] for r in seed.checkout_rows()] == ["open"]
    again = session_of(runtime_server.checkout(body, token))
    assert again["replayed"] is True


def test_an_abandoned_pending_row_is_taken_over_after_a_minute(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    body = one_time_body(catalog.one_time, idempotency_key="crashed")
    request_hash = parse_checkout(body).request_hash()
    row_id = str(uuid.uuid4())

    def pending_since(age: str) -> None:
        # Inserted, not updated: an UPDATE trigger keeps updated_at current.
        seed.db.execute("DELETE FROM payments.checkout_sessions WHERE id = %s", (row_id,))
        seed.db.execute(
            "INSERT INTO payments.checkout_sessions (id, environment, mode, created_by, "
            "idempotency_key, request_hash, updated_at) "
            "VALUES (%s, 'test', 'payment', %s, 'crashed', %s, now() - %s::interval)",
            (row_id, USER, request_hash, age),
        )

    pending_since("5 seconds")
    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == 409
    assert response.json()["error"] == "request_in_progress"
    assert runtime_server.stripe.count() == 0

    pending_since("2 minutes")
    session = session_of(runtime_server.checkout(body, make_token(USER)))
    assert session["id"] == row_id
    assert seed.checkout_row(row_id)["status"] == "open"


def test_a_request_taken_over_while_in_stripe_leaves_the_row_to_the_retry(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    """A request still waiting for Stripe past the stale limit is taken over by a retry. When its
    own call then fails, the row stays the retry's (pending), so a third request is told to wait
    instead of starting yet another Stripe call beside the retry's."""
    body = one_time_body(catalog.one_time, idempotency_key="slow-stripe")
    token = make_token(USER)
    # The first call fails after 2 s (not retried); the retry's is answered after 6 s.
    runtime_server.stripe.fail_next(
        STRIPE_CHECKOUT, error_type="invalid_request_error", status=400, delay=2.0
    )
    runtime_server.stripe.fail_next(STRIPE_CHECKOUT, error_type=None, delay=6.0)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(runtime_server.checkout, body, token)
        deadline = time.monotonic() + 5
        while not seed.checkout_rows() and time.monotonic() < deadline:
            time.sleep(0.05)
        (row,) = seed.checkout_rows()
        assert row["status"] == "pending"
        # The first request has been in Stripe "too long" (triggers off: keep the old time).
        seed.db.execute("SET session_replication_role = replica")
        seed.db.execute(
            "UPDATE payments.checkout_sessions SET updated_at = now() - interval '2 minutes'"
        )
        seed.db.execute("RESET session_replication_role")
        retry = pool.submit(runtime_server.checkout, body, token)
        assert first.result().status_code != 200  # its Stripe call failed
        assert seed.checkout_row(str(row["id"]))["status"] == "pending"  # the retry's
        third = runtime_server.checkout(body, token)
        assert third.status_code == 409 and third.json()["error"] == "request_in_progress"
        session = session_of(retry.result())
    assert session["id"] == str(row["id"])
    assert seed.checkout_row(session["id"])["status"] == "open"
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) == 2


# ----------------------------------------------------------------------------- orders


def test_order_id_links_the_order(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    order_id = seed.order(subject=("user", USER), created_by=USER)
    body = one_time_body(catalog.one_time, subject={"type": "user", "id": USER}, order_id=order_id)
    session = session_of(runtime_server.checkout(body, make_token(USER)))
    assert session["orderId"] == order_id
    assert seed.checkout_row(session["id"])["order_id"] == uuid.UUID(order_id)
    order = seed.order_row(order_id)
    assert order["stripe_checkout_session_id"] == session["stripeCheckoutSessionId"]
    assert order["status"] == "pending"
    sent = runtime_server.stripe.last("POST", STRIPE_CHECKOUT).params
    assert sent["metadata"]["pgpay_order_id"] == order_id
    assert sent["payment_intent_data"]["metadata"]["pgpay_order_id"] == order_id


def test_an_anonymous_order_can_be_paid_anonymously(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    order_id = seed.order()
    session = session_of(
        runtime_server.checkout(one_time_body(catalog.one_time, order_id=order_id))
    )
    linked = seed.order_row(order_id)["stripe_checkout_session_id"]
    assert linked == session["stripeCheckoutSessionId"]


@pytest.mark.parametrize(
    ("order", "status", "error"),
    [
        pytest.param({"missing": True}, 400, "invalid_request", id="no such order"),
        pytest.param({"environment": "live"}, 400, "invalid_request", id="order of live"),
        pytest.param({"status": "paid"}, 409, "order_not_pending", id="order already paid"),
        pytest.param({"subject": ("user", OTHER)}, 403, "forbidden", id="order of another subject"),
        pytest.param({"created_by": OTHER}, 403, "forbidden", id="order created by another user"),
    ],
)
def test_an_order_that_is_not_the_callers_to_pay_is_refused_before_stripe(
    runtime_server: RuntimeServer,
    catalog: Catalog,
    seed: Seed,
    order: dict[str, Any],
    status: int,
    error: str,
) -> None:
    order_id = str(uuid.uuid4()) if order.pop("missing", False) else seed.order(**order)
    body = one_time_body(catalog.one_time, order_id=order_id)
    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == []
