"""Apply pgpay's SQL: yoyo migrations (schema state), then every file of sql/ (behaviour).

Everything runs under one session-level advisory lock, so concurrent runs queue up and the
second finds nothing left to do. sql/ is re-applied in one transaction after every migrate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg import conninfo, sql
from yoyo import get_backend, read_migrations

from pgpay import resources
from pgpay.db import connect, one_line
from pgpay.errors import DatabaseUnavailable, PgpayError

MIGRATION_SCHEMA = "pgpay_migrations"
MIGRATION_TABLE = "_yoyo_migration"
# pg_advisory_lock key shared by every pgpay migrate (an arbitrary constant: "pgpay" in ASCII).
MIGRATE_LOCK_KEY = 0x7067706179

log = logging.getLogger(__name__)


class MigrationError(PgpayError):
    exit_code = 1


@dataclass
class MigrateResult:
    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    sql_files: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)


def yoyo_uri(url: str) -> str:
    """Translate any libpq URL or DSN into yoyo's psycopg 3 URI, keeping every parameter."""
    params: dict[str, Any] = conninfo.conninfo_to_dict(url)
    user = quote(str(params.pop("user", "")), safe="")
    password = params.pop("password", None)
    auth = user + (":" + quote(str(password), safe="") if password is not None else "")
    host = str(params.pop("host", "") or "")
    port = params.pop("port", None)
    dbname = quote(str(params.pop("dbname", "") or ""), safe="")
    netloc = f"{auth}@" if auth else ""
    if host.startswith("/") or "," in host:
        params["host"] = host
        host = ""
    netloc += host + (f":{port}" if port else "")
    params["schema"] = MIGRATION_SCHEMA
    return f"postgresql+psycopg://{netloc}/{dbname}?{urlencode(params)}"


def _migration_ids(migrations: Any) -> list[str]:
    return [str(m.id) for m in migrations]


def _schema_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute(
        "SELECT 1 AS present FROM pg_catalog.pg_namespace WHERE nspname = %s", (name,)
    ).fetchone()
    return row is not None


def _locked_connection(url: str) -> psycopg.Connection[Any]:
    conn = connect(url)
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s)", (MIGRATE_LOCK_KEY,))
    return conn


def _backend(url: str) -> Any:
    try:
        return get_backend(yoyo_uri(url), migration_table=MIGRATION_TABLE)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect for migrations: {one_line(exc)}") from None


def apply_sql(conn: psycopg.Connection[Any]) -> list[str]:
    """Re-apply every sql/ file in path order, in one transaction. Returns the files applied."""
    root = resources.sql_dir()
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY + 1,))
        # Replacing triggers and policies takes strong table locks: rather fail than queue every
        # webhook behind a long-running transaction.
        conn.execute("SET LOCAL lock_timeout = '15s'")
        for path in resources.sql_files():
            name = path.relative_to(root).as_posix()
            try:
                conn.execute(path.read_text().encode())
            except psycopg.errors.LockNotAvailable:
                raise MigrationError(
                    f"sql/{name}: another session held a lock for 15 s; nothing was changed, "
                    "run pgpay migrate again when it is done"
                ) from None
            except psycopg.Error as exc:
                raise MigrationError(f"sql/{name} failed: {one_line(exc)}") from None
            applied.append(name)
    return applied


def pending(url: str) -> list[str]:
    """Migration ids not yet applied (no changes are made)."""
    migrations = read_migrations(str(resources.migrations_dir()))
    with connect(url) as conn:
        if not _schema_exists(conn, MIGRATION_SCHEMA):
            return _migration_ids(migrations)
    backend = _backend(url)
    try:
        return _migration_ids(backend.to_apply(migrations))
    finally:
        backend.connection.close()


def migrate(url: str, *, dry_run: bool = False) -> MigrateResult:
    """Apply pending migrations then re-apply sql/; with dry_run only report what would run."""
    result = MigrateResult()
    if dry_run:
        result.pending = pending(url)
        result.sql_files = [
            p.relative_to(resources.sql_dir()).as_posix() for p in resources.sql_files()
        ]
        return result
    migrations = read_migrations(str(resources.migrations_dir()))
    conn = _locked_connection(url)
    try:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(MIGRATION_SCHEMA))
        )
        backend = _backend(url)
        try:
            todo = backend.to_apply(migrations)
            result.pending = _migration_ids(todo)
            with backend.lock():
                for migration in todo:
                    try:
                        backend.apply_one(migration)
                    except psycopg.Error as exc:
                        raise MigrationError(
                            f"migration {migration.id} failed: {one_line(exc)}"
                        ) from None
                    result.applied.append(str(migration.id))
        finally:
            backend.connection.close()
        result.sql_files = apply_sql(conn)
    finally:
        conn.close()
    return result


def rollback(url: str, *, steps: int | None = 1) -> MigrateResult:
    """Roll back the newest `steps` applied migrations (all of them when steps is None)."""
    result = MigrateResult()
    migrations = read_migrations(str(resources.migrations_dir()))
    conn = _locked_connection(url)
    try:
        if not _schema_exists(conn, MIGRATION_SCHEMA):
            return result
        backend = _backend(url)
        try:
            todo = list(backend.to_rollback(migrations))
            if steps is not None:
                todo = todo[:steps]
            with backend.lock():
                for migration in todo:
                    try:
                        backend.rollback_one(migration)
                    except psycopg.Error as exc:
                        raise MigrationError(
                            f"rollback of {migration.id} failed: {one_line(exc)}"
                        ) from None
                    result.rolled_back.append(str(migration.id))
        finally:
            backend.connection.close()
    finally:
        conn.close()
    return result


def schema_version(conn: psycopg.Connection[Any]) -> str | None:
    """The id of the newest applied migration, or None on a database pgpay never migrated."""
    if not _schema_exists(conn, MIGRATION_SCHEMA):
        return None
    row = conn.execute(
        sql.SQL(
            "SELECT migration_id FROM {}.{} ORDER BY applied_at_utc DESC, migration_id DESC LIMIT 1"
        ).format(sql.Identifier(MIGRATION_SCHEMA), sql.Identifier(MIGRATION_TABLE))
    ).fetchone()
    if row is None:
        return None
    return str(row["migration_id"] if isinstance(row, dict) else row[0])


def migration_files() -> list[Path]:
    return sorted(p for p in resources.migrations_dir().glob("*.sql") if ".rollback." not in p.name)
