"""Runtime route fixtures: the real app under uvicorn, real PostgreSQL, the Stripe stand-in.

`runtime_server` serves `create_app(...)` over HTTP on 127.0.0.1 against the test's own database,
configured with the stand-in (``pgpay_stripe``) through ``STRIPE_API_BASE`` and a test key;
`runtime_serve` starts one with other variables (a live key, a wrong key, no JWT secret...).
`make_token` mints HS256 tokens the way an auth server would. `Seed` puts memberships, customer
mappings and orders into the database as its owner.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from psycopg.rows import DictRow

from pgpay.config import Settings
from pgpay.server import create_app
from pgpay.testing.stripe_api import StripeStandIn
from tests.conftest import run_uvicorn

JWT_SECRET = "pgpay-runtime-tests-jwt-secret-0123456789abcdef"
CHECKOUT = "/api/payments/{environment}/checkout-sessions"
PORTAL = "/api/payments/{environment}/customer-portal-sessions"
STRIPE_CHECKOUT = "/v1/checkout/sessions"
STRIPE_CUSTOMERS = "/v1/customers"
STRIPE_PORTAL = "/v1/billing_portal/sessions"
SUCCESS_URL = "https://shop.example.com/done?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://shop.example.com/cart"


def make_token(
    sub: str | None = "user-1",
    role: str | None = "authenticated",
    *,
    expires_in: int = 3600,
    secret: str = JWT_SECRET,
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    """A signed JWT as Supabase / PostgREST issue them (``exp`` unless ``expires_in=0``)."""
    payload: dict[str, Any] = {"iat": int(time.time()), "aud": "authenticated", **claims}
    if expires_in:
        payload["exp"] = int(time.time()) + expires_in
    if sub is not None:
        payload["sub"] = sub
    if role is not None:
        payload["role"] = role
    return jwt.encode(payload, secret, algorithm=algorithm)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RuntimeServer:
    """A running pgpay server, a client to it, and the stand-in it talks to."""

    url: str
    client: httpx.Client
    stripe: StripeStandIn
    settings: Settings

    def checkout(
        self,
        body: Mapping[str, Any],
        token: str | None = None,
        *,
        environment: str = "test",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self._post(CHECKOUT, body, token, environment, headers)

    def portal(
        self,
        body: Mapping[str, Any],
        token: str | None = None,
        *,
        environment: str = "test",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self._post(PORTAL, body, token, environment, headers)

    def _post(
        self,
        route: str,
        body: Mapping[str, Any],
        token: str | None,
        environment: str,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        sent = dict(bearer(token) if token else {})
        sent.update(headers or {})
        return self.client.post(
            route.format(environment=environment), json=dict(body), headers=sent
        )


ServeFactory = Callable[..., contextlib.AbstractContextManager[RuntimeServer]]


@pytest.fixture
def runtime_environ(pgpay_stripe: StripeStandIn, tmp_path: Path) -> dict[str, str]:
    """The variables the test servers read: the stand-in, its test key, a JWT secret."""
    return {
        "STRIPE_API_BASE": pgpay_stripe.url,
        "STRIPE_TEST_SECRET_KEY": pgpay_stripe.api_key,
        "PGPAY_JWT_SECRET": JWT_SECRET,
        "PGPAY_HOME": str(tmp_path / ".pgpay"),
    }


@pytest.fixture
def runtime_serve(pgpay_stripe: StripeStandIn, pgpay_database_url: str) -> ServeFactory:
    """`with runtime_serve(environ) as server:` another pgpay server on the test's database."""

    @contextlib.contextmanager
    def serve(environ: Mapping[str, str]) -> Iterator[RuntimeServer]:
        settings = Settings.from_env(dict(environ))
        app = create_app(settings, pgpay_database_url)
        with run_uvicorn(app) as url, httpx.Client(base_url=url, timeout=60.0) as client:
            yield RuntimeServer(url, client, pgpay_stripe, settings)

    return serve


@pytest.fixture
def runtime_server(
    runtime_serve: ServeFactory, runtime_environ: dict[str, str]
) -> Iterator[RuntimeServer]:
    with runtime_serve(runtime_environ) as server:
        yield server


@dataclass
class Catalog:
    one_time: str
    one_time_usd_500: str
    monthly: str


@pytest.fixture
def catalog(pgpay_stripe: StripeStandIn) -> Catalog:
    """Prices in the stand-in: two one-time prices and a monthly one."""
    product = pgpay_stripe.add_product("Credits")
    one_time = pgpay_stripe.add_price(product, unit_amount=1200)
    other = pgpay_stripe.add_price(product, unit_amount=500)
    plan = pgpay_stripe.add_product("Pro plan")
    monthly = pgpay_stripe.add_price(plan, unit_amount=2000, recurring="month")
    return Catalog(one_time["id"], other["id"], monthly["id"])


@dataclass
class Seed:
    """Rows written as the database owner (committed), and reads of what the routes wrote."""

    db: psycopg.Connection[DictRow]

    def member(self, team: str, user: str, role: str, subject_type: str = "team") -> None:
        self.db.execute(
            "INSERT INTO payments.memberships (subject_type, subject_id, user_id, role) "
            "VALUES (%s, %s, %s, %s)",
            (subject_type, team, user, role),
        )

    def mapping(
        self, subject_type: str, subject_id: str, customer: str, environment: str = "test"
    ) -> None:
        self.db.execute(
            "INSERT INTO payments.stripe_customer_mappings "
            "(environment, subject_type, subject_id, stripe_customer_id, source) "
            "VALUES (%s, %s, %s, %s, 'manual')",
            (environment, subject_type, subject_id, customer),
        )

    def order(
        self,
        *,
        status: str = "pending",
        subject: tuple[str, str] | None = None,
        created_by: str | None = None,
        environment: str = "test",
    ) -> str:
        order_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT INTO public.orders "
            "(id, environment, subject_type, subject_id, created_by, status, amount, currency) "
            "VALUES (%s, %s, %s, %s, %s, %s, 1200, 'usd')",
            (
                order_id,
                environment,
                subject[0] if subject else None,
                subject[1] if subject else None,
                created_by,
                status,
            ),
        )
        return order_id

    def checkout_rows(self) -> list[DictRow]:
        return self.db.execute(
            "SELECT * FROM payments.checkout_sessions ORDER BY created_at"
        ).fetchall()

    def checkout_row(self, row_id: str) -> DictRow:
        row = self.db.execute(
            "SELECT * FROM payments.checkout_sessions WHERE id = %s", (row_id,)
        ).fetchone()
        assert row is not None, f"no checkout_sessions row {row_id}"
        return row

    def portal_rows(self) -> list[DictRow]:
        return self.db.execute(
            "SELECT * FROM payments.customer_portal_sessions ORDER BY created_at"
        ).fetchall()

    def mappings(self) -> list[DictRow]:
        return self.db.execute(
            "SELECT * FROM payments.stripe_customer_mappings ORDER BY id"
        ).fetchall()

    def order_row(self, order_id: str) -> DictRow:
        row = self.db.execute("SELECT * FROM public.orders WHERE id = %s", (order_id,)).fetchone()
        assert row is not None
        return row


@pytest.fixture
def seed(pgpay_db: psycopg.Connection[DictRow]) -> Seed:
    return Seed(pgpay_db)


def one_time_body(price: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    body.update(extra)
    return body


def subscription_body(price: str, subject: tuple[str, str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "subject": {"type": subject[0], "id": subject[1]},
    }
    body.update(extra)
    return body
