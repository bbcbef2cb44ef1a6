"""Tests of the Stripe admin commands (catalog, sync, backfill, keys, webhooks).

Every case runs the real `pgpay` command line against the test's own database and the local
Stripe stand-in (`pgpay_stripe`, reached through STRIPE_API_BASE), and asserts on the rows left
behind and on the requests the stand-in received.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pgpay.testing.stripe_api import StripeStandIn
from tests.conftest import run_pgpay


def admin_env(
    database_url: str, standin: StripeStandIn, home: Path, *, key: str | None = "default"
) -> dict[str, str]:
    """The environment of a `pgpay` run: the database, the stand-in, a private PGPAY_HOME and,
    unless `key` is None, STRIPE_TEST_SECRET_KEY (the stand-in's test key by default)."""
    env = {
        "DATABASE_URL": database_url,
        "STRIPE_API_BASE": standin.url,
        "PGPAY_HOME": str(home),
    }
    if key is not None:
        env["STRIPE_TEST_SECRET_KEY"] = standin.api_key if key == "default" else key
    return env


def pgpay_ok(*args: str, env: dict[str, str], input: str | None = None) -> str:
    """Run `pgpay ARGS`, assert it succeeded, return its standard output."""
    result = run_pgpay(*args, env=env, input=input)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A user error: non-zero exit, one `pgpay: error:` line, no traceback; returns the line."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    err = result.stderr.strip()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("pgpay: error: ")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def fail_after(
    standin: StripeStandIn, path: str, successes: int, failures: int, **fault: Any
) -> Callable[[], int]:
    """Let `successes` requests to `path` through, then inject a fault for the next `failures`
    (e.g. a failure on the second page of a listing). Returns a counter of requests seen."""
    original = standin.handle
    seen = 0

    def handle(method: str, target: str, headers: Any, body: bytes) -> Any:
        nonlocal seen
        if target.split("?", 1)[0] == path:
            seen += 1
            if seen == successes + 1:
                standin.fail_next(path, failures, **fault)
        return original(method, target, headers, body)

    standin.handle = handle  # type: ignore[method-assign]
    return lambda: seen


def next_second() -> None:
    """Wait until the wall clock enters a new second.

    Stripe timestamps, and so a sync snapshot's `created`, have one-second resolution; a sync
    that must see a change made after an earlier sync runs in a later second than that sync,
    as it always does outside a test.
    """
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)
