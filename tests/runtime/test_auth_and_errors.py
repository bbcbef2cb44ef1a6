"""Bearer tokens, environments and keys, and Stripe's errors as the runtime routes answer them:
never with a secret in an answer or a log line."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from pgpay.config import fingerprint
from pgpay.stripe_client import redact
from pgpay.testing.stripe_api import DEFAULT_LIVE_KEY
from tests.conftest import run_pgpay
from tests.runtime.conftest import (
    JWT_SECRET,
    STRIPE_CHECKOUT,
    Catalog,
    RuntimeServer,
    Seed,
    ServeFactory,
    make_token,
    one_time_body,
    subscription_body,
)

USER = "user-1"
OTHER_SECRET = "another-secret-of-more-than-32-bytes-0123"


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record of every logger, down to DEBUG (the stripe library's request and
    response bodies included)."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
        assert secret[8:] not in text, "the secret part of a key leaked"


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


# ----------------------------------------------------------------------------- tokens


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "error"),
    [
        pytest.param(f"Bearer {make_token(USER, secret=OTHER_SECRET)}", "invalid_token",
                     id="signed with another secret"),
        pytest.param(f"Bearer {make_token(USER, expires_in=-120)}", "token_expired",
                     id="expired two minutes ago"),
        pytest.param(f"Bearer {make_token(USER, expires_in=0)}", "invalid_token",
                     id="no exp claim"),
        pytest.param("Bearer not.a.jwt", "invalid_token", id="garbage token"),
        pytest.param(f"Bearer {make_token(USER, secret=JWT_SECRET * 2, algorithm='HS512')}",
                     "invalid_token", id="another algorithm"),
        pytest.param(
            "Bearer " + _unsigned({"sub": USER, "role": "authenticated",
                                   "exp": int(time.time()) + 600}),
            "invalid_token",
            id="alg none",
        ),
        pytest.param(f"Basic {make_token(USER)}", "invalid_token", id="not a Bearer header"),
        pytest.param("Bearer", "invalid_token", id="Bearer without a token"),
        pytest.param(f"Bearer {make_token(None)}", "invalid_token",
                     id="authenticated without sub"),
        pytest.param(f"Bearer {make_token(USER, nbf=int(time.time()) + 600)}",
                     "invalid_token", id="not valid yet"),
    ],
)  # fmt: skip
def test_bad_tokens_are_401_before_anything_happens(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed, header: str, error: str
) -> None:
    for send in (runtime_server.checkout, runtime_server.portal):
        response = send(one_time_body(catalog.one_time), headers={"Authorization": header})
        assert response.status_code == 401, response.text
        assert response.json()["error"] == error
        assert response.json()["statusCode"] == 401
    assert runtime_server.stripe.count() == 0
    assert seed.checkout_rows() == [] and seed.portal_rows() == []


def test_a_token_for_another_role_is_403(runtime_server: RuntimeServer, catalog: Catalog) -> None:
    response = runtime_server.checkout(
        one_time_body(catalog.one_time), make_token(USER, role="service_role")
    )
    assert response.status_code == 403
    assert response.json()["error"] == "role_not_allowed"
    assert runtime_server.stripe.count() == 0


def test_a_token_expired_within_the_leeway_still_works(
    runtime_server: RuntimeServer, catalog: Catalog
) -> None:
    response = runtime_server.checkout(
        subscription_body(catalog.monthly, ("user", USER)), make_token(USER, expires_in=-3)
    )
    assert response.status_code == 200, response.text


def test_without_a_jwt_secret_tokens_cannot_be_verified_but_anonymous_checkout_works(
    runtime_serve: ServeFactory, runtime_environ: dict[str, str], catalog: Catalog
) -> None:
    environ = {k: v for k, v in runtime_environ.items() if k != "PGPAY_JWT_SECRET"}
    with runtime_serve(environ) as server:
        response = server.checkout(one_time_body(catalog.one_time), make_token(USER))
        assert response.status_code == 503
        assert "PGPAY_JWT_SECRET" in response.json()["message"]
        assert JWT_SECRET not in response.text
        assert server.checkout(one_time_body(catalog.one_time)).status_code == 200


# ----------------------------------------------------------------------------- environments


def test_unknown_environment_is_404(runtime_server: RuntimeServer, catalog: Catalog) -> None:
    response = runtime_server.checkout(one_time_body(catalog.one_time), environment="staging")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_environment"


def test_live_is_refused_without_pgpay_allow_live(
    runtime_serve: ServeFactory, runtime_environ: dict[str, str], catalog: Catalog, seed: Seed
) -> None:
    environ = dict(runtime_environ, STRIPE_LIVE_SECRET_KEY=DEFAULT_LIVE_KEY)
    with runtime_serve(environ) as server:
        for send in (server.checkout, server.portal):
            response = send(one_time_body(catalog.one_time), environment="live")
            assert response.status_code == 404
            assert response.json()["error"] == "environment_disabled"
            assert "PGPAY_ALLOW_LIVE=1" in response.json()["message"]
    assert seed.checkout_rows() == []
    assert server.stripe.count() == 0


def test_live_works_once_allowed(
    runtime_serve: ServeFactory, runtime_environ: dict[str, str], seed: Seed
) -> None:
    environ = dict(runtime_environ, STRIPE_LIVE_SECRET_KEY=DEFAULT_LIVE_KEY, PGPAY_ALLOW_LIVE="1")
    with runtime_serve(environ) as server:
        price = server.stripe.add_price(unit_amount=900, livemode=True)["id"]
        response = server.checkout(one_time_body(price), environment="live")
        assert response.status_code == 200, response.text
        session = response.json()["checkoutSession"]
        assert session["stripeCheckoutSessionId"].startswith("cs_live_")
        assert server.stripe.last("POST", STRIPE_CHECKOUT).api_key == DEFAULT_LIVE_KEY
        assert seed.checkout_row(session["id"])["environment"] == "live"


@pytest.mark.parametrize(
    ("variables", "environment", "needle"),
    [
        pytest.param({"STRIPE_TEST_SECRET_KEY": DEFAULT_LIVE_KEY}, "test", "sk_test_ or rk_test_",
                     id="a live key configured for test"),
        pytest.param({"STRIPE_TEST_SECRET_KEY": "pk_test_publishableKey0123456789"}, "test",
                     "sk_test_ or rk_test_", id="a publishable key"),
        pytest.param({"STRIPE_LIVE_SECRET_KEY": "sk_test_pgpayStandIn0000000000000000000000",
                      "PGPAY_ALLOW_LIVE": "1"}, "live", "sk_live_ or rk_live_",
                     id="a test key configured for live"),
        pytest.param({"STRIPE_TEST_SECRET_KEY": ""}, "test", "STRIPE_TEST_SECRET_KEY",
                     id="no key at all"),
    ],
)  # fmt: skip
def test_a_key_of_the_wrong_environment_is_refused_before_the_database_and_stripe(
    runtime_serve: ServeFactory,
    runtime_environ: dict[str, str],
    catalog: Catalog,
    seed: Seed,
    all_logs: pytest.LogCaptureFixture,
    variables: dict[str, str],
    environment: str,
    needle: str,
) -> None:
    environ = dict(runtime_environ, **variables)
    with runtime_serve(environ) as server:
        response = server.checkout(one_time_body(catalog.one_time), environment=environment)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "stripe_not_configured"
    assert needle in response.json()["message"]
    for key in variables.values():
        if key.startswith(("sk_", "pk_")):
            assert_no_secret(response.text, key)
            assert_no_secret(log_text(all_logs), key)
    assert seed.checkout_rows() == []
    assert server.stripe.count() == 0


def test_a_restricted_key_is_accepted(
    runtime_serve: ServeFactory, runtime_environ: dict[str, str], catalog: Catalog
) -> None:
    restricted = "rk_test_pgpayRestricted000000000000000000"
    with runtime_serve(dict(runtime_environ, STRIPE_TEST_SECRET_KEY=restricted)) as server:
        server.stripe.api_keys.add(restricted)
        assert server.checkout(one_time_body(catalog.one_time)).status_code == 200
        assert server.stripe.last().api_key == restricted


# ----------------------------------------------------------------------------- Stripe errors


@pytest.mark.parametrize(
    ("fault", "status", "error", "phrase"),
    [
        pytest.param({"error_type": "rate_limit_error"}, 429, "stripe_rate_limited",
                     "rate limiting", id="rate limit is 429"),
        pytest.param({"error_type": "card_error", "code": "card_declined"}, 402,
                     "stripe_card_error", "declined", id="card error is 402"),
        pytest.param({"error_type": "authentication_error"}, 502, "stripe_key_misconfigured",
                     "Stripe key is misconfigured", id="authentication error is 502"),
        pytest.param({"error_type": "permission_error"}, 502, "stripe_key_misconfigured",
                     "Stripe key is misconfigured", id="permission error is 502"),
        pytest.param({"error_type": "api_error", "times": None, "should_retry": False}, 502,
                     "stripe_error", "Stripe answered an error", id="Stripe's 500 is 502"),
        pytest.param({"error_type": "invalid_request_error", "message": "No such price: 'x'",
                      "param": "line_items[0][price]"}, 502, "stripe_invalid_request",
                     "No such price", id="an invalid request is 502"),
        pytest.param({"close_connection": True, "times": None}, 502, "stripe_unreachable",
                     "could not be reached", id="a dropped connection is 502"),
    ],
)  # fmt: skip
def test_stripe_errors_map_to_clear_answers_and_mark_the_row_failed(
    runtime_server: RuntimeServer,
    catalog: Catalog,
    seed: Seed,
    all_logs: pytest.LogCaptureFixture,
    fault: dict[str, Any],
    status: int,
    error: str,
    phrase: str,
) -> None:
    runtime_server.stripe.fail_next(STRIPE_CHECKOUT, **fault)
    response = runtime_server.checkout(
        subscription_body(catalog.monthly, ("user", USER)), make_token(USER)
    )
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer == {"error": error, "message": answer["message"], "statusCode": status}
    assert phrase in answer["message"]
    [row] = seed.checkout_rows()
    assert row["status"] == "failed"
    assert row["last_error"] == answer["message"]
    assert row["url"] is None
    assert runtime_server.stripe.count("POST", STRIPE_CHECKOUT) >= 1
    key = runtime_server.stripe.api_key
    assert_no_secret(response.text, key)
    assert_no_secret(log_text(all_logs), key)
    assert any(r.name == "pgpay.runtime" and error in r.getMessage() for r in all_logs.records)


def test_a_key_stripe_rejects_is_reported_as_misconfigured_without_quoting_it(
    runtime_serve: ServeFactory,
    runtime_environ: dict[str, str],
    catalog: Catalog,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    unknown = "sk_test_pgpayRevokedKey1111111111111111111"
    with runtime_serve(dict(runtime_environ, STRIPE_TEST_SECRET_KEY=unknown)) as server:
        response = server.checkout(one_time_body(catalog.one_time))
    assert response.status_code == 502
    assert response.json()["error"] == "stripe_key_misconfigured"
    assert_no_secret(response.text, unknown)
    assert_no_secret(log_text(all_logs), unknown)
    # The stripe library did log Stripe's answer; the filter cut the key out of it.
    assert any(r.name == "stripe" for r in all_logs.records)


def test_a_secret_echoed_by_stripe_never_reaches_an_answer_or_a_log_line(
    runtime_server: RuntimeServer,
    catalog: Catalog,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    key = runtime_server.stripe.api_key
    runtime_server.stripe.fail_next(
        STRIPE_CHECKOUT,
        error_type="invalid_request_error",
        message=f"The key {key} cannot do this (webhook whsec_abcdefghijklmnop0123)",
    )
    response = runtime_server.checkout(one_time_body(catalog.one_time))
    assert response.status_code == 502
    assert "sk_test_…" in response.json()["message"]
    assert_no_secret(response.text, key, "whsec_abcdefghijklmnop0123")
    text = log_text(all_logs)
    assert "Stripe v1 API error received" in text  # the library logged the message...
    assert_no_secret(text, key, "whsec_abcdefghijklmnop0123")  # ...redacted


def test_a_failed_checkout_is_attempted_again_on_retry_with_the_same_key(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    runtime_server.stripe.fail_next(STRIPE_CHECKOUT, error_type="rate_limit_error")
    body = subscription_body(catalog.monthly, ("user", USER), idempotency_key="retry-me")
    assert runtime_server.checkout(body, make_token(USER)).status_code == 429
    [failed] = seed.checkout_rows()
    assert failed["status"] == "failed"

    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == 200, response.text
    session = response.json()["checkoutSession"]
    assert session["id"] == str(failed["id"])
    assert session["replayed"] is False
    [row] = seed.checkout_rows()
    assert (row["status"], row["last_error"]) == ("open", None)
    calls = runtime_server.stripe.calls("POST", STRIPE_CHECKOUT)
    assert len(calls) == 2
    assert calls[0].idempotency_key == calls[1].idempotency_key
    assert calls[0].params == calls[1].params


def test_redact_cuts_every_kind_of_secret() -> None:
    text = (
        "sk_test_abc123 rk_live_ZZZ pk_test_x1 whsec_secret_part sk_test_****1234 "
        "and sk_other_thing"
    )
    assert redact(text) == ("sk_test_… rk_live_… pk_test_… whsec_… sk_test_… and sk_other_thing")


def test_status_shows_which_environments_are_configured_without_the_keys(
    pgpay_database_url: str, tmp_path: Path
) -> None:
    test_key = "sk_test_pgpayStatusKey00000000000000000000"
    misplaced = "sk_test_pgpayMisplacedLiveKey000000000000"
    result = run_pgpay(
        "status",
        env={
            "DATABASE_URL": pgpay_database_url,
            "PGPAY_HOME": str(tmp_path / ".pgpay"),
            "STRIPE_TEST_SECRET_KEY": test_key,
            "STRIPE_LIVE_SECRET_KEY": misplaced,
        },
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split(":")[0].strip(): line for line in result.stdout.splitlines()}
    assert f"key {fingerprint(test_key)}" in lines["test"]
    assert "key rejected" in lines["live"] and "sk_live_ or rk_live_" in lines["live"]
    assert "disabled" in lines["live"]
    assert_no_secret(result.stdout + result.stderr, test_key, misplaced)


@pytest.mark.parametrize(
    ("fault", "status", "new_key"),
    [
        pytest.param({"error_type": "api_error", "should_retry": False, "kept": True}, 502, True,
                     id="Stripe keeps its 500: the retry needs a new key"),
        pytest.param({"error_type": "card_error", "code": "card_declined", "kept": True}, 402,
                     True, id="Stripe keeps a card error: the retry needs a new key"),
        pytest.param({"close_connection": True, "times": None}, 502, False,
                     id="no answer: the first request may have succeeded, the key stays"),
        pytest.param({"error_type": "api_error", "status": 503, "should_retry": False}, 502,
                     False, id="a 503 (not kept by Stripe) keeps the key"),
    ],
)  # fmt: skip
def test_a_retry_after_an_error_stripe_keeps_uses_a_new_key(
    runtime_server: RuntimeServer,
    catalog: Catalog,
    seed: Seed,
    fault: dict[str, Any],
    status: int,
    new_key: bool,
) -> None:
    runtime_server.stripe.fail_next(STRIPE_CHECKOUT, **fault)
    body = one_time_body(catalog.one_time, subject={"type": "user", "id": USER})
    body["idempotency_key"] = "buy-once"
    assert runtime_server.checkout(body, make_token(USER)).status_code == status
    [failed] = seed.checkout_rows()
    assert (failed["status"], failed["stripe_attempt"]) == ("failed", int(new_key))
    runtime_server.stripe.clear_faults()

    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == 200, response.text
    assert response.json()["checkoutSession"]["id"] == str(failed["id"])
    [row] = seed.checkout_rows()
    assert (row["status"], row["stripe_attempt"]) == ("open", int(new_key))
    calls = runtime_server.stripe.calls("POST", STRIPE_CHECKOUT)
    assert (calls[0].idempotency_key != calls[-1].idempotency_key) is new_key
    assert {c.idempotency_key for c in calls[:-1]} == {calls[0].idempotency_key}
    assert calls[-1].replayed is False
    # one Stripe customer for the subject, whatever the attempts
    assert len(runtime_server.stripe.objects("customer")) == 1


def test_a_customer_stripe_failed_to_create_is_created_under_a_new_key_on_retry(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    runtime_server.stripe.fail_next(
        "/v1/customers", error_type="api_error", kept=True, should_retry=False
    )
    body = one_time_body(catalog.one_time, subject={"type": "user", "id": USER})
    body["idempotency_key"] = "first-purchase"
    assert runtime_server.checkout(body, make_token(USER)).status_code == 502
    assert seed.checkout_rows()[0]["stripe_attempt"] == 1

    assert runtime_server.checkout(body, make_token(USER)).status_code == 200
    calls = runtime_server.stripe.calls("POST", "/v1/customers")
    assert [c.status for c in calls] == [500, 200]
    assert calls[0].idempotency_key != calls[1].idempotency_key
    [customer] = runtime_server.stripe.objects("customer")
    [checkout] = runtime_server.stripe.calls("POST", STRIPE_CHECKOUT)
    assert checkout.params["customer"] == customer["id"]


def test_after_a_kept_error_on_a_customer_a_new_checkout_for_the_subject_gets_a_new_key(
    runtime_server: RuntimeServer, catalog: Catalog, seed: Seed
) -> None:
    # No idempotency_key: every request is a new checkout row, but the customer's key is the
    # subject's, and Stripe replays the kept 500 to it.
    runtime_server.stripe.fail_next(
        "/v1/customers", error_type="api_error", kept=True, should_retry=False
    )
    body = one_time_body(catalog.one_time, subject={"type": "user", "id": USER})
    assert runtime_server.checkout(body, make_token(USER)).status_code == 502

    response = runtime_server.checkout(body, make_token(USER))
    assert response.status_code == 200, response.text
    first, second = seed.checkout_rows()
    assert (first["status"], second["status"]) == ("failed", "open")
    calls = runtime_server.stripe.calls("POST", "/v1/customers")
    assert [(c.status, c.replayed) for c in calls] == [(500, False), (200, False)]
    [customer] = runtime_server.stripe.objects("customer")
    assert seed.checkout_row(str(second["id"]))["stripe_customer_id"] == customer["id"]
