"""Database connections with errors a user can act on."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import conninfo
from psycopg.rows import DictRow, dict_row

from pgpay.errors import ConfigError, DatabaseUnavailable

CONNECT_TIMEOUT_SECONDS = 10


def redact(url: str) -> str:
    """The URL with any password replaced, for messages."""
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<malformed DATABASE_URL>"
    host = params.get("host") or "localhost"
    port = params.get("port") or 5432
    return f"postgresql://{params.get('user', '')}@{host}:{port}/{params.get('dbname', '')}"


def validate_url(url: str) -> None:
    """Raise ConfigError naming the problem when `url` cannot be parsed as a PostgreSQL URL."""
    if not url.startswith(("postgresql://", "postgres://")) and "=" not in url:
        raise ConfigError(
            "DATABASE_URL is malformed: expected postgresql://user:password@host:port/dbname"
        )
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        detail = str(exc).splitlines()[0]
        raise ConfigError(
            f"DATABASE_URL is malformed ({detail}): "
            "expected postgresql://user:password@host:port/dbname"
        ) from None
    port = str(params.get("port") or "")
    if port and not all(part.isdigit() for part in port.split(",")):
        raise ConfigError(
            f"DATABASE_URL is malformed (port {port!r} is not a number): "
            "expected postgresql://user:password@host:port/dbname"
        )


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or exc.__class__.__name__


def connect(url: str, *, autocommit: bool = True, **kwargs: Any) -> psycopg.Connection[DictRow]:
    """Open a connection with dict rows, or raise DatabaseUnavailable with a one-line reason."""
    validate_url(url)
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    try:
        return psycopg.connect(url, autocommit=autocommit, row_factory=dict_row, **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to {redact(url)}: {one_line(exc)} "
            "(check DATABASE_URL, that the server runs and the password)"
        ) from None
