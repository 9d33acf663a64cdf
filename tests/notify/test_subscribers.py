"""Subscribers: import (CSV, JSON Lines, bad rows), export, erase, count, purge — via the CLI."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.cli import main
from tests.conftest import GitRepo
from tests.notify.conftest import write_subscribers


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def db_path(site: GitRepo, tmp_path: Path) -> Path:
    return tmp_path / "notify.db"


def test_import_upserts_by_normalised_address(site: GitRepo, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text(
        "email,name,locale,timezone\n"
        "Ola.Nordmann@Example.COM,Ola Nordmann,nb,Europe/Oslo\n"
        "kari@example.org,Kari,en,\n",
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "import", str(first)) == (
        0,
        "Imported 2 subscribers (2 new, 0 updated).\n",
    )
    second = tmp_path / "b.jsonl"
    second.write_text(
        '{"email": "ola.nordmann@example.com", "name": "Ola N.", "locale": "en-GB"}\n'
        '{"email": "per@example.net"}\n',
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "import", str(second)) == (
        0,
        "Imported 2 subscribers (1 new, 1 updated).\n",
    )
    assert cli(site, "subscribers", "count") == (0, "3\n")
    code, out = cli(site, "subscribers", "export", "OLA.NORDMANN@example.com")
    person = json.loads(out)["subscriber"]
    assert code == 0
    assert (person["email"], person["name"], person["locale"], person["timezone"]) == (
        "ola.nordmann@example.com",
        "Ola N.",
        "en-GB",
        "",
    )


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    site: GitRepo, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "email,name,locale,timezone\n"
        "good@example.com,Good,en,Europe/Oslo\n"
        "secret-person-at-example.com,No At,en,\n"
        '"injected@example.com","x\r\nBcc: a@b",en,\n'
        "tz@example.com,Zone,en,Mars/Olympus\n"
        "loc@example.com,Loc,xx-notalanguage,\n",
        encoding="utf-8",
    )
    code, out = cli(site, "subscribers", "import", str(path))
    assert code == 1
    assert out.splitlines() == [
        f"Error: {path}:3: the email address is not valid (An email address must have an @-sign.).",
        f"{path}:4: the name contains a line break or another control character; remove it.",
        f"{path}:6: time zone 'Mars/Olympus' is not an IANA time zone name; use e.g. Europe/Oslo.",
        f"{path}:7: locale 'xx-notalanguage' is not a known language tag; use e.g. en or nb.",
        "4 bad row(s); nothing was imported. Fix them, or pass --skip-invalid to import the "
        "valid rows.",
    ]
    assert "secret-person" not in out and "injected@" not in out
    assert cli(site, "subscribers", "count") == (0, "0\n")

    code, out = cli(site, "subscribers", "import", "--skip-invalid", str(path))
    assert (code, out) == (
        0,
        "Imported 1 subscribers (1 new, 0 updated). Skipped 4 invalid row(s): line 3, 4, 6, 7.\n",
    )


def test_unknown_column_and_missing_file_are_clear_errors(site: GitRepo, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("email,phone\na@example.com,123\n", encoding="utf-8")
    assert cli(site, "subscribers", "import", str(path)) == (
        1,
        f"Error: {path}:1: unknown column(s) 'phone'; the columns are email, name, locale, "
        "timezone, status.\n",
    )
    missing = tmp_path / "nope.csv"
    assert cli(site, "subscribers", "import", str(missing)) == (
        1,
        f"Error: {missing}: file not found; give the path of a CSV or JSON Lines file.\n",
    )


def test_export_erase_and_purge(site: GitRepo, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    write_subscribers(people, 3)
    cli(site, "subscribers", "import", str(people))
    outbox = tmp_path / "outbox"
    code, out = cli(site, "notify", "--send", "--outbox", str(outbox))
    assert code == 0, out

    code, out = cli(site, "subscribers", "export", "user1@example.org")
    exported = json.loads(out)
    assert [(n["policy"], n["version"], n["status"]) for n in exported["notices"]] == [
        ("privacy", "2.0", "sent")
    ]
    assert exported["notices"][0]["message_id"].endswith("@example.com>")
    assert exported["notices"][0]["sent_at"]

    assert cli(site, "subscribers", "erase", "user1@example.org") == (
        0,
        "Erased the subscriber and 1 delivery record(s); announcement counts are kept.\n",
    )
    assert cli(site, "subscribers", "export", "user1@example.org") == (
        1,
        "Error: no subscriber with that address is stored.\n",
    )
    assert cli(site, "subscribers", "count") == (0, "2\n")
    connection = sqlite3.connect(db_path(site, tmp_path))
    assert connection.execute("SELECT recipients, sent FROM announcements").fetchall() == [(3, 3)]
    assert connection.execute("SELECT count(*) FROM deliveries").fetchone() == (2,)

    # Age one row past the limit: purge drops it, keeps the other and the counts.
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=800)).replace(tzinfo=None)
    with connection:
        connection.execute(
            "UPDATE deliveries SET sent_at = ?, created = ? WHERE id = (SELECT min(id) FROM "
            "deliveries)",
            (old.isoformat(sep=" "), old.isoformat(sep=" ")),
        )
    code, out = cli(site, "purge", "--older-than", "730")
    assert code == 0 and out.startswith("Purged 1 delivery record(s) older than ")
    assert connection.execute("SELECT count(*) FROM deliveries").fetchone() == (1,)
    assert connection.execute("SELECT recipients, sent FROM announcements").fetchall() == [(3, 3)]
    connection.close()


@pytest.mark.parametrize("command", ["export", "erase"])
def test_unknown_person(site: GitRepo, command: str) -> None:
    code, out = cli(site, "subscribers", command, "nobody@example.com")
    assert code == 1 and "nobody" not in out and out.startswith("Error: no subscriber")
