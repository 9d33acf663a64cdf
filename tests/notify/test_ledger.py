"""The proof-of-notice ledger: ``notify report`` against what the SMTP server really received,
after a 550 and a SIGKILL; its exports verify, and fail after one changed byte; erase keeps the
count without the person; keyed hashes; bounces; ``notify status``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from policysite.cli import main
from policysite.notify.ledger import pseudonym
from tests.conftest import GitRepo
from tests.notify.conftest import (
    Recorder,
    SmtpServer,
    kill_mid_run,
    run_policysite,
    write_subscribers,
)

SECRET = "correct horse battery staple"


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def report(site: GitRepo, *args: str) -> dict[str, Any]:
    code, out = cli(site, "notify", "report", "--format", "json", *args)
    assert code == 0, out
    data: dict[str, Any] = json.loads(out)
    return data


def stored(url: str, query: str, **params: object) -> list[tuple[Any, ...]]:
    """Rows of the store, on whichever database it is."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query), params)]
    finally:
        engine.dispose()


def kinds(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in data["records"] if r["record"] == kind]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store on either database (``site`` sets SQLite)."""
    if request.param == "postgresql":
        monkeypatch.setenv("POLICYSITE_DATABASE_URL", request.getfixturevalue("pg_url"))
    return os.environ["POLICYSITE_DATABASE_URL"]


def test_report_after_a_550_and_a_sigkill_adds_up_to_what_the_server_received(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer, database: str
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 3000)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    refused = addresses[7]
    recorder: Recorder = smtp_server.recorder
    recorder.replies[refused] = [f"550 5.1.1 <{refused}>: Recipient address rejected"] * 3
    env = {
        "POLICYSITE_SMTP_URL": smtp_server.url,
        "POLICYSITE_DATABASE_URL": os.environ["POLICYSITE_DATABASE_URL"],
    }
    kill_mid_run(site, env, recorder, 1000)
    run_policysite(site, "notify", "--send", env=env)  # exit 1 if the 550 came in this run

    data = report(site, "--recipients")
    [totals] = kinds(data, "announcement")
    received = Counter(recorder.message_ids())  # Message-ID → copies the server accepted
    copies = sum(n - 1 for n in received.values())
    refusals = 3 - len(recorder.replies[refused])
    assert (totals["recipients"], totals["sent"], totals["failed"]) == (3000, len(received), 1)
    assert (totals["pending"], totals["cancelled"], totals["erased"]) == (0, 0, 0)
    assert totals["duplicates_possible"] >= copies
    assert refusals == 1 or totals["duplicates_possible"] >= 1

    people = kinds(data, "recipient")
    assert len(people) == 3000
    sent = {p["message_id"]: p for p in people if p["status"] == "sent"}
    assert set(sent) == set(received)  # every recorded notice reached the server, and back
    for message_id, count in received.items():
        if count > 1:  # sent before the kill, not recorded, sent again: the ledger says so
            assert sent[message_id]["duplicate_possible"] is True, message_id
    assert all(p["reply"] == "250 Message accepted" for p in sent.values())
    assert all(p["first_attempt"] <= p["last_attempt"] == p["sent_at"] for p in sent.values())
    assert {p["locale"] for p in sent.values()} == {"en", "nb"}
    [failed] = [p for p in people if p["status"] == "failed"]
    assert failed["recipient"] == refused
    assert failed["reply"] == "550 5.1.1 <u***@e***.org>: Recipient address rejected"
    assert refused not in (failed["reason"] or "")

    # A kept copy verifies, and fails once any byte of it changes.
    for fmt in ("csv", "json"):
        code, text = cli(site, "notify", "report", "--recipients", "--format", fmt)
        copy = tmp_path / f"ledger.{fmt}"
        copy.write_text(text, encoding="utf-8")
        code, out = cli(site, "notify", "report", "--verify", str(copy))
        assert code == 0, out
        assert out.startswith(f"{copy}: intact: 3002 records of every announcement, each ")
        data_bytes = copy.read_bytes()
        at = data_bytes.index(b"250 Message accepted")  # one server reply becomes a refusal
        copy.write_bytes(data_bytes[:at] + b"5" + data_bytes[at + 1 :])
        code, out = cli(site, "notify", "report", "--verify", str(copy))
        assert code == 1
        assert "the chain breaks here: this record was changed" in out


def test_verify_names_what_changed_in_a_copy(site: GitRepo, tmp_path: Path) -> None:
    write_subscribers(tmp_path / "people.csv", 3)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0
    text = cli(site, "notify", "report", "--recipients", "--format", "json")[1]
    copy = tmp_path / "ledger.json"
    copy.write_text(text, encoding="utf-8")
    assert cli(site, "notify", "report", "--verify", str(copy))[0] == 0

    def verify(data: str) -> str:
        copy.write_text(data, encoding="utf-8")
        code, out = cli(site, "notify", "report", "--verify", str(copy))
        assert code == 1, out
        return " ".join(out.split())

    # Spacing alone: every chain holds, but it is not the file that was exported.
    assert "is not byte for byte what was exported" in verify(text.replace('\n "', '\n  "', 1))
    # A row removed: the chain breaks at the record after it.
    data = json.loads(text)
    del data["records"][2]
    assert "record 3: the chain breaks here" in verify(json.dumps(data, indent=1) + "\n")
    # The chain computed again after an edit holds, but this store never issued that seal.
    from policysite.notify.ledger import chain_hash

    data = json.loads(text)
    data["records"][2]["recipient"] = "someone.else@example.com"
    previous = ""
    for record in data["records"]:
        previous = record["chain"] = chain_hash(previous, record)
    data["seal"] = previous
    out = verify(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    assert "every record's chain holds, but this store never issued its seal" in out
    assert "not a ledger export" in verify("hello\n")


def test_erase_keeps_the_count_and_an_anonymous_row_and_a_kept_copy_still_verifies(
    site: GitRepo, tmp_path: Path, database: str
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 3)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0
    code, kept = cli(site, "notify", "report", "--recipients", "--format", "csv")
    copy = tmp_path / "kept.csv"
    copy.write_text(kept, encoding="utf-8")

    assert cli(site, "subscribers", "erase", addresses[1])[0] == 0
    data = report(site, "--recipients", "--policy", "privacy", "--version", "2.0")
    [totals] = kinds(data, "announcement")
    assert (totals["recipients"], totals["sent"], totals["erased"]) == (3, 3, 1)
    people = kinds(data, "recipient")
    assert [p["recipient"] for p in people] == [addresses[0], addresses[2], "(erased)"]
    erased = people[-1]
    assert erased["status"] == "sent" and erased["sent_at"] and erased["attempts"] == 1
    assert (erased["locale"], erased["message_id"], erased["reply"]) == (None, None, None)
    dumped = json.dumps(data)
    assert addresses[1] not in dumped and "User Nummer 1" not in dumped
    assert stored(database, "SELECT why, status FROM anonymous_deliveries") == [("erased", "sent")]
    assert stored(
        database, "SELECT count(*) FROM subscribers WHERE email = :e", e=addresses[1]
    ) == [(0,)]
    # The copy legal kept before the erase still verifies (it holds the address: legal's
    # copy is legal's business).
    code, out = cli(site, "notify", "report", "--verify", str(copy))
    assert code == 0, out


def test_pseudonymous_report_and_export_give_the_same_keyed_hash(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 2)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0
    code, out = cli(site, "notify", "report", "--recipients", "--pseudonymous")
    assert code == 1
    assert (
        "Error: --pseudonymous needs POLICYSITE_SECRET, the key of the keyed hashes, and it "
        "is not set." in " ".join(out.split())
    )
    monkeypatch.setenv("POLICYSITE_SECRET", SECRET)
    data = report(site, "--recipients", "--pseudonymous")
    assert data["records"][0]["addresses"] == "pseudonyms (HMAC-SHA-256)"
    people = kinds(data, "recipient")
    assert [p["recipient"] for p in people] == [pseudonym(a, SECRET) for a in addresses]
    assert not any(a in json.dumps(data) for a in addresses)
    code, out = cli(site, "subscribers", "export", addresses[0])
    exported = json.loads(out)
    assert exported["subscriber"]["pseudonym"] == people[0]["recipient"]
    [notice] = exported["notices"]
    assert {k: notice[k] for k in ("policy", "version", "status", "locale", "attempts")} == {
        "policy": "privacy",
        "version": "2.0",
        "status": "sent",
        "locale": "en",
        "attempts": 1,
    }
    assert notice["message_id"] == people[0]["message_id"]
    assert notice["duplicate_possible"] is False
    assert notice["reply"].startswith("written to the outbox as privacy-2.0/")


def test_bounced_addresses_are_skipped_and_the_ledger_says_why(
    site: GitRepo, tmp_path: Path, database: str
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 4)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    bounces = tmp_path / "bounces.csv"
    bounces.write_text(
        "email,code,reason,date\n"
        f"{addresses[0].upper()},5.1.1,<{addresses[0]}> mailbox unknown,2026-02-20\n"
        f"{addresses[1]},421,try again later,\n"
        "stranger@example.net,550,no such user,\n",
        encoding="utf-8",
    )
    code, out = cli(site, "subscribers", "import", "--bounces", str(bounces))
    assert (code, out) == (
        0,
        "Marked 1 address(es) undeliverable: later notices skip them, and the ledger says why. "
        "1 are not stored, so nothing was added for them. 1 temporary (4xx) bounce(s) left "
        "out.\n",
    )
    assert stored(database, "SELECT count(*) FROM subscribers") == [(4,)]
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0, out
    assert "privacy 2.0: sent 3, failed 0, skipped 0" in out
    data = report(site, "--recipients")
    [totals] = kinds(data, "announcement")
    assert (totals["recipients"], totals["sent"], totals["cancelled"]) == (4, 3, 1)
    [skipped] = [p for p in kinds(data, "recipient") if p["status"] == "cancelled"]
    assert skipped["recipient"] == addresses[0]
    assert skipped["reason"] == (
        "not sent: the address is marked undeliverable: 5.1.1 <u***@e***.com> mailbox unknown "
        "(bounce of 2026-02-20)"
    )
    # A bounce reported after a notice went is shown beside that notice.
    later = tmp_path / "later.csv"
    day = dt.date.today() + dt.timedelta(days=1)  # sent_at is the real clock's, not TODAY's
    later.write_text(f"email,code,date\n{addresses[2]},550,{day}\n", encoding="utf-8")
    assert cli(site, "subscribers", "import", "--bounces", str(later))[0] == 0
    [bounced] = [
        p
        for p in kinds(report(site, "--recipients"), "recipient")
        if p["recipient"] == addresses[2]
    ]
    assert (bounced["status"], bounced["reason"]) == (
        "sent",
        f"accepted, but the mail provider reported a bounce since: 550 (bounce of {day})",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("email,code\nuser9@example.com,abc\n", encoding="utf-8")
    code, out = cli(site, "subscribers", "import", "--bounces", str(bad))
    assert code == 1
    assert out.startswith(
        f'Error: {bad}:2: code "abc" is not an SMTP code; write e.g. 550 or 5.1.1.'
    )


def test_status_and_report_show_each_announcement(site: GitRepo, tmp_path: Path) -> None:
    code, out = cli(site, "notify", "status")
    assert (code, out) == (0, "No notification store yet: nothing was announced.\n")
    write_subscribers(tmp_path / "people.csv", 2)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    assert cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))[0] == 0
    code, out = cli(site, "notify", "status")
    assert code == 0
    header, row = [line.split() for line in out.splitlines() if line.strip()][:3:2]
    assert header == [
        "Policy", "Version", "Effective", "Announced", "Recipients", "Sent", "Failed",
        "Cancelled", "Pending", "Sending", "now", "Next", "retry",
    ]  # fmt: skip
    assert row[:3] + row[5:] == ["privacy", "2.0", "2026-03-20", "2", "2", "0", "0", "0", "0"]
    code, out = cli(site, "notify", "report", "--policy", "privacy", "--version", "1.0")
    assert (code, out) == (
        1,
        "Error: no announcement of privacy 1.0 in the store (announced: privacy 2.0).\n",
    )
    code, out = cli(site, "notify", "report")
    assert code == 0 and "privacy   2.0       2026-03-20" in out
