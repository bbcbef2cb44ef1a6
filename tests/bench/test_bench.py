"""`make bench` (python -m pgpay.bench): a small real run, and how rounds become one verdict."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from pgpay import bench


def phase(name: str, events: int, seconds: float) -> bench.PhaseResult:
    return bench.PhaseResult(
        name, events, seconds, [seconds / events] * events, {"client": 0.1, "postgres": 0.2}
    )


def test_a_small_run_times_every_round_and_stores_every_event(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--senders", "2", "--events", "60", "--warmup", "12", "--rounds", "2", "--workers", "2"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "16 stories interleaved, 2 server processes" in out
    # The server's CPU is its processes' (the parent that supervises them does next to nothing).
    server = re.search(
        r"^pgpay serve \(HTTP\+SQL\)(?:\s+[0-9.]+){3}\s+[0-9.]+\s+([0-9.]+)", out, re.M
    )
    assert server is not None and float(server.group(1)) >= 0.05, out

    rounds = re.findall(r"^(\d)\s+(pgpay|baseline)\s+(\d+)\s+(\d+)\s+([0-9.]+)$", out, re.M)
    assert [(number, first) for number, first, *_ in rounds] == [
        ("1", "pgpay"),
        ("2", "baseline"),
    ]
    assert all(int(pgpay) > 0 and int(baseline) > 0 for _, _, pgpay, baseline, _ in rounds)
    # warm-up plus both rounds, each event stored once and answered 200
    assert "ledger rows 132 of 132 expected" in out
    answers = re.search(r"^pgpay answers: (.*);", out, re.M)
    assert answers is not None
    counted = Counter(
        {k: int(v) for k, v in (item.rsplit(" ", 1) for item in answers.group(1).split(", "))}
    )
    assert set(counted) <= {"processed", "ignored"}
    assert sum(counted.values()) == 120
    assert "error" not in out
    assert re.search(r"^ratio pgpay/baseline = [0-9.]+ \(median of 2 rounds", out, re.M)


def test_via_sql_the_senders_call_the_ingest_function_on_kept_connections(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--via", "sql", "--senders", "2", "--events", "40", "--warmup", "8", "--rounds", "2"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "pgpay bench --via sql: 2 senders" in out
    assert re.search(r"^pgpay SQL \(no HTTP\)\s+\d+", out, re.M)
    assert "ledger rows 88 of 88 expected" in out
    answers = re.search(r"^pgpay answers: (.*);", out, re.M)
    assert answers is not None
    assert {item.rsplit(" ", 1)[0] for item in answers.group(1).split(", ")} <= {
        "processed",
        "ignored",
    }
    assert "error" not in out
    assert "the target is measured over HTTP" in out


def test_the_verdict_is_the_median_of_the_rounds_ratios() -> None:
    args = argparse.Namespace(senders=4, rounds=3, events=100, warmup=0, interleave=16)
    rounds = [
        bench.Round(phase("pgpay", 100, 1.0), phase("baseline", 100, 0.1), True),  # 0.1
        bench.Round(phase("pgpay", 100, 0.5), phase("baseline", 100, 0.15), False),  # 0.3
        bench.Round(phase("pgpay", 100, 0.5), phase("baseline", 100, 0.1), True),  # 0.2
    ]
    text = bench.report(args, "PostgreSQL 15", rounds, 300, 300, 0.0)
    assert "ratio pgpay/baseline = 0.200 (median of 3 rounds, 0.100-0.300)" in text
    assert "BELOW target" in text
    # all rounds together: 300 events in 2 s and 300 inserts in 0.35 s
    assert re.search(r"^pgpay serve \(HTTP\+SQL\)\s+150\s", text, re.M)
    assert re.search(r"^baseline INSERT\s+857\s", text, re.M)

    rounds[0] = bench.Round(phase("pgpay", 100, 0.25), phase("baseline", 100, 0.1), True)  # 0.4
    text = bench.report(args, "PostgreSQL 15", rounds, 300, 300, 0.0)
    assert "ratio pgpay/baseline = 0.300" in text
    assert "meets target" in text


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--events", "0"], ["--warmup", "-1"]])
def test_nonsense_sizes_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        bench.parse_args(argv)
    assert exited.value.code == 2


def test_postgres_cpu_includes_backends_that_exit_during_a_phase(tmp_path: Path) -> None:
    """A child that exits during a phase (and is waited for) still counts: its CPU moves into its
    parent's total for reaped children, which the meter adds. (Summing live processes only, its
    CPU vanished with it.)"""
    done = tmp_path / "done"
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    script = (
        "import pathlib, subprocess, sys, time\n"
        "time.sleep(0.5)\n"
        f"subprocess.run([sys.executable, '-c', {burn!r}], check=True)\n"
        f"pathlib.Path({str(done)!r}).touch()\n"
        "time.sleep(30)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        meter = bench.CpuMeter(None, parent.pid)
        before = meter.sample()  # before the child starts
        deadline = time.monotonic() + 20
        while not done.exists():
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.05)
        spent = bench.CpuMeter.spent(before, meter.sample())
        assert bench.children_of(parent.pid) == []
        assert 0.25 <= spent["postgres"] < 2.0
    finally:
        parent.kill()
        parent.wait()
