"""The `pgpay` command line. User errors print one line and exit non-zero; no tracebacks."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from pgpay import __version__, migrate
from pgpay.config import Settings
from pgpay.embedded import database_url
from pgpay.errors import PgpayError

Handler = Callable[[argparse.Namespace, Settings], int]


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
        serve(settings, url, args.host, args.port)
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from pgpay.server import serve

    with database_url(settings.database_url, settings.home) as url:
        result = migrate.migrate(url)
        applied = ", ".join(result.applied) or "up to date"
        print(f"pgpay: migrations {applied}; serving on http://{args.host}:{args.port}", flush=True)
        serve(settings, url, args.host, args.port)
    return 0


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port to bind (default 8787)")


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

    p = sub.add_parser("serve", help="serve the webhook ingestor and runtime routes")
    _add_serve_options(p)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("run", help="embedded PostgreSQL (if needed), migrate, then serve")
    _add_serve_options(p)
    p.set_defaults(handler=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("yoyo").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except PgpayError as exc:
        print(f"pgpay: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
