"""POST /webhooks/stripe/{environment} over real HTTP: what is answered, and what is stored.

Every refused delivery answers its status with a JSON error body and stores nothing, in the
ledger or anywhere else; accepted deliveries are stored exactly once however often they arrive.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest

from pgpay.config import Settings
from pgpay.ingest import MAX_BODY_BYTES
from pgpay.testing.events import JSON, StripeFactory
from pgpay.testing.signing import encode_event, sign_payload

from .conftest import WEBHOOK_PREVIOUS_SECRET, WEBHOOK_SECRET, ServeFactory, WebhookServer

Send = Callable[..., httpx.Response]
Counts = Callable[[], dict[str, int]]

LIVE_SECRET = "whsec_pgpayLiveSigningSecretForTests00000000"


def customer_created(factory: StripeFactory, **kwargs: Any) -> JSON:
    return factory.event("customer.created", factory.customer(**kwargs))


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    """`status`, and the JSON error body every refusal carries."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "statusCode"}, body
    assert body["statusCode"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error"] == code, body


def assert_nothing_stored(counts: dict[str, int]) -> None:
    assert counts == dict.fromkeys(counts, 0)


def ok_outcome(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["received"] is True
    return str(body["outcome"])


# ------------------------------------------------------------------------------ refusals


def _padded(event: JSON, size: int) -> JSON:
    """`event` with customer metadata grown until its encoded body exceeds `size` bytes."""
    big = copy.deepcopy(event)
    metadata = big["data"]["object"].setdefault("metadata", {})
    metadata["padding"] = "x" * size
    return big


def _tampered(server: WebhookServer, event: JSON) -> httpx.Response:
    body = encode_event(event)
    signature = sign_payload(body, WEBHOOK_SECRET)
    changed = body.replace(b'"customer.created"', b'"customer.updated"')
    assert changed != body
    return server.send(changed, headers={"Stripe-Signature": signature})


def _chunked_oversize(server: WebhookServer, event: JSON) -> httpx.Response:
    """An oversize body streamed without Content-Length (chunked), validly signed."""
    body = encode_event(_padded(event, MAX_BODY_BYTES))
    signature = sign_payload(body, WEBHOOK_SECRET)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    return server.client.post(
        "/webhooks/stripe/test",
        content=chunks(),
        headers={"Content-Type": "application/json", "Stripe-Signature": signature},
    )


def _without(event: JSON, key: str) -> bytes:
    changed = copy.deepcopy(event)
    del changed[key]
    return encode_event(changed)


def _with(event: JSON, **changes: Any) -> bytes:
    changed = copy.deepcopy(event)
    changed.update(changes)
    return encode_event(changed)


# Each case: (id, expected status, expected error code or None, how to deliver the event).
Deliver = Callable[[WebhookServer, JSON], httpx.Response]
REFUSALS: list[tuple[str, int, str | None, Deliver]] = [
    ("no-signature", 400, "missing_signature", lambda server, ev: server.send(ev, secret=None)),
    (
        "empty-signature",
        400,
        "missing_signature",
        lambda server, ev: server.send(ev, headers={"Stripe-Signature": ""}),
    ),
    (
        "unknown-secret",
        400,
        "bad_signature",
        lambda server, ev: server.send(ev, secret="whsec_someoneElse"),
    ),
    (
        "garbled-signature",
        400,
        "bad_signature",
        lambda server, ev: server.send(ev, headers={"Stripe-Signature": "garbage"}),
    ),
    (
        "v0-scheme-only",
        400,
        "bad_signature",
        lambda server, ev: server.send(
            ev,
            headers={
                "Stripe-Signature": sign_payload(encode_event(ev), WEBHOOK_SECRET).replace(
                    "v1=", "v0="
                )
            },
        ),
    ),
    ("body-changed-after-signing", 400, "bad_signature", _tampered),
    (
        "stale-timestamp",
        400,
        "bad_signature",
        lambda server, ev: server.send(ev, timestamp=int(time.time()) - 301),
    ),
    (
        "malformed-json",
        400,
        "malformed_json",
        lambda server, ev: server.send(encode_event(ev)[:-10]),
    ),
    (
        # JSON has no NaN (Python's json reads it; PostgreSQL's jsonb, and pgpay, refuse it)
        "nan-number",
        400,
        "malformed_json",
        lambda server, ev: server.send(
            encode_event(ev).replace(b'"livemode"', b'"x": NaN, "livemode"')
        ),
    ),
    (
        "not-utf8",
        400,
        None,
        lambda server, ev: server.send(
            encode_event(ev).replace(b"customer.created", b"customer.cr\xe9ated")
        ),
    ),
    ("json-array", 400, "not_an_event", lambda server, ev: server.send(json.dumps([ev]).encode())),
    ("json-string", 400, "not_an_event", lambda server, ev: server.send(b'"evt_1"')),
    ("empty-body", 400, None, lambda server, ev: server.send(b"")),
    ("no-id", 400, "not_an_event", lambda server, ev: server.send(_without(ev, "id"))),
    ("no-type", 400, "not_an_event", lambda server, ev: server.send(_without(ev, "type"))),
    ("no-data", 400, "not_an_event", lambda server, ev: server.send(_without(ev, "data"))),
    ("no-created", 400, "not_an_event", lambda server, ev: server.send(_without(ev, "created"))),
    ("no-livemode", 400, "not_an_event", lambda server, ev: server.send(_without(ev, "livemode"))),
    (
        "not-an-event-object",
        400,
        "not_an_event",
        lambda server, ev: server.send(_with(ev, object="customer")),
    ),
    (
        "id-not-evt",
        400,
        "not_an_event",
        lambda server, ev: server.send(_with(ev, id="cus_" + ev["id"][4:])),
    ),
    (
        "created-as-string",
        400,
        "not_an_event",
        lambda server, ev: server.send(_with(ev, created=str(ev["created"]))),
    ),
    (
        "livemode-mismatch",
        400,
        "livemode_mismatch",
        lambda server, ev: server.send(_with(ev, livemode=True)),
    ),
    ("unknown-environment", 404, None, lambda server, ev: server.send(ev, environment="staging")),
    (
        "over-1-MiB",
        413,
        "body_too_large",
        lambda server, ev: server.send(_padded(ev, MAX_BODY_BYTES)),
    ),
    ("over-1-MiB-chunked", 413, "body_too_large", _chunked_oversize),
]


@pytest.mark.parametrize(
    ("status", "code", "deliver"),
    [pytest.param(status, code, deliver, id=name) for name, status, code, deliver in REFUSALS],
)
def test_refused_delivery_answers_its_status_and_stores_nothing(
    webhook_server: WebhookServer,
    webhook_factory: StripeFactory,
    webhook_row_counts: Counts,
    status: int,
    code: str | None,
    deliver: Deliver,
) -> None:
    event = customer_created(webhook_factory, email="refused@example.com")

    assert_error(deliver(webhook_server, event), status, code)

    assert_nothing_stored(webhook_row_counts())
    # The refusal left no trace: the same event, delivered properly, is new.
    assert ok_outcome(webhook_server.send(event)) == "processed"


def test_signature_inside_the_tolerance_is_accepted(
    webhook_send: Send, webhook_factory: StripeFactory
) -> None:
    event = customer_created(webhook_factory)
    assert ok_outcome(webhook_send(event, timestamp=int(time.time()) - 280)) == "processed"


def test_exactly_one_mebibyte_is_not_too_large(
    webhook_send: Send, webhook_factory: StripeFactory
) -> None:
    event = customer_created(webhook_factory)
    body = encode_event(event)
    # Pad with JSON-insignificant whitespace up to the limit exactly.
    body = body[:-1] + b" " * (MAX_BODY_BYTES - len(body)) + b"}"
    assert len(body) == MAX_BODY_BYTES
    assert ok_outcome(webhook_send(body)) == "processed"


# ------------------------------------------------------------------------------ secrets


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(WEBHOOK_SECRET, id="current"),
        pytest.param(WEBHOOK_PREVIOUS_SECRET, id="previous"),
        pytest.param([WEBHOOK_PREVIOUS_SECRET, WEBHOOK_SECRET], id="both-as-during-a-roll"),
        pytest.param(["whsec_someoneElse", WEBHOOK_PREVIOUS_SECRET], id="one-of-two-known"),
    ],
)
def test_every_configured_secret_is_accepted(
    webhook_send: Send,
    webhook_factory: StripeFactory,
    pgpay_db: psycopg.Connection[Any],
    secret: str | list[str],
) -> None:
    event = customer_created(webhook_factory)
    assert ok_outcome(webhook_send(event, secret=secret)) == "processed"
    row = pgpay_db.execute(
        "SELECT status FROM payments.webhook_events WHERE stripe_event_id = %s", (event["id"],)
    ).fetchone()
    assert row == {"status": "processed"}


# ------------------------------------------------------------------------------ accepted events


def test_customer_created_is_stored_and_projected(
    webhook_send: Send, webhook_factory: StripeFactory, pgpay_db: psycopg.Connection[Any]
) -> None:
    customer = webhook_factory.customer(email="ada@example.com", name="Ada Lovelace")
    event = webhook_factory.event("customer.created", customer)

    response = webhook_send(event)

    assert response.json() == {"received": True, "id": event["id"], "outcome": "processed"}
    ledger = pgpay_db.execute(
        "SELECT environment, type, status, source, object_id, payload = %s::jsonb AS same_payload"
        " FROM payments.webhook_events",
        (json.dumps(event),),
    ).fetchall()
    assert ledger == [
        {
            "environment": "test",
            "type": "customer.created",
            "status": "processed",
            "source": "webhook",
            "object_id": customer["id"],
            "same_payload": True,
        }
    ]
    customers = pgpay_db.execute(
        "SELECT environment, stripe_customer_id, email FROM payments.customers"
    ).fetchall()
    assert customers == [
        {"environment": "test", "stripe_customer_id": customer["id"], "email": "ada@example.com"}
    ]


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        pytest.param(
            "payout.paid",
            {"id": "po_1PgpayTestPayout000001", "object": "payout", "amount": 1200},
            id="payout.paid",
        ),
        pytest.param(
            "balance.available",
            {"object": "balance", "available": [{"amount": 1, "currency": "usd"}]},
            id="balance.available-object-without-id",
        ),
    ],
)
def test_unknown_event_type_is_stored_as_ignored(
    webhook_send: Send,
    webhook_factory: StripeFactory,
    webhook_row_counts: Counts,
    pgpay_db: psycopg.Connection[Any],
    event_type: str,
    obj: JSON,
) -> None:
    event = webhook_factory.event(event_type, obj)

    assert ok_outcome(webhook_send(event)) == "ignored"
    assert ok_outcome(webhook_send(event)) == "duplicate"

    rows = pgpay_db.execute(
        "SELECT stripe_event_id, type, status FROM payments.webhook_events"
    ).fetchall()
    assert rows == [{"stripe_event_id": event["id"], "type": event_type, "status": "ignored"}]
    counts = webhook_row_counts()
    assert counts.pop("payments.webhook_events") == 1
    assert_nothing_stored(counts)


def _ledger_and_customers(db: psycopg.Connection[Any], event_id: str) -> tuple[int, int]:
    row = db.execute(
        "SELECT (SELECT count(*) FROM payments.webhook_events WHERE stripe_event_id = %s) AS e,"
        " (SELECT count(*) FROM payments.customers) AS c",
        (event_id,),
    ).fetchone()
    assert row is not None
    return int(row["e"]), int(row["c"])


def test_same_event_ten_times_in_a_row_is_stored_once(
    webhook_send: Send, webhook_factory: StripeFactory, pgpay_db: psycopg.Connection[Any]
) -> None:
    event = customer_created(webhook_factory)

    outcomes = [ok_outcome(webhook_send(event)) for _ in range(10)]

    assert outcomes == ["processed"] + ["duplicate"] * 9
    assert _ledger_and_customers(pgpay_db, event["id"]) == (1, 1)


def test_same_event_ten_times_at_once_is_stored_once(
    webhook_server: WebhookServer, webhook_factory: StripeFactory, pgpay_db: psycopg.Connection[Any]
) -> None:
    event = customer_created(webhook_factory)
    body = encode_event(event)
    senders = 10
    barrier = threading.Barrier(senders)
    responses: list[httpx.Response] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def deliver() -> None:
        try:
            with webhook_server.new_client() as client:
                client.get("/healthz")  # connect first, so the posts really overlap
                barrier.wait(timeout=30)
                response = webhook_server.send(body, client=client)
            with lock:
                responses.append(response)
        except BaseException as exc:  # reported by the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors, errors
    outcomes = sorted(ok_outcome(response) for response in responses)
    assert outcomes == ["duplicate"] * 9 + ["processed"]
    assert _ledger_and_customers(pgpay_db, event["id"]) == (1, 1)


# ------------------------------------------------------------------------------ health, metrics


def test_healthz_reports_the_database(webhook_server: WebhookServer) -> None:
    response = webhook_server.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_metrics_count_every_outcome(
    webhook_server: WebhookServer, webhook_factory: StripeFactory
) -> None:
    send = webhook_server.send
    first, second = customer_created(webhook_factory), customer_created(webhook_factory)
    unknown = webhook_factory.event("payout.paid", {"id": "po_1PgpayMetrics", "object": "payout"})

    assert webhook_server.webhook_count("processed") == 0
    assert ok_outcome(send(first)) == "processed"
    assert ok_outcome(send(second)) == "processed"
    assert ok_outcome(send(first)) == "duplicate"
    assert ok_outcome(send(unknown)) == "ignored"
    assert_error(send(first, secret="whsec_someoneElse"), 400)
    assert_error(send(first, environment="live"), 404)

    response = webhook_server.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = webhook_server.metrics()
    counted = {
        dict(labels)["outcome"]: (dict(labels)["environment"], value)
        for (name, labels), value in samples.items()
        if name == "pgpay_webhook_events_total"
    }
    assert counted == {
        "processed": ("test", 2.0),
        "duplicate": ("test", 1.0),
        "ignored": ("test", 1.0),
        "http_400": ("test", 1.0),
        "http_404": ("live", 1.0),
    }
    duration = frozenset({("environment", "test")})
    assert samples[("pgpay_webhook_duration_seconds_count", duration)] == 5.0


# ------------------------------------------------------------------------------ live


def test_live_endpoint_is_refused_without_allow_live(
    webhook_serve: ServeFactory,
    webhook_environ: dict[str, str],
    pgpay_database_url: str,
    webhook_row_counts: Counts,
) -> None:
    # A live secret is configured, but live use was not approved.
    settings = Settings.from_env({**webhook_environ, "STRIPE_LIVE_WEBHOOK_SECRET": LIVE_SECRET})
    live_event = customer_created(StripeFactory(livemode=True, seed=7))

    with webhook_serve(settings, pgpay_database_url) as server:
        assert_error(server.send(live_event, secret=LIVE_SECRET, environment="live"), 404)
        assert_error(server.send(live_event, environment="live"), 404)

    assert_nothing_stored(webhook_row_counts())


def test_live_endpoint_with_allow_live_checks_livemode(
    webhook_serve: ServeFactory,
    webhook_environ: dict[str, str],
    pgpay_database_url: str,
    pgpay_db: psycopg.Connection[Any],
) -> None:
    environ = {
        **webhook_environ,
        "STRIPE_LIVE_WEBHOOK_SECRET": LIVE_SECRET,
        "PGPAY_ALLOW_LIVE": "1",
    }
    live_event = customer_created(StripeFactory(livemode=True, seed=7))
    test_event = customer_created(StripeFactory(livemode=False, seed=8))

    with webhook_serve(Settings.from_env(environ), pgpay_database_url) as server:
        # The test secret does not sign for live, a test-mode event is not a live one.
        assert_error(server.send(live_event, secret=WEBHOOK_SECRET, environment="live"), 400)
        assert_error(server.send(test_event, secret=LIVE_SECRET, environment="live"), 400)
        assert_error(server.send(live_event, secret=LIVE_SECRET, environment="test"), 400)
        assert ok_outcome(server.send(live_event, secret=LIVE_SECRET, environment="live")) == (
            "processed"
        )

    rows = pgpay_db.execute(
        "SELECT environment, stripe_event_id FROM payments.webhook_events"
    ).fetchall()
    assert rows == [{"environment": "live", "stripe_event_id": live_event["id"]}]


def test_projection_failure_answers_500_and_keeps_the_event_as_failed(
    webhook_send: Send,
    webhook_factory: StripeFactory,
    webhook_row_counts: Counts,
    pgpay_db: psycopg.Connection[Any],
) -> None:
    # A handled type whose object cannot be projected (a customer without an id).
    event = webhook_factory.event("customer.created", {"object": "customer", "email": "x@y.z"})

    assert_error(webhook_send(event), 500, "projection_failed")
    assert_error(webhook_send(event), 500, "projection_failed")  # Stripe's retry re-runs it

    rows = pgpay_db.execute(
        "SELECT stripe_event_id, status, attempts, last_error IS NOT NULL AS has_error"
        " FROM payments.webhook_events"
    ).fetchall()
    assert rows == [
        {"stripe_event_id": event["id"], "status": "failed", "attempts": 2, "has_error": True}
    ]
    counts = webhook_row_counts()
    assert counts.pop("payments.webhook_events") == 1
    assert_nothing_stored(counts)


def test_event_id_the_ledger_cannot_hold_is_refused(
    webhook_send: Send, webhook_factory: StripeFactory, webhook_row_counts: Counts
) -> None:
    event = customer_created(webhook_factory)
    event["id"] = "evt_not-a-stripe-id!"

    response = webhook_send(event)

    assert_error(response, 400)
    assert_nothing_stored(webhook_row_counts())
