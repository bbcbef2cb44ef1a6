"""A throw-away PostgreSQL server for tests, and per-test databases copied from a template."""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import testing.postgresql
from psycopg import sql

from pgpay import migrate
from pgpay.embedded import RunAs, find_binary

TEMPLATE_NAME = "pgpay_template"
# Throw-away data: no fsync, no waiting for the WAL flush at commit.
POSTGRES_ARGS = (
    "-h 127.0.0.1 -F -c logging_collector=off -c max_connections=300 "
    "-c shared_buffers=128MB -c synchronous_commit=off"
)


class TestPostgresql(testing.postgresql.Postgresql):  # type: ignore[misc]
    """testing.postgresql's server, able to run when the tests run as root.

    initdb and postgres refuse root, so as root both run as the `postgres` OS user, which is
    given the temporary directory.
    """

    __test__ = False

    child_process: subprocess.Popen[bytes] | None

    def __init__(self, **kwargs: Any) -> None:
        self.run_as = RunAs.detect()
        kwargs.setdefault("initdb", find_binary("initdb"))
        kwargs.setdefault("postgres", find_binary("postgres"))
        kwargs.setdefault("postgres_args", POSTGRES_ARGS)
        super().__init__(**kwargs)

    def _give_to_server_user(self) -> None:
        if self.run_as.uid is None:
            return
        os.chmod(self.base_dir, 0o711)  # noqa: S103 - the server user must traverse it
        self.run_as.chown_tree(Path(self.base_dir))

    def initialize_database(self) -> None:
        self._give_to_server_user()
        data = os.path.join(self.base_dir, "data")
        if os.path.exists(os.path.join(data, "PG_VERSION")):
            return
        args = [self.initdb, "-D", data, "--lc-messages=C", *self.settings["initdb_args"].split()]
        proc = subprocess.run(args, capture_output=True, check=False, **self.run_as.popen_kwargs())
        if proc.returncode != 0:
            raise RuntimeError(f"initdb failed: {proc.stderr.decode(errors='replace')}")

    def start(self) -> None:
        if self.child_process is not None:
            return
        self.prestart()
        self._give_to_server_user()
        with open(os.path.join(self.base_dir, f"{self.name}.log"), "w") as logger:
            self.child_process = subprocess.Popen(
                self.get_server_commandline(),
                stdout=logger,
                stderr=logger,
                start_new_session=True,
                **self.run_as.popen_kwargs(),
            )
        try:
            self.wait_booting()
            self.poststart()
        except Exception:
            self.stop()
            raise

    def url(self, **kwargs: Any) -> str:
        return str(super().url(**kwargs))


class DatabaseFactory:
    """Builds the template database once, then hands out fresh copies of it."""

    def __init__(self, server: TestPostgresql) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._template_ready = False

    def admin_url(self) -> str:
        return self.server.url(database="postgres")

    def url_for(self, name: str) -> str:
        return self.server.url(database=name)

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_url(), autocommit=True)

    def create_empty(self, prefix: str = "pgpay_empty") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def ensure_template(self) -> None:
        with self._lock:
            if self._template_ready:
                return
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(TEMPLATE_NAME)
                    )
                )
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_NAME)))
            migrate.migrate(self.url_for(TEMPLATE_NAME))
            self._template_ready = True

    def create(self, prefix: str = "pgpay_test") -> str:
        """A new database holding the migrated schema; returns its name."""
        self.ensure_template()
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(TEMPLATE_NAME)
                )
            )
        return name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
