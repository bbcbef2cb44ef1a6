"""Both Stripe API shapes project to the same mirror, and so does a stream that mixes them.

Before 2025-03-31 a subscription carries its period and an invoice names its subscription,
payment intent and charge at the top level; from 2025-03-31 ("basil") periods live on the
subscription items, the subscription sits under `invoice.parent.subscription_details` and the
payment intent under `invoice.payments`. A factory per shape replays the same scenario; Stripe
ids differ between the two factories, so states are compared after relabelling every id by its
order of first appearance in the event stream.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from pgpay.testing.events import JSON, StripeFactory
from pgpay.testing.postgres import DatabaseFactory

from .projection_state import (
    NEW_API,
    OLD_API,
    SCENARIOS,
    MirrorDatabase,
    State,
    assert_same_state,
    catalog_events,
    ingest_all,
    mirror_database,
    one,
    projection_state,
    rows,
    scenario,
    sort_key,
)

ID = re.compile(
    r"^(?:(?P<prefix>[a-z]+(?:_test|_live)?)_[A-Za-z0-9]{8,}"
    r"|(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))$"
)


@pytest.fixture(scope="module")
def mirror(pgpay_databases: DatabaseFactory) -> Iterator[MirrorDatabase]:
    with mirror_database(pgpay_databases) as database:
        yield database


def ts(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


# ---------------------------------------------------------------------------------- relabelling


def labels(events: list[JSON]) -> dict[str, str]:
    """Every Stripe id (and pgpay session uuid) in `events` -> "<prefix>#<n>", numbered per
    prefix in order of first appearance. Both shapes of one scenario create the same objects in
    the same order, so their labels match even though their ids do not."""
    found: dict[str, str] = {}
    counts: dict[str, int] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value not in found:
            match = ID.match(value)
            if match:
                prefix = match["prefix"] or "uuid"
                counts[prefix] = counts.get(prefix, 0) + 1
                found[value] = f"{prefix}#{counts[prefix]}"

    for event in events:
        walk(event)
    return found


def relabel(value: Any, names: dict[str, str]) -> Any:
    """`value` with every string that is a key of `names` replaced by its label."""
    if isinstance(value, dict):
        return {k: relabel(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [relabel(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


def relabelled_state(state: State, events: list[JSON]) -> State:
    names = labels(events)
    return {table: sorted(relabel(rows, names), key=sort_key) for table, rows in state.items()}


def state_after(mirror: MirrorDatabase, events: list[JSON]) -> State:
    conn = mirror.reset()
    outcomes = ingest_all(conn, events)
    assert "failed" not in outcomes
    return projection_state(conn)


def assert_same(actual: State, expected: State) -> None:
    assert actual.keys() == expected.keys()
    for table in expected:
        missing = [r for r in expected[table] if r not in actual[table]]
        extra = [r for r in actual[table] if r not in expected[table]]
        assert actual[table] == expected[table], (
            f"payments.{table} differs:\n  expected only: {missing}\n  actual only: {extra}"
        )


def both_shapes(name: str) -> tuple[list[JSON], list[JSON]]:
    old, new = scenario(name, OLD_API), scenario(name, NEW_API)
    assert [e["type"] for e in old] == [e["type"] for e in new]
    assert [e["created"] for e in old] == [e["created"] for e in new]
    return old, new


# ---------------------------------------------------------------------------------- equivalence


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_old_and_new_shapes_project_the_same_mirror(mirror: MirrorDatabase, name: str) -> None:
    old, new = both_shapes(name)
    assert_same(
        relabelled_state(state_after(mirror, new), new),
        relabelled_state(state_after(mirror, old), old),
    )


def mixed(old: list[JSON], new: list[JSON], rng: random.Random) -> list[JSON]:
    """The scenario's stream with each event taken from either shape at random; new-shape events
    are rewritten to the old factory's ids, so they describe the same Stripe objects."""
    old_names, new_names = labels(old), labels(new)
    by_label = {label: stripe_id for stripe_id, label in old_names.items()}
    to_old = {stripe_id: by_label.get(label, stripe_id) for stripe_id, label in new_names.items()}
    stream = []
    for old_event, new_event in zip(old, new, strict=True):
        stream.append(old_event if rng.random() < 0.5 else relabel(new_event, to_old))
    return stream


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_stream_mixing_both_shapes_projects_the_same_mirror(
    mirror: MirrorDatabase, name: str
) -> None:
    old, new = both_shapes(name)
    expected = state_after(mirror, old)
    rng = random.Random(name)
    for _ in range(3):
        stream = mixed(old, new, rng)
        assert {e["api_version"] for e in stream} == {OLD_API, NEW_API}
        assert [e["id"] for e in stream] == [e["id"] for e in old]
        assert_same(state_after(mirror, stream), expected)


def test_a_mixed_stream_in_any_order_projects_the_same_mirror(mirror: MirrorDatabase) -> None:
    """Shuffled too: compared like test_projection_order does (known order bugs masked)."""
    old, new = both_shapes("subscription_past_due")
    expected = state_after(mirror, old)
    rng = random.Random(3)
    for _ in range(3):
        stream = mixed(old, new, rng)
        rng.shuffle(stream)
        assert_same_state(state_after(mirror, stream), expected)


# ---------------------------------------------------------------------------------- specifics


@pytest.fixture(params=[OLD_API, NEW_API], ids=["old-shape", "new-shape"])
def f(request: pytest.FixtureRequest) -> StripeFactory:
    return StripeFactory(api_version=request.param, seed=23)


def test_subscription_period_comes_from_the_subscription_or_its_items(
    mirror: MirrorDatabase, f: StripeFactory
) -> None:
    _, _, monthly, _ = catalog_events(f)
    cus = f.customer()
    sub = f.subscription(
        cus["id"], [(monthly, 4)], period_start=f.now, period_end=f.now + 30 * 86_400
    )
    if f.is_new_shape:
        assert "current_period_end" not in sub
        assert sub["items"]["data"][0]["current_period_end"] == f.now + 30 * 86_400
    else:
        assert sub["current_period_end"] == f.now + 30 * 86_400
        assert "current_period_end" not in sub["items"]["data"][0]
    conn = mirror.reset()
    ingest_all(conn, [f.event("customer.subscription.created", sub)])
    row = one(conn, "subscriptions")
    assert (row["current_period_start"], row["current_period_end"]) == (
        ts(f.now),
        ts(f.now + 30 * 86_400),
    )
    assert row["quantity"] == 4
    item = one(conn, "subscription_items")
    assert item["current_period_end"] == ts(f.now + 30 * 86_400)


def test_new_shape_period_spans_all_items(mirror: MirrorDatabase) -> None:
    f = StripeFactory(api_version=NEW_API, seed=3)
    _, _, monthly, yearly = catalog_events(f)
    sub = f.subscription(f.customer()["id"], [(monthly, 1), (yearly, 1)])
    items = sub["items"]["data"]
    items[1]["current_period_end"] = items[0]["current_period_end"] + 86_400
    conn = mirror.reset()
    ingest_all(conn, [f.event("customer.subscription.created", sub)])
    row = one(conn, "subscriptions")
    assert row["current_period_end"] == ts(items[1]["current_period_end"])
    ends = {r["stripe_price_id"]: r["current_period_end"] for r in rows(conn, "subscription_items")}
    assert ends == {
        monthly["id"]: ts(items[0]["current_period_end"]),
        yearly["id"]: ts(items[1]["current_period_end"]),
    }


def test_invoice_subscription_and_payment_intent_are_found_in_either_shape(
    mirror: MirrorDatabase, f: StripeFactory
) -> None:
    events = [e for e in scenario_events(f) if e["type"] == "invoice.paid"]
    first = events[0]["data"]["object"]
    if f.is_new_shape:
        assert "subscription" not in first
        assert "payment_intent" not in first
        subscription = first["parent"]["subscription_details"]["subscription"]
        intent = first["payments"]["data"][0]["payment"]["payment_intent"]
    else:
        assert "parent" not in first
        subscription, intent = first["subscription"], first["payment_intent"]
    conn = mirror.reset()
    ingest_all(conn, events[:1])
    row = one(conn, "payment_history")
    assert (row["type"], row["status"]) == ("subscription_invoice", "succeeded")
    assert (row["stripe_subscription_id"], row["stripe_payment_intent_id"]) == (
        subscription,
        intent,
    )
    assert (row["subject_type"], row["subject_id"]) == ("user", "u1")


def scenario_events(f: StripeFactory) -> list[JSON]:
    _, _, monthly, _ = catalog_events(f)
    return f.subscription_lifecycle("user", "u1", monthly, renewals=1, end="active")


def test_an_intent_seen_before_its_invoice_is_folded_into_the_invoice(
    mirror: MirrorDatabase, f: StripeFactory
) -> None:
    """An invoice's charge and payment intent name no invoice in the new shape; arriving first,
    they look like a one-time payment until the invoice (listing the intent) claims them."""
    events = scenario_events(f)
    renewal = [e for e in events if e["type"] in {"charge.succeeded", "payment_intent.succeeded"}]
    invoices = [e for e in events if e["type"] == "invoice.paid"]
    conn = mirror.reset()
    ingest_all(conn, renewal)
    ingest_all(conn, invoices)
    history = rows(conn, "payment_history")
    assert {r["type"] for r in history} == {"subscription_invoice"}
    assert len(history) == len(invoices) == 2
    charges = {e["data"]["object"]["id"] for e in renewal if e["type"] == "charge.succeeded"}
    assert {r["stripe_charge_id"] for r in history} == charges
