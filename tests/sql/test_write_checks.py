"""The value rules of the tables the event path writes: migration 0008 rewrote their IN lists as
array constants (cheaper per statement), migration 0011 moved the ledger's rules onto domains of its
columns (cheaper still); each rule must accept exactly what it accepted before, and refuse by the
same name."""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow

from pgpay import migrate

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
ON_DOMAINS = {  # constraint -> the domain migration 0011 moved it to
    "webhook_events_status_check": "payments.webhook_event_status",
    "webhook_events_source_check": "payments.webhook_event_source",
    "webhook_events_stripe_event_id_check": "payments.stripe_event_id",
    "webhook_events_attempts_check": "payments.delivery_attempts",
}
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


def _ledger_shape(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, object]:
    """Where the ledger's rules live, its columns' types, its storage, and what it holds."""
    rules = conn.execute(
        "SELECT c.conname, coalesce(nullif(c.conrelid, 0)::regclass::text,"
        " c.contypid::regtype::text) FROM pg_catalog.pg_constraint AS c"
        " WHERE c.contype = 'c' AND c.conname = ANY(%s) ORDER BY 1",
        [list(ON_DOMAINS)],
    ).fetchall()
    types = conn.execute(
        "SELECT a.attname, a.atttypid::regtype::text FROM pg_catalog.pg_attribute AS a"
        " WHERE a.attrelid = 'payments.webhook_events'::regclass"
        " AND a.attname IN ('stripe_event_id', 'status', 'source', 'attempts') ORDER BY 1"
    ).fetchall()
    storage = conn.execute("SELECT pg_relation_filenode('payments.webhook_events')").fetchone()
    rows = conn.execute(
        "SELECT stripe_event_id, status, source, attempts FROM payments.webhook_events ORDER BY 1"
    ).fetchall()
    return {"rules": dict(rules), "types": dict(types), "storage": storage, "rows": rows}


def test_0011_moves_the_ledger_rules_to_domains_without_rewriting_the_ledger(
    pgpay_database_url: str,
) -> None:
    url = pgpay_database_url
    assert migrate.rollback(url, steps=1).rolled_back == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        for n, status in enumerate(("received", "processed", "ignored", "failed")):
            row = {"id": f"evt_{n}", "status": status, "attempts": n, "source": "cli"}
            conn.execute(LEDGER_ROW, row)
        before = _ledger_shape(conn)
    assert migrate.migrate(url).applied == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        after = _ledger_shape(conn)
        with pytest.raises(psycopg.errors.CheckViolation) as err:
            conn.execute(LEDGER_ROW, GOOD | {"status": "done"})
        assert err.value.diag.constraint_name == "webhook_events_status_check"
    assert migrate.rollback(url, steps=1).rolled_back == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        back = _ledger_shape(conn)
    table = "payments.webhook_events"
    assert before["rules"] == dict.fromkeys(ON_DOMAINS, table)
    assert before["types"] == {
        "attempts": "integer",
        "source": "text",
        "status": "text",
        "stripe_event_id": "text",
    }
    assert after["rules"] == ON_DOMAINS
    assert after["types"] == {
        "attempts": "payments.delivery_attempts",
        "source": "payments.webhook_event_source",
        "status": "payments.webhook_event_status",
        "stripe_event_id": "payments.stripe_event_id",
    }
    # same storage (no rewrite), same rows, read back as text and integers
    assert after["storage"] == before["storage"]
    assert after["rows"] == before["rows"] and len(after["rows"]) == 4
    assert after["rows"][3] == ("evt_3", "failed", "cli", 3)
    assert back["rules"] == before["rules"] and back["types"] == before["types"]
    assert back["storage"] == before["storage"] and back["rows"] == before["rows"]


def test_0011_keeps_table_constraints_when_an_app_view_uses_the_ledger_columns(
    pgpay_database_url: str,
) -> None:
    """PostgreSQL cannot change the type of a column a view uses: with an app's view on the
    ledger, 0011 leaves its rules as they were instead of failing the migration."""
    url = pgpay_database_url
    assert migrate.rollback(url, steps=1).rolled_back == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE VIEW public.app_event_counts AS SELECT status, count(*) AS n"
            " FROM payments.webhook_events GROUP BY status"
        )
        conn.execute(LEDGER_ROW, GOOD)
        before = _ledger_shape(conn)
    assert migrate.migrate(url).applied == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        after = _ledger_shape(conn)
        domains = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_type WHERE typname = ANY(%s)",
            [["stripe_event_id", "webhook_event_status", "webhook_event_source"]],
        ).fetchone()
        with pytest.raises(psycopg.errors.CheckViolation) as err:
            conn.execute(LEDGER_ROW, GOOD | {"id": "evt_2", "source": "email"})
        assert err.value.diag.constraint_name == "webhook_events_source_check"
        view = conn.execute("SELECT status, n FROM public.app_event_counts").fetchall()
    # and its rollback has nothing to undo
    assert migrate.rollback(url, steps=1).rolled_back == ["0011-ledger-rules-as-domains"]
    with psycopg.connect(url, autocommit=True) as conn:
        back = _ledger_shape(conn)
    assert after == before and back == before
    assert before["rules"] == dict.fromkeys(ON_DOMAINS, "payments.webhook_events")
    assert domains == (0,)
    assert view == [("received", 1)]
