"""Fixtures for ingest tests: the real ASGI app under a real uvicorn server, fed like Stripe.

`webhook_server` serves `create_app(...)` over HTTP on 127.0.0.1 (a free port, a background
thread, a clean shutdown at teardown) against the test's own database; `webhook_send` POSTs an
event or raw bytes signed exactly as Stripe signs them. `webhook_serve` starts more servers with
other settings or another database (e.g. a PostgreSQL server a test stops). All fixture names
start with `webhook_` so other ingest tests can reuse them without clashes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from pgpay.config import Settings
from pgpay.server import create_app
from pgpay.testing.events import StripeFactory
from pgpay.testing.signing import STRIPE_USER_AGENT, encode_event, sign_payload

WEBHOOK_SECRET = "whsec_pgpayTestCurrentSigningSecret0123456789"
"""The current test-mode signing secret the test servers are configured with."""
WEBHOOK_PREVIOUS_SECRET = "whsec_pgpayTestPreviousSigningSecret9876543"
"""The secret being rotated out; still configured, so still accepted."""

STATE_TABLES = (
    "payments.webhook_events",
    "payments.stripe_customer_mappings",
    "payments.checkout_sessions",
    "payments.customers",
    "payments.products",
    "payments.prices",
    "payments.subscriptions",
    "payments.subscription_items",
    "payments.payment_history",
    "public.orders",
    "public.credit_ledger",
    "public.user_entitlements",
    "public.team_billing_status",
)
"""Every table an ingested event may write to (the ledger, the mirror, the fulfilment tables)."""

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
def run_uvicorn(app: Starlette) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port meanwhile
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
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


@dataclass
class WebhookServer:
    """A running pgpay server and a keep-alive client to it."""

    url: str
    app: Starlette
    settings: Settings
    database_url: str
    client: httpx.Client

    def send(
        self,
        event: Mapping[str, Any] | bytes,
        *,
        secret: str | Sequence[str] | None = WEBHOOK_SECRET,
        timestamp: int | None = None,
        environment: str = "test",
        headers: Mapping[str, str] | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        """POST `event` (a dict, encoded as Stripe encodes bodies, or the exact bytes) to the
        webhook endpoint, signed over those exact bytes with `secret` (several: one v1 each,
        as during a rotation; None: no Stripe-Signature header). `headers` are added last and
        may override the signature. `client` sends from another connection (e.g. a thread)."""
        body = event if isinstance(event, bytes) else encode_event(event)
        sent = {"Content-Type": "application/json; charset=utf-8", "User-Agent": STRIPE_USER_AGENT}
        if secret is not None:
            sent["Stripe-Signature"] = sign_payload(body, secret, timestamp)
        sent.update(headers or {})
        return (client or self.client).post(
            f"/webhooks/stripe/{environment}", content=body, headers=sent
        )

    def new_client(self, **kwargs: Any) -> httpx.Client:
        """Another keep-alive client to this server (close it, or use it in a `with`)."""
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.url, **kwargs)

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        """GET /metrics, parsed: (sample name, labels) -> value."""
        response = self.client.get("/metrics")
        response.raise_for_status()
        samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return samples

    def webhook_count(self, outcome: str, environment: str = "test") -> float:
        """The pgpay_webhook_events counter for one outcome (0 when never counted)."""
        key = frozenset({("environment", environment), ("outcome", outcome)})
        return self.metrics().get(("pgpay_webhook_events_total", key), 0.0)


ServeFactory = Callable[..., contextlib.AbstractContextManager[WebhookServer]]


@pytest.fixture
def webhook_environ(tmp_path: Path) -> dict[str, str]:
    """The environment the test servers read: a test signing secret pair (a rotation in
    progress: current first) and a private PGPAY_HOME; nothing from the real environment."""
    return {
        "STRIPE_TEST_WEBHOOK_SECRET": f"{WEBHOOK_SECRET},{WEBHOOK_PREVIOUS_SECRET}",
        "PGPAY_HOME": str(tmp_path / ".pgpay"),
    }


@pytest.fixture
def webhook_settings(webhook_environ: dict[str, str]) -> Settings:
    return Settings.from_env(webhook_environ)


@pytest.fixture
def webhook_serve() -> ServeFactory:
    """`with webhook_serve(settings, database_url, **create_app_kwargs) as server:` runs one
    more pgpay server (its own pool and metrics) for the duration of the block."""

    @contextlib.contextmanager
    def serve(settings: Settings, database_url: str, **kwargs: Any) -> Iterator[WebhookServer]:
        app = create_app(settings, database_url, **kwargs)
        with run_uvicorn(app) as url, httpx.Client(base_url=url, timeout=30.0) as client:
            yield WebhookServer(url, app, settings, database_url, client)

    return serve


@pytest.fixture
def webhook_server(
    webhook_serve: ServeFactory, webhook_settings: Settings, pgpay_database_url: str
) -> Iterator[WebhookServer]:
    """A pgpay server on the test's own fresh database."""
    with webhook_serve(webhook_settings, pgpay_database_url) as server:
        yield server


@pytest.fixture
def webhook_send(webhook_server: WebhookServer) -> Callable[..., httpx.Response]:
    """`webhook_send(event_or_bytes, secret=..., timestamp=..., environment=..., headers=...)`."""
    return webhook_server.send


@pytest.fixture
def webhook_factory() -> StripeFactory:
    """Stripe-shaped test-mode objects and events (each test has its own database)."""
    return StripeFactory(livemode=False)


@pytest.fixture
def webhook_row_counts(
    pgpay_db: psycopg.Connection[Any],
) -> Callable[[], dict[str, int]]:
    """`webhook_row_counts()`: the number of rows in every table an event may write to."""

    def counts() -> dict[str, int]:
        result: dict[str, int] = {}
        for table in STATE_TABLES:
            row = pgpay_db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
            result[table] = int(row["n"]) if row else -1
        return result

    return counts
