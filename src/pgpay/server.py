"""`pgpay serve`: the webhook ingestor and runtime routes, an ASGI app served by uvicorn."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import psycopg
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pgpay.config import ENVIRONMENTS, Settings
from pgpay.errors import ConfigError
from pgpay.http_protocol import HttpProtocol
from pgpay.ingest import MAX_BODY_BYTES, BadEvent, parse_event, verify_signature
from pgpay.metrics import Metrics
from pgpay.pgcall import PipelinedCall, default_lanes

log = logging.getLogger("pgpay.server")
POOL_TIMEOUT_SECONDS = 5.0
POOL_MAX = 8
"""Connections the routes other than the webhook's may hold, shared out among the processes."""
DEADLOCK_RETRIES = 3
WEBHOOK_PREFIX = "/webhooks/stripe/"
# The one statement of every delivery (payments.ingest_stripe_event, as INGEST_SQL elsewhere).
INGEST_NAME = "pgpay_ingest_stripe_event"
INGEST_STATEMENT = "SELECT payments.ingest_stripe_event($1, $2::jsonb, $3)"


class BodyTooLarge(Exception):
    pass


def error(status: int, code: str, message: str) -> JSONResponse:
    """Every error answer: {"error", "message", "statusCode"}."""
    return JSONResponse(
        {"error": code, "message": message, "statusCode": status}, status_code=status
    )


async def read_asgi_body(
    headers: dict[bytes, bytes], receive: Receive, limit: int = MAX_BODY_BYTES
) -> bytes:
    """The body of a raw ASGI request, refusing more than `limit` bytes (BodyTooLarge)."""
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyTooLarge if size > limit else ConnectionError("client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class App:
    """Holds the pool, settings and metrics shared by the route handlers."""

    def __init__(
        self,
        settings: Settings,
        database_url: str,
        *,
        pool_max: int | None = None,
        processes: int = 1,
    ) -> None:
        """`processes`: how many server processes serve (this one among them), so that they
        share out the delivery connections (PGPAY_INGEST_CONNECTIONS, else one per CPU) and the
        other routes' POOL_MAX connections (at least 2 each) instead of each opening as many."""
        if pool_max is None:
            pool_max = max(2, POOL_MAX // processes)
        self.settings = settings
        self.database_url = database_url
        self.metrics = Metrics()
        lanes = default_lanes(processes, settings.ingest_connections)
        self.ingest = PipelinedCall(database_url, INGEST_NAME, INGEST_STATEMENT, lanes=lanes)
        self.pool = AsyncConnectionPool(
            database_url,
            min_size=1,
            max_size=pool_max,
            open=False,
            timeout=POOL_TIMEOUT_SECONDS,
            kwargs={"autocommit": True, "connect_timeout": 5},
            # Deliveries have connections of their own, so nothing else finds out that a pooled
            # connection died while the database was away: check each one before handing it out.
            check=AsyncConnectionPool.check_connection,
            # Keep trying to reconnect in the background while the database is away.
            reconnect_timeout=3600,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.pool.open(wait=False)
        try:
            yield
        finally:
            try:
                await self.ingest.close()
            finally:
                await self.pool.close()

    async def healthz(self, _request: Request) -> Response:
        try:
            async with self.pool.connection() as conn:
                await conn.execute("SELECT 1")
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("health check: database unavailable: %s", exc)
            return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def metrics_endpoint(self, _request: Request) -> Response:
        return Response(self.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def handle_webhook(
        self, environment: str, headers: dict[bytes, bytes], receive: Receive
    ) -> tuple[int, dict[str, Any], str]:
        """One delivery: (HTTP status, JSON body, outcome label for metrics)."""
        if environment not in ENVIRONMENTS:
            return problem(
                404, "unknown_environment", f"no environment {environment!r}: use test or live"
            )
        if not self.settings.environment_enabled(environment):
            return problem(
                404, "environment_disabled", "live is disabled: set PGPAY_ALLOW_LIVE=1 to enable it"
            )
        try:
            secrets = self.settings.webhook_secrets(environment)
        except ConfigError as exc:
            log.error("webhook secrets unreadable: %s", exc.message)
            return problem(503, "webhook_secret_unreadable", exc.message)
        if not secrets:
            return problem(
                503,
                "webhook_secret_missing",
                f"no signing secret configured: set STRIPE_{environment.upper()}_WEBHOOK_SECRET",
            )
        try:
            raw = await read_asgi_body(headers, receive)
        except BodyTooLarge:
            return problem(413, "body_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes")
        except ConnectionError:
            return problem(400, "incomplete_body", "the client went away before the body ended")
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError:
            return problem(400, "malformed_body", "the body is not UTF-8 text")
        signature = headers.get(b"stripe-signature")
        try:
            verify_signature(payload, signature.decode("latin-1") if signature else None, secrets)
            event = parse_event(raw, environment)
        except BadEvent as exc:
            return problem(400, exc.code, exc.message)
        for attempt in range(1, DEADLOCK_RETRIES + 1):
            try:
                row = await self.ingest((environment, raw, "webhook"))  # UTF-8: decoded above
                break
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure) as exc:
                # Before OperationalError, their base class. Nothing was stored: the transaction
                # rolled back whole. Try again at once.
                if attempt == DEADLOCK_RETRIES:
                    log.warning("event %s: gave up after %d conflicts: %s", event.id, attempt, exc)
                    return problem(
                        503, "database_busy", "the event conflicted with others; retry later"
                    )
            except psycopg.OperationalError as exc:
                log.warning("event %s: database unavailable: %s", event.id, exc)
                return problem(
                    503, "database_unavailable", "the database is unavailable; retry later"
                )
            except psycopg.DataError as exc:
                return problem(400, "malformed_body", f"the event cannot be stored: {exc}")
            except psycopg.Error as exc:
                log.error("event %s: ingest error: %s", event.id, exc)
                return problem(500, "ingest_error", "the event could not be recorded; retry later")
        outcome = str(row[0]) if row else "failed"
        if outcome == "failed":
            status, body, _ = problem(
                500, "projection_failed", f"event {event.id} failed; it is stored for replay"
            )
            return status, body, outcome
        return 200, {"received": True, "id": event.id, "outcome": outcome}, outcome

    async def webhook_asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """POST /webhooks/stripe/{environment}, served without the framework: it is the hot path."""
        environment = scope["path"][len(WEBHOOK_PREFIX) :]
        started = time.perf_counter()
        headers = dict(scope["headers"])
        status, body, outcome = await self.handle_webhook(environment, headers, receive)
        encoded = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(encoded)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": encoded})
        if environment in ENVIRONMENTS:
            self.metrics.observe_webhook(environment, outcome, time.perf_counter() - started)


async def http_error(_request: Request, exc: Exception) -> Response:
    """Starlette's own answers (unknown path, wrong method) in pgpay's JSON error shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error(
        status, codes.get(status, "http_error"), str(getattr(exc, "detail", "")) or "error"
    )


def problem(status: int, code: str, message: str) -> tuple[int, dict[str, Any], str]:
    return status, {"error": code, "message": message, "statusCode": status}, f"http_{status}"


class WebhookFastPath:
    """Hands POST /webhooks/stripe/{environment} to the webhook handler, the rest to Starlette."""

    def __init__(self, app: App, inner: Starlette) -> None:
        self.app = app
        self.inner = inner
        self.state = inner.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith(WEBHOOK_PREFIX)
            and "/" not in scope["path"][len(WEBHOOK_PREFIX) :]
        ):
            await self.app.webhook_asgi(scope, receive, send)
            return
        await self.inner(scope, receive, send)


def create_app(settings: Settings, database_url: str, **kwargs: Any) -> WebhookFastPath:
    app = App(settings, database_url, **kwargs)
    routes = [
        Route("/healthz", app.healthz, methods=["GET"]),
        Route("/metrics", app.metrics_endpoint, methods=["GET"]),
    ]
    from pgpay.runtime import runtime_routes  # imports this module: load it once App exists

    routes.extend(runtime_routes(app))
    starlette = Starlette(
        routes=routes,
        lifespan=app.lifespan,
        exception_handlers={HTTPException: http_error},
    )
    starlette.state.pgpay = app
    return WebhookFastPath(app, starlette)


def uvicorn_config(app: Any, **options: Any) -> uvicorn.Config:
    """How pgpay runs an app under uvicorn (`pgpay serve`, and the tests' servers)."""
    settings: dict[str, Any] = {
        "lifespan": "on",
        "access_log": False,
        "server_header": False,
        # pgpay reads neither the client's address nor the scheme: no X-Forwarded-* rewriting,
        # one middleware less on every delivery.
        "proxy_headers": False,
        "http": HttpProtocol,  # uvicorn's httptools protocol, one send per answer
    }
    settings.update(options)
    return uvicorn.Config(app, **settings)


def serve(
    settings: Settings, database_url: str, host: str, port: int, workers: int | None = None
) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn drains in-flight requests before returning.
    `workers` (else PGPAY_WORKERS, else one per CPU) server processes: see pgpay.workers."""
    from pgpay.workers import default_workers, serve_processes

    count = workers or settings.workers or default_workers()
    if count == 1:
        config = uvicorn_config(
            create_app(settings, database_url), host=host, port=port, log_level="info"
        )
        uvicorn.Server(config).run()
        return
    serve_processes(settings, database_url, host, port, count)
