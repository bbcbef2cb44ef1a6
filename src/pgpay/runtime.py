"""Runtime routes: Checkout and Billing Portal sessions for an app's frontend.

    POST /api/payments/{environment}/checkout-sessions
    POST /api/payments/{environment}/customer-portal-sessions

A request is handled in this order, and the first refusal answers:

1. the environment exists (404) and is enabled (``live`` needs ``PGPAY_ALLOW_LIVE=1``; 404);
2. the caller: ``Authorization: Bearer <JWT>`` (HS256, ``PGPAY_JWT_SECRET``, ``exp`` required and
   checked; claims ``sub`` and ``role``), none means anonymous; a bad or expired token is 401;
3. the body, validated field by field (400 with ``fields``);
4. the server's Stripe key for the environment (503 when missing or of the wrong environment);
5. the local row, inserted under the caller's role (``SET LOCAL ROLE anon|authenticated``) and
   claims (``request.jwt.claims``), so row-level security decides: 403 before Stripe is called;
6. Stripe, through the official library in a worker thread, with an idempotency key derived from
   the environment and the caller's ``idempotency_key`` (else the local row id). Its errors map
   to 429 / 402 / 502 (`pgpay.stripe_client.describe_failure`); the row becomes ``open`` with its
   URL or ``failed`` with the error.

Idempotency: a checkout request with an ``idempotency_key`` already used by the same caller in the
same environment returns the stored session without calling Stripe when the request is the same,
and 409 when it differs. A row whose Stripe call failed is attempted again on such a retry; one
still in progress answers 409 ``request_in_progress`` for a minute, then is taken over. A retry
keeps the Stripe idempotency key unless Stripe keeps the failure under it (a 500, a card error:
`pgpay.stripe_client.kept_under_key`), which it would replay for 24 hours; the row counts those
attempts (``stripe_attempt``) and the next key names the attempt; the key of a first purchase's
customer, which is the subject's, names the highest count among the subject's rows.

Errors are JSON ``{"error", "message", "statusCode"}`` (plus ``fields`` for validation errors);
neither answers nor log lines ever contain a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import jwt
import psycopg
import stripe
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pgpay.config import ENVIRONMENTS, Environment, Settings, fingerprint
from pgpay.errors import ConfigError
from pgpay.server import BodyTooLarge, read_asgi_body
from pgpay.stripe_client import (
    StripeFailure,
    api_key,
    client_for,
    describe_failure,
    idempotency_key,
    kept_under_key,
)

if TYPE_CHECKING:
    from pgpay.server import App

log = logging.getLogger("pgpay.runtime")

MAX_BODY_BYTES = 64 * 1024
MAX_LINE_ITEMS = 100
MAX_QUANTITY = 10_000
MAX_IDEMPOTENCY_KEY = 200
MAX_URL = 2048
MAX_METADATA_KEYS = 46  # Stripe allows 50; pgpay stamps up to 4 of its own.
MAX_METADATA_KEY = 40
MAX_METADATA_VALUE = 500
JWT_LEEWAY_SECONDS = 10
STALE_PENDING_SECONDS = 60
"""A row still `pending` this long after its last attempt is taken over by a retry."""
RESERVED_METADATA_PREFIX = "pgpay_"
RESERVED_METADATA_KEYS = frozenset({"order_id"})
"""Metadata keys a caller may not set: the order projection links orders by `order_id`, so only
the checked top-level `order_id` field may set it (as `pgpay_order_id`)."""

_SUBJECT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_SUBJECT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,254}$")
_PRICE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

CHECKOUT_FIELDS = frozenset(
    {
        "mode",
        "line_items",
        "success_url",
        "cancel_url",
        "subject",
        "customer_email",
        "metadata",
        "idempotency_key",
        "order_id",
    }
)
PORTAL_FIELDS = frozenset({"subject", "return_url"})

# ------------------------------------------------------------------------------------ SQL

_SUBJECT_TYPE_SQL = "SELECT is_group FROM payments.subject_types WHERE subject_type = %s"

# Two statements: anonymous callers may insert only the request columns (no subject, no creator),
# so an anonymous request naming a subject uses the second one and is refused by its grants.
_INSERT_CHECKOUT_ANON_SQL = """
INSERT INTO payments.checkout_sessions (
    id, environment, mode, customer_email, order_id, line_items, success_url, cancel_url,
    metadata, idempotency_key, request_hash
) VALUES (
    %(id)s, %(environment)s, %(mode)s, %(customer_email)s, %(order_id)s, %(line_items)s,
    %(success_url)s, %(cancel_url)s, %(metadata)s, %(idempotency_key)s, %(request_hash)s
)
ON CONFLICT DO NOTHING
"""
_INSERT_CHECKOUT_SQL = """
INSERT INTO payments.checkout_sessions (
    id, environment, mode, subject_type, subject_id, created_by, customer_email, order_id,
    line_items, success_url, cancel_url, metadata, idempotency_key, request_hash
) VALUES (
    %(id)s, %(environment)s, %(mode)s, %(subject_type)s, %(subject_id)s, %(created_by)s,
    %(customer_email)s, %(order_id)s, %(line_items)s, %(success_url)s, %(cancel_url)s,
    %(metadata)s, %(idempotency_key)s, %(request_hash)s
)
ON CONFLICT DO NOTHING
"""
_CHECKOUT_COLUMNS = """
    id, environment, mode, status, subject_type, subject_id, created_by, order_id,
    stripe_checkout_session_id, url, expires_at, request_hash, last_error
"""
_FIND_CHECKOUT_SQL = f"""
SELECT {_CHECKOUT_COLUMNS} FROM payments.checkout_sessions
WHERE environment = %(environment)s AND coalesce(created_by, '') = %(created_by)s
    AND idempotency_key = %(idempotency_key)s
"""  # noqa: S608 - a constant column list
_CLAIM_CHECKOUT_SQL = """
UPDATE payments.checkout_sessions SET status = 'pending', last_error = NULL, updated_at = now()
WHERE id = %(id)s AND (
    status = 'failed'
    OR (status = 'pending' AND updated_at < now() - make_interval(secs => %(stale)s))
)
RETURNING stripe_attempt, updated_at
"""
_MAPPING_SQL = """
SELECT stripe_customer_id FROM payments.stripe_customer_mappings
WHERE environment = %s AND subject_type = %s AND subject_id = %s
"""
# The subject's attempts Stripe answered with a kept error, over all its checkout rows: the
# customer's idempotency key is the subject's, so it must move past a kept error on any of them.
_SUBJECT_ATTEMPT_SQL = """
SELECT coalesce(max(stripe_attempt), 0) AS attempt FROM payments.checkout_sessions
WHERE environment = %s AND subject_type = %s AND subject_id = %s
"""
_RECORD_MAPPING_SQL = """
INSERT INTO payments.stripe_customer_mappings
    (environment, subject_type, subject_id, stripe_customer_id, source)
VALUES (%s, %s, %s, %s, 'runtime')
ON CONFLICT DO NOTHING
"""
_ORDER_SQL = """
SELECT id, status, subject_type, subject_id, created_by, amount, currency FROM public.orders
WHERE id = %s AND environment = %s
FOR UPDATE
"""
_CHECKOUT_OPENED_SQL = """
UPDATE payments.checkout_sessions SET
    stripe_checkout_session_id = coalesce(stripe_checkout_session_id, %(stripe_id)s),
    status = CASE WHEN status IN ('pending', 'failed') THEN 'open' ELSE status END,
    url = %(url)s,
    stripe_customer_id = coalesce(stripe_customer_id, %(customer)s),
    amount_total = coalesce(amount_total, %(amount_total)s),
    currency = coalesce(currency, %(currency)s),
    expires_at = coalesce(expires_at, to_timestamp(%(expires_at)s)),
    last_error = NULL
WHERE id = %(id)s
RETURNING status, expires_at
"""
_ORDER_LINK_SQL = """
UPDATE public.orders SET stripe_checkout_session_id = %s
WHERE id = %s AND environment = %s AND status = 'pending'
"""
# Only while the row is still this request's: a request that stayed in Stripe past the stale
# limit may have been taken over (updated_at is the claim's time), and the retry owns it now.
_CHECKOUT_FAILED_SQL = """
UPDATE payments.checkout_sessions
SET status = 'failed', last_error = %(error)s, stripe_attempt = stripe_attempt + %(kept)s
WHERE id = %(id)s AND status = 'pending' AND updated_at = %(claimed_at)s
"""
_INSERT_PORTAL_SQL = """
INSERT INTO payments.customer_portal_sessions
    (id, environment, subject_type, subject_id, created_by, return_url)
VALUES (%s, %s, %s, %s, %s, %s)
"""
_PORTAL_FAILED_SQL = """
UPDATE payments.customer_portal_sessions SET status = 'failed', last_error = %s,
    stripe_customer_id = coalesce(%s, stripe_customer_id)
WHERE id = %s
"""
_PORTAL_CREATED_SQL = """
UPDATE payments.customer_portal_sessions SET status = 'created', url = %s,
    stripe_portal_session_id = %s, stripe_customer_id = %s, last_error = NULL
WHERE id = %s
"""

# ------------------------------------------------------------------------------------ errors


class ApiError(Exception):
    """A refusal answered as {"error", "message", "statusCode"} (+ "fields")."""

    def __init__(
        self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "error": self.code,
            "message": self.message,
            "statusCode": self.status,
        }
        if self.fields:
            body["fields"] = self.fields
        return JSONResponse(body, status_code=self.status)


def _invalid(fields: Mapping[str, str]) -> ApiError:
    listed = "; ".join(f"{name}: {problem}" for name, problem in fields.items())
    return ApiError(400, "invalid_request", f"the request is invalid ({listed})", fields)


def _stripe_error(failure: StripeFailure) -> ApiError:
    return ApiError(failure.status, failure.code, failure.message)


# ------------------------------------------------------------------------------------ callers


@dataclass(frozen=True)
class Caller:
    """Who is calling: the role the insert runs as, the user id, the claims given to SQL."""

    role: str
    sub: str | None
    claims: Mapping[str, Any]

    @property
    def anonymous(self) -> bool:
        return self.role == "anon"


ANONYMOUS = Caller("anon", None, {"role": "anon"})


def authenticate(authorization: str | None, jwt_secret: str | None) -> Caller:
    """The caller named by an ``Authorization`` header (None or empty: anonymous)."""
    if authorization is None or not authorization.strip():
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(
            401, "invalid_token", "the Authorization header must be 'Bearer <JWT>' (or absent)"
        )
    if not jwt_secret:
        raise ApiError(
            503,
            "jwt_secret_missing",
            "this server cannot verify bearer tokens: the operator must set PGPAY_JWT_SECRET",
        )
    try:
        claims = jwt.decode(
            token,
            jwt_secret,
            algorithms=["HS256"],
            options={"require": ["exp"], "verify_aud": False},
            leeway=JWT_LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(
            401, "token_expired", "the bearer token has expired; sign in again"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise ApiError(401, "invalid_token", f"the bearer token is invalid: {exc}") from None
    if not isinstance(claims, dict):
        raise ApiError(401, "invalid_token", "the bearer token's claims are not a JSON object")
    sub = claims.get("sub")
    role = claims.get("role", "authenticated" if sub else "anon")
    # The database reads the caller from these claims too: make the role pgpay decided explicit
    # (a token without a role claim is treated as authenticated when it names a user).
    claims = {**claims, "role": role}
    if role == "anon":
        return Caller("anon", None, claims)
    if role != "authenticated":
        raise ApiError(
            403,
            "role_not_allowed",
            f"tokens with role {str(role)[:40]!r} cannot use this route; "
            "use an anon or authenticated token",
        )
    if not isinstance(sub, str) or not sub:
        raise ApiError(401, "invalid_token", "the bearer token has no 'sub' claim (the user id)")
    return Caller("authenticated", sub, claims)


# ------------------------------------------------------------------------------------ validation


@dataclass(frozen=True)
class Subject:
    type: str
    id: str

    def as_json(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}


@dataclass(frozen=True)
class CheckoutRequest:
    mode: str
    line_items: list[dict[str, Any]]
    success_url: str
    cancel_url: str | None
    subject: Subject | None
    customer_email: str | None
    metadata: dict[str, str]
    idempotency_key: str | None
    order_id: str | None

    def request_hash(self) -> str:
        """A digest of everything but the idempotency key: the same request, the same hash."""
        canonical = {
            "mode": self.mode,
            "line_items": self.line_items,
            "success_url": self.success_url,
            "cancel_url": self.cancel_url,
            "subject": self.subject.as_json() if self.subject else None,
            "customer_email": self.customer_email,
            "metadata": self.metadata,
            "order_id": self.order_id,
        }
        encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass(frozen=True)
class PortalRequest:
    subject: Subject
    return_url: str


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return body


def _check_url(value: Any, name: str, errors: dict[str, str], *, required: bool) -> str | None:
    if value is None:
        if required:
            errors[name] = "is required: an http(s) URL"
        return None
    if not isinstance(value, str) or not value:
        errors[name] = "must be an http(s) URL"
        return None
    if len(value) > MAX_URL:
        errors[name] = f"must be at most {MAX_URL} characters"
        return None
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or _CONTROL_RE.search(value)
        or " " in value
    ):
        errors[name] = "must be an absolute http:// or https:// URL"
        return None
    return value


def _check_subject(value: Any, errors: dict[str, str]) -> Subject | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors["subject"] = "must be an object {type, id}"
        return None
    unknown = sorted(set(value) - {"type", "id"})
    if unknown:
        errors["subject"] = f"unknown field(s) {', '.join(unknown)}; expected {{type, id}}"
    subject_type, subject_id = value.get("type"), value.get("id")
    ok = True
    if not isinstance(subject_type, str) or not _SUBJECT_TYPE_RE.match(subject_type):
        errors["subject.type"] = "must be a subject type such as user, team or organization"
        ok = False
    if not isinstance(subject_id, str) or not _SUBJECT_ID_RE.match(subject_id):
        errors["subject.id"] = "must be 1-255 characters of [A-Za-z0-9_.:@|-], alphanumeric first"
        ok = False
    if not ok or unknown:
        return None
    return Subject(str(subject_type), str(subject_id))


def _check_line_items(value: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        errors["line_items"] = f"must be a list of 1 to {MAX_LINE_ITEMS} {{price, quantity}}"
        return []
    if len(value) > MAX_LINE_ITEMS:
        errors["line_items"] = f"must have at most {MAX_LINE_ITEMS} items (got {len(value)})"
        return []
    items: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        name = f"line_items[{index}]"
        if not isinstance(item, dict):
            errors[name] = "must be an object {price, quantity}"
            continue
        unknown = sorted(set(item) - {"price", "quantity"})
        if unknown:
            errors[name] = f"unknown field(s) {', '.join(unknown)}; expected {{price, quantity}}"
        price, quantity = item.get("price"), item.get("quantity", 1)
        if not isinstance(price, str) or not _PRICE_RE.match(price):
            errors[f"{name}.price"] = "must be a Stripe price id (price_...)"
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            errors[f"{name}.quantity"] = "must be a whole number"
        elif not 1 <= quantity <= MAX_QUANTITY:
            errors[f"{name}.quantity"] = f"must be between 1 and {MAX_QUANTITY}"
        items.append({"price": price, "quantity": quantity})
    return items


def _check_metadata(value: Any, errors: dict[str, str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["metadata"] = "must be an object of string keys to string values"
        return {}
    if len(value) > MAX_METADATA_KEYS:
        errors["metadata"] = f"must have at most {MAX_METADATA_KEYS} keys"
        return {}
    result: dict[str, str] = {}
    for key, item in value.items():
        name = f"metadata.{key[:MAX_METADATA_KEY]}"
        if not 1 <= len(key) <= MAX_METADATA_KEY or "[" in key or "]" in key:
            errors[name] = f"keys must be 1-{MAX_METADATA_KEY} characters without [ or ]"
        elif key.lower().startswith(RESERVED_METADATA_PREFIX):
            errors[name] = f"the {RESERVED_METADATA_PREFIX} prefix is reserved for pgpay"
        elif key in RESERVED_METADATA_KEYS:
            errors[name] = "is reserved: use the top-level order_id field"
        elif not isinstance(item, str):
            errors[name] = "values must be strings"
        elif not 1 <= len(item) <= MAX_METADATA_VALUE:
            errors[name] = f"values must be 1-{MAX_METADATA_VALUE} characters"
        else:
            result[key] = item
    return result


def _unknown_fields(
    body: Mapping[str, Any], allowed: frozenset[str], errors: dict[str, str]
) -> None:
    for name in sorted(set(body) - allowed):
        errors[name[:60]] = "is not a known field"


def parse_checkout(body: Mapping[str, Any]) -> CheckoutRequest:
    """Validate a checkout request; every problem is reported at once, per field."""
    errors: dict[str, str] = {}
    _unknown_fields(body, CHECKOUT_FIELDS, errors)
    mode = body.get("mode")
    if mode not in ("payment", "subscription"):
        errors["mode"] = "must be 'payment' (one-time) or 'subscription'"
    line_items = _check_line_items(body.get("line_items"), errors)
    success_url = _check_url(body.get("success_url"), "success_url", errors, required=True)
    cancel_url = _check_url(body.get("cancel_url"), "cancel_url", errors, required=False)
    subject = _check_subject(body.get("subject"), errors)
    if mode == "subscription" and body.get("subject") is None:
        errors["subject"] = "is required for a subscription checkout: {type, id}"
    email = body.get("customer_email")
    if email is not None and (
        not isinstance(email, str) or len(email) > 254 or not _EMAIL_RE.match(email)
    ):
        errors["customer_email"] = "must be an email address"
    metadata = _check_metadata(body.get("metadata"), errors)
    key = body.get("idempotency_key")
    if key is not None and (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY
        or _CONTROL_RE.search(key)
    ):
        errors["idempotency_key"] = (
            f"must be a string of 1-{MAX_IDEMPOTENCY_KEY} printable characters"
        )
    order_id = body.get("order_id")
    if order_id is not None:
        try:
            order_id = str(uuid.UUID(str(order_id))) if isinstance(order_id, str) else None
        except ValueError:
            order_id = None
        if order_id is None:
            errors["order_id"] = "must be the uuid of a public.orders row"
    if errors:
        raise _invalid(errors)
    return CheckoutRequest(
        mode=str(mode),
        line_items=line_items,
        success_url=str(success_url),
        cancel_url=cancel_url,
        subject=subject,
        customer_email=email,
        metadata=metadata,
        idempotency_key=key,
        order_id=order_id,
    )


def parse_portal(body: Mapping[str, Any]) -> PortalRequest:
    errors: dict[str, str] = {}
    _unknown_fields(body, PORTAL_FIELDS, errors)
    subject = _check_subject(body.get("subject"), errors)
    if body.get("subject") is None:
        errors["subject"] = "is required: {type, id}"
    return_url = _check_url(body.get("return_url"), "return_url", errors, required=True)
    if errors or subject is None or return_url is None:
        raise _invalid(errors)
    return PortalRequest(subject, return_url)


# ------------------------------------------------------------------------------------ handlers


def _client_reference(subject: Subject | None, row_id: str) -> str:
    """``type:id:<row uuid>`` (unambiguous: the type has no colon, the uuid is fixed-width), or
    ``pgpay:<row uuid>`` without a subject or when that would pass Stripe's 200 characters."""
    if subject is not None:
        reference = f"{subject.type}:{subject.id}:{row_id}"
        if len(reference) <= 200:
            return reference
    return f"pgpay:{row_id}"


def _session_json(row: Mapping[str, Any], *, replayed: bool) -> dict[str, Any]:
    subject = (
        {"type": row["subject_type"], "id": row["subject_id"]} if row.get("subject_type") else None
    )
    expires = row.get("expires_at")
    return {
        "id": str(row["id"]),
        "stripeCheckoutSessionId": row.get("stripe_checkout_session_id"),
        "url": row.get("url"),
        "status": row["status"],
        "mode": row["mode"],
        "subject": subject,
        "orderId": str(row["order_id"]) if row.get("order_id") else None,
        "expiresAt": expires.isoformat() if expires is not None else None,
        "replayed": replayed,
    }


class Runtime:
    """The two route handlers, sharing the server's pool and settings."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._clients: dict[tuple[str, str], stripe.StripeClient] = {}

    @property
    def settings(self) -> Settings:
        return self.app.settings

    # -------------------------------------------------------------- shared steps

    def _environment(self, request: Request) -> Environment:
        environment = request.path_params["environment"]
        if environment not in ENVIRONMENTS:
            raise ApiError(
                404, "unknown_environment", f"no environment {environment[:20]!r}: use test or live"
            )
        if not self.settings.environment_enabled(environment):
            raise ApiError(
                404, "environment_disabled", "live is disabled: set PGPAY_ALLOW_LIVE=1 to enable it"
            )
        return cast(Environment, environment)

    def _stripe(self, environment: Environment) -> stripe.StripeClient:
        """The environment's client, reused while its key stays the same (its HTTP connections
        to Stripe are kept alive); 503 when the key is missing or of the other environment."""
        try:
            tag = (environment, fingerprint(api_key(self.settings, environment)))
            client = self._clients.get(tag)
            if client is None:
                client = self._clients[tag] = client_for(self.settings, environment)
        except ConfigError as exc:
            raise ApiError(503, "stripe_not_configured", exc.message) from None
        return client

    async def _body(self, request: Request) -> dict[str, Any]:
        try:
            raw = await read_asgi_body(
                dict(request.scope["headers"]), request.receive, MAX_BODY_BYTES
            )
        except BodyTooLarge:
            raise ApiError(
                413, "body_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes"
            ) from None
        except ConnectionError:
            raise ApiError(
                400, "incomplete_body", "the client went away before the body ended"
            ) from None
        return _parse_json(raw)

    @staticmethod
    async def _as_caller(conn: psycopg.AsyncConnection[Any], caller: Caller) -> None:
        """Inside a transaction: become the caller until RESET ROLE or the end of it."""
        await conn.execute(
            "SELECT set_config('request.jwt.claims', %s, true)",
            (json.dumps(dict(caller.claims), default=str),),
        )
        await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(caller.role)))

    async def _guarded(self, handler: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await handler()
        except ApiError as exc:
            return exc.response()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("runtime: database unavailable: %s", exc)
            return ApiError(
                503, "database_unavailable", "the database is unavailable; retry later"
            ).response()
        except psycopg.Error as exc:
            log.error("runtime: database error: %s", exc.diag.message_primary or type(exc).__name__)
            return ApiError(
                500, "database_error", "the request could not be recorded; retry later"
            ).response()

    @staticmethod
    def _denied(exc: psycopg.Error, what: str) -> ApiError:
        log.info("runtime: %s refused by the database: %s", what, exc.diag.message_primary)
        return ApiError(403, "forbidden", f"you may not create this {what}")

    # -------------------------------------------------------------- checkout

    async def checkout_sessions(self, request: Request) -> Response:
        return await self._guarded(lambda: self._checkout(request))

    async def _checkout(self, request: Request) -> Response:
        environment = self._environment(request)
        caller = authenticate(request.headers.get("authorization"), self.settings.jwt_secret)
        body = parse_checkout(await self._body(request))
        client = self._stripe(environment)
        row_id = str(uuid.uuid4())
        params = {
            "id": row_id,
            "environment": environment,
            "mode": body.mode,
            "subject_type": body.subject.type if body.subject else None,
            "subject_id": body.subject.id if body.subject else None,
            "created_by": caller.sub,
            "customer_email": body.customer_email,
            "order_id": body.order_id,
            "line_items": Jsonb(body.line_items),
            "success_url": body.success_url,
            "cancel_url": body.cancel_url,
            "metadata": Jsonb(body.metadata),
            "idempotency_key": body.idempotency_key,
            "request_hash": body.request_hash(),
        }
        insert = (
            _INSERT_CHECKOUT_ANON_SQL
            if caller.anonymous and body.subject is None
            else _INSERT_CHECKOUT_SQL
        )
        async with self.app.pool.connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            if body.subject is not None:
                await self._check_subject_type(cur, body.subject)
            await self._as_caller(conn, caller)
            try:
                await cur.execute(insert, params)
            except psycopg.errors.InsufficientPrivilege as exc:
                raise self._denied(exc, "checkout session") from None
            inserted = cur.rowcount == 1
            await conn.execute("RESET ROLE")
            attempt = 0
            if inserted:  # the row's updated_at is the insert's now()
                await cur.execute("SELECT now() AS claimed_at")
                claimed_at = cast(DictRow, await cur.fetchone())["claimed_at"]
            else:
                existing = await self._existing_checkout(cur, environment, caller, body)
                if isinstance(existing, Response):
                    return existing
                row_id, attempt, claimed_at = existing
            if body.order_id is not None:
                await self._check_order(cur, environment, caller, body)
            customer = await self._mapped_customer(cur, environment, body.subject)
            customer_attempt = 0
            if customer is None and body.subject is not None and body.mode == "payment":
                await cur.execute(
                    _SUBJECT_ATTEMPT_SQL, (environment, body.subject.type, body.subject.id)
                )
                found = await cur.fetchone()
                customer_attempt = int(found["attempt"]) if found else 0
        return await self._open_checkout(
            client,
            environment,
            caller,
            body,
            row_id,
            customer,
            (attempt, customer_attempt),
            claimed_at,
        )

    @staticmethod
    async def _check_subject_type(cur: psycopg.AsyncCursor[DictRow], subject: Subject) -> None:
        await cur.execute(_SUBJECT_TYPE_SQL, (subject.type,))
        if await cur.fetchone() is None:
            raise _invalid({"subject.type": f"unknown subject type {subject.type!r}"})

    async def _existing_checkout(
        self,
        cur: psycopg.AsyncCursor[DictRow],
        environment: Environment,
        caller: Caller,
        body: CheckoutRequest,
    ) -> Response | tuple[str, int, datetime]:
        """The answer to a retried idempotency key, or the row to attempt again (a failed one, or
        one abandoned in `pending`), taken over for this request: its id, `stripe_attempt` and the
        time of the takeover."""
        await cur.execute(
            _FIND_CHECKOUT_SQL,
            {
                "environment": environment,
                "created_by": caller.sub or "",
                "idempotency_key": body.idempotency_key,
            },
        )
        row = await cur.fetchone()
        if row is None:  # a conflict on something else than the key: not with a fresh uuid4
            raise ApiError(409, "conflict", "the checkout session could not be recorded; retry")
        if row["request_hash"] != body.request_hash():
            raise ApiError(
                409,
                "idempotency_key_reused",
                "this idempotency_key was used for a different request; "
                "use a new key for a new checkout",
            )
        if row["status"] in ("open", "complete", "expired"):
            return JSONResponse({"checkoutSession": _session_json(row, replayed=True)})
        await cur.execute(_CLAIM_CHECKOUT_SQL, {"id": row["id"], "stale": STALE_PENDING_SECONDS})
        claimed = await cur.fetchone()
        if claimed is None:
            raise ApiError(
                409,
                "request_in_progress",
                "a request with this idempotency_key is still in progress; retry in a moment",
            )
        return str(row["id"]), int(claimed["stripe_attempt"]), claimed["updated_at"]

    @staticmethod
    async def _check_order(
        cur: psycopg.AsyncCursor[DictRow],
        environment: Environment,
        caller: Caller,
        body: CheckoutRequest,
    ) -> None:
        """The order must exist in this environment, be pending, and belong to the checkout's
        subject (or to nobody) and to the caller (or to nobody)."""
        await cur.execute(_ORDER_SQL, (body.order_id, environment))
        order = await cur.fetchone()
        if order is None:
            raise _invalid({"order_id": f"no order with this id in the {environment} environment"})
        if order["status"] != "pending":
            raise ApiError(409, "order_not_pending", f"the order is {order['status']}, not pending")
        if order["amount"] is None or order["currency"] is None:
            # Without them any payment, however small, would pay the order.
            raise _invalid(
                {"order_id": "the order has no amount and currency: set them before checkout"}
            )
        subject = body.subject
        if order["subject_type"] is not None and (
            subject is None
            or (order["subject_type"], order["subject_id"]) != (subject.type, subject.id)
        ):
            raise ApiError(403, "forbidden", "the order belongs to another billing subject")
        if order["created_by"] is not None and order["created_by"] != caller.sub:
            raise ApiError(403, "forbidden", "the order was created by another user")

    @staticmethod
    async def _mapped_customer(
        cur: psycopg.AsyncCursor[DictRow], environment: Environment, subject: Subject | None
    ) -> str | None:
        if subject is None:
            return None
        await cur.execute(_MAPPING_SQL, (environment, subject.type, subject.id))
        row = await cur.fetchone()
        return str(row["stripe_customer_id"]) if row else None

    async def _open_checkout(
        self,
        client: stripe.StripeClient,
        environment: Environment,
        caller: Caller,
        body: CheckoutRequest,
        row_id: str,
        customer: str | None,
        attempts: tuple[int, int],
        claimed_at: datetime,
    ) -> Response:
        """Create the Stripe session (and, for a first purchase, the customer). `attempts` counts
        the earlier attempts whose error Stripe keeps under their idempotency key, of this row
        and of the subject's rows: from the first of them on, the checkout key and the customer
        key name the attempt (Stripe would replay the kept error to the old key for 24 hours).
        `claimed_at` is when this request took the row: a failure is recorded only if no retry
        has taken it over since."""
        row_attempt, subject_attempt = attempts
        again = (f"attempt {row_attempt}",) if row_attempt else ()
        customer_again = (f"attempt {subject_attempt}",) if subject_attempt else ()
        try:
            if customer is None and body.subject is not None and body.mode == "payment":
                customer = await self._new_customer(client, environment, body, customer_again)
            params = self._checkout_params(body, row_id, customer)
            key = (
                idempotency_key(
                    environment, "checkout", caller.sub or "", body.idempotency_key, *again
                )
                if body.idempotency_key
                else idempotency_key(environment, "checkout", row_id, *again)
            )
            session = await asyncio.to_thread(
                client.v1.checkout.sessions.create,
                params=cast(Any, params),
                options={"idempotency_key": key},
            )
        except (stripe.StripeError, OSError) as exc:
            failure = describe_failure(exc)
            log.warning(
                "checkout %s (%s): Stripe failed: %s", row_id, environment, failure.for_log()
            )
            async with self.app.pool.connection() as conn:
                await conn.execute(
                    _CHECKOUT_FAILED_SQL,
                    {
                        "error": failure.message,
                        "kept": int(kept_under_key(exc)),
                        "id": row_id,
                        "claimed_at": claimed_at,
                    },
                )
            raise _stripe_error(failure) from None
        async with self.app.pool.connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                _CHECKOUT_OPENED_SQL,
                {
                    "id": row_id,
                    "stripe_id": session.id,
                    "url": session.url,
                    "customer": _stripe_id(getattr(session, "customer", None)) or customer,
                    "amount_total": getattr(session, "amount_total", None),
                    "currency": getattr(session, "currency", None),
                    "expires_at": getattr(session, "expires_at", None),
                },
            )
            updated = await cur.fetchone()
            if body.order_id is not None:
                await cur.execute(_ORDER_LINK_SQL, (session.id, body.order_id, environment))
        log.info("checkout %s (%s): Stripe session %s opened", row_id, environment, session.id)
        row = {
            "id": row_id,
            "stripe_checkout_session_id": session.id,
            "url": session.url,
            "status": updated["status"] if updated else "open",
            "mode": body.mode,
            "subject_type": body.subject.type if body.subject else None,
            "subject_id": body.subject.id if body.subject else None,
            "order_id": body.order_id,
            "expires_at": updated["expires_at"] if updated else None,
        }
        return JSONResponse({"checkoutSession": _session_json(row, replayed=False)})

    async def _new_customer(
        self,
        client: stripe.StripeClient,
        environment: Environment,
        body: CheckoutRequest,
        again: tuple[str, ...] = (),
    ) -> str:
        """A Stripe customer for the subject's first one-time purchase, and its mapping. When a
        concurrent request mapped another customer first, that one is used. `again` names the
        checkout's attempt in the idempotency key after an error Stripe keeps."""
        subject = body.subject
        assert subject is not None
        params: dict[str, Any] = {
            "metadata": {"pgpay_subject_type": subject.type, "pgpay_subject_id": subject.id}
        }
        if body.customer_email:
            params["email"] = body.customer_email
        key = idempotency_key(
            environment, "customer", subject.type, subject.id, body.customer_email or "", *again
        )
        created = await asyncio.to_thread(
            client.v1.customers.create, params=cast(Any, params), options={"idempotency_key": key}
        )
        async with self.app.pool.connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                _RECORD_MAPPING_SQL, (environment, subject.type, subject.id, created.id)
            )
            mapped = await self._mapped_customer(cur, environment, subject)
        log.info(
            "checkout (%s): Stripe customer %s created for %s %s",
            environment,
            created.id,
            subject.type,
            subject.id,
        )
        return mapped or str(created.id)

    @staticmethod
    def _checkout_params(
        body: CheckoutRequest, row_id: str, customer: str | None
    ) -> dict[str, Any]:
        stamped = dict(body.metadata)
        if body.subject is not None:
            stamped["pgpay_subject_type"] = body.subject.type
            stamped["pgpay_subject_id"] = body.subject.id
        stamped["pgpay_checkout_session_id"] = row_id
        if body.order_id is not None:
            stamped["pgpay_order_id"] = body.order_id
        params: dict[str, Any] = {
            "mode": body.mode,
            "line_items": [dict(item) for item in body.line_items],
            "success_url": body.success_url,
            "client_reference_id": _client_reference(body.subject, row_id),
            "metadata": stamped,
        }
        if body.cancel_url is not None:
            params["cancel_url"] = body.cancel_url
        if body.mode == "subscription":
            params["subscription_data"] = {"metadata": dict(stamped)}
        else:
            params["payment_intent_data"] = {"metadata": dict(stamped)}
        if customer is not None:
            params["customer"] = customer
        elif body.customer_email is not None:
            params["customer_email"] = body.customer_email
        return params

    # -------------------------------------------------------------- portal

    async def customer_portal_sessions(self, request: Request) -> Response:
        return await self._guarded(lambda: self._portal(request))

    async def _portal(self, request: Request) -> Response:
        environment = self._environment(request)
        caller = authenticate(request.headers.get("authorization"), self.settings.jwt_secret)
        if caller.anonymous:
            raise ApiError(
                401, "unauthenticated", "a billing portal session needs a signed-in caller"
            )
        body = parse_portal(await self._body(request))
        client = self._stripe(environment)
        row_id = str(uuid.uuid4())
        subject = body.subject
        async with self.app.pool.connection() as conn, conn.transaction():
            cur = conn.cursor(row_factory=dict_row)
            await self._check_subject_type(cur, subject)
            await self._as_caller(conn, caller)
            try:
                await cur.execute(
                    _INSERT_PORTAL_SQL,
                    (row_id, environment, subject.type, subject.id, caller.sub, body.return_url),
                )
            except psycopg.errors.InsufficientPrivilege as exc:
                raise self._denied(exc, "billing portal session") from None
            await conn.execute("RESET ROLE")
            customer = await self._mapped_customer(cur, environment, subject)
            if customer is None:
                await cur.execute(
                    _PORTAL_FAILED_SQL,
                    ("no Stripe customer is mapped to the subject", None, row_id),
                )
        if customer is None:
            raise ApiError(
                404,
                "customer_not_found",
                f"{subject.type} {subject.id} has no Stripe customer yet: "
                "it needs a completed checkout first",
            )
        try:
            portal = await asyncio.to_thread(
                client.v1.billing_portal.sessions.create,
                params={"customer": customer, "return_url": body.return_url},
                options={"idempotency_key": idempotency_key(environment, "portal", row_id)},
            )
        except (stripe.StripeError, OSError) as exc:
            failure = describe_failure(exc)
            log.warning("portal %s (%s): Stripe failed: %s", row_id, environment, failure.for_log())
            async with self.app.pool.connection() as conn:
                await conn.execute(_PORTAL_FAILED_SQL, (failure.message, customer, row_id))
            raise _stripe_error(failure) from None
        async with self.app.pool.connection() as conn:
            await conn.execute(_PORTAL_CREATED_SQL, (portal.url, portal.id, customer, row_id))
        log.info("portal %s (%s): Stripe portal session %s", row_id, environment, portal.id)
        return JSONResponse(
            {
                "customerPortalSession": {
                    "id": row_id,
                    "url": portal.url,
                    "returnUrl": body.return_url,
                    "subject": subject.as_json(),
                }
            }
        )


def _stripe_id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    identifier = getattr(value, "id", None)
    return identifier if isinstance(identifier, str) else None


def runtime_routes(app: App) -> list[Route]:
    """The runtime routes, bound to the server's `App` (pool, settings)."""
    runtime = Runtime(app)
    return [
        Route(
            "/api/payments/{environment}/checkout-sessions",
            runtime.checkout_sessions,
            methods=["POST"],
        ),
        Route(
            "/api/payments/{environment}/customer-portal-sessions",
            runtime.customer_portal_sessions,
            methods=["POST"],
        ),
    ]
