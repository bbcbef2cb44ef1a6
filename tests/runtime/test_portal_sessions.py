"""POST /api/payments/{environment}/customer-portal-sessions over HTTP, on real PostgreSQL and the
Stripe stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from pgpay.stripe_client import idempotency_key
from tests.runtime.conftest import STRIPE_PORTAL, RuntimeServer, Seed, make_token

USER = "user-1"
TEAM = "team-acme"
RETURN_URL = "https://app.example.com/settings/billing"


def portal_body(subject: tuple[str, str] = ("user", USER), **extra: Any) -> dict[str, Any]:
    return {"subject": {"type": subject[0], "id": subject[1]}, "return_url": RETURN_URL, **extra}


def test_anonymous_callers_get_401_and_nothing_is_recorded(
    runtime_server: RuntimeServer, seed: Seed
) -> None:
    seed.mapping("user", USER, "cus_Anon0000000001")
    for token in (None, make_token(sub=None, role="anon")):
        response = runtime_server.portal(portal_body(), token)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "unauthenticated"
    assert seed.portal_rows() == []
    assert runtime_server.stripe.count() == 0


def test_without_a_customer_mapping_the_answer_is_404_and_the_row_failed(
    runtime_server: RuntimeServer, seed: Seed
) -> None:
    response = runtime_server.portal(portal_body(), make_token(USER))
    assert response.status_code == 404
    assert response.json()["error"] == "customer_not_found"
    [row] = seed.portal_rows()
    assert row["status"] == "failed"
    assert "no Stripe customer" in row["last_error"]
    assert (row["subject_type"], row["subject_id"], row["created_by"]) == ("user", USER, USER)
    assert runtime_server.stripe.count() == 0


def test_with_a_mapping_the_portal_url_is_returned(
    runtime_server: RuntimeServer, seed: Seed
) -> None:
    customer = runtime_server.stripe.add_customer("me@example.com")["id"]
    seed.mapping("user", USER, customer)
    response = runtime_server.portal(portal_body(), make_token(USER))
    assert response.status_code == 200, response.text
    session = response.json()["customerPortalSession"]
    assert session["url"].startswith("https://billing.stripe.com/p/session/")
    assert session["returnUrl"] == RETURN_URL
    assert session["subject"] == {"type": "user", "id": USER}

    sent = runtime_server.stripe.last("POST", STRIPE_PORTAL)
    assert sent.params == {"customer": customer, "return_url": RETURN_URL}
    assert sent.idempotency_key == idempotency_key("test", "portal", session["id"])
    [row] = seed.portal_rows()
    assert str(row["id"]) == session["id"]
    assert row["status"] == "created"
    assert row["url"] == session["url"]
    assert row["stripe_customer_id"] == customer
    assert (
        row["stripe_portal_session_id"]
        == runtime_server.stripe.objects("billing_portal.session")[0]["id"]
    )


@pytest.mark.parametrize(
    ("subject", "role", "allowed"),
    [
        pytest.param(("user", "user-2"), None, False, id="another user's portal is refused"),
        pytest.param(("team", TEAM), "owner", True, id="a team owner may open the team portal"),
        pytest.param(("team", TEAM), "admin", True, id="a team admin may open the team portal"),
        pytest.param(("team", TEAM), "member", False, id="a team member may not"),
        pytest.param(("team", TEAM), None, False, id="a stranger may not"),
    ],
)
def test_only_callers_allowed_for_the_subject_get_a_portal(
    runtime_server: RuntimeServer,
    seed: Seed,
    subject: tuple[str, str],
    role: str | None,
    allowed: bool,
) -> None:
    customer = runtime_server.stripe.add_customer()["id"]
    seed.mapping(*subject, customer)
    if role is not None:
        seed.member(TEAM, USER, role)
    response = runtime_server.portal(portal_body(subject), make_token(USER))
    if allowed:
        assert response.status_code == 200, response.text
        assert runtime_server.stripe.last("POST", STRIPE_PORTAL).params["customer"] == customer
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
        assert seed.portal_rows() == []
        assert runtime_server.stripe.count() == 0


def test_a_stranger_cannot_tell_whether_a_subject_has_a_customer(
    runtime_server: RuntimeServer, seed: Seed
) -> None:
    # With and without a mapping, a caller not allowed for the subject gets the same 403.
    first = runtime_server.portal(portal_body(("user", "user-2")), make_token(USER))
    seed.mapping("user", "user-2", "cus_Someone0000001")
    second = runtime_server.portal(portal_body(("user", "user-2")), make_token(USER))
    assert first.status_code == second.status_code == 403
    assert first.json() == second.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"subject": {"type": "user", "id": USER}}, "return_url", id="no return URL"),
        pytest.param(portal_body(return_url="mailto:x@example.com"), "return_url", id="mailto"),
        pytest.param({"return_url": RETURN_URL}, "subject", id="no subject"),
        pytest.param(portal_body(("user", "bad id")), "subject.id", id="bad subject id"),
        pytest.param(portal_body(("galaxy", "g1")), "subject.type", id="unknown subject type"),
        pytest.param(portal_body(flow="x"), "flow", id="unknown field"),
    ],
)
def test_invalid_portal_requests_are_400(
    runtime_server: RuntimeServer, seed: Seed, body: dict[str, Any], field: str
) -> None:
    response = runtime_server.portal(body, make_token(USER))
    assert response.status_code == 400, response.text
    assert field in response.json()["fields"]
    assert seed.portal_rows() == []
    assert runtime_server.stripe.count() == 0


def test_a_stripe_failure_marks_the_portal_row_failed(
    runtime_server: RuntimeServer, seed: Seed
) -> None:
    customer = runtime_server.stripe.add_customer()["id"]
    seed.mapping("user", USER, customer)
    runtime_server.stripe.fail_next(STRIPE_PORTAL, error_type="rate_limit_error")
    response = runtime_server.portal(portal_body(), make_token(USER))
    assert response.status_code == 429
    [row] = seed.portal_rows()
    assert row["status"] == "failed"
    assert row["stripe_customer_id"] == customer
    assert "rate limiting" in row["last_error"]
