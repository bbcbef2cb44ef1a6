"""`pgpay status`: schema version, pending migrations, webhook events, configured environments."""

from __future__ import annotations

from typing import Any

from pgpay import migrate
from pgpay.config import Settings
from pgpay.db import connect

_EVENTS_SQL = """
SELECT environment::text AS environment, status, count(*) AS n
FROM payments.webhook_events GROUP BY 1, 2 ORDER BY 1, 2
"""
_LAST_EVENT_SQL = """
SELECT environment::text AS environment, stripe_event_id, type, status, received_at
FROM payments.webhook_events ORDER BY received_at DESC, id DESC LIMIT 1
"""
_OLDEST_UNPROCESSED_SQL = """
SELECT environment::text AS environment, stripe_event_id, type, status, received_at
FROM payments.webhook_events WHERE status IN ('received', 'failed')
ORDER BY received_at, id LIMIT 1
"""
_FAILURES_SQL = """
SELECT environment::text AS environment, stripe_event_id, type, attempts, last_error, received_at
FROM payments.webhook_events WHERE status = 'failed' ORDER BY received_at DESC, id DESC LIMIT 10
"""


def _jsonable(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def collect(settings: Settings, url: str) -> dict[str, Any]:
    report: dict[str, Any] = {"environments": settings.configured_environments()}
    report["pending_migrations"] = migrate.pending(url)
    with connect(url) as conn:
        report["schema_version"] = migrate.schema_version(conn)
        installed = conn.execute("SELECT to_regclass('payments.webhook_events') AS t").fetchone()
        events: dict[str, dict[str, int]] = {}
        report.update(last_event=None, oldest_unprocessed=None, failures=[])
        if installed and installed["t"] is not None:
            for row in conn.execute(_EVENTS_SQL).fetchall():
                events.setdefault(row["environment"], {})[row["status"]] = int(row["n"])
            report["last_event"] = _jsonable(conn.execute(_LAST_EVENT_SQL).fetchone())
            report["oldest_unprocessed"] = _jsonable(
                conn.execute(_OLDEST_UNPROCESSED_SQL).fetchone()
            )
            report["failures"] = [_jsonable(r) for r in conn.execute(_FAILURES_SQL).fetchall()]
        report["webhook_events"] = events
    return report


def first_line(text: object) -> str:
    return str(text or "").strip().splitlines()[0] if text else ""


def render(report: dict[str, Any]) -> str:
    lines = [f"schema version:     {report['schema_version'] or '(not migrated)'}"]
    pending = report["pending_migrations"]
    lines.append(f"pending migrations: {', '.join(pending) if pending else 'none'}")
    lines.append("environments:")
    for name, env in report["environments"].items():
        key = f"key {env['secret_key']}" if env["secret_key"] else "no API key"
        if env["secret_key_error"]:
            key = f"key rejected: {env['secret_key_error']}"
        hooks = env["webhook_secrets"]
        hook = f"{len(hooks)} webhook secret(s) {' '.join(hooks)}" if hooks else "no webhook secret"
        enabled = "" if env["enabled"] else " (disabled: PGPAY_ALLOW_LIVE=1 enables it)"
        lines.append(f"  {name}: {key}; {hook}{enabled}")
    lines.append("webhook events:")
    if not report["webhook_events"]:
        lines.append("  none yet")
    for name, counts in sorted(report["webhook_events"].items()):
        parts = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        lines.append(f"  {name}: {parts}")
    last = report["last_event"]
    if last:
        lines.append(
            f"last event:         {last['stripe_event_id']} {last['type']} ({last['status']}, "
            f"{last['received_at']})"
        )
    oldest = report["oldest_unprocessed"]
    if oldest:
        lines.append(
            f"oldest unprocessed: {oldest['stripe_event_id']} {oldest['type']} "
            f"({oldest['status']}, {oldest['received_at']})"
        )
    if report["failures"]:
        lines.append("recent failures:")
        for failure in report["failures"]:
            lines.append(
                f"  {failure['environment']} {failure['stripe_event_id']} {failure['type']} "
                f"attempts={failure['attempts']}: {first_line(failure['last_error'])}"
            )
    return "\n".join(lines)
