"""At least once, never twice what was recorded: SIGKILL mid-run, re-run; two senders on one
PostgreSQL database."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.notify.send import SendOptions
from tests.conftest import GitRepo
from tests.notify.conftest import (
    SmtpServer,
    kill_mid_run,
    run_policysite,
    spawn_policysite,
    write_subscribers,
)

WINDOW = SendOptions().in_flight_window  # claimed, maybe sent, not yet recorded


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_sigkill_mid_run_then_rerun_sends_each_at_least_once(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 5000)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    env = {
        "POLICYSITE_SMTP_URL": smtp_server.url,
        "POLICYSITE_DATABASE_URL": os.environ["POLICYSITE_DATABASE_URL"],
    }
    recorder = smtp_server.recorder

    at_kill = kill_mid_run(site, env, recorder, 1200)
    assert 1200 <= at_kill < 5000

    second = run_policysite(site, "notify", "--send", env=env, check=True)
    per_address = Counter(m.recipients[0] for m in recorder.messages)
    assert set(per_address) == set(addresses)  # every recipient has at least one message
    duplicates = sum(n - 1 for n in per_address.values())
    assert duplicates <= WINDOW, f"{duplicates} duplicates > the in-flight window ({WINDOW})"
    assert max(per_address.values()) <= 2
    resent = int(re.search(r"privacy 2\.0: sent (\d+)", second.stdout).group(1))  # type: ignore[union-attr]
    assert resent == 5000 - at_kill + duplicates

    third = run_policysite(site, "notify", "--send", env=env, check=True)
    assert "Nothing to send: 5000 notices of privacy 2.0 are recorded as sent." in third.stdout
    assert recorder.count() == 5000 + duplicates


def test_two_senders_on_one_postgresql_never_send_twice(
    site: GitRepo,
    tmp_path: Path,
    smtp_server: SmtpServer,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"POLICYSITE_DATABASE_URL": pg_url, "POLICYSITE_SMTP_URL": smtp_server.url}
    addresses = write_subscribers(tmp_path / "people.csv", 2000)
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    senders = [
        spawn_policysite(site, "notify", "--send", "--rate", "500", env=env) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in senders]
    for process, (out, err) in zip(senders, outputs, strict=True):
        assert process.returncode == 0, err + out
    per_message = Counter(smtp_server.recorder.message_ids())
    assert len(per_message) == 2000 and set(per_message.values()) == {1}
    assert sorted(m.recipients[0] for m in smtp_server.recorder.messages) == sorted(addresses)
    counts = [int(m.group(1)) for out, _ in outputs for m in re.finditer(r"sent (\d+)", out)]
    assert sum(counts) == 2000
    assert all(c > 0 for c in counts), f"one sender did all the work: {counts}"


def test_store_on_postgresql(
    site: GitRepo, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", pg_url)
    write_subscribers(tmp_path / "people.csv", 5)
    assert cli(site, "subscribers", "import", str(tmp_path / "people.csv")) == (
        0,
        "Imported 5 subscribers (5 new, 0 updated).\n",
    )
    outbox = tmp_path / "outbox"
    code, out = cli(site, "notify", "--send", "--outbox", str(outbox))
    assert code == 0 and "privacy 2.0: sent 5, failed 0, skipped 0" in out
    assert len(list(outbox.glob("privacy-2.0/*.eml"))) == 5
    code, out = cli(site, "subscribers", "erase", "user2@example.net")
    assert out.startswith("Erased the subscriber, 1 delivery record(s) and 1 outbox copies")
    assert cli(site, "subscribers", "count") == (0, "4\n")
    assert "Nothing to send" in cli(site, "notify", "--send", "--outbox", str(outbox))[1]


def test_unreachable_database_is_a_clear_error(
    site: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/none"
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", url)
    code, out = cli(site, "subscribers", "count")
    assert code == 1
    assert out.startswith(
        "Error: cannot use the database postgresql+psycopg://postgres:***@127.0.0.1:1/none: "
    )
    assert "secret" not in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "mysql://x@y/z",
            "Error: POLICYSITE_DATABASE_URL names a 'mysql' database; policysite supports "
            "sqlite and postgresql (postgresql+psycopg://…).\n",
        ),
        (
            "not a url",
            "Error: POLICYSITE_DATABASE_URL is not a database URL; write e.g. "
            "postgresql+psycopg://user@host:5432/db or sqlite:////path/notify.db, or unset it.\n",
        ),
    ],
)
def test_unsupported_database_url(
    site: GitRepo, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", value)
    assert cli(site, "subscribers", "count") == (1, message)
