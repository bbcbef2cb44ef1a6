"""Operator commands that talk to Stripe: `pgpay keys set` and `pgpay webhooks configure|status`.

Also the pieces `pgpay catalog`, `pgpay sync` and `pgpay backfill` share with them: the Stripe
client for an environment, Stripe errors as one-line messages, and the `payments.connections`
row (account, key fingerprint, webhook endpoint, last sync/backfill; never a secret).

Secrets (API keys, signing secrets) go to Stripe or to the owner-only `.pgpay/secrets.json` and
nowhere else: every message that could quote one goes through `redact`.
"""

from __future__ import annotations

import getpass
import logging
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TextIO, cast
from urllib.parse import urlsplit

import psycopg
import stripe
from psycopg.rows import DictRow

from pgpay.config import Environment, Settings, check_key_prefix, fingerprint
from pgpay.db import connect, one_line
from pgpay.errors import ConfigError, PgpayError
from pgpay.stripe_client import API_VERSION, client_for, redact

PINNED_API_VERSION = API_VERSION
"""The Stripe API version the managed webhook endpoint is created with: the one pgpay's client
pins (`pgpay.stripe_client.API_VERSION`), so webhook events, listed objects (sync) and fetched
events (backfill) all come in a shape the ingestor reads (it also reads the pre-2025-03-31 one)."""

MANAGED_METADATA_KEY = "pgpay_managed"
ENVIRONMENT_METADATA_KEY = "pgpay_environment"

_KEY_CHARACTERS = re.compile(r"[A-Za-z0-9_]+")


def plain_json(obj: stripe.StripeObject) -> dict[str, Any]:
    """A Stripe object as the JSON Stripe sent: `to_dict()`, with the decimal strings the library
    turns into `Decimal` (e.g. `unit_amount_decimal`) turned back into the same strings."""

    def convert(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    result: dict[str, Any] = convert(obj.to_dict())
    return result


# ------------------------------------------------------------------------------------ Stripe


def stripe_client(
    settings: Settings, environment: Environment, key: str | None = None
) -> stripe.StripeClient:
    """The environment's Stripe client (`pgpay.stripe_client.client_for`), with `key` instead of
    the configured one when given (`keys set` checks a key before storing it). The library's
    per-request INFO lines are silenced: a command prints its own summary."""
    logging.getLogger("stripe").setLevel(logging.WARNING)
    if key is not None:
        variable = f"STRIPE_{environment.upper()}_SECRET_KEY"
        settings = replace(settings, env={**settings.env, variable: key})
    return client_for(settings, environment)


def stripe_failure(exc: stripe.StripeError, doing: str, environment: str) -> PgpayError:
    """A Stripe error as a one-line PgpayError: what failed, why, what to do. Never a secret."""
    detail = redact(one_line(exc))
    upper = environment.upper()
    if isinstance(exc, stripe.AuthenticationError):
        return ConfigError(
            f"{doing}: Stripe rejected the {environment} API key ({detail}); set a valid key "
            f"with pgpay keys set --environment {environment} or STRIPE_{upper}_SECRET_KEY"
        )
    if isinstance(exc, stripe.PermissionError):
        return ConfigError(
            f"{doing}: the {environment} API key lacks a permission ({detail}); use a secret "
            "key or grant the restricted key that permission in the Stripe dashboard"
        )
    if isinstance(exc, stripe.RateLimitError):
        return PgpayError(f"{doing}: Stripe is rate limiting this account ({detail}); try later")
    if isinstance(exc, stripe.APIConnectionError):
        return PgpayError(
            f"{doing}: cannot reach Stripe ({detail}); check the network or STRIPE_API_BASE"
        )
    status = f"HTTP {exc.http_status}: " if exc.http_status else ""
    return PgpayError(f"{doing}: Stripe answered an error ({status}{detail})")


def handled_event_types(conn: psycopg.Connection[DictRow]) -> list[str]:
    """The event types pgpay projects, from the database (what the managed endpoint receives)."""
    try:
        row = conn.execute("SELECT payments.handled_event_types() AS types").fetchone()
    except psycopg.errors.UndefinedFunction:
        raise PgpayError(
            "payments.handled_event_types does not exist in this database; run: pgpay migrate"
        ) from None
    return list(row["types"]) if row else []


# ------------------------------------------------------------------------------- connections

_CONNECTION_SQL = """
SELECT stripe_account_id, key_fingerprint, key_kind, key_checked_at, webhook_endpoint_id,
    webhook_url, webhook_api_version, webhook_secret_fingerprint, last_sync_at, last_backfill_at
FROM payments.connections WHERE environment = %s
"""
_RECORD_KEY_SQL = """
INSERT INTO payments.connections AS c
    (environment, stripe_account_id, key_fingerprint, key_kind, key_checked_at)
VALUES (%(environment)s, %(account)s, %(fingerprint)s, %(kind)s, now())
ON CONFLICT (environment) DO UPDATE SET
    stripe_account_id = coalesce(excluded.stripe_account_id, c.stripe_account_id),
    key_fingerprint = excluded.key_fingerprint,
    key_kind = excluded.key_kind,
    key_checked_at = excluded.key_checked_at
"""
_RECORD_WEBHOOK_SQL = """
INSERT INTO payments.connections AS c
    (environment, webhook_endpoint_id, webhook_url, webhook_api_version, webhook_secret_fingerprint)
VALUES (%(environment)s, %(endpoint)s, %(url)s, %(api_version)s, %(secret_fingerprint)s)
ON CONFLICT (environment) DO UPDATE SET
    webhook_endpoint_id = excluded.webhook_endpoint_id,
    webhook_url = excluded.webhook_url,
    webhook_api_version = excluded.webhook_api_version,
    webhook_secret_fingerprint = excluded.webhook_secret_fingerprint
"""
_RECORD_SYNC_SQL = """
INSERT INTO payments.connections AS c (environment, last_sync_at) VALUES (%s, now())
ON CONFLICT (environment) DO UPDATE SET last_sync_at = excluded.last_sync_at
"""
_RECORD_BACKFILL_SQL = """
INSERT INTO payments.connections AS c (environment, last_backfill_at) VALUES (%s, now())
ON CONFLICT (environment) DO UPDATE SET last_backfill_at = excluded.last_backfill_at
"""


def connection_row(conn: psycopg.Connection[DictRow], environment: str) -> dict[str, Any]:
    """The environment's `payments.connections` row (empty when there is none yet)."""
    try:
        row = conn.execute(_CONNECTION_SQL, (environment,)).fetchone()
    except psycopg.errors.UndefinedTable:
        raise PgpayError(
            "payments.connections does not exist in this database; run: pgpay migrate"
        ) from None
    return dict(row) if row else {}


def record_sync(url: str, environment: str) -> None:
    with connect(url) as conn:
        conn.execute(_RECORD_SYNC_SQL, (environment,))


def record_backfill(url: str, environment: str) -> None:
    with connect(url) as conn:
        conn.execute(_RECORD_BACKFILL_SQL, (environment,))


def check_account(
    client: stripe.StripeClient, conn: psycopg.Connection[DictRow], environment: str
) -> None:
    """Refuse a key of another Stripe account than the one `pgpay keys set` recorded.

    Sync and backfill write that account's objects into the environment's mirror; mixing two
    accounts there would be silent corruption. Nothing is checked when no account is recorded,
    or when a restricted key may not read the account.
    """
    recorded = connection_row(conn, environment).get("stripe_account_id")
    if not recorded:
        return
    try:
        account = client.v1.accounts.retrieve_current()
    except stripe.PermissionError:
        return
    except stripe.StripeError as exc:
        raise stripe_failure(exc, "checking the Stripe account", environment) from None
    if account.id != recorded:
        raise ConfigError(
            f"the {environment} API key belongs to Stripe account {account.id}, but pgpay's "
            f"{environment} data comes from {recorded}; use that account's key, or record the "
            f"new account with pgpay keys set --environment {environment}"
        )


# ------------------------------------------------------------------------------- keys set


def key_kind(key: str) -> str:
    return "restricted" if key.startswith("rk_") else "secret"


def read_key(stdin: TextIO, environment: str) -> str:
    """The key from standard input: a hidden prompt on a terminal, else the one line piped in."""
    if stdin.isatty():
        text = getpass.getpass(f"Stripe {environment} API key (input hidden): ")
    else:
        text = stdin.read()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ConfigError(
            f"no key on standard input: pipe it in, e.g. "
            f"pgpay keys set --environment {environment} < key.txt"
        )
    if len(lines) > 1:
        raise ConfigError("standard input holds more than one line: give only the key")
    key = lines[0]
    if not _KEY_CHARACTERS.fullmatch(key):
        raise ConfigError(
            "the key holds characters a Stripe key never has (spaces, quotes?): give only the key"
        )
    return key


@dataclass
class KeyResult:
    account_id: str | None
    fingerprint: str
    kind: str
    path: str
    notes: list[str] = field(default_factory=list)


def set_key(settings: Settings, url: str, environment: Environment, key: str) -> KeyResult:
    """Check `key` (prefix, then Stripe: whose account), then store it; nothing stored on error.

    The key goes to the owner-only secrets file; `payments.connections` gets the account id, the
    fingerprint and the kind, in the same transaction (the file is written before the commit).
    """
    if key.startswith(("pk_test_", "pk_live_")):
        raise ConfigError(
            "that is a publishable key (pk_…); pgpay needs a secret (sk_…) or restricted (rk_…) key"
        )
    check_key_prefix(environment, key)
    notes: list[str] = []
    client = stripe_client(settings, environment, key)
    account_id: str | None
    try:
        account_id = client.v1.accounts.retrieve_current().id
    except stripe.AuthenticationError as exc:
        raise ConfigError(
            f"Stripe rejected this key ({redact(one_line(exc))}); copy the whole key from the "
            "Stripe dashboard (Developers > API keys) and try again; nothing was stored"
        ) from None
    except stripe.PermissionError:
        account_id = None  # authenticated: a restricted key without the account permission
        notes.append(
            "the key is valid but may not read the account, so its account id is not recorded"
        )
    except stripe.StripeError as exc:
        failure = stripe_failure(exc, "checking the key with Stripe", environment)
        raise PgpayError(f"{failure.message}; nothing was stored") from None
    with connect(url) as conn, conn.transaction():
        previous = connection_row(conn, environment).get("stripe_account_id")
        if account_id and previous and previous != account_id:
            notes.append(
                f"pgpay's {environment} data so far came from Stripe account {previous}; "
                f"this key belongs to {account_id}"
            )
        conn.execute(
            _RECORD_KEY_SQL,
            {
                "environment": environment,
                "account": account_id,
                "fingerprint": fingerprint(key),
                "kind": key_kind(key),
            },
        )
        settings.secrets.set(environment, "secret_key", key)
    variable = f"STRIPE_{environment.upper()}_SECRET_KEY"
    if settings.env.get(variable):
        notes.append(f"{variable} is set and takes precedence over the stored key")
    return KeyResult(account_id, fingerprint(key), key_kind(key), str(settings.secrets.path), notes)


# ------------------------------------------------------------------------------- webhooks


def check_endpoint_url(environment: str, url: str) -> list[str]:
    """Refuse a URL Stripe could not deliver to; return warnings for likely mistakes."""
    parts = urlsplit(url)
    allowed = ("https",) if environment == "live" else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        need = "an https://" if environment == "live" else "an http(s)://"
        raise ConfigError(
            f"--url must be {need} URL Stripe can reach, e.g. "
            f"https://example.com/webhooks/stripe/{environment}"
        )
    if parts.username or parts.password:
        raise ConfigError("--url must not carry a user name or password")
    warnings = []
    if not parts.path.rstrip("/").endswith(f"/webhooks/stripe/{environment}"):
        warnings.append(
            f"pgpay serves this environment's webhooks at /webhooks/stripe/{environment}; "
            f"make sure {url} reaches it"
        )
    return warnings


def _is_managed(endpoint: dict[str, Any], environment: str) -> bool:
    metadata = endpoint.get("metadata") or {}
    return (
        metadata.get(MANAGED_METADATA_KEY) == "true"
        and metadata.get(ENVIRONMENT_METADATA_KEY) == environment
    )


def _find_managed(
    client: stripe.StripeClient, environment: str, recorded_id: str | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """The managed endpoint (the recorded one, else the one tagged in metadata) and any others."""
    found: dict[str, Any] | None = None
    if recorded_id:
        try:
            found = plain_json(client.v1.webhook_endpoints.retrieve(recorded_id))
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise
    listed = client.v1.webhook_endpoints.list({"limit": 100}).auto_paging_iter()
    tagged = [e for e in map(plain_json, listed) if _is_managed(e, environment)]
    if found is None and tagged:
        found = tagged[0]
    others = [e["id"] for e in tagged if found is None or e["id"] != found["id"]]
    return found, others


@dataclass
class WebhookResult:
    action: str
    """`created` or `updated`."""
    endpoint_id: str
    url: str
    enabled_events: int
    api_version: str | None
    secret_fingerprint: str | None
    secret_path: str
    notes: list[str] = field(default_factory=list)


def configure_webhook(
    settings: Settings, url: str, environment: Environment, endpoint_url: str
) -> WebhookResult:
    """Create, or update in place, the one pgpay-managed webhook endpoint of an environment.

    The endpoint is found by the id recorded in `payments.connections`, else by its metadata
    (`pgpay_managed=true`, `pgpay_environment`), so running this again never makes a second one.
    It subscribes to exactly `payments.handled_event_types()`. A new endpoint gets
    PINNED_API_VERSION and its signing secret (Stripe shows it only then) is stored at once in
    the owner-only secrets file, with the endpoint id it belongs to.
    """
    notes = check_endpoint_url(environment, endpoint_url)
    client = stripe_client(settings, environment)
    metadata = {MANAGED_METADATA_KEY: "true", ENVIRONMENT_METADATA_KEY: environment}
    description = f"pgpay ({environment}): managed by pgpay webhooks configure"
    with connect(url) as conn:
        events = handled_event_types(conn)
        recorded = connection_row(conn, environment)
    store = settings.secrets
    try:
        existing, others = _find_managed(client, environment, recorded.get("webhook_endpoint_id"))
        if existing is None:
            created = client.v1.webhook_endpoints.create(
                {
                    "url": endpoint_url,
                    "enabled_events": cast(Any, events),
                    "api_version": cast(Any, PINNED_API_VERSION),
                    "metadata": metadata,
                    "description": description,
                }
            )
            endpoint = plain_json(created)
            action = "created"
            secret = endpoint.get("secret")
            if not isinstance(secret, str) or not secret:
                raise PgpayError(
                    f"Stripe created endpoint {endpoint['id']} but returned no signing secret; "
                    "delete it in the Stripe dashboard and run this again"
                )
            store.set(environment, "webhook_secret", secret)
            store.set(environment, "webhook_endpoint_id", endpoint["id"])
        else:
            updated = client.v1.webhook_endpoints.update(
                existing["id"],
                {
                    "url": endpoint_url,
                    "enabled_events": cast(Any, events),
                    "metadata": metadata,
                    "description": description,
                    "disabled": False,
                },
            )
            endpoint = plain_json(updated)
            action = "updated"
    except stripe.StripeError as exc:
        raise stripe_failure(exc, "configuring the webhook endpoint", environment) from None

    secret_fingerprint: str | None = None
    stored_secret = store.get(environment, "webhook_secret")
    if (
        isinstance(stored_secret, str)
        and store.get(environment, "webhook_endpoint_id") == endpoint["id"]
    ):
        secret_fingerprint = fingerprint(stored_secret)
    else:
        notes.append(
            f"no signing secret is stored for endpoint {endpoint['id']} (Stripe shows it only when "
            f"an endpoint is created): copy it from the Stripe dashboard into "
            f"STRIPE_{environment.upper()}_WEBHOOK_SECRET, or delete the endpoint there and run "
            "this again"
        )
    if endpoint.get("api_version") != PINNED_API_VERSION:
        notes.append(
            f"endpoint {endpoint['id']} sends events in API version "
            f"{endpoint.get('api_version') or 'of the account default'}, not {PINNED_API_VERSION}; "
            "Stripe cannot change an endpoint's version: delete it in the Stripe dashboard and "
            "run this again to get a pinned one"
        )
    if others:
        notes.append(
            f"other pgpay-managed {environment} endpoints exist ({', '.join(others)}); they "
            "deliver the same events twice (harmless, deduplicated): delete them in the Stripe "
            "dashboard"
        )
    with connect(url) as conn:
        conn.execute(
            _RECORD_WEBHOOK_SQL,
            {
                "environment": environment,
                "endpoint": endpoint["id"],
                "url": endpoint.get("url"),
                "api_version": endpoint.get("api_version"),
                "secret_fingerprint": secret_fingerprint,
            },
        )
    return WebhookResult(
        action=action,
        endpoint_id=endpoint["id"],
        url=str(endpoint.get("url")),
        enabled_events=len(endpoint.get("enabled_events") or []),
        api_version=endpoint.get("api_version"),
        secret_fingerprint=secret_fingerprint,
        secret_path=str(store.path),
        notes=notes,
    )


def render_webhook_result(result: WebhookResult, environment: str) -> str:
    lines = [
        f"{result.action} the pgpay-managed {environment} webhook endpoint {result.endpoint_id}",
        f"  url:            {result.url}",
        f"  enabled events: {result.enabled_events} (the types pgpay handles)",
        f"  API version:    {result.api_version or '(account default)'}",
    ]
    if result.secret_fingerprint:
        lines.append(
            f"  signing secret: stored in {result.secret_path} "
            f"(fingerprint {result.secret_fingerprint})"
        )
    else:
        lines.append("  signing secret: not stored (see the note below)")
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def webhook_status(settings: Settings, url: str, environment: Environment) -> dict[str, Any]:
    """The managed endpoint as recorded, and as Stripe sees it now when a key is configured."""
    with connect(url) as conn:
        handled = handled_event_types(conn)
        recorded = connection_row(conn, environment)
    endpoint_id = recorded.get("webhook_endpoint_id")
    available = settings.webhook_secrets(environment)
    report: dict[str, Any] = {
        "environment": environment,
        "configured": bool(endpoint_id),
        "endpoint_id": endpoint_id,
        "url": recorded.get("webhook_url"),
        "api_version": recorded.get("webhook_api_version"),
        "secret_fingerprint": recorded.get("webhook_secret_fingerprint"),
        "signing_secrets_available": [fingerprint(s) for s in available],
        "handled_event_types": len(handled),
        "stripe": None,
        "stripe_error": None,
    }
    if not endpoint_id:
        return report
    try:
        client = stripe_client(settings, environment)
    except ConfigError as exc:
        report["stripe_error"] = exc.message
        return report
    try:
        endpoint = plain_json(client.v1.webhook_endpoints.retrieve(endpoint_id))
    except stripe.StripeError as exc:
        gone = isinstance(exc, stripe.InvalidRequestError) and exc.http_status == 404
        report["stripe_error"] = (
            f"endpoint {endpoint_id} no longer exists at Stripe: run pgpay webhooks configure"
            if gone
            else stripe_failure(exc, "reading the endpoint", environment).message
        )
        return report
    enabled = list(endpoint.get("enabled_events") or [])
    report["stripe"] = {
        "url": endpoint.get("url"),
        "status": endpoint.get("status"),
        "api_version": endpoint.get("api_version"),
        "enabled_events": len(enabled),
        "missing_event_types": sorted(set(handled) - set(enabled)),
        "extra_event_types": sorted(set(enabled) - set(handled)),
    }
    return report


def render_webhook_status(report: dict[str, Any]) -> str:
    environment = report["environment"]
    if not report["configured"]:
        return (
            f"no pgpay-managed {environment} webhook endpoint: run pgpay webhooks configure "
            f"--environment {environment} --url https://<your host>/webhooks/stripe/{environment}"
        )
    live = report["stripe"]
    lines = [f"{environment} webhook endpoint {report['endpoint_id']}"]
    if live:
        lines += [
            f"  url:            {live['url']}",
            f"  status:         {live['status']}",
            f"  enabled events: {live['enabled_events']} "
            f"(pgpay handles {report['handled_event_types']})",
            f"  API version:    {live['api_version'] or '(account default)'}",
        ]
        if live["missing_event_types"] or live["extra_event_types"]:
            lines.append(
                f"  drift:          missing {', '.join(live['missing_event_types']) or 'none'}; "
                f"extra {', '.join(live['extra_event_types']) or 'none'} "
                f"(run pgpay webhooks configure --environment {environment} --url …)"
            )
    else:
        lines += [
            f"  url:            {report['url']} (as recorded)",
            f"  API version:    {report['api_version'] or '(account default)'} (as recorded)",
            f"  Stripe:         not checked: {report['stripe_error']}",
        ]
    secret = report["secret_fingerprint"]
    lines.append(
        f"  signing secret: fingerprint {secret}" if secret else "  signing secret: none stored"
    )
    available = report["signing_secrets_available"]
    lines.append(
        f"  verifying with: {len(available)} secret(s) {' '.join(available)}"
        if available
        else "  verifying with: no signing secret: deliveries will be refused"
    )
    return "\n".join(lines)
