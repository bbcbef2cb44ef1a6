"""`pgpay serve --workers N`: N uvicorn processes on one socket under a supervising parent.

Run as a user runs it (`python -m pgpay serve`), against the test's own database: deliveries are
answered whichever process takes them, /metrics adds up every process's figures, a process that
dies is replaced, and SIGTERM stops them all and removes the metrics folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from uvicorn.config import STARTUP_FAILURE

from pgpay.bench import children_of
from pgpay.config import Settings
from pgpay.embedded import free_port
from pgpay.errors import ConfigError
from pgpay.pgcall import default_lanes
from pgpay.server import POOL_MAX, create_app
from pgpay.testing.events import StripeFactory
from pgpay.testing.signing import encode_event, sign_payload
from pgpay.workers import (
    METRICS_DIR_PREFIX,
    ServerStartError,
    bind_sockets,
    default_workers,
    remove_orphaned_metrics_dirs,
    worker_app,
)
from tests.conftest import run_pgpay
from tests.ingest.conftest import WEBHOOK_SECRET

START_TIMEOUT = 60.0


def worker_pids(parent: int) -> set[int]:
    """The server processes of a `pgpay serve` parent (multiprocessing's spawned children; not
    its resource tracker)."""
    pids = set()
    for pid in children_of(parent):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.add(pid)
    return pids


def wait_until(
    condition: Callable[[], bool], timeout: float = START_TIMEOUT, what: str = "the condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def webhook_total(url: str) -> dict[str, float]:
    """pgpay_webhook_events_total by outcome, from a new connection (any process may answer)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        text = client.get("/metrics").raise_for_status().text
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "pgpay_webhook_events_total":
                totals[sample.labels["outcome"]] = sample.value
    return totals


def deliver(url: str, events: list[dict[str, object]], connections: int) -> list[int]:
    """POST each signed event, `connections` new keep-alive connections side by side."""

    def send_share(share: list[dict[str, object]]) -> list[int]:
        with httpx.Client(base_url=url, timeout=30) as client:
            statuses = []
            for event in share:
                body = encode_event(event)
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": sign_payload(body, WEBHOOK_SECRET),
                }
                statuses.append(
                    client.post("/webhooks/stripe/test", content=body, headers=headers).status_code
                )
            return statuses

    shares = [events[i::connections] for i in range(connections)]
    with ThreadPoolExecutor(connections) as pool:
        return [status for statuses in pool.map(send_share, shares) for status in statuses]


@contextlib.contextmanager
def serving(database_url: str, home: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`pgpay serve --workers 2` on `database_url`, one delivery connection per process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "PGPAY_"))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        DATABASE_URL=database_url,
        STRIPE_TEST_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PGPAY_HOME=str(home),
        PGPAY_INGEST_CONNECTIONS="2",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgpay", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url) or proc.poll() is not None, what="the server answering")
        assert proc.poll() is None, proc.communicate()[0]
        wait_until(lambda: len(worker_pids(proc.pid)) == 2, what="two server processes")
        yield proc, url
    finally:
        if proc.poll() is None:
            workers = worker_pids(proc.pid)
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in workers:  # (they hold the output pipe open too)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                proc.kill()
                proc.communicate(timeout=30)


@pytest.fixture
def two_workers(
    pgpay_database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    with serving(pgpay_database_url, tmp_path / ".pgpay") as served:
        yield served


def metrics_dir_of(pids: set[int]) -> Path:
    """The one metrics folder the server processes `pids` write to."""
    folders = {
        line.split(b"=", 1)[1].decode()
        for pid in pids
        for line in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        if line.startswith(b"PROMETHEUS_MULTIPROC_DIR=")
    }
    assert len(folders) == 1, "the processes write to one metrics folder"
    return Path(folders.pop())


def test_two_processes_answer_every_delivery_once_and_metrics_add_up(
    two_workers: tuple[subprocess.Popen[str], str], pgpay_database_url: str
) -> None:
    proc, url = two_workers
    metrics_dir = metrics_dir_of(worker_pids(proc.pid))
    factory = StripeFactory(livemode=False)
    events = [
        factory.event("customer.created", factory.customer(email=f"c{i}@example.com"))
        for i in range(40)
    ]
    statuses = deliver(url, events, connections=8)
    assert statuses == [200] * 40
    again = deliver(url, events[:10], connections=2)  # duplicates, whichever process takes them
    assert again == [200] * 10

    with psycopg.connect(pgpay_database_url) as conn:
        stored = conn.execute(
            "SELECT status, count(*) FROM payments.webhook_events GROUP BY status"
        ).fetchall()
        customers = conn.execute("SELECT count(*) FROM payments.customers").fetchone()
        lanes = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE '%ingest_stripe_event%'"
            " AND pid <> pg_backend_pid()"
        ).fetchone()
    assert stored == [("processed", 40)]
    assert customers == (40,)
    assert lanes is not None and 1 <= lanes[0] <= 2  # one delivery connection per process
    # Asked five times over new connections: whichever process answers counts all 50 deliveries.
    for _ in range(5):
        assert webhook_total(url) == {"processed": 40.0, "duplicate": 10.0}

    # A process that counted deliveries is killed: what it counted is only in its own file, and
    # the processes left (its replacement among them) still report every delivery.
    counted = {
        int(path.stem.rsplit("_", 1)[1])
        for path in metrics_dir.glob("counter_*.db")
        if int(path.stem.rsplit("_", 1)[1]) in worker_pids(proc.pid)
    }
    assert counted, "a server process counted the deliveries in the metrics folder"
    gone = min(counted)
    os.kill(gone, signal.SIGKILL)
    wait_until(
        lambda: len(worker_pids(proc.pid)) == 2 and gone not in worker_pids(proc.pid),
        what="a replacement process",
    )
    wait_until(lambda: answers(url), what="the server answering again")
    for _ in range(3):
        assert webhook_total(url) == {"processed": 40.0, "duplicate": 10.0}
    assert deliver(url, events[:4], connections=2) == [200] * 4  # the replacement serves too


@pytest.mark.parametrize(
    "stop",
    [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGINT],
    ids=["SIGTERM", "SIGHUP", "SIGQUIT", "SIGINT"],
)
def test_a_stopping_signal_ends_every_process_as_it_ends_one(
    two_workers: tuple[subprocess.Popen[str], str], stop: signal.Signals
) -> None:
    proc, url = two_workers
    workers = worker_pids(proc.pid)
    metrics_dir = metrics_dir_of(workers)
    factory = StripeFactory(livemode=False)
    events = [factory.event("customer.created", factory.customer()) for _ in range(6)]
    assert deliver(url, events, connections=3) == [200] * 6
    proc.send_signal(stop)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 128 + stop, out  # 143, 129, 131, 130: as with one process
    assert "Traceback" not in out
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers), "the processes are gone"
    assert not metrics_dir.exists(), "the metrics folder pgpay made is removed"


def test_the_processes_end_when_their_parent_is_killed_outright(
    two_workers: tuple[subprocess.Popen[str], str],
) -> None:
    """SIGKILL leaves the parent no chance to stop them: each gets SIGTERM from the kernel and
    ends, so none keeps the port or its database connections."""
    proc, url = two_workers
    workers = worker_pids(proc.pid)
    proc.kill()
    proc.communicate(timeout=60)  # (the processes hold the output pipe: this needs them gone)
    wait_until(
        lambda: all(not Path(f"/proc/{pid}").exists() for pid in workers),
        timeout=30,
        what="the processes ending",
    )
    assert not answers(url)


def test_a_process_that_cannot_build_its_app_exits_with_the_startup_failure_status() -> None:
    """(So that uvicorn's supervisor stops, rather than starting replacements that fail alike.)"""

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("no app today")

    with pytest.raises(SystemExit) as stopped:
        worker_app(Settings.from_env({}), "postgresql://", 2, os.getppid(), broken)
    assert stopped.value.code == STARTUP_FAILURE


def test_a_taken_port_is_a_one_line_error(pgpay_database_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind_sockets("127.0.0.1", port)
        result = run_pgpay(
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            env={"DATABASE_URL": pgpay_database_url, "PGPAY_HOME": str(tmp_path / ".pgpay")},
        )
    assert result.returncode == STARTUP_FAILURE, result.stderr
    assert f"pgpay: error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_metrics_of_several_processes_add_up(tmp_path: Path) -> None:
    """Two processes count deliveries into one folder; a third, which counted nothing, reports
    their sum and still describes the metrics nobody counted."""
    script = textwrap.dedent(
        """
        import sys
        from pgpay.metrics import Metrics
        metrics = Metrics()
        for _ in range(int(sys.argv[1])):
            metrics.observe_webhook("test", "processed", 0.003)
        if sys.argv[2] == "report":
            sys.stdout.write(metrics.exposition().decode())
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in ("3", "4"):
        subprocess.run([sys.executable, "-c", script, count, "quiet"], env=env, check=True)
    report = subprocess.run(
        [sys.executable, "-c", script, "0", "report"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(report)
        for sample in family.samples
    }
    processed = (("environment", "test"), ("outcome", "processed"))
    assert samples[("pgpay_webhook_events_total", processed)] == 7.0
    assert samples[("pgpay_webhook_duration_seconds_count", (("environment", "test"),))] == 7.0
    assert "# TYPE pgpay_api_requests_total counter" in report


def test_processes_share_out_the_database_connections(pgpay_database_url: str) -> None:
    cpus = max(2, min(8, os.cpu_count() or 2))
    assert default_lanes() == cpus  # one process: one connection per CPU, 2 to 8, as before
    assert default_lanes(2) == max(1, cpus // 2)
    assert default_lanes(64) == 1
    assert 1 <= default_workers() <= 8

    def connections(settings: Settings, processes: int) -> tuple[int, int]:
        """(delivery connections, pool size) of one of `processes` server processes."""
        app = create_app(settings, pgpay_database_url, processes=processes).app
        return len(app.ingest.lanes), app.pool.max_size

    assert connections(Settings.from_env({}), 1) == (default_lanes(), POOL_MAX)
    assert connections(Settings.from_env({}), 2) == (default_lanes(2), POOL_MAX // 2)
    assert connections(Settings.from_env({}), 8) == (default_lanes(8), 2)
    # PGPAY_INGEST_CONNECTIONS is shared out too, at least one each
    assert connections(Settings.from_env({"PGPAY_INGEST_CONNECTIONS": "6"}), 2)[0] == 3
    assert connections(Settings.from_env({"PGPAY_INGEST_CONNECTIONS": "3"}), 2)[0] == 1
    assert connections(Settings.from_env({"PGPAY_INGEST_CONNECTIONS": "1"}), 4)[0] == 1


def test_worker_counts_are_checked() -> None:
    assert Settings.from_env({"PGPAY_WORKERS": "3"}).workers == 3
    assert Settings.from_env({"PGPAY_WORKERS": ""}).workers is None
    for bad in ("0", "65", "two", "-1", "\u00b3"):
        with pytest.raises(ConfigError, match="PGPAY_WORKERS must be a whole number"):
            Settings.from_env({"PGPAY_WORKERS": bad})
    result = run_pgpay("serve", env={"PGPAY_WORKERS": "many"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pgpay: error: PGPAY_WORKERS must be a whole number from 1 to 64, not 'many'"
    )
    result = run_pgpay("serve", "--workers", "0")
    assert result.returncode == 2
    assert "--workers must be a whole number from 1 to 64, not '0'" in result.stderr


def test_metrics_folders_of_parents_that_are_gone_are_removed_at_the_next_start() -> None:
    """A parent killed outright (SIGKILL) cannot remove its metrics folder: the next `pgpay serve`
    with several processes removes the folders of parents no longer running, and only those."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    root = Path(tempfile.gettempdir())
    orphan = root / f"{METRICS_DIR_PREFIX}{gone.pid}-x1"
    running = root / f"{METRICS_DIR_PREFIX}{os.getpid()}-x2"
    unrelated = root / f"{METRICS_DIR_PREFIX}notapid"
    try:
        for folder in (orphan, running, unrelated):
            folder.mkdir()
            (folder / "counter_1.db").write_bytes(b"\0" * 8)
        remove_orphaned_metrics_dirs()
        assert not orphan.exists()
        assert running.is_dir() and unrelated.is_dir()
    finally:
        for folder in (orphan, running, unrelated):
            shutil.rmtree(folder, ignore_errors=True)
