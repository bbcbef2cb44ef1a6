"""A local stand-in for the Stripe API, for tests: a real HTTP server on 127.0.0.1.

Point the official `stripe` library at it through ``STRIPE_API_BASE`` (pgpay) or
``stripe.StripeClient(key, base_addresses={"api": standin.url})``. It speaks Stripe's wire format:
form-encoded request bodies with nested keys (``line_items[0][price]=…``, ``metadata[k]=…``),
JSON responses with Stripe's object shapes, list objects (``object: "list"``, ``data``,
``has_more``, ``url``; ``limit`` 1-100, ``starting_after``, ``ending_before``, newest first) and
Stripe's error shape ``{"error": {"type", "code", "message", "param"}}`` with Stripe's HTTP
statuses (400 invalid request, 401 bad key, 402 card error, 403 permission, 404 missing,
429 rate limit, 500 API error). Unknown parameters are refused as Stripe refuses them.

Endpoints (only what pgpay uses)::

    POST /v1/customers                 GET /v1/customers[/{id}]      POST /v1/customers/{id}
    POST /v1/checkout/sessions         GET /v1/checkout/sessions[/{id}]
    POST /v1/billing_portal/sessions
    GET  /v1/products[/{id}]           GET /v1/prices[/{id}]         GET /v1/subscriptions[/{id}]
    GET  /v1/events[/{id}]             GET /v1/account
    POST /v1/webhook_endpoints         GET /v1/webhook_endpoints[/{id}]
    POST /v1/webhook_endpoints/{id}    DELETE /v1/webhook_endpoints/{id}

``expand[]`` is honoured for ids stored in the stand-in (``data.product`` on lists, ``customer``
on one object). ``GET /v1/subscriptions`` leaves canceled subscriptions out unless
``status=all`` or ``status=canceled``, as Stripe does. ``GET /v1/events`` filters on ``type``,
``types[]`` and ``created[gt|gte|lt|lte]``. A webhook endpoint's ``secret`` is returned by the
create call only.

Behaviour tests rely on:

- **Keys.** ``Authorization: Bearer <key>`` (or HTTP basic with the key as user name) must be one
  of `StripeStandIn.api_keys`; anything else is ``401`` with an ``authentication_error``. Objects
  created with a ``*_live_*`` key have ``livemode: true``.
- **Idempotency.** A POST with an ``Idempotency-Key`` is remembered per API key: the same key with
  the same method, path and parameters replays the first (2xx) answer with
  ``Idempotent-Replayed: true`` and changes nothing; with other parameters it is
  ``400 idempotency_error``. Errors are not remembered, so a retry after an error runs again,
  except an injected one with ``kept=True``: Stripe keeps an error answered once the endpoint
  began (a 500, a card error) under the key, and replays it to a retry with that key.
- **Request log.** Every request that reaches the server is in `StripeStandIn.requests`
  (`StripeRequest`: method, path, decoded params, headers without ``Authorization``, idempotency
  key, status, ``replayed``, ``injected``); `calls` / `count` filter it, e.g.
  ``standin.count("POST", "/v1/checkout/sessions")``.
- **Fault injection.** ``standin.fail_next("/v1/checkout/sessions", error_type="rate_limit_error")``
  makes the next request to that path (``times=N``; ``times=None`` until `clear_faults`) answer
  with that error and its status (``card_error`` 402, ``api_error`` 500, ``permission_error`` 403,
  ``authentication_error`` 401, ``invalid_request_error`` 400; ``status=`` overrides), or, with
  ``close_connection=True``, drop the connection without answering. ``should_retry=False`` adds
  ``Stripe-Should-Retry: false`` so the library does not retry a 5xx. ``delay=`` seconds are
  waited first (alone, it only slows the request down). A path ending in ``*`` is a prefix.
- **Seeding.** `add_product`, `add_price`, `add_customer`, `add_subscription`, `add_event` build
  Stripe-shaped objects; `put` stores any Stripe object as is (e.g. one built by
  `pgpay.testing.events.StripeFactory`), `get` / `objects` read the store back.

The pytest fixture ``pgpay_stripe`` (pgpay's plugin) starts one per test::

    def test_checkout(pgpay_stripe):
        price = pgpay_stripe.add_price(unit_amount=500)
        client = stripe.StripeClient(pgpay_stripe.api_key,
                                     base_addresses={"api": pgpay_stripe.url})
        ...
        assert pgpay_stripe.count("POST", "/v1/checkout/sessions") == 1
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "DEFAULT_LIVE_KEY",
    "DEFAULT_TEST_KEY",
    "ERROR_STATUS",
    "Fault",
    "StripeError",
    "StripeRequest",
    "StripeStandIn",
    "decode_form",
]

JSON = dict[str, Any]

DEFAULT_TEST_KEY = "sk_test_pgpayStandIn0000000000000000000000"
"""The test-mode secret key a stand-in accepts unless told otherwise."""
DEFAULT_LIVE_KEY = "sk_live_pgpayStandIn0000000000000000000000"
"""A live-mode key the stand-in also accepts (objects then have ``livemode: true``)."""

API_VERSION = "2025-03-31.basil"

ERROR_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "idempotency_error": 400,
    "authentication_error": 401,
    "card_error": 402,
    "permission_error": 403,
    "rate_limit_error": 429,
    "api_error": 500,
}
"""The HTTP status Stripe answers each error type with (a missing object is 404)."""

_DEFAULT_MESSAGES: dict[str, str] = {
    "rate_limit_error": "Too many requests hit the API too quickly. We recommend an exponential "
    "backoff of your requests.",
    "card_error": "Your card was declined.",
    "api_error": "An unknown error occurred with Stripe. Please try again.",
    "permission_error": "The provided key does not have the required permissions for this "
    "endpoint.",
    "authentication_error": "Invalid API Key provided.",
    "invalid_request_error": "Invalid request.",
    "idempotency_error": "Keys for idempotent requests can only be used with the same "
    "parameters they were first used with.",
}

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SECRET_RE = re.compile(r"\b((?:sk|rk|pk)_(?:test|live)_)[A-Za-z0-9*]+")
_EVENT_TYPE_RE = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)+)$")
_DAY = 86_400
_MAX_BODY = 1 << 20


class StripeError(Exception):
    """An error answer in Stripe's shape; raise it from an endpoint."""

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        status: int | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.code = code
        self.param = param
        self.status = status or ERROR_STATUS.get(error_type, 400)
        self.decline_code = decline_code

    def body(self, request_id: str) -> JSON:
        error: JSON = {"type": self.error_type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def _invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError("invalid_request_error", message, param=param, code=code)


def _missing(kind: str, object_id: str, param: str | None = "id") -> StripeError:
    return StripeError(
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
        status=404,
    )


@dataclass
class StripeRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    params: JSON
    headers: dict[str, str]
    idempotency_key: str | None
    api_key: str | None = field(repr=False)
    status: int = 0
    replayed: bool = False
    injected: bool = False


@dataclass
class Fault:
    """An injected failure for the next `remaining` requests to `path` (None: until cleared)."""

    path: str
    method: str | None
    remaining: int | None
    status: int | None
    error_type: str | None
    code: str | None
    message: str | None
    param: str | None
    decline_code: str | None
    close_connection: bool
    delay: float
    should_retry: bool | None
    kept: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


def _tokens(key: str) -> list[str]:
    match = _KEY_RE.match(key)
    if not match:
        raise _invalid(f"Invalid parameter name: {key!r}")
    parts = [match.group(1)]
    parts.extend(re.findall(r"\[([^\[\]]*)\]", match.group(2)))
    return parts


def _listify(value: Any, name: str = "") -> Any:
    """Turn dicts with only integer keys into lists (except metadata maps, whose keys are data)."""
    if isinstance(value, list):
        return [_listify(v) for v in value]
    if not isinstance(value, dict):
        return value
    converted = {k: _listify(v, k) for k, v in value.items()}
    if name != "metadata" and converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def decode_form(pairs: Sequence[tuple[str, str]]) -> JSON:
    """Decode Stripe's form encoding (``a[b][0][c]=v``, ``a[]=v``) into nested dicts and lists."""
    root: JSON = {}
    for key, value in pairs:
        parts = _tokens(key)
        node: Any = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "":
                if not isinstance(node, list):
                    raise _invalid(f"Invalid array parameter: {key!r}")
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            if not isinstance(node, dict):
                raise _invalid(f"Invalid parameter name: {key!r}")
            if last:
                node[part] = value
            else:
                nxt = parts[depth + 1]
                if part not in node:
                    node[part] = [] if nxt == "" else {}
                node = node[part]
    return dict(_listify(root))


def _new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _redact(text: str) -> str:
    return _SECRET_RE.sub(lambda m: m.group(1) + "*" * 4, text)


def _int(params: Mapping[str, Any], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    if isinstance(raw, int):
        return raw
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise _invalid(f"Invalid integer: {raw}", param=name)
    return int(raw)


def _bool(params: Mapping[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if raw in ("true", "false"):
        return bool(raw == "true")
    raise _invalid(f"Invalid boolean: {raw}", param=name)


def _str(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise _invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str):
        raise _invalid(f"Invalid string: {raw!r}", param=name)
    return raw


def _metadata(params: Mapping[str, Any], name: str = "metadata", old: JSON | None = None) -> JSON:
    """Stripe's metadata rules: at most 50 keys of at most 40 characters, string values of at
    most 500 characters; an empty value removes a key."""
    result: JSON = dict(old or {})
    raw = params.get(name)
    if raw is None:
        return result
    if raw == "":
        return {}
    if not isinstance(raw, dict):
        raise _invalid("Invalid object", param=name)
    for key, value in raw.items():
        if not isinstance(value, str):
            raise _invalid("Invalid value: metadata values must be strings", param=f"{name}[{key}]")
        if len(key) > 40:
            raise _invalid("Metadata keys must be 40 characters or fewer.", param=f"{name}[{key}]")
        if len(value) > 500:
            raise _invalid(
                "Metadata values must be 500 characters or fewer.", param=f"{name}[{key}]"
            )
        if value == "":
            result.pop(key, None)
        else:
            result[key] = value
    if len(result) > 50:
        raise _invalid("Metadata may have at most 50 keys.", param=name)
    return result


def _check_params(params: Mapping[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed and name != "expand":
            raise _invalid(f"Received unknown parameter: {name}", param=name)


def _check_url(value: str | None, param: str) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid("Not a valid URL", param=param, code="url_invalid")


def _created_filter(params: Mapping[str, Any]) -> Callable[[JSON], bool]:
    raw = params.get("created")
    if raw is None:
        return lambda _obj: True
    if isinstance(raw, str):
        exact = _int(params, "created")
        return lambda obj: obj.get("created") == exact
    if not isinstance(raw, dict):
        raise _invalid("Invalid created filter", param="created")
    bounds: dict[str, int] = {}
    for op, value in raw.items():
        if op not in ("gt", "gte", "lt", "lte"):
            raise _invalid(f"Received unknown parameter: created[{op}]", param=f"created[{op}]")
        bound = _int({"v": value}, "v")
        assert bound is not None
        bounds[op] = bound

    def check(obj: JSON) -> bool:
        created = int(obj.get("created") or 0)
        return (
            ("gt" not in bounds or created > bounds["gt"])
            and ("gte" not in bounds or created >= bounds["gte"])
            and ("lt" not in bounds or created < bounds["lt"])
            and ("lte" not in bounds or created <= bounds["lte"])
        )

    return check


_LIST_PARAMS = {"limit", "starting_after", "ending_before", "created"}


class StripeStandIn:
    """The stand-in server: start it (or use it as a context manager), then read `url`."""

    def __init__(
        self,
        api_keys: Sequence[str] = (DEFAULT_TEST_KEY, DEFAULT_LIVE_KEY),
        *,
        account_id: str = "acct_1PgpayStandIn00",
        account_email: str = "billing@example.com",
        display_name: str = "pgpay stand-in",
    ) -> None:
        self.api_keys: set[str] = set(api_keys)
        self.api_key = next((k for k in api_keys if "_test_" in k), DEFAULT_TEST_KEY)
        """A test-mode key the stand-in accepts (the first one given)."""
        self.live_api_key = next((k for k in api_keys if "_live_" in k), DEFAULT_LIVE_KEY)
        self.account: JSON = {
            "id": account_id,
            "object": "account",
            "business_profile": {"name": display_name, "url": None},
            "charges_enabled": True,
            "country": "US",
            "created": int(time.time()) - 30 * _DAY,
            "default_currency": "usd",
            "details_submitted": True,
            "email": account_email,
            "payouts_enabled": True,
            "settings": {"dashboard": {"display_name": display_name, "timezone": "Etc/UTC"}},
            "type": "standard",
        }
        self.requests: list[StripeRequest] = []
        self._objects: dict[str, dict[str, JSON]] = {}
        self._order: dict[str, int] = {}
        self._seq = 0
        self._secrets: dict[str, str] = {}
        self._idempotent: dict[tuple[str, str], tuple[str, str, str, int, bytes]] = {}
        self._faults: list[Fault] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., tuple[int, JSON]]]] = [
            ("POST", re.compile(r"^/v1/customers$"), self._create_customer),
            ("GET", re.compile(r"^/v1/customers$"), self._list_customers),
            ("GET", re.compile(r"^/v1/customers/([^/]+)$"), self._retrieve("customer")),
            ("POST", re.compile(r"^/v1/customers/([^/]+)$"), self._update_customer),
            ("POST", re.compile(r"^/v1/checkout/sessions$"), self._create_checkout_session),
            ("GET", re.compile(r"^/v1/checkout/sessions$"), self._list_checkout_sessions),
            (
                "GET",
                re.compile(r"^/v1/checkout/sessions/([^/]+)$"),
                self._retrieve("checkout.session", "checkout session"),
            ),
            ("POST", re.compile(r"^/v1/billing_portal/sessions$"), self._create_portal_session),
            ("GET", re.compile(r"^/v1/products$"), self._list_products),
            ("GET", re.compile(r"^/v1/products/([^/]+)$"), self._retrieve("product")),
            ("GET", re.compile(r"^/v1/prices$"), self._list_prices),
            ("GET", re.compile(r"^/v1/prices/([^/]+)$"), self._retrieve("price")),
            ("GET", re.compile(r"^/v1/subscriptions$"), self._list_subscriptions),
            ("GET", re.compile(r"^/v1/subscriptions/([^/]+)$"), self._retrieve("subscription")),
            ("GET", re.compile(r"^/v1/events$"), self._list_events),
            ("GET", re.compile(r"^/v1/events/([^/]+)$"), self._retrieve("event")),
            ("GET", re.compile(r"^/v1/account$"), self._get_account),
            ("POST", re.compile(r"^/v1/webhook_endpoints$"), self._create_webhook_endpoint),
            ("GET", re.compile(r"^/v1/webhook_endpoints$"), self._list_webhook_endpoints),
            (
                "GET",
                re.compile(r"^/v1/webhook_endpoints/([^/]+)$"),
                self._retrieve("webhook_endpoint", "webhook endpoint"),
            ),
            (
                "POST",
                re.compile(r"^/v1/webhook_endpoints/([^/]+)$"),
                self._update_webhook_endpoint,
            ),
            (
                "DELETE",
                re.compile(r"^/v1/webhook_endpoints/([^/]+)$"),
                self._delete_webhook_endpoint,
            ),
        ]

    # ------------------------------------------------------------------ server lifecycle

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``): the value for ``STRIPE_API_BASE``."""
        if self._server is None:
            raise RuntimeError("the Stripe stand-in is not running: call start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StripeStandIn:
        if self._server is not None:
            return self
        standin = self

        class Handler(_Handler):
            owner = standin

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> StripeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ request log & faults

    def calls(self, method: str | None = None, path: str | None = None) -> list[StripeRequest]:
        """The logged requests, optionally only those with this method and path (``*`` suffix:
        a prefix)."""
        with self._lock:
            found = list(self.requests)
        if method is not None:
            found = [r for r in found if r.method == method.upper()]
        if path is not None:
            if path.endswith("*"):
                found = [r for r in found if r.path.startswith(path[:-1])]
            else:
                found = [r for r in found if r.path == path]
        return found

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests with this method and path reached the stand-in."""
        return len(self.calls(method, path))

    def last(self, method: str | None = None, path: str | None = None) -> StripeRequest:
        """The most recent matching request (AssertionError when there is none)."""
        found = self.calls(method, path)
        assert found, f"no {method or ''} {path or ''} request reached the Stripe stand-in"
        return found[-1]

    def fail_next(
        self,
        path: str,
        times: int | None = 1,
        *,
        error_type: str | None = "api_error",
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        method: str | None = None,
        close_connection: bool = False,
        delay: float = 0.0,
        should_retry: bool | None = None,
        kept: bool = False,
    ) -> Fault:
        """Make the next `times` requests to `path` fail (``times=None``: until `clear_faults`).

        ``error_type=None`` with a ``delay`` only slows requests down. ``kept=True``: the error is
        remembered under the request's idempotency key and replayed to a retry with that key."""
        fault = Fault(
            path=path,
            method=method,
            remaining=times,
            status=status,
            error_type=error_type,
            code=code,
            message=message,
            param=param,
            decline_code=decline_code,
            close_connection=close_connection,
            delay=delay,
            should_retry=should_retry,
            kept=kept,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        """Forget every object, request, idempotency key and fault."""
        with self._lock:
            self.requests.clear()
            self._objects.clear()
            self._order.clear()
            self._secrets.clear()
            self._idempotent.clear()
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and (fault.remaining is None or fault.remaining > 0):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # ------------------------------------------------------------------ store & seeding

    def put(self, obj: Mapping[str, Any]) -> JSON:
        """Store a Stripe object (any ``object`` type) as is, replacing one with the same id."""
        stored = copy.deepcopy(dict(obj))
        if "id" not in stored or "object" not in stored:
            raise ValueError("a Stripe object needs an 'id' and an 'object'")
        with self._lock:
            bucket = self._objects.setdefault(str(stored["object"]), {})
            if stored["id"] not in bucket:
                self._seq += 1
                self._order[str(stored["id"])] = self._seq
            bucket[str(stored["id"])] = stored
        return copy.deepcopy(stored)

    def get(self, object_id: str) -> JSON | None:
        """A stored object by id (any type), or None."""
        with self._lock:
            for bucket in self._objects.values():
                if object_id in bucket:
                    return copy.deepcopy(bucket[object_id])
        return None

    def objects(self, object_type: str) -> list[JSON]:
        """Every stored object of a type (``"customer"``, ``"checkout.session"``…), oldest first."""
        with self._lock:
            return [copy.deepcopy(o) for o in self._objects.get(object_type, {}).values()]

    def add_product(
        self,
        name: str = "Test product",
        *,
        active: bool = True,
        metadata: Mapping[str, str] | None = None,
        created: int | None = None,
        livemode: bool = False,
        **fields: Any,
    ) -> JSON:
        product: JSON = {
            "id": _new_id("prod", 14),
            "object": "product",
            "active": active,
            "created": created or int(time.time()),
            "default_price": None,
            "description": None,
            "images": [],
            "livemode": livemode,
            "metadata": dict(metadata or {}),
            "name": name,
            "tax_code": None,
            "type": "service",
            "updated": created or int(time.time()),
            "url": None,
        }
        product.update(fields)
        return self.put(product)

    def add_price(
        self,
        product: str | Mapping[str, Any] | None = None,
        *,
        unit_amount: int = 1000,
        currency: str = "usd",
        recurring: Mapping[str, Any] | str | None = None,
        active: bool = True,
        metadata: Mapping[str, str] | None = None,
        lookup_key: str | None = None,
        created: int | None = None,
        livemode: bool = False,
        **fields: Any,
    ) -> JSON:
        """A price (a new product unless `product` is given); ``recurring="month"`` or
        ``{"interval": "year", "interval_count": 1}`` makes it a subscription price."""
        if product is None:
            product_id = str(self.add_product(livemode=livemode)["id"])
        elif isinstance(product, str):
            product_id = product
        else:
            product_id = str(product["id"])
        if isinstance(recurring, str):
            recurring = {"interval": recurring}
        recurring_obj = None
        if recurring is not None:
            recurring_obj = {
                "aggregate_usage": None,
                "interval": recurring["interval"],
                "interval_count": int(recurring.get("interval_count", 1)),
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        price: JSON = {
            "id": _new_id("price"),
            "object": "price",
            "active": active,
            "billing_scheme": "per_unit",
            "created": created or int(time.time()),
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": livemode,
            "lookup_key": lookup_key,
            "metadata": dict(metadata or {}),
            "nickname": None,
            "product": product_id,
            "recurring": recurring_obj,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring_obj else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        }
        price.update(fields)
        return self.put(price)

    def add_customer(
        self,
        email: str | None = None,
        *,
        name: str | None = None,
        metadata: Mapping[str, str] | None = None,
        created: int | None = None,
        livemode: bool = False,
        **fields: Any,
    ) -> JSON:
        return self.put(
            self._customer(
                {"email": email, "name": name, "metadata": dict(metadata or {})},
                livemode,
                created,
                fields,
            )
        )

    def add_subscription(
        self,
        customer: str | Mapping[str, Any],
        price: str | Mapping[str, Any],
        *,
        status: str = "active",
        quantity: int = 1,
        metadata: Mapping[str, str] | None = None,
        created: int | None = None,
        livemode: bool = False,
        **fields: Any,
    ) -> JSON:
        """A subscription with one item (both API shapes: periods on the subscription and on the
        item)."""
        customer_id = customer if isinstance(customer, str) else str(customer["id"])
        price_obj = self.get(price) if isinstance(price, str) else dict(price)
        if price_obj is None:
            raise ValueError(f"no price {price!r} in the stand-in")
        now = created or int(time.time())
        interval = (price_obj.get("recurring") or {}).get("interval", "month")
        period = {"day": _DAY, "week": 7 * _DAY, "month": 30 * _DAY, "year": 365 * _DAY}[interval]
        sub_id = _new_id("sub")
        canceled = status in ("canceled", "incomplete_expired")
        item = {
            "id": _new_id("si", 14),
            "object": "subscription_item",
            "created": now,
            "current_period_end": now + period,
            "current_period_start": now,
            "metadata": {},
            "price": price_obj,
            "quantity": quantity,
            "subscription": sub_id,
        }
        subscription: JSON = {
            "id": sub_id,
            "object": "subscription",
            "billing_cycle_anchor": now,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": now if canceled else None,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": price_obj.get("currency", "usd"),
            "current_period_end": now + period,
            "current_period_start": now,
            "customer": customer_id,
            "ended_at": now if canceled else None,
            "items": {
                "object": "list",
                "data": [item],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            "latest_invoice": None,
            "livemode": livemode,
            "metadata": dict(metadata or {}),
            "quantity": quantity,
            "start_date": now,
            "status": status,
            "trial_end": None,
            "trial_start": None,
        }
        subscription.update(fields)
        return self.put(subscription)

    def add_event(
        self,
        event_or_type: Mapping[str, Any] | str,
        obj: Mapping[str, Any] | None = None,
        *,
        created: int | None = None,
        previous_attributes: Mapping[str, Any] | None = None,
        livemode: bool = False,
        api_version: str = API_VERSION,
    ) -> JSON:
        """Store an event for ``GET /v1/events``: a whole event (as built by
        `pgpay.testing.events.StripeFactory`), or a type and its ``data.object``."""
        if not isinstance(event_or_type, str):
            return self.put(event_or_type)
        if obj is None:
            raise ValueError("add_event(type, obj): the event's data.object is missing")
        data: JSON = {"object": copy.deepcopy(dict(obj))}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(dict(previous_attributes))
        return self.put(
            {
                "id": _new_id("evt"),
                "object": "event",
                "api_version": api_version,
                "created": created or int(time.time()),
                "data": data,
                "livemode": livemode,
                "pending_webhooks": 0,
                "request": {"id": None, "idempotency_key": None},
                "type": event_or_type,
            }
        )

    def webhook_secret(self, endpoint_id: str) -> str:
        """The signing secret of a webhook endpoint created through the API."""
        with self._lock:
            return self._secrets[endpoint_id]

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes | None]:
        """Answer one request: (status, headers, body); body None drops the connection."""
        request_id = _new_id("req", 14)
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        lower = {k.lower(): v for k, v in headers.items()}
        idempotency_key = lower.get("idempotency-key")
        api_key = _api_key(lower.get("authorization"))
        record = StripeRequest(
            method=method,
            path=path,
            params={},
            headers={k: v for k, v in lower.items() if k != "authorization"},
            idempotency_key=idempotency_key,
            api_key=api_key,
        )
        with self._lock:
            self.requests.append(record)
        version = lower.get("stripe-version") or API_VERSION
        out_headers = {"Request-Id": request_id, "Stripe-Version": version}
        if idempotency_key:
            out_headers["Idempotency-Key"] = idempotency_key

        def answer(
            status: int, payload: JSON, extra: Mapping[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
            record.status = status
            return status, {**out_headers, **(extra or {})}, json.dumps(payload, indent=2).encode()

        try:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if method == "POST":
                pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            params = decode_form(pairs)
        except (StripeError, UnicodeDecodeError) as exc:
            err = exc if isinstance(exc, StripeError) else _invalid("The body is not UTF-8.")
            return answer(err.status, err.body(request_id))
        record.params = params

        if api_key is None or api_key not in self.api_keys:
            message = (
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY')."
                if api_key is None
                else f"Invalid API Key provided: {_redact(api_key)}"
            )
            return answer(401, StripeError("authentication_error", message).body(request_id))
        livemode = "_live_" in api_key

        fault = self._take_fault(method, path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.close_connection:
                record.injected = True
                return 0, {}, None
            if fault.error_type is not None:
                record.injected = True
                err = StripeError(
                    fault.error_type,
                    fault.message or _DEFAULT_MESSAGES.get(fault.error_type, "Error."),
                    code=fault.code,
                    param=fault.param,
                    status=fault.status,
                    decline_code=fault.decline_code,
                )
                extra = {}
                if fault.should_retry is not None:
                    extra["Stripe-Should-Retry"] = "true" if fault.should_retry else "false"
                result = answer(err.status, err.body(request_id), extra)
                if fault.kept and method == "POST" and idempotency_key:
                    with self._lock:
                        self._idempotent.setdefault(
                            (api_key, idempotency_key),
                            (
                                method,
                                path,
                                json.dumps(params, sort_keys=True),
                                err.status,
                                result[2],
                            ),
                        )
                return result

        with self._lock:
            fingerprint = json.dumps(params, sort_keys=True)
            if method == "POST" and idempotency_key:
                seen = self._idempotent.get((api_key, idempotency_key))
                if seen is not None:
                    if seen[:3] != (method, path, fingerprint):
                        err = StripeError(
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{idempotency_key}' if you meant to execute a different request.",
                        )
                        return answer(400, err.body(request_id))
                    record.replayed = True
                    record.status = seen[3]
                    return seen[3], {**out_headers, "Idempotent-Replayed": "true"}, seen[4]
            try:
                status, payload = self._route(method, path, params, livemode)
            except StripeError as exc:
                return answer(exc.status, exc.body(request_id))
            result = answer(status, payload)
            if method == "POST" and idempotency_key and 200 <= status < 300:
                self._idempotent[(api_key, idempotency_key)] = (
                    method,
                    path,
                    fingerprint,
                    status,
                    result[2],
                )
            return result

    def _route(self, method: str, path: str, params: JSON, livemode: bool) -> tuple[int, JSON]:
        for route_method, pattern, endpoint in self._routes:
            match = pattern.match(path)
            if route_method == method and match:
                status, payload = endpoint(params, livemode, *match.groups())
                return status, self._expand(payload, params.get("expand"))
        raise StripeError(
            "invalid_request_error", f"Unrecognized request URL ({method}: {path}).", status=404
        )

    def _expand(self, payload: JSON, expand: Any) -> JSON:
        if not expand:
            return payload
        paths = expand if isinstance(expand, list) else [expand]
        for raw in paths:
            if not isinstance(raw, str):
                raise _invalid("Invalid expand", param="expand")
            parts = raw.split(".")
            if payload.get("object") == "list" and parts[0] == "data":
                for item in payload.get("data", []):
                    self._expand_path(item, parts[1:])
            else:
                self._expand_path(payload, parts)
        return payload

    def _expand_path(self, obj: Any, parts: list[str]) -> None:
        if not parts or not isinstance(obj, dict):
            return
        head, rest = parts[0], parts[1:]
        value = obj.get(head)
        if isinstance(value, str) and not rest:
            found = self.get(value)
            if found is None:
                raise _invalid(f"This property cannot be expanded ({head}).", param="expand")
            obj[head] = found
        elif isinstance(value, dict):
            if value.get("object") == "list" and rest and rest[0] == "data":
                for item in value.get("data", []):
                    self._expand_path(item, rest[1:])
            else:
                self._expand_path(value, rest)

    # ------------------------------------------------------------------ endpoints: helpers

    def _bucket(self, object_type: str) -> dict[str, JSON]:
        return self._objects.setdefault(object_type, {})

    def _list(
        self,
        object_type: str,
        url: str,
        params: Mapping[str, Any],
        keep: Callable[[JSON], bool] = lambda _obj: True,
    ) -> tuple[int, JSON]:
        limit = _int(params, "limit", 10)
        assert limit is not None
        if not 1 <= limit <= 100:
            raise _invalid("Invalid integer: limit must be between 1 and 100", param="limit")
        created = _created_filter(params)
        items = [
            o
            for o in self._bucket(object_type).values()
            if keep(o) and created(o) and not o.get("deleted")
        ]
        items.sort(key=lambda o: (int(o.get("created") or 0), self._order[o["id"]]), reverse=True)
        after = _str(params, "starting_after")
        before = _str(params, "ending_before")
        if after and before:
            raise _invalid(
                "You may only specify one of these parameters: ending_before, starting_after.",
                param="starting_after",
            )
        if after is not None:
            index = _index_of(items, after, "starting_after", object_type)
            window = items[index + 1 :]
            page, has_more = window[:limit], len(window) > limit
        elif before is not None:
            index = _index_of(items, before, "ending_before", object_type)
            window = items[:index]
            page, has_more = window[-limit:], len(window) > limit
        else:
            page, has_more = items[:limit], len(items) > limit
        return 200, {
            "object": "list",
            "data": [copy.deepcopy(o) for o in page],
            "has_more": has_more,
            "url": url,
        }

    def _retrieve(self, object_type: str, label: str | None = None) -> Callable[..., Any]:
        def retrieve(params: JSON, _livemode: bool, object_id: str) -> tuple[int, JSON]:
            _check_params(params, set())
            obj = self._bucket(object_type).get(object_id)
            if obj is None:
                raise _missing(label or object_type.replace("_", " "), object_id)
            return 200, copy.deepcopy(obj)

        return retrieve

    def _customer(
        self, params: Mapping[str, Any], livemode: bool, created: int | None, extra: JSON
    ) -> JSON:
        customer: JSON = {
            "id": _new_id("cus", 14),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": created or int(time.time()),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "discount": None,
            "email": params.get("email"),
            "invoice_prefix": _new_id("X", 8)[2:].upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": livemode,
            "metadata": dict(params.get("metadata") or {}),
            "name": params.get("name"),
            "phone": params.get("phone"),
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        customer.update(extra)
        return customer

    # ------------------------------------------------------------------ endpoints

    def _create_customer(self, params: JSON, livemode: bool) -> tuple[int, JSON]:
        _check_params(params, {"email", "name", "description", "metadata", "phone"})
        fields = {
            "email": _str(params, "email"),
            "name": _str(params, "name"),
            "description": _str(params, "description"),
            "phone": _str(params, "phone"),
            "metadata": _metadata(params),
        }
        customer = self._customer(fields, livemode, None, {})
        self.put(customer)
        return 200, customer

    def _update_customer(self, params: JSON, _livemode: bool, customer_id: str) -> tuple[int, JSON]:
        _check_params(params, {"email", "name", "description", "metadata", "phone"})
        customer = self._bucket("customer").get(customer_id)
        if customer is None:
            raise _missing("customer", customer_id)
        for name in ("email", "name", "description", "phone"):
            if name in params:
                customer[name] = _str(params, name)
        customer["metadata"] = _metadata(params, old=customer.get("metadata"))
        return 200, copy.deepcopy(customer)

    def _list_customers(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, _LIST_PARAMS | {"email", "test_clock"})
        email = _str(params, "email")
        return self._list(
            "customer",
            "/v1/customers",
            params,
            lambda c: email is None or c.get("email") == email,
        )

    def _create_checkout_session(self, params: JSON, livemode: bool) -> tuple[int, JSON]:
        _check_params(
            params,
            {
                "mode", "line_items", "success_url", "cancel_url", "customer", "customer_email",
                "customer_creation", "client_reference_id", "metadata", "subscription_data",
                "payment_intent_data", "allow_promotion_codes", "billing_address_collection",
                "locale", "expires_at", "ui_mode", "payment_method_types",
            },
        )  # fmt: skip
        mode = _str(params, "mode", required=True)
        if mode not in ("payment", "subscription", "setup"):
            raise _invalid(
                f"Invalid mode: must be one of payment, setup, or subscription (got {mode})",
                param="mode",
            )
        success_url = _str(params, "success_url", required=True)
        cancel_url = _str(params, "cancel_url")
        _check_url(success_url, "success_url")
        _check_url(cancel_url, "cancel_url")
        customer = _str(params, "customer")
        customer_email = _str(params, "customer_email")
        if customer and customer_email:
            raise _invalid(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer",
            )
        if customer and customer not in self._bucket("customer"):
            raise _missing("customer", customer, param="customer")
        reference = _str(params, "client_reference_id")
        if reference is not None and len(reference) > 200:
            raise _invalid(
                "client_reference_id must be at most 200 characters", param="client_reference_id"
            )
        metadata = _metadata(params)
        if "subscription_data" in params:
            if mode != "subscription":
                raise _invalid(
                    "You can only pass `subscription_data` in `subscription` mode.",
                    param="subscription_data",
                )
            _check_nested(params, "subscription_data", {"metadata", "trial_period_days",
                                                        "description"})  # fmt: skip
        if "payment_intent_data" in params:
            if mode != "payment":
                raise _invalid(
                    f"You can not pass `payment_intent_data` in `{mode}` mode.",
                    param="payment_intent_data",
                )
            _check_nested(
                params, "payment_intent_data", {"metadata", "description", "setup_future_usage"}
            )
        if "customer_creation" in params:
            if mode != "payment":
                raise _invalid(
                    "`customer_creation` can only be used in `payment` mode.",
                    param="customer_creation",
                )
            if params["customer_creation"] not in ("always", "if_required"):
                raise _invalid("Invalid customer_creation", param="customer_creation")
        amount, currency, has_recurring = self._checkout_lines(params.get("line_items"), mode)
        if mode == "subscription" and not has_recurring:
            raise _invalid(
                "You must provide at least one recurring price in `subscription` mode when using "
                "prices.",
                param="line_items",
            )
        now = int(time.time())
        session_id = _new_id("cs_live" if livemode else "cs_test", 58)
        session: JSON = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": _bool(params, "allow_promotion_codes"),
            "amount_subtotal": amount,
            "amount_total": amount,
            "billing_address_collection": params.get("billing_address_collection"),
            "cancel_url": cancel_url,
            "client_reference_id": reference,
            "created": now,
            "currency": currency,
            "customer": customer,
            "customer_creation": (
                params.get("customer_creation", "if_required")
                if mode == "payment" and not customer
                else None
            ),
            "customer_details": None,
            "customer_email": customer_email,
            "expires_at": _int(params, "expires_at") or now + _DAY,
            "invoice": None,
            "livemode": livemode,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "setup_intent": None,
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": success_url,
            "ui_mode": params.get("ui_mode", "hosted"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.put(session)
        return 200, session

    def _checkout_lines(self, raw: Any, mode: str) -> tuple[int | None, str | None, bool]:
        if raw is None:
            if mode == "setup":
                return None, None, False
            raise _invalid(
                "Missing required param: line_items.", param="line_items", code="parameter_missing"
            )
        if not isinstance(raw, list) or not raw:
            raise _invalid("Invalid array", param="line_items")
        if len(raw) > 100:
            raise _invalid("You may only specify up to 100 line items.", param="line_items")
        total, currency, has_recurring = 0, None, False
        for index, line in enumerate(raw):
            param = f"line_items[{index}]"
            if not isinstance(line, dict):
                raise _invalid("Invalid object", param=param)
            for name in line:
                if name not in ("price", "quantity", "adjustable_quantity"):
                    raise _invalid(
                        f"Received unknown parameter: {param}[{name}]", param=f"{param}[{name}]"
                    )
            price_id = _str(line, "price")
            if price_id is None:
                raise _invalid(
                    f"Missing required param: {param}[price].",
                    param=f"{param}[price]",
                    code="parameter_missing",
                )
            price = self._bucket("price").get(price_id)
            if price is None:
                raise _missing("price", price_id, param=f"{param}[price]")
            if not price.get("active", True):
                raise _invalid(
                    "The price specified is inactive. This field only accepts active prices.",
                    param=f"{param}[price]",
                )
            quantity = _int(line, "quantity")
            if quantity is None:
                raise _invalid(
                    f"Missing required param: {param}[quantity].",
                    param=f"{param}[quantity]",
                    code="parameter_missing",
                )
            if not 0 < quantity <= 999_999:
                raise _invalid("Quantity must be between 1 and 999999.", param=f"{param}[quantity]")
            if price.get("type") == "recurring" or price.get("recurring"):
                has_recurring = True
                if mode == "payment":
                    raise _invalid(
                        "You specified `payment` mode but passed a recurring price. Either "
                        "switch to `subscription` mode or use only one-time prices.",
                        param=f"{param}[price]",
                    )
            if currency is not None and price.get("currency") != currency:
                raise _invalid("All prices must be in the same currency.", param=f"{param}[price]")
            currency = price.get("currency")
            total += int(price.get("unit_amount") or 0) * quantity
        return total, currency, has_recurring

    def _list_checkout_sessions(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, _LIST_PARAMS | {"customer", "status", "payment_intent"})
        customer = _str(params, "customer")
        status = _str(params, "status")
        return self._list(
            "checkout.session",
            "/v1/checkout/sessions",
            params,
            lambda s: (
                (customer is None or s.get("customer") == customer)
                and (status is None or s.get("status") == status)
            ),
        )

    def _create_portal_session(self, params: JSON, livemode: bool) -> tuple[int, JSON]:
        _check_params(params, {"customer", "return_url", "configuration", "locale", "flow_data"})
        customer = _str(params, "customer", required=True)
        assert customer is not None
        if customer not in self._bucket("customer"):
            raise _missing("customer", customer, param="customer")
        return_url = _str(params, "return_url")
        _check_url(return_url, "return_url")
        session_id = _new_id("bps")
        session: JSON = {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": _str(params, "configuration") or "bpc_1PgpayStandInDefault00",
            "created": int(time.time()),
            "customer": customer,
            "flow": None,
            "livemode": livemode,
            "locale": params.get("locale"),
            "on_behalf_of": None,
            "return_url": return_url,
            "url": f"https://billing.stripe.com/p/session/{'live' if livemode else 'test'}_"
            + _new_id("x", 40)[2:],
        }
        self.put(session)
        return 200, session

    def _list_products(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, _LIST_PARAMS | {"active", "ids", "shippable", "url"})
        active = _bool(params, "active")
        ids = params.get("ids")
        return self._list(
            "product",
            "/v1/products",
            params,
            lambda p: (
                (active is None or p.get("active") == active) and (ids is None or p["id"] in ids)
            ),
        )

    def _list_prices(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(
            params,
            _LIST_PARAMS | {"active", "currency", "product", "type", "lookup_keys", "recurring"},
        )
        active = _bool(params, "active")
        product = _str(params, "product")
        currency = _str(params, "currency")
        price_type = _str(params, "type")
        lookup_keys = params.get("lookup_keys")

        def keep(p: JSON) -> bool:
            product_id = p.get("product")
            if isinstance(product_id, dict):
                product_id = product_id.get("id")
            return (
                (active is None or p.get("active") == active)
                and (product is None or product_id == product)
                and (currency is None or p.get("currency") == currency)
                and (price_type is None or p.get("type") == price_type)
                and (lookup_keys is None or p.get("lookup_key") in lookup_keys)
            )

        return self._list("price", "/v1/prices", params, keep)

    def _list_subscriptions(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(
            params,
            _LIST_PARAMS
            | {"status", "customer", "price", "collection_method", "current_period_end",
               "current_period_start", "test_clock"},
        )  # fmt: skip
        status = _str(params, "status")
        customer = _str(params, "customer")
        price = _str(params, "price")
        statuses = {
            "active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired",
            "trialing", "paused", "all", "ended",
        }  # fmt: skip
        if status is not None and status not in statuses:
            raise _invalid(f"Invalid status: {status}", param="status")

        def keep(s: JSON) -> bool:
            current = s.get("status")
            if status is None and current in ("canceled", "incomplete_expired"):
                return False
            if status == "ended" and current not in ("canceled", "incomplete_expired"):
                return False
            if status not in (None, "all", "ended") and current != status:
                return False
            if customer is not None and _ref(s.get("customer")) != customer:
                return False
            if price is not None:
                items = (s.get("items") or {}).get("data") or []
                return any(_ref(i.get("price")) == price for i in items)
            return True

        return self._list("subscription", "/v1/subscriptions", params, keep)

    def _list_events(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, _LIST_PARAMS | {"type", "types", "delivery_success"})
        event_type = _str(params, "type")
        types = params.get("types")
        if types is not None and not isinstance(types, list):
            raise _invalid("Invalid array", param="types")
        if event_type and types:
            raise _invalid("You may only specify one of these parameters: type, types.",
                           param="types")  # fmt: skip

        def matches(pattern: str, value: str) -> bool:
            if pattern.endswith("*"):
                return value.startswith(pattern[:-1])
            return value == pattern

        def keep(e: JSON) -> bool:
            value = str(e.get("type"))
            if event_type is not None and not matches(event_type, value):
                return False
            return types is None or any(matches(str(t), value) for t in types)

        return self._list("event", "/v1/events", params, keep)

    def _get_account(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, set())
        return 200, copy.deepcopy(self.account)

    def _create_webhook_endpoint(self, params: JSON, livemode: bool) -> tuple[int, JSON]:
        _check_params(
            params,
            {"url", "enabled_events", "api_version", "description", "metadata", "connect"},
        )
        url = _str(params, "url", required=True)
        _check_url(url, "url")
        events = _enabled_events(params, required=True)
        endpoint_id = _new_id("we")
        secret = "whsec_" + _new_id("x", 32)[2:]
        endpoint: JSON = {
            "id": endpoint_id,
            "object": "webhook_endpoint",
            "api_version": _str(params, "api_version"),
            "application": None,
            "created": int(time.time()),
            "description": _str(params, "description"),
            "enabled_events": events,
            "livemode": livemode,
            "metadata": _metadata(params),
            "status": "enabled",
            "url": url,
        }
        self.put(endpoint)
        self._secrets[endpoint_id] = secret
        return 200, {**copy.deepcopy(endpoint), "secret": secret}

    def _list_webhook_endpoints(self, params: JSON, _livemode: bool) -> tuple[int, JSON]:
        _check_params(params, _LIST_PARAMS)
        return self._list("webhook_endpoint", "/v1/webhook_endpoints", params)

    def _update_webhook_endpoint(
        self, params: JSON, _livemode: bool, endpoint_id: str
    ) -> tuple[int, JSON]:
        _check_params(params, {"url", "enabled_events", "description", "metadata", "disabled"})
        endpoint = self._bucket("webhook_endpoint").get(endpoint_id)
        if endpoint is None:
            raise _missing("webhook endpoint", endpoint_id)
        if "url" in params:
            url = _str(params, "url", required=True)
            _check_url(url, "url")
            endpoint["url"] = url
        if "enabled_events" in params:
            endpoint["enabled_events"] = _enabled_events(params, required=True)
        if "description" in params:
            endpoint["description"] = _str(params, "description")
        disabled = _bool(params, "disabled")
        if disabled is not None:
            endpoint["status"] = "disabled" if disabled else "enabled"
        endpoint["metadata"] = _metadata(params, old=endpoint.get("metadata"))
        return 200, copy.deepcopy(endpoint)

    def _delete_webhook_endpoint(
        self, params: JSON, _livemode: bool, endpoint_id: str
    ) -> tuple[int, JSON]:
        _check_params(params, set())
        if self._bucket("webhook_endpoint").pop(endpoint_id, None) is None:
            raise _missing("webhook endpoint", endpoint_id)
        self._secrets.pop(endpoint_id, None)
        return 200, {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


def _ref(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _index_of(items: list[JSON], object_id: str, param: str, object_type: str) -> int:
    for index, item in enumerate(items):
        if item["id"] == object_id:
            return index
    raise _invalid(
        f"No such {object_type.replace('_', ' ')}: '{object_id}'",
        param=param,
        code="resource_missing",
    )


def _check_nested(params: Mapping[str, Any], name: str, allowed: set[str]) -> None:
    value = params.get(name)
    if not isinstance(value, dict):
        raise _invalid("Invalid object", param=name)
    for key in value:
        if key not in allowed:
            raise _invalid(f"Received unknown parameter: {name}[{key}]", param=f"{name}[{key}]")
    _metadata(value, "metadata")


def _enabled_events(params: Mapping[str, Any], *, required: bool) -> list[str]:
    raw = params.get("enabled_events")
    if raw is None:
        if required:
            raise _invalid(
                "Missing required param: enabled_events.",
                param="enabled_events",
                code="parameter_missing",
            )
        return []
    if not isinstance(raw, list) or not raw:
        raise _invalid("Invalid array", param="enabled_events")
    for index, value in enumerate(raw):
        if not isinstance(value, str) or not _EVENT_TYPE_RE.match(value):
            raise _invalid(
                f"Invalid enabled_events[{index}]: must be an event type or '*'",
                param=f"enabled_events[{index}]",
            )
    return [str(v) for v in raw]


def _api_key(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    return None


class _Handler(BaseHTTPRequestHandler):
    owner: StripeStandIn
    protocol_version = "HTTP/1.1"
    server_version = "stripe-standin"
    sys_version = ""

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.owner.handle(method, self.path, dict(self.headers), body)
        if payload is None:
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is `StripeStandIn.requests`."""
