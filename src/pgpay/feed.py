"""Feed Stripe events through the one SQL entry point: `pgpay ingest` and `pgpay replay`.

Input handling is all-or-nothing: `load_events` reads and decodes every PATH before it yields the
first event, so one unreadable or malformed file stops the command before anything is ingested.
Events that decode but are not acceptable (wrong shape, livemode for the other environment) are
per-event problems: `ingest_events` reports and counts them as `rejected`, sends the rest.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb
from tqdm import tqdm

from pgpay.db import connect, one_line
from pgpay.errors import DatabaseUnavailable, PgpayError
from pgpay.ingest import INGEST_SQL, OUTCOMES, BadEvent, check_event

STDIN = "-"
EVENT_SUFFIXES = (".json", ".jsonl")
PROGRESS_THRESHOLD = 50
"""A progress bar is shown only for more events than this."""
TRANSIENT_RETRIES = 3
"""Tries per event when the database aborts the call with a deadlock or serialization failure."""

REPLAY_OUTCOMES: tuple[str, ...] = OUTCOMES
SUMMARY_KEYS: tuple[str, ...] = (*OUTCOMES, "rejected")
UNSUCCESSFUL = frozenset({"failed", "rejected", "error"})
"""Outcomes that make `pgpay ingest` / `pgpay replay` exit 1."""
REPLAY_STATUSES = ("failed", "received", "ignored", "processed")

Progress = bool | Literal["always"]
Reporter = Callable[[str], None]

_LAST_ERROR_SQL = """
SELECT last_error FROM payments.webhook_events
WHERE environment = %s AND stripe_event_id = %s
"""
_REPLAY_CANDIDATES_SQL = """
SELECT id, environment::text AS environment, stripe_event_id, type, status, attempts
FROM payments.webhook_events
WHERE (%(environment)s::text IS NULL OR environment = %(environment)s::text)
  AND (%(event_id)s::text IS NULL OR stripe_event_id = %(event_id)s::text)
  AND (%(event_id)s::text IS NOT NULL OR status = %(status)s::text)
ORDER BY stripe_created, id
"""
_STORED_PAYLOAD_SQL = "SELECT payload FROM payments.webhook_events WHERE id = %s"


# ------------------------------------------------------------------------------------ input


def _fail(label: str, problem: str) -> PgpayError:
    return PgpayError(f"{label}: {problem}; fix or remove it (nothing was ingested)")


def _json_problem(exc: json.JSONDecodeError, line_offset: int = 0) -> str:
    return f"not valid JSON ({exc.msg} at line {exc.lineno + line_offset} column {exc.colno})"


def _events_in(value: Any, label: str) -> list[tuple[str, dict[str, Any]]]:
    """The events in one decoded JSON document: an event, a list of events, or a Stripe list."""
    if isinstance(value, dict) and value.get("object") == "list" and "data" in value:
        value = value["data"]  # `stripe events list` output: {"object": "list", "data": [...]}
    if isinstance(value, dict):
        return [(label, value)]
    if isinstance(value, list):
        events = []
        for index, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise _fail(f"{label}#{index}", f"is a JSON {_kind(item)}, not an event object")
            events.append((f"{label}#{index}", item))
        return events
    raise _fail(label, f"holds a JSON {_kind(value)}, not an event object or a list of events")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _json_lines(text: str, label: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(f"{label}:{number}", _json_problem(exc, number - 1)) from None
        if not isinstance(value, dict):
            raise _fail(f"{label}:{number}", f"is a JSON {_kind(value)}, not an event object")
        events.append((f"{label}:{number}", value))
    return events


def parse_text(text: str, label: str, json_lines: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """Decode one input: a JSON document (event, list, Stripe list object) or JSON Lines.

    A document that is not one JSON value is read as JSON Lines when its first line is an object
    on its own; otherwise the document's own JSON error is reported. Labels name the source of
    each event: `file`, `file#3` (third item of a list) or `file:12` (line 12 of JSON Lines).
    """
    if not text.strip():
        raise _fail(label, "is empty")
    if json_lines:
        return _json_lines(text, label)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        first = text.lstrip().splitlines()[0]
        try:
            first_is_object = isinstance(json.loads(first), dict)
        except json.JSONDecodeError:
            first_is_object = False
        if first_is_object:
            return _json_lines(text, label)
        raise _fail(label, _json_problem(exc)) from None
    return _events_in(value, label)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(str(path), f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise _fail(str(path), f"cannot be read ({exc.strerror or exc})") from None


def _files_for(arg: str) -> list[Path]:
    path = Path(arg)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in EVENT_SUFFIXES and p.is_file())
        if not files:
            raise PgpayError(f"{arg}: folder holds no *.json or *.jsonl files (nothing ingested)")
        return files
    if not path.exists():
        raise PgpayError(f"{arg}: no such file or folder (nothing was ingested)")
    return [path]


def _read_all(paths: list[str], stdin: TextIO) -> list[tuple[str, dict[str, Any]]]:
    if not paths:
        raise PgpayError("no input: give event files, folders, or - for standard input")
    if paths.count(STDIN) > 1:
        raise PgpayError("standard input (-) can be given only once")
    events: list[tuple[str, dict[str, Any]]] = []
    for arg in paths:
        if arg == STDIN:
            events += parse_text(stdin.read(), "<stdin>")
            continue
        for file in _files_for(arg):
            events += parse_text(_read(file), str(file), json_lines=file.suffix == ".jsonl")
    return events


def load_events(
    paths: list[str], stdin: TextIO | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield `(label, event)` for every event in `paths`, in order.

    Each PATH is a file (one event object, a JSON list of events, a Stripe list object such as
    `stripe events list` prints, or JSON Lines — always for `*.jsonl`), a folder (every `*.json`
    and `*.jsonl` file below it, recursively, sorted by path) or `-` for standard input.

    Everything is read and decoded before the first event is yielded: an unreadable or malformed
    input raises `PgpayError` (naming the file, item or line, and the problem) and nothing is
    yielded. Whether each event is an acceptable Stripe event is checked by `ingest_events`.
    """
    yield from _read_all(list(paths), sys.stdin if stdin is None else stdin)


# ------------------------------------------------------------------------------------ ingest


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _show_progress(progress: Progress, total: int) -> bool:
    if progress is False or total <= PROGRESS_THRESHOLD:
        return False
    return progress == "always" or sys.stderr.isatty()


def _call_ingest(
    conn: psycopg.Connection[DictRow], environment: str, event: dict[str, Any], source: str
) -> str:
    """One call of the SQL function (its own transaction: the connection is autocommit).

    A deadlock or serialization failure (the function re-raises those rather than recording a
    failure) is retried a few times; a lost connection stops the run; any other error is
    raised as is for the caller to report.
    """
    for attempt in range(1, TRANSIENT_RETRIES + 1):
        try:
            row = conn.execute(INGEST_SQL, (environment, Jsonb(event), source)).fetchone()
        except psycopg.errors.UndefinedFunction:
            raise PgpayError(
                "payments.ingest_stripe_event does not exist in this database; run: pgpay migrate"
            ) from None
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            if attempt == TRANSIENT_RETRIES or conn.broken:
                raise
            continue
        except psycopg.OperationalError as exc:
            if conn.broken or conn.closed:
                raise DatabaseUnavailable(
                    f"lost the database connection: {one_line(exc)}"
                ) from None
            raise
        if row is None:  # pragma: no cover - a SELECT of a function always returns a row
            raise PgpayError("payments.ingest_stripe_event returned no row")
        return str(row["outcome"])
    raise AssertionError("unreachable")  # pragma: no cover


def _last_error(conn: psycopg.Connection[DictRow], environment: str, event_id: str) -> str:
    """The recorded error of a failed event, on one line (it may carry the SQL context)."""
    row = conn.execute(_LAST_ERROR_SQL, (environment, event_id)).fetchone()
    return one_line(row["last_error"]) if row and row["last_error"] else "no error recorded"


def ingest_events(
    url: str,
    environment: str,
    events: Iterable[tuple[str, dict[str, Any]]],
    source: str = "cli",
    progress: Progress = True,
    report: Reporter | None = None,
) -> Counter[str]:
    """Send each event through `payments.ingest_stripe_event`; return counts by outcome.

    One call per event on an autocommit connection, so each event is its own transaction and a
    failure never undoes the others. Every event is first checked with `check_event` (shape, and
    livemode must match `environment`); one that does not pass is reported and counted as
    `rejected` and never sent. An event the database refuses outright (the call raises, nothing
    is stored) is also `rejected`. A `failed` outcome (stored, projection error recorded) is
    reported with the recorded error; `pgpay replay` retries it.

    `progress`: True shows a bar on a terminal when there are more than 50 events, "always"
    shows it whenever there are more than 50, False never. `report` receives one line per
    rejected or failed event (default: standard error).
    """
    say = report or _stderr
    items = list(events)
    counts: Counter[str] = Counter(dict.fromkeys(SUMMARY_KEYS, 0))
    accepted: list[tuple[str, str, dict[str, Any]]] = []
    for label, event in items:
        try:
            parsed = check_event(event, environment)
        except BadEvent as exc:
            say(f"rejected {label}: {exc.message}")
            counts["rejected"] += 1
            continue
        accepted.append((label, parsed.id, parsed.body))
    if not accepted:
        return counts
    show = _show_progress(progress, len(accepted))
    with (
        connect(url) as conn,
        tqdm(total=len(accepted), unit="event", file=sys.stderr, disable=not show) as bar,
    ):
        emit = say
        if report is None and show:
            emit = lambda line: bar.write(line, file=sys.stderr)  # noqa: E731 - keep the bar intact
        for label, event_id, body in accepted:
            try:
                outcome = _call_ingest(conn, environment, body, source)
            except psycopg.Error as exc:
                emit(f"rejected {label} ({event_id}): the database refused it: {one_line(exc)}")
                counts["rejected"] += 1
            else:
                counts[outcome] += 1
                if outcome == "failed":
                    error = _last_error(conn, environment, event_id)
                    emit(f"failed {label} ({event_id}): {error}")
            bar.update(1)
    return counts


def summary(counts: Counter[str], keys: tuple[str, ...] = SUMMARY_KEYS) -> str:
    """`processed 12, duplicate 3, ignored 1, failed 0, rejected 0` (plus any other outcome)."""
    keys = (*keys, *sorted(k for k in counts if k not in keys))
    return ", ".join(f"{key} {counts.get(key, 0)}" for key in keys)


# ------------------------------------------------------------------------------------ replay


class Replayed(NamedTuple):
    event_id: str
    type: str
    outcome: str
    """The function's answer, or `dry-run` when nothing was called."""


def replay(
    url: str,
    environment: str | None = None,
    status: str = "failed",
    event_id: str | None = None,
    dry_run: bool = False,
    report: Reporter | None = None,
) -> list[Replayed]:
    """Re-run stored payloads from `payments.webhook_events` through the same SQL function.

    Selects the events of `environment` (all when None) with the given `status`, or the one
    event `event_id` whatever its status, oldest first (by Stripe's `created`), and calls
    `payments.ingest_stripe_event(environment, payload, 'replay')` once each: the function retries
    a failed row and answers `duplicate` for one already processed or ignored. With `dry_run` the
    function is not called and each outcome is `dry-run`. An `event_id` that matches nothing
    raises `PgpayError`. A call the database refuses outright (it raises; nothing changes) gets
    the outcome `error`, and `report` (default: standard error) receives the reason.
    """
    say = report or _stderr
    if event_id is None and status not in REPLAY_STATUSES:
        raise PgpayError(f"unknown status {status!r}: use one of {', '.join(REPLAY_STATUSES)}")
    params = {"environment": environment, "event_id": event_id, "status": status}
    results: list[Replayed] = []
    with connect(url) as conn:
        candidates = conn.execute(_REPLAY_CANDIDATES_SQL, params).fetchall()
        if event_id is not None and not candidates:
            where = f" in environment {environment!r}" if environment else ""
            raise PgpayError(
                f"no stored webhook event {event_id}{where}; check the id with: pgpay status"
            )
        for row in candidates:
            if dry_run:
                results.append(Replayed(row["stripe_event_id"], row["type"], "dry-run"))
                continue
            stored = conn.execute(_STORED_PAYLOAD_SQL, (row["id"],)).fetchone()
            if stored is None:  # deleted meanwhile
                continue
            try:
                outcome = _call_ingest(conn, row["environment"], stored["payload"], "replay")
            except psycopg.Error as exc:
                say(f"error {row['stripe_event_id']}: the database refused it: {one_line(exc)}")
                outcome = "error"
            results.append(Replayed(row["stripe_event_id"], row["type"], outcome))
    return results


def replay_counts(results: Iterable[Replayed]) -> Counter[str]:
    """Counts of replay outcomes, every function outcome present (zero when absent)."""
    counts: Counter[str] = Counter(dict.fromkeys(OUTCOMES, 0))
    counts.update(item.outcome for item in results)
    return counts
