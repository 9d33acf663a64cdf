"""``policysite notify``: plan, announce once, deliver by real SMTP; faults and bad input."""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.config import load_settings
from policysite.notify.announce import build_notice
from policysite.notify.compose import TEMPLATE_DIR, Composer
from policysite.notify.send import SendOptions, deliver
from policysite.notify.store import Store, database_url
from policysite.notify.transport import SmtpTransport, parse_smtp_url
from policysite.versions import load_policies
from tests.conftest import GitRepo
from tests.notify.conftest import (
    Recorder,
    SmtpServer,
    free_port,
    rows,
    start_server,
    write_subscribers,
)


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_plan_writes_nothing(site: GitRepo, tmp_path: Path) -> None:
    code, out = cli(site, "notify")
    assert code == 0
    assert out.splitlines() == [
        "skip     privacy 1.0 (effective 2025-01-01): took effect 424 days ago, more than "
        "announce_window_days (30); force it with --version 1.0",
        "announce privacy 2.0 (effective 2026-03-20) to 0 recipients: upcoming: takes effect "
        "in 19 days",
        f"Delivery would go to the outbox {site.path / 'outbox'}.",
        "Nothing was written; add --send to announce and deliver.",
    ]
    assert not (tmp_path / "notify.db").exists()
    assert not (site.path / "outbox").exists()


def test_send_announces_once_and_delivers_over_smtp(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    addresses = write_subscribers(tmp_path / "people.csv", 40)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("POLICYSITE_SMTP_URL", smtp_server.url)

    code, out = cli(site, "notify", "--send", "--concurrency", "3")
    assert code == 0, out
    assert "Announced privacy 2.0 to 40 recipients." in out
    assert out.rstrip().endswith(
        f"privacy 2.0: sent 40, failed 0, skipped 0 via smtp://127.0.0.1:{smtp_server.port} "
        "(tls=none)."
    )
    received = smtp_server.recorder.messages
    assert sorted(r.recipients[0] for r in received) == sorted(addresses)
    assert all(len(r.recipients) == 1 for r in received)  # one recipient per message
    stored = dict(rows(tmp_path, "SELECT message_id, status FROM deliveries"))
    assert sorted(smtp_server.recorder.message_ids()) == sorted(stored)
    assert set(stored.values()) == {"sent"}
    nb = next(r.message for r in received if r.recipients[0] == addresses[1])
    assert nb["Content-Language"] == "nb" and nb["To"].addresses[0].addr_spec == addresses[1]

    code, out = cli(site, "notify", "--send")
    assert code == 0
    assert "Nothing to send: 40 notices of privacy 2.0 are recorded as sent." in out
    assert "done     privacy 2.0 (effective 2026-03-20): already announced" in out
    assert smtp_server.recorder.count() == 40
    assert rows(tmp_path, "SELECT count(*) FROM deliveries") == [(40,)]


def test_old_versions_are_skipped_unless_forced(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_subscribers(tmp_path / "people.csv", 4)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("POLICYSITE_TODAY", "2026-05-01")  # 2.0 took effect 42 days ago
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "out"))
    assert code == 0
    assert "skip     privacy 2.0 (effective 2026-03-20): took effect 42 days ago" in out
    assert rows(tmp_path, "SELECT count(*) FROM announcements") == [(0,)]

    # Forcing an old version is notice given late: refused, then sent with the reason.
    forced = ("notify", "--version", "1.0", "--send", "--outbox", str(tmp_path / "o"))
    code, out = cli(site, *forced)
    assert code == 1
    assert out.splitlines()[-2:] == [
        "Error: privacy 1.0 takes effect on 2025-01-01, 485 days ago (2026-05-01); notice_days "
        "is 14, so it would need to take effect on 2026-05-15 or later.",
        "Nothing was announced. Give the version a later `effective:` (in a new version), or "
        'announce it anyway with --short-notice "REASON": the reason is kept in the ledger '
        "(notify report).",
    ]
    assert rows(tmp_path, "SELECT count(*) FROM announcements") == [(0,)]
    code, out = cli(site, *forced, "--short-notice", "The 2025 notice never went out")
    assert code == 0, out
    assert (
        "Announced privacy 1.0 to 4 recipients 485 days after it took effect (notice_days is 14); "
        "short notice: The 2025 notice never went out." in out
    )
    assert "privacy 1.0: sent 4, failed 0, skipped 0" in out
    assert len(list((tmp_path / "o" / "privacy-1.0").glob("*.eml"))) == 4
    assert rows(
        tmp_path, "SELECT policy, version, notice_given, short_notice FROM announcements"
    ) == [("privacy", "1.0", -485, "The 2025 notice never went out")]


def test_editorial_version_is_not_forced(site: GitRepo) -> None:
    site.write("changelog/privacy/2.0.md", "---\nmaterial: false\n---\nTypos.\n")
    code, out = cli(site, "notify", "--version", "2.0")
    assert code == 1
    assert out == (
        "Error: version 2.0 of 'privacy' is editorial (material: false in "
        "changelog/privacy/2.0.md); only material versions are announced.\n"
    )


def test_5xx_fails_with_reason_4xx_is_retried(
    site: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    addresses = write_subscribers(tmp_path / "people.csv", 6)
    recorder.replies[addresses[0]] = ["550 5.1.1 <user0@example.com>: no such user"]
    recorder.replies[addresses[1]] = ["451 4.7.1 Greylisted, try again", "451 4.7.1 Again"]
    recorder.replies[addresses[2]] = ["452 4.2.2 Mailbox full"] * 10
    server = start_server(recorder)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    settings_ = load_settings(site.path)
    policy = load_policies(settings_)[0]
    store = Store.open(database_url(settings_))
    assert store is not None
    announcement, _ = store.create_announcement("privacy", "2.0", dt.date(2026, 3, 20), "x.com")
    transport = SmtpTransport(parse_smtp_url(server.url), concurrency=2)
    transport.open()
    caplog.set_level(logging.DEBUG)
    try:
        report = deliver(
            store,
            transport,
            Composer(site.path / TEMPLATE_DIR, settings_.locales),
            announcement,
            build_notice(settings_, policy, policy.versions[-1]),
            SendOptions(retry_base=0.05, max_attempts=3),
            today=dt.date(2026, 3, 1),
        )
    finally:
        transport.close()
        server.controller.stop()
        store.close()
    assert (report.sent, report.failed, report.retried) == (4, 2, 4)
    assert sorted(m.recipients[0] for m in recorder.messages) == sorted(
        [addresses[1], *addresses[3:]]
    )
    failed = dict(
        rows(tmp_path, "SELECT subscriber_id, last_error FROM deliveries WHERE status='failed'")
    )
    assert failed == {
        1: "550 5.1.1 <u***@e***.com>: no such user",
        3: "452 4.2.2 Mailbox full (gave up after 3 attempts)",
    }
    assert rows(tmp_path, "SELECT sent, failed FROM announcements") == [(4, 2)]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("policysite")]
    assert len(ours) >= 6  # deferrals, failures, batches: logged, with addresses masked
    assert not any(a in line for a in addresses for line in ours)


def test_smtp_down_stops_with_a_clear_message_and_rows_stay_pending(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_subscribers(tmp_path / "people.csv", 3)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    port = free_port()
    monkeypatch.setenv("POLICYSITE_SMTP_URL", f"smtp://127.0.0.1:{port}?tls=none")
    code, out = cli(site, "notify", "--send")
    assert code == 1
    assert out.splitlines()[-1] == (
        f"Error: cannot connect to the SMTP server smtp://127.0.0.1:{port} (tls=none): "
        "Connection refused. Check POLICYSITE_SMTP_URL and that the server is running; "
        "nothing was claimed or sent."
    )
    assert rows(tmp_path, "SELECT status, claimed_by FROM deliveries") == [("pending", None)] * 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://mail.example.com",
            "Error: POLICYSITE_SMTP_URL=http://mail.example.com must start with smtp:// or "
            "smtps://, e.g. smtp://user:password@mail.example.com:587?tls=starttls.\n",
        ),
        (
            "smtp://u:hunter2@mail.example.com:587?tls=maybe",
            "Error: POLICYSITE_SMTP_URL=smtp://u:***@mail.example.com:587?tls=maybe: tls=maybe "
            "is not valid; use tls=starttls (default), tls=implicit (or smtps://) or, for a "
            "server on this machine, tls=none.\n",
        ),
        (
            "smtp://mail.example.com:port",
            "Error: POLICYSITE_SMTP_URL=smtp://mail.example.com:port: the port is not a number "
            "from 1 to 65535.\n",
        ),
    ],
)
def test_invalid_smtp_url_fails_before_anything_is_written(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("POLICYSITE_SMTP_URL", url)
    assert cli(site, "notify", "--send") == (1, message)
    assert not (tmp_path / "notify.db").exists()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
def test_self_signed_tls_is_refused_and_trusted_with_cafile(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    key, cert = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder = Recorder()
    if mode == "starttls":
        server = start_server(recorder, tls_context=context, require_starttls=True)
        url = f"smtp://127.0.0.1:{server.port}"
    else:
        server = start_server(recorder, ssl_context=context)
        url = f"smtps://127.0.0.1:{server.port}"
    write_subscribers(tmp_path / "people.csv", 2)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    try:
        monkeypatch.setenv("POLICYSITE_SMTP_URL", url)
        code, out = cli(site, "notify", "--send")
        assert code == 1
        assert "is not trusted (self-signed certificate); refusing to send." in out
        assert recorder.count() == 0
        monkeypatch.setenv("POLICYSITE_SMTP_URL", f"{url}?cafile={cert}")
        code, out = cli(site, "notify", "--send")
        assert code == 0, out
        assert recorder.count() == 2
    finally:
        server.controller.stop()


def test_no_starttls_offered_is_refused(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_subscribers(tmp_path / "people.csv", 1)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("POLICYSITE_SMTP_URL", f"smtp://127.0.0.1:{smtp_server.port}")
    code, out = cli(site, "notify", "--send")
    assert code == 1
    assert "does not offer STARTTLS; policysite does not send in plain text." in out
    assert smtp_server.recorder.count() == 0


def test_no_subscribers_means_no_announcement(site: GitRepo, tmp_path: Path) -> None:
    code, out = cli(site, "notify", "--send")
    assert code == 0
    assert "Not announcing privacy 2.0: there are no active subscribers" in out
    assert rows(tmp_path, "SELECT count(*) FROM announcements") == [(0,)]


class ClosingAfter(Recorder):
    """Accepts ``limit`` messages, then answers every DATA with 421 (the server going down)."""

    limit = 30

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.count() >= self.limit:
            return "421 4.3.2 Shutting down"
        return await super().handle_DATA(server, session, envelope)


def test_server_going_away_mid_run_records_what_was_accepted(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = ClosingAfter()
    server = start_server(recorder)
    write_subscribers(tmp_path / "people.csv", 1200)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("POLICYSITE_SMTP_URL", server.url)
    try:
        code, out = cli(site, "notify", "--send", "--concurrency", "2")
    finally:
        server.controller.stop()
    assert code == 1
    assert out.splitlines()[-1] == (
        f"Error: the SMTP server smtp://127.0.0.1:{server.port} (tls=none) is not taking mail: "
        "421 4.3.2 Shutting down. Run again later; unsent notices stay pending. 30 notices of "
        "privacy 2.0 were sent in this run before it stopped."
    )
    sent_ids = {
        mid for (mid,) in rows(tmp_path, "SELECT message_id FROM deliveries WHERE status='sent'")
    }
    assert sent_ids == set(recorder.message_ids())
    assert rows(
        tmp_path, "SELECT status, count(*), count(claimed_by) FROM deliveries GROUP BY status"
    ) == [
        ("pending", 1170, 0),
        ("sent", 30, 0),
    ]


def test_a_ci_runner_without_smtp_refuses_to_send_into_a_lost_outbox(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_subscribers(tmp_path / "people.csv", 3)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("POLICYSITE_SMTP_URL", "")
    code, out = cli(site, "notify", "--send")
    assert code == 1
    assert out.startswith("Error: POLICYSITE_SMTP_URL is empty on this CI runner")
    assert rows(tmp_path, "SELECT count(*) FROM announcements") == [(0,)]
    assert not (site.path / "outbox").exists()
    # Asked for on purpose, the outbox is fine.
    code, out = cli(site, "notify", "--send", "--outbox", str(tmp_path / "kept"))
    assert code == 0, out


PERCENT_HINT = (
    "write them percent-encoded: # as %23, / as %2F, ? as %3F, [ as %5B, ] as %5D, @ as %40, "
    "% as %25 (python3 -c \"import urllib.parse; print(urllib.parse.quote(input(), safe=''))\")."
)


@pytest.mark.parametrize("password", ["S3cr3t#Pw", "S3cr3t/Pw", "S3cr3t?Pw", "S3c[r3t]#/?Pw"])
def test_an_smtp_password_is_never_printed(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    """Issue 10, item 13: ``smtp://user:S3cr3t#Pw@…: the port is not a number``."""
    monkeypatch.setenv("POLICYSITE_SMTP_URL", f"smtp://user:{password}@mail.example.com:587")
    code, out = cli(site, "notify", "--send")
    assert (code, out) == (
        1,
        "Error: POLICYSITE_SMTP_URL=smtp://user:***@mail.example.com:587: the user name or "
        f"password holds a character that ends that part of a URL; {PERCENT_HINT}\n",
    )
    assert not (tmp_path / "notify.db").exists()


def test_a_percent_encoded_password_is_decoded() -> None:
    config = parse_smtp_url("smtp://us%40er:S3cr3t%23%2F%3F%5B%5D%25@mail.example.com:587")
    assert (config.username, config.password) == ("us@er", "S3cr3t#/?[]%")
    assert config.describe() == "smtp://us@er@mail.example.com:587 (tls=starttls)"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("smtp://mail[.example.com:587", "smtp://mail[.example.com:587"),
        ("smtp://u:hunter2@[::1:25", "smtp://u:***@[::1:25"),
        ("smtp://u:hunter2@mail.example.com:99999", "smtp://u:***@mail.example.com:99999"),
    ],
)
def test_a_malformed_smtp_host_is_a_clear_error(
    site: GitRepo, monkeypatch: pytest.MonkeyPatch, url: str, shown: str
) -> None:
    monkeypatch.setenv("POLICYSITE_SMTP_URL", url)
    code, out = cli(site, "notify", "--send")
    assert code == 1
    assert out.startswith(f"Error: POLICYSITE_SMTP_URL={shown}: ")
    assert "hunter2" not in out and "Traceback" not in out


def test_too_little_notice_is_refused_unless_a_reason_is_recorded(
    site: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12, item 7: notice is counted on the day it is given, not the day check ran."""
    write_subscribers(tmp_path / "people.csv", 2)
    cli(site, "subscribers", "import", str(tmp_path / "people.csv"))
    monkeypatch.setenv("POLICYSITE_TODAY", "2026-03-11")  # 2.0 takes effect in 9 days
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out_dir = str(tmp_path / "out")
    code, out = cli(site, "notify")
    assert code == 0
    assert (
        "  warning: only 9 days of notice (notice_days is 14): --send refuses it unless "
        '--short-notice "REASON" says why.'
    ) in out.splitlines()
    code, out = cli(site, "notify", "--send", "--outbox", out_dir)
    assert code == 1
    refusal = (
        "privacy 2.0 takes effect on 2026-03-20, 9 days from today (2026-03-11); notice_days is "
        "14, so it would need to take effect on 2026-03-25 or later."
    )
    assert f"Error: {refusal}" in out.splitlines()
    assert rows(tmp_path, "SELECT count(*) FROM announcements") == [(0,)]
    assert summary.read_text(encoding="utf-8") == (
        f"- policysite notify: **Not announced**: {refusal}\n"
    )

    reason = "The regulator's order of 2026-03-10 takes effect on 2026-03-20"
    code, out = cli(site, "notify", "--send", "--outbox", out_dir, "--short-notice", reason)
    assert code == 0, out
    announced = (
        "Announced privacy 2.0 to 2 recipients with 9 days of notice (notice_days is 14); "
        f"short notice: {reason}."
    )
    assert announced in out.splitlines()
    assert summary.read_text(encoding="utf-8").splitlines()[-1] == (
        f"- policysite notify: {announced}"
    )
    code, out = cli(site, "notify", "report", "--format", "json")
    [totals] = [r for r in json.loads(out)["records"] if r["record"] == "announcement"]
    assert (totals["notice_given"], totals["short_notice"]) == (9, reason)
    # Once announced, later runs deliver what is left without asking again.
    assert cli(site, "notify", "--send", "--outbox", out_dir)[0] == 0
