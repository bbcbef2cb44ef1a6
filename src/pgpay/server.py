"""`pgpay serve`: the webhook ingestor and runtime routes, an ASGI app served by uvicorn."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pgpay.config import ENVIRONMENTS, Settings
from pgpay.ingest import INGEST_SQL, MAX_BODY_BYTES, BadEvent, parse_event, verify_signature
from pgpay.metrics import Metrics

log = logging.getLogger("pgpay.server")
POOL_TIMEOUT_SECONDS = 5.0


class BodyTooLarge(Exception):
    pass


def error(status: int, code: str, message: str) -> JSONResponse:
    """Every error answer: {"error", "message", "statusCode"}."""
    return JSONResponse(
        {"error": code, "message": message, "statusCode": status}, status_code=status
    )


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class App:
    """Holds the pool, settings and metrics shared by the route handlers."""

    def __init__(self, settings: Settings, database_url: str, *, pool_max: int = 8) -> None:
        self.settings = settings
        self.database_url = database_url
        self.metrics = Metrics()
        self.pool = AsyncConnectionPool(
            database_url,
            min_size=1,
            max_size=pool_max,
            open=False,
            timeout=POOL_TIMEOUT_SECONDS,
            kwargs={"autocommit": True, "connect_timeout": 5},
            reconnect_timeout=0,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.pool.open(wait=False)
        try:
            yield
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
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def webhook(self, request: Request) -> Response:
        environment = request.path_params["environment"]
        started = time.perf_counter()
        response = await self._webhook(request, environment)
        if environment in ENVIRONMENTS:
            outcome = getattr(response, "outcome", None) or f"http_{response.status_code}"
            self.metrics.webhook_events.labels(environment, outcome).inc()
            self.metrics.webhook_seconds.labels(environment).observe(time.perf_counter() - started)
        return response

    async def _webhook(self, request: Request, environment: str) -> Response:
        if environment not in ENVIRONMENTS:
            return error(
                404, "unknown_environment", f"no environment {environment!r}: use test or live"
            )
        if not self.settings.environment_enabled(environment):
            return error(
                404, "environment_disabled", "live is disabled: set PGPAY_ALLOW_LIVE=1 to enable it"
            )
        secrets = self.settings.webhook_secrets(environment)
        if not secrets:
            return error(
                503,
                "webhook_secret_missing",
                f"no signing secret configured: set STRIPE_{environment.upper()}_WEBHOOK_SECRET",
            )
        try:
            raw = await read_body(request)
        except BodyTooLarge:
            return error(413, "body_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes")
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError:
            return error(400, "malformed_body", "the body is not UTF-8 text")
        try:
            verify_signature(payload, request.headers.get("stripe-signature"), secrets)
            event = parse_event(payload, environment)
        except BadEvent as exc:
            return error(400, exc.code, exc.message)
        try:
            async with self.pool.connection() as conn:
                cur = await conn.execute(INGEST_SQL, (environment, payload, "webhook"))
                row = await cur.fetchone()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            log.warning("event %s: database unavailable: %s", event.id, exc)
            return error(503, "database_unavailable", "the database is unavailable; retry later")
        except psycopg.DataError as exc:
            return error(400, "malformed_body", f"the event cannot be stored: {exc}")
        except psycopg.Error as exc:
            log.error("event %s: ingest error: %s", event.id, exc)
            return error(500, "ingest_error", "the event could not be recorded; retry later")
        outcome = str(row[0]) if row else "failed"
        if outcome == "failed":
            response: Response = error(
                500, "projection_failed", f"event {event.id} failed; it is stored for replay"
            )
        else:
            response = JSONResponse({"received": True, "id": event.id, "outcome": outcome})
        response.outcome = outcome  # type: ignore[attr-defined]
        return response


def create_app(settings: Settings, database_url: str, **kwargs: Any) -> Starlette:
    app = App(settings, database_url, **kwargs)
    routes = [
        Route("/healthz", app.healthz, methods=["GET"]),
        Route("/metrics", app.metrics_endpoint, methods=["GET"]),
        Route("/webhooks/stripe/{environment}", app.webhook, methods=["POST"]),
    ]
    from pgpay.runtime import runtime_routes  # imports this module: load it once App exists

    routes.extend(runtime_routes(app))
    starlette = Starlette(routes=routes, lifespan=app.lifespan)
    starlette.state.pgpay = app
    return starlette


def serve(settings: Settings, database_url: str, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn drains in-flight requests before returning."""
    config = uvicorn.Config(
        create_app(settings, database_url),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    uvicorn.Server(config).run()
