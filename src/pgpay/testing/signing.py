"""Stripe webhook signatures, made exactly as Stripe makes them.

Stripe signs ``f"{t}.{raw body}"`` with HMAC-SHA256 keyed by the endpoint's signing secret (the
whole ``whsec_…`` string) and sends ``Stripe-Signature: t=<unix seconds>,v1=<hex digest>``. While
a secret is being rolled, Stripe signs with every active secret and sends one ``v1`` per secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "STRIPE_USER_AGENT",
    "compute_signature",
    "encode_event",
    "sign_payload",
    "signed_webhook",
    "stripe_signature_headers",
]

STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
"""The User-Agent Stripe's webhook deliveries carry."""


def compute_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + payload`` keyed with `secret`."""
    signed = str(int(timestamp)).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign_payload(payload: bytes, secret: str | Sequence[str], timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header value for the raw body `payload`.

    `secret` may be several secrets (a rotation in progress): one ``v1`` entry is added for each,
    in the given order. `timestamp` defaults to the current time, which is what a receiver's
    tolerance check compares against.
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    if not secrets:
        raise ValueError("sign_payload needs at least one signing secret")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    parts = [f"t={ts}"] + [f"v1={compute_signature(payload, s, ts)}" for s in secrets]
    return ",".join(parts)


def stripe_signature_headers(
    payload: bytes, secret: str | Sequence[str], timestamp: int | None = None
) -> dict[str, str]:
    """The headers of a Stripe webhook delivery of `payload`, signature included."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": STRIPE_USER_AGENT,
        "Stripe-Signature": sign_payload(payload, secret, timestamp),
    }


def encode_event(event: Mapping[str, Any]) -> bytes:
    """Serialise an event the way Stripe's request bodies look (2-space indented UTF-8 JSON)."""
    return json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")


def signed_webhook(
    event: Mapping[str, Any], secret: str | Sequence[str], timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The (raw body, headers) pair of a signed delivery of `event`, ready to POST."""
    body = encode_event(event)
    return body, stripe_signature_headers(body, secret, timestamp)
