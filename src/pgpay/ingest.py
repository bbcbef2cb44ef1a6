"""Verify and parse Stripe webhook deliveries; feed events to the one SQL entry point.

The HTTP handler and the `pgpay ingest` / `replay` / `backfill` commands share this module, so
every path ends in the same call: `payments.ingest_stripe_event(environment, event, source)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

import orjson

# Bound once: `stripe.X` goes through the package's lazy-import __getattr__ (an import_module
# call) on every access, and the signature check runs on every delivery.
from stripe import SignatureVerificationError, WebhookSignature

SIGNATURE_TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 1024 * 1024
INGEST_SQL = "SELECT payments.ingest_stripe_event(%s, %s::jsonb, %s) AS outcome"

Outcome = Literal["processed", "duplicate", "ignored", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("processed", "duplicate", "ignored", "failed")


class BadEvent(Exception):
    """A delivery that must be refused with 400 and stored nowhere."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def verify_signature(payload: str, header: str | None, secrets: list[str]) -> None:
    """Check `Stripe-Signature` against every configured secret (rotation); raise BadEvent."""
    if not header:
        raise BadEvent("missing_signature", "the Stripe-Signature header is missing")
    last_error = "no signature matches"
    for secret in secrets:
        try:
            WebhookSignature.verify_header(
                payload, header, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
        except SignatureVerificationError as exc:
            last_error = str(exc.user_message or exc)
            continue
        return
    raise BadEvent("bad_signature", f"signature verification failed: {last_error}")


@dataclass(frozen=True)
class ParsedEvent:
    id: str
    type: str
    livemode: bool
    created: int
    body: dict[str, Any]


def parse_event(payload: str | bytes, environment: str | None = None) -> ParsedEvent:
    """Parse and shape-check a Stripe event; when `environment` is given, livemode must match."""
    try:
        body = orjson.loads(payload)  # (the stdlib's json takes twice as long on a Stripe event)
    except orjson.JSONDecodeError as exc:
        raise BadEvent("malformed_json", f"the body is not valid JSON: {exc}") from None
    return check_event(body, environment)


def check_event(body: Any, environment: str | None = None) -> ParsedEvent:
    """Shape-check a decoded Stripe event (see parse_event)."""
    if not isinstance(body, dict):
        raise BadEvent("not_an_event", "the body is not a Stripe event object")
    event_id, event_type = body.get("id"), body.get("type")
    created, livemode = body.get("created"), body.get("livemode")
    data = body.get("data")
    problems = []
    if not (isinstance(event_id, str) and event_id.startswith("evt_")):
        problems.append("id must be a string starting with evt_")
    if body.get("object", "event") != "event":
        problems.append("object must be 'event'")
    if not (isinstance(event_type, str) and event_type):
        problems.append("type must be a non-empty string")
    if not (isinstance(created, int) and not isinstance(created, bool)):
        problems.append("created must be an integer timestamp")
    if not isinstance(livemode, bool):
        problems.append("livemode must be a boolean")
    if not (isinstance(data, dict) and isinstance(data.get("object"), dict)):
        problems.append("data.object must be an object")
    if problems:
        raise BadEvent("not_an_event", "not a Stripe event: " + "; ".join(problems))
    event_id, event_type = cast(str, event_id), cast(str, event_type)
    created, livemode = cast(int, created), cast(bool, livemode)
    if environment is not None and livemode != (environment == "live"):
        raise BadEvent(
            "livemode_mismatch",
            f"event {event_id} has livemode={str(livemode).lower()} "
            f"but was sent to the {environment!r} endpoint",
        )
    return ParsedEvent(event_id, event_type, livemode, created, body)
