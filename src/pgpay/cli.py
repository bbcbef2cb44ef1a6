"""The `pgpay` command line. User errors print one line and exit non-zero; no tracebacks."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Literal

import psycopg
from yoyo.exceptions import BadMigration, LockTimeout, MigrationConflict

from pgpay import LOG_FORMAT, __version__, migrate
from pgpay.config import Environment, Settings, parse_count, parse_environment
from pgpay.db import one_line
from pgpay.embedded import database_url
from pgpay.errors import ConfigError, PgpayError

DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.Error,
    BadMigration,
    LockTimeout,
    MigrationConflict,
)

Handler = Callable[[argparse.Namespace, Settings], int]
Progress = bool | Literal["always"]  # as pgpay.feed.Progress

# webhook_events.status values, as pgpay.feed.REPLAY_STATUSES (not imported: --help stays fast)
REPLAY_STATUSES = ("failed", "received", "ignored", "processed")


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    with database_url(settings.database_url, settings.home) as url:
        result = migrate.migrate(url, dry_run=args.dry_run)
    if args.dry_run:
        print("pending migrations:", ", ".join(result.pending) if result.pending else "none")
        print(f"sql/ files re-applied after migrate: {len(result.sql_files)}")
        for name in result.sql_files:
            print(f"  sql/{name}")
        return 0
    for migration_id in result.applied:
        print(f"applied {migration_id}")
    if not result.applied:
        print("migrations: up to date")
    print(f"re-applied {len(result.sql_files)} sql/ files")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    with database_url(settings.database_url, settings.home) as url:
        result = migrate.rollback(url, steps=None if args.all else args.steps)
    for migration_id in result.rolled_back:
        print(f"rolled back {migration_id}")
    if not result.rolled_back:
        print("nothing to roll back")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import status

    with database_url(settings.database_url, settings.home) as url:
        report = status.collect(settings, url)
    if args.json:
        _print_json(report)
    else:
        print(status.render(report))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay.server import serve

    with database_url(settings.database_url, settings.home) as url:
        serve(settings, url, args.host, args.port, args.workers)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay.server import serve

    with database_url(settings.database_url, settings.home) as url:
        result = migrate.migrate(url)
        applied = ", ".join(result.applied) or "up to date"
        print(f"pgpay: migrations {applied}; serving on http://{args.host}:{args.port}", flush=True)
        serve(settings, url, args.host, args.port, args.workers)
    return 0


def _enabled_environment(settings: Settings, environment: str) -> str:
    """The environment, refused when it is `live` and live use is not approved."""
    env = parse_environment(environment)
    if not settings.environment_enabled(env):
        raise ConfigError(
            f"the {env!r} environment is disabled; set PGPAY_ALLOW_LIVE=1 to approve live use"
        )
    return env


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import feed

    environment = _enabled_environment(settings, args.environment)
    events = list(feed.load_events(args.paths))  # every input is read before anything is sent
    progress: feed.Progress = "always" if args.progress == "always" else args.progress == "auto"
    with database_url(settings.database_url, settings.home) as url:
        counts = feed.ingest_events(url, environment, events, source="cli", progress=progress)
    print(feed.summary(counts))
    return 1 if any(n for key, n in counts.items() if key in feed.UNSUCCESSFUL) else 0


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import feed

    if args.environment is not None:
        environment: str | None = _enabled_environment(settings, args.environment)
    else:
        # Without --environment: every environment that may be touched.
        environment = None if settings.environment_enabled("live") else "test"
    with database_url(settings.database_url, settings.home) as url:
        results = feed.replay(
            url,
            environment=environment,
            status=args.status,
            event_id=args.event,
            dry_run=args.dry_run,
        )
    if not results:
        where = f" in {environment!r}" if environment else ""
        print(f"nothing to replay: no {args.status} webhook events{where}")
        return 0
    for item in results:
        outcome = "would replay" if args.dry_run else item.outcome
        print(f"{item.event_id} {item.type}: {outcome}")
    if args.dry_run:
        print(f"dry run: {len(results)} event(s) would be replayed; nothing changed")
        return 0
    counts = feed.replay_counts(results)
    print(f"replayed {len(results)}: {feed.summary(counts, keys=feed.REPLAY_OUTCOMES)}")
    return 1 if any(n for key, n in counts.items() if key in feed.UNSUCCESSFUL) else 0


# ------------------------------------------------------------- Stripe admin: catalog, sync, keys


def _admin_environment(settings: Settings, value: str) -> Environment:
    """As `_enabled_environment`, typed as an Environment."""
    _enabled_environment(settings, value)
    return parse_environment(value)


def _progress_option(args: argparse.Namespace) -> Progress:
    return "always" if args.progress == "always" else args.progress == "auto"


def _run_sync(args: argparse.Namespace, settings: Settings, everything: bool) -> int:
    from pgpay import catalog

    environment = _admin_environment(settings, args.environment)
    scope = catalog.EVERYTHING if everything else catalog.CATALOG
    with database_url(settings.database_url, settings.home) as url:
        results = catalog.sync(settings, url, environment, scope, progress=_progress_option(args))
    print(catalog.render_sync(results))
    return 1 if any(r.unsuccessful for r in results) else 0


def cmd_catalog_sync(args: argparse.Namespace, settings: Settings) -> int:
    return _run_sync(args, settings, everything=False)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    return _run_sync(args, settings, everything=True)


def cmd_catalog_list(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import catalog

    environment = _admin_environment(settings, args.environment)
    with database_url(settings.database_url, settings.home) as url:
        rows = catalog.catalog_rows(url, environment, active_only=args.active)
    if args.json:
        _print_json(rows)
    elif not rows:
        print(
            f"no {'active ' if args.active else ''}products or prices in {environment!r}; "
            f"run: pgpay catalog sync --environment {environment}"
        )
    else:
        print(catalog.render_catalog(rows))
    return 0


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import backfill

    environment = _admin_environment(settings, args.environment)
    since = backfill.parse_since(args.since)
    warning = backfill.retention_warning(since)
    if warning:
        print(warning, file=sys.stderr)
    with database_url(settings.database_url, settings.home) as url:
        try:
            result = backfill.backfill(
                settings, url, environment, since, progress=_progress_option(args)
            )
        except KeyboardInterrupt:
            print(
                "interrupted: the events ingested so far are kept; run the same command again "
                "to ingest the rest (stored events are skipped)",
                file=sys.stderr,
            )
            raise
    print(backfill.render(result))
    return 1 if result.unsuccessful else 0


def cmd_keys_set(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import admin

    if args.key_argv:
        raise ConfigError(
            "the key is read from standard input only, never from the command line (it would "
            f"stay in your shell history): pgpay keys set --environment {args.environment} "
            "< key.txt; consider rolling that key in the Stripe dashboard"
        )
    environment = _admin_environment(settings, args.environment)
    key = admin.read_key(sys.stdin, environment)
    with database_url(settings.database_url, settings.home) as url:
        result = admin.set_key(settings, url, environment, key)
    account = (
        f"for Stripe account {result.account_id}" if result.account_id else "(account unknown)"
    )
    print(
        f"stored the {environment} {result.kind} key (fingerprint {result.fingerprint}) {account} "
        f"in {result.path}, readable only by its owner"
    )
    for note in result.notes:
        print(f"note: {note}")
    return 0


def cmd_webhooks_configure(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import admin

    environment = _admin_environment(settings, args.environment)
    with database_url(settings.database_url, settings.home) as url:
        result = admin.configure_webhook(settings, url, environment, args.url)
    print(admin.render_webhook_result(result, environment))
    return 0


def cmd_webhooks_status(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay import admin

    environment = _admin_environment(settings, args.environment)
    with database_url(settings.database_url, settings.home) as url:
        report = admin.webhook_status(settings, url, environment)
    if args.json:
        _print_json(report)
    else:
        print(admin.render_webhook_status(report))
    return 0 if report["configured"] else 1


def _add_environment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--environment",
        default="test",
        help="test or live (live needs PGPAY_ALLOW_LIVE=1; default test)",
    )


def _add_progress_options(
    parser: argparse.ArgumentParser, default: str = "one when standard error is a terminal"
) -> None:
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const="never",
        default="auto",
        help=f"no progress bar (default: {default})",
    )
    bar.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const="always",
        help="show the progress bar even when standard error is not a terminal",
    )


def _add_admin_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("catalog", help="sync or list Stripe products and prices")
    catalog_sub = p.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    q = catalog_sub.add_parser(
        "sync",
        help="pull every product and price from Stripe into payments.products/prices",
        description=(
            "List every product and price from Stripe (all pages) and feed each as a synthetic "
            "update event through payments.ingest_stripe_event (source 'sync'): changed rows are "
            "updated, unchanged ones answer duplicate, and active products/prices absent from "
            "Stripe are deactivated. Exits 1 when an object failed to apply."
        ),
    )
    _add_environment(q)
    _add_progress_options(q)
    q.set_defaults(handler=cmd_catalog_sync)
    q = catalog_sub.add_parser("list", help="print the mirrored products and prices as a table")
    _add_environment(q)
    q.add_argument("--active", action="store_true", help="only prices (products) on sale")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(handler=cmd_catalog_list)

    p = sub.add_parser(
        "sync",
        help="pull products, prices, customers and subscriptions (all statuses) from Stripe",
        description=(
            "What catalog sync does, then every customer and every subscription (all "
            "statuses), through the same projection path as webhooks, so the fulfilment tables "
            "(entitlements, team billing status) catch up with what Stripe holds."
        ),
    )
    _add_environment(p)
    _add_progress_options(p)
    p.set_defaults(handler=cmd_sync)

    p = sub.add_parser(
        "backfill",
        help="fetch missed events from Stripe's Events API and ingest them",
        description=(
            "Page through Stripe's Events API (events created since --since) and ingest, oldest "
            "first, through the same SQL path as webhooks, every event not stored yet. Safe to "
            "interrupt and run again. Stripe keeps events for 30 days. Exits 1 when an event "
            "failed or was rejected."
        ),
    )
    _add_environment(p)
    p.add_argument(
        "--since",
        default="72h",
        help="how far back: a duration (90s, 30m, 72h, 7d) or an ISO date/time (default 72h)",
    )
    _add_progress_options(p)
    p.set_defaults(handler=cmd_backfill)

    p = sub.add_parser("keys", help="store a Stripe API key server-side")
    keys_sub = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    q = keys_sub.add_parser(
        "set",
        help="check a key (read from standard input) with Stripe and store it under .pgpay/",
        description=(
            "Read the API key from standard input (a hidden prompt on a terminal; never from "
            "the command line), check its prefix and, with Stripe, the account it belongs to, "
            "then store it in .pgpay/secrets.json (mode 600). payments.connections records the "
            "account id and a fingerprint, never the key. STRIPE_<ENV>_SECRET_KEY still wins."
        ),
    )
    _add_environment(q)
    q.add_argument("key_argv", nargs="*", help=argparse.SUPPRESS)
    q.set_defaults(handler=cmd_keys_set)

    p = sub.add_parser("webhooks", help="the pgpay-managed Stripe webhook endpoint")
    hooks_sub = p.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    q = hooks_sub.add_parser(
        "configure",
        help="create or update the one pgpay-managed endpoint; store its signing secret",
        description=(
            "Create (or, when it exists, update) the one pgpay-managed Stripe webhook endpoint "
            "of the environment, subscribed to exactly the event types pgpay handles, with a "
            "pinned API version. A new endpoint's signing secret is stored in "
            ".pgpay/secrets.json; running this again never creates a second endpoint."
        ),
    )
    _add_environment(q)
    q.add_argument(
        "--url",
        required=True,
        help="where Stripe delivers, e.g. https://example.com/webhooks/stripe/test",
    )
    q.set_defaults(handler=cmd_webhooks_configure)
    q = hooks_sub.add_parser(
        "status", help="show the managed endpoint (exit 1 when none is configured)"
    )
    _add_environment(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(handler=cmd_webhooks_status)


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port to bind (default 8787)")
    parser.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        help="server processes sharing the port, 1-64 (default: PGPAY_WORKERS, else one per CPU)",
    )


def _worker_count(value: str) -> int:
    try:
        count = parse_count("--workers", value)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if count is None:
        raise argparse.ArgumentTypeError("--workers must be a whole number from 1 to 64")
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgpay", description="Stripe payments run from inside PostgreSQL."
    )
    parser.add_argument("--version", action="version", version=f"pgpay {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("migrate", help="apply migrations, then re-apply sql/")
    p.add_argument("--dry-run", action="store_true", help="list pending steps, change nothing")
    p.set_defaults(handler=cmd_migrate)

    p = sub.add_parser("rollback", help="roll back the newest migration(s)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--steps", type=int, default=1, help="how many migrations (default 1)")
    group.add_argument("--all", action="store_true", help="roll back every migration")
    p.set_defaults(handler=cmd_rollback)

    p = sub.add_parser("status", help="schema version, environments, webhook events")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser(
        "ingest",
        help="feed event JSON files (unsigned, trusted operator input) through the SQL path",
        description=(
            "Feed Stripe event JSON through payments.ingest_stripe_event. Each PATH is a file "
            "(one event, a JSON list of events, or JSON Lines), a folder (every *.json and "
            "*.jsonl file inside, recursively, sorted) or - for standard input. Every input is "
            "read first: one malformed file stops the command before anything is ingested. "
            "Exits 1 when an event failed or was rejected."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="event file, folder, or -")
    p.add_argument(
        "--environment", default="test", help="test or live; must match livemode (default test)"
    )
    _add_progress_options(p, default="one on a terminal for more than 50 events")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser(
        "replay",
        help="re-run stored webhook events (default: the failed ones)",
        description=(
            "Re-run stored payloads from payments.webhook_events through "
            "payments.ingest_stripe_event (source 'replay'), oldest first. An event that is "
            "already processed answers 'duplicate'. Exits 1 when a replayed event still fails."
        ),
    )
    p.add_argument(
        "--environment",
        default=None,
        help="test or live (default: test, and live too when PGPAY_ALLOW_LIVE=1)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--status",
        default="failed",
        choices=REPLAY_STATUSES,
        help="replay the events with this status (default failed)",
    )
    which.add_argument("--event", metavar="EVENT_ID", help="replay this one event, any status")
    p.add_argument(
        "--dry-run", action="store_true", help="list what would be replayed, change nothing"
    )
    p.set_defaults(handler=cmd_replay)

    p = sub.add_parser("serve", help="serve the webhook ingestor and runtime routes")
    _add_serve_options(p)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("run", help="embedded PostgreSQL (if needed), migrate, then serve")
    _add_serve_options(p)
    p.set_defaults(handler=cmd_run)

    _add_admin_parsers(sub)
    return parser


def _terminate(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (a service manager, `docker stop`) ends pgpay as Ctrl-C does: through its clean-up,
    so an embedded PostgreSQL it started is stopped, with the conventional status 128 + 15. The
    server hands the signal on here once it has drained its requests."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    if threading.current_thread() is threading.main_thread():  # where signals can be handled
        signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        settings = Settings.from_env()  # (a malformed variable is a one-line error too)
        return handler(args, settings)
    except PgpayError as exc:
        print(f"pgpay: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except psycopg.OperationalError as exc:
        print(f"pgpay: error: database unavailable: {one_line(exc)}", file=sys.stderr)
        return 2
    except DATABASE_ERRORS as exc:
        # e.g. the role lacks a privilege: say so in one line rather than with a traceback.
        print(f"pgpay: error: database refused: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
