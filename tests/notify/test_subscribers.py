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
from tests.notify.conftest import free_port, rows, write_subscribers


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
        "Europe/Oslo",  # not in the second file: kept
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
        "Erased the subscriber, 1 delivery record(s) and 1 outbox copies; announcement counts "
        "are kept.\n",
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


def _announce_with_smtp_down(site: GitRepo, tmp_path: Path, count: int) -> list[str]:
    """``count`` people with a pending notice of privacy 2.0 each: the server was down."""
    addresses = write_subscribers(tmp_path / "people.csv", count)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    url = f"smtp://127.0.0.1:{free_port()}?tls=none"
    result = CliRunner(env={"POLICYSITE_SMTP_URL": url}).invoke(
        main, ["-C", str(site.path), "notify", "--send"]
    )
    assert result.exit_code == 1, result.output
    assert rows(tmp_path, "SELECT status, count(*) FROM deliveries GROUP BY status") == [
        ("pending", count)
    ]
    return addresses


def test_purge_never_drops_pending_notices(site: GitRepo, tmp_path: Path) -> None:
    """Issue 10, item 9: ``purge --older-than 0`` deleted 50 pending deliveries, and
    ``notify --send`` then said every notice was recorded as sent."""
    _announce_with_smtp_down(site, tmp_path, 50)
    code, out = cli(site, "purge", "--older-than", "0")
    assert code == 0 and out.startswith("Purged 0 delivery record(s) older than 0 days")
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert "privacy 2.0: sent 50, failed 0, skipped 0" in out
    assert len(list((tmp_path / "out").glob("privacy-2.0/*.eml"))) == 50
    # Finished records go; the counts stay.
    code, out = cli(site, "purge", "--older-than", "0")
    assert code == 0 and out.startswith("Purged 50 delivery record(s) older than 0 days")
    assert rows(tmp_path, "SELECT recipients, sent, failed FROM announcements") == [(50, 50, 0)]
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert "Nothing to send: 50 notices of privacy 2.0 are recorded as sent." in out


def test_nothing_to_send_is_said_only_when_the_counts_agree(site: GitRepo, tmp_path: Path) -> None:
    """A store an older purge damaged: the pending rows are gone, the notices never went."""
    _announce_with_smtp_down(site, tmp_path, 50)
    connection = sqlite3.connect(tmp_path / "notify.db")
    with connection:
        connection.execute("DELETE FROM deliveries WHERE id > 10")
    connection.close()
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert "privacy 2.0: sent 10, failed 0, skipped 0" in out
    warning = (
        "warning: privacy 2.0 was announced to 50 people; 10 notices are recorded as sent, "
        "failed or cancelled, none is pending, and 40 have no delivery record: the rows were "
        "deleted before they were sent (an older policysite's purge did that), and those "
        "notices were never sent."
    )
    assert out.splitlines()[-1] == warning
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert out.splitlines()[-1] == warning
    assert "Nothing to send" not in out


def test_a_person_set_inactive_after_the_announcement_gets_no_notice(
    site: GitRepo, tmp_path: Path
) -> None:
    """Issue 10, item 11."""
    addresses = _announce_with_smtp_down(site, tmp_path, 10)
    update = tmp_path / "leaving.csv"
    update.write_text(f"email,status\n{addresses[3]},inactive\n", encoding="utf-8")
    assert cli(site, "subscribers", "import", str(update)) == (
        0,
        "Imported 1 subscribers (0 new, 1 updated).\n",
    )
    outbox = tmp_path / "out"
    code, out = cli(site, "notify", "--send", "--outbox", str(outbox))
    assert code == 0, out
    assert (
        "privacy 2.0: sent 9, failed 0, skipped 0, cancelled 1 (set inactive or undeliverable)"
        in out
    )
    written = [p.read_bytes() for p in outbox.rglob("*.eml")]
    assert len(written) == 9 and not any(addresses[3].encode() in data for data in written)
    assert rows(
        tmp_path,
        "SELECT d.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id "
        "WHERE s.email = ?",
        addresses[3],
    ) == [("cancelled",)]
    assert rows(tmp_path, "SELECT recipients, sent, failed, cancelled FROM announcements") == [
        (10, 9, 0, 1)
    ]
    assert (
        "Nothing to send: 9 notices of privacy 2.0 are recorded as sent, 1 cancelled."
        in cli(site, "notify", "--send", "--outbox", str(outbox))[1]
    )


def _person(site: GitRepo, email: str) -> dict[str, str]:
    code, out = cli(site, "subscribers", "export", email)
    assert code == 0, out
    record: dict[str, str] = json.loads(out)["subscriber"]
    return {k: record[k] for k in ("name", "locale", "timezone", "status")}


def test_absent_columns_leave_stored_values_alone(site: GitRepo, tmp_path: Path) -> None:
    """Issue 10, item 12: an ``email,status`` file cleared name, locale and time zone; an
    ``email``-only file turned an inactive person back to active."""
    first = tmp_path / "first.csv"
    first.write_text(
        "email,name,locale,timezone,status\n"
        "ola@example.com,Ola Nordmann,nb,Europe/Oslo,inactive\n"
        "kari@example.com,Kari,en,Asia/Tokyo,\n",
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "import", str(first))[0] == 0
    ola = {"name": "Ola Nordmann", "locale": "nb", "timezone": "Europe/Oslo", "status": "inactive"}
    kari = {"name": "Kari", "locale": "en", "timezone": "Asia/Tokyo", "status": "active"}
    assert _person(site, "ola@example.com") == ola

    only_email = tmp_path / "only.csv"
    only_email.write_text("email\nola@example.com\nkari@example.com\n", encoding="utf-8")
    assert cli(site, "subscribers", "import", str(only_email)) == (
        0,
        "Imported 2 subscribers (0 new, 2 updated).\n",
    )
    assert _person(site, "ola@example.com") == ola
    assert _person(site, "kari@example.com") == kari

    status_only = tmp_path / "status.csv"
    status_only.write_text("email,status\nkari@example.com,inactive\n", encoding="utf-8")
    assert cli(site, "subscribers", "import", str(status_only))[0] == 0
    assert _person(site, "kari@example.com") == {**kari, "status": "inactive"}

    jsonl = tmp_path / "update.jsonl"
    jsonl.write_text(
        '{"email": "ola@example.com", "status": "active", "name": null}\n'
        '{"email": "kari@example.com", "timezone": ""}\n'
        '{"email": "new@example.com"}\n',
        encoding="utf-8",
    )
    assert cli(site, "subscribers", "import", str(jsonl)) == (
        0,
        "Imported 3 subscribers (1 new, 2 updated).\n",
    )
    assert _person(site, "ola@example.com") == {**ola, "status": "active"}
    assert _person(site, "kari@example.com") == {**kari, "timezone": "", "status": "inactive"}
    assert _person(site, "new@example.com") == {
        "name": "",
        "locale": "",
        "timezone": "",
        "status": "active",
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("false", "false"),
        ("0", "0"),
        ("[]", "a list"),
        ("{}", "an object"),
        ("true", "true"),
        ('"yes"', '"yes"'),
        ('"b@example.com"', '"b***@e***.com"'),
    ],
)
def test_a_status_of_the_wrong_type_is_an_error_naming_the_line(
    site: GitRepo, tmp_path: Path, value: str, shown: str
) -> None:
    """Issue 10, item 12: ``"status": false`` (also 0, [], {}) was stored as active."""
    path = tmp_path / "people.jsonl"
    path.write_text(
        '{"email": "a@example.com", "status": "inactive"}\n'
        f'{{"email": "b@example.com", "status": {value}}}\n',
        encoding="utf-8",
    )
    code, out = cli(site, "subscribers", "import", str(path))
    assert code == 1
    assert out.splitlines()[0] == (
        f'Error: {path}:2: status must be "active" or "inactive" (text), not {shown}.'
    )
    assert "b@example.com" not in out
    assert cli(site, "subscribers", "count") == (0, "0\n")


def test_other_fields_of_the_wrong_type_name_the_line(site: GitRepo, tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text(
        '{"email": "a@example.com", "name": 42}\n'
        '{"email": ["b@example.com"]}\n'
        '{"email": "c@example.com", "locale": false, "timezone": {"zone": "UTC"}}\n',
        encoding="utf-8",
    )
    code, out = cli(site, "subscribers", "import", str(path))
    assert code == 1
    assert out.splitlines() == [
        f"Error: {path}:1: name must be text, not 42.",
        f"{path}:2: email must be text, not a list.",
        f"{path}:3: locale must be text, not false; timezone must be text, not an object.",
        "3 bad row(s); nothing was imported. Fix them, or pass --skip-invalid to import the "
        "valid rows.",
    ]


def test_a_cell_csv_cannot_read_is_one_error_naming_the_line(site: GitRepo, tmp_path: Path) -> None:
    """A cell over the csv module's limit raised csv.Error: a traceback at the command line."""
    path = tmp_path / "people.csv"
    path.write_text("email,name\na@example.com,A\nb@example.com," + "x" * 140_000 + "\n")
    assert cli(site, "subscribers", "import", str(path)) == (
        1,
        f"Error: {path}:3: is not CSV the importer can read (field larger than field limit "
        "(131072)); check the quoting from this line on.\n",
    )
