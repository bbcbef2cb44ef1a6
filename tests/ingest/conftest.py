"""Fixtures for ingest tests: the real ASGI app under a real uvicorn server, fed like Stripe.

`webhook_server` serves `create_app(...)` over HTTP on 127.0.0.1 (a free port, a background
thread, a clean shutdown at teardown) against the test's own database; `webhook_send` POSTs an
event or raw bytes signed exactly as Stripe signs them. `webhook_serve` starts more servers with
other settings or another database (e.g. a PostgreSQL server a test stops). All fixture names
start with `webhook_` so other ingest tests can reuse them without clashes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from pgpay.config import Settings
from pgpay.server import create_app
from pgpay.testing.events import StripeFactory
from pgpay.testing.signing import STRIPE_USER_AGENT, encode_event, sign_payload
from tests.conftest import STATE_TABLES, run_uvicorn

WEBHOOK_SECRET = "whsec_pgpayTestCurrentSigningSecret0123456789"
"""The current test-mode signing secret the test servers are configured with."""
WEBHOOK_PREVIOUS_SECRET = "whsec_pgpayTestPreviousSigningSecret9876543"
"""The secret being rotated out; still configured, so still accepted."""


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
