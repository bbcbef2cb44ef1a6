"""Billing subjects: known types, shape-checked ids, memberships, an app's own membership source."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import DictRow

from pgpay import migrate
from pgpay.testing.caller import AsCaller

Conn = psycopg.Connection[DictRow]


def _insert_checkout(conn: Conn, subject_type: str | None, subject_id: str | None) -> None:
    conn.execute(
        "INSERT INTO payments.checkout_sessions (environment, mode, subject_type, subject_id) "
        "VALUES ('test', 'subscription', %s, %s)",
        (subject_type, subject_id),
    )


def _add_member(conn: Conn, subject_type: str, subject_id: str, user_id: str, role: str) -> None:
    conn.execute(
        "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) "
        "VALUES (%s, %s, %s, %s)",
        (subject_type, subject_id, user_id, role),
    )


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "table_insert",
    [
        pytest.param(
            "INSERT INTO payments.checkout_sessions (environment, mode, subject_type, subject_id) "
            "VALUES ('test', 'subscription', 'planet', 'earth')",
            id="checkout_sessions",
        ),
        pytest.param(
            "INSERT INTO payments.customer_portal_sessions (environment, subject_type, subject_id) "
            "VALUES ('test', 'planet', 'earth')",
            id="customer_portal_sessions",
        ),
        pytest.param(
            "INSERT INTO public.credit_ledger (environment, subject_type, subject_id, amount, "
            "kind, source_key) VALUES ('test', 'planet', 'earth', 1, 'grant', 'k')",
            id="credit_ledger",
        ),
    ],
)
def test_an_unknown_subject_type_is_refused_naming_the_type_and_the_list(
    pgpay_db: Conn, table_insert: str
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as err:
        pgpay_db.execute(table_insert)  # type: ignore[arg-type]
    detail = err.value.diag.message_detail or ""
    assert "(subject_type)=(planet)" in detail and '"subject_types"' in detail


def test_a_membership_needs_a_known_group_type(pgpay_db: Conn) -> None:
    for subject_type in ("user", "planet"):
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as err:
            _add_member(pgpay_db, subject_type, "x-1", "user-1", "member")
        assert "memberships_subject_type_must_be_a_known_group_type" in str(err.value)
        assert f"(subject_type, subject_is_group)=({subject_type}, t)" in (
            err.value.diag.message_detail or ""
        )
    with pytest.raises(psycopg.errors.CheckViolation, match="memberships_subject_must_be_a_group"):
        pgpay_db.execute(
            "INSERT INTO payments.memberships (subject_type, subject_is_group, subject_id, "
            "user_id) VALUES ('user', false, 'u-1', 'u-1')"
        )


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("", id="empty"),
        pytest.param("has space", id="a space"),
        pytest.param("-leading-dash", id="a leading dash"),
        pytest.param("team-1'; DROP TABLE payments.memberships; --", id="an injection"),
        pytest.param("x" * 256, id="256 characters"),
        pytest.param("tab\tid", id="a tab"),
        pytest.param("ünïcode", id="non-ascii letters"),
    ],
)
def test_a_malformed_subject_id_is_refused_with_the_rule_in_the_message(
    pgpay_db: Conn, bad_id: str
) -> None:
    with pytest.raises(psycopg.errors.CheckViolation) as err:
        _insert_checkout(pgpay_db, "team", bad_id)
    assert "subject_id must be 1-255 of [A-Za-z0-9_.:@|-], alnum first" in str(err.value)
    with pytest.raises(psycopg.errors.CheckViolation):
        _add_member(pgpay_db, "team", "team-1", bad_id, "member")


@pytest.mark.parametrize("good_id", ["t", "team-1", "org:acme|eu", "a@b.c", "x" * 255, "0_9"])
def test_well_shaped_subject_ids_are_accepted(pgpay_db: Conn, good_id: str) -> None:
    _insert_checkout(pgpay_db, "team", good_id)
    _add_member(pgpay_db, "team", good_id, good_id, "member")


def test_membership_roles_are_owner_admin_or_member_and_unique_per_user(pgpay_db: Conn) -> None:
    with pytest.raises(psycopg.errors.CheckViolation, match="role_is_owner_admin_or_member"):
        _add_member(pgpay_db, "team", "team-1", "user-1", "superadmin")
    _add_member(pgpay_db, "team", "team-1", "user-1", "member")
    with pytest.raises(psycopg.errors.UniqueViolation, match="memberships_subject_user_key"):
        _add_member(pgpay_db, "team", "team-1", "user-1", "admin")
    _add_member(pgpay_db, "organization", "team-1", "user-1", "admin")


def test_a_group_type_in_use_cannot_be_turned_into_a_non_group(pgpay_db: Conn) -> None:
    _add_member(pgpay_db, "team", "team-1", "user-1", "owner")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pgpay_db.execute(
            "UPDATE payments.subject_types SET is_group = false WHERE subject_type = 'team'"
        )


def test_adding_a_group_type_makes_it_valid_everywhere(
    pgpay_db: Conn, pgpay_as_caller: AsCaller
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        _add_member(pgpay_db, "project", "p-1", "user-1", "admin")
    pgpay_db.execute(
        "INSERT INTO payments.subject_types (subject_type, is_group) VALUES ('project', true)"
    )
    _add_member(pgpay_db, "project", "p-1", "user-1", "admin")
    _add_member(pgpay_db, "project", "p-1", "user-2", "member")
    with pgpay_as_caller("authenticated", sub="user-1") as db:
        assert db.scalar("SELECT payments.is_group_subject_type('project')") is True
        assert db.scalar("SELECT payments.can_act_for_subject('project', 'p-1')") is True
        db.execute(
            "INSERT INTO payments.checkout_sessions (environment, mode, subject_type, subject_id, "
            "created_by) VALUES ('test', 'subscription', 'project', 'p-1', 'user-1')"
        )
    with pgpay_as_caller("authenticated", sub="user-2") as db:
        assert db.scalar("SELECT payments.can_act_for_subject('project', 'p-1')") is False
        assert db.scalar("SELECT payments.can_spend_for_subject('project', 'p-1')") is True


def test_a_non_group_type_other_than_user_lets_nobody_act(
    pgpay_db: Conn, pgpay_as_caller: AsCaller
) -> None:
    pgpay_db.execute(
        "INSERT INTO payments.subject_types (subject_type, is_group) VALUES ('bot', false)"
    )
    with pgpay_as_caller("authenticated", sub="bot-1") as db:
        assert db.scalar("SELECT payments.can_act_for_subject('bot', 'bot-1')") is False
        assert db.scalar("SELECT payments.can_read_subject('bot', 'bot-1')") is False


def test_membership_helpers_answer_only_about_the_caller(
    pgpay_db: Conn, pgpay_as_caller: AsCaller
) -> None:
    _add_member(pgpay_db, "team", "team-1", "user-admin", "admin")
    _add_member(pgpay_db, "team", "team-1", "user-member", "member")
    expected = {
        "user-admin": ("admin", True, True),
        "user-member": ("member", True, False),
        "user-other": (None, False, False),
    }
    for sub, (role, member, admin) in expected.items():
        with pgpay_as_caller("authenticated", sub=sub) as db:
            row = db.fetchall(
                "SELECT payments.current_membership_role('team', 'team-1') AS role, "
                "payments.is_member('team', 'team-1') AS member, "
                "payments.is_billing_admin('team', 'team-1') AS admin"
            )[0]
            assert (row["role"], row["member"], row["admin"]) == (role, member, admin)
    with pgpay_as_caller("anon") as db:
        assert db.scalar("SELECT payments.is_member('team', 'team-1')") is False


# ------------------------------------------------------------------ an app's own membership source

APP_MEMBERSHIP = """
CREATE TABLE public.app_team_members (
    team_id text NOT NULL,
    user_id uuid NOT NULL,
    can_manage_billing boolean NOT NULL DEFAULT false,
    PRIMARY KEY (team_id, user_id)
);
ALTER TABLE public.app_team_members ENABLE ROW LEVEL SECURITY;
INSERT INTO public.app_team_members VALUES
    ('team-1', '11111111-1111-4111-8111-111111111111', true),
    ('team-1', '22222222-2222-4222-8222-222222222222', false);

CREATE OR REPLACE FUNCTION payments.is_member(p_subject_type text, p_subject_id text)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
    SELECT p_subject_type = 'team' AND EXISTS (
        SELECT FROM public.app_team_members AS m
        WHERE m.team_id = p_subject_id AND m.user_id = payments.current_user_uuid()
    )
$$;

CREATE OR REPLACE FUNCTION payments.is_billing_admin(p_subject_type text, p_subject_id text)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
    SELECT p_subject_type = 'team' AND EXISTS (
        SELECT FROM public.app_team_members AS m
        WHERE m.team_id = p_subject_id AND m.user_id = payments.current_user_uuid()
            AND m.can_manage_billing
    )
$$;
"""
BILLING = "11111111-1111-4111-8111-111111111111"
PLAIN = "22222222-2222-4222-8222-222222222222"


def _can(as_caller: AsCaller, sub: str, check: str) -> bool:
    with as_caller("authenticated", sub=sub) as db:
        return bool(db.scalar(f"SELECT payments.{check}('team', 'team-1')"))  # type: ignore[arg-type]


def test_an_app_can_redefine_membership_to_read_its_own_tables(
    pgpay_db: Conn, pgpay_database_url: str, pgpay_as_caller: AsCaller
) -> None:
    _add_member(pgpay_db, "team", "team-1", "pgpay-only-admin", "admin")
    assert _can(pgpay_as_caller, "pgpay-only-admin", "can_act_for_subject")

    pgpay_db.execute(APP_MEMBERSHIP)  # type: ignore[arg-type]

    assert _can(pgpay_as_caller, BILLING, "can_act_for_subject")
    assert not _can(pgpay_as_caller, PLAIN, "can_act_for_subject")
    assert _can(pgpay_as_caller, PLAIN, "can_spend_for_subject")
    assert not _can(pgpay_as_caller, "pgpay-only-admin", "can_act_for_subject")
    # A cast trap: a sub that is not a uuid denies instead of raising.
    assert not _can(pgpay_as_caller, "not-a-uuid", "can_read_subject")

    with pgpay_as_caller("authenticated", sub=BILLING) as db:
        db.execute(
            "INSERT INTO payments.checkout_sessions (environment, mode, subject_type, subject_id, "
            "created_by) VALUES ('test', 'subscription', 'team', 'team-1', %s)",
            (BILLING,),
        )
    with pgpay_as_caller("authenticated", sub=PLAIN) as db:
        attempt = db.attempt(
            "INSERT INTO payments.checkout_sessions (environment, mode, subject_type, subject_id, "
            "created_by) VALUES ('test', 'subscription', 'team', 'team-1', %s)",
            (PLAIN,),
        )
        assert attempt.refused

    # pgpay migrate keeps the app's definitions ...
    migrate.migrate(pgpay_database_url)
    assert _can(pgpay_as_caller, BILLING, "can_act_for_subject")
    assert not _can(pgpay_as_caller, "pgpay-only-admin", "can_act_for_subject")

    # ... and dropping them brings pgpay's own back on the next migrate.
    pgpay_db.execute(
        "DROP FUNCTION payments.is_member(text, text), payments.is_billing_admin(text, text)"
    )
    migrate.migrate(pgpay_database_url)
    assert _can(pgpay_as_caller, "pgpay-only-admin", "can_act_for_subject")
    assert not _can(pgpay_as_caller, BILLING, "can_act_for_subject")
