"""`pgpay catalog sync|list` and `pgpay sync`: what Stripe holds now, through the event path.

Every object listed from Stripe becomes a synthetic `<type>.updated` event fed to
`payments.ingest_stripe_event` with source 'sync', so sync shares everything with webhooks: the
staleness rules, the AFTER triggers into the fulfilment tables, a ledger row per change.

- The event id is a digest of the object snapshot, so a sync with nothing changed answers
  `duplicate` for every object and adds no row. When the stored row differs from a snapshot
  whose event is already in the ledger (the object went A -> B -> A), the id also covers the
  stored state, so the snapshot is applied again instead of being taken for a duplicate.
- The event's `created` is the second the listing started: a webhook event Stripe creates while
  (or after) the listing runs carries newer state and still wins; older ones lose to the snapshot.
- A product or price that is active locally but absent from a complete listing (Stripe's lists
  include archived ones, so it was deleted or belongs elsewhere) is deactivated by a synthetic
  update of its stored snapshot with `active: false`, not marked deleted: through the same path
  (ledger row, triggers, staleness check, so a product created after the listing began is left
  alone), and reversible: should it reappear, the next sync or webhook reactivates it, whereas
  `deleted` is final in the mirror.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import stripe
from psycopg.rows import DictRow
from tqdm import tqdm

from pgpay import feed
from pgpay.admin import (
    PINNED_API_VERSION,
    check_account,
    plain_json,
    record_sync,
    stripe_client,
    stripe_failure,
)
from pgpay.config import Environment, Settings
from pgpay.db import connect

PAGE_SIZE = 100
"""Objects per Stripe list request (Stripe's maximum)."""
CHUNK = 500
"""Objects turned into events and ingested at a time (bounds memory on large accounts)."""

Lister = Callable[[stripe.StripeClient], Iterable[Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    plural: str
    event_type: str
    list: Lister
    stored_sql: str
    """Stored snapshots of the given ids: `id`, `raw`, `last_event_at`."""
    vanished_sql: str | None = None
    """Locally active objects absent from a complete listing, last touched before it began."""


PRODUCTS = Kind(
    "product",
    "products",
    "product.updated",
    lambda c: c.v1.products.list({"limit": PAGE_SIZE}).auto_paging_iter(),
    """
    SELECT stripe_product_id AS id, raw, last_event_at FROM payments.products
    WHERE environment = %s AND stripe_product_id = ANY(%s)
    """,
    """
    SELECT stripe_product_id AS id, raw, last_event_at FROM payments.products
    WHERE environment = %s AND active AND NOT deleted AND stripe_product_id <> ALL(%s)
        AND (last_event_at IS NULL OR last_event_at < %s)
    ORDER BY stripe_product_id
    """,
)
PRICES = Kind(
    "price",
    "prices",
    "price.updated",
    lambda c: c.v1.prices.list({"limit": PAGE_SIZE}).auto_paging_iter(),
    """
    SELECT stripe_price_id AS id, raw, last_event_at FROM payments.prices
    WHERE environment = %s AND stripe_price_id = ANY(%s)
    """,
    """
    SELECT stripe_price_id AS id, raw, last_event_at FROM payments.prices
    WHERE environment = %s AND active AND NOT deleted AND stripe_price_id <> ALL(%s)
        AND (last_event_at IS NULL OR last_event_at < %s)
    ORDER BY stripe_price_id
    """,
)
CUSTOMERS = Kind(
    "customer",
    "customers",
    "customer.updated",
    lambda c: c.v1.customers.list({"limit": PAGE_SIZE}).auto_paging_iter(),
    """
    SELECT stripe_customer_id AS id, raw, last_event_at FROM payments.customers
    WHERE environment = %s AND stripe_customer_id = ANY(%s)
    """,
)
SUBSCRIPTIONS = Kind(
    "subscription",
    "subscriptions",
    "customer.subscription.updated",
    lambda c: c.v1.subscriptions.list({"status": "all", "limit": PAGE_SIZE}).auto_paging_iter(),
    """
    SELECT stripe_subscription_id AS id, raw, last_event_at FROM payments.subscriptions
    WHERE environment = %s AND stripe_subscription_id = ANY(%s)
    """,
)

CATALOG: tuple[Kind, ...] = (PRODUCTS, PRICES)
EVERYTHING: tuple[Kind, ...] = (PRODUCTS, PRICES, CUSTOMERS, SUBSCRIPTIONS)
"""In dependency order: products before their prices, customers (and their subject mappings)
before subscriptions, so the fulfilment projections find what they join to."""


@dataclass
class KindResult:
    kind: Kind
    listed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    """Outcomes of the listed objects' events (processed = changed, duplicate = unchanged)."""
    deactivated: Counter[str] = field(default_factory=Counter)
    """Outcomes of the deactivation events."""

    @property
    def unsuccessful(self) -> int:
        both = self.counts + self.deactivated
        return sum(n for key, n in both.items() if key in feed.UNSUCCESSFUL)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def sync_event_id(*parts: Any) -> str:
    """A Stripe-shaped event id that is a digest of `parts` (same snapshot, same id)."""
    digest = hashlib.sha256(_canonical(parts).encode()).hexdigest()[:32]
    return f"evt_sync_{digest}"


def synthetic_event(
    event_id: str, event_type: str, obj: dict[str, Any], created: int, environment: str
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "api_version": PINNED_API_VERSION,
        "created": created,
        "livemode": environment == "live",
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def snapshot_events(
    kind: Kind,
    objects: list[dict[str, Any]],
    stored: dict[str, dict[str, Any]],
    in_ledger: Callable[[list[str]], set[str]],
    created: int,
    environment: str,
) -> list[tuple[str, dict[str, Any]]]:
    """One `(label, event)` per object, its id a digest of the snapshot.

    When the stored row differs from the snapshot although the snapshot's event is already in
    the ledger (the object went A -> B -> A), the id also covers the stored state, so that the
    snapshot is applied again rather than answered as a duplicate.
    """
    ids = {obj["id"]: sync_event_id(kind.name, obj) for obj in objects}
    known = in_ledger(list(ids.values()))
    events = []
    for obj in objects:
        event_id = ids[obj["id"]]
        row = stored.get(obj["id"])
        if row is not None and row["raw"] != obj and event_id in known:
            last = row["last_event_at"]
            seen = last.isoformat() if isinstance(last, datetime) else None
            event_id = sync_event_id(kind.name, obj, seen, row["raw"])
        event = synthetic_event(event_id, kind.event_type, obj, created, environment)
        events.append((f"{kind.name} {obj['id']}", event))
    return events


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(plain_json(item))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stored(
    conn: psycopg.Connection[DictRow], kind: Kind, environment: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    rows = conn.execute(kind.stored_sql, (environment, ids)).fetchall()
    return {row["id"]: row for row in rows}


_LEDGER_SQL = """
SELECT stripe_event_id FROM payments.webhook_events
WHERE environment = %s AND stripe_event_id = ANY(%s)
"""


def _in_ledger(
    conn: psycopg.Connection[DictRow], environment: str
) -> Callable[[list[str]], set[str]]:
    def lookup(event_ids: list[str]) -> set[str]:
        rows = conn.execute(_LEDGER_SQL, (environment, event_ids)).fetchall()
        return {row["stripe_event_id"] for row in rows}

    return lookup


def _ingest(url: str, environment: str, events: list[tuple[str, dict[str, Any]]]) -> Counter[str]:
    if not events:
        return Counter()
    return feed.ingest_events(url, environment, events, source="sync", progress=False)


def sync_kind(
    client: stripe.StripeClient,
    conn: psycopg.Connection[DictRow],
    url: str,
    environment: str,
    kind: Kind,
    bar: tqdm[Any],
) -> KindResult:
    """List every object of `kind` (all pages), ingest their snapshots, then deactivate."""
    result = KindResult(kind)
    started = int(time.time())
    seen: list[str] = []
    bar.set_description(kind.plural)
    try:
        for objects in _chunks(iter(kind.list(client)), CHUNK):
            stored = _stored(conn, kind, environment, [o["id"] for o in objects])
            ledger = _in_ledger(conn, environment)
            events = snapshot_events(kind, objects, stored, ledger, started, environment)
            result.counts += _ingest(url, environment, events)
            result.listed += len(objects)
            seen += [o["id"] for o in objects]
            bar.update(len(objects))
    except stripe.StripeError as exc:
        failure = stripe_failure(exc, f"listing {kind.plural}", environment)
        failure.message += (
            f" after {result.listed} {kind.plural}; what was listed before is kept and "
            "nothing was deactivated: run the same command again"
        )
        raise failure from None
    if kind.vanished_sql is not None:
        cutoff = datetime.fromtimestamp(started, tz=UTC)
        gone = conn.execute(kind.vanished_sql, (environment, seen, cutoff)).fetchall()
        events = []
        for row in gone:
            obj = {**row["raw"], "active": False}
            # The stored state's time is part of the id: an object that comes back and
            # vanishes again is deactivated again, not taken for the first deactivation.
            last = row["last_event_at"]
            seen_at = last.isoformat() if isinstance(last, datetime) else None
            event_id = sync_event_id(kind.name, "vanished", seen_at, row["raw"])
            event = synthetic_event(event_id, kind.event_type, obj, started, environment)
            events.append((f"{kind.name} {row['id']} (gone from Stripe)", event))
        result.deactivated = _ingest(url, environment, events)
    return result


def sync(
    settings: Settings,
    url: str,
    environment: Environment,
    kinds: tuple[Kind, ...],
    progress: feed.Progress = True,
) -> list[KindResult]:
    """Sync `kinds` in order from Stripe; record `last_sync_at` when every listing completed."""
    client = stripe_client(settings, environment)
    show = progress == "always" or (progress is True and sys.stderr.isatty())
    results = []
    with (
        connect(url) as conn,
        tqdm(unit=" objects", file=sys.stderr, disable=not show, leave=False) as bar,
    ):
        check_account(client, conn, environment)
        for kind in kinds:
            results.append(sync_kind(client, conn, url, environment, kind, bar))
    record_sync(url, environment)
    return results


def render_sync(results: list[KindResult]) -> str:
    width = max(len(r.kind.plural) for r in results) + 1
    lines = []
    for r in results:
        changed, unchanged = r.counts["processed"], r.counts["duplicate"]
        line = f"{r.kind.plural + ':':<{width}} {r.listed} listed, {changed} updated, "
        line += f"{unchanged} unchanged"
        if r.kind.vanished_sql is not None:
            line += f", {r.deactivated['processed']} deactivated (gone from Stripe)"
        problems = {k: n for k, n in (r.counts + r.deactivated).items() if k in feed.UNSUCCESSFUL}
        if problems:
            line += ", " + ", ".join(f"{n} {k}" for k, n in sorted(problems.items()))
        lines.append(line)
    return "\n".join(lines)


# ------------------------------------------------------------------------------- catalog list

_LIST_SQL = """
SELECT coalesce(p.stripe_product_id, pr.stripe_product_id) AS product_id,
    p.name AS product_name,
    p.active AND NOT p.deleted AS product_active,
    pr.stripe_price_id AS price_id, pr.unit_amount, pr.currency, pr.type,
    pr.recurring_interval, pr.recurring_interval_count, pr.lookup_key,
    pr.active AND NOT pr.deleted AS price_active
FROM (SELECT * FROM payments.products WHERE environment = %(environment)s) AS p
FULL JOIN (SELECT * FROM payments.prices WHERE environment = %(environment)s) AS pr
    ON pr.stripe_product_id = p.stripe_product_id
ORDER BY p.name NULLS LAST, 1, pr.unit_amount NULLS FIRST, pr.stripe_price_id
"""

ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())  # noqa: SIM905


def format_amount(amount: int | None, currency: str | None) -> str:
    """Minor units as an amount: `19.00 USD`, `500 JPY`, `-` when the price has no unit amount."""
    if amount is None or currency is None:
        return "-"
    places = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    sign, value = ("-" if amount < 0 else ""), abs(amount)
    text = str(value) if places == 0 else f"{value // 10**places}.{value % 10**places:0{places}d}"
    return f"{sign}{text} {currency.upper()}"


def format_interval(price_type: str | None, interval: str | None, count: int | None) -> str:
    if interval:
        return interval if not count or count == 1 else f"every {count} {interval}s"
    if price_type == "one_time":
        return "one-time"
    return "-"


def catalog_rows(url: str, environment: str, active_only: bool = False) -> list[dict[str, Any]]:
    """Products with their prices (one row per price; a product without prices gets one row)."""
    with connect(url) as conn:
        rows = conn.execute(_LIST_SQL, {"environment": environment}).fetchall()
    result = []
    for row in rows:
        # A price is on sale when it and its product are active (a product not mirrored yet
        # does not hide its prices); a product without prices shows its own flag.
        if row["price_id"] is None:
            active = bool(row["product_active"])
        else:
            active = bool(row["price_active"]) and row["product_active"] is not False
        if active_only and not active:
            continue
        result.append(
            {
                "product_id": row["product_id"],
                "product": row["product_name"],
                "price_id": row["price_id"],
                "lookup_key": row["lookup_key"],
                "unit_amount": row["unit_amount"],
                "currency": row["currency"],
                "amount": format_amount(row["unit_amount"], row["currency"])
                if row["price_id"]
                else "",
                "interval": format_interval(
                    row["type"], row["recurring_interval"], row["recurring_interval_count"]
                )
                if row["price_id"]
                else "",
                "active": active,
            }
        )
    return result


def render_catalog(rows: list[dict[str, Any]]) -> str:
    headers = ("PRODUCT", "PRODUCT ID", "PRICE ID", "AMOUNT", "INTERVAL", "ACTIVE")
    table = [
        (
            row["product"] or "(unknown product)",
            row["product_id"] or "-",
            row["price_id"] or "(no price)",
            row["amount"],
            row["interval"],
            "yes" if row["active"] else "no",
        )
        for row in rows
    ]
    widths = [max(len(str(cells[i])) for cells in (headers, *table)) for i in range(len(headers))]
    lines = ["  ".join(f"{h:<{w}}" for h, w in zip(headers, widths, strict=True)).rstrip()]
    for cells in table:
        lines.append("  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)
