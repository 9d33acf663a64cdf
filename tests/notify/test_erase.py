"""Erase leaves nothing of the person behind: not in the outbox, not in the database's files.

Issue 10, item 16: erase left the address and name in outbox ``.eml`` files, the SQLite store
was created world-readable, and on PostgreSQL the address stayed in dead tuples.
"""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.notify import store as store_module
from tests.conftest import GitRepo
from tests.notify.conftest import write_subscribers


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def copies_of(folder: Path, needle: bytes) -> list[str]:
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*.eml") if needle in p.read_bytes()
    )


def test_erase_removes_the_outbox_copies_of_every_notice(site: GitRepo, tmp_path: Path) -> None:
    write_subscribers(tmp_path / "people.csv", 3)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send")[0] == 0  # the default outbox, in the site
    other = tmp_path / "elsewhere"
    late = ("--short-notice", "a test of an old version")
    assert cli(site, "notify", "--send", "--version", "1.0", "--outbox", str(other), *late)[0] == 0
    default = site.path / "outbox"
    person = b"user1@example.org"
    assert len(copies_of(default, person)) == 1 and len(copies_of(other, person)) == 1
    assert len(copies_of(default, b"User Nummer 1")) == 1

    assert cli(site, "subscribers", "erase", "user1@example.org") == (
        0,
        "Erased the subscriber, 2 delivery record(s) and 2 outbox copies; announcement counts "
        "are kept.\n",
    )
    assert copies_of(default, person) == copies_of(other, person) == []
    assert copies_of(default, b"User Nummer 1") == []
    assert len(list(default.rglob("*.eml"))) == 2 and len(list(other.rglob("*.eml"))) == 2


def test_erase_after_purge_still_finds_the_outbox_copies(site: GitRepo, tmp_path: Path) -> None:
    write_subscribers(tmp_path / "people.csv", 2)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    outbox = tmp_path / "out"
    assert cli(site, "notify", "--send", "--outbox", str(outbox))[0] == 0
    assert cli(site, "purge", "--older-than", "0")[1].startswith("Purged 2 delivery record(s)")
    assert cli(site, "subscribers", "erase", "user0@example.com")[0] == 0
    assert copies_of(outbox, b"user0@example.com") == []
    assert len(list(outbox.rglob("*.eml"))) == 1


def test_the_sqlite_store_is_created_private(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLICYSITE_DATABASE_URL")  # the default: .policysite/notify.db
    write_subscribers(tmp_path / "people.csv", 2)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    folder = site.path / ".policysite"
    files = sorted(p.name for p in folder.iterdir())
    assert "notify.db" in files
    modes = {name: stat.S_IMODE((folder / name).stat().st_mode) for name in files}
    assert modes == dict.fromkeys(files, 0o600)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_erase_leaves_no_trace_in_the_sqlite_files(site: GitRepo, tmp_path: Path) -> None:
    write_subscribers(tmp_path / "people.csv", 50)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0
    store = [p for p in tmp_path.iterdir() if p.name.startswith("notify.db")]
    assert any(b"user17@example.net" in p.read_bytes() for p in store)

    assert cli(site, "subscribers", "erase", "user17@example.net")[0] == 0
    for path in tmp_path.iterdir():
        if path.name.startswith("notify.db"):
            data = path.read_bytes()
            assert b"user17@example.net" not in data, path.name
            assert b"User Nummer 17" not in data, path.name
    assert cli(site, "subscribers", "count") == (0, "49\n")


def pages_holding(pg_url: str, needle: str) -> list[str]:
    """The relations of ``pg_url``'s public schema with ``needle`` in their raw pages."""
    found = []
    with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        relations = connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't')"
        ).fetchall()
        for (relation,) in relations:
            hits = connection.execute(
                "SELECT count(*) FROM generate_series(0, pg_relation_size(%s::regclass) / "
                "8192 - 1) AS page WHERE position(%s::bytea IN get_raw_page(%s, page::int))"
                " > 0",
                (relation, needle.encode(), relation),
            ).fetchone()
            if hits and hits[0]:
                found.append(relation)
    return sorted(found)


def test_erase_on_postgresql_leaves_no_trace_in_the_tables_pages(
    site: GitRepo, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain DELETE leaves the row in the page until VACUUM reuses the space."""
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    write_subscribers(tmp_path / "people.csv", 200)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0

    assert pages_holding(pg_url, "user199@example.org") == ["subscribers", "subscribers_email_key"]
    assert pages_holding(pg_url, "User Nummer 199") == ["subscribers"]
    assert cli(site, "subscribers", "erase", "user199@example.org")[0] == 0
    assert pages_holding(pg_url, "user199@example.org") == []
    assert pages_holding(pg_url, "User Nummer 199") == []
    assert cli(site, "subscribers", "count") == (0, "199\n")


@pytest.mark.parametrize(
    ("database", "hold"),
    [
        # A snapshot older than the erase (a report, an autovacuum ANALYZE), no lock on the
        # subscribers table: VACUUM FULL would keep the row it can see.
        ("own", "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM pg_class"),
        # A transaction with an id in any database of the server (another application's)
        # holds back what VACUUM may remove in every database: the rewrite says it kept the
        # row (a flaky failure before erase read that).
        ("test", "SELECT txid_current()"),
    ],
    ids=["snapshot-here", "transaction-in-another-database"],
)
def test_erase_waits_for_a_transaction_that_holds_the_row_back(
    site: GitRepo,
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    database: str,
    hold: str,
) -> None:
    """Erase waits for such a transaction to end, then leaves no trace."""
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    write_subscribers(tmp_path / "people.csv", 20)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    own = pg_url.replace("+psycopg", "")
    with psycopg.connect(own if database == "own" else own.rsplit("/", 1)[0] + "/test") as other:
        for statement in hold.split("; "):
            other.execute(statement)
        release = threading.Timer(1.5, other.commit)
        release.start()
        started = time.monotonic()
        assert cli(site, "subscribers", "erase", "user19@example.org")[0] == 0
        waited = time.monotonic() - started
        release.join()
    assert waited >= 1.4
    assert pages_holding(pg_url, "user19@example.org") == []


def test_erase_says_which_session_kept_the_row_when_it_does_not_end(
    site: GitRepo, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    monkeypatch.setattr(store_module, "ERASE_SNAPSHOT_WAIT", 0.5)
    write_subscribers(tmp_path / "people.csv", 20)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    with psycopg.connect(pg_url.replace("+psycopg", "")) as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        # a snapshot of the whole database, with no lock on the subscribers table
        reader.execute("SELECT count(*) FROM pg_class")
        pid = reader.info.backend_pid
        code, output = cli(site, "subscribers", "erase", "user19@example.org")
        reader.rollback()
    assert code != 0
    assert f"sessions {pid} were still in transactions that may see the row" in output
    assert "user19@example.org" not in output
    assert "Traceback" not in output
    # erased from the tables all the same, and a second erase finds nobody
    assert cli(site, "subscribers", "count") == (0, "19\n")
