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


def test_a_late_catalog_finds_its_purchases_among_thousands_of_sessions_by_index(
    db: h.Conn,
) -> None:
    """The purchases of a price that arrives late are found through the line-items index: the
    catalog's events do not read the whole checkout_sessions table."""
    f = h.factory(16)
    cat = h.build_catalog(f)
    events, _ = h.buy(db, f, cat.prices["pack"], quantity=2)
    h.ingest(db, events)
    db.execute("ALTER TABLE payments.checkout_sessions DISABLE TRIGGER USER")
    try:
        db.execute(
            "INSERT INTO payments.checkout_sessions (environment, mode, status,"
            " stripe_checkout_session_id, line_items)"
            " SELECT 'test', 'payment', 'complete', 'cs_other_' || g, jsonb_build_array("
            "jsonb_build_object('price', 'price_other_' || g % 50, 'quantity', 1))"
            " FROM generate_series(1, 5000) AS g"
        )
    finally:
        db.execute("ALTER TABLE payments.checkout_sessions ENABLE TRIGGER USER")
    db.execute("ANALYZE payments.checkout_sessions")
    with h.table_activity(db, "payments.checkout_sessions") as sessions:
        h.ingest(db, cat.events)
    assert h.balance(db, "user", "u1") == 20
    assert sessions["seq_scan"] == 0


def test_catalog_credit_changes_leave_what_was_sold_untouched(db: h.Conn) -> None:
    """Credits count at payment time and entitlements are the product's: a price's or product's
    new credits figure re-projects nothing (not even rewriting rows with what they hold)."""
    f = h.factory(17)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    h.ingest(db, f.subscription_lifecycle("user", "u1", cat.prices["pro"], end="active"))
    events, _ = h.buy(db, f, cat.prices["pack"], quantity=1, subject=("user", "u2"))
    h.ingest(db, events)
    held = [(h.balance(db, "user", u), h.active_keys(db, u)) for u in ("u1", "u2")]
    assert held[0][0] > 0 and held[1] == (10, {"export"})
    price = dict(cat.prices["pro"], metadata={"credits": "900"})
    product = dict(cat.products["pack"], metadata={"credits": "99", "entitlements": "export"})
    fulfilment = ("public.user_entitlements", "public.credit_ledger", "public.team_billing_status")
    with h.table_activity(db, *fulfilment) as written:
        h.ingest(db, [f.event("price.updated", price), f.event("product.updated", product)])
    assert written["n_tup_ins"] + written["n_tup_upd"] == 0
    assert [(h.balance(db, "user", u), h.active_keys(db, u)) for u in ("u1", "u2")] == held


def test_a_renamed_plan_shows_on_the_team_at_once(db: h.Conn) -> None:
    """A team's plan name comes from the price's lookup key, else the product's name: changing
    either shows on team_billing_status without waiting for the next subscription event."""
    f = h.factory(18)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    h.ingest(
        db, f.subscription_lifecycle("team", "t1", cat.prices["team"], quantity=3, end="active")
    )
    assert h.team_row(db, "team", "t1")["plan"] == "team_monthly"

    f.tick(60)
    h.ingest(db, [f.event("price.updated", dict(cat.prices["team"], lookup_key="team_v2"))])
    assert h.team_row(db, "team", "t1")["plan"] == "team_v2"

    f.tick(60)
    h.ingest(db, [f.event("price.updated", dict(cat.prices["team"], lookup_key=None))])
    f.tick(60)
    h.ingest(db, [f.event("product.updated", dict(cat.products["team"], name="Team Plus"))])
    assert h.team_row(db, "team", "t1")["plan"] == "Team Plus"
