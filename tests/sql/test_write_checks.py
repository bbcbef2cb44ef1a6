"""The value rules of the tables the event path writes: migration 0008 rewrote their IN lists as
array constants (cheaper per statement), migrations 0011 to 0013 moved the single-column rules of
the ledger, payments.payment_history and payments.subscriptions onto domains of their columns
(cheaper still); each rule must accept exactly what it accepted before, and refuse by the same
name."""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from pgpay import migrate

from .statuses import PAYMENT_STATUSES, SUBSCRIPTION_STATUSES

Conn = psycopg.Connection[DictRow]

REWRITTEN = {  # constraint -> its table, as regclass prints it (public is on the path)
    "webhook_events_status_check": "payments.webhook_events",
    "webhook_events_source_check": "payments.webhook_events",
    "payment_history_type_check": "payments.payment_history",
    "payment_history_status_check": "payments.payment_history",
    "subscriptions_status_check": "payments.subscriptions",
    "checkout_sessions_mode_check": "payments.checkout_sessions",
    "checkout_sessions_status_check": "payments.checkout_sessions",
    "checkout_sessions_payment_status_check": "payments.checkout_sessions",
    "stripe_customer_mappings_source_check": "payments.stripe_customer_mappings",
    "prices_type_check": "payments.prices",
    "prices_recurring_interval_check": "payments.prices",
    "orders_status_check": "orders",
    "credit_ledger_kind_check": "credit_ledger",
    "user_entitlements_source_type_check": "user_entitlements",
}
LEDGER_DOMAINS = {  # constraint -> the domain migration 0011 moved it to
    "webhook_events_status_check": "payments.webhook_event_status",
    "webhook_events_source_check": "payments.webhook_event_source",
    "webhook_events_stripe_event_id_check": "payments.stripe_event_id",
    "webhook_events_attempts_check": "payments.delivery_attempts",
}
PAYMENT_HISTORY_DOMAINS = {  # constraint -> the domain migration 0012 moved it to
    "payment_history_status_check": "payments.payment_history_status",
    "payment_history_currency_check": "payments.payment_history_currency",
    "payment_history_amount_refunded_check": "payments.payment_history_amount_refunded",
}
SUBSCRIPTION_DOMAINS = {  # and 0013
    "subscriptions_status_check": "payments.subscription_status",
    "subscriptions_stripe_subscription_id_check": "payments.stripe_subscription_id",
}
ON_DOMAINS = LEDGER_DOMAINS | PAYMENT_HISTORY_DOMAINS | SUBSCRIPTION_DOMAINS
PAYMENT_MIGRATIONS = ["0013-subscription-rules-as-domains", "0012-payment-history-rules-as-domains"]
LEDGER_MIGRATIONS = [*PAYMENT_MIGRATIONS, "0011-ledger-rules-as-domains"]
LEDGER_COLUMNS = ("stripe_event_id", "status", "source", "attempts")
RULE = re.compile(r"^\((?P<column>\w+) = ANY \((?P<list>.*)\)\)$")


def _rules(conn: psycopg.Connection[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """Each rewritten constraint's column (VALUE on a domain) and the SQL of its list, as
    PostgreSQL prints them."""
    rows = conn.execute(
        "SELECT c.conname,"
        " coalesce(nullif(c.conrelid, 0)::regclass::text, c.contypid::regtype::text),"
        " pg_get_expr(c.conbin, c.conrelid)"
        " FROM pg_catalog.pg_constraint AS c WHERE c.contype = 'c' AND c.conname = ANY(%s)",
        [list(REWRITTEN)],
    ).fetchall()
    rules = {}
    for name, owner, expression in rows:
        assert owner in (REWRITTEN[name], ON_DOMAINS.get(name))
        match = RULE.match(expression)
        assert match, f"{name}: {expression}"
        rules[name] = (match["column"], match["list"])
    assert set(rules) == set(REWRITTEN)
    return rules


def _accepted(conn: psycopg.Connection[tuple[str, str, str]], values_list: str) -> set[str]:
    rows = conn.execute(
        sql.SQL("SELECT v FROM unnest(%s::text[]) AS v WHERE v = ANY ({})").format(
            sql.SQL(values_list)  # printed by PostgreSQL from its own catalog
        ),
        [sorted(CANDIDATES)],
    ).fetchall()
    return {row[0] for row in rows}


CANDIDATE_WORDS = """
    received processed ignored failed webhook cli backfill sync replay
    one_time_payment subscription_invoice refund dispute pending requires_action
    succeeded canceled refunded partially_refunded disputed won lost void uncollectible
    incomplete incomplete_expired trialing active past_due unpaid paused
    payment subscription setup open complete expired paid no_payment_required
    checkout metadata runtime manual one_time recurring day week month year
    fulfilled grant reversal restore spend adjustment
    Received PAID done bonus quarter succeeded_ email
"""
CANDIDATES = set(CANDIDATE_WORDS.split())  # every listed value, and some near misses


def test_each_rewritten_rule_accepts_exactly_what_it_did_before(
    pgpay_database_url: str,
) -> None:
    url = pgpay_database_url
    with psycopg.connect(url) as conn:
        after = {n: _accepted(conn, lst) for n, (_, lst) in _rules(conn).items()}
        rewritten = _rules(conn)
    stems = [path.stem for path in migrate.migration_files()]
    migrate.rollback(url, steps=len(stems) - stems.index("0008-cheaper-write-checks"))
    with psycopg.connect(url) as conn:
        before = {n: _accepted(conn, lst) for n, (_, lst) in _rules(conn).items()}
        original = _rules(conn)
    assert after == before
    assert all(after.values())
    # the ledger's rules are on its columns' domains now, the others still on their tables
    assert {n for n, (column, _) in rewritten.items() if column == "VALUE"} == set(
        ON_DOMAINS
    ) & set(REWRITTEN)
    assert all(column != "VALUE" for column, _ in original.values())
    # the lists really changed form: ARRAY[...] before, one array constant after
    assert all(lst.startswith("ARRAY[") for _, lst in original.values())
    assert all(lst.startswith("'{") for _, lst in rewritten.values())


LEDGER_ROW = (
    "INSERT INTO payments.webhook_events (environment, stripe_event_id, type, livemode,"
    " stripe_created, status, attempts, source, payload)"
    " VALUES ('test', %(id)s, 'x.y', false, now(), %(status)s, %(attempts)s, %(source)s, '{}')"
)
GOOD = {"id": "evt_ok", "status": "received", "attempts": 0, "source": "webhook"}


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"id": "ev_missing_t"}, "webhook_events_stripe_event_id_check"),
        ({"status": "done"}, "webhook_events_status_check"),
        ({"attempts": -1}, "webhook_events_attempts_check"),
        ({"source": "email"}, "webhook_events_source_check"),
    ],
)
def test_the_ledger_refuses_a_bad_value_by_its_rule(
    pgpay_db: Conn, change: dict[str, object], constraint: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute(LEDGER_ROW, GOOD | change)
    assert err.value.diag.constraint_name == constraint
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.webhook_events").fetchone()
    assert count == {"n": 0}


def test_the_ledger_takes_every_allowed_value_and_refuses_a_bad_update(pgpay_db: Conn) -> None:
    for n, status in enumerate(("received", "processed", "ignored", "failed")):
        for source in ("webhook", "cli", "backfill", "sync", "replay"):
            row = {"id": f"evt_{n}_{source}", "status": status, "attempts": n, "source": source}
            pgpay_db.execute(LEDGER_ROW, row)
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute("UPDATE payments.webhook_events SET status = 'lost'")
    assert err.value.diag.constraint_name == "webhook_events_status_check"
    counts = pgpay_db.execute(
        "SELECT count(*) AS n, count(DISTINCT status) AS statuses FROM payments.webhook_events"
    ).fetchone()
    assert counts == {"n": 20, "statuses": 4}


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        (
            "INSERT INTO payments.payment_history (environment, type, status)"
            " VALUES ('test', 'gift', 'pending')",
            "payment_history_type_check",
        ),
        (
            "INSERT INTO payments.payment_history (environment, type, status)"
            " VALUES ('test', 'refund', 'maybe')",
            "payment_history_status_check",
        ),
        (
            "INSERT INTO payments.checkout_sessions (environment, mode) VALUES ('test', 'gift')",
            "checkout_sessions_mode_check",
        ),
        (
            "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount,"
            " kind, source_key) VALUES ('test', 'user', 'u1', 5, 'bonus', 'k1')",
            "credit_ledger_kind_check",
        ),
    ],
)
def test_the_other_tables_refuse_a_value_outside_their_list(
    pgpay_db: Conn, statement: str, constraint: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        pgpay_db.execute(statement)
    assert err.value.diag.constraint_name == constraint


def _shape(
    conn: psycopg.Connection[tuple[object, ...]], table: str, rules: dict[str, str]
) -> dict[str, object]:
    """Where a table's moved rules live, its columns' types, its storage, and what it holds."""
    owners = conn.execute(
        "SELECT c.conname, coalesce(nullif(c.conrelid, 0)::regclass::text,"
        " c.contypid::regtype::text) FROM pg_catalog.pg_constraint AS c"
        " WHERE c.contype = 'c' AND c.conname = ANY(%s) ORDER BY 1",
        [list(rules)],
    ).fetchall()
    types = conn.execute(
        "SELECT a.attname, a.atttypid::regtype::text FROM pg_catalog.pg_attribute AS a"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1",
        [table],
    ).fetchall()
    storage = conn.execute("SELECT pg_relation_filenode(%s::regclass)", [table]).fetchone()
    rows = conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.SQL(table))  # a name from this file
    ).fetchall()
    return {"rules": dict(owners), "types": dict(types), "storage": storage, "rows": rows}


def _moved_types(before: dict[str, object], after: dict[str, object]) -> dict[str, str]:
    """The columns whose type changed, with their new types."""
    old, new = before["types"], after["types"]
    assert isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys()
    return {column: new[column] for column in new if new[column] != old[column]}


def test_0011_moves_the_ledger_rules_to_domains_without_rewriting_the_ledger(
    pgpay_database_url: str,
) -> None:
    url = pgpay_database_url
    table = "payments.webhook_events"
    assert migrate.rollback(url, steps=3).rolled_back == LEDGER_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        for n, status in enumerate(("received", "processed", "ignored", "failed")):
            row = {"id": f"evt_{n}", "status": status, "attempts": n, "source": "cli"}
            conn.execute(LEDGER_ROW, row)
        before = _shape(conn, table, LEDGER_DOMAINS)
    assert migrate.migrate(url).applied == LEDGER_MIGRATIONS[::-1]
    with psycopg.connect(url, autocommit=True) as conn:
        after = _shape(conn, table, LEDGER_DOMAINS)
        with pytest.raises(psycopg.errors.CheckViolation) as err:
            conn.execute(LEDGER_ROW, GOOD | {"status": "done"})
        assert err.value.diag.constraint_name == "webhook_events_status_check"
    assert migrate.rollback(url, steps=3).rolled_back == LEDGER_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        back = _shape(conn, table, LEDGER_DOMAINS)
    assert before["rules"] == dict.fromkeys(LEDGER_DOMAINS, table)
    assert {c: t for c, t in before["types"].items() if c in LEDGER_COLUMNS} == {
        "attempts": "integer",
        "source": "text",
        "status": "text",
        "stripe_event_id": "text",
    }
    assert after["rules"] == LEDGER_DOMAINS
    assert _moved_types(before, after) == {
        "attempts": "payments.delivery_attempts",
        "source": "payments.webhook_event_source",
        "status": "payments.webhook_event_status",
        "stripe_event_id": "payments.stripe_event_id",
    }
    # same storage (no rewrite), same rows, read back as text and integers
    assert after["storage"] == before["storage"]
    assert after["rows"] == before["rows"] and len(after["rows"]) == 4
    assert back == before


def test_0011_keeps_table_constraints_when_an_app_view_uses_the_ledger_columns(
    pgpay_database_url: str,
) -> None:
    """PostgreSQL cannot change the type of a column a view uses: with an app's view on the
    ledger, 0011 leaves its rules as they were instead of failing the migration."""
    url = pgpay_database_url
    table = "payments.webhook_events"
    assert migrate.rollback(url, steps=3).rolled_back == LEDGER_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE VIEW public.app_event_counts AS SELECT status, count(*) AS n"
            " FROM payments.webhook_events GROUP BY status"
        )
        conn.execute(LEDGER_ROW, GOOD)
        before = _shape(conn, table, LEDGER_DOMAINS)
    assert migrate.migrate(url).applied == LEDGER_MIGRATIONS[::-1]
    with psycopg.connect(url, autocommit=True) as conn:
        after = _shape(conn, table, LEDGER_DOMAINS)
        domains = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_type WHERE typname = ANY(%s)",
            [["stripe_event_id", "webhook_event_status", "webhook_event_source"]],
        ).fetchone()
        with pytest.raises(psycopg.errors.CheckViolation) as err:
            conn.execute(LEDGER_ROW, GOOD | {"id": "evt_2", "source": "email"})
        assert err.value.diag.constraint_name == "webhook_events_source_check"
        view = conn.execute("SELECT status, n FROM public.app_event_counts").fetchall()
    # and its rollback has nothing to undo
    assert migrate.rollback(url, steps=3).rolled_back == LEDGER_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        back = _shape(conn, table, LEDGER_DOMAINS)
    assert after == before and back == before
    assert before["rules"] == dict.fromkeys(LEDGER_DOMAINS, table)
    assert domains == (0,)
    assert view == [("received", 1)]


PAYMENT_ROWS = (
    "INSERT INTO payments.payment_history (environment, type, status, currency, amount,"
    " amount_refunded, stripe_invoice_id) VALUES"
    " ('test', 'subscription_invoice', 'succeeded', 'eur', 900, 0, 'in_1'),"
    " ('test', 'refund', 'pending', 'usd', 300, 0, NULL),"
    " ('test', 'one_time_payment', 'partially_refunded', 'usd', 1200, 200, NULL)",
    "INSERT INTO payments.subscriptions (environment, stripe_subscription_id, status, raw)"
    " VALUES ('test', 'sub_1', 'active', '{}'), ('test', 'sub_2', 'past_due', '{}')",
)
BAD_PAYMENT_VALUES = [  # (statement, the rule that refuses it)
    (
        "UPDATE payments.payment_history SET status = 'maybe' WHERE type = 'refund'",
        "payment_history_status_check",
    ),
    (
        "UPDATE payments.payment_history SET currency = 'USD' WHERE type = 'refund'",
        "payment_history_currency_check",
    ),
    (
        "UPDATE payments.payment_history SET amount_refunded = -1 WHERE type = 'refund'",
        "payment_history_amount_refunded_check",
    ),
    (
        "INSERT INTO payments.subscriptions (environment, stripe_subscription_id, status, raw)"
        " VALUES ('test', 'sub_3', 'dormant', '{}')",
        "subscriptions_status_check",
    ),
    (
        "INSERT INTO payments.subscriptions (environment, stripe_subscription_id, status, raw)"
        " VALUES ('test', 'si_3', 'active', '{}')",
        "subscriptions_stripe_subscription_id_check",
    ),
]


def _refused_by(conn: psycopg.Connection[tuple[object, ...]]) -> list[str | None]:
    """The rule that refuses each of BAD_PAYMENT_VALUES (nothing changes)."""
    names = []
    for statement, _ in BAD_PAYMENT_VALUES:
        with pytest.raises(psycopg.errors.CheckViolation) as err:
            conn.execute(statement)
        names.append(err.value.diag.constraint_name)
    return names


def test_0012_and_0013_move_the_payment_rules_to_domains_without_rewriting_the_tables(
    pgpay_database_url: str,
) -> None:
    url = pgpay_database_url
    tables = {
        "payments.payment_history": PAYMENT_HISTORY_DOMAINS,
        "payments.subscriptions": SUBSCRIPTION_DOMAINS,
    }
    assert migrate.rollback(url, steps=2).rolled_back == PAYMENT_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in PAYMENT_ROWS:
            conn.execute(statement)
        before = {table: _shape(conn, table, rules) for table, rules in tables.items()}
        refused_before = _refused_by(conn)
    assert migrate.migrate(url).applied == PAYMENT_MIGRATIONS[::-1]
    with psycopg.connect(url, autocommit=True) as conn:
        after = {table: _shape(conn, table, rules) for table, rules in tables.items()}
        refused_after = _refused_by(conn)
        # every allowed value still goes in
        for status in PAYMENT_STATUSES:
            conn.execute(
                "UPDATE payments.payment_history SET status = %s WHERE type = 'refund'", [status]
            )
        for status in SUBSCRIPTION_STATUSES:
            conn.execute("UPDATE payments.subscriptions SET status = %s", [status])
        taken = conn.execute(
            "SELECT (SELECT status FROM payments.payment_history WHERE type = 'refund'),"
            " (SELECT array_agg(DISTINCT status::text) FROM payments.subscriptions)"
        ).fetchone()
    assert migrate.rollback(url, steps=2).rolled_back == PAYMENT_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        back = {table: _shape(conn, table, rules) for table, rules in tables.items()}
        conn.execute("UPDATE payments.subscriptions SET status = 'active'")
        conn.execute("UPDATE payments.payment_history SET status = 'pending'")
        restored = {table: _shape(conn, table, rules) for table, rules in tables.items()}
    expected = [name for _, name in BAD_PAYMENT_VALUES]
    assert refused_before == expected and refused_after == expected
    assert taken == (PAYMENT_STATUSES[-1], [SUBSCRIPTION_STATUSES[-1]])
    for table, rules in tables.items():
        assert before[table]["rules"] == dict.fromkeys(rules, table)
        assert after[table]["rules"] == rules
        assert after[table]["storage"] == before[table]["storage"]  # no rewrite
        assert after[table]["rows"] == before[table]["rows"]
        assert back[table]["rules"] == before[table]["rules"]
        assert back[table]["types"] == before[table]["types"]
        assert back[table]["storage"] == before[table]["storage"]
        assert len(restored[table]["rows"]) == len(before[table]["rows"])
    assert _moved_types(before["payments.payment_history"], after["payments.payment_history"]) == {
        "amount_refunded": "payments.payment_history_amount_refunded",
        "currency": "payments.payment_history_currency",
        "status": "payments.payment_history_status",
    }
    assert _moved_types(before["payments.subscriptions"], after["payments.subscriptions"]) == {
        "status": "payments.subscription_status",
        "stripe_subscription_id": "payments.stripe_subscription_id",
    }


def test_0013_keeps_the_table_constraints_of_a_table_an_app_view_uses(
    pgpay_database_url: str,
) -> None:
    """With an app's view on payments.subscriptions, 0013 leaves that table's rules as they were
    and 0012 still moves payments.payment_history's; the rollbacks undo only what was done."""
    url = pgpay_database_url
    assert migrate.rollback(url, steps=2).rolled_back == PAYMENT_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in PAYMENT_ROWS:
            conn.execute(statement)
        conn.execute(
            "CREATE VIEW public.app_active_subscriptions AS SELECT stripe_subscription_id, status"
            " FROM payments.subscriptions WHERE status = 'active'"
        )
        before = _shape(conn, "payments.subscriptions", SUBSCRIPTION_DOMAINS)
    assert migrate.migrate(url).applied == PAYMENT_MIGRATIONS[::-1]
    with psycopg.connect(url, autocommit=True) as conn:
        after = _shape(conn, "payments.subscriptions", SUBSCRIPTION_DOMAINS)
        history = _shape(conn, "payments.payment_history", PAYMENT_HISTORY_DOMAINS)
        refused = _refused_by(conn)
        view = conn.execute("SELECT * FROM public.app_active_subscriptions").fetchall()
    assert migrate.rollback(url, steps=2).rolled_back == PAYMENT_MIGRATIONS
    with psycopg.connect(url, autocommit=True) as conn:
        back = _shape(conn, "payments.subscriptions", SUBSCRIPTION_DOMAINS)
        history_back = _shape(conn, "payments.payment_history", PAYMENT_HISTORY_DOMAINS)
    assert after == before and back == before
    assert before["rules"] == dict.fromkeys(SUBSCRIPTION_DOMAINS, "payments.subscriptions")
    assert history["rules"] == PAYMENT_HISTORY_DOMAINS
    assert history_back["rules"] == dict.fromkeys(
        PAYMENT_HISTORY_DOMAINS, "payments.payment_history"
    )
    assert refused == [name for _, name in BAD_PAYMENT_VALUES]
    assert view == [("sub_1", "active")]
