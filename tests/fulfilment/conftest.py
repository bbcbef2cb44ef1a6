"""Fixtures of the fulfilment suite: one migrated database per test module, emptied per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pgpay.testing.postgres import DatabaseFactory
from tests.fulfilment import helpers as h


@pytest.fixture(scope="module")
def shared_db(pgpay_databases: DatabaseFactory) -> Iterator[h.Conn]:
    with h.shared_database(pgpay_databases) as conn:
        yield conn


@pytest.fixture
def db(shared_db: h.Conn) -> h.Conn:
    h.reset(shared_db)
    return shared_db
