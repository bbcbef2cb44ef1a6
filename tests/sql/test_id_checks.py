"""The subject id and entitlement key rules: migration 0010 wrote them as a length limit and `*`
instead of a bounded repetition ({0,254}, {0,99}), which PostgreSQL runs in time proportional to
the bound for every character. Each must accept exactly what it accepted before, everywhere it is
applied: the payments.subject_id domain, payments.is_subject_id, the sub claim, the entitlement key
column and the keys read from product metadata."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import DictRow

from pgpay import migrate
from pgpay.testing.postgres import DatabaseFactory

Conn = psycopg.Connection[DictRow]

OLD_SUBJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$"
OLD_ENTITLEMENT_KEY = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"

# Edge cases: lengths at and past each limit, every allowed punctuation mark first and inside,
# line ends (`$` must not match before a trailing newline), non-ASCII letters and digits.
EDGES = [
    "",
    "a",
    "0",
    "-a",
    "_a",
    ".a",
    "a-b_c.d:e@f|g",
    "a b",
    "a\n",
    "a\nb",
    "\na",
    "é",
    "aé",
    "a٣",
    "a/b",
    "a+b",
    "a@b",
    "a|b",
    "7d9c1f0e-3b8a-4c2d-9e6f-1a2b3c4d5e6f",
    "user_" + "x" * 95,
    "a" * 99,
    "a" * 100,
    "a" * 101,
    "a" * 254,
    "a" * 255,
    "a" * 256,
    "a" + "-" * 254,
    "a" + "-" * 255,
    "é" * 255,
]
ALPHABET = "aZ09_.:@|-/ é\n"


SUBJECT_RULE = "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first"
KEY_RULE = "user_entitlements_entitlement_key_check"


def _refusals(conn: Conn, statement: str, values: list[str]) -> list[str | None]:
    """For each value, the constraint that refused `statement` with it, or None when it passed
    (each in a savepoint that is rolled back)."""
    refused: list[str | None] = []
    for value in values:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(statement, [value])  # type: ignore[arg-type]
            refused.append(None)
        except psycopg.errors.CheckViolation as exc:
            refused.append(exc.diag.constraint_name)
    return refused


def _accepts(refused: list[str | None], rule: str) -> list[bool]:
    """The verdicts, after checking that every refusal named `rule`."""
    assert {name for name in refused if name is not None} <= {rule}
    return [name is None for name in refused]


def _domain_accepts(conn: Conn, values: list[str]) -> list[bool]:
    """Whether each value casts to payments.subject_id."""
    return _accepts(_refusals(conn, "SELECT %s::payments.subject_id", values), SUBJECT_RULE)


def _key_column_accepts(conn: Conn, values: list[str]) -> list[bool]:
    """Whether each value is a storable user_entitlements.entitlement_key."""
    statement = (
        "INSERT INTO public.user_entitlements (environment, user_id, entitlement_key,"
        " source_type, source_id) VALUES ('test', 'u1', %s, 'subscription', 'sub_1')"
    )
    return _accepts(_refusals(conn, statement, values), KEY_RULE)


def _regex_accepts(conn: Conn, pattern: str, values: list[str]) -> list[bool]:
    rows = conn.execute(
        "SELECT v ~ %s AS ok FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n",
        [pattern, values],
    ).fetchall()
    return [row["ok"] for row in rows]


def test_the_edge_cases_are_judged_as_before(pgpay_db: Conn) -> None:
    subject = _regex_accepts(pgpay_db, OLD_SUBJECT_ID, EDGES)
    assert _domain_accepts(pgpay_db, EDGES) == subject
    rows = pgpay_db.execute(
        "SELECT payments.is_subject_id(v) AS ok"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS u(v, n) ORDER BY n",
        [EDGES],
    ).fetchall()
    assert [row["ok"] for row in rows] == subject
    assert _key_column_accepts(pgpay_db, EDGES) == _regex_accepts(
        pgpay_db, OLD_ENTITLEMENT_KEY, EDGES
    )
    # both outcomes really occur
    assert True in subject and False in subject
    assert subject[EDGES.index("a" * 255)] and not subject[EDGES.index("a" * 256)]


# (one database for every example: each check runs in a savepoint that leaves nothing behind)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(alphabet=ALPHABET, max_size=8).map(lambda s: s * 40)
        | st.text(alphabet=ALPHABET, max_size=12),
        min_size=1,
        max_size=6,
    )
)
def test_any_string_is_judged_as_before(pgpay_db: Conn, values: list[str]) -> None:
    values = [v[:300] for v in values]
    assert _domain_accepts(pgpay_db, values) == _regex_accepts(pgpay_db, OLD_SUBJECT_ID, values)
    assert _key_column_accepts(pgpay_db, values) == _regex_accepts(
        pgpay_db, OLD_ENTITLEMENT_KEY, values
    )


def test_the_sub_claim_and_product_keys_follow_the_same_rules(pgpay_db: Conn) -> None:
    subs = []
    for value in EDGES:
        claims = json.dumps({"sub": value, "role": "authenticated"})
        row = pgpay_db.execute(
            "SELECT set_config('request.jwt.claims', %s, true), payments.current_user_id() AS id",
            [claims],
        ).fetchone()
        assert row is not None
        subs.append(row["id"] == value)
    assert subs == _regex_accepts(pgpay_db, OLD_SUBJECT_ID, EDGES)

    keys = [k for k in EDGES if "," not in k]
    pgpay_db.execute(
        "INSERT INTO payments.products (environment, stripe_product_id, name, metadata, raw)"
        " VALUES ('test', 'prod_keys', 'Keys', jsonb_build_object('entitlements', %s::text), '{}')",
        [",".join(keys)],
    )
    found = {
        row["k"]
        for row in pgpay_db.execute(
            "SELECT k FROM payments.product_entitlement_keys('test', 'prod_keys') AS k"
        )
    }
    stripped = [k.strip() for k in keys]
    verdicts = _regex_accepts(pgpay_db, OLD_ENTITLEMENT_KEY, stripped)
    expected = {k for k, ok in zip(stripped, verdicts, strict=True) if ok}
    assert found == expected and "a" * 100 in found and "a" * 101 not in found


@contextmanager
def _database_before_0010(pgpay_databases: DatabaseFactory) -> Iterator[tuple[str, int]]:
    """A database migrated to the newest version and rolled back to just before 0010: its URL and
    how many steps that rollback was."""
    name = pgpay_databases.create()
    url = pgpay_databases.url_for(name)
    try:
        stems = [path.stem for path in migrate.migration_files()]
        steps = len(stems) - stems.index("0010-linear-id-checks")
        assert migrate.rollback(url, steps=steps).rolled_back[-1] == "0010-linear-id-checks"
        yield url, steps
    finally:
        pgpay_databases.drop(name)


def test_the_rollback_restores_the_old_rules(pgpay_databases: DatabaseFactory) -> None:
    with _database_before_0010(pgpay_databases) as (url, _):
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
            rules = conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) AS rule FROM pg_catalog.pg_constraint"
                " WHERE conname IN (%s, %s) ORDER BY conname",
                [SUBJECT_RULE, KEY_RULE],
            ).fetchall()
            assert [r["rule"] for r in rules] == [
                f"CHECK ((VALUE ~ '{OLD_SUBJECT_ID}'::text))",
                f"CHECK ((entitlement_key ~ '{OLD_ENTITLEMENT_KEY}'::text))",
            ]
            assert _domain_accepts(conn, EDGES) == _regex_accepts(conn, OLD_SUBJECT_ID, EDGES)
        assert "0010-linear-id-checks" in migrate.migrate(url).applied


def test_an_app_keeping_subject_ids_in_an_array_still_migrates(
    pgpay_databases: DatabaseFactory,
) -> None:
    """PostgreSQL cannot check a domain's new rule inside array or composite columns: 0010 (and its
    rollback) then add the rule without checking the stored values again, which it accepted
    already, instead of failing the migration."""
    with _database_before_0010(pgpay_databases) as (url, steps):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE public.app_teams (member_ids payments.subject_id[])")
            conn.execute("INSERT INTO public.app_teams VALUES (ARRAY['u1', 'u2'])")
        assert "0010-linear-id-checks" in migrate.migrate(url).applied
        with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
            rule = conn.execute(
                "SELECT pg_get_constraintdef(oid) AS rule, convalidated"
                " FROM pg_catalog.pg_constraint WHERE conname = %s",
                [SUBJECT_RULE],
            ).fetchone()
            assert rule is not None and "*$" in rule["rule"] and not rule["convalidated"]
            assert _domain_accepts(conn, ["u3", "a" * 256, "-x"]) == [True, False, False]
        assert migrate.rollback(url, steps=steps).rolled_back[-1] == "0010-linear-id-checks"
