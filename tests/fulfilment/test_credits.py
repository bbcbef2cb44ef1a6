"""public.credit_ledger: grants from paid payments (price metadata, else product metadata, x
quantity), one grant per paid invoice, proportional refund reversals, dispute holds and restores;
payments.spend_credits never overdraws, is idempotent per key and safe under concurrency; the
ledger is append-only; public.credit_balances sums it, payments.credit_balance reads one subject's
running total."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.rows import dict_row

from pgpay.testing.events import StripeFactory
from tests.fulfilment import helpers as h

World = tuple[h.Conn, StripeFactory, h.Catalog]
SPEND = "SELECT * FROM payments.spend_credits(%s, %s, %s, %s, %s, %s)"


@pytest.fixture
def world(shared_db: h.Conn) -> World:
    h.reset(shared_db)
    f = h.factory(7)
    cat = h.build_catalog(f)
    h.ingest(shared_db, cat.events)
    return shared_db, f, cat


def spend(
    db: h.Conn, subject: tuple[str, str], amount: int, key: str, reason: str = "api call"
) -> dict[str, Any]:
    row = db.execute(SPEND, [h.ENV, *subject, amount, reason, key]).fetchone()
    assert row is not None
    return dict(row)


def grant(
    db: h.Conn, f: StripeFactory, cat: h.Catalog, subject: tuple[str, str], total: int
) -> None:
    """Give a subject `total` credits by buying packs (10 per unit)."""
    events, _ = h.buy(db, f, cat.prices["pack"], total // 10, subject)
    h.ingest(db, events)
    assert h.balance(db, *subject) == total


# ------------------------------------------------------------------------------------ grants


@pytest.mark.parametrize(
    ("price", "quantity", "credits"),
    [
        pytest.param("pack", 3, 30, id="product-metadata"),
        pytest.param("pack_bonus", 2, 50, id="price-metadata-wins"),
    ],
)
def test_one_time_purchase_grants_credits_times_quantity(
    world: World, price: str, quantity: int, credits: int
) -> None:
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices[price], quantity, ("user", "u1"))

    h.ingest(db, events)
    h.ingest(db, events)  # duplicates grant nothing more

    assert h.ledger(db, "user", "u1") == [("grant", credits)]
    assert h.view_balance(db, "user", "u1") == credits


def test_nothing_is_granted_before_the_payment_succeeds(world: World) -> None:
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices["pack"], 2, ("team", "t1"), async_payment=True)
    pending = events[: [e["type"] for e in events].index("checkout.session.completed") + 1]

    h.ingest(db, pending)
    assert h.ledger(db, "team", "t1") == []

    h.ingest(db, events)
    assert h.ledger(db, "team", "t1") == [("grant", 20)]


def test_a_failed_async_payment_grants_nothing(world: World) -> None:
    db, f, cat = world
    events, _ = h.buy(
        db, f, cat.prices["pack"], 2, ("team", "t1"), async_payment=True, async_outcome="failed"
    )

    h.ingest(db, events)

    assert h.ledger(db, "team", "t1") == []


@pytest.mark.parametrize("api_version", ["2025-03-31.basil", "2024-06-20"])
@pytest.mark.parametrize(
    ("plan", "quantity", "per_invoice"),
    [
        pytest.param("basic", 1, 100, id="product-metadata"),
        pytest.param("pro", 2, 1_000, id="price-metadata-x-seats"),
    ],
)
def test_a_subscription_grants_once_per_paid_invoice(
    shared_db: h.Conn, api_version: str, plan: str, quantity: int, per_invoice: int
) -> None:
    db = shared_db
    h.reset(db)
    f = h.factory(8, days_ago=65, api_version=api_version)
    cat = h.build_catalog(f)
    h.ingest(db, cat.events)
    events = f.subscription_lifecycle(
        "team", "t1", cat.prices[plan], quantity=quantity, renewals=2, end="active"
    )

    h.ingest(db, events)
    h.ingest(db, events)

    # The first invoice and two renewals: three periods, three grants.
    assert h.ledger(db, "team", "t1") == [("grant", per_invoice)] * 3


def test_a_failed_renewal_grants_nothing(world: World) -> None:
    db, f, cat = world
    events = f.subscription_lifecycle(
        "user", "u1", cat.prices["basic"], renewals=1, end="past_due_then_canceled"
    )

    h.ingest(db, events)

    assert h.ledger(db, "user", "u1") == [("grant", 100), ("grant", 100)]


def test_a_free_trial_invoice_grants_no_credits(world: World) -> None:
    """Credits follow money paid: the $0 invoice that opens a trial grants nothing (else a
    trial could be started, its credits taken and the subscription canceled, again and again);
    the first paid renewal grants the plan's credits."""
    db, f, cat = world
    events = f.subscription_lifecycle(
        "user", "u1", cat.prices["basic"], trial_days=7, renewals=1, end="active"
    )
    trial_invoices = [
        e for e in events if e["type"] == "invoice.paid" and e["data"]["object"]["amount_due"] == 0
    ]
    assert len(trial_invoices) == 1

    h.ingest(db, events)

    assert h.ledger(db, "user", "u1") == [("grant", 100)]


def test_credits_wait_for_the_subject_when_the_invoice_comes_first(world: World) -> None:
    db, f, cat = world
    events = f.subscription_lifecycle("team", "t1", cat.prices["basic"], renewals=0, end="active")
    invoices = [e for e in events if e["type"].startswith(("invoice.", "charge.", "payment_"))]
    rest = [e for e in events if e not in invoices]

    h.ingest(db, invoices)
    h.ingest(db, rest)

    assert h.ledger(db, "team", "t1") == [("grant", 100)]


# --------------------------------------------------------------------- refunds and disputes


def test_refunds_reverse_proportionally(world: World) -> None:
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices["pack_bonus"], 1, ("user", "u1"))  # 25 credits, $10
    h.ingest(db, events)

    h.ingest(db, f.refund_events(amount=300))
    assert h.balance(db, "user", "u1") == 25 - 7  # 30 % of 25, rounded down

    h.ingest(db, f.refund_events(amount=200))
    assert h.balance(db, "user", "u1") == 25 - 12  # 50 %

    h.ingest(db, f.refund_events())
    assert h.balance(db, "user", "u1") == 0
    kinds = [kind for kind, _ in h.ledger(db, "user", "u1")]
    assert kinds == ["grant", "reversal", "reversal", "reversal"]


def test_a_refunded_subscription_invoice_reverses_its_credits(world: World) -> None:
    db, f, cat = world
    events = f.subscription_lifecycle("team", "t1", cat.prices["basic"], renewals=0, end="active")
    h.ingest(db, events)

    h.ingest(db, f.refund_events(amount=250))  # a quarter of the $10 invoice

    assert h.ledger(db, "team", "t1") == [("grant", 100), ("reversal", -25)]


@pytest.mark.parametrize(("outcome", "final"), [("lost", 0), ("won", 20)])
def test_disputes_hold_the_credits_until_decided(world: World, outcome: str, final: int) -> None:
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices["pack"], 2, ("user", "u1"))
    h.ingest(db, events)
    dispute = f.dispute_events(outcome=outcome)
    opened = [e for e in dispute if e["data"]["object"]["status"] == "needs_response"]

    h.ingest(db, opened)
    assert h.balance(db, "user", "u1") == 0

    h.ingest(db, dispute)
    h.ingest(db, dispute)
    assert h.balance(db, "user", "u1") == final
    expected = [("grant", 20), ("reversal", -20)] + ([("restore", 20)] if outcome == "won" else [])
    assert h.ledger(db, "user", "u1") == expected


def test_a_lost_dispute_after_a_partial_refund_reverses_the_rest(world: World) -> None:
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices["pack"], 4, ("user", "u1"))  # 40 credits, $20
    h.ingest(db, events)

    h.ingest(db, f.refund_events(amount=500))
    h.ingest(db, f.dispute_events(outcome="lost"))  # disputes the remaining $15

    assert h.balance(db, "user", "u1") == 0


def test_a_refund_reverses_credits_even_once_spent(world: World) -> None:
    """The ledger records the debt (negative balance); further spends are refused."""
    db, f, cat = world
    events, _ = h.buy(db, f, cat.prices["pack"], 2, ("user", "u1"))
    h.ingest(db, events)
    spend(db, ("user", "u1"), 15, "k1")

    h.ingest(db, f.refund_events())

    assert h.balance(db, "user", "u1") == -15
    with pytest.raises(errors.CheckViolation):
        spend(db, ("user", "u1"), 1, "k2")


# ------------------------------------------------------------------------------------ spends


def test_spend_refuses_to_overdraw_and_spends_nothing(world: World) -> None:
    db, f, cat = world
    grant(db, f, cat, ("team", "t1"), 30)

    with pytest.raises(
        errors.CheckViolation, match=r"insufficient credits: team t1 has 30, needs 31"
    ):
        spend(db, ("team", "t1"), 31, "too-much")

    assert h.ledger(db, "team", "t1") == [("grant", 30)]
    assert spend(db, ("team", "t1"), 30, "all-of-it")["amount"] == -30
    assert h.view_balance(db, "team", "t1") == 0


def test_a_subject_without_credits_cannot_spend(world: World) -> None:
    db, _, _ = world
    with pytest.raises(errors.CheckViolation, match="insufficient credits"):
        spend(db, ("user", "nobody"), 1, "k")
    assert h.ledger(db, "user", "nobody") == []


@pytest.mark.parametrize(
    ("amount", "key", "subject_type"),
    [
        pytest.param(0, "k", "user", id="zero"),
        pytest.param(-5, "k", "user", id="negative"),
        pytest.param(1, "", "user", id="empty-key"),
        pytest.param(1, None, "user", id="no-key"),
        pytest.param(1, "k", "planet", id="unknown-subject-type"),
    ],
)
def test_spend_rejects_bad_arguments(
    world: World, amount: int, key: str | None, subject_type: str
) -> None:
    db, f, cat = world
    grant(db, f, cat, ("user", "u1"), 10)
    with pytest.raises(errors.InvalidParameterValue):
        db.execute(SPEND, [h.ENV, subject_type, "u1", amount, "r", key])
    assert h.balance(db, "user", "u1") == 10


def test_spend_is_idempotent_per_key(world: World) -> None:
    db, f, cat = world
    grant(db, f, cat, ("user", "u1"), 50)

    first = spend(db, ("user", "u1"), 20, "request-1")
    again = spend(db, ("user", "u1"), 20, "request-1")

    assert again["id"] == first["id"]
    assert (first["kind"], first["amount"]) == ("spend", -20)
    assert h.balance(db, "user", "u1") == 30
    with pytest.raises(errors.UniqueViolation, match="already used for a spend of 20"):
        spend(db, ("user", "u1"), 25, "request-1")
    assert h.balance(db, "user", "u1") == 30
    # Keys are per subject: another subject's identical key is its own spend.
    grant(db, f, cat, ("user", "u2"), 20)
    assert spend(db, ("user", "u2"), 20, "request-1")["id"] != first["id"]
    assert h.balance(db, "user", "u2") == 0


def _spend_in_threads(
    url: str, calls: list[tuple[int, str]], subject: tuple[str, str]
) -> list[Any]:
    """Run each (amount, key) spend on its own connection, all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, amount: int, key: str) -> None:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            barrier.wait(timeout=30)
            try:
                row = conn.execute(SPEND, [h.ENV, *subject, amount, "burst", key]).fetchone()
                results[index] = dict(row) if row else None
            except psycopg.Error as exc:
                results[index] = exc

    threads = [
        threading.Thread(target=worker, args=(i, amount, key))
        for i, (amount, key) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_concurrent_spends_never_overdraw(world: World) -> None:
    db, f, cat = world
    subject = ("team", "t_burst")
    for price, quantity in (("pack_bonus", 3), ("pack", 2)):  # 75 + 20 credits
        events, _ = h.buy(db, f, cat.prices[price], quantity, subject)
        h.ingest(db, events)
    assert h.balance(db, *subject) == 95

    results = _spend_in_threads(db.info.dsn, [(10, f"burst-{i}") for i in range(20)], subject)

    spent = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if not isinstance(r, dict)]
    assert len(spent) == 9
    assert all(isinstance(r, errors.CheckViolation) for r in refused), refused
    assert h.balance(db, *subject) == 5
    assert [kind for kind, _ in h.ledger(db, *subject)].count("spend") == 9


def test_concurrent_retries_of_one_key_spend_once(world: World) -> None:
    db, f, cat = world
    subject = ("user", "u_retry")
    grant(db, f, cat, subject, 50)

    results = _spend_in_threads(db.info.dsn, [(10, "same-request")] * 8, subject)

    assert all(isinstance(r, dict) for r in results), results
    assert len({r["id"] for r in results}) == 1
    assert h.balance(db, *subject) == 40


# --------------------------------------------------------------------- ledger and balances


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE public.credit_ledger SET amount = 1000",
        "DELETE FROM public.credit_ledger",
    ],
)
def test_the_ledger_is_append_only(world: World, statement: str) -> None:
    db, f, cat = world
    grant(db, f, cat, ("user", "u1"), 20)

    with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
        db.execute(statement)

    assert h.ledger(db, "user", "u1") == [("grant", 20)]


def two_subjects_ledger(db: h.Conn, f: StripeFactory, cat: h.Catalog) -> None:
    """user u1 buys 4 packs (40 credits), spends 5 and gets half its money back (-10); team t1
    is granted 10."""
    events, _ = h.buy(db, f, cat.prices["pack"], 4, ("user", "u1"))
    h.ingest(db, events)
    grant(db, f, cat, ("team", "t1"), 10)
    spend(db, ("user", "u1"), 5, "k")
    h.ingest(db, f.refund_events(charge=h.charge_of(events), amount=500))


def test_credit_balances_sums_the_ledger_per_subject(world: World) -> None:
    db, f, cat = world
    two_subjects_ledger(db, f, cat)

    rows = db.execute(
        "SELECT subject_type, subject_id, balance, credited, spent, reversed"
        " FROM public.credit_balances WHERE environment = 'test' ORDER BY 1, 2"
    ).fetchall()

    assert [tuple(r.values()) for r in rows] == [
        ("team", "t1", 10, 10, 0, 0),
        ("user", "u1", 25, 40, 5, 10),
    ]


BALANCE = "SELECT payments.credit_balance(%s, %s, %s) AS balance"


def test_credit_balance_is_the_ledgers_sum_with_or_without_a_running_total(world: World) -> None:
    """payments.credit_balance reads the running total; a subject whose entries all predate the
    totals (no row) gets its ledger's sum, and a subject without entries 0."""
    db, f, cat = world
    two_subjects_ledger(db, f, cat)
    subjects = [("user", "u1"), ("team", "t1"), ("team", "t_none")]
    expected = [h.balance(db, *subject) for subject in subjects]
    assert expected == [25, 10, 0]
    for _ in ("with the running totals", "as before migration 0009"):
        found = [db.execute(BALANCE, [h.ENV, *subject]).fetchone() for subject in subjects]
        assert [row["balance"] if row else None for row in found] == expected
        db.execute("DELETE FROM payments.credit_totals")


@pytest.mark.parametrize(
    ("environment", "subject_type", "subject_id"),
    [
        pytest.param("staging", "user", "u1", id="unknown-environment"),
        pytest.param(None, "user", "u1", id="no-environment"),
        pytest.param("test", "planet", "u1", id="unknown-subject-type"),
        pytest.param("test", "user", None, id="no-subject-id"),
        pytest.param("test", "user", "u 1", id="not-a-subject-id"),
    ],
)
def test_credit_balance_rejects_bad_arguments(
    world: World, environment: str | None, subject_type: str, subject_id: str | None
) -> None:
    db, _, _ = world
    with pytest.raises(errors.InvalidParameterValue):
        db.execute(BALANCE, [environment, subject_type, subject_id])


# ------------------------------------------------------------------------- running totals

TOTALS = (
    "SELECT t.subject_type, t.subject_id, t.balance, s.total FROM payments.credit_totals AS t"
    " FULL JOIN (SELECT environment, subject_type, subject_id, sum(amount) AS total"
    " FROM public.credit_ledger GROUP BY 1, 2, 3) AS s"
    " USING (environment, subject_type, subject_id) ORDER BY 1, 2"
)


def test_the_running_totals_follow_every_kind_of_entry(world: World) -> None:
    """Grants, spends, refund reversals, dispute holds and the app's own adjustments: each
    subject's running total is its ledger's sum."""
    db, f, cat = world
    two_subjects_ledger(db, f, cat)
    h.ingest(db, f.dispute_events(outcome="lost"))
    db.execute(
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) VALUES ('test', 'team', 't1', 7, 'adjustment', 'goodwill-1')"
    )
    rows = db.execute(TOTALS).fetchall()
    assert [(r["subject_type"], r["subject_id"]) for r in rows] == [("team", "t1"), ("user", "u1")]
    assert all(r["balance"] == r["total"] for r in rows), rows
    assert [r["balance"] for r in rows] == [
        h.balance(db, "team", "t1"),
        h.balance(db, "user", "u1"),
    ]


def test_a_subject_with_entries_from_before_the_totals_spends_what_it_has(world: World) -> None:
    """Entries written before the running totals existed count: the subject's first entry (here
    a spend) starts its total from the whole ledger."""
    db, f, cat = world
    subject = ("user", "u_old")
    grant(db, f, cat, subject, 30)
    db.execute("DELETE FROM payments.credit_totals")  # as it was before migration 0009
    with pytest.raises(errors.CheckViolation, match="has 30, needs 31"):
        spend(db, subject, 31, "too-much")
    spend(db, subject, 12, "some")
    assert db.execute(TOTALS).fetchall() == [
        {"subject_type": "user", "subject_id": "u_old", "balance": 18, "total": 18}
    ]
    db.execute("TRUNCATE public.credit_ledger")
    assert db.execute("SELECT count(*) AS n FROM payments.credit_totals").fetchone() == {"n": 0}


def test_a_spend_reads_the_running_total_not_the_subjects_whole_ledger(world: World) -> None:
    """A subject with thousands of entries spends as cheaply as a new one: the spend reads a
    handful of ledger rows (its idempotency key), not every entry."""
    db, f, cat = world
    subject = ("team", "t_busy")
    grant(db, f, cat, subject, 10)
    db.execute(
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) SELECT 'test', 'team', 't_busy', 1, 'adjustment', 'top-up-' || g"
        " FROM generate_series(1, 5000) AS g"
    )
    db.execute("ANALYZE public.credit_ledger")
    with h.table_activity(db, "public.credit_ledger") as ledger:
        spend(db, subject, 5_010, "all-of-it")
    assert ledger["seq_tup_read"] + ledger["idx_tup_fetch"] <= 2
    assert h.balance(db, *subject) == 0


def test_first_entries_written_at_once_all_count(world: World) -> None:
    """Entries for a subject without a running total, committed at the same moment: whichever
    creates the total, the others add to it."""
    db, _, _ = world
    start = threading.Barrier(8)

    def add(n: int) -> None:
        with psycopg.connect(db.info.dsn, autocommit=True) as conn:
            start.wait(10)
            conn.execute(
                "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount,"
                " kind, source_key) VALUES ('test', 'team', 't_race', %s, 'adjustment', %s)",
                [n, f"race-{n}"],
            )

    threads = [threading.Thread(target=add, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert db.execute(TOTALS).fetchall() == [
        {"subject_type": "team", "subject_id": "t_race", "balance": 36, "total": 36}
    ]


def test_entries_written_by_one_statement_count_once(world: World) -> None:
    """A multi-row insert (or a COPY) for a subject without a total: its total is the sum."""
    db, _, _ = world
    db.execute(
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) VALUES ('test', 'user', 'u_bulk', 100, 'adjustment', 'b1'),"
        " ('test', 'user', 'u_bulk', 50, 'adjustment', 'b2'),"
        " ('test', 'user', 'u_bulk', 25, 'adjustment', 'b3')"
    )
    db.execute(
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) VALUES ('test', 'user', 'u_bulk', 5, 'adjustment', 'b4'),"
        " ('test', 'team', 't_bulk', 7, 'adjustment', 'b5')"
    )
    assert db.execute(TOTALS).fetchall() == [
        {"subject_type": "team", "subject_id": "t_bulk", "balance": 7, "total": 7},
        {"subject_type": "user", "subject_id": "u_bulk", "balance": 180, "total": 180},
    ]
    with pytest.raises(errors.CheckViolation, match="has 180, needs 181"):
        spend(db, ("user", "u_bulk"), 181, "too-much")


def test_a_transaction_that_adds_credits_then_spends_them_does_not_deadlock(world: World) -> None:
    """The app adds an entry and spends in one transaction while another spend for the same
    subject waits: both go through the subject's running total, in one order."""
    db, _, _ = world
    entry = (
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) VALUES ('test', 'user', 'u_both', %s, 'adjustment', %s)"
    )
    db.execute(entry, [10, "seed"])
    outcome: list[object] = []
    with psycopg.connect(db.info.dsn, row_factory=dict_row) as first:
        first.execute(entry, [20, "top-up"])

        def other_spend() -> None:
            with psycopg.connect(db.info.dsn, autocommit=True, row_factory=dict_row) as conn:
                try:
                    outcome.append(spend(conn, ("user", "u_both"), 25, "other"))
                except psycopg.Error as exc:
                    outcome.append(exc)

        waiting = threading.Thread(target=other_spend)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "the other spend must wait for the open top-up"
        assert spend(first, ("user", "u_both"), 5, "own")["amount"] == -5
        first.commit()
    waiting.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], dict), outcome
    assert h.balance(db, "user", "u_both") == 0
