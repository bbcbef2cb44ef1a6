"""Small helpers rewritten as lookups (fewer function calls for PostgreSQL to set up in each
transaction): each must give what its CASE form gave. The status and source ranks merges compare,
for every value, an unknown value and NULL; payments.stripe_id for every kind of JSON value."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

Conn = psycopg.Connection[DictRow]

PAYMENT_STATUSES = [
    "pending",
    "requires_action",
    "succeeded",
    "failed",
    "canceled",
    "refunded",
    "partially_refunded",
    "disputed",
    "won",
    "lost",
    "void",
    "uncollectible",
    "active",
    "paid",
]
SUBSCRIPTION_STATUSES = [
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
    "paid",
]
SOURCES = ["manual", "checkout", "runtime", "metadata", "sync", "webhook"]

# The CASE forms the ranks had, as the reference.
PAYMENT_CASE = """
    CASE
        WHEN t = 'refund' THEN
            CASE s
                WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1 WHEN 'succeeded' THEN 2
                WHEN 'failed' THEN 3 WHEN 'canceled' THEN 3 ELSE -1
            END
        WHEN t = 'dispute' THEN
            CASE s WHEN 'disputed' THEN 0 WHEN 'won' THEN 1 WHEN 'lost' THEN 1 ELSE -1 END
        ELSE
            CASE s
                WHEN 'pending' THEN 0 WHEN 'requires_action' THEN 1 WHEN 'failed' THEN 2
                WHEN 'canceled' THEN 3 WHEN 'uncollectible' THEN 3 WHEN 'void' THEN 4
                WHEN 'succeeded' THEN 5 WHEN 'partially_refunded' THEN 6 WHEN 'refunded' THEN 7
                ELSE -1
            END
    END
"""
SUBSCRIPTION_CASE = """
    CASE s
        WHEN 'incomplete' THEN 0 WHEN 'trialing' THEN 1 WHEN 'active' THEN 2 WHEN 'past_due' THEN 3
        WHEN 'unpaid' THEN 4 WHEN 'paused' THEN 5 WHEN 'canceled' THEN 6
        WHEN 'incomplete_expired' THEN 6 ELSE -1
    END
"""
SOURCE_CASE = """
    CASE s
        WHEN 'manual' THEN 5 WHEN 'checkout' THEN 4 WHEN 'runtime' THEN 3 WHEN 'metadata' THEN 2
        WHEN 'sync' THEN 1 ELSE 0
    END
"""


@pytest.mark.parametrize(
    ("ranked", "reference", "types", "values"),
    [
        (
            "payments.payment_status_rank(t, s)",
            PAYMENT_CASE,
            ["one_time_payment", "subscription_invoice", "refund", "dispute", None],
            PAYMENT_STATUSES,
        ),
        ("payments.subscription_status_rank(s)", SUBSCRIPTION_CASE, [None], SUBSCRIPTION_STATUSES),
        ("payments.mapping_source_rank(s)", SOURCE_CASE, [None], SOURCES),
    ],
    ids=["payment", "subscription", "mapping source"],
)
def test_each_rank_is_what_its_case_form_gave(
    pgpay_db: Conn, ranked: str, reference: str, types: list[str | None], values: list[str]
) -> None:
    rows = pgpay_db.execute(
        f"SELECT t, s, {ranked} AS got, {reference} AS expected"  # type: ignore[arg-type]
        " FROM unnest(%s::text[]) AS t, unnest(%s::text[]) AS s",
        [types, [*values, "", "PENDING", None]],
    ).fetchall()
    assert rows and all(row["got"] == row["expected"] for row in rows), [
        row for row in rows if row["got"] != row["expected"]
    ]
    assert len({row["got"] for row in rows}) >= 4  # the ranks really differ


STRIPE_ID_CASE = """
    CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' WHEN 'object' THEN v ->> 'id' END
"""
JSON_VALUES = [
    '"cus_123"',
    '""',
    '{"id": "cus_123", "object": "customer"}',
    '{"id": 5}',
    '{"id": null}',
    '{"id": {"nested": true}}',
    "{}",
    '["cus_123"]',
    '[{"id": "cus_123"}]',
    "5",
    "true",
    "null",
    None,
]


def test_stripe_id_is_what_its_case_form_gave(pgpay_db: Conn) -> None:
    rows = pgpay_db.execute(
        f"SELECT v, payments.stripe_id(v) AS got, {STRIPE_ID_CASE} AS expected"  # type: ignore[arg-type]
        " FROM unnest(%s::jsonb[]) AS v",
        [JSON_VALUES],
    ).fetchall()
    assert len(rows) == len(JSON_VALUES)
    assert all(row["got"] == row["expected"] for row in rows), rows
    assert {row["got"] for row in rows} >= {"cus_123", "5", None}
