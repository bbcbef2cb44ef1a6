"""The embedded PostgreSQL used when DATABASE_URL is unset.

Its data lives under `.pgpay/postgres/` and is kept across runs. A running server is reused; a
file lock and PostgreSQL's own postmaster.pid make sure one data directory never gets two
servers. `initdb`, `pg_ctl` and `postgres` refuse to run as root, so as root every server
command runs as the unprivileged `postgres` OS user, which owns the server's directories.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pgpay.errors import EmbeddedPostgresError

SERVER_USER = "postgres"
DATABASE_NAME = "pgpay"
DEFAULT_PORT = 54329
_INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH: "
    "install PostgreSQL 13 or newer (Debian/Ubuntu: apt-get install postgresql) "
    "or set DATABASE_URL to an existing database"
)


def find_binary(name: str) -> str:
    """Locate a PostgreSQL binary: in PGPAY_PG_BINDIR when set, else PATH and usual places."""
    bindir = os.environ.get("PGPAY_PG_BINDIR")
    if bindir:
        candidate = Path(bindir) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise EmbeddedPostgresError(f"{name} is not in PGPAY_PG_BINDIR={bindir}; " + _INSTALL_HINT)
    found = shutil.which(name)
    if found:
        return found
    patterns = (
        "/usr/lib/postgresql/*/bin",
        "/usr/local/pgsql/bin",
        "/opt/homebrew/opt/postgresql*/bin",
    )
    for pattern in patterns:
        for directory in sorted(glob.glob(pattern), reverse=True):
            candidate = Path(directory) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    raise EmbeddedPostgresError(_INSTALL_HINT)


@dataclass(frozen=True)
class RunAs:
    """Who server commands run as: ourselves, or `postgres` when we are root."""

    uid: int | None
    gid: int | None

    @classmethod
    def detect(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls(None, None)
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise EmbeddedPostgresError(
                f"running as root needs an unprivileged '{SERVER_USER}' OS user to own the "
                f"embedded PostgreSQL: create it (useradd --system {SERVER_USER}) "
                "or run pgpay as a normal user"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    def popen_kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def chown_tree(self, root: Path) -> None:
        """Hands `root` and everything under it to the server user (nothing to do as non-root)."""
        if self.uid is None:
            return
        for parent, dirs, files in os.walk(root):
            for name in [*dirs, *files]:
                self.chown(Path(parent) / name)
        self.chown(root)

    def can_traverse(self, path: Path) -> bool:
        """Whether the server user can reach `path` (every parent must be searchable)."""
        if self.uid is None:
            return True
        probe = subprocess.run(
            ["test", "-x", str(path)], check=False, capture_output=True, **self.popen_kwargs()
        )
        return probe.returncode == 0


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free on 127.0.0.1, else any free port."""
    candidates = [preferred] if preferred else []
    for port in [*candidates, 0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise EmbeddedPostgresError("no free TCP port on 127.0.0.1 for the embedded PostgreSQL")


class EmbeddedPostgres:
    """A PostgreSQL cluster under `home/postgres`, started on demand on 127.0.0.1."""

    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.run_as = RunAs.detect()
        self.root = self._server_root()
        self.data_dir = self.root / "data"
        self.log_file = self.root / "server.log"
        self.state_file = self.home / "embedded-postgres.json"
        self.lock_file = self.home / "embedded-postgres.lock"
        self.started_here = False

    def _server_root(self) -> Path:
        """`home/postgres`, or, when the server user cannot reach `home` (a checkout under a
        private folder such as /root), a folder under /var/lib/pgpay linked from there."""
        link = self.home / "postgres"
        if link.is_symlink() or self.run_as.uid is None:
            return link.resolve()
        probe = self.home if self.home.exists() else self.home.parent
        if self.run_as.can_traverse(probe):
            return link
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:16]
        outside = Path("/var/lib/pgpay") / digest
        outside.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(outside.parent, 0o755)  # noqa: S103 - the server user must traverse it
        self.home.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(outside, target_is_directory=True)
        return outside

    # -- state ---------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {}
        try:
            return dict(json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise EmbeddedPostgresError(
                f"{self.state_file} is unreadable ({exc}): restore it, or remove {self.root} "
                "and it to start afresh"
            ) from None

    def _save_state(self, state: dict[str, Any]) -> None:
        fd = os.open(self.state_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(state, handle, indent=2)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run(
                args,
                check=False,
                capture_output=True,
                text=True,
                cwd="/",
                start_new_session=True,
                **self.run_as.popen_kwargs(),
            )
        except OSError as exc:
            raise EmbeddedPostgresError(f"cannot run {args[0]}: {exc}") from None
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            last = detail[-1] if detail else f"exit status {result.returncode}"
            raise EmbeddedPostgresError(
                f"{Path(args[0]).name} failed: {last} (server log: {self.log_file})"
            )
        return result

    # -- lifecycle ----------------------------------------------------------------------
    def _initdb(self, state: dict[str, Any]) -> None:
        initdb = find_binary("initdb")
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o711)  # noqa: S103 - traversable, not listable
        os.chmod(self.root, 0o700)
        self.run_as.chown(self.root)
        if not self.run_as.can_traverse(self.root):
            raise EmbeddedPostgresError(
                f"the '{SERVER_USER}' OS user cannot reach {self.root}: make its parent folders "
                "searchable (chmod o+x) or set DATABASE_URL"
            )
        password = secrets.token_urlsafe(24)
        pwfile = self.root / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        self.run_as.chown(pwfile)
        try:
            self._run(
                [
                    initdb,
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        # A Unix socket path is limited to ~100 bytes; deep checkouts fall back to TCP only.
        socket_dir = str(self.root) if len(str(self.root)) < 80 else ""
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# pgpay embedded server\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{socket_dir}'\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
            )
        state.update({"password": password, "port": DEFAULT_PORT})
        self._save_state(state)

    def _running_port(self) -> int | None:
        """The port of the server running on our data directory, if one runs."""
        pg_ctl = find_binary("pg_ctl")
        status = self._run([pg_ctl, "status", "-D", str(self.data_dir)], check=False)
        if status.returncode != 0:
            return None
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def start(self) -> str:
        """Start (or reuse) the server; return a connection URL to the `pgpay` database."""
        with self._locked():
            state = self._state()
            if not (self.data_dir / "PG_VERSION").exists() or "password" not in state:
                if self.data_dir.exists() and any(self.data_dir.iterdir()):
                    raise EmbeddedPostgresError(
                        f"{self.data_dir} holds a cluster pgpay did not create or whose "
                        f"password file {self.state_file} is missing: remove {self.root} "
                        "to start afresh"
                    )
                self._initdb(state)
            port = self._running_port()
            if port is None:
                port = free_port(int(state.get("port") or DEFAULT_PORT))
                pg_ctl = find_binary("pg_ctl")
                self.log_file.touch(exist_ok=True)
                self.run_as.chown(self.log_file)
                self._run(
                    [
                        pg_ctl,
                        "start",
                        "-D",
                        str(self.data_dir),
                        "-l",
                        str(self.log_file),
                        "-w",
                        "-t",
                        "60",
                        "-o",
                        f"-p {port}",
                    ]
                )
                self.started_here = True
                state["port"] = port
                self._save_state(state)
            url = self.url(port, state["password"], "postgres")
            self._ensure_database(url)
            return self.url(port, state["password"], DATABASE_NAME)

    @staticmethod
    def url(port: int, password: str, dbname: str) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{port}/{dbname}"

    @staticmethod
    def _ensure_database(admin_url: str) -> None:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(f"CREATE DATABASE {DATABASE_NAME}")

    def stop(self) -> None:
        """Stop the server cleanly (fast shutdown: sessions are ended, data is flushed)."""
        with self._locked():
            if self._running_port() is None:
                return
            pg_ctl = find_binary("pg_ctl")
            self._run([pg_ctl, "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60"])
            self.started_here = False

    def is_running(self) -> bool:
        return self._running_port() is not None


@contextlib.contextmanager
def database_url(url: str | None, home: Path) -> Iterator[str]:
    """Yield `url`, or the embedded server's URL; stop the server afterwards if we started it."""
    if url:
        yield url
        return
    server = EmbeddedPostgres(home)
    embedded_url = server.start()
    try:
        yield embedded_url
    finally:
        if server.started_here:
            server.stop()
