"""Exactly once, any order: whole lifecycles replayed in order, in named adversarial orders,
shuffled and duplicated (hypothesis) must leave the same public.* rows and ledger sums.

Each scenario is built once (one StripeFactory, its own catalog); its first run, in Stripe's
order, is checked against what the lifecycle must produce and becomes the baseline every other
delivery order is compared with. The catalog is always delivered first (a catalog exists before
sales) and the app's own rows (orders, pgpay's checkout rows) are written before the events.
The named orders include "invoices-first": every invoice (and its payment) delivered before the
subscription it bills. One database per module, emptied between examples (`helpers.reset`).
"""

from __future__ import annotations

import functools
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from pgpay.testing.events import JSON, StripeFactory
from tests.fulfilment import helpers as h

NEW_API = "2025-03-31.basil"
OLD_API = "2024-06-20"


@dataclass
class Scenario:
    catalog: list[JSON]
    events: list[JSON]
    purchases: list[tuple[JSON, list[tuple[JSON, int]], uuid.UUID]] = field(default_factory=list)
    """(Checkout Session, line items, order id) the app recorded before sending the buyer."""
    check: Callable[[dict[str, Any]], None] = lambda state: None

    def prepare(self, db: h.Conn) -> None:
        h.reset(db)
        h.ingest(db, self.catalog)
        for session, items, order_id in self.purchases:
            meta = session["metadata"]
            h.create_order(
                db,
                order_id=order_id,
                subject=(meta["pgpay_subject_type"], meta["pgpay_subject_id"]),
            )
            h.record_checkout(db, session, items, order_id=order_id)


def buy(s: Scenario, f: StripeFactory, subject: str, price: JSON, quantity: int, **kw: Any) -> str:
    """A user's one-time purchase with an order; returns its charge id."""
    events = f.one_time_purchase("user", subject, price, quantity=quantity, **kw)
    order_id = uuid.UUID(f.new_uuid())
    s.purchases.append((h.session_of(events), [(price, quantity)], order_id))
    s.events += events
    return h.charge_of(events)


# ------------------------------------------------------------------------------- readers of state


def orders_by_subject(state: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {o["subject_id"]: (o["status"], o["amount_refunded"]) for o in state["orders"]}


def keys(state: dict[str, Any], user: str) -> set[str]:
    """The keys a user may use (the entitlements in force)."""
    return {e["entitlement_key"] for e in state["entitlements"] if e["user_id"] == user}


def credits(state: dict[str, Any], subject: str) -> dict[str, int]:
    return {r["kind"]: r["total"] for r in state["ledger_sums"] if r["subject_id"] == subject}


def team(state: dict[str, Any], subject: str) -> dict[str, Any]:
    rows = [t for t in state["teams"] if t["subject_id"] == subject]
    assert len(rows) == 1
    return rows[0]


# -------------------------------------------------------------------------------------- scenarios


def trial_to_canceled(api_version: str) -> Scenario:
    """trial -> active -> past_due -> canceled, for a user and for a team."""
    f = h.factory(101, days_ago=80, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    s.events += f.subscription_lifecycle(
        "user",
        "u_trial",
        cat.prices["basic"],
        trial_days=7,
        renewals=1,
        end="past_due_then_canceled",
    )
    s.events += f.subscription_lifecycle(
        "team",
        "t_trial",
        cat.prices["team"],
        quantity=3,
        trial_days=7,
        renewals=1,
        end="past_due_then_canceled",
    )
    statuses = [
        e["data"]["object"]["status"] for e in s.events if e["type"].startswith("customer.sub")
    ]
    assert {"trialing", "active", "past_due", "canceled"} <= set(statuses)

    def check(state: dict[str, Any]) -> None:
        assert keys(state, "u_trial") == set()
        assert credits(state, "u_trial") == {"grant": 100}  # the paid renewal; the $0 trial none
        t = team(state, "t_trial")
        assert (t["status"], t["has_access"], t["seats"], t["plan"]) == (
            "canceled",
            False,
            3,
            "team_monthly",
        )

    s.check = check
    return s


def upgrade_downgrade(api_version: str) -> Scenario:
    f = h.factory(102, days_ago=3, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    for user, start, target in (("u_up", "basic", "pro"), ("u_down", "pro", "basic")):
        events = f.subscription_lifecycle("user", user, cat.prices[start], renewals=0, end="active")
        s.events += events + f.plan_change(h.subscription_of(events)["id"], cat.prices[target])
    events = f.subscription_lifecycle(
        "team", "t_up", cat.prices["team"], quantity=2, renewals=0, end="active"
    )
    s.events += events + f.plan_change(h.subscription_of(events)["id"], cat.prices["team_plus"])

    def check(state: dict[str, Any]) -> None:
        assert keys(state, "u_up") == {"basic", "pro", "priority"}
        assert keys(state, "u_down") == {"basic"}
        assert credits(state, "u_up") == {"grant": 100}
        assert credits(state, "u_down") == {"grant": 500}
        t = team(state, "t_up")
        assert (t["plan"], t["status"], t["has_access"]) == ("team_plus_yearly", "active", True)

    s.check = check
    return s


def seat_changes(api_version: str) -> Scenario:
    f = h.factory(103, days_ago=3, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    s.events += f.subscription_lifecycle(
        "team", "t_seats", cat.prices["team"], quantity=5, renewals=0, end="active"
    )
    sub_id = h.subscription_of(s.events)["id"]
    for seats in (8, 3, 6):
        s.events += f.seat_change(sub_id, seats)

    def check(state: dict[str, Any]) -> None:
        t = team(state, "t_seats")
        assert (t["seats"], t["status"], t["has_access"]) == (6, "active", True)

    s.check = check
    return s


def refunds(api_version: str) -> Scenario:
    """one-time purchase -> partial refund -> full refund."""
    f = h.factory(104, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    charge = buy(s, f, "u_refund", cat.prices["pack"], 4)
    s.events += f.refund_events(charge, amount=500) + f.refund_events(charge)

    def check(state: dict[str, Any]) -> None:
        assert orders_by_subject(state) == {"u_refund": ("refunded", 2_000)}
        assert credits(state, "u_refund") == {"grant": 40, "reversal": -40}
        assert keys(state, "u_refund") == set()

    s.check = check
    return s


def disputes(api_version: str) -> Scenario:
    f = h.factory(105, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    lost = buy(s, f, "u_lost", cat.prices["pack"], 2)
    won = buy(s, f, "u_won", cat.prices["pack_bonus"], 1)
    s.events += f.dispute_events(lost, outcome="lost") + f.dispute_events(won, outcome="won")

    def check(state: dict[str, Any]) -> None:
        assert orders_by_subject(state) == {"u_lost": ("disputed", 0), "u_won": ("paid", 0)}
        assert credits(state, "u_lost") == {"grant": 20, "reversal": -20}
        assert credits(state, "u_won") == {"grant": 25, "reversal": -25, "restore": 25}
        assert keys(state, "u_lost") == set()
        assert keys(state, "u_won") == {"export"}

    s.check = check
    return s


def async_payments(api_version: str) -> Scenario:
    f = h.factory(106, days_ago=4, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    buy(s, f, "u_async_ok", cat.prices["pack"], 1, async_payment=True)
    buy(s, f, "u_async_ko", cat.prices["pack"], 3, async_payment=True, async_outcome="failed")

    def check(state: dict[str, Any]) -> None:
        assert orders_by_subject(state) == {"u_async_ok": ("paid", 0), "u_async_ko": ("failed", 0)}
        assert credits(state, "u_async_ok") == {"grant": 10}
        assert credits(state, "u_async_ko") == {}
        assert keys(state, "u_async_ok") == {"export"}
        assert keys(state, "u_async_ko") == set()

    s.check = check
    return s


def renewing_subscription(api_version: str) -> Scenario:
    """A paid subscription renewed once (two paid invoices, two grants)."""
    f = h.factory(107, days_ago=35, api_version=api_version)
    cat = h.build_catalog(f)
    s = Scenario(cat.events, [])
    s.events += f.subscription_lifecycle(
        "user", "u_renew", cat.prices["pro"], renewals=1, end="active"
    )

    def check(state: dict[str, Any]) -> None:
        assert keys(state, "u_renew") == {"basic", "pro", "priority"}
        assert credits(state, "u_renew") == {"grant": 1_000}

    s.check = check
    return s


SCENARIOS: dict[str, Callable[[str], Scenario]] = {
    "trial-active-past_due-canceled": trial_to_canceled,
    "upgrade-downgrade": upgrade_downgrade,
    "seat-changes": seat_changes,
    "purchase-partial-full-refund": refunds,
    "dispute-lost-and-won": disputes,
    "async-success-and-failure": async_payments,
    "paid-and-renewed": renewing_subscription,
}


@functools.cache
def scenario(name: str, api_version: str) -> Scenario:
    return SCENARIOS[name](api_version)


def invoices_first(events: list[JSON]) -> list[JSON]:
    """Every invoice and its payment before the subscription (and anything else) they bill."""
    billing = ("invoice.", "charge.", "payment_intent.")
    return [e for e in events if e["type"].startswith(billing)] + [
        e for e in events if not e["type"].startswith(billing)
    ]


ORDERS: dict[str, Callable[[list[JSON]], list[JSON]]] = {
    "reversed": lambda events: list(reversed(events)),
    "invoices-first": invoices_first,
    "each-twice-reversed": lambda events: [e for e in reversed(events) for _ in range(2)],
}


# ------------------------------------------------------------------------------------- fixtures


_baselines: dict[tuple[str, str], dict[str, Any]] = {}


def replay(db: h.Conn, s: Scenario, events: list[JSON]) -> dict[str, Any]:
    s.prepare(db)
    h.ingest(db, events)
    return h.public_state(db)


def baseline(db: h.Conn, name: str, api_version: str) -> dict[str, Any]:
    """The state after delivery in Stripe's order, checked against the lifecycle's outcome."""
    key = (name, api_version)
    if key not in _baselines:
        s = scenario(name, api_version)
        state = replay(db, s, s.events)
        s.check(state)
        _baselines[key] = state
    return _baselines[key]


# ---------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("api_version", [NEW_API, OLD_API])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_in_stripes_order(shared_db: h.Conn, name: str, api_version: str) -> None:
    state = baseline(shared_db, name, api_version)
    assert state["ledger_sums"] or state["teams"], "the scenario projected nothing"


@pytest.mark.parametrize("api_version", [NEW_API, OLD_API])
@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_in_adversarial_orders(shared_db: h.Conn, name: str, order: str, api_version: str) -> None:
    expected = baseline(shared_db, name, api_version)
    s = scenario(name, api_version)

    assert replay(shared_db, s, ORDERS[order](s.events)) == expected


def shuffled_with_duplicates(events: list[JSON]) -> st.SearchStrategy[list[JSON]]:
    """A permutation of the events plus up to a third of them again (Stripe retries)."""
    return st.lists(st.sampled_from(events), max_size=len(events) // 3).flatmap(
        lambda again: st.permutations(events + again)
    )


@pytest.mark.parametrize("name", list(SCENARIOS))
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_shuffled_and_duplicated(shared_db: h.Conn, name: str, data: st.DataObject) -> None:
    expected = baseline(shared_db, name, NEW_API)
    s = scenario(name, NEW_API)
    events = data.draw(shuffled_with_duplicates(s.events), label="delivery")

    assert replay(shared_db, s, events) == expected


@pytest.mark.parametrize("api_version", [NEW_API, OLD_API])
def test_invoices_first_delivers_an_invoice_before_its_subscription(api_version: str) -> None:
    events = invoices_first(scenario("paid-and-renewed", api_version).events)
    types = [e["type"] for e in events]
    assert types.index("invoice.paid") < types.index("customer.subscription.created")


def deliver_concurrently(
    url: str, events: list[JSON], lanes: int, seed: int
) -> list[BaseException]:
    """Deal the events to `lanes` connections that deliver at the same time, each in its own
    order, retrying a deadlock as Stripe retries a 5xx. Returns the unexpected errors."""
    rnd = random.Random(seed)
    dealt: list[list[JSON]] = [[] for _ in range(lanes)]
    for event in events:
        dealt[rnd.randrange(lanes)].append(event)
    barrier = threading.Barrier(lanes)
    errors: list[BaseException] = []

    def lane(mine: list[JSON]) -> None:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            barrier.wait(timeout=30)
            for event in mine:
                for _ in range(5):
                    try:
                        h.ingest(conn, [event])
                        break
                    except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                        continue
                    except Exception as exc:
                        errors.append(exc)
                        break

    threads = [threading.Thread(target=lane, args=(mine,)) for mine in dealt]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_delivered_concurrently(shared_db: h.Conn, name: str) -> None:
    """Four connections deliver the (duplicated, shuffled) events at once."""
    expected = baseline(shared_db, name, NEW_API)
    s = scenario(name, NEW_API)
    events = s.events + s.events
    random.Random(name).shuffle(events)
    s.prepare(shared_db)

    errors = deliver_concurrently(shared_db.info.dsn, events, lanes=4, seed=len(name))

    assert errors == []
    assert h.public_state(shared_db) == expected
