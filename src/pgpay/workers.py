"""`pgpay serve --workers N`: N uvicorn processes on sockets bound here, under uvicorn's supervisor.

The parent binds every address the host names (as one uvicorn process does), starts the processes
(multiprocessing's spawn: each imports pgpay afresh and builds its app with `worker_app`), starts a
new one when one dies, and stops them all on SIGINT, SIGTERM, SIGHUP or SIGQUIT, each draining its
requests first; then pgpay exits with the status one process would (130, 143, 129, 131). SIGTTIN
and SIGTTOU add and remove a process (uvicorn's own). A process whose parent dies is sent SIGTERM
(Linux), so none outlives it holding the port.

Their metrics go to a private folder, pgpay-metrics-<parent pid>-* in the temporary folder (unless
PROMETHEUS_MULTIPROC_DIR names one), removed at the end; /metrics adds them up (pgpay.metrics).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from typing import Any

from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import SIGNALS, Multiprocess

from pgpay import LOG_FORMAT
from pgpay.config import Settings
from pgpay.errors import PgpayError
from pgpay.metrics import MULTIPROCESS_DIR_VARIABLE
from pgpay.pgcall import usable_cpus

log = logging.getLogger("pgpay.workers")

METRICS_DIR_PREFIX = "pgpay-metrics-"
"""The private metrics folders of `pgpay serve` parents: pgpay-metrics-<parent's pid>-<random>."""
PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when the thread that started it ends."""
PARENT_POLL_SECONDS = 1.0


class ServerStartError(PgpayError):
    """The server could not start (the port is taken, a process failed to start)."""

    exit_code = STARTUP_FAILURE  # uvicorn's own status for it


def default_workers() -> int:
    """One server process per usable CPU, up to 8: a process runs its Python on one core at a
    time, and a delivery's HTTP and signature work would otherwise wait for the others'."""
    return max(1, min(8, usable_cpus()))


def worker_app(
    settings: Settings, database_url: str, processes: int, parent: int, app_factory: Any
) -> Any:
    """The app of one of `processes` server processes (uvicorn calls it in each new process):
    `app_factory(settings, database_url, processes=processes)`. A process that cannot build its
    app exits with uvicorn's startup-failure status, so the parent stops rather than starting
    replacements that would fail the same way."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    die_with(parent)
    try:
        return app_factory(settings, database_url, processes=processes)
    except Exception:
        log.exception("a server process could not start")
        sys.exit(STARTUP_FAILURE)


def die_with(parent: int) -> None:
    """Get SIGTERM (drain, then exit) when `parent` ends, even killed outright: on Linux from
    the kernel, elsewhere from a thread that watches."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
            if os.getppid() != parent:  # it ended before the call
                os.kill(os.getpid(), signal.SIGTERM)
            return

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="pgpay-parent-watch", daemon=True).start()


class Supervisor(Multiprocess):
    """uvicorn's supervisor of server processes, remembering which signal stopped it; SIGHUP and
    SIGQUIT stop it too, as they stop one process (uvicorn's would restart the processes, and
    ignore SIGQUIT)."""

    stopped_by: signal.Signals | None = None

    def stop(self, sig: signal.Signals) -> None:
        log.info("received %s, stopping the server processes", sig.name)
        self.stopped_by = sig
        self.should_exit.set()

    def handle_int(self) -> None:
        self.stop(signal.SIGINT)

    def handle_term(self) -> None:
        self.stop(signal.SIGTERM)

    def handle_hup(self) -> None:
        self.stop(signal.SIGHUP)

    def handle_quit(self) -> None:
        self.stop(signal.SIGQUIT)


def bind_sockets(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address `host` names (`localhost`: 127.0.0.1 and ::1), for the
    processes to listen on, as one uvicorn process listens on all of them."""
    sockets: list[socket.socket] = []
    try:
        seen = set()
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        for family, kind, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ServerStartError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
            "choose another --port or stop what uses it"
        ) from None
    return sockets


def remove_orphaned_metrics_dirs() -> None:
    """Remove the metrics folders of `pgpay serve` parents that are gone without removing theirs
    (killed outright, a crash; their processes went with them), so they do not pile up."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if not name.startswith(METRICS_DIR_PREFIX):
            continue
        pid = name[len(METRICS_DIR_PREFIX) :].split("-", 1)[0]
        path = os.path.join(root, name)
        try:
            if not pid.isdigit() or os.stat(path).st_uid != os.getuid() or pid_alive(int(pid)):
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # (another user's process)
    return True


def serve_processes(
    settings: Settings, database_url: str, host: str, port: int, count: int
) -> None:
    """Serve with `count` processes until a stopping signal, then exit as one process would.
    Each process builds server.create_app's app, run as server.uvicorn_config says."""
    from pgpay.server import create_app, uvicorn_config  # (pgpay.server calls this module)

    own_dir = None
    if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        remove_orphaned_metrics_dirs()
        own_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
        os.environ[MULTIPROCESS_DIR_VARIABLE] = own_dir  # the new processes inherit it
    handlers = {sig: signal.getsignal(sig) for sig in SIGNALS}
    supervisor = None
    try:
        sockets = bind_sockets(host, port)
        try:
            config = uvicorn_config(
                functools.partial(
                    worker_app, settings, database_url, count, os.getpid(), create_app
                ),
                factory=True,
                host=host,
                port=port,
                log_level="info",
                workers=count,
            )
            log.info("serving on http://%s:%d with %d processes", host, port, count)
            supervisor = Supervisor(config, sockets=sockets)
            supervisor.run()
        finally:
            for sock in sockets:
                sock.close()
            for sig, handler in handlers.items():
                if handler is not None:  # (None: not set from Python; left as it is)
                    signal.signal(sig, handler)
    finally:
        if own_dir is not None:
            os.environ.pop(MULTIPROCESS_DIR_VARIABLE, None)
            shutil.rmtree(own_dir, ignore_errors=True)
    if supervisor is None or supervisor.stopped_by is None:
        raise ServerStartError("a server process could not start: see the log above")
    if supervisor.stopped_by == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + supervisor.stopped_by)
