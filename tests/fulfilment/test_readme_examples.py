"""The README's "Fulfilling from pgpay's tables" section runs as written.

Every ```sql block of the section is executed, in order, against a database where a realistic
scenario was ingested: the order block first (before the buyer pays), then Stripe's events, then
the remaining blocks, whose results are checked. The docs cannot drift from the SQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.fulfilment import helpers as h

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Fulfilling from pgpay's tables"


def section_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no {SECTION!r} section"
    start = text.index(SECTION) + len(SECTION)
    end = text.find("\n## ", start)
    body = text[start:] if end == -1 else text[start:end]
    return re.findall(r"^```sql\n(.*?)^```", body, flags=re.S | re.M)


def run(db: h.Conn, sql: str) -> list[list[dict[str, Any]]]:
    """Execute a block (it may hold several statements); every statement's rows."""
    results: list[list[dict[str, Any]]] = []
    cursor = db.execute(sql.encode())
    while True:
        results.append([dict(r) for r in cursor.fetchall()] if cursor.description else [])
        if not cursor.nextset():
            return results


def scenario(db: h.Conn) -> Callable[[uuid.UUID], None]:
    """The catalog, and the purchases the README's subjects made; returns what happens after the
    app created its order: pgpay's checkout row, then Stripe's events."""
    f = h.factory(2024, days_ago=2)
    pack = f.product("Credit pack", metadata={"credits": "100"})
    pack_price = f.price(pack["id"], 500)
    pro = f.product("Pro", metadata={"entitlements": "pro,export"})
    pro_price = f.price(pro["id"], 2_000, recurring_interval="month", metadata={"credits": "1000"})
    team = f.product("Team", metadata={"entitlements": "team"})
    team_price = f.price(
        team["id"], 800, recurring_interval="month", lookup_key="team_monthly",
        metadata={"credits": "50"},
    )  # fmt: skip
    h.ingest(
        db,
        [f.event("product.created", p) for p in (pack, pro, team)]
        + [f.event("price.created", p) for p in (pack_price, pro_price, team_price)],
    )

    def after_order(order_id: uuid.UUID) -> None:
        purchase = f.one_time_purchase("user", "user_123", pack_price, quantity=3)
        h.record_checkout(db, h.session_of(purchase), [(pack_price, 3)], order_id=order_id)
        events = purchase + f.subscription_lifecycle(
            "user",
            "user_123",
            pro_price,
            renewals=0,
            end="active",
            customer=h.session_of(purchase)["customer"],
        )
        events += f.subscription_lifecycle(
            "team", "team_42", team_price, quantity=5, renewals=0, end="active"
        )
        h.ingest(db, events)

    return after_order


def test_the_section_covers_every_use() -> None:
    blocks = section_blocks()
    joined = "\n".join(blocks)
    for needle in (
        "INSERT INTO public.orders",
        "FROM public.orders",
        "status = 'fulfilled'",
        "public.user_entitlements",
        "public.team_billing_status",
        "payments.subscription_grants_access",
        "public.credit_balances",
        "payments.spend_credits",
        "payments.credit_balance(",
    ):
        assert needle in joined, needle
    assert blocks[0].lstrip().startswith("INSERT INTO public.orders"), "the order comes first"


def test_the_sql_examples_run_as_documented(pgpay_db: h.Conn) -> None:
    db = pgpay_db
    after_order = scenario(db)
    first, *rest = section_blocks()

    created = run(db, first)[-1]
    assert [r["status"] for r in created] == ["pending"]
    order_id = uuid.UUID(str(created[0]["id"]))
    after_order(order_id)

    checked: set[str] = set()
    for block in rest:
        results = run(db, block)
        rows = results[-1]
        if "payments.spend_credits" in block:
            assert [(r["amount"], r["reason"]) for r in rows] == [(-10, "image generation")]
            assert run(db, block)[-1] == rows, "a retry with the same key is the same spend"
            assert h.balance(db, "user", "user_123") == 300 + 1_000 - 10
            # The errors the section documents, by the SQLSTATEs it names.
            with pytest.raises(psycopg.Error) as too_much:
                db.execute(block.replace(" 10,", " 5000,").replace("req_7f3a9c", "req_other"))
            assert too_much.value.sqlstate == "23514"
            assert "insufficient credits" in str(too_much.value)
            with pytest.raises(psycopg.Error) as reused:
                db.execute(block.replace(" 10,", " 11,"))
            assert reused.value.sqlstate == "23505"
            assert h.balance(db, "user", "user_123") == 300 + 1_000 - 10
            checked.add("spend")
        elif "payments.credit_balance(" in block:
            assert rows == [{"balance": 5 * 50}]  # five seats of the team plan's 50 credits
            checked.add("group balance")
        elif "public.credit_balances" in block:
            assert rows == [{"balance": 1_300, "credited": 1_300, "spent": 0, "reversed": 0}]
            checked.add("balance")
        elif block.lstrip().startswith("UPDATE public.orders"):
            assert len(rows) == 1
            assert run(db, block)[-1] == [], "only one worker fulfils"
            assert h.order_status(db, order_id) == "fulfilled"
            checked.add("fulfil")
        elif "FROM public.orders" in block:
            assert len(rows) == 1
            row = rows[0]
            assert (row["status"], row["amount"], row["currency"], row["amount_refunded"]) == (
                "paid",
                1_500,
                "usd",
                0,
            )
            assert row["paid_at"] is not None
            checked.add("success page")
        elif "public.user_entitlements" in block:
            assert rows == [{"may_use_pro": True}]
            checked.add("entitlement")
        elif "public.team_billing_status" in block:
            assert len(rows) == 1
            row = rows[0]
            assert (row["plan"], row["status"], row["seats"], row["may_use"]) == (
                "team_monthly",
                "active",
                5,
                True,
            )
            assert row["cancel_at_period_end"] is False and row["trial_end"] is None
            assert row["current_period_end"] is not None
            checked.add("team")
        elif "payments.subscription_grants_access" in block:
            assert rows == [{"grants": True}]
            setting = db.execute(
                "SELECT value FROM payments.settings WHERE key = 'past_due_grace_period'"
            ).fetchone()
            assert setting == {"value": "5 days"}
            checked.add("access rule")

    assert checked == {
        "success page",
        "fulfil",
        "entitlement",
        "team",
        "access rule",
        "balance",
        "group balance",
        "spend",
    }
