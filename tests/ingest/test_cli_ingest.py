"""`pgpay ingest PATH...`: files, folders, stdin, lists and JSON Lines through the one SQL path.

Every case runs the real command line against the test's own database and asserts on the rows
it leaves behind (payments.webhook_events and the mirror tables), not only on the exit code.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pgpay.errors import PgpayError
from pgpay.feed import load_events, parse_text, summary
from pgpay.testing.events import StripeFactory
from tests.conftest import STATE_TABLES, run_pgpay

Conn = psycopg.Connection[Any]


# ------------------------------------------------------------------------------------ helpers


def pgpay(
    url: str, home: Path, *args: str, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`pgpay ARGS` on the test database, with a private PGPAY_HOME and no Stripe secrets."""
    return run_pgpay(
        *args, env={"DATABASE_URL": url, "PGPAY_HOME": str(home / ".pgpay"), **env}, input=input
    )


def customer_events(factory: StripeFactory, n: int) -> list[dict[str, Any]]:
    events = []
    for i in range(n):
        factory.tick(5)
        cus = factory.customer(email=f"buyer{i}@example.com", name=f"Buyer {i}")
        events.append(factory.event("customer.created", cus))
    return events


def unknown_event(factory: StripeFactory) -> dict[str, Any]:
    """An event type pgpay does not project: stored as `ignored`."""
    factory.tick(5)
    obj = {"id": "txr_1Nz", "object": "balance", "available": [], "livemode": factory.livemode}
    return factory.event("balance.available", obj)


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))
    return path


def write_jsonl(path: Path, events: Sequence[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def stored_events(conn: Conn) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "SELECT stripe_event_id, environment::text AS environment, type, status, source,"
        " attempts, last_error, payload FROM payments.webhook_events"
    ).fetchall()
    return {row["stripe_event_id"]: row for row in rows}


def customer_ids(conn: Conn) -> set[str]:
    rows = conn.execute("SELECT stripe_customer_id FROM payments.customers").fetchall()
    return {row["stripe_customer_id"] for row in rows}


def row_counts(conn: Conn) -> dict[str, int]:
    counts = {}
    for table in STATE_TABLES:
        row = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
        counts[table] = int(row["n"]) if row else -1
    return counts


def ledger_snapshot(conn: Conn) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        "SELECT stripe_event_id, status, attempts, source, updated_at, processed_at"
        " FROM payments.webhook_events ORDER BY stripe_event_id"
    ).fetchall()
    return [tuple(row.values()) for row in rows]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    err = result.stderr.strip()
    assert result.returncode == 1, result
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("pgpay: error: "), err
    for needle in needles:
        assert needle in err, err


# ------------------------------------------------------------------------------------ inputs


@pytest.mark.parametrize("form", ["file", "list", "stripe_list", "jsonl", "jsonl_in_json", "stdin"])
def test_each_input_form_is_ingested(
    form: str, pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    factory = StripeFactory(seed=11)
    events = customer_events(factory, 1 if form == "file" else 3)
    stdin = None
    if form == "file":
        args = [str(write_json(tmp_path / "evt.json", events[0]))]
    elif form == "list":
        args = [str(write_json(tmp_path / "events.json", events))]
    elif form == "stripe_list":  # what `stripe events list` prints
        listing = {"object": "list", "data": events, "has_more": False, "url": "/v1/events"}
        args = [str(write_json(tmp_path / "listing.json", listing))]
    elif form == "jsonl":
        args = [str(write_jsonl(tmp_path / "events.jsonl", events))]
    elif form == "jsonl_in_json":  # JSON Lines under a .json name
        args = [str(write_jsonl(tmp_path / "events.json", events))]
    else:
        args, stdin = ["-"], "\n".join(json.dumps(e) for e in events)

    result = pgpay(pgpay_database_url, tmp_path, "ingest", *args, input=stdin)

    assert result.returncode == 0, result.stderr
    n = len(events)
    assert result.stdout.strip() == f"processed {n}, duplicate 0, ignored 0, failed 0, rejected 0"
    stored = stored_events(pgpay_db)
    assert set(stored) == {e["id"] for e in events}
    for event in events:
        row = stored[event["id"]]
        assert (row["status"], row["source"], row["environment"]) == ("processed", "cli", "test")
        assert row["payload"] == event
    assert customer_ids(pgpay_db) == {e["data"]["object"]["id"] for e in events}


def test_folders_files_and_stdin_together(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    factory = StripeFactory(seed=12)
    events = customer_events(factory, 6)
    ignored = unknown_event(factory)
    folder = tmp_path / "dump"
    write_json(folder / "b" / "two.json", events[1:3])
    write_jsonl(folder / "a.jsonl", [events[3], ignored])
    (folder / "notes.txt").write_text("not an event file: skipped by extension")
    write_json(folder / "c" / "deeper" / "one.json", events[4])
    single = write_json(tmp_path / "single.json", events[0])

    result = pgpay(
        pgpay_database_url,
        tmp_path,
        "ingest",
        str(single),
        str(folder),
        "-",
        input=json.dumps(events[5]),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "processed 6, duplicate 0, ignored 1, failed 0, rejected 0"
    stored = stored_events(pgpay_db)
    assert set(stored) == {e["id"] for e in [*events, ignored]}
    assert stored[ignored["id"]]["status"] == "ignored"
    assert {stored[e["id"]]["status"] for e in events} == {"processed"}
    assert len(customer_ids(pgpay_db)) == 6


def test_load_events_reads_folders_sorted_and_labels_each_event(tmp_path: Path) -> None:
    factory = StripeFactory(seed=13)
    events = customer_events(factory, 4)
    write_json(tmp_path / "z.json", events[0])
    write_json(tmp_path / "a" / "list.json", events[1:3])
    write_jsonl(tmp_path / "m.jsonl", [events[3]])

    loaded = list(load_events([str(tmp_path)]))

    assert [label for label, _ in loaded] == [
        f"{tmp_path}/a/list.json#1",
        f"{tmp_path}/a/list.json#2",
        f"{tmp_path}/m.jsonl:1",
        f"{tmp_path}/z.json",
    ]
    assert [e for _, e in loaded] == [events[1], events[2], events[3], events[0]]
    stdin = list(load_events(["-"], stdin=io.StringIO(json.dumps(events))))
    assert [e for _, e in stdin] == events


def test_load_events_validates_everything_before_yielding(tmp_path: Path) -> None:
    good = write_json(tmp_path / "a_good.json", customer_events(StripeFactory(seed=14), 1)[0])
    bad = tmp_path / "b_bad.json"
    bad.write_text('{"id": "evt_1", "type": ')
    stream = load_events([str(good), str(bad)])
    with pytest.raises(PgpayError, match=r"b_bad\.json: not valid JSON"):
        next(stream)  # the first (good) event is not handed out before the bad file is seen


@pytest.mark.parametrize(
    ("text", "json_lines", "problem"),
    [
        ("", False, "is empty"),
        ('{"id": "evt_1",', False, "not valid JSON"),
        ("[1, 2]", False, "x#1: is a JSON number, not an event object"),
        ('"evt_1"', False, "holds a JSON string"),
        ('{"id": "evt_1"}\n{"id": ', False, "x:2: not valid JSON"),
        ('{"a": 1}\n\n[]\n', True, "x:3: is a JSON list"),
    ],
)
def test_parse_text_names_the_problem(text: str, json_lines: bool, problem: str) -> None:
    with pytest.raises(PgpayError, match="nothing was ingested") as info:
        parse_text(text, "x", json_lines=json_lines)
    assert problem in info.value.message


# ------------------------------------------------------------------------------------ outcomes


def test_summary_counts_every_outcome(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    factory = StripeFactory(seed=21)
    events = customer_events(factory, 3)
    ignored = unknown_event(factory)
    live = StripeFactory(livemode=True, seed=22)
    wrong_mode = customer_events(live, 1)[0]
    not_an_event = {"id": "evt_notAnEvent1", "object": "event", "type": "customer.created"}
    batch = [*events, events[0], ignored, wrong_mode, not_an_event]
    path = write_json(tmp_path / "batch.json", batch)

    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(path))

    assert result.returncode == 1  # something was rejected
    assert result.stdout.strip() == "processed 3, duplicate 1, ignored 1, failed 0, rejected 2"
    assert f"rejected {path}#6: event {wrong_mode['id']} has livemode=true" in result.stderr
    assert f"rejected {path}#7: not a Stripe event" in result.stderr
    assert "Traceback" not in result.stderr
    stored = stored_events(pgpay_db)
    assert set(stored) == {e["id"] for e in [*events, ignored]}
    assert {stored[e["id"]]["attempts"] for e in events} == {1}
    assert customer_ids(pgpay_db) == {e["data"]["object"]["id"] for e in events}


def test_an_event_the_database_refuses_is_rejected_and_the_rest_goes_in(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    events = customer_events(StripeFactory(seed=23), 2)
    odd = {**events[0], "id": "evt_has-a-dash"}  # passes check_event, not the SQL's id check
    path = write_json(tmp_path / "batch.json", [odd, events[1]])

    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(path))

    assert result.returncode == 1
    assert result.stdout.strip() == "processed 1, duplicate 0, ignored 0, failed 0, rejected 1"
    assert f"rejected {path}#1 (evt_has-a-dash): the database refused it" in result.stderr
    assert "Traceback" not in result.stderr
    assert set(stored_events(pgpay_db)) == {events[1]["id"]}


def test_livemode_mismatch_is_rejected_and_not_stored(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    test_events = customer_events(StripeFactory(seed=31), 2)
    live_events = customer_events(StripeFactory(livemode=True, seed=32), 1)
    path = write_json(tmp_path / "mixed.json", [*test_events, *live_events])

    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(path), "--environment", "test")
    assert result.returncode == 1
    assert result.stdout.strip() == "processed 2, duplicate 0, ignored 0, failed 0, rejected 1"
    assert "livemode=true" in result.stderr and "'test'" in result.stderr
    assert set(stored_events(pgpay_db)) == {e["id"] for e in test_events}

    # Into live (approved): the test-mode events are the mismatch now, the live one goes in.
    result = pgpay(
        pgpay_database_url, tmp_path, "ingest", str(path), "--environment", "live",
        PGPAY_ALLOW_LIVE="1",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.strip() == "processed 1, duplicate 0, ignored 0, failed 0, rejected 2"
    stored = stored_events(pgpay_db)
    assert stored[live_events[0]["id"]]["environment"] == "live"
    assert len(stored) == 3


def test_live_needs_explicit_approval(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "live.json", customer_events(StripeFactory(True, seed=33), 1))
    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(path), "--environment", "live")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("pgpay: error: ")
    assert "PGPAY_ALLOW_LIVE=1" in result.stderr
    assert row_counts(pgpay_db)["payments.webhook_events"] == 0


@pytest.mark.parametrize(
    ("bad_name", "content", "problem"),
    [
        ("truncated.json", '{"id": "evt_1", "type": "customer.created", ', "not valid JSON"),
        ("numbers.json", "[1, 2, 3]", "is a JSON number, not an event object"),
        ("empty.json", "   \n", "is empty"),
        ("broken.jsonl", "{}\n{nope}\n", "broken.jsonl:2: not valid JSON"),
        ("latin1.json", b'{"name": "Ren\xe9"}', "is not UTF-8 text"),
    ],
)
def test_malformed_input_stops_before_anything_is_stored(
    bad_name: str,
    content: str | bytes,
    problem: str,
    pgpay_database_url: str,
    pgpay_db: Conn,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "events"
    write_json(folder / "0_good.json", customer_events(StripeFactory(seed=41), 3))
    bad = folder / f"9_{bad_name}"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    before = row_counts(pgpay_db)

    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(folder))

    assert_one_line_error(result, str(bad), problem, "nothing was ingested")
    assert result.stdout == ""
    assert row_counts(pgpay_db) == before
    assert before["payments.webhook_events"] == 0


def test_missing_path_is_one_line_error(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    good = write_json(tmp_path / "good.json", customer_events(StripeFactory(seed=42), 1))
    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(good), str(tmp_path / "nope"))
    assert_one_line_error(result, "nope: no such file or folder")
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    result = pgpay(pgpay_database_url, tmp_path, "ingest", str(good), str(empty))
    assert_one_line_error(result, "holds no *.json or *.jsonl files")
    assert row_counts(pgpay_db)["payments.webhook_events"] == 0


def test_reingesting_the_same_files_is_all_duplicate(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    factory = StripeFactory(seed=51)
    product = factory.product("Credits", metadata={"credits": "100"})
    price = factory.price(product["id"], 900)
    catalog = [factory.event("product.created", product), factory.event("price.created", price)]
    folder = tmp_path / "events"
    write_json(folder / "catalog.json", catalog)
    write_jsonl(folder / "customers.jsonl", customer_events(factory, 4))
    write_json(folder / "other.json", unknown_event(factory))

    first = pgpay(pgpay_database_url, tmp_path, "ingest", str(folder))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "processed 6, duplicate 0, ignored 1, failed 0, rejected 0"
    counts, ledger = row_counts(pgpay_db), ledger_snapshot(pgpay_db)
    assert counts["payments.webhook_events"] == 7
    assert counts["payments.customers"] == 4

    again = pgpay(pgpay_database_url, tmp_path, "ingest", str(folder))

    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "processed 0, duplicate 7, ignored 0, failed 0, rejected 0"
    assert row_counts(pgpay_db) == counts
    assert ledger_snapshot(pgpay_db) == ledger  # not even an attempt or a timestamp moved


def test_progress_bar_only_for_many_events(
    pgpay_database_url: str, pgpay_db: Conn, tmp_path: Path
) -> None:
    factory = StripeFactory(seed=61)
    many = write_jsonl(tmp_path / "many.jsonl", customer_events(factory, 51))
    few = write_jsonl(tmp_path / "few.jsonl", customer_events(factory, 3))

    shown = pgpay(pgpay_database_url, tmp_path, "ingest", str(many), "--progress")
    assert shown.returncode == 0, shown.stderr
    assert "51/51" in shown.stderr  # tqdm's counter, on standard error
    assert "processed 51," in shown.stdout and "51/51" not in shown.stdout

    quiet = pgpay(pgpay_database_url, tmp_path, "ingest", str(few), "--progress")
    assert quiet.returncode == 0 and quiet.stderr == ""
    off = pgpay(pgpay_database_url, tmp_path, "ingest", str(many), "--no-progress")
    assert off.returncode == 0 and off.stderr == ""
    assert off.stdout.strip() == "processed 0, duplicate 51, ignored 0, failed 0, rejected 0"
    assert row_counts(pgpay_db)["payments.customers"] == 54


def test_summary_lists_unexpected_outcomes_after_the_known_ones() -> None:
    from collections import Counter

    counts = Counter({"processed": 2, "rejected": 1, "weird": 1})
    assert summary(counts) == "processed 2, duplicate 0, ignored 0, failed 0, rejected 1, weird 1"
