"""The embedded PostgreSQL: kept under .pgpay/, reused, stopped; one server per directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from pgpay import migrate
from pgpay.embedded import EmbeddedPostgres, free_port
from tests.conftest import run_pgpay


def test_start_reuse_and_stop_keep_the_data(pgpay_home: Path) -> None:
    first = EmbeddedPostgres(pgpay_home)
    url = first.start()
    try:
        assert first.started_here
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v int)")
            conn.execute("INSERT INTO kept VALUES (42)")
        if os.geteuid() == 0:
            assert (first.data_dir).stat().st_uid != 0, "the data must belong to postgres"
        assert oct((pgpay_home / "embedded-postgres.json").stat().st_mode)[-3:] == "600"
        second = EmbeddedPostgres(pgpay_home)
        assert second.start() == url
        assert not second.started_here, "a running server must be reused, not started twice"
    finally:
        first.stop()
    assert not first.is_running()
    again = EmbeddedPostgres(pgpay_home)
    url2 = again.start()
    try:
        with psycopg.connect(url2) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    finally:
        again.stop()


def test_pgpay_migrate_on_the_embedded_server_stops_what_it_started(pgpay_home: Path) -> None:
    result = run_pgpay("migrate", env={"PGPAY_HOME": str(pgpay_home)})
    assert result.returncode == 0, result.stderr
    assert "applied 0001-payments-schema" in result.stdout
    assert not EmbeddedPostgres(pgpay_home).is_running()
    second = run_pgpay("migrate", env={"PGPAY_HOME": str(pgpay_home)})
    assert "migrations: up to date" in second.stdout
    status = run_pgpay("status", "--json", env={"PGPAY_HOME": str(pgpay_home)})
    report = json.loads(status.stdout)
    assert report["pending_migrations"] == []
    assert report["schema_version"] == migrate.migration_files()[-1].stem


def wait_for(url: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.parametrize(
    ("stop", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],  # Ctrl-C; a service manager, docker stop
    ids=["SIGINT", "SIGTERM"],
)
def test_pgpay_run_serves_and_stops_cleanly_with_its_postgres(
    pgpay_home: Path, stop: signal.Signals, status: int
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "PGPAY_"))}
    env.pop("DATABASE_URL", None)
    env["PGPAY_HOME"] = str(pgpay_home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgpay", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as response:
            assert b"pgpay_webhook_events" in response.read()
        assert EmbeddedPostgres(pgpay_home).is_running()
        proc.send_signal(stop)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, out  # 128 + the signal: the conventional status
    assert "Traceback" not in out
    assert not EmbeddedPostgres(pgpay_home).is_running()
