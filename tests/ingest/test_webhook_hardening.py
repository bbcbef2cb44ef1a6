"""The webhook path under conflicts and misconfiguration, and pgpay's JSON for unknown routes."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg.rows import DictRow

from pgpay.config import Settings
from pgpay.testing.events import StripeFactory
from tests.ingest.conftest import ServeFactory, WebhookServer

# A sequence is not rolled back with the failed attempt: only the first attempt deadlocks.
# (The ingest function runs as pgpay_writer, so the trigger's sequence is granted to it.)
DEADLOCK_ONCE = """
CREATE SEQUENCE public.ingest_attempts;
GRANT USAGE, UPDATE ON SEQUENCE public.ingest_attempts TO pgpay_writer;
CREATE FUNCTION public.tg_deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.nextval('public.ingest_attempts') = 1 THEN
        RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = 'deadlock_detected';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER deadlock_once BEFORE INSERT ON payments.customers
FOR EACH ROW EXECUTE FUNCTION public.tg_deadlock_once();
"""


def test_a_lock_conflict_is_retried_and_the_event_stored_once(
    webhook_server: WebhookServer,
    webhook_factory: StripeFactory,
    pgpay_db: psycopg.Connection[DictRow],
) -> None:
    pgpay_db.execute(DEADLOCK_ONCE)
    event = webhook_factory.event("customer.created", webhook_factory.customer())
    answer = webhook_server.send(event)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "processed"
    attempts = pgpay_db.execute("SELECT last_value FROM public.ingest_attempts").fetchone()
    assert attempts == {"last_value": 2}
    rows = pgpay_db.execute(
        "SELECT status, attempts FROM payments.webhook_events WHERE stripe_event_id = %s",
        (event["id"],),
    ).fetchall()
    assert rows == [{"status": "processed", "attempts": 1}]
    assert pgpay_db.execute("SELECT count(*) AS n FROM payments.customers").fetchone() == {"n": 1}


def test_persistent_lock_conflicts_answer_503_and_store_nothing(
    webhook_server: WebhookServer,
    webhook_factory: StripeFactory,
    pgpay_db: psycopg.Connection[DictRow],
) -> None:
    pgpay_db.execute(
        "CREATE FUNCTION public.tg_always_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = 'deadlock_detected'; END $$"
    )
    pgpay_db.execute(
        "CREATE TRIGGER always_deadlock BEFORE INSERT ON payments.customers "
        "FOR EACH ROW EXECUTE FUNCTION public.tg_always_deadlock()"
    )
    answer = webhook_server.send(
        webhook_factory.event("customer.created", webhook_factory.customer())
    )
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "database_busy"
    count = pgpay_db.execute("SELECT count(*) AS n FROM payments.webhook_events").fetchone()
    assert count == {"n": 0}


def test_an_unreadable_secrets_file_is_a_json_503(
    webhook_serve: ServeFactory, pgpay_database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    secrets = home / "secrets.json"
    secrets.write_text('{"test": {"webhook_secret": "whsec_x"}}')
    os.chmod(secrets, 0o644)
    settings = Settings.from_env({"PGPAY_HOME": str(home)})
    factory = StripeFactory()
    with webhook_serve(settings, pgpay_database_url) as server:
        answer = server.send(
            factory.event("customer.created", factory.customer()), secret="whsec_x"
        )
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "webhook_secret_unreadable"
    assert "chmod 600" in body["message"]
    assert "whsec_x" not in answer.text


def test_unknown_routes_and_methods_answer_json(webhook_server: WebhookServer) -> None:
    missing = webhook_server.client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "message": "Not Found", "statusCode": 404}
    wrong = webhook_server.client.post("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"
