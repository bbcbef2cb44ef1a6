"""PostgreSQL goes away in the middle of a stream of deliveries, then comes back.

While it is down the server answers 503 (so Stripe retries), never 2xx for an event it did not
store and never 500. Once the same data directory is running again, redelivering every event that
did not get a 2xx leaves each event stored exactly once.

This test runs its own throw-away PostgreSQL, since it stops it.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from pgpay.config import Settings
from pgpay.testing.events import JSON, StripeFactory
from pgpay.testing.postgres import DatabaseFactory, TestPostgresql

from .conftest import ServeFactory, WebhookServer

EVENTS = 400
STOP_AFTER_ACCEPTED = 60  # stop PostgreSQL once this many events got a 2xx
# Keep it down until this many deliveries sent during the outage were refused: the first meets a
# delivery connection that died, the next ones must open a new one and cannot.
OUTAGE_REFUSALS = 2
DEADLINE_SECONDS = 20.0


@pytest.fixture
def own_postgres() -> Iterator[TestPostgresql]:
    # synchronous_commit=on: an acknowledged commit survives even an immediate shutdown.
    server = TestPostgresql(
        postgres_args="-h 127.0.0.1 -F -c logging_collector=off -c max_connections=50 "
        "-c synchronous_commit=on"
    )
    try:
        yield server
    finally:
        server.stop()


def stop_postgres(server: TestPostgresql, mode: str) -> None:
    """Stop the server: `fast` (SIGINT, a clean shutdown) or `immediate` (SIGQUIT, a crash that
    needs recovery at the next start). The data directory stays."""
    if mode == "fast":
        server.terminate()
        return
    process = server.child_process
    assert process is not None
    process.send_signal(signal.SIGQUIT)
    process.wait(timeout=30)
    server.child_process = None


class Stream:
    """Sends every event once, in order, from one thread; records each answer."""

    def __init__(self, server: WebhookServer, events: list[JSON]) -> None:
        self.server = server
        self.events = events
        self.answers: dict[str, list[int]] = {event["id"]: [] for event in events}
        self.accepted = 0
        self.down = threading.Event()
        self.refused_while_down = 0
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="webhook-stream")

    def _run(self) -> None:
        try:
            with self.server.new_client(timeout=30.0) as client:
                for event in self.events:
                    down = self.down.is_set()
                    response = self.server.send(event, client=client)
                    self.answers[event["id"]].append(response.status_code)
                    if response.is_success:
                        self.accepted += 1
                    if down and response.status_code == 503:
                        self.refused_while_down += 1
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not condition():
            assert self.thread.is_alive() or condition(), f"the stream ended before {what}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.01)


def redeliver_until_accepted(
    server: WebhookServer, events: list[JSON], answers: dict[str, list[int]]
) -> None:
    """Redeliver, as Stripe does, every event whose last answer was not a 2xx."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    pending = [event for event in events if not 200 <= answers[event["id"]][-1] < 300]
    while pending:
        assert time.monotonic() < deadline, f"{len(pending)} events never got a 2xx"
        for event in pending:
            answers[event["id"]].append(server.send(event).status_code)
        pending = [event for event in pending if not 200 <= answers[event["id"]][-1] < 300]
        if pending:
            time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_deliveries_survive_a_database_outage(
    own_postgres: TestPostgresql,
    webhook_serve: ServeFactory,
    webhook_environ: dict[str, str],
    mode: str,
) -> None:
    databases = DatabaseFactory(own_postgres)
    database_url = databases.url_for(databases.create())
    factory = StripeFactory(seed=11)
    events: list[JSON] = []
    for n in range(EVENTS):
        obj = factory.customer(email=f"c{n}@example.com")
        events.append(factory.event("customer.created", obj))
        factory.tick()

    with webhook_serve(Settings.from_env(webhook_environ), database_url) as server:
        stream = Stream(server, events)
        stream.thread.start()
        try:
            stream.wait_for(lambda: stream.accepted >= STOP_AFTER_ACCEPTED, "the first 2xx")
            stream.down.set()
            stop_postgres(own_postgres, mode)
            stream.wait_for(
                lambda: stream.refused_while_down >= OUTAGE_REFUSALS, "refusals during the outage"
            )
            own_postgres.start()  # the same data directory and port
            stream.down.clear()
        finally:
            stream.thread.join(60)
        assert stream.error is None, stream.error
        assert not stream.thread.is_alive()

        first_answers = [answers[0] for answers in stream.answers.values()]
        assert set(first_answers) <= {200, 503}, sorted(set(first_answers))
        refused = [event["id"] for event in events if stream.answers[event["id"]][0] == 503]
        assert len(refused) >= OUTAGE_REFUSALS
        accepted_first = {event["id"] for event in events if stream.answers[event["id"]][0] == 200}

        with psycopg.connect(database_url, autocommit=True) as conn:
            stored_before = {
                row[0]
                for row in conn.execute("SELECT stripe_event_id FROM payments.webhook_events")
            }
        # Never a 2xx for an event that was not stored.
        assert accepted_first <= stored_before, sorted(accepted_first - stored_before)

        redeliver_until_accepted(server, events, stream.answers)
        retried = [answers for answers in stream.answers.values() if len(answers) > 1]
        assert all(set(answers) <= {200, 503} for answers in retried), retried

        health = server.client.get("/healthz")
        assert health.status_code == 200, health.text

    with psycopg.connect(database_url, autocommit=True) as conn:
        ledger = conn.execute(
            "SELECT stripe_event_id, status, count(*) OVER (PARTITION BY stripe_event_id) AS n"
            " FROM payments.webhook_events"
        ).fetchall()
        customers = conn.execute(
            "SELECT stripe_customer_id, count(*) AS n FROM payments.customers GROUP BY 1"
        ).fetchall()
    assert sorted(row[0] for row in ledger) == sorted(event["id"] for event in events)
    assert {row[2] for row in ledger} == {1}
    assert {row[1] for row in ledger} == {"processed"}
    expected_customers = {event["data"]["object"]["id"] for event in events}
    assert {row[0] for row in customers} == expected_customers
    assert {row[1] for row in customers} == {1}
