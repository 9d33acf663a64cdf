"""The store on SQLite and PostgreSQL: an older schema is upgraded when opened; imports agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from policysite.cli import main
from tests.conftest import GitRepo
from tests.notify.conftest import write_subscribers

SCHEMA_3_COLUMNS = {
    "subscribers": ("undeliverable", "undeliverable_since"),
    "announcements": ("notice_given", "short_notice", "erased"),
    "deliveries": ("claims", "first_attempt", "last_attempt", "reply", "locale"),
}
# COPY's text format gives \ and \N a meaning: they must arrive as written.
BACKSLASHES = "Per \\N Back\\slash\\"


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'notify.db'}"
    url: str = request.getfixturevalue("pg_url")
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", url)
    return url


def test_a_schema_1_store_is_upgraded_when_opened(
    site: GitRepo, tmp_path: Path, database: str
) -> None:
    write_subscribers(tmp_path / "people.csv", 4)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    engine = create_engine(database)
    with engine.begin() as conn:  # back to schema 1: no cancelled count, no outboxes
        conn.execute(text("DROP TABLE outboxes"))
        conn.execute(text("ALTER TABLE announcements DROP COLUMN cancelled"))
        # … and none of schema 3: no ledger columns, bounces, anonymous rows or seals
        for table, columns in SCHEMA_3_COLUMNS.items():
            for column in columns:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE anonymous_deliveries"))
        conn.execute(text("DROP TABLE ledger_seals"))
        # … and none of schema 4: no webhook tables
        for table in ("webhook_attempts", "webhook_deliveries", "webhook_events"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("UPDATE policysite_schema SET version = 1"))
        assert conn.execute(text("SELECT max(version) FROM policysite_schema")).scalar() == 1

    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert "privacy 2.0: sent 4, failed 0, skipped 0" in out
    assert cli(site, "subscribers", "erase", "user1@example.org")[1].startswith(
        "Erased the subscriber, 1 delivery record(s) and 1 outbox copies"
    )
    with engine.begin() as conn:
        assert conn.execute(text("SELECT max(version) FROM policysite_schema")).scalar() == 4
        assert conn.execute(text("SELECT count(*) FROM webhook_events")).scalar() == 0
        assert conn.execute(
            text("SELECT recipients, sent, failed, cancelled, erased FROM announcements")
        ).all() == [(4, 4, 0, 0, 1)]
        assert conn.execute(
            text("SELECT why, status, attempts FROM anonymous_deliveries")
        ).all() == [("erased", "sent", 1)]
    engine.dispose()


def test_an_import_updates_only_the_columns_given_on_either_database(
    site: GitRepo, tmp_path: Path, database: str
) -> None:
    """PostgreSQL stages the file with COPY, SQLite with executemany: the same outcome."""
    first = tmp_path / "first.csv"
    first.write_text(
        "email,name,locale,timezone,status\n"
        "ola@example.com,Ola Nordmann,nb,Europe/Oslo,inactive\n"
        'kari@example.com,"Kari, ""K"" Nordmann",en,,\n',
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "import", str(first)) == (
        0,
        "Imported 2 subscribers (2 new, 0 updated).\n",
    )
    second = tmp_path / "second.jsonl"
    lines = [
        {"email": "OLA@example.com", "timezone": ""},
        {"email": "kari@example.com", "status": "inactive", "name": None},
        {"email": "per@example.com", "name": "Per"},
        {"email": "per@example.com", "name": BACKSLASHES},  # the last one of an address wins
    ]
    second.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert cli(site, "subscribers", "import", str(second)) == (
        0,
        "Imported 3 subscribers (1 new, 2 updated).\n",
    )
    engine = create_engine(database)
    with engine.begin() as conn:
        stored = conn.execute(
            text("SELECT email, name, locale, timezone, status FROM subscribers ORDER BY email")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [
        ("kari@example.com", 'Kari, "K" Nordmann', "en", "", "inactive"),
        ("ola@example.com", "Ola Nordmann", "nb", "", "inactive"),
        ("per@example.com", BACKSLASHES, "", "", "active"),
    ]


def test_a_new_sqlite_store_waits_for_another_process_holding_the_file(tmp_path: Path) -> None:
    """Switching a file to WAL does not run SQLite's busy handler: two senders opening a new
    store at once failed with "database is locked" (a CI run). Opening waits instead."""
    import sqlite3
    import threading

    from sqlalchemy.engine import make_url

    from policysite.notify.store import Store

    path = tmp_path / "notify.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE other (x)")
    # A process writing in the default rollback mode holds the RESERVED lock: SQLite then
    # refuses the switch at once rather than wait (its deadlock rule), busy timeout or not.
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO other VALUES (1)")
    timer = threading.Timer(0.5, holder.commit)
    timer.start()
    try:
        store = Store.open(make_url(f"sqlite:///{path}"))
    finally:
        timer.join()
        holder.close()
    assert store is not None
    try:
        assert store.webhook_rows() == []
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
