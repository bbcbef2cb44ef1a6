"""Shared tools of the fulfilment tests: a catalog, ingest, the app's own rows, and readers.

Events go through `payments.ingest_stripe_event` exactly as the webhook handler sends them (one
call per event, autocommit). Rows the app writes itself (orders, pgpay's checkout row with the
line items Stripe never puts in a webhook) are written as the app or pgpay's checkout route would.
The readers return plain values that compare equal across delivery orders: no surrogate ids, no
`now()` timestamps.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from pgpay.testing.events import JSON, StripeFactory, diff_attributes
from pgpay.testing.postgres import DatabaseFactory
from tests.conftest import STATE_TABLES

ENV = "test"
DAY = 86_400

Conn = psycopg.Connection[DictRow]


DEFAULT_SETTINGS = {"past_due_grace_period": "3 days", "entitlement_grace_period": "1 day"}
"""payments.settings as migration 0004 ships them."""


def factory(
    seed: int, *, days_ago: float = 0, api_version: str = "2025-03-31.basil"
) -> StripeFactory:
    """A StripeFactory whose clock starts `days_ago` before the real now.

    The access rule is evaluated against `now()` when an event is projected, so scenarios whose
    outcome depends on "is the period over yet" must be placed relative to the real clock.
    """
    return StripeFactory(
        api_version=api_version, start=int(time.time() - days_ago * DAY), seed=seed
    )


# ----------------------------------------------------------------------------------- catalog


@dataclass
class Catalog:
    """A realistic catalog, built with one factory, and the events that announce it.

    - `pack`: one-time credit pack; credits on the product (10 per unit), entitlement `export`.
    - `pack_bonus`: another price of the same product whose own metadata says 25 credits.
    - `basic` / `pro`: monthly plans; basic grants 100 credits (product metadata) and `basic`;
      pro grants 500 (price metadata beats the product's 300) and `basic,pro,priority`.
    - `team`: a monthly per-seat plan (lookup key `team_monthly`) with entitlement `team`.
    - `team_plus`: a yearly per-seat plan (lookup key `team_plus_yearly`).
    """

    products: dict[str, JSON] = field(default_factory=dict)
    prices: dict[str, JSON] = field(default_factory=dict)
    events: list[JSON] = field(default_factory=list)


def build_catalog(f: StripeFactory) -> Catalog:
    cat = Catalog()

    def product(name: str, metadata: Mapping[str, str]) -> JSON:
        obj = f.product(name.title(), metadata=metadata)
        cat.products[name] = obj
        cat.events.append(f.event("product.created", obj))
        return obj

    def price(name: str, prod: JSON, amount: int, **kwargs: Any) -> None:
        obj = f.price(prod["id"], amount, **kwargs)
        cat.prices[name] = obj
        cat.events.append(f.event("price.created", obj))

    pack = product("pack", {"credits": "10", "entitlements": "export"})
    price("pack", pack, 500)
    price("pack_bonus", pack, 1_000, metadata={"credits": "25"})
    basic = product("basic", {"credits": "100", "entitlements": "basic"})
    price("basic", basic, 1_000, recurring_interval="month", lookup_key="basic_monthly")
    pro = product("pro", {"credits": "300", "entitlements": "basic, pro,priority"})
    price(
        "pro",
        pro,
        3_000,
        recurring_interval="month",
        metadata={"credits": "500"},
        lookup_key="pro_monthly",
    )
    team = product("team", {"entitlements": "team"})
    price("team", team, 800, recurring_interval="month", lookup_key="team_monthly")
    price("team_plus", team, 8_000, recurring_interval="year", lookup_key="team_plus_yearly")
    f.tick(60)
    return cat


# ------------------------------------------------------------------------------------ ingest


def ingest(conn: Conn, events: Iterable[Mapping[str, Any]], environment: str = ENV) -> list[str]:
    """Feed events one by one, each in its own transaction, as the webhook handler does; fail
    loudly on a failed projection."""
    outcomes: list[str] = []
    for event in events:
        row = conn.execute(
            "SELECT payments.ingest_stripe_event(%s, %s) AS outcome",
            [environment, Jsonb(dict(event))],
        ).fetchone()
        assert row is not None
        outcome = str(row["outcome"])
        if outcome == "failed":
            error = conn.execute(
                "SELECT last_error FROM payments.webhook_events"
                " WHERE environment = %s AND stripe_event_id = %s",
                [environment, event["id"]],
            ).fetchone()
            raise AssertionError(
                f"{event['type']} {event['id']} failed: {error['last_error'] if error else '?'}"
            )
        outcomes.append(outcome)
    return outcomes


def reset(conn: Conn) -> None:
    """Empty every state table and put the settings back to the shipped defaults.

    credit_ledger refuses DELETE, so it is truncated; the other tables are tiny here, and a
    DELETE of a few rows is far cheaper than a TRUNCATE (new files for every table).
    """
    with conn.transaction():
        conn.execute("TRUNCATE public.credit_ledger RESTART IDENTITY")
        for table in STATE_TABLES:
            if table != "public.credit_ledger":
                conn.execute(f"DELETE FROM {table}")
        for key, value in DEFAULT_SETTINGS.items():
            set_setting(conn, key, value)


@contextlib.contextmanager
def shared_database(databases: DatabaseFactory) -> Iterator[Conn]:
    """One migrated database for a whole test module (each test resets it: see `reset`).

    Copying the template per test costs about a second on a busy machine; a TRUNCATE costs
    milliseconds, which keeps the fulfilment suite well inside its time budget.
    """
    name = databases.create(prefix="pgpay_fulfilment")
    try:
        with psycopg.connect(
            databases.url_for(name), autocommit=True, row_factory=dict_row
        ) as conn:
            yield conn
    finally:
        databases.drop(name)


def set_setting(conn: Conn, key: str, interval: str) -> None:
    conn.execute("UPDATE payments.settings SET value = %s WHERE key = %s", [Jsonb(interval), key])


# ------------------------------------------------------------------- rows the app writes


def session_of(events: Sequence[Mapping[str, Any]]) -> JSON:
    """The (last) Checkout Session object of a scenario's events."""
    sessions = [e["data"]["object"] for e in events if e["type"].startswith("checkout.session.")]
    assert sessions, "the scenario has no checkout session"
    return dict(sessions[-1])


def intent_of(events: Sequence[Mapping[str, Any]]) -> str:
    """The PaymentIntent id of a one-time purchase's events."""
    return str(session_of(events)["payment_intent"])


def charge_of(events: Sequence[Mapping[str, Any]]) -> str:
    """The (last) charge id of a scenario's events."""
    charges = [
        e["data"]["object"]["id"] for e in events if e["data"]["object"]["object"] == "charge"
    ]
    assert charges, "the scenario has no charge"
    return str(charges[-1])


def create_order(
    conn: Conn,
    *,
    order_id: uuid.UUID | None = None,
    subject: tuple[str, str] | None = None,
    amount: int | None = None,
    currency: str | None = "usd",
    stripe_checkout_session_id: str | None = None,
) -> uuid.UUID:
    """The app creates its order before sending the buyer to Checkout."""
    row = conn.execute(
        "INSERT INTO public.orders (id, environment, subject_type, subject_id, amount, currency,"
        " stripe_checkout_session_id) VALUES (coalesce(%s, gen_random_uuid()), %s, %s, %s, %s,"
        " %s, %s) RETURNING id",
        [
            order_id,
            ENV,
            subject[0] if subject else None,
            subject[1] if subject else None,
            amount,
            currency,
            stripe_checkout_session_id,
        ],
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def record_checkout(
    conn: Conn,
    session: Mapping[str, Any],
    line_items: Sequence[tuple[Mapping[str, Any], int]],
    *,
    order_id: uuid.UUID | None = None,
) -> None:
    """Store pgpay's own checkout row as the checkout route does (Stripe id, subject, line items).

    Upserts on the Stripe id: when the webhooks came first, the ingestor already made a row for
    that session (without line items or order), and the route's write completes it.
    """
    meta = session.get("metadata") or {}
    local_id = meta.get("pgpay_checkout_session_id") or str(uuid.uuid4())
    items = [{"price": str(price["id"]), "quantity": qty} for price, qty in line_items]
    conn.execute(
        """
        INSERT INTO payments.checkout_sessions AS cs (
            id, environment, mode, stripe_checkout_session_id, subject_type, subject_id,
            line_items, order_id, success_url, cancel_url
        ) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'https://example.com/thanks',
            'https://example.com/cancel')
        ON CONFLICT (environment, stripe_checkout_session_id) DO UPDATE SET
            line_items = excluded.line_items,
            order_id = excluded.order_id,
            subject_type = coalesce(cs.subject_type, excluded.subject_type),
            subject_id = coalesce(cs.subject_id, excluded.subject_id)
        """,
        [
            local_id,
            ENV,
            session["mode"],
            session["id"],
            meta.get("pgpay_subject_type"),
            meta.get("pgpay_subject_id"),
            Jsonb(items),
            order_id,
        ],
    )


# ------------------------------------------------------------------------------------ readers


def order_row(conn: Conn, order_id: uuid.UUID) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM public.orders WHERE id = %s", [order_id]).fetchone()
    assert row is not None, f"order {order_id} vanished"
    return dict(row)


def order_status(conn: Conn, order_id: uuid.UUID) -> str:
    return str(order_row(conn, order_id)["status"])


def balance(conn: Conn, subject_type: str, subject_id: str) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(amount), 0)::bigint AS balance FROM public.credit_ledger"
        " WHERE environment = %s AND subject_type = %s AND subject_id = %s",
        [ENV, subject_type, subject_id],
    ).fetchone()
    assert row is not None
    return int(row["balance"])


def view_balance(conn: Conn, subject_type: str, subject_id: str) -> int | None:
    row = conn.execute(
        "SELECT balance FROM public.credit_balances"
        " WHERE environment = %s AND subject_type = %s AND subject_id = %s",
        [ENV, subject_type, subject_id],
    ).fetchone()
    return None if row is None else int(row["balance"])


def ledger(conn: Conn, subject_type: str, subject_id: str) -> list[tuple[str, int]]:
    """(kind, amount) of a subject's entries, in posting order."""
    rows = conn.execute(
        "SELECT kind, amount FROM public.credit_ledger"
        " WHERE environment = %s AND subject_type = %s AND subject_id = %s ORDER BY id",
        [ENV, subject_type, subject_id],
    ).fetchall()
    return [(str(r["kind"]), int(r["amount"])) for r in rows]


def active_keys(conn: Conn, user_id: str) -> set[str]:
    """Entitlement keys a user may use now (active and not expired)."""
    rows = conn.execute(
        "SELECT DISTINCT entitlement_key FROM public.user_entitlements"
        " WHERE environment = %s AND user_id = %s AND active"
        " AND (valid_until IS NULL OR valid_until > now())",
        [ENV, user_id],
    ).fetchall()
    return {str(r["entitlement_key"]) for r in rows}


def entitlement_rows(conn: Conn, user_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(key, source_type) -> the row, for one user."""
    rows = conn.execute(
        "SELECT * FROM public.user_entitlements WHERE environment = %s AND user_id = %s",
        [ENV, user_id],
    ).fetchall()
    return {(str(r["entitlement_key"]), str(r["source_type"])): dict(r) for r in rows}


def team_row(conn: Conn, subject_type: str, subject_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM public.team_billing_status"
        " WHERE environment = %s AND subject_type = %s AND subject_id = %s",
        [ENV, subject_type, subject_id],
    ).fetchone()
    return None if row is None else dict(row)


def public_state(conn: Conn) -> dict[str, Any]:
    """What an app fulfils from, as values that must not depend on delivery order.

    - orders: status, amounts, Stripe ids, subject, and whether they were ever paid / refunded /
      failed (the `*_at` columns hold `now()`, so only their presence is compared);
    - entitlements in force: (user, key, source, product, valid_until) of the active rows. A key
      a user no longer has may be kept as an inactive row or never written at all, depending on
      whether the snapshot that granted it was ever applied: both mean "no access";
    - team_billing_status rows, without their bookkeeping timestamps;
    - credit ledger sums per subject and kind (entries may be split differently, e.g. one
      reversal for a full refund or one per partial refund, but the sums must agree).
    """
    orders = conn.execute(
        "SELECT id::text, status, amount, currency, amount_refunded, subject_type, subject_id,"
        " stripe_checkout_session_id, stripe_payment_intent_id,"
        " paid_at IS NOT NULL AS was_paid, refunded_at IS NOT NULL AS was_refunded,"
        " failed_at IS NOT NULL AS has_failed"
        " FROM public.orders ORDER BY id"
    ).fetchall()
    entitlements = conn.execute(
        "SELECT user_id, entitlement_key, source_type, source_id, stripe_product_id, valid_until"
        " FROM public.user_entitlements WHERE active"
        " ORDER BY user_id, entitlement_key, source_type, source_id"
    ).fetchall()
    teams = conn.execute(
        "SELECT subject_type, subject_id, stripe_customer_id, stripe_subscription_id,"
        " stripe_product_id, stripe_price_id, plan, status, seats, current_period_end,"
        " cancel_at_period_end, trial_end, has_access FROM public.team_billing_status"
        " ORDER BY subject_type, subject_id"
    ).fetchall()
    sums = conn.execute(
        "SELECT subject_type, subject_id, kind, sum(amount)::bigint AS total"
        " FROM public.credit_ledger GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ).fetchall()
    return {
        "orders": [dict(r) for r in orders],
        "entitlements": [dict(r) for r in entitlements],
        "teams": [dict(r) for r in teams],
        "ledger_sums": [dict(r) for r in sums],
    }


def buy(
    conn: Conn,
    f: StripeFactory,
    price: Mapping[str, Any],
    quantity: int = 1,
    subject: tuple[str, str] | None = ("user", "u1"),
    *,
    order: bool = False,
    async_payment: bool = False,
    async_outcome: Any = "succeeded",
) -> tuple[list[JSON], uuid.UUID | None]:
    """A one-time purchase as an app makes it: (order), pgpay's checkout row with the line
    items, then Stripe's events, returned undelivered."""
    events = f.one_time_purchase(
        *(subject or (None, None)),
        price,
        quantity=quantity,
        async_payment=async_payment,
        async_outcome=async_outcome,
    )
    order_id = create_order(conn, subject=subject) if order else None
    record_checkout(conn, session_of(events), [(price, quantity)], order_id=order_id)
    return events, order_id


def period_of(sub: Mapping[str, Any]) -> tuple[int, int]:
    """A subscription object's current period, in either API shape."""
    if "current_period_end" in sub:
        return int(sub["current_period_start"]), int(sub["current_period_end"])
    item = sub["items"]["data"][0]
    return int(item["current_period_start"]), int(item["current_period_end"])


def restate(
    f: StripeFactory,
    sub: Mapping[str, Any],
    event_type: str = "customer.subscription.updated",
    **changes: Any,
) -> JSON:
    """`sub` rebuilt in a new state (status, period, cancel flags ...) and wrapped in an event one
    second after the factory's clock, as Stripe reports a change it made."""
    f.tick(1)
    start, end = period_of(sub)
    state: dict[str, Any] = {
        "customer": sub["customer"],
        "items": [(it["price"], int(it["quantity"])) for it in sub["items"]["data"]],
        "status": sub["status"],
        "metadata": sub["metadata"],
        "trial_end": sub["trial_end"],
        "cancel_at_period_end": sub["cancel_at_period_end"],
        "period_start": start,
        "period_end": end,
        "canceled_at": sub["canceled_at"],
        "ended_at": sub["ended_at"],
        "trial_start": sub["trial_start"],
        "cancel_at": sub["cancel_at"],
        "latest_invoice": sub["latest_invoice"],
        "id": sub["id"],
        "created": sub["created"],
    }
    state.update(changes)
    new = f.subscription(**state)
    return f.event(event_type, new, diff_attributes(sub, new))


def subscription_of(events: Sequence[Mapping[str, Any]]) -> JSON:
    """The last subscription snapshot in a scenario's events."""
    subs = [e["data"]["object"] for e in events if e["type"].startswith("customer.subscription.")]
    assert subs, "the scenario has no subscription"
    return dict(subs[-1])


def ts(value: Any) -> int:
    """A timestamptz read from the database as a Unix timestamp."""
    return int(value.timestamp())


TABLE_COUNTERS = ("seq_scan", "seq_tup_read", "idx_tup_fetch", "n_tup_ins", "n_tup_upd")


@contextlib.contextmanager
def table_activity(conn: Conn, *tables: str) -> Iterator[dict[str, int]]:
    """Run the block in one transaction; the dict it yields is then filled with how much the
    block scanned, read and wrote of `tables` (summed): pg_stat_xact_user_tables after less
    before, since the counters may still hold earlier transactions' work not yet reported."""
    query = (
        "SELECT "
        + ", ".join(f"coalesce(sum({c}), 0)::bigint AS {c}" for c in TABLE_COUNTERS)
        + " FROM pg_catalog.pg_stat_xact_user_tables WHERE relid = ANY(%s::regclass[])"
    )
    activity: dict[str, int] = {}
    with conn.transaction():
        before = conn.execute(query, [list(tables)]).fetchone()
        yield activity
        after = conn.execute(query, [list(tables)]).fetchone()
    assert before is not None and after is not None
    activity.update({c: int(after[c]) - int(before[c]) for c in TABLE_COUNTERS})
