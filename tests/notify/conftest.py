"""Fixtures for the notifier: a policy site in a real git repo, a real SMTP server (aiosmtpd on
127.0.0.1, a free port), a throwaway PostgreSQL database, and helpers to run the CLI."""

from __future__ import annotations

import csv
import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import REPO_ROOT, GitRepo, policy_text

TODAY = "2026-03-01"
POLICYSITE = str(Path(sys.executable).parent / "policysite")
MKDOCS = """
site_name: Test policies
site_url: https://policies.example.com/
docs_dir: policies
theme:
  name: material
  font: false
plugins:
  - policysite:
      notice_days: 14
      announce_window_days: 30
      locales: [en, nb]
      service_name: Example
      sender_name: Example (Test AS)
      sender_email: privacy@example.com
      postal_address: Test AS, Storgata 1, 0155 Oslo, Norway
"""
BODY_1 = """
Intro text.

## Data we collect {#data}

We collect your name.

## Cookies {#cookies}

We use cookies.

## Old section {#old}

This goes away.
"""
BODY_2 = """
Intro text.

## Data we collect {#data}

We collect your name and your e-mail address.

## Cookies and tracking {#cookies}

We use cookies.

## Your rights {#rights}

You may ask for a copy of your data.
"""


NOTE_2_NB = """---
title: Personvernerklæring
sections:
  data: Opplysninger vi samler inn
  cookies: Informasjonskapsler og sporing
  old: Gammelt avsnitt
  rights: Dine rettigheter
---
Vi samler nå inn e-postadressen din, og vi forteller hvilke rettigheter du har.
"""


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> GitRepo:
    """A site with privacy 1.0 (material, 2025) and 2.0 (material, upcoming 2026-03-20, with a
    Norwegian note and title; notice_days 14)."""
    git_repo.write("mkdocs.yml", MKDOCS)
    shutil.copytree(REPO_ROOT / "site_templates", git_repo.path / "site_templates")
    git_repo.write("changelog/privacy/1.0.md", "---\nmaterial: true\n---\nFirst version.\n")
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2025-01-01", BODY_1, "Privacy Policy"))
    git_repo.write(
        "changelog/privacy/2.0.md",
        "---\nmaterial: true\n---\nWe now collect your e-mail address, and we say what your "
        "rights are.\n",
    )
    git_repo.write("changelog/privacy/2.0.nb.md", NOTE_2_NB)
    git_repo.commit(policies__privacy_md=policy_text("2.0", "2026-03-20", BODY_2, "Privacy Policy"))
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    monkeypatch.setenv("POLICYSITE_DATABASE_URL", f"sqlite:///{tmp_path / 'notify.db'}")
    monkeypatch.delenv("POLICYSITE_SMTP_URL", raising=False)
    return git_repo


def rows(tmp_path: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of the test's SQLite store (``tmp_path / 'notify.db'``, as the ``site`` sets it)."""
    connection = sqlite3.connect(tmp_path / "notify.db")
    try:
        return connection.execute(query, params).fetchall()
    finally:
        connection.close()


def write_subscribers(path: Path, count: int, *, start: int = 0) -> list[str]:
    """A CSV of ``count`` fake people, alternating en and nb; returns their addresses."""
    zones = ["Europe/Oslo", "America/New_York", "Asia/Tokyo", ""]
    addresses = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "locale", "timezone"])
        for number in range(start, start + count):
            address = f"user{number}@example.{('com', 'org', 'net')[number % 3]}"
            locale = "nb" if number % 2 else "en"
            writer.writerow([address, f"User Nummer {number}", locale, zones[number % 4]])
            addresses.append(address)
    return addresses


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every message and can refuse some recipients."""

    messages: list[Received] = field(default_factory=list)
    # recipient address → list of replies to give, in turn, at RCPT (then 250)
    replies: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        queue = self.replies.get(address)
        if queue:
            return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def message_ids(self) -> list[str]:
        with self.lock:
            data = [m.data for m in self.messages]
        ids = []
        for raw in data:
            for line in raw.split(b"\r\n"):
                if line.startswith(b"Message-ID: "):
                    ids.append(line[12:].decode())
                    break
        return ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    controller: Controller
    recorder: Recorder
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"


def start_server(recorder: Recorder, **kwargs: Any) -> SmtpServer:
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return SmtpServer(controller, recorder, port)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = start_server(Recorder())
    yield server
    server.controller.stop()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own for one test, dropped afterwards."""
    import psycopg  # a dependency of the package: missing is a failure, not a skip

    admin = "postgresql://postgres@127.0.0.1:5432/test"
    try:
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"no PostgreSQL at 127.0.0.1:5432 ({str(exc).strip()[:80]})"
        if os.environ.get("CI"):  # CI's machine runs PostgreSQL: never pass by skipping there
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"policysite_test_{secrets.token_hex(6)}"
    connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


def run_policysite(
    site: GitRepo, *args: str, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process (what cron would run)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYSITE_")}
    full_env.update(
        POLICYSITE_TODAY=os.environ.get("POLICYSITE_TODAY", TODAY),
        POLICYSITE_DATABASE_URL=os.environ["POLICYSITE_DATABASE_URL"],
    )
    full_env.update(env or {})
    result = subprocess.run(
        [POLICYSITE, "-C", str(site.path), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def spawn_policysite(site: GitRepo, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYSITE_")}
    full_env.update({"POLICYSITE_TODAY": TODAY, **env})
    return subprocess.Popen(
        [POLICYSITE, "-C", str(site.path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )


def kill_mid_run(site: GitRepo, env: dict[str, str], recorder: Recorder, after: int) -> int:
    """Run ``notify --send``, SIGKILL it once the server has ``after`` messages; returns how
    many the server holds when the dust settles (what the killed sender had on the wire)."""
    sender = spawn_policysite(site, "notify", "--send", env=env)
    try:
        wait_until(lambda: recorder.count() >= after or sender.poll() is not None)
        os.kill(sender.pid, signal.SIGKILL)
    finally:
        sender.wait()
    assert sender.returncode == -signal.SIGKILL, "the sender finished before it was killed"
    # A message whose last bytes were in the server's socket when the sender died is still
    # accepted a moment later; counting at once would miss it (seen as a flaky off-by-one).
    count = recorder.count()
    while True:
        time.sleep(0.3)
        now = recorder.count()
        if now == count:
            return count
        count = now


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)
