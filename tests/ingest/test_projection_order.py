"""Order-proof projection: any delivery order, with duplicates, even concurrent, ends in the state
that in-order delivery produces.

Stripe guarantees neither order nor single delivery. For each realistic lifecycle (a subscription
with trial, renewals, past_due and cancellation; plan and seat changes; a purchase refunded in two
steps; disputes won and lost; asynchronous payments succeeding and failing), hypothesis draws a
permutation of its events with random redeliveries mixed in, and the canonical state of the
payments mirror (`projection_state`) must equal the state in-order delivery gives.

All examples share one database per module, emptied between examples (a fresh database per
example would cost ~0.3 s each).
"""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from pgpay.testing.events import JSON
from pgpay.testing.postgres import DatabaseFactory

from .projection_state import (
    INGEST,
    NEW_API,
    OLD_API,
    SCENARIOS,
    MirrorDatabase,
    State,
    assert_same_state,
    expect_known_bug,
    ingest,
    ingest_all,
    mirror_database,
    one,
    projection_state,
    rows,
    scenario,
)

SHAPES = (OLD_API, NEW_API)

# ---------------------------------------------------------------------------------- fixtures

Conn = psycopg.Connection[DictRow]


@pytest.fixture(scope="module")
def mirror(pgpay_databases: DatabaseFactory) -> Iterator[MirrorDatabase]:
    with mirror_database(pgpay_databases) as database:
        yield database


_EVENTS: dict[tuple[str, str], list[JSON]] = {}
_IN_ORDER: dict[tuple[str, str, str], tuple[State, dict[str, str]]] = {}


def events_of(name: str, shape: str) -> list[JSON]:
    if (name, shape) not in _EVENTS:
        _EVENTS[(name, shape)] = scenario(name, shape)
    return _EVENTS[(name, shape)]


def delivered(mirror: MirrorDatabase, events: list[JSON]) -> tuple[State, list[str]]:
    """The state after delivering `events` in this order to an empty mirror, and the outcomes."""
    conn = mirror.reset()
    outcomes = ingest_all(conn, events)
    return projection_state(conn), outcomes


def in_order(mirror: MirrorDatabase, name: str, shape: str) -> tuple[State, dict[str, str]]:
    """The state in-order delivery of a scenario gives, and each event's outcome (by id)."""
    key = (mirror.url, name, shape)
    if key not in _IN_ORDER:
        events = events_of(name, shape)
        state, outcomes = delivered(mirror, events)
        assert set(outcomes) <= {"processed", "ignored"}
        _IN_ORDER[key] = (state, {e["id"]: o for e, o in zip(events, outcomes, strict=True)})
    return _IN_ORDER[key]


def in_order_state(mirror: MirrorDatabase, name: str, shape: str) -> State:
    return in_order(mirror, name, shape)[0]


# ---------------------------------------------------------------------------------- properties

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def deliveries(draw: st.DrawFn, count: int) -> list[int]:
    """Indices into a list of `count` events: each at least once, some again, in any order."""
    again = draw(st.lists(st.integers(0, count - 1), max_size=count // 2))
    return draw(st.permutations([*range(count), *again]))


@pytest.mark.parametrize("name", list(SCENARIOS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_any_order_with_duplicates_ends_in_the_in_order_state(
    mirror: MirrorDatabase, name: str, data: st.DataObject
) -> None:
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    events = events_of(name, shape)
    expected, expected_outcomes = in_order(mirror, name, shape)
    order = data.draw(deliveries(len(events)), label="delivery order")
    stream = [events[i] for i in order]
    actual, outcomes = delivered(mirror, stream)

    # The first delivery of each event is processed (or ignored) as in order; the rest are
    # duplicates.
    firsts: dict[str, str] = {}
    for event, outcome in zip(stream, outcomes, strict=True):
        if event["id"] in firsts:
            assert outcome == "duplicate", event["type"]
        else:
            firsts[event["id"]] = outcome
    assert firsts == expected_outcomes
    assert_same_state(actual, expected)


@settings(PROPERTY_SETTINGS, max_examples=8)
@given(data=st.data())
def test_several_lifecycles_interleaved_end_as_each_in_order(
    mirror: MirrorDatabase, data: st.DataObject
) -> None:
    """Lifecycles of different customers interleaved in one stream: one subscription's events
    never disturb another's, and the union of the in-order states is reached."""
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    names = data.draw(
        st.lists(st.sampled_from(list(SCENARIOS)), min_size=2, max_size=3, unique=True)
    )
    # Each lifecycle has its own factory (ids), customer and subject.
    streams = [scenario(n, shape, seed=100 + i, tag=f"x{i}") for i, n in enumerate(names)]
    expected_conn = mirror.reset()
    for stream in streams:
        assert "failed" not in ingest_all(expected_conn, stream)
    expected = projection_state(expected_conn)
    merged = [e for stream in streams for e in stream]
    order = data.draw(deliveries(len(merged)), label="delivery order")
    actual, outcomes = delivered(mirror, [merged[i] for i in order])
    assert "failed" not in outcomes
    assert_same_state(actual, expected)


# ---------------------------------------------------------------------------------- regressions


def _by_type(events: list[JSON], *types: str) -> list[JSON]:
    return [e for e in events if e["type"] in types]


def _rest(events: list[JSON], first: list[JSON]) -> list[JSON]:
    ids = {e["id"] for e in first}
    return [e for e in events if e["id"] not in ids]


def refunds_first(events: list[JSON]) -> list[JSON]:
    first = _by_type(events, "refund.created", "refund.updated", "charge.refund.updated")
    return first + _rest(events, first)


def disputes_first(events: list[JSON]) -> list[JSON]:
    first = [e for e in events if e["type"].startswith("charge.dispute.")]
    return first + _rest(events, first)


def reversed_(events: list[JSON]) -> list[JSON]:
    return events[::-1]


def checkout_first(events: list[JSON]) -> list[JSON]:
    first = _by_type(events, "checkout.session.completed")
    return first + _rest(events, first)


def charges_first(events: list[JSON]) -> list[JSON]:
    first = _by_type(events, "charge.failed", "charge.succeeded")
    return first + _rest(events, first)


def retry_first(events: list[JSON]) -> list[JSON]:
    """The failed retry of the last invoice (its charge, then the invoice) before all else."""
    first = _by_type(events, "charge.failed")[-1:] + _by_type(events, "invoice.payment_failed")[-1:]
    return first + _rest(events, first)


REGRESSIONS = [
    pytest.param("purchase_refunded", checkout_first, "mapping-source", id="checkout-first"),
    pytest.param(
        "purchase_refunded", refunds_first, "orphan-refund-dispute", id="refunds-before-payment"
    ),
    pytest.param(
        "dispute_lost", disputes_first, "orphan-refund-dispute", id="dispute-before-payment"
    ),
    pytest.param("dispute_won", reversed_, "orphan-refund-dispute", id="dispute-won-reversed"),
    pytest.param("subscription_past_due", retry_first, "invoice-charge", id="retry-first"),
    pytest.param(
        "subscription_past_due", charges_first, "failure-message", id="charges-before-invoices"
    ),
    pytest.param("async_failed", reversed_, "failure-message", id="async-failure-reversed"),
    pytest.param("subscription_canceled", reversed_, None, id="subscription-reversed"),
    pytest.param("plan_and_seat_change", reversed_, None, id="plan-change-reversed"),
    pytest.param("purchase_refunded", reversed_, None, id="refunds-reversed"),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("name", "reorder", "bug"), REGRESSIONS)
def test_specific_orders_end_in_the_in_order_state(
    request: pytest.FixtureRequest,
    mirror: MirrorDatabase,
    shape: str,
    name: str,
    reorder: Callable[[list[JSON]], list[JSON]],
    bug: str | None,
) -> None:
    """Orders that once diverged. Each pins one known bug down exactly: the state is compared
    with that bug unmasked (and the others masked); a fixed bug makes its case pass, a strict
    xfail failure that says to delete its KNOWN_BUGS entry."""
    expect_known_bug(request, bug)
    expected = in_order_state(mirror, name, shape)
    actual, outcomes = delivered(mirror, reorder(events_of(name, shape)))
    assert "failed" not in outcomes
    assert_same_state(actual, expected, unmasked=bug)


# ---------------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    "type_",
    [
        "checkout.session.completed",
        "charge.refunded",
        "invoice.paid",
        "customer.subscription.updated",
    ],
)
def test_the_same_event_ten_times_in_a_row_has_one_effect(
    mirror: MirrorDatabase, type_: str
) -> None:
    pool = events_of("purchase_refunded", NEW_API) + events_of("subscription_canceled", NEW_API)
    event = next(e for e in pool if e["type"] == type_)
    conn = mirror.reset()
    assert ingest(conn, event) == "processed"
    once = projection_state(conn)
    ledger = rows(conn, "webhook_events")
    assert [ingest(conn, event) for _ in range(9)] == ["duplicate"] * 9
    assert projection_state(conn) == once
    again = rows(conn, "webhook_events")
    assert again == ledger  # not even the attempt count or updated_at moved
    assert again[0]["attempts"] == 1


def _deliver_together(mirror: MirrorDatabase, event: JSON, senders: int) -> list[str]:
    """`senders` threads, each with its own connection, ingest `event` at the same moment."""
    barrier = threading.Barrier(senders)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            with mirror.connect() as conn:
                conn.execute("SELECT 1")
                barrier.wait(timeout=30)
                outcome = ingest(conn, event)
            with lock:
                outcomes.append(outcome)
        except BaseException as exc:  # reported to the test thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return outcomes


@pytest.mark.parametrize(
    "type_", ["checkout.session.completed", "charge.dispute.created", "invoice.paid"]
)
def test_the_same_event_ten_times_at_once_is_processed_once(
    mirror: MirrorDatabase, type_: str
) -> None:
    pool = (
        events_of("purchase_refunded", NEW_API)
        + events_of("dispute_lost", OLD_API)
        + events_of("subscription_past_due", NEW_API)
    )
    event = next(e for e in pool if e["type"] == type_)
    conn = mirror.reset()
    assert ingest(conn, event) == "processed"
    expected = projection_state(conn)
    conn = mirror.reset()
    outcomes = _deliver_together(mirror, event, 10)
    assert Counter(outcomes) == {"processed": 1, "duplicate": 9}
    assert projection_state(conn) == expected


def _first_invoice_payment(events: list[JSON]) -> tuple[JSON, JSON]:
    paid = next(
        e for e in events if e["type"] == "invoice.paid" and e["data"]["object"]["amount_due"]
    )
    charge = next(e for e in events if e["type"] == "charge.succeeded")
    return paid, charge


@pytest.mark.parametrize("invoice_first", [True, False], ids=["invoice-first", "charge-first"])
def test_an_invoice_and_its_charge_in_overlapping_transactions_make_one_payment(
    request: pytest.FixtureRequest, mirror: MirrorDatabase, invoice_first: bool
) -> None:
    """Two webhook deliveries in flight at once, made deterministic: the second is ingested
    while the first one's transaction is still open (if it has to wait for it, it waits)."""
    expect_known_bug(request, "invoice-intent-race")
    paid, charge = _first_invoice_payment(events_of("subscription_canceled", NEW_API))
    first, second = (paid, charge) if invoice_first else (charge, paid)
    conn = mirror.reset()
    outcome: list[str] = []
    with mirror.connect() as other:
        with other.transaction():
            assert ingest(other, first) == "processed"
            late = threading.Thread(target=lambda: outcome.append(ingest(conn, second)))
            late.start()
            late.join(0.5)  # done already, or waiting for `other`'s lock: both are fine
        late.join(30)
    assert outcome == ["processed"]
    history = rows(conn, "payment_history")
    assert [(r["type"], r["stripe_charge_id"]) for r in history] == [
        ("subscription_invoice", charge["data"]["object"]["id"])
    ]


def _with_intent_metadata(events: list[JSON], changes: dict[str, dict[str, str]]) -> list[JSON]:
    """The events with the metadata of the named payment_intent.* events extended."""
    changed = []
    for event in events:
        copied = copy.deepcopy(event) if event["type"] in changes else event
        if copied is not event:
            copied["data"]["object"]["metadata"].update(changes[event["type"]])
        changed.append(copied)
    return changed


@pytest.mark.parametrize(
    "reorder",
    [lambda e: e, reversed_, lambda e: _by_type(e, "payment_intent.succeeded") + e],
    ids=["in-order", "reversed", "newest-intent-first"],
)
def test_an_older_snapshot_never_overwrites_newer_metadata(
    mirror: MirrorDatabase, reorder: Callable[[list[JSON]], list[JSON]]
) -> None:
    """The app edits the PaymentIntent's metadata while a bank debit settles: the payment's
    metadata is the newest intent's (an edited key has its new value, a dropped key is gone),
    merged over the checkout session's, whatever order the events arrive in."""
    events = _with_intent_metadata(
        events_of("async_succeeded", NEW_API),
        {
            "payment_intent.processing": {"note": "first", "draft": "yes"},
            "payment_intent.succeeded": {"note": "second"},
        },
    )
    in_order_state, _ = delivered(mirror, events)
    state, outcomes = delivered(mirror, reorder(events))
    assert "failed" not in outcomes
    payment = one(mirror.conn, "payment_history", type="one_time_payment")
    session = next(e for e in events if e["type"] == "checkout.session.completed")
    assert payment["metadata"] == session["data"]["object"]["metadata"] | {"note": "second"}
    assert_same_state(state, in_order_state)


def test_a_row_from_before_per_snapshot_metadata_merges_like_a_new_one(
    mirror: MirrorDatabase,
) -> None:
    """A payment recorded before raw kept each snapshot's metadata: the first event that touches
    it, here a refund that only re-derives its refunded amount, rebuilds the layers from the
    snapshots it kept. A stale value the old merge left behind gives way to the intent's; a key
    only the old metadata has stays, under every snapshot's."""
    events = _with_intent_metadata(
        events_of("purchase_refunded", NEW_API), {"payment_intent.succeeded": {"note": "new"}}
    )
    cut = next(i for i, e in enumerate(events) if e["type"] == "refund.created")
    conn = mirror.reset()
    assert "failed" not in ingest_all(conn, events[:cut])
    expected = one(conn, "payment_history", type="one_time_payment")["metadata"]
    assert expected["note"] == "new"
    conn.execute(
        "UPDATE payments.payment_history SET raw = raw - '_metadata',"
        ' metadata = metadata || \'{"legacy": "kept", "note": "old"}\''
        " WHERE type = 'one_time_payment'"
    )
    assert ingest_all(conn, events[cut : cut + 1]) == ["processed"]
    after_refund = one(conn, "payment_history", type="one_time_payment")
    assert after_refund["metadata"] == expected | {"legacy": "kept"}
    assert 0 < after_refund["amount_refunded"] < after_refund["amount"]
    assert "failed" not in ingest_all(conn, events[cut + 1 :])
    final = one(conn, "payment_history", type="one_time_payment")
    assert final["metadata"] == expected | {"legacy": "kept"}
    assert final["amount_refunded"] == final["amount"]


def test_charges_of_the_same_second_with_other_metadata_end_the_same_in_any_order(
    mirror: MirrorDatabase,
) -> None:
    """Two snapshots of one charge stamped with the same second, differing only in metadata:
    the tie is broken by content, metadata included, so either order keeps the same one."""
    events = events_of("purchase_refunded", NEW_API)
    events = events[: next(i for i, e in enumerate(events) if e["type"] == "charge.refunded")]
    charge = next(e for e in events if e["type"] == "charge.succeeded")
    edited = copy.deepcopy(charge)
    edited["id"] = charge["id"] + "x"
    edited["data"]["object"]["metadata"]["note"] = "edited"
    states = []
    for pair in ([charge, edited], [edited, charge]):
        conn = mirror.reset()
        assert "failed" not in ingest_all(conn, [*pair, *[e for e in events if e is not charge]])
        states.append(projection_state(conn))
        payment = one(conn, "payment_history", type="one_time_payment")
        assert payment["metadata"].get("note") == "edited"  # the greater snapshot
    assert_same_state(states[0], states[1])


RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


@dataclass
class Sender:
    """One connection delivering its share of a stream in order, retrying what PostgreSQL
    aborted (a deadlock or serialization failure: the webhook answers 5xx and Stripe retries)."""

    events: list[JSON]
    outcomes: list[str] = field(default_factory=list)
    retries: int = 0
    error: BaseException | None = None

    def run(self, url: str, barrier: threading.Barrier) -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                barrier.wait(timeout=30)
                for event in self.events:
                    for _ in range(20):
                        try:
                            row = conn.execute(INGEST, ("test", Jsonb(event), "webhook")).fetchone()
                        except RETRYABLE:
                            self.retries += 1
                            continue
                        assert row is not None
                        self.outcomes.append(str(row[0]))
                        break
                    else:
                        raise AssertionError(f"{event['type']} kept failing to commit")
        except BaseException as exc:  # reported to the test thread
            self.error = exc


def deliver_concurrently(
    mirror: MirrorDatabase, stream: list[JSON], connections: int
) -> list[Sender]:
    senders = [Sender(stream[i::connections]) for i in range(connections)]
    barrier = threading.Barrier(connections)
    threads = [threading.Thread(target=s.run, args=(mirror.url, barrier)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(not t.is_alive() for t in threads)
    for sender in senders:
        assert sender.error is None, sender.error
    return senders


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "name", ["subscription_past_due", "purchase_refunded", "dispute_won", "plan_and_seat_change"]
)
def test_a_shuffled_lifecycle_from_four_connections_ends_in_the_in_order_state(
    mirror: MirrorDatabase, shape: str, name: str
) -> None:
    events = events_of(name, shape)
    expected = in_order_state(mirror, name, shape)
    rng = random.Random(f"{name}:{shape}")
    for _ in range(2):
        stream = events + rng.sample(events, len(events) // 3)
        rng.shuffle(stream)
        conn = mirror.reset()
        senders = deliver_concurrently(mirror, stream, 4)
        outcomes = Counter(o for s in senders for o in s.outcomes)
        assert outcomes["failed"] == 0
        assert sum(outcomes.values()) == len(stream)
        assert outcomes["processed"] + outcomes["ignored"] == len(events)
        assert_same_state(projection_state(conn), expected)
