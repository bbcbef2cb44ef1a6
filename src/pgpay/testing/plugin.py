"""pytest fixtures for pgpay and for apps that build on it (entry point `pytest11: pgpay`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from pgpay.testing.caller import AsCaller, CallerSession, Claims, EventFeed, as_caller
from pgpay.testing.events import StripeFactory
from pgpay.testing.postgres import DatabaseFactory, TestPostgresql
from pgpay.testing.stripe_api import StripeStandIn


@pytest.fixture(scope="session")
def pgpay_postgres() -> Iterator[TestPostgresql]:
    """One throw-away PostgreSQL server for the whole test session."""
    server = TestPostgresql()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pgpay_databases(pgpay_postgres: TestPostgresql) -> DatabaseFactory:
    """Makes migrated databases: the template is migrated once, each test gets a copy."""
    return DatabaseFactory(pgpay_postgres)


@pytest.fixture
def pgpay_database_url(pgpay_databases: DatabaseFactory) -> Iterator[str]:
    """The URL of a fresh, fully migrated database, dropped after the test."""
    name = pgpay_databases.create()
    try:
        yield pgpay_databases.url_for(name)
    finally:
        pgpay_databases.drop(name)


@pytest.fixture
def pgpay_db(pgpay_database_url: str) -> Iterator[psycopg.Connection[DictRow]]:
    """An autocommit connection (dict rows, as the database owner) to the test's database."""
    with psycopg.connect(pgpay_database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def pgpay_as_caller(pgpay_database_url: str) -> Iterator[AsCaller]:
    """Run statements in the test's database as an end user, then roll everything back.

    ``with pgpay_as_caller("authenticated", sub="user-1") as db: db.fetchall("SELECT ...")`` sets
    the role with ``SET LOCAL ROLE`` and the JWT claims in ``request.jwt.claims`` (``claims=`` takes
    any mapping, or a raw string), as PostgREST does per request. ``db.attempt(...)`` returns an
    error instead of raising it. Seed data first through ``pgpay_db`` (the owner; committed).
    """
    with psycopg.connect(pgpay_database_url, autocommit=True, row_factory=dict_row) as conn:

        def run(
            role: str = "anon", claims: Claims = None, *, sub: str | None = None
        ) -> AbstractContextManager[CallerSession]:
            return as_caller(conn, role, claims, sub=sub)

        yield run


@pytest.fixture
def pgpay_events(pgpay_database_url: str) -> EventFeed:
    """A `StripeFactory` (``.stripe``) and ``.deliver(events)``, which feeds events through
    ``payments.ingest_stripe_event`` on the test's database, one committed transaction each."""
    return EventFeed(pgpay_database_url, StripeFactory())


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "pgpay: tests that use pgpay's database fixtures")


# --- Stripe API stand-in (pgpay.testing.stripe_api) ------------------------------------------


@pytest.fixture
def pgpay_stripe() -> Iterator[StripeStandIn]:
    """A local stand-in for the Stripe API on 127.0.0.1, fresh for each test.

    Give pgpay ``STRIPE_API_BASE=pgpay_stripe.url`` and ``STRIPE_TEST_SECRET_KEY=
    pgpay_stripe.api_key``; seed with ``add_price(...)``, ``add_customer(...)``, ...; assert on
    ``pgpay_stripe.count("POST", "/v1/checkout/sessions")`` or ``last(...).params``; inject
    failures with ``fail_next(path, error_type="rate_limit_error")``.
    See `pgpay.testing.stripe_api`.
    """
    with StripeStandIn() as standin:
        yield standin
