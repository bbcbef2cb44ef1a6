"""The Stripe client for an environment, and Stripe errors as answers a caller can act on.

Shared by the runtime routes and the operator commands; the whole API is:

- `api_key(settings, environment)`: the environment's key (variable first, then the stored one),
  or `ConfigError` when live is not enabled (``PGPAY_ALLOW_LIVE=1``), no key is configured, or
  the key's prefix belongs to the other environment.
- `client_for(settings, environment)`: a `stripe.StripeClient` for that key, pinned to
  `API_VERSION`, sent to ``STRIPE_API_BASE`` when set, with `NETWORK_RETRIES` retries and a
  `TIMEOUT_SECONDS` timeout. Its calls block: run them in a worker thread from async code.
- `describe_failure(exc)`: any exception raised by a Stripe call as a `StripeFailure` (HTTP
  status, error code, one-line message without secrets): rate limit 429, card error 402, a key
  Stripe rejects (authentication, permission) 502 with "the server's Stripe key is
  misconfigured", anything else, the network included, 502.
- `idempotency_key(environment, kind, *parts)`: a stable Stripe ``Idempotency-Key`` derived from
  its parts (hashed, so nothing a caller sent is repeated verbatim).
- `kept_under_key(exc)`: whether Stripe keeps a failure under the request's idempotency key (and
  would replay it to a retry with the same key for 24 hours).
- `redact(text)`: `text` with anything shaped like a Stripe key or signing secret cut to its
  prefix. The ``stripe`` library's own logger is given a filter doing the same, so its debug
  lines (request parameters, response bodies such as a webhook endpoint's ``secret``) never
  carry a secret either.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import stripe

from pgpay.config import Environment, Settings
from pgpay.errors import ConfigError

__all__ = [
    "API_VERSION",
    "NETWORK_RETRIES",
    "TIMEOUT_SECONDS",
    "StripeFailure",
    "api_key",
    "client_for",
    "describe_failure",
    "idempotency_key",
    "kept_under_key",
    "redact",
]

API_VERSION = "2025-03-31.basil"
"""The Stripe API version pgpay pins: objects come in a shape the ingestor reads."""
NETWORK_RETRIES = 2
"""Retries the library makes for connection errors, 409 and 5xx (same idempotency key)."""
TIMEOUT_SECONDS = 30.0
"""How long one Stripe request may take before it counts as a network failure."""

_SECRET_RE = re.compile(r"\b((?:sk|rk|pk)_(?:test|live)_|whsec_)[A-Za-z0-9_*]+")


def redact(text: str) -> str:
    """`text` with every Stripe key or signing secret cut to its prefix (``sk_test_…``)."""
    return _SECRET_RE.sub(lambda m: f"{m.group(1)}…", text)


class _RedactSecrets(logging.Filter):
    """Rewrites records of the ``stripe`` logger so that no secret reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_stripe_logger = logging.getLogger("stripe")
if not any(isinstance(f, _RedactSecrets) for f in _stripe_logger.filters):
    _stripe_logger.addFilter(_RedactSecrets())


def api_key(settings: Settings, environment: Environment) -> str:
    """The API key for `environment`, or ConfigError naming the fix. Never printed."""
    if not settings.environment_enabled(environment):
        raise ConfigError(
            f"the {environment} environment is disabled: set PGPAY_ALLOW_LIVE=1 to use it"
        )
    key = settings.secret_key(environment)  # raises ConfigError on a wrong prefix
    if key is None:
        upper = environment.upper()
        raise ConfigError(
            f"no Stripe API key for {environment!r}: set STRIPE_{upper}_SECRET_KEY or run "
            f"pgpay keys set --environment {environment}"
        )
    return key


def client_for(
    settings: Settings,
    environment: Environment,
    *,
    max_network_retries: int = NETWORK_RETRIES,
    timeout: float = TIMEOUT_SECONDS,
) -> stripe.StripeClient:
    """A Stripe client for `environment` (see `api_key` for the ConfigErrors it raises)."""
    key = api_key(settings, environment)
    base = {"api": settings.api_base} if settings.api_base else None
    return stripe.StripeClient(
        key,
        stripe_version=API_VERSION,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


@dataclass(frozen=True)
class StripeFailure:
    """A failed Stripe call as pgpay answers it: never contains a secret."""

    status: int
    """The HTTP status pgpay answers with: 429, 402 or 502."""
    code: str
    """pgpay's error code: stripe_rate_limited, stripe_card_error, stripe_key_misconfigured,
    stripe_unreachable or stripe_error."""
    message: str
    """One line for the caller: what happened and what to do."""
    stripe_code: str | None = None
    """Stripe's own error code (e.g. card_declined, resource_missing), when it gave one."""
    request_id: str | None = None
    """Stripe's request id, for the operator's logs."""

    def for_log(self) -> str:
        """The failure in one log line: message, pgpay code, Stripe's code and request id."""
        return (
            f"{self.message} [{self.code}, stripe code {self.stripe_code}, "
            f"request {self.request_id}]"
        )


def describe_failure(exc: BaseException) -> StripeFailure:
    """Map an exception raised by a Stripe call to the answer pgpay gives."""
    if not isinstance(exc, stripe.StripeError):
        return StripeFailure(
            502, "stripe_error", f"the Stripe call failed unexpectedly ({type(exc).__name__})"
        )
    detail = redact(" ".join(str(exc.user_message or "").split())) or type(exc).__name__
    code = exc.code if isinstance(exc.code, str) else None
    request_id = exc.request_id if isinstance(exc.request_id, str) else None
    if isinstance(exc, stripe.RateLimitError):
        return StripeFailure(
            429,
            "stripe_rate_limited",
            "Stripe is rate limiting this account; retry in a few seconds",
            code,
            request_id,
        )
    if isinstance(exc, stripe.CardError):
        return StripeFailure(
            402, "stripe_card_error", f"the card was declined: {detail}", code, request_id
        )
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        return StripeFailure(
            502,
            "stripe_key_misconfigured",
            "the server's Stripe key is misconfigured (Stripe refused it); "
            "the operator must set a valid key for this environment",
            code,
            request_id,
        )
    if isinstance(exc, stripe.APIConnectionError):
        return StripeFailure(
            502,
            "stripe_unreachable",
            "Stripe could not be reached; retry later",
            code,
            request_id,
        )
    if isinstance(exc, stripe.InvalidRequestError):
        param = f" (parameter {exc.param})" if isinstance(exc.param, str) and exc.param else ""
        return StripeFailure(
            502,
            "stripe_invalid_request",
            f"Stripe refused the request: {detail}{param}",
            code,
            request_id,
        )
    status = f" (HTTP {exc.http_status})" if exc.http_status else ""
    return StripeFailure(
        502, "stripe_error", f"Stripe answered an error{status}: {detail}", code, request_id
    )


def idempotency_key(environment: Environment, kind: str, *parts: str) -> str:
    """``pgpay-<environment>-<kind>-<digest of parts>``: the same parts, the same key."""
    digest = hashlib.sha256("\x1f".join((environment, kind, *parts)).encode()).hexdigest()
    return f"pgpay-{environment}-{kind}-{digest[:40]}"


def kept_under_key(exc: BaseException) -> bool:
    """Whether Stripe keeps this failure under the request's idempotency key and replays it to a
    retry with the same key for 24 hours: an error Stripe's API itself answered (it carries a
    ``Request-Id``) once the endpoint began, a 500 or a card error (402). A retry after it needs
    a new key, or it fails for a day. The price: Stripe calls a 500's outcome indeterminate, so in
    rare cases the first object exists after all and stays unused (an open session that expires,
    a customer without a mapping). Anything else keeps the key: refusals before the endpoint runs
    (invalid parameters, keys, rate limits, an idempotency conflict) are not kept, and a request
    without Stripe's answer (a lost connection, a 502/503/504 from a proxy) may have succeeded."""
    if not isinstance(exc, stripe.StripeError) or isinstance(exc, stripe.IdempotencyError):
        return False
    return exc.http_status in (500, 402) and bool(exc.request_id)
