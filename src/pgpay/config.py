"""Configuration from environment variables and the server-side secrets file under `.pgpay/`.

Secrets never leave this module except as the value handed to Stripe or to the signature check;
everything printable goes through `fingerprint`.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from pgpay.errors import ConfigError

Environment = Literal["test", "live"]
ENVIRONMENTS: tuple[Environment, ...] = ("test", "live")
KEY_PREFIXES: dict[Environment, tuple[str, ...]] = {
    "test": ("sk_test_", "rk_test_"),
    "live": ("sk_live_", "rk_live_"),
}


def fingerprint(secret: str) -> str:
    """A short, stable, non-reversible tag for a secret: safe to print and to store."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def parse_environment(value: str) -> Environment:
    if value not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {value!r}: use 'test' or 'live'")
    return value


def parse_count(name: str, value: str | None) -> int | None:
    """A count setting (`name` for the message): unset or empty for the default, else a whole
    number 1-64."""
    if value is None or value.strip() == "":
        return None
    if not (value.strip().isascii() and value.strip().isdigit()) or not 1 <= int(value) <= 64:
        raise ConfigError(f"{name} must be a whole number from 1 to 64, not {value!r}")
    return int(value)


def parse_connections(value: str | None) -> int | None:
    """PGPAY_INGEST_CONNECTIONS: unset or empty for the default, else a whole number 1-64."""
    return parse_count("PGPAY_INGEST_CONNECTIONS", value)


def check_key_prefix(environment: Environment, key: str) -> None:
    """Refuse a Stripe key whose prefix does not belong to the environment."""
    if not key.startswith(KEY_PREFIXES[environment]):
        allowed = " or ".join(KEY_PREFIXES[environment])
        raise ConfigError(
            f"the Stripe key for {environment!r} must start with {allowed}; "
            "check which key you configured for which environment"
        )


_SECRET_CACHE: dict[Path, tuple[tuple[int, int, int, int], dict[str, dict[str, object]]]] = {}


@dataclass
class SecretStore:
    """Secrets kept on the server in `.pgpay/secrets.json`, readable only by its owner."""

    path: Path

    def __post_init__(self) -> None:
        self._fspath = os.fspath(self.path)

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            info = os.stat(self._fspath)
        except FileNotFoundError:
            return {}
        # The server asks on every webhook: re-read only when the file changed.
        signature = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)
        cached = _SECRET_CACHE.get(self.path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        data = self._load(info)
        _SECRET_CACHE[self.path] = (signature, data)
        return data

    def _load(self, info: os.stat_result) -> dict[str, dict[str, object]]:
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{self.path} is readable by other users (mode {mode:o}); "
                f"run: chmod 600 {self.path}"
            )
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{self.path} is not a JSON object; fix or remove it")
        return cast(dict[str, dict[str, object]], data)

    def get(self, environment: Environment, name: str) -> object | None:
        return self._read().get(environment, {}).get(name)

    def set(self, environment: Environment, name: str, value: object) -> None:
        """Store one secret: under an exclusive lock (concurrent writers do not lose each other's
        update), through a private temporary file renamed into place."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _SECRET_CACHE.pop(self.path, None)
            data = copy.deepcopy(self._read())
            data.setdefault(environment, {})[name] = value
            tmp = self.path.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
            os.replace(tmp, self.path)


@dataclass
class Settings:
    """Everything pgpay reads from its environment, resolved once."""

    database_url: str | None
    home: Path
    api_base: str | None
    jwt_secret: str | None
    allow_live: bool
    ingest_connections: int | None = None
    """PGPAY_INGEST_CONNECTIONS: the webhook route's pipelined connections, shared out among the
    server processes (None: one per CPU, see pgcall.default_lanes)."""
    workers: int | None = None
    """PGPAY_WORKERS: `pgpay serve`'s server processes (None: one per CPU, see
    workers.default_workers)."""
    env: dict[str, str] = field(repr=False, default_factory=dict)
    _secret_store: tuple[Path, SecretStore] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("PGPAY_HOME") or Path.cwd() / ".pgpay")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            home=home,
            api_base=env.get("STRIPE_API_BASE") or None,
            jwt_secret=env.get("PGPAY_JWT_SECRET") or None,
            allow_live=env.get("PGPAY_ALLOW_LIVE") == "1",
            ingest_connections=parse_connections(env.get("PGPAY_INGEST_CONNECTIONS")),
            workers=parse_count("PGPAY_WORKERS", env.get("PGPAY_WORKERS")),
            env=env,
        )

    @property
    def secrets(self) -> SecretStore:
        # Asked on every webhook: one store per home rather than a new path each time.
        cached = self._secret_store
        if cached is None or cached[0] is not self.home:
            cached = self._secret_store = (self.home, SecretStore(self.home / "secrets.json"))
        return cached[1]

    def secret_key(self, environment: Environment) -> str | None:
        """The Stripe API key for an environment: the variable wins over the stored file."""
        key = self.env.get(f"STRIPE_{environment.upper()}_SECRET_KEY") or None
        if key is None:
            stored = self.secrets.get(environment, "secret_key")
            key = stored if isinstance(stored, str) and stored else None
        if key is not None:
            check_key_prefix(environment, key)
        return key

    def webhook_secrets(self, environment: Environment) -> list[str]:
        """Signing secrets for an environment (comma-separated variable, then the stored one)."""
        raw = self.env.get(f"STRIPE_{environment.upper()}_WEBHOOK_SECRET", "")
        secrets = [part.strip() for part in raw.split(",") if part.strip()]
        stored = self.secrets.get(environment, "webhook_secret")
        if isinstance(stored, str) and stored and stored not in secrets:
            secrets.append(stored)
        return secrets

    def environment_enabled(self, environment: Environment) -> bool:
        """`live` is touched only with PGPAY_ALLOW_LIVE=1."""
        return environment == "test" or self.allow_live

    def configured_environments(self) -> dict[str, dict[str, object]]:
        """What is configured per environment, printable: fingerprints, never secrets."""
        result: dict[str, dict[str, object]] = {}
        for environment in ENVIRONMENTS:
            try:
                key = self.secret_key(environment)
                key_error = None
            except ConfigError as exc:
                key, key_error = None, exc.message
            hooks = self.webhook_secrets(environment)
            result[environment] = {
                "enabled": self.environment_enabled(environment),
                "secret_key": fingerprint(key) if key else None,
                "secret_key_error": key_error,
                "webhook_secrets": [fingerprint(s) for s in hooks],
            }
        return result
