"""`python -m pgpay.bench_count` (`make bench-count`): CPU instructions per event in PostgreSQL.

`make bench` measures time, and time on a shared 2-core machine drifts by ±20% between runs, which
hides any change to the database path smaller than that. This counts instead: it runs the
PostgreSQL backend under valgrind's callgrind, which reports the exact number of instructions it
executed. The same data and statements give the same count to within 0.01%, so a change of 1% is
visible in one run.

What it does:

- builds a migrated database (as `make bench` does), ingests `--warmup` events through
  `payments.ingest_stripe_event`, inserts the same payloads into the baseline table, then runs
  `VACUUM ANALYZE` and stops the server;
- for each side (pgpay: `SELECT payments.ingest_stripe_event(...)` per event; the ledger alone: the
  same events under a type pgpay does not handle, so each is stored and not projected; baseline:
  `INSERT ... ON CONFLICT DO NOTHING` per event, as in `make bench`), runs two single-user backends
  (`postgres --single`) under callgrind on fresh copies of that data: one given `--skip` new events,
  one given the same `--skip` events followed by `--count` more;
- the difference of the two counts, divided by `--count`, is the steady-state cost of one event
  (backend start-up, catalog caches and plan caching fall on the `--skip` events of both runs).

Each statement is its own transaction, as a webhook delivery is. A single-user backend reads
statements as text, so both sides also pay for lexing their literal (about 0.3 M instructions per
event); the ratio is therefore a little kinder to pgpay than `make bench`'s, and the network, the
HTTP server and the client are not in it. Use it to compare two versions of the SQL; use
`make bench` for the target.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pgpay.bench import BASELINE_INSERT_SQL, BASELINE_TABLE_SQL, build_events
from pgpay.embedded import RunAs, find_binary
from pgpay.errors import PgpayError
from pgpay.ingest import INGEST_SQL
from pgpay.testing.events import JSON
from pgpay.testing.postgres import DatabaseFactory, TestPostgresql

# make bench's server settings (pgpay.testing.postgres.POSTGRES_ARGS) as single-user options.
SINGLE_USER_OPTIONS = ("-F", "-c", "synchronous_commit=off", "-c", "shared_buffers=128MB")
_COLLECTED = re.compile(r"Collected : (\d+)")
_OUTCOME = re.compile(r'ingest_stripe_event = "(\w+)"')


class CountError(RuntimeError):
    """A counting run that could not give a figure (valgrind missing, a statement failed ...)."""


@dataclass(frozen=True)
class Side:
    name: str
    per_event: float  # instructions
    skipped_run: int  # instructions of the run with only the --skip events
    full_run: int
    outcomes: dict[str, int]  # what ingest returned for the counted events (pgpay, ledger)
    skipped_outcomes: dict[str, int]  # and for the uncounted ones


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def compact(event: JSON) -> str:
    # One line per statement: a single-user backend ends a statement at a newline.
    return json.dumps(event, separators=(",", ":"), sort_keys=False)


LEDGER_ONLY_TYPE = "pgpay_bench.unhandled"  # no projection: ingest stores it as ignored


def ledger_only(event: JSON) -> JSON:
    """The event under a type pgpay does not handle, with its own id: a ledger row, nothing more."""
    return {**event, "id": f"{event['id']}_ledger", "type": LEDGER_ONLY_TYPE}


def ingest_statement(event: JSON) -> str:
    return (
        f"SELECT payments.ingest_stripe_event('test', {literal(compact(event))}::jsonb, 'webhook');"
    )


def baseline_statement(event: JSON) -> str:
    before, between, after = BASELINE_INSERT_SQL.split("%s")
    return before + literal(str(event["id"])) + between + literal(compact(event)) + after + ";"


def find_valgrind() -> str:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise CountError("valgrind is not installed (Debian/Ubuntu: apt-get install valgrind)")
    return valgrind


def check_outcomes(name: str, outcomes: dict[str, int], expected: int, allowed: set[str]) -> None:
    """Only a run whose every counted event came out as intended measures anything: a projection
    that fails is caught inside ingest (outcome `failed`, no ERROR line) and costs less."""
    if sum(outcomes.values()) != expected or not set(outcomes) <= allowed:
        found = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing"
        raise CountError(
            f"{name}: expected {expected} events {' or '.join(sorted(allowed))}, got {found}"
        )


class Counter:
    """Runs single-user backends under callgrind on copies of one prepared data directory."""

    def __init__(self, data: Path, database: str, workdir: Path, keep: Path | None) -> None:
        self.valgrind = find_valgrind()
        self.data = data
        self.database = database
        self.workdir = workdir
        self.keep = keep  # callgrind files are copied there (the backend writes into workdir)
        self.run_as = RunAs.detect()
        self.postgres = find_binary("postgres")
        self.run_as.chown(workdir)  # the backend, as the server user, writes its file there

    def _fresh_copy(self, name: str) -> Path:
        target = self.workdir / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(self.data, target, symlinks=True)
        os.chmod(target, 0o700)
        self.run_as.chown_tree(target)
        return target

    def run(self, name: str, statements: Sequence[str]) -> tuple[int, str]:
        """Runs the statements in one single-user backend; returns (instructions, its output)."""
        data = self._fresh_copy(f"data-{name}")
        out_file = self.workdir / f"callgrind.{name}.out"
        script = "\n".join(statements) + "\n"
        command = [
            self.valgrind, "--tool=callgrind", f"--callgrind-out-file={out_file}",
            self.postgres, "--single", "-D", str(data), *SINGLE_USER_OPTIONS, self.database,
        ]  # fmt: skip
        try:
            proc = subprocess.run(
                command,
                input=script,
                capture_output=True,
                text=True,
                check=False,
                cwd=self.workdir,
                **self.run_as.popen_kwargs(),
            )
        finally:
            shutil.rmtree(data, ignore_errors=True)
        output = proc.stdout + proc.stderr
        errors = [line for line in output.splitlines() if "ERROR:" in line or "FATAL:" in line]
        if errors:
            raise CountError(f"{name}: the backend reported {errors[0].strip()}")
        found = _COLLECTED.findall(output)
        if proc.returncode != 0 or not found:
            tail = "\n".join(output.splitlines()[-10:])
            raise CountError(f"{name}: callgrind gave no count (exit {proc.returncode}):\n{tail}")
        if self.keep is not None:
            shutil.copyfile(out_file, self.keep / out_file.name)
        out_file.unlink(missing_ok=True)
        return int(found[-1]), output

    def side(self, name: str, skipped: Sequence[str], counted: Sequence[str]) -> Side:
        before, _ = self.run(f"{name}-skip", skipped)
        after, output = self.run(f"{name}-full", [*skipped, *counted])
        answers = _OUTCOME.findall(output)
        return Side(
            name,
            (after - before) / len(counted),
            before,
            after,
            dict(collections.Counter(answers[len(skipped) :])),
            dict(collections.Counter(answers[: len(skipped)])),
        )


def prepare(events: Sequence[JSON], workdir: Path) -> tuple[Path, str, str]:
    """A stopped server's data directory holding a migrated database in which both sides have
    stored `events`; returns (data directory, database name, server version)."""
    pg = TestPostgresql()
    try:
        databases = DatabaseFactory(pg)
        name = databases.create("pgpay_count")
        with psycopg.connect(databases.url_for(name), autocommit=True) as conn:
            conn.execute(BASELINE_TABLE_SQL)
            outcomes: collections.Counter[str] = collections.Counter()
            for event in events:
                row = conn.execute(
                    INGEST_SQL, ("test", compact(event), "webhook"), prepare=True
                ).fetchone()
                outcomes[str(row[0]) if row else "nothing"] += 1
                conn.execute(BASELINE_INSERT_SQL, (str(event["id"]), compact(event)), prepare=True)
            check_outcomes("warm-up", dict(outcomes), len(events), {"processed", "ignored"})
            conn.execute("VACUUM ANALYZE")
            conn.execute("CHECKPOINT")
            row = conn.execute("SHOW server_version").fetchone()
        pg.terminate()  # stop, keeping the data directory
        data = workdir / "prepared"
        shutil.copytree(Path(pg.base_dir) / "data", data, symlinks=True)
        (data / "postmaster.pid").unlink(missing_ok=True)
    finally:
        pg.stop()
    return data, name, f"PostgreSQL {row[0] if row else '?'}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pgpay.bench_count",
        description="PostgreSQL instructions per ingested event, against a one-row INSERT.",
    )
    parser.add_argument("--warmup", type=int, default=2000, help="events stored before counting")
    parser.add_argument("--skip", type=int, default=100, help="uncounted events per run")
    parser.add_argument("--count", type=int, default=300, help="counted events")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the callgrind files in this directory (for callgrind_annotate)",
    )
    args = parser.parse_args(argv)
    if args.keep is not None:
        args.keep = args.keep.resolve()
    if args.warmup < 0 or args.skip < 1 or args.count < 1:
        parser.error("--warmup must be >= 0, --skip and --count >= 1")
    return args


def run(args: argparse.Namespace) -> str:
    find_valgrind()  # before minutes of preparation
    events = build_events(args.warmup + args.skip + args.count, seed=args.seed)
    warm = events[: args.warmup]
    skipped = events[args.warmup : args.warmup + args.skip]
    counted = events[args.warmup + args.skip :]
    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="pgpay-count-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
        print(f"storing {len(warm)} events ...", file=sys.stderr, flush=True)
        data, database, version = prepare(warm, workdir)
        counter = Counter(data, database, workdir, args.keep)
        print("counting pgpay ...", file=sys.stderr, flush=True)
        pgpay = counter.side(
            "pgpay", [ingest_statement(e) for e in skipped], [ingest_statement(e) for e in counted]
        )
        print("counting the ledger row alone ...", file=sys.stderr, flush=True)
        ledger = counter.side(
            "ledger",
            [ingest_statement(ledger_only(e)) for e in skipped],
            [ingest_statement(ledger_only(e)) for e in counted],
        )
        print("counting the baseline ...", file=sys.stderr, flush=True)
        baseline = counter.side(
            "baseline",
            [baseline_statement(e) for e in skipped],
            [baseline_statement(e) for e in counted],
        )
    for side, allowed in ((pgpay, {"processed", "ignored"}), (ledger, {"ignored"})):
        check_outcomes(f"{side.name}, uncounted", side.skipped_outcomes, len(skipped), allowed)
        check_outcomes(f"{side.name}, counted", side.outcomes, len(counted), allowed)
    handled = pgpay.outcomes.get("processed", 0)
    projection = (
        (pgpay.per_event * len(counted) - ledger.per_event * len(counted)) / handled
        if handled
        else 0.0
    )
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(pgpay.outcomes.items()))
    lines = [
        f"pgpay bench-count: {version}, single-user backend under callgrind; {args.warmup} events "
        f"stored first, then per run {args.skip} uncounted and {args.count} counted",
        f"pgpay     {pgpay.per_event:>12,.0f} instructions/event  "
        f"(payments.ingest_stripe_event: {outcomes})",
        f"  ledger  {ledger.per_event:>12,.0f} instructions/event  "
        "(the same events, typed as unhandled: only the ledger row)",
        f"  projection {projection:>9,.0f} instructions per processed event, beyond its ledger row",
        f"baseline  {baseline.per_event:>12,.0f} instructions/event  "
        "(one-row INSERT ... ON CONFLICT DO NOTHING of the same payload)",
        f"ratio     {baseline.per_event / pgpay.per_event:.3f}  (baseline / pgpay; "
        "not make bench's target: no HTTP, and both pay for lexing their statement)",
    ]
    if args.keep is not None:
        lines.append(f"callgrind files in {args.keep} (callgrind_annotate --inclusive=yes FILE)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        print(run(args), flush=True)
    except KeyboardInterrupt:
        print("pgpay bench-count: interrupted", file=sys.stderr)
        return 130
    except (CountError, PgpayError, psycopg.Error, OSError, RuntimeError) as exc:
        print(f"pgpay bench-count: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
