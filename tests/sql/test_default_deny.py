"""Default deny: anon and authenticated see and write nothing pgpay has not granted them."""

from __future__ import annotations

import psycopg
import pytest

MIRROR_TABLES = [
    "payments.webhook_events",
    "payments.stripe_customer_mappings",
    "payments.customers",
    "payments.subscriptions",
    "payments.subscription_items",
    "payments.payment_history",
    "payments.connections",
]


@pytest.mark.parametrize("role", ["anon", "authenticated"])
@pytest.mark.parametrize("table", MIRROR_TABLES)
def test_end_user_roles_cannot_read_mirror_tables(
    pgpay_db: psycopg.Connection,
    role: str,
    table: str,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute(f"SET LOCAL ROLE {role}")
        pgpay_db.execute(f"SELECT * FROM {table} LIMIT 1")


def test_roles_exist_and_cannot_log_in(pgpay_db: psycopg.Connection) -> None:  # type: ignore[type-arg]
    rows = pgpay_db.execute(
        "SELECT rolname, rolcanlogin FROM pg_catalog.pg_roles "
        "WHERE rolname IN ('anon', 'authenticated') ORDER BY 1"
    ).fetchall()
    assert [(r["rolname"], r["rolcanlogin"]) for r in rows] == [
        ("anon", False),
        ("authenticated", False),
    ]


def test_superuser_bypass_is_the_only_way_in_without_policies(pgpay_db: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pgpay_db.execute(
        "INSERT INTO payments.customers (environment, stripe_customer_id, raw) "
        "VALUES ('test', 'cus_seen', '{}')"
    )
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute("SET LOCAL ROLE authenticated")
        pgpay_db.execute("SELECT count(*) FROM payments.customers")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute("SET LOCAL ROLE anon")
        pgpay_db.execute(
            "INSERT INTO payments.customers (environment, stripe_customer_id, raw) "
            "VALUES ('test', 'cus_evil', '{}')"
        )
