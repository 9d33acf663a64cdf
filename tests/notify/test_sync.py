"""`subscribers sync` (issue 16): the store holds exactly the application's registered users.

The sources are real: a CSV file, and a `users` table (a fresh name per test) in the real
PostgreSQL and MariaDB of the development machines.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.notify import store as store_module
from policysite.notify import subscribers as subscribers_module
from tests.conftest import GitRepo
from tests.notify.conftest import rows

PG = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB = "mysql://root@127.0.0.1:3306/test"
PEOPLE = [(f"user{n}@example.com", f"User {n}", "nb" if n % 2 else "en") for n in range(10)]


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def unavailable(what: str, exc: Exception) -> None:
    reason = f"no {what} ({str(exc).strip()[:80]})"
    if os.environ.get("CI"):  # CI's machine runs both servers: never pass by skipping there
        pytest.fail(reason)
    pytest.skip(reason)


Execute = Callable[[str], None]


@pytest.fixture
def postgres_users() -> Iterator[tuple[str, Execute]]:
    """A fresh `users_…` table in the PostgreSQL test database: (table name, run SQL)."""
    try:
        connection = psycopg.connect(PG, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    table = f"users_{secrets.token_hex(6)}"
    connection.execute(
        f"CREATE TABLE {table} (id serial PRIMARY KEY, address text, full_name text, "
        "language text, deleted_at timestamp)"
    )
    try:
        yield table, lambda sql: connection.execute(sql.replace("users", table))  # type: ignore[arg-type]
    finally:
        connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.close()


@pytest.fixture
def mariadb_users() -> Iterator[tuple[str, Execute]]:
    """A fresh `users_…` table in the MariaDB test database: (table name, run SQL)."""
    try:
        connection = pymysql.connect(
            host="127.0.0.1", user="root", password="", database="test", autocommit=True
        )
    except pymysql.err.OperationalError as exc:
        unavailable("MariaDB at 127.0.0.1:3306", exc)
    table = f"users_{secrets.token_hex(6)}"

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("users", table))

    execute(
        "CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, address varchar(320), "
        "full_name varchar(200), language varchar(35), deleted_at datetime)"
    )
    try:
        yield table, execute
    finally:
        execute("DROP TABLE IF EXISTS users")
        connection.close()


def fill(execute: Execute) -> None:
    values = ", ".join(f"('{a}', '{n}', '{lang}')" for a, n, lang in PEOPLE)
    execute(f"INSERT INTO users (address, full_name, language) VALUES {values}")


def query(table: str) -> str:
    return (
        f"SELECT address AS email, full_name AS name, language AS locale FROM {table} "
        "WHERE deleted_at IS NULL"
    )


def stored(tmp_path: Path) -> list[tuple[str, str, str]]:
    return rows(tmp_path, "SELECT email, name, status FROM subscribers ORDER BY email")


def recipients(folder: Path) -> set[str]:
    found = set()
    for mail in folder.rglob("*.eml"):
        for line in mail.read_text(encoding="utf-8").splitlines():
            if line.startswith("To: "):
                found.add(line.split("<")[-1].rstrip(">").strip())
    return found


def test_a_user_deleted_in_postgresql_is_erased_and_gets_no_later_notice(
    site: GitRepo, tmp_path: Path, postgres_users: tuple[str, Execute]
) -> None:
    table, execute = postgres_users
    fill(execute)
    sync = ("subscribers", "sync", "--from-database", PG, "--query", query(table))
    assert cli(site, *sync) == (0, "Synced: 10 added, 0 updated, 0 erased, 0 unchanged.\n")
    assert (
        cli(
            site,
            "notify",
            "--send",
            "--version",
            "1.0",
            "--short-notice",
            "test",
            "--outbox",
            str(tmp_path / "first"),
        )[0]
        == 0
    )
    assert len(recipients(tmp_path / "first")) == 10

    execute("UPDATE users SET deleted_at = now() WHERE address = 'user3@example.com'")
    execute("UPDATE users SET full_name = 'Renamed' WHERE address = 'user4@example.com'")
    assert cli(site, *sync, "--max-removals", "1") == (
        0,
        "Synced: 0 added, 1 updated, 1 erased, 8 unchanged.\n",
    )
    people = stored(tmp_path)
    assert [p[0] for p in people] == sorted(a for a, _, _ in PEOPLE if a != "user3@example.com")
    assert ("user4@example.com", "Renamed", "active") in people
    # Erased as `subscribers erase` does: the ledger keeps the notice without the person.
    assert rows(tmp_path, "SELECT why, status FROM anonymous_deliveries") == [("erased", "sent")]
    assert rows(tmp_path, "SELECT recipients, erased FROM announcements") == [(10, 1)]
    assert "user3@example.com" not in recipients(tmp_path / "first")

    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "later"))[0] == 0
    later = recipients(tmp_path / "later")
    assert len(later) == 9 and "user3@example.com" not in later


def test_a_user_deleted_in_mariadb_is_deactivated_and_gets_no_later_notice(
    site: GitRepo, tmp_path: Path, mariadb_users: tuple[str, Execute]
) -> None:
    table, execute = mariadb_users
    fill(execute)
    sync = ("subscribers", "sync", "--from-database", MARIADB, "--query", query(table))
    assert cli(site, *sync, "--absent", "deactivate") == (
        0,
        "Synced: 10 added, 0 updated, 0 deactivated, 0 unchanged.\n",
    )
    execute("DELETE FROM users WHERE address = 'user7@example.com'")
    assert cli(site, *sync, "--absent", "deactivate", "--max-removals", "10%") == (
        0,
        "Synced: 0 added, 0 updated, 1 deactivated, 9 unchanged.\n",
    )
    people = stored(tmp_path)
    assert len(people) == 10
    assert ("user7@example.com", "User 7", "inactive") in people
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "later"))[0] == 0
    later = recipients(tmp_path / "later")
    assert len(later) == 9 and "user7@example.com" not in later


def test_a_sync_that_would_remove_40_percent_is_refused(
    site: GitRepo, tmp_path: Path, mariadb_users: tuple[str, Execute]
) -> None:
    table, execute = mariadb_users
    fill(execute)
    sync = ("subscribers", "sync", "--from-database", MARIADB, "--query", query(table))
    assert cli(site, *sync)[0] == 0
    before = stored(tmp_path)
    execute("DELETE FROM users WHERE id <= 4")
    assert cli(site, *sync) == (
        1,
        "Error: the sync would erase 4 of 10 stored subscribers (40%), more than "
        "--max-removals 5% allows (0). A truncated or partial export must never wipe the "
        "list, so nothing was changed. Check the source; if these removals are right, run "
        "again with --max-removals 4.\n",
    )
    assert cli(site, *sync, "--max-removals", "3")[0] == 1
    assert stored(tmp_path) == before


def test_a_dry_run_prints_the_counts_and_changes_nothing(
    site: GitRepo, tmp_path: Path, postgres_users: tuple[str, Execute]
) -> None:
    table, execute = postgres_users
    fill(execute)
    sync = ("subscribers", "sync", "--from-database", PG, "--query", query(table))
    assert cli(site, *sync, "--dry-run") == (
        0,
        "Dry run, nothing was changed; a sync would make: 10 added, 0 updated, 0 erased, "
        "0 unchanged.\n",
    )
    assert not (tmp_path / "notify.db").exists()
    assert cli(site, *sync)[0] == 0
    before = stored(tmp_path)
    execute("DELETE FROM users WHERE address = 'user0@example.com'")
    execute("UPDATE users SET full_name = 'New' WHERE address = 'user1@example.com'")
    execute("INSERT INTO users (address) VALUES ('new@example.com')")
    assert cli(site, *sync, "--dry-run", "--max-removals", "50%") == (
        0,
        "Dry run, nothing was changed; a sync would make: 1 added, 1 updated, 1 erased, "
        "8 unchanged.\n",
    )
    assert stored(tmp_path) == before


def test_a_query_without_some_columns_keeps_the_stored_values(
    site: GitRepo, tmp_path: Path, postgres_users: tuple[str, Execute]
) -> None:
    table, execute = postgres_users
    fill(execute)
    sync = ("subscribers", "sync", "--from-database", PG, "--query")
    assert cli(site, *sync, query(table))[0] == 0
    assert cli(site, *sync, f"SELECT upper(address) AS Email FROM {table}") == (
        0,
        "Synced: 0 added, 0 updated, 0 erased, 10 unchanged.\n",
    )
    assert rows(
        tmp_path, "SELECT name, locale FROM subscribers WHERE email = 'user1@example.com'"
    ) == [("User 1", "nb")]


def test_a_query_without_an_email_column_is_one_clear_error(
    site: GitRepo, postgres_users: tuple[str, Execute]
) -> None:
    table, _ = postgres_users
    result = cli(
        site,
        "subscribers",
        "sync",
        "--from-database",
        PG,
        "--query",
        f"SELECT address, full_name AS name FROM {table}",
    )
    assert result == (
        1,
        "Error: the query returns no email column (it returns address, name); name the "
        "address column email, e.g. SELECT address AS email, name FROM users.\n",
    )


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("postgresql://postgres:s3cret-Pa55@127.0.0.1:1/test", "PostgreSQL"),
        ("mysql://root:s3cret-Pa55@127.0.0.1:1/test", "MariaDB"),
    ],
)
def test_an_unreachable_database_is_named_without_its_password(
    site: GitRepo, tmp_path: Path, url: str, server: str
) -> None:
    code, output = cli(site, "subscribers", "sync", "--from-database", url, "--query", "SELECT 1")
    assert code == 1
    assert "s3cret-Pa55" not in output
    assert output.startswith(f"Error: cannot connect to the database {url.split(':')[0]}")
    assert ":***@127.0.0.1:1/test: " in output, output
    assert output.endswith(
        "Check the URL, the password and that the server is running; nothing was changed.\n"
    )
    assert not (tmp_path / "notify.db").exists()


def test_duplicate_addresses_are_one_error_naming_both_lines(site: GitRepo, tmp_path: Path) -> None:
    people = tmp_path / "users.csv"
    people.write_text(
        "email,name\na@example.com,A\nb@example.com,B\nA@Example.com,A again\n", encoding="utf-8"
    )
    assert cli(site, "subscribers", "sync", str(people)) == (
        1,
        f"Error: {people}:4: the same address as {people}:2 (addresses are compared without "
        "regard to case); keep one of them.\n1 address(es) appear more than once; nothing was "
        "changed.\n",
    )
    assert rows(tmp_path, "SELECT count(*) FROM subscribers") == [(0,)]


def test_a_file_sync_adds_updates_and_erases(site: GitRepo, tmp_path: Path) -> None:
    people = tmp_path / "users.jsonl"
    people.write_text(
        "".join(f'{{"email": "{a}", "name": "{n}"}}\n' for a, n, _ in PEOPLE), encoding="utf-8"
    )
    assert cli(site, "subscribers", "sync", str(people))[0] == 0
    people.write_text(
        "".join(f'{{"email": "{a}", "name": "{n}"}}\n' for a, n, _ in PEOPLE[1:])
        + '{"email": "new@example.com"}\n',
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "sync", str(people), "--max-removals", "10%") == (
        0,
        "Synced: 1 added, 0 updated, 1 erased, 9 unchanged.\n",
    )
    assert [p[0] for p in stored(tmp_path)] == sorted(
        ["new@example.com", *(a for a, _, _ in PEOPLE[1:])]
    )


def test_sync_help_has_an_example_for_the_command_and_every_option() -> None:
    command = main.commands["subscribers"].commands["sync"]  # type: ignore[attr-defined]
    assert "Example: policysite subscribers sync " in (command.help or "")
    for option in command.params:
        if option.name not in ("source",):
            assert "Example: " in (getattr(option, "help", "") or ""), option.name


def test_a_sync_into_a_postgresql_store(
    site: GitRepo, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    people = tmp_path / "users.csv"
    people.write_text("email,name\n" + "".join(f"{a},{n}\n" for a, n, _ in PEOPLE), "utf-8")
    assert cli(site, "subscribers", "sync", str(people)) == (
        0,
        "Synced: 10 added, 0 updated, 0 erased, 0 unchanged.\n",
    )
    people.write_text("email,name\n" + "".join(f"{a},{n}\n" for a, n, _ in PEOPLE[:6]), "utf-8")
    assert cli(site, "subscribers", "sync", str(people))[0] == 1  # 40 %: refused
    assert cli(site, "subscribers", "sync", str(people), "--dry-run", "--max-removals", "4") == (
        0,
        "Dry run, nothing was changed; a sync would make: 0 added, 0 updated, 4 erased, "
        "6 unchanged.\n",
    )
    assert cli(site, "subscribers", "count") == (0, "10\n")
    assert cli(site, "subscribers", "sync", str(people), "--max-removals", "40%") == (
        0,
        "Synced: 0 added, 0 updated, 4 erased, 6 unchanged.\n",
    )
    assert cli(site, "subscribers", "count") == (0, "6\n")
    with psycopg.connect(pg_url.replace("+psycopg", "")) as connection:
        found = connection.execute("SELECT email FROM subscribers ORDER BY email").fetchall()
    assert [row[0] for row in found] == sorted(a for a, _, _ in PEOPLE[:6])


def test_a_bad_row_in_a_sqlite_source_is_named_and_changes_nothing(
    site: GitRepo, tmp_path: Path
) -> None:
    app = tmp_path / "app.db"
    connection = sqlite3.connect(app)
    with connection:
        connection.execute("CREATE TABLE users (email TEXT, locale TEXT)")
        connection.executemany(
            "INSERT INTO users VALUES (?, ?)",
            [("a@example.com", "en"), ("b@example.com", "xx-nonsense"), ("c@example.com", "")],
        )
    connection.close()
    sync = ("subscribers", "sync", "--from-database", f"sqlite:///{app}", "--query")
    assert cli(site, *sync, "SELECT email, locale FROM users") == (
        1,
        "Error: query row 2: locale 'xx-nonsense' is not a known language tag; use e.g. en or "
        "nb.\n1 bad row(s); nothing was changed. Fix them and sync again.\n",
    )
    assert rows(tmp_path, "SELECT count(*) FROM subscribers") == [(0,)]
    assert cli(site, *sync, "SELECT email, locale FROM users WHERE email <> 'b@example.com'") == (
        0,
        "Synced: 2 added, 0 updated, 0 erased, 0 unchanged.\n",
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_rows_equal_to_the_stored_people_are_not_checked_again_yet_counted_right(
    site: GitRepo,
    tmp_path: Path,
    database: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row read equal to a stored person skips validation (the second sync's shortcut); a
    row that differs in any way, even only in spelling, is checked and compared as before."""
    if database == "postgresql":
        monkeypatch.setenv("POLICYSITE_DATABASE_URL", request.getfixturevalue("pg_url"))
    people = tmp_path / "users.csv"
    people.write_text(
        "email,name,locale,status\n" + "".join(f"{a},{n},{lang},\n" for a, n, lang in PEOPLE),
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "sync", str(people))[0] == 0
    changed = [
        "email,name,locale,status",
        f"{PEOPLE[0][0]},{PEOPLE[0][1]},{PEOPLE[0][2]},",  # as stored
        f"{PEOPLE[1][0].upper()},{PEOPLE[1][1]},{PEOPLE[1][2]},",  # another spelling: same
        f"{PEOPLE[2][0]},  {PEOPLE[2][1]}  ,{PEOPLE[2][2]},",  # spaces the cleaning drops
        f"{PEOPLE[3][0]},Renamed,{PEOPLE[3][2]},",  # renamed
        f"{PEOPLE[4][0]},{PEOPLE[4][1]},{PEOPLE[4][2]},inactive",  # status changed
        f"{PEOPLE[5][0]},{PEOPLE[5][1]},nb_NO,",  # locale given as nb_NO: nb-NO, changed
        *(f"{a},{n},{lang}," for a, n, lang in PEOPLE[6:]),
    ]
    people.write_text("\n".join(changed) + "\n", encoding="utf-8")
    assert cli(site, "subscribers", "sync", str(people)) == (
        0,
        "Synced: 0 added, 3 updated, 0 erased, 7 unchanged.\n",
    )
    code, found = cli(site, "subscribers", "export", PEOPLE[5][0])
    assert (code, json.loads(found)["subscriber"]["locale"]) == (0, "nb-NO")
    code, found = cli(site, "subscribers", "export", PEOPLE[2][0])
    assert json.loads(found)["subscriber"]["name"] == PEOPLE[2][1]
    # The same person twice: once as stored (not checked), once in another spelling.
    people.write_text(
        "email,name\n"
        + "".join(f"{a},{n}\n" for a, n, _ in PEOPLE)
        + f"{PEOPLE[7][0].upper()},Again\n",
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "sync", str(people)) == (
        1,
        f"Error: {people}:12: the same address as {people}:9 (addresses are compared without "
        "regard to case); keep one of them.\n1 address(es) appear more than once; nothing was "
        "changed.\n",
    )
    # A bad row is still found and named when every other row is as stored.
    people.write_text(
        "email,name\n" + "".join(f"{a},{n}\n" for a, n, _ in PEOPLE) + "not-an-address,X\n",
        encoding="utf-8",
    )
    code, output = cli(site, "subscribers", "sync", str(people))
    assert code == 1
    assert output.startswith(f"Error: {people}:12: the email address is not valid"), output


def test_a_sync_from_the_stores_own_postgresql_database_erases_without_waiting(
    site: GitRepo, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store may live in the application's database: the source's read must not hold a
    snapshot while the people absent are erased (erase waits for older snapshots)."""
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    monkeypatch.setattr(store_module, "ERASE_SNAPSHOT_WAIT", 5.0)
    application = pg_url.replace("+psycopg", "")
    with psycopg.connect(application, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE users (id serial PRIMARY KEY, address text, full_name text, "
            "language text, deleted_at timestamp)"
        )
        fill(lambda sql: connection.execute(sql))  # type: ignore[arg-type]
        sync = ("subscribers", "sync", "--from-database", application, "--query", query("users"))
        assert cli(site, *sync)[0] == 0
        connection.execute("UPDATE users SET deleted_at = now() WHERE id = 4")

        started = time.monotonic()
        assert cli(site, *sync, "--max-removals", "1") == (
            0,
            "Synced: 0 added, 0 updated, 1 erased, 9 unchanged.\n",
        )
        assert time.monotonic() - started < 4


def test_a_postgresql_store_checks_only_the_rows_that_differ_and_names_every_bad_row(
    site: GitRepo, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a PostgreSQL store that holds people, the rows are staged as given and compared
    with them in SQL: only a row that differs is validated, and a bad row is named whichever
    pass found it (a value that is not text, or holds a NUL, is checked as it is read)."""
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    # Rows read back and staged a few at a time: fetches and COPYs take turns.
    monkeypatch.setattr(store_module, "POSTGRESQL_SYNC_BATCH", 2)
    people = tmp_path / "users.jsonl"

    def write(lines: list[str]) -> None:
        people.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    as_stored = [json.dumps({"email": a, "name": n, "locale": lang}) for a, n, lang in PEOPLE]
    write(as_stored)
    assert cli(site, "subscribers", "sync", str(people))[0] == 0
    checked: list[object] = []
    original = subscribers_module.validate_row

    def counting(data: dict[str, object]) -> object:
        checked.append(data.get("email"))
        return original(data)

    monkeypatch.setattr(subscribers_module, "validate_row", counting)
    renamed = json.dumps({"email": PEOPLE[3][0], "name": "Renamed", "locale": PEOPLE[3][2]})
    write([*as_stored[:3], renamed, *as_stored[4:]])
    assert cli(site, "subscribers", "sync", str(people)) == (
        0,
        "Synced: 0 added, 1 updated, 0 erased, 9 unchanged.\n",
    )
    assert checked == [PEOPLE[3][0]]
    assert json.loads(cli(site, "subscribers", "export", PEOPLE[3][0])[1])["subscriber"][
        "name"
    ] == ("Renamed")
    # Five rows differ (read back in three fetches): another spelling, spaces, a new person.
    checked.clear()
    write(
        [
            json.dumps({"email": PEOPLE[0][0].upper(), "name": PEOPLE[0][1]}),
            json.dumps({"email": PEOPLE[1][0], "name": f"  {PEOPLE[1][1]}  "}),
            json.dumps({"email": PEOPLE[2][0], "locale": "nb_NO"}),
            json.dumps({"email": PEOPLE[3][0], "name": "Renamed"}),
            *as_stored[4:9],
            json.dumps({"email": PEOPLE[9][0], "status": "Inactive"}),
            json.dumps({"email": " New@Example.com ", "name": "New"}),
        ]
    )
    assert cli(site, "subscribers", "sync", str(people)) == (
        0,
        "Synced: 1 added, 2 updated, 0 erased, 8 unchanged.\n",
    )
    assert len(checked) == 5
    with psycopg.connect(pg_url.replace("+psycopg", "")) as connection:
        found = connection.execute(
            "SELECT email, name, locale, status FROM subscribers ORDER BY email LIMIT 4"
        ).fetchall()
    assert found == [
        ("new@example.com", "New", "", "active"),
        (PEOPLE[0][0], PEOPLE[0][1], PEOPLE[0][2], "active"),
        (PEOPLE[1][0], PEOPLE[1][1], PEOPLE[1][2], "active"),
        (PEOPLE[2][0], PEOPLE[2][1], "nb-NO", "active"),
    ]

    write(
        [
            as_stored[0],
            json.dumps({"email": "not-an-address"}),  # text: found bad after the join
            as_stored[1],
            json.dumps({"email": PEOPLE[2][0], "name": 5}),  # not text: checked as read
            as_stored[4],
            json.dumps({"email": PEOPLE[5][0], "name": "Nul\u0000here"}),  # PostgreSQL's text
            json.dumps({"email": PEOPLE[6][0], "name": "Lone \ud800", "status": "\udfff"}),
            *as_stored[7:],
            "{not json",
        ]
    )
    code, output = cli(site, "subscribers", "sync", str(people))
    assert code == 1
    lines = output.splitlines()
    assert [line.removeprefix("Error: ").split(": ")[0] for line in lines[:5]] == [
        f"{people}:2",
        f"{people}:4",
        f"{people}:6",
        f"{people}:7",
        f"{people}:11",
    ], output
    assert "name must be text, not 5" in lines[1]
    assert "control character" in lines[2]
    assert "not valid text" in lines[3]
    assert lines[5] == "5 bad row(s); nothing was changed. Fix them and sync again."
    assert "not-an-address" not in output
    assert cli(site, "subscribers", "count") == (0, "11\n")
