"""The wheel carries migrations/ and sql/: an installed pgpay migrates without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import psycopg

from pgpay import resources
from pgpay.testing.postgres import DatabaseFactory
from tests.conftest import run_pgpay

REPO = Path(__file__).resolve().parents[2]


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("pgpay-*.whl")
    return wheel


def test_wheel_ships_the_sql_and_migrates_a_database_on_its_own(
    tmp_path: Path, pgpay_databases: DatabaseFactory
) -> None:
    wheel = build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in resources.sql_files():
        assert f"pgpay/_sql/{path.relative_to(resources.sql_dir()).as_posix()}" in names
    for path in resources.migrations_dir().glob("*.sql"):
        assert f"pgpay/_migrations/{path.name}" in names

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    name = pgpay_databases.create_empty()
    url = pgpay_databases.url_for(name)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PGPAY_", "STRIPE_"))}
        env.update(PYTHONPATH=str(site), DATABASE_URL=url)
        where = subprocess.run(
            [sys.executable, "-c", "from pgpay import resources; print(resources.sql_dir())"],
            env=env,
            cwd=elsewhere,
            capture_output=True,
            text=True,
            check=True,
        )
        assert where.stdout.strip().startswith(str(site)), where.stdout
        result = run_pgpay(
            "migrate", env={"PYTHONPATH": str(site), "DATABASE_URL": url}, cwd=elsewhere
        )
        assert result.returncode == 0, result.stderr
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT to_regproc('payments.ingest_stripe_event')").fetchone()
        assert row is not None and row[0] is not None
    finally:
        pgpay_databases.drop(name)
