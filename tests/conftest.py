"""Shared helpers for pgpay's own suite. Database fixtures come from the pgpay pytest plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_pgpay(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m pgpay ARGS` as a user would, with a clean pgpay environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "PGPAY_"))}
    base.pop("DATABASE_URL", None)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pgpay", *args],
        capture_output=True,
        text=True,
        env=base,
        cwd=cwd,
        input=input,
        timeout=120,
        check=False,
    )


@pytest.fixture
def pgpay_home() -> Iterator[Path]:
    """A `.pgpay/` home in a folder the `postgres` OS user can reach (pytest's tmp is private)."""
    base = Path(tempfile.mkdtemp(prefix="pgpay-home-"))
    os.chmod(base, 0o755)
    try:
        yield base / ".pgpay"
    finally:
        from pgpay.embedded import EmbeddedPostgres

        if (base / ".pgpay" / "postgres").exists():
            EmbeddedPostgres(base / ".pgpay").stop()
        shutil.rmtree(base, ignore_errors=True)
