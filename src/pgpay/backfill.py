"""`pgpay backfill`: fetch the events Stripe still keeps and ingest the ones not stored yet.

Events are listed from Stripe's Events API (`created[gte]`, every page, newest first as Stripe
returns them) into a temporary spool file, then ingested oldest first through the same SQL call
as webhooks (`payments.ingest_stripe_event`, source 'backfill'). Events already processed or
ignored are skipped before the call (the function would answer `duplicate` anyway), so running
it again is cheap and changes nothing; an interrupted run keeps what it ingested and a rerun
finishes the rest. Types pgpay does not handle are not fetched into the ledger, as the managed
webhook endpoint does not receive them either.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import psycopg
import stripe
from psycopg.rows import DictRow
from tqdm import tqdm

from pgpay import feed
from pgpay.admin import (
    check_account,
    handled_event_types,
    plain_json,
    record_backfill,
    stripe_client,
    stripe_failure,
)
from pgpay.config import Environment, Settings
from pgpay.db import connect
from pgpay.errors import ConfigError, PgpayError

RETENTION = timedelta(days=30)
"""How long Stripe keeps events retrievable through the Events API."""
PAGE_SIZE = 100
CHUNK = 500
"""Events ingested per call of `feed.ingest_events` (one connection each)."""

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_STORED_SQL = """
SELECT stripe_event_id FROM payments.webhook_events
WHERE environment = %s AND stripe_event_id = ANY(%s) AND status IN ('processed', 'ignored')
"""


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """`72h`, `30m`, `90s`, `7d` before now, or an ISO date / date-time (UTC unless given)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    match = _DURATION.fullmatch(text.lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        since = now - timedelta(**{_UNITS[unit]: amount})
    else:
        try:
            since = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(
                f"--since {value!r} is neither a duration (72h, 30m, 90s, 7d) nor an ISO date "
                "or date-time (2025-01-31, 2025-01-31T12:00:00Z)"
            ) from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
    if since > now:
        raise ConfigError(f"--since {value!r} lies in the future; give a past time or a duration")
    return since


def retention_warning(since: datetime, now: datetime | None = None) -> str | None:
    """A warning when `since` reaches further back than Stripe keeps events."""
    now = now or datetime.now(UTC)
    if since >= now - RETENTION:
        return None
    return (
        f"warning: Stripe keeps events for 30 days; nothing created before "
        f"{(now - RETENTION):%Y-%m-%d %H:%M} UTC can be fetched. For older state, run "
        "pgpay sync (current products, prices, customers and subscriptions)"
    )


@dataclass
class BackfillResult:
    since: datetime
    fetched: int = 0
    unhandled: int = 0
    counts: Counter[str] = field(
        default_factory=lambda: Counter(dict.fromkeys(feed.SUMMARY_KEYS, 0))
    )

    @property
    def unsuccessful(self) -> int:
        return sum(n for key, n in self.counts.items() if key in feed.UNSUCCESSFUL)


class Spool:
    """Events written to a temporary file as JSON lines, read back in reverse (oldest first)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.offsets: list[int] = []

    def add(self, event: dict[str, Any]) -> None:
        self.offsets.append(self.file.tell())
        self.file.write(json.dumps(event, separators=(",", ":")).encode() + b"\n")

    def __len__(self) -> int:
        return len(self.offsets)

    def reversed_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        self.file.flush()
        chunk: list[dict[str, Any]] = []
        for offset in reversed(self.offsets):
            self.file.seek(offset)
            chunk.append(json.loads(self.file.readline()))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self.file.close()


def _fetch(
    client: stripe.StripeClient,
    environment: str,
    since: datetime,
    handled: set[str],
    spool: Spool,
    result: BackfillResult,
    show: bool,
) -> None:
    params: dict[str, Any] = {"created": {"gte": int(since.timestamp())}, "limit": PAGE_SIZE}
    with tqdm(desc="fetching events", unit=" events", file=sys.stderr, disable=not show) as bar:
        try:
            for item in client.v1.events.list(params).auto_paging_iter():  # type: ignore[arg-type]
                event = plain_json(item)
                result.fetched += 1
                bar.update(1)
                if event.get("type") in handled:
                    spool.add(event)
                else:
                    result.unhandled += 1
        except stripe.StripeError as exc:
            failure = stripe_failure(exc, "fetching events from Stripe", environment)
            raise PgpayError(
                f"{failure.message}, after {result.fetched} events; nothing was ingested: run "
                "the same command again"
            ) from None


def _already_stored(
    conn: psycopg.Connection[DictRow], environment: str, events: list[dict[str, Any]]
) -> set[str]:
    ids = [event.get("id") for event in events]
    rows = conn.execute(_STORED_SQL, (environment, ids)).fetchall()
    return {row["stripe_event_id"] for row in rows}


def backfill(
    settings: Settings,
    url: str,
    environment: Environment,
    since: datetime,
    progress: feed.Progress = True,
    report: feed.Reporter | None = None,
) -> BackfillResult:
    """Fetch every handled event created since `since`; ingest the ones not stored, oldest first.

    Records `payments.connections.last_backfill_at` once every fetched event went through.
    """
    say = report or (lambda line: print(line, file=sys.stderr))
    client = stripe_client(settings, environment)
    show = progress == "always" or (progress is True and sys.stderr.isatty())
    result = BackfillResult(since)
    with connect(url) as conn:
        check_account(client, conn, environment)
        handled = set(handled_event_types(conn))
    spool = Spool()
    try:
        _fetch(client, environment, since, handled, spool, result, show)
        with (
            connect(url) as conn,
            tqdm(
                total=len(spool),
                desc="ingesting",
                unit=" events",
                file=sys.stderr,
                disable=not show,
            ) as bar,
        ):
            emit = say if report is not None or not show else bar.write
            for chunk in spool.reversed_chunks(CHUNK):
                stored = _already_stored(conn, environment, chunk)
                fresh = [(f"event {e.get('id')}", e) for e in chunk if e.get("id") not in stored]
                result.counts["duplicate"] += len(chunk) - len(fresh)
                if fresh:
                    result.counts += feed.ingest_events(
                        url, environment, fresh, source="backfill", progress=False, report=emit
                    )
                bar.update(len(chunk))
    finally:
        spool.close()
    record_backfill(url, environment)
    return result


def render(result: BackfillResult) -> str:
    since = f"{result.since.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    lines = [f"fetched {result.fetched} events created since {since}"]
    if result.unhandled:
        lines.append(f"skipped {result.unhandled} of types pgpay does not handle")
    lines.append(f"ingested: {feed.summary(result.counts)}")
    return "\n".join(lines)
