"""`make bench-count` (python -m pgpay.bench_count): instructions per event, by callgrind."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgpay import bench_count
from pgpay.bench import build_events
from pgpay.testing.events import StripeFactory

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")

ARGV = ["--warmup", "40", "--skip", "6", "--count", "12"]


def figures(out: str) -> tuple[float, float, float]:
    pgpay = re.search(r"^pgpay\s+([\d,]+) instructions/event", out, re.M)
    baseline = re.search(r"^baseline\s+([\d,]+) instructions/event", out, re.M)
    ratio = re.search(r"^ratio\s+([0-9.]+)", out, re.M)
    assert pgpay and baseline and ratio, out
    return (
        float(pgpay.group(1).replace(",", "")),
        float(baseline.group(1).replace(",", "")),
        float(ratio.group(1)),
    )


@pytest.fixture(scope="module")
def counter() -> Iterator[bench_count.Counter]:
    workdir = Path(tempfile.mkdtemp(prefix="pgpay-count-test-"))  # reachable by the server user
    try:
        events = build_events(20, seed=5)
        data, database, _ = bench_count.prepare(events, workdir)
        yield bench_count.Counter(data, database, workdir, None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@needs_valgrind
def test_a_run_prints_both_sides_and_pgpay_does_more_than_one_insert(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_count.main(ARGV) == 0
    out = capsys.readouterr().out
    pgpay, baseline, ratio = figures(out)
    # an ingest is the ledger row plus the projection: more than a one-row insert
    assert pgpay > baseline > 100_000
    ledger = re.search(r"^  ledger\s+([\d,]+) instructions/event", out, re.M)
    projection = re.search(r"^  projection\s+([\d,]+) instructions per processed event", out, re.M)
    assert ledger and projection, out
    ledger_only = float(ledger.group(1).replace(",", ""))
    per_projection = float(projection.group(1).replace(",", ""))
    # The ledger row alone costs about one insert, give or take: more indexes and checks than the
    # baseline's table, but a statement planned once where each baseline statement is planned
    # again. The projection is what costs more.
    assert baseline / 2 < ledger_only < min(2 * baseline, pgpay)
    assert per_projection > 0
    assert ratio == pytest.approx(baseline / pgpay, abs=0.001)
    outcomes = re.search(r"\(payments\.ingest_stripe_event: (.*)\)", out)
    assert outcomes is not None
    counted = dict(item.rsplit(" ", 1) for item in outcomes.group(1).split(", "))
    assert set(counted) <= {"processed", "ignored"}
    assert sum(int(v) for v in counted.values()) == 12


@needs_valgrind
def test_the_same_statements_count_the_same(counter: bench_count.Counter) -> None:
    # the reason the tool exists: a repeated run agrees to far under 1% (time does not)
    statements = [bench_count.ingest_statement(e) for e in build_events(30, seed=6)[20:]]
    first, _ = counter.run("same-1", statements)
    second, _ = counter.run("same-2", statements)
    assert abs(second - first) / first < 0.001


@needs_valgrind
def test_kept_callgrind_files_land_in_the_directory_asked_for(
    counter: bench_count.Counter, tmp_path: Path
) -> None:
    kept = bench_count.Counter(counter.data, counter.database, counter.workdir, tmp_path)
    count, _ = kept.run("kept", ["SELECT 1;"])
    saved = tmp_path / "callgrind.kept.out"
    assert saved.is_file() and f"summary: {count}" in saved.read_text()
    assert not (counter.workdir / "callgrind.kept.out").exists()


def test_a_relative_keep_directory_is_made_absolute(tmp_path: Path) -> None:
    args = bench_count.parse_args(["--keep", "kept"])
    assert args.keep.is_absolute() and args.keep.name == "kept"


def test_a_run_with_a_failed_event_is_refused() -> None:
    # ingest catches a failing projection and answers `failed` (no ERROR line): cheaper, not valid
    bench_count.check_outcomes("pgpay", {"processed": 3, "ignored": 1}, 4, {"processed", "ignored"})
    with pytest.raises(bench_count.CountError, match="got failed 1, processed 3"):
        bench_count.check_outcomes(
            "pgpay", {"processed": 3, "failed": 1}, 4, {"processed", "ignored"}
        )
    with pytest.raises(bench_count.CountError, match="expected 4 events ignored, got ignored 3"):
        bench_count.check_outcomes("ledger", {"ignored": 3}, 4, {"ignored"})


def test_the_ledger_only_event_is_a_new_unhandled_event_with_the_same_payload() -> None:
    event = build_events(3, seed=2)[2]
    twin = bench_count.ledger_only(event)
    assert twin["id"] != event["id"] and twin["id"].startswith("evt_")
    assert twin["type"] == bench_count.LEDGER_ONLY_TYPE != event["type"]
    assert twin["data"] == event["data"]  # the same payload: the run checks all come back ignored


def test_the_baseline_statement_stores_the_payload_verbatim() -> None:
    event = StripeFactory(seed=3).event(
        "customer.created", {"id": "cus_1", "object": "customer", "name": "O'Brien %s"}
    )
    statement = bench_count.baseline_statement(event)
    assert statement.startswith(
        f"INSERT INTO public.bench_baseline (id, payload) VALUES ('{event['id']}', '{{"
    )
    assert '"name":"O\'\'Brien %s"' in statement  # quotes doubled, %s left alone
    assert statement.endswith("}'::jsonb) ON CONFLICT DO NOTHING;")
    assert "\n" not in statement and "\n" not in bench_count.ingest_statement(event)


@needs_valgrind
def test_a_statement_that_fails_is_reported_not_counted(counter: bench_count.Counter) -> None:
    with pytest.raises(bench_count.CountError, match="no_such_function"):
        counter.run("bad", ["SELECT 1;", "SELECT payments.no_such_function();"])


def test_sizes_it_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--count", "0"], ["--skip", "0"], ["--warmup", "-1"]):
        with pytest.raises(SystemExit):
            bench_count.parse_args(argv)
    assert "--skip and --count >= 1" in capsys.readouterr().err
