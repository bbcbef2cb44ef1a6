"""A catalog that arrives after the sales it priced (a fresh install before `catalog sync`, a
product sold within seconds of its creation), and catalog changes after a grant."""

from __future__ import annotations

from tests.fulfilment import helpers as h


def test_a_subscription_sold_before_its_catalog_arrived_is_fulfilled_when_it_does(
    db: h.Conn,
) -> None:
    f = h.factory(11)
    cat = h.build_catalog(f)
    events = f.subscription_lifecycle("user", "u1", cat.prices["basic"], renewals=1, end="active")
    h.ingest(db, events)
    assert h.balance(db, "user", "u1") == 0
    assert h.active_keys(db, "u1") == set()

    h.ingest(db, cat.events)

    assert h.ledger(db, "user", "u1") == [("grant", 100), ("grant", 100)]
    assert h.active_keys(db, "u1") == {"basic"}


def test_a_team_plan_sold_before_its_catalog_shows_the_plan_once_it_arrives(db: h.Conn) -> None:
    f = h.factory(12)
    cat = h.build_catalog(f)
    h.ingest(
        db, f.subscription_lifecycle("team", "t1", cat.prices["team"], quantity=3, end="active")
    )
    assert h.team_row(db, "team", "t1")["plan"] == cat.prices["team"]["id"]

    h.ingest(db, cat.events)

    assert h.team_row(db, "team", "t1")["plan"] == "team_monthly"


def test_a_one_time_purchase_before_its_catalog_is_credited_when_it_arrives(db: h.Conn) -> None:
    f = h.factory(13)
    cat = h.build_catalog(f)
    events, _ = h.buy(db, f, cat.prices["pack"], quantity=2)
    h.ingest(db, events)
    assert h.balance(db, "user", "u1") == 0

    h.ingest(db, cat.events)

    assert h.balance(db, "user", "u1") == 20
    assert h.active_keys(db, "u1") == {"export"}


def test_refunds_reverse_what_was_granted_even_after_the_catalog_changed(db: h.Conn) -> None:
    f = h.factory(14)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events, _ = h.buy(db, f, cat.prices["pack"], quantity=2)
    h.ingest(db, events)
    assert h.balance(db, "user", "u1") == 20

    # The product now says 50 credits per unit: what the purchase bought does not change.
    product = dict(cat.products["pack"], metadata={"credits": "50", "entitlements": "export"})
    h.ingest(db, [f.event("product.updated", product)])
    assert h.balance(db, "user", "u1") == 20

    h.ingest(db, f.refund_events())
    assert h.balance(db, "user", "u1") == 0
    assert ("reversal", -20) in h.ledger(db, "user", "u1")


def test_a_product_whose_entitlements_change_regrants_the_one_time_purchases_of_its_prices(
    db: h.Conn,
) -> None:
    f = h.factory(15)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events, _ = h.buy(db, f, cat.prices["pack"], quantity=1)
    h.ingest(db, events)
    assert h.active_keys(db, "u1") == {"export"}

    product = dict(cat.products["pack"], metadata={"credits": "10", "entitlements": "export,api"})
    h.ingest(db, [f.event("product.updated", product)])

    assert h.active_keys(db, "u1") == {"export", "api"}
    assert h.balance(db, "user", "u1") == 10  # credits follow the catalog at payment time
