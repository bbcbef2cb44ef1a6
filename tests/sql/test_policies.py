"""The policy matrix: who (role + JWT claims) may do what to which subject's rows.

Each case is one row: a caller, an action, and whether it is allowed; its id is the sentence it
proves. Callers: anonymous, the user itself, a stranger, a group member, a group admin, a group owner,
plus broken or hostile claims. Subjects: the user, a team, an organization. Every case runs as the
caller (SET LOCAL ROLE + request.jwt.claims) in a transaction that is rolled back, on one seeded
database shared by the module.
"""

# The matrix keeps one case per line, so it reads as a table: long lines are allowed in this file.
# ruff: noqa: E501

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import DictRow, dict_row

from pgpay.testing.caller import CallerSession, Claims, as_caller, claims_for
from pgpay.testing.postgres import DatabaseFactory

SELF, STRANGER, MEMBER, ADMIN, OWNER = (
    "user-self",
    "user-stranger",
    "user-member",
    "user-admin",
    "user-owner",
)
TEAM, ORG, OTHER_TEAM = "team-1", "org-1", "team-2"
UUID_USER = "6f1c1d7e-3b9a-4d55-9a6e-0c2f4f1e8a11"
LINE_ITEMS = '[{"price": "price_on", "quantity": 1}]'

GROUPS = {("team", TEAM), ("organization", ORG)}
APP_TABLES = ["public.orders", "public.credit_ledger", "public.team_billing_status"]
MIRROR_TABLES = [
    "payments.customers",
    "payments.subscriptions",
    "payments.subscription_items",
    "payments.payment_history",
    "payments.webhook_events",
    "payments.stripe_customer_mappings",
    "payments.connections",
    "payments.settings",
]


@dataclass(frozen=True)
class Who:
    """A caller: the database role, the claims PostgREST would set, and the id it stamps as creator."""

    role: str
    claims: Claims
    user: str | None = None


def user(sub: str) -> Who:
    return Who("authenticated", claims_for("authenticated", sub), sub)


ANON = Who("anon", None)
ANON_CLAIMS = Who("anon", claims_for("anon"))
ME = user(SELF)
STRANGER_ = user(STRANGER)
MEMBER_ = user(MEMBER)
ADMIN_ = user(ADMIN)
OWNER_ = user(OWNER)
NO_SUB = Who("authenticated", {"role": "authenticated"})
SUB_NUMBER = Who("authenticated", {"role": "authenticated", "sub": 12345})
SUB_ARRAY = Who("authenticated", {"role": "authenticated", "sub": [SELF]})
SUB_NO_ROLE = Who("authenticated", {"sub": SELF})
SUB_ROLE_ANON = Who("authenticated", {"role": "anon", "sub": SELF})
MALFORMED = Who("authenticated", '{"role": "authenticated", "sub": "user-self"')
EMPTY = Who("authenticated", "")
NOT_AN_OBJECT = Who("authenticated", '["authenticated", "user-self"]')
INJECTION = Who("authenticated", claims_for("authenticated", "user-self' OR '1'='1"))
INJECTION_LIKE = Who("authenticated", claims_for("authenticated", "%"))
WRONG_CASE = Who("authenticated", claims_for("authenticated", "USER-SELF"))
NOT_A_UUID = Who("authenticated", claims_for("authenticated", "not-a-uuid"))


# ----------------------------------------------------------------------------- the seeded database


def _seed(conn: psycopg.Connection[DictRow]) -> None:
    conn.execute(
        "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) VALUES "
        "('team', %(team)s, %(member)s, 'member'), ('team', %(team)s, %(admin)s, 'admin'), "
        "('team', %(team)s, %(owner)s, 'owner'), "
        "('organization', %(org)s, %(member)s, 'member'), ('organization', %(org)s, %(admin)s, 'admin'), "
        "('organization', %(org)s, %(owner)s, 'owner'), "
        "('team', %(other)s, %(stranger)s, 'owner')",
        {"team": TEAM, "org": ORG, "other": OTHER_TEAM, "member": MEMBER, "admin": ADMIN,
         "owner": OWNER, "stranger": STRANGER},
    )  # fmt: skip
    subjects = [("user", SELF), ("user", STRANGER), ("team", TEAM), ("organization", ORG),
                ("team", OTHER_TEAM)]  # fmt: skip
    for n, (stype, sid) in enumerate(subjects):
        conn.execute(
            "INSERT INTO public.orders (environment, subject_type, subject_id, created_by, amount, "
            "currency) VALUES ('test', %s, %s, %s, 1000, 'usd')",
            (stype, sid, sid if stype == "user" else ADMIN),
        )
        conn.execute(
            "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind, "
            "source_key) VALUES ('test', %s, %s, 100, 'grant', %s)",
            (stype, sid, f"seed:{n}"),
        )
        if stype == "user":
            conn.execute(
                "INSERT INTO public.user_entitlements (environment, user_id, entitlement_key, "
                "source_type, source_id) VALUES ('test', %s, 'pro', 'subscription', %s)",
                (sid, f"sub_seed{n}"),
            )
        else:
            conn.execute(
                "INSERT INTO public.team_billing_status (environment, subject_type, subject_id, "
                "status, has_access) VALUES ('test', %s, %s, 'active', true)",
                (stype, sid),
            )
    conn.execute(
        "INSERT INTO public.orders (environment, created_by, amount, currency) "
        "VALUES ('test', %s, 500, 'usd'), ('test', %s, 500, 'usd')",
        (SELF, STRANGER),
    )
    conn.execute(
        "INSERT INTO public.user_entitlements (environment, user_id, entitlement_key, source_type, "
        "source_id) VALUES ('test', %s, 'pro', 'subscription', 'sub_uuid')",
        (UUID_USER,),
    )
    for creator in (SELF, STRANGER, ADMIN):
        conn.execute(
            "INSERT INTO payments.checkout_sessions (environment, mode, created_by) "
            "VALUES ('test', 'payment', %s)",
            (creator,),
        )
        conn.execute(
            "INSERT INTO payments.customer_portal_sessions (environment, subject_type, subject_id, "
            "created_by) VALUES ('test', 'user', %s, %s)",
            (creator, creator),
        )
    conn.execute(
        "INSERT INTO payments.checkout_sessions (environment, mode) VALUES ('test', 'payment')"
    )
    conn.execute(
        "INSERT INTO payments.customers (environment, stripe_customer_id, raw) "
        "VALUES ('test', 'cus_seed', '{}')"
    )
    conn.execute(
        "INSERT INTO payments.stripe_customer_mappings (environment, subject_type, subject_id, "
        "stripe_customer_id) VALUES ('test', 'user', %s, 'cus_seed')",
        (SELF,),
    )
    conn.execute(
        "INSERT INTO payments.subscriptions (environment, stripe_subscription_id, status, raw) "
        "VALUES ('test', 'sub_seed', 'active', '{}')"
    )
    conn.execute(
        "INSERT INTO payments.subscription_items (environment, stripe_subscription_item_id, "
        "stripe_subscription_id, raw) VALUES ('test', 'si_seed', 'sub_seed', '{}')"
    )
    conn.execute(
        "INSERT INTO payments.payment_history (environment, type, status, stripe_refund_id) "
        "VALUES ('test', 'refund', 'succeeded', 're_seed')"
    )
    conn.execute(
        "INSERT INTO payments.webhook_events (environment, stripe_event_id, type, livemode, "
        "stripe_created, payload) VALUES ('test', 'evt_seed', 'ping', false, now(), '{}')"
    )
    conn.execute("INSERT INTO payments.connections (environment) VALUES ('test')")
    conn.execute(
        "INSERT INTO payments.products (environment, stripe_product_id, name, active, raw) VALUES "
        "('test', 'prod_on', 'On sale', true, '{}'), ('test', 'prod_off', 'Archived', false, '{}')"
    )
    conn.execute(
        "INSERT INTO payments.prices (environment, stripe_price_id, stripe_product_id, active, "
        "currency, unit_amount, raw) VALUES ('test', 'price_on', 'prod_on', true, 'usd', 900, '{}'), "
        "('test', 'price_off', 'prod_off', false, 'usd', 900, '{}')"
    )


@pytest.fixture(scope="module")
def seeded(pgpay_databases: DatabaseFactory) -> Iterator[psycopg.Connection[DictRow]]:
    """One database for the whole matrix, seeded once; every case rolls back what it did."""
    name = pgpay_databases.create("pgpay_policies")
    try:
        url = pgpay_databases.url_for(name)
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            _seed(conn)
            yield conn
    finally:
        pgpay_databases.drop(name)


# ----------------------------------------------------------------------------- actions

Action = Callable[[CallerSession, Who], bool]
"""Runs as the caller; True when the database allowed it, False when it refused or hid the rows."""

DENIALS = (psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation)


def _write(db: CallerSession, query: Any, params: Any) -> bool:
    attempt = db.attempt(query, params)
    if attempt.ok:
        return True
    assert isinstance(attempt.error, DENIALS), f"refused for the wrong reason: {attempt.error!r}"
    return False


def checkout(
    mode: str, stype: str | None = None, sid: str | None = None, creator: str | None = "caller"
) -> Action:
    """Insert a checkout session as the runtime does: created_by is the caller unless given, and
    the subject and creator columns are named only when set (anonymous callers may not name them)."""

    def run(db: CallerSession, who: Who) -> bool:
        values: dict[str, Any] = {"environment": "test", "mode": mode, "line_items": LINE_ITEMS}
        if stype is not None or sid is not None:
            values |= {"subject_type": stype, "subject_id": sid}
        created_by = who.user if creator == "caller" else creator
        if created_by is not None:
            values["created_by"] = created_by
        query = sql.SQL("INSERT INTO payments.checkout_sessions ({}) VALUES ({})").format(
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(map(sql.Placeholder, values)),
        )
        return _write(db, query, values)

    return run


def portal(stype: str, sid: str, creator: str | None = "caller") -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        created_by = who.user if creator == "caller" else creator
        return _write(
            db,
            "INSERT INTO payments.customer_portal_sessions (environment, subject_type, subject_id, "
            "created_by) VALUES ('test', %s, %s, %s)",
            (stype, sid, created_by),
        )

    return run


def _visible(db: CallerSession, query: Any, params: Any = None) -> bool:
    attempt = db.attempt(query, params)
    if attempt.ok:
        return bool(attempt.rows) and bool(next(iter(attempt.rows[0].values())))
    assert attempt.refused, f"refused for the wrong reason: {attempt.error!r}"
    return False


def sessions_of(table: str, creator: str) -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        return _visible(
            db, f"SELECT count(*) FROM payments.{table} WHERE created_by = %s", (creator,)
        )

    return run


def app_rows(table: str, stype: str, sid: str) -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        return _visible(
            db,
            f"SELECT count(*) FROM {table} WHERE subject_type = %s AND subject_id = %s",
            (stype, sid),
        )

    return run


def entitlements_of(user_id: str) -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        return _visible(
            db, "SELECT count(*) FROM public.user_entitlements WHERE user_id = %s", (user_id,)
        )

    return run


def any_rows(table: str, where: str = "TRUE") -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        return _visible(db, f"SELECT count(*) FROM {table} WHERE {where}")

    return run


def write(query: str) -> Action:
    """An UPDATE or DELETE: allowed only when it touched a row."""

    def run(db: CallerSession, who: Who) -> bool:
        attempt = db.attempt(query + " RETURNING 1")
        if attempt.ok:
            return bool(attempt.rows)
        assert attempt.refused, f"refused for the wrong reason: {attempt.error!r}"
        return False

    return run


def can_spend(stype: str, sid: str) -> Action:
    def run(db: CallerSession, who: Who) -> bool:
        return bool(db.scalar("SELECT payments.can_spend_for_subject(%s, %s)", (stype, sid)))

    return run


def spend(stype: str, sid: str) -> Action:
    """Spend one credit through payments.spend_credits (the only write end users make)."""

    def run(db: CallerSession, who: Who) -> bool:
        return _write(
            db,
            "SELECT payments.spend_credits('test', %s, %s, 1, 'matrix', 'k-1')",
            (stype, sid),
        )

    return run


def balance(stype: str, sid: str) -> Action:
    """Read a subject's balance through payments.credit_balance (each seeded subject has 100)."""

    def run(db: CallerSession, who: Who) -> bool:
        return _visible(db, "SELECT payments.credit_balance('test', %s, %s) = 100", (stype, sid))

    return run


def helper(expression: str, expected: Any) -> Action:
    """A claim helper evaluates to `expected` (never raising)."""

    def run(db: CallerSession, who: Who) -> bool:
        return bool(db.scalar(f"SELECT {expression} IS NOT DISTINCT FROM %s", (expected,)))

    return run


# ----------------------------------------------------------------------------- the matrix

A, D = True, False  # allowed, denied

CASES = [
    # Checkout: anonymous callers
    pytest.param(ANON, checkout("payment"), A, id="an anonymous caller can insert a one-time checkout without a subject"),
    pytest.param(ANON, checkout("subscription"), D, id="an anonymous caller cannot insert a subscription checkout"),
    pytest.param(ANON, checkout("subscription", "user", SELF), D, id="an anonymous caller cannot insert a subscription checkout for a user"),
    pytest.param(ANON, checkout("payment", "user", SELF), D, id="an anonymous caller cannot insert a one-time checkout for a user subject"),
    pytest.param(ANON, checkout("payment", "team", TEAM), D, id="an anonymous caller cannot insert a one-time checkout for a team"),
    pytest.param(ANON, checkout("payment", creator=SELF), D, id="an anonymous caller cannot stamp a checkout as created by a user"),
    pytest.param(ANON_CLAIMS, checkout("payment"), A, id="an anonymous caller with anon claims can insert a one-time checkout"),
    # Checkout: the user subject
    pytest.param(ME, checkout("payment"), A, id="a signed-in user can insert a one-time checkout without a subject"),
    pytest.param(ME, checkout("subscription"), D, id="a signed-in user cannot insert a subscription checkout without a subject"),
    pytest.param(ME, checkout("setup"), D, id="a signed-in user cannot insert a setup checkout without a subject"),
    pytest.param(ME, checkout("subscription", "user", SELF), A, id="a signed-in user can insert a subscription checkout for itself"),
    pytest.param(ME, checkout("payment", "user", SELF), A, id="a signed-in user can insert a one-time checkout for itself"),
    pytest.param(STRANGER_, checkout("subscription", "user", SELF), D, id="a stranger cannot insert a subscription checkout for another user"),
    pytest.param(ME, checkout("subscription", "user", SELF, creator=STRANGER), D, id="a signed-in user cannot stamp a checkout as created by someone else"),
    pytest.param(ME, checkout("payment", creator=None), D, id="a signed-in user cannot insert a checkout without stamping itself as creator"),
    # Checkout: group subjects
    pytest.param(OWNER_, checkout("subscription", "team", TEAM), A, id="a team owner can insert a subscription checkout for the team"),
    pytest.param(ADMIN_, checkout("subscription", "team", TEAM), A, id="a team admin can insert a subscription checkout for the team"),
    pytest.param(MEMBER_, checkout("subscription", "team", TEAM), D, id="a team member cannot insert a subscription checkout for the team"),
    pytest.param(MEMBER_, checkout("payment", "team", TEAM), D, id="a team member cannot insert a one-time checkout for the team"),
    pytest.param(STRANGER_, checkout("subscription", "team", TEAM), D, id="a stranger cannot insert a subscription checkout for a team"),
    pytest.param(OWNER_, checkout("subscription", "organization", ORG), A, id="an organization owner can insert a subscription checkout for the organization"),
    pytest.param(ADMIN_, checkout("payment", "organization", ORG), A, id="an organization admin can insert a one-time checkout for the organization"),
    pytest.param(MEMBER_, checkout("subscription", "organization", ORG), D, id="an organization member cannot insert a subscription checkout for the organization"),
    pytest.param(STRANGER_, checkout("subscription", "organization", ORG), D, id="a stranger cannot insert a subscription checkout for an organization"),
    pytest.param(ADMIN_, checkout("subscription", "team", OTHER_TEAM), D, id="a team admin cannot insert a checkout for another team"),
    pytest.param(ADMIN_, checkout("subscription", "organization", TEAM), D, id="a team admin cannot pass its team off as an organization of the same id"),
    pytest.param(ADMIN_, checkout("subscription", "user", MEMBER), D, id="a team admin cannot insert a checkout for a member's user subject"),
    # Portal sessions
    pytest.param(ANON, portal("user", SELF, creator=None), D, id="an anonymous caller cannot insert a portal session"),
    pytest.param(ME, portal("user", SELF), A, id="a signed-in user can insert a portal session for itself"),
    pytest.param(STRANGER_, portal("user", SELF), D, id="a stranger cannot insert a portal session for another user"),
    pytest.param(ADMIN_, portal("team", TEAM), A, id="a team admin can insert a portal session for the team"),
    pytest.param(OWNER_, portal("organization", ORG), A, id="an organization owner can insert a portal session for the organization"),
    pytest.param(MEMBER_, portal("team", TEAM), D, id="a team member cannot insert a portal session for the team"),
    pytest.param(MEMBER_, portal("organization", ORG), D, id="an organization member cannot insert a portal session for the organization"),
    pytest.param(STRANGER_, portal("team", TEAM), D, id="a stranger cannot insert a portal session for a team"),
    # Reading sessions
    pytest.param(ME, sessions_of("checkout_sessions", SELF), A, id="a signed-in user can read its own checkout sessions"),
    pytest.param(ME, sessions_of("checkout_sessions", STRANGER), D, id="a signed-in user cannot read another user's checkout sessions"),
    pytest.param(MEMBER_, sessions_of("checkout_sessions", ADMIN), D, id="a team member cannot read checkout sessions its admin created"),
    pytest.param(ANON, any_rows("payments.checkout_sessions"), D, id="an anonymous caller cannot read any checkout session"),
    pytest.param(ANON, any_rows("payments.checkout_sessions", "created_by IS NULL"), D, id="an anonymous caller cannot read anonymous checkout sessions"),
    pytest.param(ME, sessions_of("customer_portal_sessions", SELF), A, id="a signed-in user can read its own portal sessions"),
    pytest.param(ME, sessions_of("customer_portal_sessions", STRANGER), D, id="a signed-in user cannot read another user's portal sessions"),
    pytest.param(ANON, any_rows("payments.customer_portal_sessions"), D, id="an anonymous caller cannot read portal sessions"),
    # App tables: the user subject
    pytest.param(ME, app_rows("public.orders", "user", SELF), A, id="a signed-in user can read its own orders"),
    pytest.param(ME, any_rows("public.orders", f"subject_type IS NULL AND created_by = '{SELF}'"), A, id="a signed-in user can read the subject-less orders it created"),
    pytest.param(ME, any_rows("public.orders", f"subject_type IS NULL AND created_by = '{STRANGER}'"), D, id="a signed-in user cannot read subject-less orders of another user"),
    pytest.param(STRANGER_, app_rows("public.orders", "user", SELF), D, id="a stranger cannot read another user's orders"),
    pytest.param(ME, app_rows("public.credit_ledger", "user", SELF), A, id="a signed-in user can read its own credit ledger"),
    pytest.param(STRANGER_, app_rows("public.credit_ledger", "user", SELF), D, id="a stranger cannot read another user's credit ledger"),
    pytest.param(ME, app_rows("public.credit_balances", "user", SELF), A, id="a signed-in user can read its own credit balance"),
    pytest.param(STRANGER_, app_rows("public.credit_balances", "user", SELF), D, id="a stranger cannot read another user's credit balance"),
    pytest.param(ME, entitlements_of(SELF), A, id="a signed-in user can read its own entitlements"),
    pytest.param(STRANGER_, entitlements_of(SELF), D, id="a stranger cannot read another user's entitlements"),
    pytest.param(ADMIN_, entitlements_of(MEMBER), D, id="a team admin cannot read a member's user entitlements"),
    pytest.param(ANON, any_rows("public.orders"), D, id="an anonymous caller cannot read orders"),
    pytest.param(ANON, any_rows("public.credit_ledger"), D, id="an anonymous caller cannot read the credit ledger"),
    pytest.param(ANON, any_rows("public.user_entitlements"), D, id="an anonymous caller cannot read entitlements"),
    pytest.param(ANON, any_rows("public.team_billing_status"), D, id="an anonymous caller cannot read team billing status"),
    # App tables: group subjects
    pytest.param(MEMBER_, app_rows("public.orders", "team", TEAM), A, id="a team member can read the team's orders"),
    pytest.param(MEMBER_, app_rows("public.credit_ledger", "team", TEAM), A, id="a team member can read the team's credit ledger"),
    pytest.param(MEMBER_, app_rows("public.team_billing_status", "team", TEAM), A, id="a team member can read the team's billing status"),
    pytest.param(ADMIN_, app_rows("public.team_billing_status", "team", TEAM), A, id="a team admin can read the team's billing status"),
    pytest.param(OWNER_, app_rows("public.credit_ledger", "team", TEAM), A, id="a team owner can read the team's credit ledger"),
    pytest.param(MEMBER_, app_rows("public.team_billing_status", "organization", ORG), A, id="an organization member can read the organization's billing status"),
    pytest.param(OWNER_, app_rows("public.orders", "organization", ORG), A, id="an organization owner can read the organization's orders"),
    pytest.param(STRANGER_, app_rows("public.orders", "team", TEAM), D, id="a stranger cannot read a team's orders"),
    pytest.param(STRANGER_, app_rows("public.credit_ledger", "team", TEAM), D, id="a stranger cannot read a team's credit ledger"),
    pytest.param(STRANGER_, app_rows("public.team_billing_status", "team", TEAM), D, id="a stranger cannot read a team's billing status"),
    pytest.param(STRANGER_, app_rows("public.team_billing_status", "organization", ORG), D, id="a stranger cannot read an organization's billing status"),
    pytest.param(MEMBER_, app_rows("public.team_billing_status", "team", OTHER_TEAM), D, id="a team member cannot read another team's billing status"),
    pytest.param(MEMBER_, app_rows("public.orders", "user", ADMIN), D, id="a team member cannot read its admin's personal orders"),
    pytest.param(ME, app_rows("public.team_billing_status", "team", TEAM), D, id="a signed-in user outside the team cannot read its billing status"),
    # Mirror tables: no end-user access at all
    *[
        pytest.param(who, any_rows(table), D, id=f"{label} cannot read {table}")
        for table in MIRROR_TABLES
        for who, label in ((ANON, "an anonymous caller"), (OWNER_, "a team owner"))
    ],
    pytest.param(ANON, any_rows("payments.products"), A, id="an anonymous caller can read active products"),
    pytest.param(ANON, any_rows("payments.products", "NOT active"), D, id="an anonymous caller cannot read archived products"),
    pytest.param(ME, any_rows("payments.prices"), A, id="a signed-in user can read active prices"),
    pytest.param(ME, any_rows("payments.prices", "NOT active"), D, id="a signed-in user cannot read archived prices"),
    pytest.param(ANON, any_rows("payments.subject_types"), A, id="an anonymous caller can read the list of subject types"),
    pytest.param(MEMBER_, any_rows("payments.memberships", f"user_id = '{MEMBER}'"), A, id="a team member can read its own memberships"),
    pytest.param(MEMBER_, any_rows("payments.memberships", f"user_id <> '{MEMBER}'"), D, id="a team member cannot read other people's memberships"),
    pytest.param(ANON, any_rows("payments.memberships"), D, id="an anonymous caller cannot read memberships"),
    # Updates and deletes: never directly
    pytest.param(ME, write(f"UPDATE payments.checkout_sessions SET status = 'complete' WHERE created_by = '{SELF}'"), D, id="a signed-in user cannot mark its own checkout session complete"),
    pytest.param(ME, write(f"DELETE FROM payments.checkout_sessions WHERE created_by = '{SELF}'"), D, id="a signed-in user cannot delete its own checkout session"),
    pytest.param(ME, write(f"UPDATE payments.customer_portal_sessions SET url = 'https://evil' WHERE created_by = '{SELF}'"), D, id="a signed-in user cannot rewrite its portal session url"),
    pytest.param(ME, write(f"UPDATE public.orders SET status = 'paid' WHERE created_by = '{SELF}'"), D, id="a signed-in user cannot mark its own order paid"),
    pytest.param(OWNER_, write(f"DELETE FROM public.orders WHERE subject_id = '{TEAM}'"), D, id="a team owner cannot delete the team's orders"),
    pytest.param(ME, write("UPDATE public.credit_ledger SET amount = 1000000"), D, id="a signed-in user cannot rewrite the credit ledger"),
    pytest.param(OWNER_, write(f"DELETE FROM public.credit_ledger WHERE subject_id = '{TEAM}'"), D, id="a team owner cannot delete the team's credit entries"),
    pytest.param(ME, write("UPDATE public.user_entitlements SET active = true"), D, id="a signed-in user cannot grant itself entitlements by update"),
    pytest.param(OWNER_, write("UPDATE public.team_billing_status SET has_access = true"), D, id="a team owner cannot give the team access by update"),
    pytest.param(ANON, write("DELETE FROM payments.checkout_sessions"), D, id="an anonymous caller cannot delete checkout sessions"),
    pytest.param(ANON, write("UPDATE payments.products SET active = false"), D, id="an anonymous caller cannot change the catalog"),
    pytest.param(ME, write("INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind, source_key) VALUES ('test', 'user', 'user-self', 999, 'grant', 'free')"), D, id="a signed-in user cannot grant itself credits"),
    pytest.param(ME, write("INSERT INTO public.user_entitlements (environment, user_id, entitlement_key, source_type, source_id) VALUES ('test', 'user-self', 'pro', 'one_time_payment', 'x')"), D, id="a signed-in user cannot insert its own entitlement"),
    pytest.param(OWNER_, write(f"INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) VALUES ('team', '{TEAM}', '{STRANGER}', 'admin')"), D, id="a team owner cannot add members through the pgpay membership table"),
    pytest.param(MEMBER_, write(f"UPDATE payments.memberships SET role = 'owner' WHERE user_id = '{MEMBER}'"), D, id="a team member cannot promote itself"),
    pytest.param(ME, write("INSERT INTO payments.subject_types (subject_type, is_group) VALUES ('clan', true)"), D, id="a signed-in user cannot add subject types"),
    # Spending credits
    pytest.param(ME, can_spend("user", SELF), A, id="a signed-in user may spend its own credits"),
    pytest.param(STRANGER_, can_spend("user", SELF), D, id="a stranger may not spend another user's credits"),
    pytest.param(MEMBER_, can_spend("team", TEAM), A, id="a team member may spend the team's credits"),
    pytest.param(ADMIN_, can_spend("team", TEAM), A, id="a team admin may spend the team's credits"),
    pytest.param(OWNER_, can_spend("organization", ORG), A, id="an organization owner may spend the organization's credits"),
    pytest.param(STRANGER_, can_spend("team", TEAM), D, id="a stranger may not spend a team's credits"),
    pytest.param(MEMBER_, can_spend("user", ADMIN), D, id="a team member may not spend its admin's personal credits"),
    pytest.param(ANON, can_spend("user", SELF), D, id="an anonymous caller may not spend anyone's credits"),
    pytest.param(ME, spend("user", SELF), A, id="a signed-in user can spend its own credits through spend_credits"),
    pytest.param(STRANGER_, spend("user", SELF), D, id="a stranger cannot spend another user's credits through spend_credits"),
    pytest.param(MEMBER_, spend("team", TEAM), A, id="a team member can spend the team's credits through spend_credits"),
    pytest.param(STRANGER_, spend("organization", ORG), D, id="a stranger cannot spend an organization's credits through spend_credits"),
    pytest.param(ANON, spend("user", SELF), D, id="an anonymous caller cannot call spend_credits"),
    # Reading a balance in one check
    pytest.param(ME, balance("user", SELF), A, id="a signed-in user can read its own balance through credit_balance"),
    pytest.param(STRANGER_, balance("user", SELF), D, id="a stranger cannot read another user's balance through credit_balance"),
    pytest.param(MEMBER_, balance("team", TEAM), A, id="a team member can read the team's balance through credit_balance"),
    pytest.param(OWNER_, balance("organization", ORG), A, id="an organization owner can read the organization's balance through credit_balance"),
    pytest.param(STRANGER_, balance("team", TEAM), D, id="a stranger cannot read a team's balance through credit_balance"),
    pytest.param(MEMBER_, balance("user", ADMIN), D, id="a team member cannot read its admin's personal balance through credit_balance"),
    pytest.param(ANON, balance("user", SELF), D, id="an anonymous caller cannot call credit_balance"),
    pytest.param(SUB_ROLE_ANON, balance("user", SELF), D, id="claims with role anon cannot read a balance through credit_balance"),
    # Broken and hostile claims: always anonymous, never an error
    pytest.param(NO_SUB, checkout("subscription", "user", SELF, creator=None), D, id="claims without sub cannot insert a subscription checkout"),
    pytest.param(NO_SUB, checkout("payment"), A, id="claims without sub can still insert an anonymous-style one-time checkout"),
    pytest.param(NO_SUB, app_rows("public.orders", "user", SELF), D, id="claims without sub cannot read any user's orders"),
    pytest.param(SUB_NUMBER, app_rows("public.orders", "user", "12345"), D, id="a numeric sub is not a user id"),
    pytest.param(SUB_ARRAY, entitlements_of(SELF), D, id="a sub that is a JSON array is not a user id"),
    pytest.param(SUB_NO_ROLE, entitlements_of(SELF), D, id="a sub without a role claim is anonymous"),
    pytest.param(SUB_ROLE_ANON, entitlements_of(SELF), D, id="a sub with the anon role claim is anonymous"),
    pytest.param(MALFORMED, entitlements_of(SELF), D, id="malformed claims read as anonymous"),
    pytest.param(MALFORMED, helper("payments.current_user_id()", None), A, id="malformed claims give no user id instead of an error"),
    pytest.param(EMPTY, helper("payments.current_claims()", "{}"), A, id="empty claims read as no claims"),
    pytest.param(NOT_AN_OBJECT, helper("payments.current_role()", "anon"), A, id="claims that are not an object give the anon role"),
    pytest.param(ANON, helper("payments.current_user_id()", None), A, id="missing claims give no user id"),
    pytest.param(ME, helper("payments.current_role()", "authenticated"), A, id="the role claim is read"),
    pytest.param(INJECTION, entitlements_of(SELF), D, id="an injection-shaped sub reads nothing"),
    pytest.param(INJECTION, helper("payments.current_user_id()", None), A, id="an injection-shaped sub is not a user id"),
    pytest.param(INJECTION_LIKE, any_rows("public.orders"), D, id="a wildcard-shaped sub matches nothing"),
    pytest.param(WRONG_CASE, entitlements_of(SELF), D, id="user ids are case-sensitive"),
    pytest.param(ME, checkout("payment", "user", "user-self'; DROP TABLE public.orders; --"), D, id="an injection-shaped subject id is refused"),
    pytest.param(ADMIN_, portal("team", "team-1' OR '1'='1"), D, id="an injection-shaped group id is refused for portal sessions"),
    pytest.param(ADMIN_, can_spend("team", "team-1' OR '1'='1"), D, id="an injection-shaped group id may not spend"),
    pytest.param(ME, can_spend("planet", SELF), D, id="an unknown subject type may not spend"),
    # Cast traps: a non-uuid where a uuid is expected denies instead of raising
    pytest.param(NOT_A_UUID, helper("payments.current_user_uuid()", None), A, id="a non-uuid sub has no uuid and does not raise"),
    pytest.param(user(UUID_USER), helper("payments.current_user_uuid()", UUID_USER), A, id="a uuid sub reads as a uuid"),
    pytest.param(NOT_A_UUID, any_rows("public.user_entitlements", "user_id::text = payments.current_user_uuid()::text"), D, id="a non-uuid sub matches no uuid-keyed row"),
    pytest.param(user(UUID_USER), entitlements_of(UUID_USER), A, id="a uuid user can read its own entitlements"),
    pytest.param(NOT_A_UUID, entitlements_of(UUID_USER), D, id="a non-uuid sub cannot read a uuid user's entitlements"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "action", "allowed"), CASES)
def test_policy(
    seeded: psycopg.Connection[DictRow], who: Who, action: Action, allowed: bool
) -> None:
    with as_caller(seeded, who.role, who.claims) as db:
        assert action(db, who) is allowed


def test_the_matrix_is_big_enough_and_covers_both_sides() -> None:
    outcomes = [case.values[2] for case in CASES]
    assert len(CASES) >= 60
    assert outcomes.count(True) >= 20 and outcomes.count(False) >= 40
    ids = [case.id for case in CASES]
    assert len(set(ids)) == len(ids)


def test_denied_insert_is_a_row_level_security_refusal(seeded: psycopg.Connection[DictRow]) -> None:
    with as_caller(seeded, "anon") as db:
        attempt = db.attempt(
            "INSERT INTO payments.checkout_sessions (environment, mode) VALUES ('test', 'subscription')"
        )
    assert attempt.refused
    assert "row-level security" in str(attempt.error)


def test_a_caller_block_rolls_back(seeded: psycopg.Connection[DictRow]) -> None:
    before = seeded.execute("SELECT count(*) AS n FROM payments.checkout_sessions").fetchone()
    with as_caller(seeded, "authenticated", sub=SELF) as db:
        db.execute(
            "INSERT INTO payments.checkout_sessions (environment, mode, created_by) "
            "VALUES ('test', 'payment', %s)",
            (SELF,),
        )
        assert (
            db.scalar(
                "SELECT count(*) FROM payments.checkout_sessions WHERE created_by = %s", (SELF,)
            )
            == 2
        )
    after = seeded.execute("SELECT count(*) AS n FROM payments.checkout_sessions").fetchone()
    assert before == after
    assert seeded.execute("SELECT current_user AS u").fetchone() == {"u": "postgres"}


def test_reading_many_rows_reads_the_claims_once_for_own_rows_and_twice_a_row_for_a_group(
    pgpay_db: psycopg.Connection[DictRow],
) -> None:
    """Row-level security on the ledger and orders: a user's own rows compare with the caller's id
    worked out once per query, a group's rows ask the membership helpers once per row. (The claims
    were parsed five times per current_user_id() call and once more per helper before: 1,000 rows
    took about a second.)"""
    rows = 300
    pgpay_db.execute(
        "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) "
        "VALUES ('team', %s, %s, 'member')",
        (TEAM, MEMBER),
    )
    for stype, sid in (("user", MEMBER), ("team", TEAM), ("user", STRANGER)):
        pgpay_db.execute(
            "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
            " source_key) SELECT 'test', %s, %s, 1, 'adjustment', %s || g"
            " FROM generate_series(1, %s) AS g",
            (stype, sid, f"{stype}:{sid}:", rows),
        )
        pgpay_db.execute(
            "INSERT INTO public.orders (environment, subject_type, subject_id, amount, currency)"
            " SELECT 'test', %s, %s, 100, 'usd' FROM generate_series(1, %s)",
            (stype, sid, rows),
        )
    pgpay_db.execute("SET track_functions = 'all'")  # a superuser setting: before the role switch
    counts = {}
    with as_caller(pgpay_db, "authenticated", sub=MEMBER) as db:
        for table, stype in product(("public.credit_ledger", "public.orders"), ("user", "team")):
            before = db.scalar(FUNCTION_CALLS, ("current_claims",))
            seen = db.scalar(
                f"SELECT count(*) FROM {table} WHERE subject_type = %s",  # type: ignore[arg-type]
                (stype,),
            )
            counts[table, stype] = (seen, db.scalar(FUNCTION_CALLS, ("current_claims",)) - before)
    for table in ("public.credit_ledger", "public.orders"):
        own, own_reads = counts[table, "user"]
        team, team_reads = counts[table, "team"]
        assert own == rows and team == rows  # the stranger's rows stay hidden
        assert own_reads <= 2  # the query's one current_user_id(), not one per row
        assert team_reads <= 2 * rows + 10  # can_read_subject's and the membership lookup's


def _team_with_a_member(
    db: psycopg.Connection[DictRow], entries: int, amount: int | None = None
) -> None:
    """TEAM with MEMBER as a member and `entries` ledger entries (of `amount`, else 1, 2, 3 ...)."""
    db.execute(
        "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) "
        "VALUES ('team', %s, %s, 'member')",
        (TEAM, MEMBER),
    )
    db.execute(
        "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, kind,"
        " source_key) SELECT 'test', 'team', %s, coalesce(%s, g), 'adjustment', 'e' || g"
        " FROM generate_series(1, %s) AS g",
        (TEAM, amount, entries),
    )


def test_a_groups_balance_is_one_check_through_credit_balance_and_one_per_entry_in_the_view(
    pgpay_db: psycopg.Connection[DictRow],
) -> None:
    """payments.credit_balance asks the membership rule once, however many entries the group has;
    public.credit_balances, a view over the ledger, asks it for every entry. Both agree."""
    entries = 400
    _team_with_a_member(pgpay_db, entries)  # amounts 1..400
    pgpay_db.execute("SET track_functions = 'all'")  # a superuser setting: before the role switch
    with as_caller(pgpay_db, "authenticated", sub=MEMBER) as db:
        before = db.scalar(FUNCTION_CALLS, ("can_read_subject",))
        fast = db.scalar("SELECT payments.credit_balance('test', 'team', %s)", (TEAM,))
        fast_checks = db.scalar(FUNCTION_CALLS, ("can_read_subject",)) - before
        before = db.scalar(FUNCTION_CALLS, ("can_read_subject",))
        view = db.scalar(
            "SELECT balance FROM public.credit_balances"
            " WHERE environment = 'test' AND subject_type = 'team' AND subject_id = %s",
            (TEAM,),
        )
        view_checks = db.scalar(FUNCTION_CALLS, ("can_read_subject",)) - before
    assert fast == view == entries * (entries + 1) // 2
    assert fast_checks == 1
    assert view_checks >= entries


@pytest.fixture
def app_roles(
    pgpay_databases: DatabaseFactory, pgpay_db: psycopg.Connection[DictRow]
) -> Iterator[dict[str, str]]:
    """Roles an app may have (roles are the cluster's, so unique names, dropped afterwards): a JWT
    role that inherits authenticated (PostgREST's custom roles), a login role created in
    authenticated (no SET ROLE), and server roles: one with BYPASSRLS, one in pgpay_writer, and a
    backend login role given only the README's grants."""
    suffix = uuid.uuid4().hex[:8]
    kinds = ("premium", "login", "bypass", "writer", "backend")
    names = {kind: f"pgpay_{kind}_{suffix}" for kind in kinds}
    options = {
        "premium": "NOLOGIN IN ROLE authenticated",
        "login": "LOGIN IN ROLE authenticated",
        "bypass": "NOLOGIN BYPASSRLS IN ROLE authenticated",
        "writer": "NOLOGIN IN ROLE pgpay_writer, authenticated",
        "backend": "LOGIN",
    }
    with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
        for kind, name in names.items():
            admin.execute(sql.SQL("CREATE ROLE {} " + options[kind]).format(sql.Identifier(name)))
    backend = sql.Identifier(names["backend"])
    pgpay_db.execute(sql.SQL("GRANT USAGE ON SCHEMA payments TO {}").format(backend))
    pgpay_db.execute(
        sql.SQL(
            "GRANT EXECUTE ON FUNCTION payments.spend_credits(text, text, text, bigint, text, text),"
            " payments.credit_balance(text, text, text) TO {}"
        ).format(backend)
    )
    try:
        yield names
    finally:
        pgpay_db.execute(sql.SQL("DROP OWNED BY {}").format(backend))  # its grants here
        with psycopg.connect(pgpay_databases.admin_url(), autocommit=True) as admin:
            for name in names.values():
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_roles_that_inherit_an_end_user_role_are_end_users_for_balances_and_spends(
    pgpay_db: psycopg.Connection[DictRow], app_roles: dict[str, str]
) -> None:
    """A role that inherits authenticated, set per request or logged in as, gets what its claims
    allow, as row-level security gives it: the team's member its balance and a spend, a stranger
    neither. Superusers, roles with BYPASSRLS, members of pgpay_writer and roles outside anon and
    authenticated (given the grants) read and spend for any subject without claims. (Before, only
    the names anon and authenticated were end users.)"""
    _team_with_a_member(pgpay_db, 1, amount=100)
    read = "SELECT payments.credit_balance('test', 'team', %s) AS balance"
    spend = "SELECT amount FROM payments.spend_credits('test', 'team', %s, 1, 'r', 'k-1')"

    def outcome(db: CallerSession) -> tuple[object, object, int]:
        balance, spent = db.attempt(read, (TEAM,)), db.attempt(spend, (TEAM,))
        for attempt in (balance, spent):
            assert attempt.ok or attempt.refused, attempt.error
        db.execute("RESET SESSION AUTHORIZATION")  # back to the test's superuser: every entry
        entries = db.scalar("SELECT count(*) FROM public.credit_ledger")
        return (
            balance.rows[0]["balance"] if balance.ok else "refused",
            spent.rows[0]["amount"] if spent.ok else "refused",
            entries,
        )

    def logged_in_as(db: CallerSession, role: str) -> None:
        db.execute(sql.SQL("SET LOCAL SESSION AUTHORIZATION {}").format(sql.Identifier(role)))
        assert db.scalar("SELECT current_setting('role')") == "none"

    premium, login = app_roles["premium"], app_roles["login"]
    with as_caller(pgpay_db, premium, claims_for(premium, STRANGER)) as db:
        assert outcome(db) == ("refused", "refused", 1)
    with as_caller(pgpay_db, premium, claims_for(premium, MEMBER)) as db:
        assert outcome(db) == (100, -1, 2)
    for user, expected in ((STRANGER, ("refused", "refused", 1)), (MEMBER, (100, -1, 2))):
        with as_caller(pgpay_db, "authenticated", sub=user) as db:
            logged_in_as(db, login)
            assert outcome(db) == expected, user
    for server in (app_roles["bypass"], app_roles["writer"]):
        with as_caller(pgpay_db, server) as db:  # no claims at all: a server job
            assert outcome(db) == (100, -1, 2), server
    with as_caller(pgpay_db, "anon") as db:
        logged_in_as(db, app_roles["backend"])
        assert outcome(db) == (100, -1, 2)


FUNCTION_CALLS = (
    "SELECT coalesce(sum(f.calls), 0) FROM pg_catalog.pg_stat_xact_user_functions AS f"
    " WHERE f.schemaname = 'payments' AND f.funcname = %s"
)
"""Calls of one payments function so far in this transaction (needs track_functions = 'all')."""
