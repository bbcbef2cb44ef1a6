"""Small helpers rewritten as lookups (fewer function calls for PostgreSQL to set up in each
transaction): each must give what its CASE form gave. The status and source ranks merges compare,
for every value, an unknown value and NULL; payments.stripe_id for every kind of JSON value;
payments.invoice_intent_payment, which reads a one-payment list without a query, for lists of every
length and kind of payment."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
import pytest
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from .statuses import PAYMENT_STATUSES as ALLOWED_PAYMENT_STATUSES
from .statuses import SUBSCRIPTION_STATUSES as ALLOWED_SUBSCRIPTION_STATUSES

Conn = psycopg.Connection[DictRow]

PAYMENT_STATUSES = [*ALLOWED_PAYMENT_STATUSES, "active", "paid"]  # and two unknown ones
SUBSCRIPTION_STATUSES = [*ALLOWED_SUBSCRIPTION_STATUSES, "paid"]
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


def _got_and_expected(
    conn: Conn, got: str, expected: str, values: Sequence[object]
) -> tuple[list[object], list[object]]:
    """`got` and `expected`, two SQL expressions of v, for each of `values` (as jsonb), in order."""
    rows = conn.execute(
        f"SELECT {got} AS got, {expected} AS expected"  # type: ignore[arg-type]
        " FROM unnest(%s::jsonb[]) WITH ORDINALITY AS l (v, n) ORDER BY n",
        [list(values)],
    ).fetchall()
    assert len(rows) == len(values)
    return [row["got"] for row in rows], [row["expected"] for row in rows]


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
    got, expected = _got_and_expected(
        pgpay_db, "payments.stripe_id(v)", STRIPE_ID_CASE, JSON_VALUES
    )
    assert got == expected
    assert set(got) >= {"cus_123", "5", None}


INTENT_PAYMENT_QUERY = """
    (SELECT pay FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(v -> 'payments' -> 'data') = 'array'
            THEN v -> 'payments' -> 'data' END
    ) AS pay
    WHERE pay -> 'payment' ->> 'type' = 'payment_intent'
    ORDER BY pay ->> 'status' = 'paid' DESC, (pay ->> 'is_default')::boolean DESC NULLS LAST
    LIMIT 1)
"""


def _invoice_payment(kind: str, status: str, default: bool | None = None) -> dict[str, object]:
    payment: dict[str, object] = {"type": kind, kind: f"{kind[:2]}_{status}"}
    row: dict[str, object] = {"object": "invoice_payment", "status": status, "payment": payment}
    if default is not None:
        row["is_default"] = default
    return row


def test_invoice_intent_payment_is_what_its_query_gave(pgpay_db: Conn) -> None:
    intent_paid = _invoice_payment("payment_intent", "paid")
    intent_open = _invoice_payment("payment_intent", "open", default=True)
    charge_paid = _invoice_payment("charge", "paid")
    lists: list[object] = [
        [],
        [intent_paid],
        [intent_open],
        [charge_paid],
        [charge_paid, intent_open],
        [intent_open, intent_paid],
        [intent_open, charge_paid, intent_paid],
        "not a list",
        None,
    ]
    invoices = [Jsonb({"object": "invoice", "payments": {"data": data}}) for data in lists]
    invoices.append(Jsonb({"object": "invoice"}))
    got, expected = _got_and_expected(
        pgpay_db, "payments.invoice_intent_payment(v)", INTENT_PAYMENT_QUERY, invoices
    )
    assert got == expected
    assert got[1] == intent_paid and got[2] == intent_open and got[3] is None
    assert got[5] == intent_paid and got[6] == intent_paid and got[0] is None


CREDITS_QUERY = """
    (SELECT coalesce(
        sum(payments.price_credits('test', li ->> 'price') * (li ->> 'quantity')::bigint), 0
    )
    FROM jsonb_array_elements(v) AS li
    WHERE li ->> 'price' IS NOT NULL)
"""


def test_payment_credits_is_what_its_query_gave(pgpay_db: Conn) -> None:
    """payment_credits reads lists of no line or one without a query."""
    pgpay_db.execute(
        "INSERT INTO payments.products (environment, stripe_product_id, metadata, raw) VALUES"
        " ('test', 'prod_c', '{\"credits\": \"7\"}', '{}')"
    )
    pgpay_db.execute(
        "INSERT INTO payments.prices (environment, stripe_price_id, stripe_product_id, metadata,"
        " raw) VALUES ('test', 'price_own', 'prod_c', '{\"credits\": \"5\"}', '{}'),"
        " ('test', 'price_of_product', 'prod_c', '{}', '{}'),"
        " ('test', 'price_none', NULL, '{}', '{}')"
    )
    line = {"price": "price_own", "quantity": 3}
    lists = [
        [],
        [line],
        [{"price": "price_of_product", "quantity": 2}],
        [{"price": "price_none", "quantity": 4}],
        [{"price": "price_unknown", "quantity": 1}],
        [{"price": None, "quantity": 1}],
        [{"price": "price_own", "quantity": None}],
        [line, {"price": "price_of_product", "quantity": 1}],
    ]
    got, expected = _got_and_expected(
        pgpay_db,
        "payments.payment_credits('test', v)",
        CREDITS_QUERY,
        [Jsonb(lines) for lines in lists],
    )
    assert got == expected
    assert got == [0, 15, 14, 0, 0, 0, 0, 22]
