"""`pgpay keys set` and `pgpay webhooks configure|status`: secrets stay server-side.

A key comes from standard input only, is checked (prefix, then Stripe: whose account) and lands
in the owner-only `.pgpay/secrets.json`; `payments.connections` records account, fingerprint and
kind, never the key. The managed webhook endpoint is one per environment, subscribed to exactly
`payments.handled_event_types()`, and its signing secret is stored the same way.
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
import stripe

from pgpay.admin import PINNED_API_VERSION
from pgpay.config import fingerprint
from pgpay.testing.stripe_api import StripeStandIn
from tests.admin import admin_env, assert_one_line_error, pgpay_ok
from tests.conftest import run_pgpay

Conn = psycopg.Connection[Any]
HOOK_URL = "https://billing.example.com/webhooks/stripe/test"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / ".pgpay"


@pytest.fixture
def env(pgpay_database_url: str, pgpay_stripe: StripeStandIn, home: Path) -> dict[str, str]:
    """No key in the environment: `keys set` is how it gets one."""
    return admin_env(pgpay_database_url, pgpay_stripe, home, key=None)


@pytest.fixture
def keyed_env(pgpay_database_url: str, pgpay_stripe: StripeStandIn, home: Path) -> dict[str, str]:
    return admin_env(pgpay_database_url, pgpay_stripe, home)


def secrets_file(home: Path) -> dict[str, Any]:
    path = home / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def connection(db: Conn, environment: str = "test") -> dict[str, Any] | None:
    row = db.execute(
        "SELECT * FROM payments.connections WHERE environment = %s", (environment,)
    ).fetchone()
    return dict(row) if row else None


def database_text(db: Conn) -> str:
    """Everything pgpay keeps about connections and events, as text (to look for secrets)."""
    rows = db.execute(
        "SELECT (SELECT coalesce(json_agg(c), '[]')::text FROM payments.connections AS c) "
        "|| (SELECT coalesce(json_agg(w), '[]')::text FROM payments.webhook_events AS w) AS t"
    ).fetchone()
    assert rows is not None
    return str(rows["t"])


def assert_nothing_stored(home: Path, db: Conn) -> None:
    assert not (home / "secrets.json").exists()
    assert connection(db) is None


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# ------------------------------------------------------------------------------------ keys


def test_keys_set_checks_the_key_with_stripe_and_stores_it_owner_only(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    key = pgpay_stripe.api_key

    result = run_pgpay("keys", "set", "--environment", "test", env=env, input=key + "\n")

    assert result.returncode == 0, result.stderr
    assert key not in output(result)
    assert pgpay_stripe.account["id"] in result.stdout
    assert fingerprint(key) in result.stdout
    assert secrets_file(home) == {"test": {"secret_key": key}}
    row = connection(pgpay_db)
    assert row is not None
    assert row["stripe_account_id"] == pgpay_stripe.account["id"]
    assert (row["key_fingerprint"], row["key_kind"]) == (fingerprint(key), "secret")
    assert row["key_checked_at"] is not None
    assert key not in database_text(pgpay_db)
    check = pgpay_stripe.last("GET", "/v1/account")
    assert check.api_key == key and check.status == 200

    # The stored key is the one later commands use (no variable set).
    pgpay_stripe.add_product("Stored-key product")
    pgpay_ok("catalog", "sync", env=env)
    assert pgpay_stripe.last("GET", "/v1/products").api_key == key


def test_sync_and_backfill_refuse_a_key_of_another_account(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    pgpay_ok("keys", "set", env=env, input=pgpay_stripe.api_key)
    recorded = pgpay_stripe.account["id"]
    pgpay_stripe.add_product("Someone else's product")
    pgpay_stripe.account["id"] = "acct_1SomeoneElse000"  # the key now answers for another account

    for command in (["sync"], ["catalog", "sync"], ["backfill"]):
        result = run_pgpay(*command, env=env)
        assert_one_line_error(result, "acct_1SomeoneElse000", recorded)
    assert pgpay_stripe.count("GET", "/v1/products") == 0
    assert pgpay_stripe.count("GET", "/v1/events") == 0
    assert pgpay_db.execute("SELECT count(*) AS n FROM payments.products").fetchone() == {"n": 0}


def test_a_restricted_key_without_account_access_is_stored_with_the_account_unknown(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    key = "rk_test_pgpayRestricted000000000000000000"
    pgpay_stripe.api_keys.add(key)
    pgpay_stripe.fail_next("/v1/account", error_type="permission_error")

    out = pgpay_ok("keys", "set", env=env, input=key)

    assert "account unknown" in out and "may not read the account" in out
    assert key not in out
    assert secrets_file(home)["test"]["secret_key"] == key
    row = connection(pgpay_db)
    assert row is not None
    assert (row["stripe_account_id"], row["key_kind"]) == (None, "restricted")


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("sk_live_pgpayStandIn0000000000000000000000", "must start with sk_test_ or rk_test_"),
        ("pk_test_pgpayPublishable00000000000000000", "publishable key"),
        ("sk_test_with space", "characters a Stripe key never has"),
        ("", "no key on standard input"),
        ("sk_test_one\nsk_test_two", "more than one line"),
    ],
)
def test_keys_set_refuses_a_malformed_key_before_stripe(
    env: dict[str, str],
    home: Path,
    pgpay_stripe: StripeStandIn,
    pgpay_db: Conn,
    key: str,
    needle: str,
) -> None:
    result = run_pgpay("keys", "set", "--environment", "test", env=env, input=key)

    line = assert_one_line_error(result, needle)
    assert result.returncode == 2
    for part in key.split():
        if len(part) > 12:
            assert part not in output(result), line
    assert pgpay_stripe.requests == []
    assert_nothing_stored(home, pgpay_db)


def test_keys_set_refuses_a_key_stripe_rejects(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    key = "sk_test_pgpayRevokedKey11111111111111111"

    result = run_pgpay("keys", "set", env=env, input=key)

    assert_one_line_error(result, "Stripe rejected this key", "nothing was stored")
    assert "RevokedKey" not in output(result)
    assert pgpay_stripe.last("GET", "/v1/account").status == 401
    assert_nothing_stored(home, pgpay_db)


def test_keys_set_refuses_a_key_on_the_command_line(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    key = pgpay_stripe.api_key

    result = run_pgpay("keys", "set", "--environment", "test", key, env=env, input=key)

    assert_one_line_error(result, "read from standard input only")
    assert key not in output(result)
    assert pgpay_stripe.requests == []
    assert_nothing_stored(home, pgpay_db)


def test_keys_set_for_live_needs_approval(
    env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    key = pgpay_stripe.live_api_key

    refused = run_pgpay("keys", "set", "--environment", "live", env=env, input=key)

    assert_one_line_error(refused, "PGPAY_ALLOW_LIVE=1")
    assert_nothing_stored(home, pgpay_db)

    approved = run_pgpay(
        "keys", "set", "--environment", "live", env={**env, "PGPAY_ALLOW_LIVE": "1"}, input=key
    )
    assert approved.returncode == 0, approved.stderr
    assert secrets_file(home) == {"live": {"secret_key": key}}
    assert connection(pgpay_db, "live") is not None


# ------------------------------------------------------------------------------------ webhooks


def handled_types(db: Conn) -> list[str]:
    row = db.execute("SELECT payments.handled_event_types() AS t").fetchone()
    assert row is not None
    return list(row["t"])


def endpoints(standin: StripeStandIn) -> list[dict[str, Any]]:
    return standin.objects("webhook_endpoint")


def test_configure_twice_keeps_one_endpoint_with_exactly_the_handled_events(
    keyed_env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    first = run_pgpay(
        "webhooks", "configure", "--environment", "test", "--url", HOOK_URL, env=keyed_env
    )

    assert first.returncode == 0, first.stderr
    [endpoint] = endpoints(pgpay_stripe)
    secret = pgpay_stripe.webhook_secret(endpoint["id"])
    assert secret not in output(first)
    assert f"created the pgpay-managed test webhook endpoint {endpoint['id']}" in first.stdout
    assert sorted(endpoint["enabled_events"]) == sorted(handled_types(pgpay_db))
    assert len(endpoint["enabled_events"]) == len(handled_types(pgpay_db))
    assert endpoint["api_version"] == PINNED_API_VERSION
    assert endpoint["metadata"] == {"pgpay_managed": "true", "pgpay_environment": "test"}
    assert endpoint["url"] == HOOK_URL
    stored = secrets_file(home)["test"]
    assert stored == {"webhook_secret": secret, "webhook_endpoint_id": endpoint["id"]}
    row = connection(pgpay_db)
    assert row is not None
    assert row["webhook_endpoint_id"] == endpoint["id"]
    assert row["webhook_url"] == HOOK_URL
    assert row["webhook_api_version"] == PINNED_API_VERSION
    assert row["webhook_secret_fingerprint"] == fingerprint(secret)
    assert secret not in database_text(pgpay_db)

    moved = "https://pay.example.com/webhooks/stripe/test"
    second = run_pgpay("webhooks", "configure", "--url", moved, env=keyed_env)

    assert second.returncode == 0, second.stderr
    assert f"updated the pgpay-managed test webhook endpoint {endpoint['id']}" in second.stdout
    assert [e["id"] for e in endpoints(pgpay_stripe)] == [endpoint["id"]]
    assert endpoints(pgpay_stripe)[0]["url"] == moved
    assert pgpay_stripe.count("POST", "/v1/webhook_endpoints") == 1
    assert pgpay_stripe.count("POST", f"/v1/webhook_endpoints/{endpoint['id']}") == 1
    assert secrets_file(home)["test"]["webhook_secret"] == secret  # kept: Stripe shows it once
    # The server verifies deliveries with the stored secret: status lists its fingerprint.
    status = json.loads(pgpay_ok("status", "--json", env=keyed_env))
    assert fingerprint(secret) in status["environments"]["test"]["webhook_secrets"]


def test_configure_finds_its_endpoint_by_metadata_and_leaves_others_alone(
    keyed_env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    client = stripe.StripeClient(pgpay_stripe.api_key, base_addresses={"api": pgpay_stripe.url})
    foreign = client.v1.webhook_endpoints.create(
        {"url": "https://other.example.com/hook", "enabled_events": ["*"]}
    )
    pgpay_ok("webhooks", "configure", "--url", HOOK_URL, env=keyed_env)
    # The local record is lost (a fresh database); the endpoint is found by its metadata.
    pgpay_db.execute("DELETE FROM payments.connections")

    pgpay_ok("webhooks", "configure", "--url", HOOK_URL, env=keyed_env)

    assert pgpay_stripe.count("POST", "/v1/webhook_endpoints") == 2  # foreign + ours, once
    managed = [e for e in endpoints(pgpay_stripe) if e["metadata"].get("pgpay_managed")]
    assert len(managed) == 1
    untouched = pgpay_stripe.get(foreign.id)
    assert untouched is not None
    assert (untouched["url"], untouched["enabled_events"]) == (
        "https://other.example.com/hook",
        ["*"],
    )
    row = connection(pgpay_db)
    assert row is not None and row["webhook_endpoint_id"] == managed[0]["id"]


def test_configure_replaces_an_endpoint_deleted_at_stripe(
    keyed_env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    pgpay_ok("webhooks", "configure", "--url", HOOK_URL, env=keyed_env)
    [old] = endpoints(pgpay_stripe)
    client = stripe.StripeClient(pgpay_stripe.api_key, base_addresses={"api": pgpay_stripe.url})
    client.v1.webhook_endpoints.delete(old["id"])

    out = pgpay_ok("webhooks", "configure", "--url", HOOK_URL, env=keyed_env)

    [new] = endpoints(pgpay_stripe)
    assert new["id"] != old["id"] and "created" in out
    assert secrets_file(home)["test"] == {
        "webhook_secret": pgpay_stripe.webhook_secret(new["id"]),
        "webhook_endpoint_id": new["id"],
    }


def test_webhooks_status_shows_the_endpoint_and_its_drift(
    keyed_env: dict[str, str], home: Path, pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    none_yet = run_pgpay("webhooks", "status", env=keyed_env)
    assert none_yet.returncode == 1
    assert "pgpay webhooks configure --environment test --url" in none_yet.stdout

    pgpay_ok("webhooks", "configure", "--url", HOOK_URL, env=keyed_env)
    [endpoint] = endpoints(pgpay_stripe)
    secret = pgpay_stripe.webhook_secret(endpoint["id"])
    handled = handled_types(pgpay_db)

    out = pgpay_ok("webhooks", "status", "--environment", "test", env=keyed_env)

    assert endpoint["id"] in out and HOOK_URL in out
    assert f"enabled events: {len(handled)} (pgpay handles {len(handled)})" in out
    assert PINNED_API_VERSION in out
    assert fingerprint(secret) in out and secret not in out
    assert "drift" not in out

    pgpay_stripe.put({**endpoint, "enabled_events": [*handled[1:], "account.updated"]})
    drifted = pgpay_ok("webhooks", "status", env=keyed_env)
    assert f"missing {handled[0]}; extra account.updated" in drifted

    report = json.loads(pgpay_ok("webhooks", "status", "--json", env=keyed_env))
    assert report["stripe"]["missing_event_types"] == [handled[0]]
    assert secret not in json.dumps(report)


def test_webhooks_refuse_bad_urls_missing_keys_and_unapproved_live(
    keyed_env: dict[str, str], env: dict[str, str], pgpay_stripe: StripeStandIn, pgpay_db: Conn
) -> None:
    for url in ("ftp://example.com/hook", "not a url", "https://user:pw@example.com/hook"):
        result = run_pgpay("webhooks", "configure", "--url", url, env=keyed_env)
        assert_one_line_error(result, "--url")
    no_key = run_pgpay("webhooks", "configure", "--url", HOOK_URL, env=env)
    assert_one_line_error(no_key, "no Stripe API key for 'test'")
    live_env = {**keyed_env, "STRIPE_LIVE_SECRET_KEY": pgpay_stripe.live_api_key}
    for command in (["configure", "--url", HOOK_URL], ["status"]):
        result = run_pgpay("webhooks", *command, "--environment", "live", env=live_env)
        assert_one_line_error(result, "PGPAY_ALLOW_LIVE=1")
    assert pgpay_stripe.requests == []
    assert endpoints(pgpay_stripe) == []
