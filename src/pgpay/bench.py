"""`python -m pgpay.bench` (`make bench`): webhook ingest throughput against a same-run baseline.

One run, one throw-away PostgreSQL, two kinds of phase:

- pgpay: `pgpay serve` runs as its own process on a migrated database; S senders (threads, one
  keep-alive HTTP connection each) POST N distinct, realistic, signed Stripe events (catalog,
  customers, one-time checkouts, subscriptions with invoices, refunds, a few unhandled types);
- baseline: S clients (threads, one connection each) insert the same payloads, one autocommit
  `INSERT ... ON CONFLICT DO NOTHING` per event, into a `text` + `jsonb` table.

`--via sql` runs the pgpay phase without HTTP: the senders call payments.ingest_stripe_event
themselves, on connections kept from phase to phase (the database path alone).

After a warm-up of both, R rounds each run one timed phase of each kind, side by side, on fresh
events, each round after an (untimed) `ANALYZE`, as autovacuum keeps statistics current on a
database taking traffic (see `analyze`). The order alternates (pgpay first, then baseline first,
...), so a machine whose speed drifts during the run weighs on both alike. Each round's ratio
compares two neighbouring phases; the verdict is their median. It prints events/s, latency
percentiles and CPU milliseconds per event of each party (client, server, PostgreSQL), so a slow
figure says where the time went.
Everything it starts is stopped again, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from pgpay.ingest import INGEST_SQL
from pgpay.testing.events import JSON, StripeFactory
from pgpay.testing.postgres import DatabaseFactory, TestPostgresql
from pgpay.testing.signing import encode_event, sign_payload

TARGET_RATIO = 0.25
TARGET_SENDERS = 4
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(24)  # a fresh signing secret per run
BASELINE_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS public.bench_baseline (id text PRIMARY KEY, payload jsonb NOT NULL)"
)
BASELINE_INSERT_SQL = (
    "INSERT INTO public.bench_baseline (id, payload) VALUES (%s, %s::jsonb) ON CONFLICT DO NOTHING"
)
SERVER_START_TIMEOUT = 30.0
SIGNATURE_TOLERANCE = 300  # the server refuses signatures older than this


# ------------------------------------------------------------------------------------ events


def build_stories(count: int, seed: int = 1) -> list[list[JSON]]:
    """Independent customer stories, each a list of distinct events in the order Stripe creates
    them, until they hold at least `count` events: a product with a one-time and a monthly price,
    a one-time card purchase (every third one refunded), an anonymous bank-debit purchase, a team
    subscription with one renewal, a customer update and an event type pgpay does not handle."""
    factory = StripeFactory(seed=seed)
    stories: list[list[JSON]] = []
    total = 0
    while total < count:
        n = len(stories) + 1
        story: list[JSON] = []
        product = factory.product(f"Plan {n}", metadata={"credits": "100"})
        one_time = factory.price(product["id"], 1900 + n)
        monthly = factory.price(product["id"], 900, recurring_interval="month")
        story.append(factory.event("product.created", product))
        story.append(factory.event("price.created", one_time))
        story.append(factory.event("price.created", monthly))
        factory.tick(60)
        story += factory.one_time_purchase("user", f"user_{n}", one_time)
        if n % 3 == 0:
            story += factory.refund_events()
        story += factory.one_time_purchase(None, None, one_time, async_payment=True)
        story += factory.subscription_lifecycle(
            "team", f"team_{n}", monthly, quantity=3, renewals=1, end="active"
        )
        customer, previous = factory.update(
            factory.latest("customer"), email=f"billing+{n}@example.com"
        )
        story.append(factory.event("customer.updated", customer, previous))
        payout = {"id": factory.new_id("po"), "object": "payout", "amount": 1000 + n}
        story.append(factory.event("payout.paid", payout))  # a type pgpay does not handle
        factory.tick(3600)
        stories.append(story)
        total += len(story)
    return stories


def build_events(count: int, seed: int = 1, interleave: int = 16) -> list[JSON]:
    """`count` distinct events: groups of `interleave` stories merged round-robin (many customers
    at once, each story still in order), so concurrent senders mostly touch different objects;
    `interleave=1` sends one story after the other (worst case for per-object locks)."""
    stories = build_stories(count, seed)
    events: list[JSON] = []
    for start in range(0, len(stories), max(interleave, 1)):
        group = [iter(story) for story in stories[start : start + max(interleave, 1)]]
        while group:
            for story in list(group):
                event = next(story, None)
                if event is None:
                    group.remove(story)
                else:
                    events.append(event)
    return events[:count]


# ------------------------------------------------------------------------------------ processes


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float | None:
    """User + system CPU seconds of one process (None when it is gone); with `reaped_children`,
    plus those of its children that exited and were waited for (the kernel adds them there)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry.name))
    return pids


@dataclass
class CpuMeter:
    """CPU seconds used by the client (this process), the server and PostgreSQL over a phase.

    PostgreSQL's figure (and the server's, whose processes are children of one supervisor) is the
    postmaster's own CPU, plus that of its children that exited (the postmaster waits for them, so
    the kernel adds their CPU to its children's total), plus that of its live children. It only
    grows: a backend that exits during a phase (the previous phase's, the ANALYZE before a round)
    moves its CPU from the last term to the second, and counts only what it used during the
    phase."""

    server_pid: int | None
    postmaster_pid: int

    def sample(self) -> dict[str, float]:
        return {
            "client": time.process_time(),
            "server": self.tree(self.server_pid) if self.server_pid else 0.0,
            "postgres": self.tree(self.postmaster_pid),
        }

    @staticmethod
    def tree(pid: int) -> float:
        """A process and its children, live or reaped (the server's too: `pgpay serve` runs
        one process per CPU, started and waited for by a supervising parent)."""
        seconds = cpu_seconds(pid, reaped_children=True) or 0.0
        for child in children_of(pid):
            seconds += cpu_seconds(child) or 0.0  # (a child that just exited: in neither term)
        return seconds

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: after[name] - before[name] for name in before}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    database_url: str, port: int, home: Path, log_path: Path, workers: int | None = None
) -> subprocess.Popen[bytes]:
    """`python -m pgpay serve` in its own session (Ctrl-C reaches us, and we stop it)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "PGPAY_")) and k != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        STRIPE_TEST_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PGPAY_HOME=str(home),
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "pgpay", "serve", "--host", "127.0.0.1", "--port"),
                str(port),
                *(("--workers", str(workers)) if workers else ()),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(process, port, log_path)
    except BaseException:
        stop_process(process)
        raise
    return process


def wait_healthy(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"pgpay serve exited at startup:\n{tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"pgpay serve did not become healthy:\n{tail(log_path)}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ------------------------------------------------------------------------------------ load


@dataclass
class PhaseResult:
    name: str
    events: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float]
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_senders(
    senders: int,
    count: int,
    work: Callable[[Any, int], str],
    connect: Callable[[], Any],
    meter: CpuMeter,
) -> PhaseResult:
    """`senders` threads, each with its own connection, take the next index until `count`;
    `work(connection, index)` does one request and returns an outcome label. Time and CPU are
    measured between all connections being open and the last request done (before any
    connection closes: PostgreSQL backends take their CPU counters with them)."""
    indexes = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    ready = threading.Barrier(senders + 1)
    finished = threading.Barrier(senders + 1)
    release = threading.Event()
    stop = threading.Event()

    def sender() -> None:
        mine: list[float] = []
        counted: Counter[str] = Counter()
        connection = None
        try:
            connection = connect()
            ready.wait()
            while not stop.is_set() and (index := next(indexes)) < count:
                started = time.perf_counter()
                counted[work(connection, index)] += 1
                mine.append(time.perf_counter() - started)
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
            ready.abort()
        finally:
            with lock:
                latencies.extend(mine)
                outcomes.update(counted)
            with contextlib.suppress(threading.BrokenBarrierError):
                finished.wait()
            release.wait()
            if connection is not None:
                connection.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    try:
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait()
        before = meter.sample()
        started = time.perf_counter()
        with contextlib.suppress(threading.BrokenBarrierError):
            finished.wait()
        seconds = time.perf_counter() - started
        after = meter.sample()
    except BaseException:  # Ctrl-C: stop the senders after their current request
        stop.set()
        ready.abort()
        finished.abort()
        raise
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
    return PhaseResult(
        "", len(latencies), seconds, latencies, meter.spent(before, after), outcomes, errors
    )


class RawHttpConnection:
    """A keep-alive HTTP/1.1 connection that sends pre-encoded requests and reads just enough of
    each answer (status, Content-Length, body): the senders must not be what the bench measures."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            self.buffer = rest
            self._fill()
            rest = self.buffer
        self.buffer = rest[length:]
        return status, rest[:length]

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


class HttpLoad:
    """Signed deliveries of pre-encoded events over keep-alive connections."""

    def __init__(self, port: int, bodies: Sequence[bytes]) -> None:
        self.port = port
        self.bodies = bodies
        self.requests: list[bytes] = []

    def sign(self) -> None:
        """Sign every body now (signatures expire after SIGNATURE_TOLERANCE seconds)."""
        self.signed_at = time.time()
        self.requests = [
            b"".join(
                (
                    b"POST /webhooks/stripe/test HTTP/1.1\r\n",
                    f"Host: 127.0.0.1:{self.port}\r\n".encode(),
                    b"Content-Type: application/json; charset=utf-8\r\n",
                    f"Stripe-Signature: {sign_payload(body, WEBHOOK_SECRET)}\r\n".encode(),
                    f"Content-Length: {len(body)}\r\n\r\n".encode(),
                    body,
                )
            )
            for body in self.bodies
        ]

    def connect(self) -> RawHttpConnection:
        return RawHttpConnection(self.port)

    def deliver(self, conn: RawHttpConnection, index: int) -> str:
        status, data = conn.exchange(self.requests[index])
        if status == 200:
            return str(json.loads(data)["outcome"])
        return f"http_{status}"


class SqlLoad:
    """The baseline: one autocommit INSERT ... ON CONFLICT DO NOTHING per event."""

    def __init__(self, database_url: str, ids: Sequence[str], payloads: Sequence[str]) -> None:
        self.database_url = database_url
        self.ids = ids
        self.payloads = payloads

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.database_url, autocommit=True)

    def deliver(self, conn: psycopg.Connection[Any], index: int) -> str:
        cur = conn.execute(
            BASELINE_INSERT_SQL, (self.ids[index], self.payloads[index]), prepare=True
        )
        return "inserted" if cur.rowcount == 1 else "conflict"


class KeptConnection:
    """A database connection a sender borrows for one phase and gives back (its `close`), so the
    backends, their compiled functions and cached plans stay warm from phase to phase, as the
    server's pool keeps them."""

    def __init__(self, conn: psycopg.Connection[Any], free: list[KeptConnection]) -> None:
        self.conn = conn
        self.free = free

    def close(self) -> None:
        self.free.append(self)


class IngestLoad:
    """`--via sql`: the pgpay phase without HTTP. Each sender calls
    payments.ingest_stripe_event itself, as the webhook route does, on kept connections."""

    def __init__(
        self, database_url: str, payloads: Sequence[str], free: list[KeptConnection]
    ) -> None:
        self.database_url = database_url
        self.payloads = payloads
        self.free = free

    def connect(self) -> KeptConnection:
        if self.free:
            return self.free.pop()
        return KeptConnection(psycopg.connect(self.database_url, autocommit=True), self.free)

    def deliver(self, kept: KeptConnection, index: int) -> str:
        row = kept.conn.execute(
            INGEST_SQL, ("test", self.payloads[index], "webhook"), prepare=True
        ).fetchone()
        return str(row[0]) if row else "no_answer"


def run_phase(
    name: str,
    meter: CpuMeter,
    senders: int,
    count: int,
    work: Callable[[Any, int], str],
    connect: Callable[[], Any],
) -> PhaseResult:
    result = run_senders(senders, count, work, connect, meter)
    result.name = name
    return result


def combine(name: str, phases: Sequence[PhaseResult]) -> PhaseResult:
    """Several timed phases of one kind as one: their events, time, latencies, CPU and answers."""
    cpu: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for phase in phases:
        cpu.update(phase.cpu)
        statuses.update(phase.statuses)
    return PhaseResult(
        name,
        sum(phase.events for phase in phases),
        sum(phase.seconds for phase in phases),
        [latency for phase in phases for latency in phase.latencies],
        dict(cpu),
        statuses,
        [error for phase in phases for error in phase.errors],
    )


@dataclass
class Round:
    """One timed phase of each kind, run side by side."""

    pgpay: PhaseResult
    baseline: PhaseResult
    pgpay_first: bool

    @property
    def ratio(self) -> float:
        return self.pgpay.rate / self.baseline.rate if self.baseline.rate else 0.0


# ------------------------------------------------------------------------------------ report


def server_processes(args: argparse.Namespace) -> int:
    """How many processes `pgpay serve` ran (its default, unless --workers said)."""
    from pgpay.workers import default_workers

    return int(getattr(args, "workers", None) or default_workers())


def report(
    args: argparse.Namespace,
    pg_version: str,
    rounds: Sequence[Round],
    stored: int,
    expected: int,
    load_before: float,
) -> str:
    over_http = getattr(args, "via", "http") == "http"
    name = "pgpay serve (HTTP+SQL)" if over_http else "pgpay SQL (no HTTP)"
    pgpay = combine(name, [r.pgpay for r in rounds])
    baseline = combine("baseline INSERT", [r.baseline for r in rounds])
    lines = [
        f"pgpay bench{'' if over_http else ' --via sql'}: {args.senders} senders, "
        f"{args.rounds} rounds of {args.events} events "
        f"(+{args.warmup} warm-up), {args.interleave} stories interleaved"
        + (f", {server_processes(args)} server processes" if over_http else ""),
        f"{os.cpu_count()} CPUs (load average {load_before:.2f} before the run), "
        f"Python {platform.python_version()}, {pg_version}",
        "",
        f"{'round':8}{'first':>10}{'pgpay/s':>10}{'baseline/s':>12}{'ratio':>8}",
    ]
    for number, one in enumerate(rounds, 1):
        lines.append(
            f"{number:<8}{'pgpay' if one.pgpay_first else 'baseline':>10}{one.pgpay.rate:10.0f}"
            f"{one.baseline.rate:12.0f}{one.ratio:8.3f}"
        )
    lines += [
        "",
        f"{'all rounds':24}{'events/s':>9}{'p50 ms':>8}{'p99 ms':>8}   CPU ms per event:"
        f"{'client':>7}{'server':>7}{'postgres':>9}{'total':>7}",
    ]
    for phase in (pgpay, baseline):
        per_event = {k: 1000 * v / max(phase.events, 1) for k, v in phase.cpu.items()}
        lines.append(
            f"{phase.name:24}{phase.rate:9.0f}{1000 * phase.percentile(0.5):8.2f}"
            f"{1000 * phase.percentile(0.99):8.2f}{'':20}{per_event.get('client', 0):7.2f}"
            f"{per_event.get('server', 0):7.2f}{per_event.get('postgres', 0):9.2f}"
            f"{sum(per_event.values()):7.2f}"
        )
    lines.append("")
    for phase in (pgpay, baseline):
        busy = ", ".join(
            f"{name} {100 * seconds / phase.seconds:.0f}%" for name, seconds in phase.cpu.items()
        )
        lines.append(f"{phase.name}: CPU busy (100% = one core): {busy}")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(pgpay.statuses.items()))
    lines.append(f"pgpay answers: {outcomes}; ledger rows {stored} of {expected} expected")
    for phase in (pgpay, baseline):
        for error in phase.errors[:5]:
            lines.append(f"{phase.name} error: {error}")
    ratios = [one.ratio for one in rounds]
    ratio = statistics.median(ratios) if ratios else 0.0
    verdict = (
        f"target >= {TARGET_RATIO} at {TARGET_SENDERS} senders: "
        f"{'meets' if ratio >= TARGET_RATIO else 'BELOW'} target"
        if over_http
        else "(no HTTP: what the database path alone reaches; the target is measured over HTTP)"
    )
    pgpay_cpu = sum(pgpay.cpu.values()) / max(pgpay.events, 1)
    baseline_cpu = sum(baseline.cpu.values()) / max(baseline.events, 1)
    cpu_ratio = baseline_cpu / pgpay_cpu if pgpay_cpu else 0.0
    lines += [
        "",
        f"ratio pgpay/baseline = {ratio:.3f} (median of {len(ratios)} rounds, "
        f"{min(ratios, default=0):.3f}-{max(ratios, default=0):.3f})   {verdict}",
        f"(CPU cost ratio baseline/pgpay = {cpu_ratio:.3f}: the ratio a CPU-bound machine "
        "would reach, less sensitive to other load)",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pgpay.bench",
        description="Webhook ingest throughput and latency against a plain-INSERT baseline.",
    )
    parser.add_argument("--senders", type=int, default=4, help="concurrent senders (default 4)")
    parser.add_argument(
        "--events", type=int, default=4000, help="timed events per phase (default 4000)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds, pgpay and baseline each (default 3)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2000,
        help="untimed events first (2000: tables of a size whose statistics lead to the plans "
        "of a database in use)",
    )
    parser.add_argument("--seed", type=int, default=1, help="event generator seed (default 1)")
    parser.add_argument(
        "--via",
        choices=("http", "sql"),
        default="http",
        help="how pgpay gets the events: signed POSTs to pgpay serve (default), or sql: the "
        "senders call payments.ingest_stripe_event themselves (the database path alone)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="pgpay serve's server processes (default: its own default, one per CPU)",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=16,
        help="customer stories sent side by side (default 16; 1: one story after the other)",
    )
    args = parser.parse_args(argv)
    if args.senders < 1 or args.events < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--senders, --events and --rounds must be positive, --warmup not negative")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be positive")
    return args


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C / SIGTERM while a server starts, so it is never left half-registered."""
    received: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


def analyze(database_url: str) -> None:
    """What autovacuum keeps doing on a database taking traffic: statistics that describe the
    tables as they are, so a round measures the steady state rather than plans made for tables a
    fraction of their size.

    Autovacuum re-analyzes a table once about a tenth of it changed, looking once a minute; the
    bench grows its tables ten times over in less than that. Without this before every round,
    the plans cached at the end of the warm-up stay (nothing invalidates them): at a 200-event
    warm-up, one of them reads all of payment_history for every payment, and PostgreSQL's CPU per
    event rose by a tenth with each further 4,000 events."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def run(args: argparse.Namespace) -> str:
    load_before = os.getloadavg()[0]
    total = args.warmup + args.rounds * args.events
    print(f"building {total} events ...", file=sys.stderr, flush=True)
    events = build_events(total, seed=args.seed, interleave=args.interleave)
    bodies = [encode_event(event) for event in events]
    ids = [str(event["id"]) for event in events]
    texts = [body.decode() for body in bodies]
    if len(set(ids)) != len(ids):
        raise RuntimeError("the event generator repeated an event id")

    def part(number: int) -> slice:  # the events of timed round `number` (0-based)
        start = args.warmup + number * args.events
        return slice(start, start + args.events)

    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="pgpay-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        print("starting PostgreSQL and migrating ...", file=sys.stderr, flush=True)
        with interrupts_deferred():
            pg = TestPostgresql()
            stack.callback(pg.stop)
        databases = DatabaseFactory(pg)
        database_url = databases.url_for(databases.create("pgpay_bench"))
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(BASELINE_TABLE_SQL)
            row = conn.execute("SHOW server_version").fetchone()
            pg_version = f"PostgreSQL {row[0] if row else '?'}"

        assert pg.child_process is not None
        sql_meter = CpuMeter(None, pg.child_process.pid)
        server = None
        if args.via == "http":
            port = free_port()
            print(f"starting pgpay serve on port {port} ...", file=sys.stderr, flush=True)
            server = start_server(
                database_url, port, workdir / ".pgpay", workdir / "server.log", args.workers
            )
            stack.callback(stop_process, server)
        http_meter = CpuMeter(server.pid if server else None, pg.child_process.pid)
        kept: list[KeptConnection] = []

        @stack.callback
        def close_kept() -> None:
            for connection in kept:
                connection.conn.close()

        def pgpay_phase(name: str, events: slice) -> PhaseResult:
            if server is None:
                direct = IngestLoad(database_url, texts[events], kept)
                count = len(direct.payloads)
                return run_phase(
                    name, sql_meter, args.senders, count, direct.deliver, direct.connect
                )
            load = HttpLoad(port, bodies[events])
            load.sign()
            count = len(load.requests)
            result = run_phase(name, http_meter, args.senders, count, load.deliver, load.connect)
            if time.time() - load.signed_at > SIGNATURE_TOLERANCE:
                result.errors.append("the phase outlasted the signature tolerance: expect http_400")
            return result

        def baseline_phase(name: str, events: slice) -> PhaseResult:
            load = SqlLoad(database_url, ids[events], texts[events])
            count = len(load.ids)
            return run_phase(name, sql_meter, args.senders, count, load.deliver, load.connect)

        print("warm-up of both ...", file=sys.stderr, flush=True)
        pgpay_phase("warm-up", slice(0, args.warmup))
        baseline_phase("warm-up", slice(0, args.warmup))
        rounds: list[Round] = []
        for number in range(args.rounds):
            print(f"round {number + 1} of {args.rounds} ...", file=sys.stderr, flush=True)
            analyze(database_url)
            pgpay_first = number % 2 == 0
            if pgpay_first:
                http = pgpay_phase("pgpay", part(number))
                sql = baseline_phase("baseline", part(number))
            else:
                sql = baseline_phase("baseline", part(number))
                http = pgpay_phase("pgpay", part(number))
            rounds.append(Round(http, sql, pgpay_first))

        if server is not None:
            stop_process(server)
            # 128 + SIGTERM: pgpay's status after SIGTERM, which uvicorn raises again once drained
            if server.returncode not in (0, 128 + signal.SIGTERM, None):
                rounds[-1].pgpay.errors.append(f"pgpay serve exited with {server.returncode}")
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM payments.webhook_events").fetchone()
            stored = int(row[0]) if row else -1
        return report(args, pg_version, rounds, stored, total, load_before)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        print(run(args), flush=True)
    except KeyboardInterrupt:
        print("pgpay bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"pgpay bench: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
