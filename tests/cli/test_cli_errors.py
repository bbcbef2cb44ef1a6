"""User-caused errors of `pgpay migrate`/`status`: one line, exit status 2, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pgpay.embedded import EmbeddedPostgres
from pgpay.testing.postgres import TestPostgresql
from tests.conftest import run_pgpay


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_one_line_error(result: object, *needles: str) -> None:
    assert result.returncode == 2, result  # type: ignore[attr-defined]
    err = result.stderr.strip()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("pgpay: error: ")
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("command", [["migrate"], ["status"], ["migrate", "--dry-run"]])
def test_unreachable_database(command: list[str]) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/nowhere"
    result = run_pgpay(*command, env={"DATABASE_URL": url})
    assert_one_line_error(result, "cannot connect", "DATABASE_URL")


def test_wrong_password(pgpay_postgres: TestPostgresql) -> None:
    # The test server trusts local connections; a role with a password and scram auth is not
    # available there, so a missing role exercises the same "server refuses us" path.
    url = pgpay_postgres.url(user="nobody_here", database="postgres")
    result = run_pgpay("migrate", env={"DATABASE_URL": url})
    assert_one_line_error(result, "cannot connect", "nobody_here")


def test_wrong_password_on_embedded_server(pgpay_home: Path) -> None:
    server = EmbeddedPostgres(pgpay_home)
    url = server.start()
    try:
        password = url.split(":")[2].split("@")[0]
        bad = url.replace(password, "wrong-password")
        result = run_pgpay("migrate", env={"DATABASE_URL": bad})
        assert_one_line_error(result, "password authentication failed")
        assert "wrong-password" not in result.stderr and password not in result.stderr
    finally:
        server.stop()


@pytest.mark.parametrize(
    "url",
    ["not a url", "postgresql://user@host:notaport/db", "mysql://root@localhost/db"],
)
def test_malformed_url(url: str) -> None:
    result = run_pgpay("migrate", env={"DATABASE_URL": url})
    assert_one_line_error(result, "malformed")


def test_missing_postgres_binaries_named_in_one_line(pgpay_home: Path) -> None:
    result = run_pgpay(
        "migrate", env={"PGPAY_HOME": str(pgpay_home), "PGPAY_PG_BINDIR": "/nonexistent/bin"}
    )
    assert_one_line_error(result, "install PostgreSQL")


def test_a_role_without_privileges_gets_one_line_not_a_traceback(
    pgpay_postgres: TestPostgresql,
) -> None:
    admin = pgpay_postgres.url(database="postgres")
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS pgpay_weak")
        conn.execute("CREATE ROLE pgpay_weak LOGIN")
        conn.execute("DROP DATABASE IF EXISTS pgpay_weak_db")
        conn.execute("CREATE DATABASE pgpay_weak_db")
        conn.execute("REVOKE CREATE ON DATABASE pgpay_weak_db FROM PUBLIC")
    try:
        url = pgpay_postgres.url(user="pgpay_weak", database="pgpay_weak_db")
        result = run_pgpay("migrate", env={"DATABASE_URL": url})
        assert result.returncode in (1, 2), result
        err = result.stderr.strip()
        assert "Traceback" not in err
        assert len(err.splitlines()) == 1, err
        assert err.startswith("pgpay: error: ")
        assert "permission denied" in err
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS pgpay_weak_db WITH (FORCE)")
            conn.execute("DROP ROLE IF EXISTS pgpay_weak")
