"""Reach a pgpay database the way the outside world does, for SQL policy tests.

- `as_caller` runs statements as an end user: `SET LOCAL ROLE` to a role such as ``anon`` or
  ``authenticated`` and the JWT claims in ``request.jwt.claims`` (what PostgREST, Supabase and
  InsForge do per request), inside a transaction that is always rolled back.
- `EventFeed` delivers Stripe-shaped events (from `pgpay.testing.events.StripeFactory`) through the
  real ingest path, ``payments.ingest_stripe_event``, one committed transaction per event.

The pytest plugin wraps both as the ``pgpay_as_caller`` and ``pgpay_events`` fixtures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, LiteralString, Protocol

import psycopg
from psycopg import sql
from psycopg.abc import Params
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from pgpay.testing.events import JSON, StripeFactory

__all__ = ["AsCaller", "Attempt", "CallerSession", "Claims", "EventFeed", "as_caller", "claims_for"]

Query = LiteralString | bytes | sql.SQL | sql.Composed
"""A statement, as psycopg's ``Connection.execute`` takes it."""

Claims = Mapping[str, Any] | str | None
"""JWT claims: a mapping (sent as JSON), a raw string (to test malformed claims) or None (unset)."""


def claims_for(role: str, sub: str | None = None, **extra: Any) -> dict[str, Any]:
    """The claims PostgREST would set for a token with this role (and subject, and extra claims)."""
    claims: dict[str, Any] = {"role": role}
    if sub is not None:
        claims["sub"] = sub
    claims.update(extra)
    return claims


@dataclass
class Attempt:
    """The outcome of one statement tried as a caller: its rows, or the error that refused it."""

    rows: list[DictRow] = field(default_factory=list)
    error: psycopg.Error | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def refused(self) -> bool:
        """Refused by a privilege or a row-level security policy (SQLSTATE 42501)."""
        return isinstance(self.error, psycopg.errors.InsufficientPrivilege)

    @property
    def sqlstate(self) -> str | None:
        return None if self.error is None else self.error.sqlstate


class CallerSession:
    """A connection inside `as_caller`'s transaction, running as the caller."""

    def __init__(self, conn: psycopg.Connection[DictRow], role: str, claims: Claims) -> None:
        self.conn = conn
        self.role = role
        self.claims = claims

    def execute(self, query: Query, params: Params | None = None) -> psycopg.Cursor[DictRow]:
        """Run a statement as the caller; errors propagate (and abort the transaction)."""
        return self.conn.execute(query, params)

    def fetchall(self, query: Query, params: Params | None = None) -> list[DictRow]:
        return self.conn.execute(query, params).fetchall()

    def scalar(self, query: Query, params: Params | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.conn.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def attempt(self, query: Query, params: Params | None = None) -> Attempt:
        """Try a statement in a savepoint: an error is returned, not raised; the session goes on."""
        try:
            with self.conn.transaction():
                cur = self.conn.execute(query, params)
                rows = cur.fetchall() if cur.description is not None else []
        except psycopg.Error as exc:
            return Attempt(error=exc)
        return Attempt(rows=rows)


def _claims_text(claims: Claims) -> str | None:
    if claims is None or isinstance(claims, str):
        return claims
    return json.dumps(dict(claims))


@contextmanager
def as_caller(
    conn: psycopg.Connection[DictRow],
    role: str = "anon",
    claims: Claims = None,
    *,
    sub: str | None = None,
) -> Iterator[CallerSession]:
    """Run the block as `role` with `claims`, in a transaction that is rolled back at the end.

    `sub` is a shortcut for ``claims={"role": role, "sub": sub}``. With neither, the claims setting
    is left unset (an anonymous request). `conn` must not be inside a transaction already.
    """
    if sub is not None:
        if claims is not None:
            raise ValueError("give either claims or sub, not both")
        claims = claims_for(role, sub)
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        text = _claims_text(claims)
        if text is not None:
            conn.execute("SELECT pg_catalog.set_config('request.jwt.claims', %s, true)", (text,))
        yield CallerSession(conn, role, claims)


class AsCaller(Protocol):
    """The type of the ``pgpay_as_caller`` fixture: `as_caller` bound to the test's database."""

    def __call__(
        self, role: str = "anon", claims: Claims = None, *, sub: str | None = None
    ) -> AbstractContextManager[CallerSession]: ...


class EventFeed:
    """A StripeFactory plus delivery of its events through ``payments.ingest_stripe_event``."""

    def __init__(
        self, url: str, stripe: StripeFactory | None = None, environment: str = "test"
    ) -> None:
        self.url = url
        self.stripe = stripe if stripe is not None else StripeFactory()
        self.environment = environment

    def deliver(
        self,
        events: JSON | Iterable[JSON],
        *,
        environment: str | None = None,
        source: str = "webhook",
    ) -> list[str]:
        """Ingest one event or many, each in its own committed transaction, as the webhook route
        does. Returns each outcome: processed, duplicate, ignored or failed."""
        batch = [events] if isinstance(events, Mapping) else list(events)
        env = environment or self.environment
        outcomes: list[str] = []
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            for event in batch:
                row = conn.execute(
                    "SELECT payments.ingest_stripe_event(%s, %s, %s) AS outcome",
                    (env, Jsonb(event), source),
                ).fetchone()
                assert row is not None
                outcomes.append(str(row["outcome"]))
        return outcomes

    def failures(self) -> list[DictRow]:
        """Stored events whose projection failed, with their error (empty when all went well)."""
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(
                "SELECT stripe_event_id, type, last_error FROM payments.webhook_events "
                "WHERE status = 'failed' ORDER BY id"
            ).fetchall()
