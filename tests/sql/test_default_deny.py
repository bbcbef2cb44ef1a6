"""Default deny and least privilege: anon and authenticated see, write and call nothing pgpay
has not granted them; the ingest function runs as pgpay_writer, which reaches rows only through
policies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from pgpay import migrate
from pgpay.testing.caller import EventFeed, as_caller
from pgpay.testing.events import StripeFactory
from pgpay.testing.postgres import DatabaseFactory

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


# ----------------------------------------------------------------------------- functions

END_USER_FUNCTIONS = {
    "current_claims",
    "current_role",
    "current_user_id",
    "current_user_uuid",
    "is_subject_id",
    "is_group_subject_type",
    "current_membership_role",
    "is_member",
    "is_billing_admin",
    "can_act_for_subject",
    "can_read_subject",
    "can_spend_for_subject",
}
"""The payments functions end users may execute (policies call them as the caller)."""


def test_end_user_roles_execute_only_the_claim_and_subject_helpers(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    rows = pgpay_db.execute(
        "SELECT p.proname, p.oid::regprocedure::text AS signature, "
        "has_function_privilege('anon', p.oid, 'EXECUTE') AS anon, "
        "has_function_privilege('authenticated', p.oid, 'EXECUTE') AS authenticated "
        "FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'payments'::regnamespace"
    ).fetchall()
    names = {r["proname"] for r in rows}
    assert {"ingest_stripe_event", "apply_checkout_session", "upsert_payment_history"} <= names
    for row in rows:
        if row["proname"] in END_USER_FUNCTIONS:
            assert row["anon"] and row["authenticated"], row["signature"]
        elif row["proname"] in {"spend_credits", "credit_balance"}:
            assert not row["anon"] and row["authenticated"], row["signature"]
        else:
            assert not row["anon"] and not row["authenticated"], row["signature"]


@pytest.mark.parametrize("role", ["anon", "authenticated"])
@pytest.mark.parametrize(
    "call",
    [
        "payments.ingest_stripe_event('test', '{}'::jsonb)",
        "payments.project_stripe_event('test', '{}'::jsonb)",
        "payments.apply_customer('test', '{}'::jsonb, now(), false)",
        "payments.ensure_customer_mapping('test', 'user', 'u-1', 'cus_x', 'manual')",
        "payments.refresh_order(gen_random_uuid())",
    ],
)
def test_end_user_roles_cannot_call_internal_functions(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
    role: str,
    call: str,
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute(f"SET LOCAL ROLE {role}")
        pgpay_db.execute(f"SELECT {call}")


def test_every_security_definer_function_pins_its_search_path(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    rows = pgpay_db.execute(
        "SELECT p.oid::regprocedure::text AS signature, p.proconfig FROM pg_catalog.pg_proc p "
        "WHERE p.pronamespace = 'payments'::regnamespace AND p.prosecdef"
    ).fetchall()
    assert rows
    for row in rows:
        config = row["proconfig"] or []
        assert any(c.startswith("search_path=pg_catalog") for c in config), row["signature"]


# ----------------------------------------------------------------------------- the writer


def test_the_ingest_function_runs_as_the_unprivileged_writer_role(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    row = pgpay_db.execute(
        "SELECT p.prosecdef, pg_get_userbyid(p.proowner) AS owner, r.rolsuper, r.rolbypassrls, "
        "r.rolcanlogin, r.rolcreaterole, r.rolcreatedb FROM pg_catalog.pg_proc p "
        "JOIN pg_catalog.pg_roles r ON r.oid = p.proowner "
        "WHERE p.oid = 'payments.ingest_stripe_event(text, jsonb, text)'::regprocedure"
    ).fetchone()
    assert row == {
        "prosecdef": True,
        "owner": "pgpay_writer",
        "rolsuper": False,
        "rolbypassrls": False,
        "rolcanlogin": False,
        "rolcreaterole": False,
        "rolcreatedb": False,
    }
    # It owns no table and cannot create anything in the payments schema.
    owned = pgpay_db.execute(
        "SELECT count(*) AS n FROM pg_catalog.pg_class WHERE relowner = 'pgpay_writer'::regrole"
    ).fetchone()
    assert owned == {"n": 0}
    assert pgpay_db.execute(
        "SELECT has_schema_privilege('pgpay_writer', 'payments', 'CREATE') AS c"
    ).fetchone() == {"c": False}


def test_the_writer_reaches_rows_only_through_its_policies(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    pgpay_db.execute(
        "INSERT INTO payments.customers (environment, stripe_customer_id, raw) "
        "VALUES ('test', 'cus_seen', '{}')"
    )
    with pgpay_db.transaction(force_rollback=True):
        pgpay_db.execute("SET LOCAL ROLE pgpay_writer")
        assert pgpay_db.execute("SELECT count(*) AS n FROM payments.customers").fetchone() == {
            "n": 1
        }
    with pgpay_db.transaction(force_rollback=True):
        pgpay_db.execute("DROP POLICY customers__all__writer ON payments.customers")
        pgpay_db.execute("SET LOCAL ROLE pgpay_writer")
        assert pgpay_db.execute("SELECT count(*) AS n FROM payments.customers").fetchone() == {
            "n": 0
        }
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute("SET LOCAL ROLE pgpay_writer")
        pgpay_db.execute("UPDATE public.credit_ledger SET amount = 1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), pgpay_db.transaction():
        pgpay_db.execute("SET LOCAL ROLE pgpay_writer")
        pgpay_db.execute(
            "INSERT INTO payments.memberships (subject_type, subject_id, user_id) "
            "VALUES ('team', 't-1', 'u-1')"
        )


def test_every_table_has_a_writer_policy_and_every_policy_says_who_may_do_what(
    pgpay_db: psycopg.Connection,  # type: ignore[type-arg]
) -> None:
    tables = pgpay_db.execute(
        "SELECT c.oid::regclass::text AS t FROM pg_catalog.pg_class c "
        "WHERE c.relnamespace IN ('payments'::regnamespace, 'public'::regnamespace) "
        "AND c.relkind IN ('r', 'p')"
    ).fetchall()
    policies = pgpay_db.execute(
        "SELECT p.polrelid::regclass::text AS t, p.polname, "
        "obj_description(p.oid, 'pg_policy') AS comment FROM pg_catalog.pg_policy p"
    ).fetchall()
    writer = {p["t"] for p in policies if p["polname"].endswith("__all__writer")}
    assert {t["t"] for t in tables} <= writer
    commands = {"select", "insert", "update", "delete", "all"}
    for policy in policies:
        table, command, who = policy["polname"].split("__")
        assert policy["t"].split(".")[-1] == table, policy["polname"]
        assert command in commands and who, policy["polname"]
        assert policy["comment"] and policy["comment"].endswith("."), policy["polname"]


# ------------------------------------------------------------------------- a non-superuser owner


def _ingest_team_subscription(feed: EventFeed) -> None:
    s = feed.stripe
    product = s.product("Team plan", metadata={"credits": "10"})
    price = s.price(product["id"], 2000, recurring_interval="month")
    events = [s.event("product.created", product), s.event("price.created", price)]
    events += s.subscription_lifecycle(
        "team", "team-1", price, quantity=3, renewals=1, end="active"
    )
    outcomes = feed.deliver(events)
    assert "failed" not in outcomes, feed.failures()
    assert feed.deliver(events) == ["duplicate"] * len(events)


@pytest.fixture
def owner_url(pgpay_databases: DatabaseFactory) -> Iterator[str]:
    """An empty database owned by a role that is not a superuser (only CREATEROLE, as on hosted
    PostgreSQL), and a URL connecting as that role."""
    role = f"pgpay_owner_{uuid.uuid4().hex[:8]}"
    name = pgpay_databases.create_empty("pgpay_owned")
    with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(role)
            )
        )
    try:
        yield make_conninfo(pgpay_databases.url_for(name), user=role)
    finally:
        pgpay_databases.drop(name)
        with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_a_non_superuser_owner_migrates_and_ingests_under_forced_row_level_security(
    owner_url: str,
) -> None:
    migrate.migrate(owner_url)
    assert migrate.migrate(owner_url).applied == []
    with psycopg.connect(owner_url, autocommit=True, row_factory=dict_row) as conn:
        me = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert me == {"rolsuper": False, "rolbypassrls": False}

        _ingest_team_subscription(EventFeed(owner_url, StripeFactory(seed=7)))

        status = conn.execute(
            "SELECT seats, has_access FROM public.team_billing_status "
            "WHERE subject_type = 'team' AND subject_id = 'team-1'"
        ).fetchone()
        assert status == {"seats": 3, "has_access": True}
        balance = conn.execute(
            "SELECT balance FROM public.credit_balances WHERE subject_id = 'team-1'"
        ).fetchone()
        assert balance == {"balance": 60}  # 10 credits x 3 seats x 2 paid invoices

        # The owner (a member of pgpay_writer) manages memberships; end users see their share.
        conn.execute(
            "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) "
            "VALUES ('team', 'team-1', 'user-admin', 'admin')"
        )
        with as_caller(conn, "authenticated", sub="user-admin") as db:
            assert db.scalar("SELECT has_access FROM public.team_billing_status") is True
            spent = db.fetchall(
                "SELECT amount FROM payments.spend_credits('test', 'team', 'team-1', 5, 'x', 'k')"
            )
            assert spent == [{"amount": -5}]
        with as_caller(conn, "authenticated", sub="user-stranger") as db:
            assert db.fetchall("SELECT * FROM public.team_billing_status") == []


def test_a_non_superuser_that_cannot_hold_the_writer_role_gets_a_clear_error(
    pgpay_databases: DatabaseFactory,
) -> None:
    role = f"pgpay_plain_{uuid.uuid4().hex[:8]}"
    name = pgpay_databases.create_empty("pgpay_plain")
    with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(role)
            )
        )
    try:
        url = make_conninfo(pgpay_databases.url_for(name), user=role)
        with pytest.raises(migrate.MigrationError, match="must be a member of pgpay_writer"):
            migrate.migrate(url)
    finally:
        pgpay_databases.drop(name)
        with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
