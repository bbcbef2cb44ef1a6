"""A refund delivered while an invoice learns its payment intent from the ledger.

Webhook invoices of API 2025-03-31 carry neither `payment_intent` nor `payments`: the invoice
learns its intent from a stored `invoice_payment.paid` event, so the intent is not among the
invoice event's lock keys. The invoice takes the intent's lock as soon as it learns it; a refund
of that intent delivered at the same moment waits, then finds the invoice and re-derives its
refunded amount.
"""

from __future__ import annotations

import copy
import threading

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from pgpay.testing.events import JSON
from tests.fulfilment import helpers as h

NEW_API = "2025-03-31.basil"


def ingest(conn: psycopg.Connection, event: JSON) -> str:
    row = conn.execute(
        "SELECT payments.ingest_stripe_event('test', %s) AS outcome", [Jsonb(event)]
    ).fetchone()
    assert row is not None
    return str(row["outcome"])


def test_a_refund_racing_an_invoice_that_learns_its_intent_is_counted(
    pgpay_database_url: str, pgpay_db: psycopg.Connection
) -> None:
    f = h.factory(11, days_ago=40, api_version=NEW_API)
    catalog = h.build_catalog(f)
    events = f.subscription_lifecycle("user", "u2", catalog.prices["basic"], end="active")
    first = {}
    for event in events:
        first.setdefault(event["type"], event)
    h.ingest(pgpay_db, catalog.events)
    h.ingest(pgpay_db, [first["customer.created"], first["customer.subscription.created"]])
    invoice_paid = copy.deepcopy(first["invoice.paid"])
    payment = invoice_paid["data"]["object"].pop("payments")["data"][0]  # as webhooks send it
    charge = first["charge.succeeded"]["data"]["object"]["id"]
    assert ingest(pgpay_db, f.event("invoice_payment.paid", payment)) == "processed"
    refund = next(e for e in f.refund_events(charge, amount=100) if e["type"] == "refund.created")

    outcome: list[str] = []
    with psycopg.connect(pgpay_database_url, row_factory=dict_row) as invoice_tx:
        assert ingest(invoice_tx, invoice_paid) == "processed"  # still open: holds its locks

        def deliver_refund() -> None:
            with psycopg.connect(pgpay_database_url, autocommit=True, row_factory=dict_row) as c:
                outcome.append(ingest(c, refund))

        sender = threading.Thread(target=deliver_refund)
        sender.start()
        sender.join(timeout=1.0)
        assert sender.is_alive(), "the refund must wait for the invoice holding its intent"
        invoice_tx.commit()
    sender.join(timeout=30)
    assert outcome == ["processed"]

    row = pgpay_db.execute(
        "SELECT status, amount_refunded FROM payments.payment_history"
        " WHERE type = 'subscription_invoice'"
    ).fetchone()
    assert row is not None
    assert (row["status"], row["amount_refunded"]) == ("partially_refunded", 100)
