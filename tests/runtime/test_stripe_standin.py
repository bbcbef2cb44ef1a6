"""The Stripe stand-in, driven by the official `stripe` library: wire format, keys, idempotency,
pagination, filters, the endpoints pgpay uses, fault injection and the request log."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import stripe

from pgpay.testing.events import StripeFactory
from pgpay.testing.stripe_api import DEFAULT_TEST_KEY, StripeStandIn, decode_form


def client_for(standin: StripeStandIn, key: str | None = None) -> stripe.StripeClient:
    return stripe.StripeClient(
        key or standin.api_key, base_addresses={"api": standin.url}, max_network_retries=0
    )


@pytest.fixture
def client(pgpay_stripe: StripeStandIn) -> stripe.StripeClient:
    return client_for(pgpay_stripe)


# ----------------------------------------------------------------------------- wire format


def test_decode_form_builds_nested_objects_and_lists() -> None:
    pairs = [
        ("mode", "payment"),
        ("line_items[0][price]", "price_a"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][price]", "price_b"),
        ("metadata[0]", "digits stay keys"),
        ("metadata[k]", ""),
        ("subscription_data[metadata][a]", "b"),
        ("expand[]", "data.product"),
        ("expand[]", "customer"),
        ("created[gte]", "10"),
    ]
    assert decode_form(pairs) == {
        "mode": "payment",
        "line_items": [{"price": "price_a", "quantity": "2"}, {"price": "price_b"}],
        "metadata": {"0": "digits stay keys", "k": ""},
        "subscription_data": {"metadata": {"a": "b"}},
        "expand": ["data.product", "customer"],
        "created": {"gte": "10"},
    }


def test_unknown_parameters_are_refused_as_stripe_refuses_them(
    client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.create(params={"emial": "x@example.com"})  # type: ignore[typeddict-unknown-key]
    assert raised.value.param == "emial"
    assert raised.value.http_status == 400
    assert "unknown parameter" in str(raised.value.user_message)


def test_errors_have_stripes_shape(pgpay_stripe: StripeStandIn) -> None:
    response = httpx.get(
        f"{pgpay_stripe.url}/v1/customers/cus_missing",
        headers={"Authorization": f"Bearer {pgpay_stripe.api_key}"},
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "resource_missing"
    assert error["param"] == "id"
    assert error["message"] == "No such customer: 'cus_missing'"
    assert response.headers["request-id"].startswith("req_")


# ----------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("sk_test_unknownKey000000000000000", id="an unknown key"),
        pytest.param(DEFAULT_TEST_KEY + "x", id="a key with one character more"),
    ],
)
def test_an_invalid_key_is_401_and_not_echoed(pgpay_stripe: StripeStandIn, key: str) -> None:
    with pytest.raises(stripe.AuthenticationError) as raised:
        client_for(pgpay_stripe, key).v1.customers.list()
    assert raised.value.http_status == 401
    assert raised.value.error is not None
    assert raised.value.error.type == "authentication_error"
    assert key[8:] not in str(raised.value.json_body)
    assert pgpay_stripe.last().status == 401


def test_no_key_is_401(pgpay_stripe: StripeStandIn) -> None:
    response = httpx.get(f"{pgpay_stripe.url}/v1/customers")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_basic_auth_with_the_key_as_user_name_works(pgpay_stripe: StripeStandIn) -> None:
    response = httpx.get(f"{pgpay_stripe.url}/v1/account", auth=(pgpay_stripe.api_key, ""))
    assert response.status_code == 200
    assert response.json()["object"] == "account"


def test_objects_created_with_a_live_key_are_live(pgpay_stripe: StripeStandIn) -> None:
    live = client_for(pgpay_stripe, pgpay_stripe.live_api_key)
    assert live.v1.customers.create().livemode is True
    assert client_for(pgpay_stripe).v1.customers.create().livemode is False


# ----------------------------------------------------------------------------- idempotency


def test_idempotent_replay_and_mismatch(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    first = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
    )
    again = client.v1.customers.create(
        params={"email": "a@example.com"}, options={"idempotency_key": "k1"}
    )
    assert again.id == first.id
    assert len(pgpay_stripe.objects("customer")) == 1
    assert [r.replayed for r in pgpay_stripe.calls("POST", "/v1/customers")] == [False, True]
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(
            params={"email": "b@example.com"}, options={"idempotency_key": "k1"}
        )
    # Keys are per API key (account): the live key may reuse it.
    live = client_for(pgpay_stripe, pgpay_stripe.live_api_key)
    other = live.v1.customers.create(
        params={"email": "b@example.com"}, options={"idempotency_key": "k1"}
    )
    assert other.id != first.id


def test_errors_are_not_remembered_under_an_idempotency_key(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    pgpay_stripe.fail_next("/v1/customers", error_type="rate_limit_error")
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.create(options={"idempotency_key": "k2"})
    assert client.v1.customers.create(options={"idempotency_key": "k2"}).id


def test_a_kept_error_is_replayed_to_its_key_until_a_new_key(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    pgpay_stripe.fail_next("/v1/customers", error_type="api_error", kept=True, should_retry=False)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.customers.create(options={"idempotency_key": "k3"})
    assert pgpay_stripe.objects("customer") == []
    assert client.v1.customers.create(options={"idempotency_key": "k4"}).id
    calls = pgpay_stripe.calls("POST", "/v1/customers")
    assert [(c.idempotency_key, c.status, c.replayed) for c in calls] == [
        ("k3", 500, False),
        ("k3", 500, True),
        ("k4", 200, False),
    ]


# ----------------------------------------------------------------------------- lists


def test_pagination_is_newest_first_with_cursors(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    made = [
        pgpay_stripe.add_customer(f"c{i}@example.com", created=1_700_000_000 + i)["id"]
        for i in range(25)
    ]
    newest_first = list(reversed(made))
    page = client.v1.customers.list(params={"limit": 10})
    assert page.object == "list" and page.url == "/v1/customers"
    assert [c.id for c in page.data] == newest_first[:10]
    assert page.has_more is True
    page2 = client.v1.customers.list(params={"limit": 10, "starting_after": page.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[10:20]
    page3 = client.v1.customers.list(params={"limit": 10, "starting_after": page2.data[-1].id})
    assert [c.id for c in page3.data] == newest_first[20:]
    assert page3.has_more is False
    back = client.v1.customers.list(params={"limit": 5, "ending_before": page2.data[0].id})
    assert [c.id for c in back.data] == newest_first[5:10]
    assert back.has_more is True
    everything = [c.id for c in client.v1.customers.list(params={"limit": 7}).auto_paging_iter()]
    assert everything == newest_first
    assert client.v1.customers.list(params={"email": "c3@example.com"}).data[0].id == made[3]


@pytest.mark.parametrize("limit", [0, 101])
def test_limit_must_be_between_1_and_100(client: stripe.StripeClient, limit: int) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.customers.list(params={"limit": limit})
    assert raised.value.param == "limit"


def test_products_and_prices_with_filters_and_expand(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    product = pgpay_stripe.add_product("Pro", metadata={"entitlements": "pro"})
    archived = pgpay_stripe.add_product("Old", active=False)
    monthly = pgpay_stripe.add_price(product, unit_amount=1500, recurring="month")
    one_time = pgpay_stripe.add_price(product, unit_amount=9900)
    pgpay_stripe.add_price(archived, active=False)
    assert {p.id for p in client.v1.products.list().data} == {product["id"], archived["id"]}
    assert [p.id for p in client.v1.products.list(params={"active": True}).data] == [product["id"]]
    prices = client.v1.prices.list(params={"product": product["id"], "expand": ["data.product"]})
    assert {p.id for p in prices.data} == {monthly["id"], one_time["id"]}
    assert all(p.product.name == "Pro" for p in prices.data)
    recurring = client.v1.prices.list(params={"type": "recurring", "active": True})
    assert [p.id for p in recurring.data] == [monthly["id"]]
    assert recurring.data[0].recurring.interval == "month"


def test_subscriptions_leave_canceled_out_unless_status_all(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    customer = pgpay_stripe.add_customer()
    price = pgpay_stripe.add_price(recurring="month")
    active = pgpay_stripe.add_subscription(customer, price)
    canceled = pgpay_stripe.add_subscription(customer, price, status="canceled")
    trialing = pgpay_stripe.add_subscription(customer, price, status="trialing")
    assert {s.id for s in client.v1.subscriptions.list().data} == {active["id"], trialing["id"]}
    everything = client.v1.subscriptions.list(params={"status": "all"})
    assert {s.id for s in everything.data} == {active["id"], canceled["id"], trialing["id"]}
    only = client.v1.subscriptions.list(params={"status": "canceled"})
    assert [s.id for s in only.data] == [canceled["id"]]
    by_price = client.v1.subscriptions.list(params={"price": price["id"], "status": "all"})
    assert len(by_price.data) == 3
    item = everything.data[0]["items"].data[0]
    assert item.current_period_end > item.current_period_start


def test_events_filter_on_created_and_types(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    now = int(time.time())
    factory = StripeFactory(start=now - 10 * 86_400)
    customer = factory.customer(email="old@example.com")
    old = pgpay_stripe.add_event(factory.event("customer.created", customer))
    recent = pgpay_stripe.add_event("customer.updated", customer, created=now - 3600)
    invoice = {"id": "in_1", "object": "invoice"}
    other = pgpay_stripe.add_event("invoice.paid", invoice, created=now - 60)
    since = client.v1.events.list(params={"created": {"gte": now - 7200}})
    assert [e.id for e in since.data] == [other["id"], recent["id"]]
    typed = client.v1.events.list(params={"types": ["customer.created", "customer.updated"]})
    assert [e.id for e in typed.data] == [recent["id"], old["id"]]
    wildcard = client.v1.events.list(params={"type": "customer.*"})
    assert len(wildcard.data) == 2
    assert client.v1.events.retrieve(old["id"]).data.object.email == "old@example.com"


# ----------------------------------------------------------------------------- endpoints


def test_checkout_sessions_validate_like_stripe(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    one_time = pgpay_stripe.add_price(unit_amount=700)
    monthly = pgpay_stripe.add_price(recurring="month")
    base: dict[str, Any] = {"success_url": "https://shop.example.com/ok"}

    def refused(params: dict[str, Any]) -> stripe.InvalidRequestError:
        with pytest.raises(stripe.InvalidRequestError) as raised:
            client.v1.checkout.sessions.create(params={**base, **params})  # type: ignore[typeddict-item]
        return raised.value

    line = [{"price": one_time["id"], "quantity": 1}]
    recurring_line = [{"price": monthly["id"], "quantity": 1}]
    wrong_mode = refused({"mode": "payment", "line_items": recurring_line})
    assert wrong_mode.param == "line_items[0][price]"
    assert refused({"mode": "subscription", "line_items": line}).param == "line_items"
    missing = refused({"mode": "payment", "line_items": [{"price": "price_nope", "quantity": 1}]})
    assert missing.code == "resource_missing" and missing.http_status == 404
    both = refused(
        {
            "mode": "payment",
            "line_items": line,
            "customer": "cus_x",
            "customer_email": "a@example.com",
        }
    )
    assert both.param == "customer"
    misplaced = refused(
        {
            "mode": "subscription",
            "line_items": recurring_line,
            "payment_intent_data": {"metadata": {"a": "b"}},
        }
    )
    assert misplaced.param == "payment_intent_data"
    long_key = refused({"mode": "payment", "line_items": line, "metadata": {"k" * 41: "v"}})
    assert long_key.param == f"metadata[{'k' * 41}]"

    session = client.v1.checkout.sessions.create(
        params={**base, "mode": "payment", "line_items": [{"price": one_time["id"], "quantity": 3}]}
    )
    assert session.id.startswith("cs_test_")
    assert (session.amount_total, session.currency, session.status) == (2100, "usd", "open")
    assert client.v1.checkout.sessions.retrieve(session.id).url == session.url


def test_billing_portal_needs_an_existing_customer(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_nope"})
    assert raised.value.param == "customer"
    customer = pgpay_stripe.add_customer()
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer["id"], "return_url": "https://app.example.com"}
    )
    assert portal.object == "billing_portal.session"
    assert portal.return_url == "https://app.example.com"


def test_account(pgpay_stripe: StripeStandIn, client: stripe.StripeClient) -> None:
    account = client.v1.accounts.retrieve_current()
    assert account.id == pgpay_stripe.account["id"]
    assert account.object == "account"


def test_webhook_endpoints_show_the_secret_only_on_create(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    created = client.v1.webhook_endpoints.create(
        params={
            "url": "https://hooks.example.com/stripe",
            "enabled_events": ["checkout.session.completed", "invoice.paid"],
            "api_version": "2025-03-31.basil",
            "metadata": {"pgpay_managed": "true"},
        }
    )
    assert created.secret.startswith("whsec_")
    assert pgpay_stripe.webhook_secret(created.id) == created.secret
    fetched = client.v1.webhook_endpoints.retrieve(created.id)
    assert "secret" not in fetched
    assert fetched.api_version == "2025-03-31.basil"
    updated = client.v1.webhook_endpoints.update(
        created.id,
        params={"url": "https://hooks.example.com/v2", "enabled_events": ["*"]},
    )
    assert (updated.url, updated.enabled_events) == ("https://hooks.example.com/v2", ["*"])
    assert "secret" not in updated
    listed = client.v1.webhook_endpoints.list()
    assert [e.id for e in listed.data] == [created.id]
    assert "secret" not in listed.data[0]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.create(
            params={"url": "https://x.example.com", "enabled_events": ["not an event"]}
        )
    assert client.v1.webhook_endpoints.delete(created.id).deleted is True
    assert client.v1.webhook_endpoints.list().data == []


def test_put_stores_objects_built_by_the_event_factory(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    factory = StripeFactory()
    customer = pgpay_stripe.put(factory.customer(email="f@example.com"))
    assert client.v1.customers.retrieve(customer["id"]).email == "f@example.com"


# ----------------------------------------------------------------------------- faults & log


@pytest.mark.parametrize(
    ("error_type", "exception", "status"),
    [
        ("rate_limit_error", stripe.RateLimitError, 429),
        ("card_error", stripe.CardError, 402),
        ("api_error", stripe.APIError, 500),
        ("permission_error", stripe.PermissionError, 403),
        ("authentication_error", stripe.AuthenticationError, 401),
        ("invalid_request_error", stripe.InvalidRequestError, 400),
    ],
)
def test_injected_errors_have_stripes_status_and_type(
    pgpay_stripe: StripeStandIn,
    client: stripe.StripeClient,
    error_type: str,
    exception: type[stripe.StripeError],
    status: int,
) -> None:
    pgpay_stripe.fail_next("/v1/customers", error_type=error_type, code="some_code")
    with pytest.raises(exception) as raised:
        client.v1.customers.create()
    assert raised.value.http_status == status
    assert raised.value.error is not None and raised.value.error.type == error_type
    assert client.v1.customers.create().id  # only the next request failed
    assert [r.injected for r in pgpay_stripe.calls("POST", "/v1/customers")] == [True, False]


def test_faults_count_down_match_methods_and_prefixes(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    pgpay_stripe.fail_next("/v1/customers*", times=2, method="GET", error_type="api_error")
    client.v1.customers.create()  # a POST: not matched
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.customers.list()
    assert client.v1.customers.list().data
    pgpay_stripe.fail_next("/v1/account", times=None, error_type="api_error")
    for _ in range(3):
        with pytest.raises(stripe.APIError):
            client.v1.accounts.retrieve_current()
    pgpay_stripe.clear_faults()
    assert client.v1.accounts.retrieve_current().id


def test_a_dropped_connection_is_a_connection_error_and_retried_by_the_library(
    pgpay_stripe: StripeStandIn,
) -> None:
    pgpay_stripe.fail_next("/v1/customers", close_connection=True)
    with pytest.raises(stripe.APIConnectionError):
        client_for(pgpay_stripe).v1.customers.create()
    pgpay_stripe.fail_next("/v1/customers", close_connection=True)
    retrying = stripe.StripeClient(
        pgpay_stripe.api_key, base_addresses={"api": pgpay_stripe.url}, max_network_retries=1
    )
    customer = retrying.v1.customers.create(options={"idempotency_key": "once"})
    assert customer.id
    assert pgpay_stripe.count("POST", "/v1/customers") == 3
    assert len(pgpay_stripe.objects("customer")) == 1


def test_should_retry_false_stops_the_librarys_retries(pgpay_stripe: StripeStandIn) -> None:
    pgpay_stripe.fail_next("/v1/customers", times=None, error_type="api_error", should_retry=False)
    retrying = stripe.StripeClient(
        pgpay_stripe.api_key, base_addresses={"api": pgpay_stripe.url}, max_network_retries=2
    )
    with pytest.raises(stripe.APIError):
        retrying.v1.customers.create()
    assert pgpay_stripe.count("POST", "/v1/customers") == 1


def test_the_request_log_records_what_was_sent(
    pgpay_stripe: StripeStandIn, client: stripe.StripeClient
) -> None:
    client.v1.customers.create(
        params={"email": "x@example.com", "metadata": {"a": "b"}},
        options={"idempotency_key": "log-me"},
    )
    request = pgpay_stripe.last("POST", "/v1/customers")
    assert request.params == {"email": "x@example.com", "metadata": {"a": "b"}}
    assert request.idempotency_key == "log-me"
    assert request.status == 200
    assert "authorization" not in request.headers
    assert pgpay_stripe.api_key not in repr(request)
    assert pgpay_stripe.count("POST", "/v1/customers") == 1
    assert pgpay_stripe.count("GET") == 0
