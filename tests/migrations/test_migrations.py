"""Migrations: layout, up/down/up, idempotence, concurrency, and the committed schema snapshot."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest

from pgpay import migrate, resources
from pgpay.embedded import find_binary
from pgpay.testing.postgres import DatabaseFactory

SNAPSHOT = Path(__file__).with_name("schema_snapshot.sql")
NAME_PATTERN = re.compile(r"^\d{4}-[a-z0-9]+(-[a-z0-9]+)*(\.rollback)?\.sql$")


def schema_dump(url: str) -> str:
    """pg_dump --schema-only, without the lines that differ between runs of the same schema."""
    out = subprocess.run(
        [find_binary("pg_dump"), "--schema-only", "--no-owner", "--dbname", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    keep = [
        line
        for line in out.splitlines()
        if not line.startswith(("-- Dumped from", "-- Dumped by", "\\restrict", "\\unrestrict"))
    ]
    return FUNCTION_BODY.sub(_digest_body, "\n".join(keep).strip() + "\n")


# Function bodies live in sql/; the snapshot keeps a digest of each, so a changed body still
# changes the snapshot without the snapshot repeating the code.
FUNCTION_BODY = re.compile(r"AS \$(?P<tag>\w*)\$\n(?P<body>.*?)\$(?P=tag)\$;", re.DOTALL)


def _digest_body(match: re.Match[str]) -> str:
    digest = hashlib.sha256(match.group("body").encode()).hexdigest()[:16]
    return f"AS ${match.group('tag')}$ body sha256:{digest} ${match.group('tag')}$;"


def test_migration_files_follow_the_naming_pattern_and_have_rollbacks() -> None:
    files = sorted(p.name for p in resources.migrations_dir().glob("*.sql"))
    assert files, "no migrations found"
    for name in files:
        assert NAME_PATTERN.match(name), f"{name} does not match NNNN-kebab-slug.sql"
    ups = [n for n in files if ".rollback." not in n]
    for name in ups:
        assert name.replace(".sql", ".rollback.sql") in files, f"{name} has no rollback"
    numbers = [n[:4] for n in ups]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_every_migration_says_what_it_does_first() -> None:
    for path in resources.migrations_dir().glob("*.sql"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("-- ") and len(first) > 10, f"{path.name} lacks a leading comment"


def test_sql_files_open_with_a_comment() -> None:
    for path in resources.sql_files():
        assert path.read_text().startswith("-- "), f"{path} lacks a leading comment"


def test_fresh_install_equals_committed_snapshot(pgpay_database_url: str) -> None:
    dump = schema_dump(pgpay_database_url)
    if os.environ.get("PGPAY_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(dump)
    assert SNAPSHOT.exists(), "run with PGPAY_UPDATE_SNAPSHOT=1 to create the snapshot"
    assert dump == SNAPSHOT.read_text(), (
        "the migrated schema differs from tests/migrations/schema_snapshot.sql; if the change is "
        "intended, regenerate it with PGPAY_UPDATE_SNAPSHOT=1"
    )


def test_migrate_twice_changes_nothing(pgpay_database_url: str) -> None:
    before = schema_dump(pgpay_database_url)
    result = migrate.migrate(pgpay_database_url)
    assert result.applied == []
    assert len(result.sql_files) == len(resources.sql_files())
    assert schema_dump(pgpay_database_url) == before


def test_up_down_up_restores_the_same_schema(pgpay_databases: DatabaseFactory) -> None:
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    try:
        first = migrate.migrate(url)
        assert first.applied == [p.stem for p in migrate.migration_files()]
        up = schema_dump(url)
        down = migrate.rollback(url, steps=None)
        assert down.rolled_back == list(reversed(first.applied))
        with psycopg.connect(url) as conn:
            left = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'payments'"
            ).fetchone()
            tables = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        assert left == (0,) and tables == (0,)
        again = migrate.migrate(url)
        assert again.applied == first.applied
        assert schema_dump(url) == up
    finally:
        pgpay_databases.drop(name)


def test_rollback_one_step_then_forward(pgpay_databases: DatabaseFactory) -> None:
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    try:
        migrate.migrate(url)
        newest = migrate.migration_files()[-1].stem
        assert migrate.rollback(url, steps=1).rolled_back == [newest]
        assert migrate.pending(url) == [newest]
        assert migrate.migrate(url).applied == [newest]
    finally:
        pgpay_databases.drop(name)


def test_dry_run_lists_pending_and_changes_nothing(pgpay_databases: DatabaseFactory) -> None:
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    try:
        result = migrate.migrate(url, dry_run=True)
        assert result.pending == [p.stem for p in migrate.migration_files()]
        assert result.sql_files and result.applied == []
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_namespace "
                "WHERE nspname IN ('payments', 'pgpay_migrations')"
            ).fetchone()
        assert row == (0,)
    finally:
        pgpay_databases.drop(name)


def test_concurrent_migrations_all_succeed_with_one_schema(
    pgpay_databases: DatabaseFactory, pgpay_database_url: str
) -> None:
    reference = schema_dump(pgpay_database_url)
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    errors: list[BaseException] = []
    applied: list[list[str]] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            applied.append(migrate.migrate(url).applied)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        assert sorted(len(a) for a in applied) == [0, 0, 0, len(migrate.migration_files())]
        assert schema_dump(url) == reference
    finally:
        pgpay_databases.drop(name)


@pytest.mark.parametrize(
    "schema",
    ["payments", "public"],
)
def test_every_table_has_row_level_security_enabled_and_forced(
    pgpay_db: psycopg.Connection, schema: str
) -> None:  # type: ignore[type-arg]
    rows = pgpay_db.execute(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    ).fetchall()
    assert rows, f"no tables in {schema}"
    for row in rows:
        assert row["relrowsecurity"] and row["relforcerowsecurity"], f"{schema}.{row['relname']}"


def test_rolling_back_the_credit_totals_leaves_a_ledger_that_takes_entries(
    pgpay_databases: DatabaseFactory,
) -> None:
    """0009's rollback takes its triggers with its table: the ledger still takes entries (the
    sql/ of the release before 0009 then sums it again for spends)."""
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    entry = (
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) VALUES ('test', 'user', 'u1', %s, 'adjustment', %s)"
    )
    try:
        migrate.migrate(url)
        stems = [path.stem for path in migrate.migration_files()]
        steps = len(stems) - stems.index("0009-credit-totals")
        assert migrate.rollback(url, steps=steps).rolled_back[-1] == "0009-credit-totals"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(entry, [5, "after-rollback"])
            triggers = conn.execute(
                "SELECT count(*) FROM pg_catalog.pg_trigger"
                " WHERE tgrelid = 'public.credit_ledger'::regclass AND NOT tgisinternal"
            ).fetchone()
        assert triggers == (1,)  # the append-only guard alone
        migrate.migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(entry, [7, "after-forward"])
            totals = conn.execute("SELECT balance FROM payments.credit_totals").fetchall()
        assert totals == [(12,)]
    finally:
        pgpay_databases.drop(name)
