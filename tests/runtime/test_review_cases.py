"""Runtime edge cases: tokens without a role claim, orders that state no price."""

from __future__ import annotations

import uuid

import psycopg
from psycopg.rows import DictRow

from tests.runtime.conftest import (
    Catalog,
    RuntimeServer,
    make_token,
    one_time_body,
    subscription_body,
)

USER = "user-1"


def test_a_token_without_a_role_claim_acts_as_its_user(
    runtime_server: RuntimeServer, catalog: Catalog
) -> None:
    token = make_token(sub=USER, role=None)
    mine = runtime_server.checkout(subscription_body(catalog.monthly, ("user", USER)), token)
    assert mine.status_code == 200, mine.text
    theirs = runtime_server.checkout(subscription_body(catalog.monthly, ("user", "user-2")), token)
    assert theirs.status_code == 403, theirs.text


def test_an_order_without_amount_and_currency_cannot_be_checked_out(
    runtime_server: RuntimeServer, catalog: Catalog, pgpay_db: psycopg.Connection[DictRow]
) -> None:
    order_id = str(uuid.uuid4())
    pgpay_db.execute(
        "INSERT INTO public.orders (id, environment, subject_type, subject_id, created_by) "
        "VALUES (%s, 'test', 'user', %s, %s)",
        (order_id, USER, USER),
    )
    before = runtime_server.stripe.count("POST", "/v1/checkout/sessions")
    body = one_time_body(catalog.one_time, subject={"type": "user", "id": USER}, order_id=order_id)
    answer = runtime_server.checkout(body, make_token(sub=USER))
    assert answer.status_code == 400, answer.text
    assert "amount" in answer.json()["message"] or "order_id" in answer.text
    assert runtime_server.stripe.count("POST", "/v1/checkout/sessions") == before
    status = pgpay_db.execute("SELECT status FROM public.orders WHERE id = %s", (order_id,))
    assert status.fetchone() == {"status": "pending"}
