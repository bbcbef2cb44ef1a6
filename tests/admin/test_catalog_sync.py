"""`pgpay catalog sync|list`: every page of products and prices, through the event path.

Sync feeds each object as a synthetic `*.updated` event (source 'sync') to
payments.ingest_stripe_event: changed rows are updated, an unchanged catalog gives duplicates
only, and products/prices gone from Stripe are deactivated (not deleted).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pgpay.testing.stripe_api import StripeStandIn
from tests.admin import admin_env, assert_one_line_error, fail_after, next_second, pgpay_ok
from tests.conftest import run_pgpay

Conn = psycopg.Connection[Any]


@pytest.fixture
def env(pgpay_database_url: str, pgpay_stripe: StripeStandIn, tmp_path: Path) -> dict[str, str]:
    return admin_env(pgpay_database_url, pgpay_stripe, tmp_path / ".pgpay")


def rows(db: Conn, sql: str, *params: Any) -> list[dict[str, Any]]:
    return list(db.execute(sql, params).fetchall())


def product_row(db: Conn, product_id: str) -> dict[str, Any]:
    found = rows(db, "SELECT * FROM payments.products WHERE stripe_product_id = %s", product_id)
    assert len(found) == 1, product_id
    return found[0]


def price_row(db: Conn, price_id: str) -> dict[str, Any]:
    found = rows(db, "SELECT * FROM payments.prices WHERE stripe_price_id = %s", price_id)
    assert len(found) == 1, price_id
    return found[0]


def sync_events(db: Conn) -> int:
    found = rows(db, "SELECT count(*) AS n FROM payments.webhook_events WHERE source = 'sync'")
    return int(found[0]["n"])


def test_sync_reads_every_page_and_reruns_as_duplicates(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    products = [pgpay_stripe.add_product(f"Product {i:03d}") for i in range(130)]
    prices = [
        pgpay_stripe.add_price(products[i % 130]["id"], unit_amount=100 + i) for i in range(210)
    ]

    out = pgpay_ok("catalog", "sync", "--environment", "test", env=env)

    assert "products: 130 listed, 130 updated, 0 unchanged, 0 deactivated" in out
    assert "prices:   210 listed, 210 updated, 0 unchanged, 0 deactivated" in out
    # More than one page each (Stripe's page size is at most 100), each page after the first
    # continuing after the last id of the one before.
    product_pages = pgpay_stripe.calls("GET", "/v1/products")
    assert len(product_pages) == 2
    assert product_pages[0].params == {"limit": "100"}
    assert product_pages[1].params["starting_after"] == products[30]["id"]
    assert pgpay_stripe.count("GET", "/v1/prices") == 3
    assert {r["stripe_product_id"] for r in rows(pgpay_db, "SELECT * FROM payments.products")} == {
        p["id"] for p in products
    }
    stored_prices = rows(pgpay_db, "SELECT * FROM payments.prices ORDER BY unit_amount")
    assert [(r["stripe_price_id"], r["unit_amount"]) for r in stored_prices] == [
        (p["id"], p["unit_amount"]) for p in prices
    ]
    assert sync_events(pgpay_db) == 340
    # Projected through the ledger: the synthetic events are stored like webhook deliveries.
    ledger = rows(
        pgpay_db,
        "SELECT DISTINCT type, status, source FROM payments.webhook_events ORDER BY type",
    )
    assert ledger == [
        {"type": "price.updated", "status": "processed", "source": "sync"},
        {"type": "product.updated", "status": "processed", "source": "sync"},
    ]
    # The Stripe-Version header is pinned, so objects come in the shape the ingestor reads.
    assert product_pages[0].headers["stripe-version"] == "2025-03-31.basil"

    again = pgpay_ok("catalog", "sync", "--environment", "test", env=env)

    assert "products: 130 listed, 0 updated, 130 unchanged, 0 deactivated" in again
    assert "prices:   210 listed, 0 updated, 210 unchanged, 0 deactivated" in again
    assert sync_events(pgpay_db) == 340


def test_changed_rows_are_updated_and_removed_ones_deactivated(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    kept = pgpay_stripe.add_product("Starter")
    renamed = pgpay_stripe.add_product("Pro")
    removed = pgpay_stripe.add_product("Legacy")
    kept_price = pgpay_stripe.add_price(kept["id"], unit_amount=500)
    archived_price = pgpay_stripe.add_price(renamed["id"], unit_amount=1500)
    removed_price = pgpay_stripe.add_price(removed["id"], unit_amount=900)
    pgpay_ok("catalog", "sync", env=env)
    assert product_row(pgpay_db, removed["id"])["active"] is True

    pgpay_stripe.put({**renamed, "name": "Pro (2025)", "updated": renamed["updated"] + 60})
    pgpay_stripe.put({**archived_price, "active": False})
    pgpay_stripe.put({**removed, "deleted": True})  # gone from Stripe's lists
    pgpay_stripe.put({**removed_price, "deleted": True})
    next_second()
    out = pgpay_ok("catalog", "sync", env=env)

    assert "products: 2 listed, 1 updated, 1 unchanged, 1 deactivated" in out
    assert "prices:   2 listed, 1 updated, 1 unchanged, 1 deactivated" in out
    assert product_row(pgpay_db, renamed["id"])["name"] == "Pro (2025)"
    assert price_row(pgpay_db, archived_price["id"])["active"] is False
    gone = product_row(pgpay_db, removed["id"])
    assert (gone["active"], gone["deleted"], gone["name"]) == (False, False, "Legacy")
    gone_price = price_row(pgpay_db, removed_price["id"])
    assert (gone_price["active"], gone_price["deleted"]) == (False, False)
    assert product_row(pgpay_db, kept["id"])["active"] is True
    assert price_row(pgpay_db, kept_price["id"])["active"] is True

    # Deactivated once: a rerun finds nothing left to deactivate and changes nothing.
    before = sync_events(pgpay_db)
    again = pgpay_ok("catalog", "sync", env=env)
    assert "products: 2 listed, 0 updated, 2 unchanged, 0 deactivated" in again
    assert sync_events(pgpay_db) == before

    # Deactivation is reversible: the object coming back reactivates it ...
    pgpay_stripe.put({**removed, "updated": removed["updated"] + 120})
    pgpay_stripe.put(removed_price)  # exactly as before: prices carry no `updated`
    next_second()
    pgpay_ok("catalog", "sync", env=env)
    assert product_row(pgpay_db, removed["id"])["active"] is True
    assert price_row(pgpay_db, removed_price["id"])["active"] is True
    # ... and its vanishing again deactivates it again.
    pgpay_stripe.put({**removed_price, "deleted": True})
    next_second()
    out = pgpay_ok("catalog", "sync", env=env)
    assert "prices:   2 listed, 0 updated, 2 unchanged, 1 deactivated" in out
    assert price_row(pgpay_db, removed_price["id"])["active"] is False


def test_a_snapshot_seen_before_is_applied_again_after_a_change(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    # Prices carry no `updated` field: A -> B -> A gives the same snapshot A twice.
    product = pgpay_stripe.add_product("Credits")
    price = pgpay_stripe.add_price(product["id"], metadata={"credits": "10"})
    pgpay_ok("catalog", "sync", env=env)
    pgpay_stripe.put({**price, "metadata": {"credits": "20"}})
    next_second()
    pgpay_ok("catalog", "sync", env=env)
    assert price_row(pgpay_db, price["id"])["metadata"] == {"credits": "20"}

    pgpay_stripe.put(price)
    next_second()
    out = pgpay_ok("catalog", "sync", env=env)

    assert "prices:   1 listed, 1 updated" in out
    assert price_row(pgpay_db, price["id"])["metadata"] == {"credits": "10"}
    again = pgpay_ok("catalog", "sync", env=env)
    assert "prices:   1 listed, 0 updated, 1 unchanged" in again


def test_an_object_newer_than_the_listing_is_left_alone(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    """A product a webhook created after the listing began is not "gone": it is not deactivated."""
    later = int(time.time()) + 300
    fresh = {
        "id": "prod_CreatedDuringSync",
        "object": "product",
        "active": True,
        "created": later,
        "livemode": False,
        "metadata": {},
        "name": "Brand new",
        "updated": later,
    }
    event = {
        "id": "evt_ProductCreatedDuringSync",
        "object": "event",
        "type": "product.created",
        "created": later,
        "livemode": False,
        "data": {"object": fresh},
    }
    pgpay_db.execute("SELECT payments.ingest_stripe_event('test', %s::jsonb)", (Jsonb(event),))

    out = pgpay_ok("catalog", "sync", env=env)

    assert "0 deactivated" in out
    assert product_row(pgpay_db, fresh["id"])["active"] is True


def test_a_failed_listing_deactivates_nothing(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    products = [pgpay_stripe.add_product(f"P{i}") for i in range(150)]
    pgpay_ok("catalog", "sync", env=env)
    pgpay_stripe.put({**products[0], "deleted": True})
    # The second page fails, retries included: the listing is incomplete.
    fail_after(pgpay_stripe, "/v1/products", successes=1, failures=10, should_retry=False)

    result = run_pgpay("catalog", "sync", env=env)

    line = assert_one_line_error(result, "listing products", "nothing was deactivated")
    assert "run the same command again" in line
    assert product_row(pgpay_db, products[0]["id"])["active"] is True
    assert pgpay_stripe.count("GET", "/v1/prices") == 1  # the first run's only


def test_catalog_list_prints_a_table(
    env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    pro = pgpay_stripe.add_product("Pro plan")
    pgpay_stripe.add_price(pro["id"], unit_amount=1900, recurring="month")
    pgpay_stripe.add_price(
        pro["id"], unit_amount=4900, recurring={"interval": "month", "interval_count": 3}
    )
    pack = pgpay_stripe.add_product("Credit pack")
    pgpay_stripe.add_price(pack["id"], unit_amount=500, currency="jpy")
    old = pgpay_stripe.add_product("Old plan", active=False)
    pgpay_stripe.add_price(old["id"], unit_amount=999, recurring="year", active=False)
    pgpay_ok("catalog", "sync", env=env)

    out = pgpay_ok("catalog", "list", "--environment", "test", env=env)

    lines = out.splitlines()
    assert lines[0].split() == [
        "PRODUCT",
        "PRODUCT",
        "ID",
        "PRICE",
        "ID",
        "AMOUNT",
        "INTERVAL",
        "ACTIVE",
    ]
    body = "\n".join(lines[1:])
    assert len(lines) == 5
    by_amount = {line.split("  ")[0].strip(): line for line in lines[1:]}
    assert "Pro plan" in by_amount and "Credit pack" in by_amount
    assert "19.00 USD" in body and "49.00 USD" in body and "500 JPY" in body and "9.99 USD" in body
    assert "every 3 months" in body and "one-time" in body
    pro_month = next(line for line in lines if "19.00 USD" in line)
    assert pro_month.split()[-2:] == ["month", "yes"]
    old_line = next(line for line in lines if "9.99 USD" in line)
    assert old_line.split()[-2:] == ["year", "no"]

    active = pgpay_ok("catalog", "list", "--active", env=env)
    assert "9.99 USD" not in active and "19.00 USD" in active


def test_catalog_list_when_empty_says_what_to_run(env: dict[str, str]) -> None:
    out = pgpay_ok("catalog", "list", env=env)
    assert "pgpay catalog sync --environment test" in out


def test_live_is_refused_without_approval(
    pgpay_database_url: str, pgpay_stripe: StripeStandIn, tmp_path: Path
) -> None:
    env = admin_env(pgpay_database_url, pgpay_stripe, tmp_path / ".pgpay", key=None)
    env["STRIPE_LIVE_SECRET_KEY"] = pgpay_stripe.live_api_key

    for command in (["catalog", "sync"], ["catalog", "list"], ["sync"]):
        result = run_pgpay(*command, "--environment", "live", env=env)
        assert_one_line_error(result, "PGPAY_ALLOW_LIVE=1")
    assert pgpay_stripe.requests == []


def test_missing_or_rejected_key_is_one_line(
    pgpay_database_url: str, pgpay_stripe: StripeStandIn, tmp_path: Path
) -> None:
    home = tmp_path / ".pgpay"
    missing = run_pgpay(
        "catalog", "sync", env=admin_env(pgpay_database_url, pgpay_stripe, home, key=None)
    )
    assert_one_line_error(missing, "no Stripe API key", "pgpay keys set --environment test")

    wrong = "sk_test_NotAKeyTheStandInKnows1234567890"
    rejected = run_pgpay(
        "catalog", "sync", env=admin_env(pgpay_database_url, pgpay_stripe, home, key=wrong)
    )
    line = assert_one_line_error(rejected, "Stripe rejected the test API key")
    assert wrong not in rejected.stderr + rejected.stdout
    assert "NotAKey" not in line
