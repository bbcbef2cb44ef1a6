"""Errors a user can cause: each carries a one-line message naming the problem and the fix."""

from __future__ import annotations


class PgpayError(Exception):
    """An error reported to the user as one line, with a non-zero exit status."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(PgpayError):
    """Bad configuration: a malformed variable, a key for the wrong environment."""

    exit_code = 2


class DatabaseUnavailable(PgpayError):
    """The database cannot be reached or refuses the credentials."""

    exit_code = 2


class EmbeddedPostgresError(PgpayError):
    """The embedded PostgreSQL cannot be found, initialised or started."""

    exit_code = 2
