"""Shared helpers for pgpay's own suite. Database fixtures come from the pgpay pytest plugin."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pgpay.server import uvicorn_config

REPO = Path(__file__).resolve().parent.parent

STATE_TABLES = (
    "payments.webhook_events",
    "payments.stripe_customer_mappings",
    "payments.checkout_sessions",
    "payments.customer_portal_sessions",
    "payments.customers",
    "payments.products",
    "payments.prices",
    "payments.subscriptions",
    "payments.subscription_items",
    "payments.payment_history",
    "payments.credit_totals",
    "public.orders",
    "public.credit_ledger",
    "public.user_entitlements",
    "public.team_billing_status",
)
"""Every table events or the app write to (not payments.settings nor payments.subject_types)."""

SERVER_START_TIMEOUT = 15.0
SERVER_STOP_TIMEOUT = 15.0


class _ThreadedServer(uvicorn.Server):  # type: ignore[misc]
    """A uvicorn server that leaves signal handling to pytest (it runs in a worker thread)."""

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29
        pass

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # uvicorn >= 0.29
        yield


@contextlib.contextmanager
def run_uvicorn(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port meanwhile
    port = sock.getsockname()[1]
    config = uvicorn_config(app, log_level="warning", timeout_graceful_shutdown=5)
    server = _ThreadedServer(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the pgpay server stopped during startup (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the pgpay server did not start in {SERVER_START_TIMEOUT} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(SERVER_STOP_TIMEOUT)
        sock.close()
        if thread.is_alive():
            server.force_exit = True
            thread.join(SERVER_STOP_TIMEOUT)
    assert not thread.is_alive(), "the pgpay server did not shut down"


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
