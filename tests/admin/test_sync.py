"""`pgpay sync`: the catalog, customers and subscriptions (every status), through the event path,
so the fulfilment tables (team billing status, user entitlements) catch up with Stripe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgpay.testing.stripe_api import StripeStandIn
from tests.admin import admin_env, next_second, pgpay_ok

Conn = psycopg.Connection[Any]

SUBSCRIPTION_STATUSES = (
    "active",
    "trialing",
    "past_due",
    "unpaid",
    "incomplete",
    "incomplete_expired",
    "paused",
    "canceled",
)


@pytest.fixture
def env(pgpay_database_url: str, pgpay_stripe: StripeStandIn, tmp_path: Path) -> dict[str, str]:
    return admin_env(pgpay_database_url, pgpay_stripe, tmp_path / ".pgpay")


def one(db: Conn, sql: str, *params: Any) -> dict[str, Any]:
    found = db.execute(sql, params).fetchall()
    assert len(found) == 1, (sql, params, found)
    return dict(found[0])


def subject(kind: str, subject_id: str) -> dict[str, str]:
    return {"pgpay_subject_type": kind, "pgpay_subject_id": subject_id}


def test_sync_brings_subscriptions_of_every_status_into_the_fulfilment_tables(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    team_plan = pgpay_stripe.add_product("Team plan")
    team_price = pgpay_stripe.add_price(team_plan, unit_amount=4900, recurring="month")
    pro = pgpay_stripe.add_product("Pro", metadata={"entitlements": "pro,export"})
    pro_price = pgpay_stripe.add_price(pro, unit_amount=1900, recurring="month")
    team_customer = pgpay_stripe.add_customer("team@example.com", metadata=subject("team", "acme"))
    user_customer = pgpay_stripe.add_customer("ada@example.com", metadata=subject("user", "ada"))
    team_sub = pgpay_stripe.add_subscription(
        team_customer, team_price, quantity=7, metadata=subject("team", "acme")
    )
    # The user's subscription carries no subject: it is found through the customer mapping.
    user_sub = pgpay_stripe.add_subscription(user_customer, pro_price)
    others = {
        status: pgpay_stripe.add_subscription(
            pgpay_stripe.add_customer(f"{status}@example.com"), pro_price, status=status
        )
        for status in SUBSCRIPTION_STATUSES
    }
    # More customers than one page.
    for i in range(120):
        pgpay_stripe.add_customer(f"bulk{i}@example.com")

    out = pgpay_ok("sync", "--environment", "test", env=env)

    assert "customers:     130 listed, 130 updated" in out
    assert "subscriptions: 10 listed, 10 updated" in out
    assert all(
        r.params.get("status") == "all" for r in pgpay_stripe.calls("GET", "/v1/subscriptions")
    )
    assert pgpay_stripe.count("GET", "/v1/customers") == 2
    stored = {
        row["stripe_subscription_id"]: row["status"]
        for row in pgpay_db.execute("SELECT * FROM payments.subscriptions").fetchall()
    }
    assert stored == {
        team_sub["id"]: "active",
        user_sub["id"]: "active",
        **{sub["id"]: status for status, sub in others.items()},
    }
    team = one(pgpay_db, "SELECT * FROM public.team_billing_status WHERE subject_id = 'acme'")
    assert team["subject_type"] == "team"
    assert team["stripe_subscription_id"] == team_sub["id"]
    assert (team["status"], team["seats"], team["has_access"]) == ("active", 7, True)
    assert team["plan"] == "Team plan"
    entitlements = pgpay_db.execute(
        "SELECT entitlement_key, active FROM public.user_entitlements WHERE user_id = 'ada' "
        "ORDER BY entitlement_key"
    ).fetchall()
    assert [(e["entitlement_key"], e["active"]) for e in entitlements] == [
        ("export", True),
        ("pro", True),
    ]
    mapping = one(
        pgpay_db, "SELECT * FROM payments.stripe_customer_mappings WHERE subject_id = 'ada'"
    )
    assert mapping["stripe_customer_id"] == user_customer["id"]
    connection = one(pgpay_db, "SELECT * FROM payments.connections WHERE environment = 'test'")
    assert connection["last_sync_at"] is not None

    # Nothing changed at Stripe: nothing new in the ledger.
    count = "SELECT count(*) AS n FROM payments.webhook_events"
    before = one(pgpay_db, count)["n"]
    again = pgpay_ok("sync", env=env)
    assert "subscriptions: 10 listed, 0 updated, 10 unchanged" in again
    assert one(pgpay_db, count)["n"] == before

    # The team's subscription is canceled at Stripe (a missed webhook): sync catches up.
    pgpay_stripe.put({**team_sub, "status": "canceled", "canceled_at": team_sub["created"] + 5})
    next_second()
    pgpay_ok("sync", env=env)
    team = one(pgpay_db, "SELECT * FROM public.team_billing_status WHERE subject_id = 'acme'")
    assert (team["status"], team["has_access"]) == ("canceled", False)
