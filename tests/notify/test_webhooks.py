"""`webhooks send | status | redeliver` (issue 16, part 3): signed events to the application.

The receiver is a real HTTP server on 127.0.0.1 (a thread) that verifies every signature with
the Standard Webhooks reference implementation (the `standardwebhooks` package) and checks every
payload against `schemas/webhook-event.v1.json` (jsonschema), as an application would. The site
is a real git repository; the store is the real SQLite file or a real PostgreSQL database.
"""

from __future__ import annotations

import base64
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from policysite.cli import main
from policysite.notify.webhooks import MAX_ATTEMPTS, event_id
from tests.conftest import REPO_ROOT, GitRepo
from tests.notify.conftest import MKDOCS, free_port, rows, spawn_policysite

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
SCHEMA = json.loads((REPO_ROOT / "schemas" / "webhook-event.v1.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
SITE_URL = "https://policies.example.com/"


@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    verified: bool
    schema_errors: list[str]

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """An application's endpoint: answers each request with the next of ``script`` (then 200):
    an HTTP status, "timeout" (no answer for 3 s), "slow" (200 after 2 s) or "redirect:URL"."""

    host: str = "127.0.0.1"
    script: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/policies"

    def handle(self, headers: dict[str, str], body: bytes) -> str:
        try:
            Webhook(SECRET).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        try:
            errors = [e.message for e in VALIDATOR.iter_errors(json.loads(body))]
        except ValueError as exc:
            errors = [f"not JSON: {exc}"]
        with self.lock:
            self.requests.append(Request(headers, body, verified, errors))
            return self.script.pop(0) if self.script else "200"


def serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            action = receiver.handle({k: v for k, v in self.headers.items()}, body)
            if action == "timeout":
                time.sleep(3)  # longer than the endpoint's timeout (1 s)
                action = "200"
            if action == "slow":
                time.sleep(2)  # within the timeout of two_senders' endpoints (10 s)
                action = "200"
            if action.startswith("redirect:"):
                self.send_response(307)
                self.send_header("location", action.removeprefix("redirect:"))
            else:
                self.send_response(int(action))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((receiver.host, 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = serve(found)
    yield found
    server.shutdown()
    server.server_close()


def configure(site: GitRepo, *endpoints: str, extra: str = "", timeout: int = 1) -> None:
    """mkdocs.yml with these endpoints (secret in TEST_WEBHOOK_SECRET, timeout 1 s)."""
    lines = ["      webhooks:"]
    for url in endpoints:
        lines += [f"        - url: {url}", "          secret_env: TEST_WEBHOOK_SECRET"]
        lines += [f"          timeout: {timeout}", *([extra] if extra else [])]
    site.write("mkdocs.yml", MKDOCS + "\n".join(lines) + "\n")


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def status(site: GitRepo) -> list[dict[str, Any]]:
    code, output = cli(site, "webhooks", "status", "--format", "json")
    assert code == 0, output
    return json.loads(output)  # type: ignore[no-any-return]


@pytest.fixture
def hooked(site: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    return site


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        monkeypatch.setenv("POLICYSITE_DATABASE_URL", url)
        return url
    return f"sqlite:///{tmp_path / 'notify.db'}"


def test_two_failures_then_a_verified_event_that_fits_the_schema(
    hooked: GitRepo, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.script = ["500", "timeout"]
    configure(hooked, receiver.url)
    started = time.monotonic()
    code, output = cli(hooked, "webhooks", "send")
    assert code == 0, output
    # Retried with backoff (2 s, then 10 s) within the run, not at once.
    assert time.monotonic() - started >= 12
    identifier = event_id(SITE_URL, "version.published", "privacy", "2.0")
    assert [r.headers["webhook-id"] for r in receiver.requests] == [identifier] * 3
    assert [r.verified for r in receiver.requests] == [True, True, True]
    assert [r.schema_errors for r in receiver.requests] == [[], [], []]
    assert len({r.body for r in receiver.requests}) == 1, "every attempt sends the same bytes"
    event = receiver.requests[-1].event
    assert event["type"] == "version.published"
    data = event["data"]
    assert (data["policy"], data["version"], data["previous_version"]) == ("privacy", "2.0", "1.0")
    assert (data["effective"], data["material"], data["kind"]) == ("2026-03-20", True, "change")
    assert data["summary"].startswith("We now collect your e-mail address")
    assert data["urls"] == {
        "policy": SITE_URL + "privacy/",
        "version": SITE_URL + "privacy/versions/2.0/",
        "changes": SITE_URL + "privacy/changes/2.0/",
        "versions_json": SITE_URL + "versions.json",
    }
    # The section summary is `diff --format json` of 1.0 → 2.0, as the CLI prints it.
    code, diff = cli(hooked, "diff", "privacy", "1.0", "2.0", "--format", "json")
    assert code == 0, diff
    assert data["changes"] == json.loads(diff)
    assert "Attempt 1 of version.published" in output and "HTTP 500" in output
    assert "Attempt 2 of version.published" in output and "no answer within 1 s" in output
    assert SECRET not in output and SECRET.removeprefix("whsec_") not in output
    (found,) = status(hooked)
    assert found["id"] == identifier
    (delivery,) = found["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "delivered",
        3,
        None,
    )
    attempts = sqlite3.connect(tmp_path / "notify.db").execute(
        "SELECT http_status, error FROM webhook_attempts ORDER BY id"
    )
    assert attempts.fetchall() == [(500, "HTTP 500"), (None, "no answer within 1 s"), (200, None)]


def test_sending_again_makes_no_second_event_and_the_effective_day_makes_one(
    hooked: GitRepo, receiver: Receiver, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(hooked, receiver.url)
    assert cli(hooked, "webhooks", "send")[0] == 0
    code, output = cli(hooked, "webhooks", "send")
    assert code == 0, output
    assert "Recorded" not in output and "Delivered" not in output
    assert [r.event["type"] for r in receiver.requests] == ["version.published"]
    monkeypatch.setenv("POLICYSITE_TODAY", "2026-03-20")
    for _ in range(2):
        assert cli(hooked, "webhooks", "send")[0] == 0
    assert [(r.event["type"], r.verified) for r in receiver.requests] == [
        ("version.published", True),
        ("version.effective", True),
    ]
    assert receiver.requests[1].headers["webhook-id"] == event_id(
        SITE_URL, "version.effective", "privacy", "2.0"
    )
    assert [(e["type"], e["deliveries"][0]["status"]) for e in status(hooked)] == [
        ("version.published", "delivered"),
        ("version.effective", "delivered"),
    ]


def test_a_retired_policy_is_one_verified_event_once_its_day_has_come(
    hooked: GitRepo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``retired:`` on a new version: ``policy.retired`` when that day has come (not before),
    once, signed and fitting the schema, naming the version that retired the policy."""
    privacy = hooked.path / "policies/privacy.md"
    retiring = (
        privacy.read_text()
        .replace('version: "2.0"', 'version: "2.1"')
        .replace("effective: 2026-03-20", "effective: 2026-04-01\nretired: 2026-05-01")
    )
    hooked.write("changelog/privacy/2.1.md", "---\nmaterial: true\n---\nWe retire this policy.\n")
    hooked.commit("retire privacy", policies__privacy_md=retiring)
    configure(hooked, receiver.url)
    monkeypatch.setenv("POLICYSITE_TODAY", "2026-04-30")
    assert cli(hooked, "webhooks", "send")[0] == 0
    assert "policy.retired" not in [r.event["type"] for r in receiver.requests]

    monkeypatch.setenv("POLICYSITE_TODAY", "2026-05-01")
    for _ in range(2):  # the second run sends nothing more
        code, output = cli(hooked, "webhooks", "send")
        assert code == 0, output
    retired = [r for r in receiver.requests if r.event["type"] == "policy.retired"]
    assert len(retired) == 1
    (request,) = retired
    assert request.verified and not request.schema_errors
    assert request.headers["webhook-id"] == event_id(SITE_URL, "policy.retired", "privacy", "2.1")
    data = request.event["data"]
    assert (data["policy"], data["version"], data["retired"]) == ("privacy", "2.1", "2026-05-01")
    assert data["summary"] == "We retire this policy."


def test_redeliver_sends_the_same_event_again(hooked: GitRepo, receiver: Receiver) -> None:
    configure(hooked, receiver.url)
    assert cli(hooked, "webhooks", "send")[0] == 0
    identifier = receiver.requests[0].headers["webhook-id"]
    code, output = cli(hooked, "webhooks", "redeliver", identifier)
    assert code == 0, output
    assert [r.headers["webhook-id"] for r in receiver.requests] == [identifier] * 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert all(r.verified for r in receiver.requests)
    code, output = cli(hooked, "webhooks", "redeliver", "msg_" + "0" * 32)
    assert (code, output) == (
        1,
        f"Error: no webhook event msg_{'0' * 32} is recorded; policysite webhooks status "
        "lists them.\n",
    )


def test_ten_failed_attempts_fail_for_good_until_redelivered(
    hooked: GitRepo, receiver: Receiver, tmp_path: Path
) -> None:
    """The whole retry schedule (about 36 hours) without waiting: after each run the test's
    store makes the next attempt due now; the receiver answers 500 every time."""
    receiver.script = ["500"] * MAX_ATTEMPTS
    configure(hooked, receiver.url)
    identifier = event_id(SITE_URL, "version.published", "privacy", "2.0")
    for attempt in range(1, MAX_ATTEMPTS):
        code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
        assert code == 0, output
        assert f"Attempt {attempt} of version.published {identifier}" in output
        (delivery,) = status(hooked)[0]["deliveries"]
        assert (delivery["status"], delivery["attempts"]) == ("pending", attempt)
        assert delivery["next_attempt"] is not None
        with sqlite3.connect(tmp_path / "notify.db") as store:  # commits on leaving
            store.execute("UPDATE webhook_deliveries SET next_attempt = 0")
        store.close()
    code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
    assert code == 1, output
    assert (
        f"Failed version.published {identifier} to {receiver.url} for good after "
        f"{MAX_ATTEMPTS} attempts: HTTP 500." in " ".join(output.split())
    )
    assert output.rstrip().endswith(
        f"Error: 1 webhook deliveries failed for good after {MAX_ATTEMPTS} attempts (above); "
        "fix the endpoint, then policysite webhooks redeliver ID."
    ), output
    (delivery,) = status(hooked)[0]["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt"]) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    assert delivery["last_error"] == "HTTP 500"
    # Failed for good: a later run neither retries it nor fails again.
    code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
    assert code == 0, output
    assert len(receiver.requests) == MAX_ATTEMPTS
    # The endpoint is fixed (it answers 200 now): redeliver revives the delivery.
    code, output = cli(hooked, "webhooks", "redeliver", identifier)
    assert code == 0, output
    (delivery,) = status(hooked)[0]["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "delivered",
        1,
        None,
    )
    assert [r.headers["webhook-id"] for r in receiver.requests] == [identifier] * (MAX_ATTEMPTS + 1)
    assert all(r.verified and not r.schema_errors for r in receiver.requests)
    assert len({r.body for r in receiver.requests}) == 1
    assert rows(tmp_path, "SELECT http_status FROM webhook_attempts ORDER BY id") == [
        (500,)
    ] * MAX_ATTEMPTS + [(200,)]


def test_two_senders_at_once_deliver_each_event_once(
    hooked: GitRepo, receiver: Receiver, store_url: str
) -> None:
    """Two ``webhooks send`` processes started together (two publish jobs overlapping) against
    one slow receiver: each delivery is claimed by one of them, so it arrives once."""
    receiver.script = ["slow"] * 4
    configure(hooked, receiver.url, timeout=10)
    env = {
        "TEST_WEBHOOK_SECRET": SECRET,
        "POLICYSITE_DATABASE_URL": store_url,
        # The effective day too: two events, each to be claimed once.
        "POLICYSITE_TODAY": "2026-03-20",
    }
    senders = [spawn_policysite(hooked, "webhooks", "send", env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in senders]
    for process, (out, err) in zip(senders, outputs, strict=True):
        assert process.returncode == 0, err + out
    ids = sorted(r.headers["webhook-id"] for r in receiver.requests)
    assert ids == sorted(
        event_id(SITE_URL, kind, "privacy", "2.0")
        for kind in ("version.published", "version.effective")
    ), "\n".join(out for out, _ in outputs)
    assert all(r.verified for r in receiver.requests)
    delivered = [" ".join(out.split()).count("Delivered ") for out, _ in outputs]
    assert sum(delivered) == 2, outputs
    deliveries = [d for event in status(hooked) for d in event["deliveries"]]
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("delivered", 1)] * 2


def test_a_redirect_to_another_host_is_not_followed(hooked: GitRepo, receiver: Receiver) -> None:
    elsewhere = Receiver(host="127.0.0.2")
    server = serve(elsewhere)
    try:
        receiver.script = [f"redirect:{elsewhere.url}"]
        configure(hooked, receiver.url)
        code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, output
    assert len(receiver.requests) == 1
    assert elsewhere.requests == []
    (found,) = status(hooked)
    (delivery,) = found["deliveries"]
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == 1
    assert delivery["last_error"] == (
        "HTTP 307: redirected to 127.0.0.2; redirects are not followed, so put the final URL "
        "in mkdocs.yml"
    )


def test_an_event_whose_endpoint_was_removed_is_not_retried(
    hooked: GitRepo, receiver: Receiver
) -> None:
    gone = f"http://127.0.0.1:{free_port()}/hooks"  # nothing listens: connection refused
    configure(hooked, gone)
    code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
    assert code == 0, output
    assert "cannot connect" in output
    configure(hooked, receiver.url)  # the application moved; the old endpoint is removed
    code, output = cli(hooked, "webhooks", "send", "--max-wait", "0")
    assert code == 0, output
    assert "1 pending deliveries are to endpoints no longer in mkdocs.yml" in output
    assert [r.verified for r in receiver.requests] == [True]
    (found,) = status(hooked)
    assert [(d["endpoint"], d["configured"], d["status"]) for d in found["deliveries"]] == [
        (gone, False, "orphaned"),
        (receiver.url, True, "delivered"),
    ]
    assert found["deliveries"][0]["last_error"] == (
        "the endpoint was removed from mkdocs.yml (or no longer takes this type); not retried"
    )
    # Later runs leave it alone.
    assert cli(hooked, "webhooks", "send", "--max-wait", "0")[1].count("no longer") == 0
    code, table = cli(hooked, "webhooks", "status")
    assert code == 0
    assert "(removed)" in table and "orphaned" in table


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "        - url: http://app.example.com/hooks",
            "webhooks entry 1: 'url' 'http://app.example.com/hooks' is plain http to another "
            "machine",
        ),
        (
            "        - url: https://app.example.com/hooks\n          events: [version.changed]",
            "webhooks entry 1: 'events' must be a list of one or more of version.published, "
            "version.effective, policy.retired, not ['version.changed']",
        ),
        (
            "        - url: https://app.example.com/hooks\n          secret: whsec_abc",
            "webhooks entry 1 has a 'secret': mkdocs.yml is in git for everyone to read",
        ),
        (
            "        - url: https://app.example.com/hooks\n          secret_env: APP-SECRET",
            "webhooks entry 1: 'secret_env' must name an environment variable",
        ),
        (
            "        - url: https://app.example.com/hooks\n          timeout: 600",
            "webhooks entry 1: 'timeout' must be seconds, more than 0 and at most 60, not 600",
        ),
        (
            "        - url: https://app.example.com/a\n        - url: https://app.example.com/a",
            "webhooks entry 2: the url https://app.example.com/a is listed twice",
        ),
        (
            "        - url: https://user:pw@app.example.com/hooks",
            "webhooks entry 1: 'url' holds a user name or password",
        ),
    ],
)
def test_bad_settings_are_named(hooked: GitRepo, entry: str, message: str) -> None:
    hooked.write("mkdocs.yml", MKDOCS + "      webhooks:\n" + entry + "\n")
    code, output = cli(hooked, "webhooks", "send")
    assert code == 1
    assert output.startswith("Error: mkdocs.yml: plugin 'policysite': "), output
    assert message in output
    assert "Traceback" not in output and "whsec_abc" not in output.replace(
        "has a 'secret'", ""
    ).replace(message, "")


def test_a_missing_or_malformed_secret_is_named_never_shown(
    site: GitRepo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(site, receiver.url)
    monkeypatch.delenv("TEST_WEBHOOK_SECRET", raising=False)
    code, output = cli(site, "webhooks", "send")
    assert code == 1
    assert output.startswith(
        "Error: the webhook secret is not set: TEST_WEBHOOK_SECRET is empty."
    ), output
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", "not-base64-at-all-%%%")
    code, output = cli(site, "webhooks", "send")
    assert code == 1
    assert output.startswith(
        "Error: the webhook secret in TEST_WEBHOOK_SECRET is not a Standard Webhooks secret"
    ), output
    assert "not-base64" not in output
    assert receiver.requests == []


def test_a_store_of_schema_3_gains_the_webhook_tables(
    hooked: GitRepo, receiver: Receiver, tmp_path: Path
) -> None:
    (tmp_path / "people.csv").write_text("email\nola@example.com\n")
    assert cli(hooked, "subscribers", "import", str(tmp_path / "people.csv"))[0] == 0
    configure(hooked, receiver.url)
    database = sqlite3.connect(tmp_path / "notify.db")
    # Made as policysite made it before webhooks: schema 3, no webhook tables.
    database.executescript(
        "DROP TABLE webhook_attempts; DROP TABLE webhook_deliveries; DROP TABLE webhook_events;"
        "DELETE FROM policysite_schema; INSERT INTO policysite_schema VALUES (3, '2026-01-01');"
    )
    database.close()
    code, output = cli(hooked, "webhooks", "send")
    assert code == 0, output
    assert [r.verified for r in receiver.requests] == [True]
    database = sqlite3.connect(tmp_path / "notify.db")
    versions = database.execute("SELECT version FROM policysite_schema ORDER BY version")
    assert [v for (v,) in versions] == [3, 4]


def test_without_webhooks_send_says_so(site: GitRepo) -> None:
    assert cli(site, "webhooks", "send") == (
        0,
        "No webhooks in mkdocs.yml (webhooks: under the policysite plugin); nothing sent.\n",
    )
