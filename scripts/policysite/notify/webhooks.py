"""``webhooks send | status | redeliver``: the application hears of every published version.

Events: ``version.published`` (a version is on main and published, upcoming or not),
``version.effective`` (its effective day has come) and ``policy.retired`` (its ``retired:``
day has come). What is new is decided as ``notify`` decides it (``announce.plan_versions``,
every version instead of the material ones): not yet recorded in the store, and not older than
``announce_window_days``, so adopting a long history sends nothing about 2018.

Each fact is recorded once, under an id derived from the site, type, policy and version
(``event_id``), with its payload (``schemas/webhook-event.v1.json``) as it is sent every time.
Each (event, endpoint) is delivered at least once: attempts are retried with backoff
(``RETRY_DELAYS``), a run waits for retries due within ``--max-wait`` and the next run picks up
the rest; after ``MAX_ATTEMPTS`` the delivery fails (``redeliver`` tries again). An event whose
endpoint was removed from ``mkdocs.yml`` is marked ``orphaned`` and not retried. Secrets come
from the environment variables the settings name and are never printed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from standardwebhooks.webhooks import Webhook

from policysite import urls
from policysite.config import Settings, WebhookEndpoint, today
from policysite.errors import ConfigError, NotFoundError, PolicySiteError
from policysite.model import Policy, Version
from policysite.notify.announce import change_for, plan_versions, previous_version
from policysite.notify.run import on_a_ci_runner, open_store
from policysite.notify.store import DATABASE_ENV, Store, WebhookDelivery, WebhookOutcome
from policysite.notify.webhook_transport import open_client, post_event, signer
from policysite.render.json import render_json
from policysite.versions import load_policies

SCHEMA_ID = "https://policysite.dev/schemas/webhook-event.v1.json"
# Seconds to wait after attempt n (1-based) before attempt n + 1; the publish job runs at least
# daily, so a wait beyond a run's --max-wait is taken up by a later run.
RETRY_DELAYS = (2, 10, 60, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DEFAULT_MAX_WAIT = 60.0
# A claimed delivery is another sender's for its endpoint's timeout plus this (the POST and
# recording its outcome); a sender that dies holding one leaves it due again after that.
LEASE_MARGIN = 30.0


@dataclass(frozen=True)
class Fact:
    """Something the application is told once: (type, policy, version)."""

    kind: str
    policy: Policy
    version: Version

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.policy.id, self.version.label)


@dataclass
class WebhookReport:
    recorded: list[str] = field(default_factory=list)  # "version.published privacy 2.0 (id)"
    delivered: int = 0
    failed: list[str] = field(default_factory=list)  # given up for good in this run
    waiting: int = 0  # pending, with a next attempt after this run
    orphaned: int = 0


def event_id(site_url: str, kind: str, policy: str, version: str) -> str:
    """The event's id (``webhook-id``): the same for the same fact on every run and machine."""
    digest = hashlib.sha256("\n".join((site_url, kind, policy, version)).encode()).hexdigest()
    return f"msg_{digest[:32]}"


def due_facts(
    settings: Settings, policies: list[Policy], known: set[tuple[str, str, str]], day: dt.date
) -> list[Fact]:
    """The facts to record now: ``notify``'s rule of what is new, for every version."""
    found: list[Fact] = []
    for kind in ("version.published", "version.effective"):
        done = {(p, v) for k, p, v in known if k == kind}
        for candidate in plan_versions(settings, policies, done, day, material_only=False):
            if candidate.action != "announce":
                continue
            if kind == "version.effective" and candidate.version.effective > day:
                continue
            found.append(Fact(kind, candidate.policy, candidate.version))
    for policy in policies:
        retiring = next((v for v in reversed(policy.versions) if v.retired is not None), None)
        if retiring is None or retiring.retired is None or retiring.retired > day:
            continue
        age = (day - retiring.retired).days
        fact = Fact("policy.retired", policy, retiring)
        if fact.key not in known and age <= settings.announce_window_days:
            found.append(fact)
    return found


def build_payload(settings: Settings, fact: Fact, identifier: str, when: dt.datetime) -> str:
    """The event's JSON body (``schemas/webhook-event.v1.json``), as sent on every attempt."""
    version, pid, site = fact.version, fact.policy.id, settings.site_url
    previous = previous_version(fact.policy, version)
    change = change_for(fact.policy, version)
    data: dict[str, Any] = {
        "policy": pid,
        "title": version.title,
        "version": version.label,
        "previous_version": previous.label if previous else None,
        "kind": version.kind,
        "effective": version.effective.isoformat(),
        "retired": version.retired.isoformat() if version.retired else None,
        "material": version.material,
        "summary": version.note.summary if version.note else None,
        "commit": version.commit,
        "changes": render_json(change) if change is not None and change.old.text else None,
        "urls": {
            "policy": urls.policy_url(site, pid),
            "version": urls.version_url(site, pid, version.label),
            "changes": urls.change_url(site, pid, version.label),
            "versions_json": site + urls.VERSIONS_FILE,
        },
    }
    event = {
        "$schema": SCHEMA_ID,
        "id": identifier,
        "type": fact.kind,
        "timestamp": when.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(event, ensure_ascii=False, sort_keys=True)


def read_secrets(endpoints: tuple[WebhookEndpoint, ...]) -> dict[str, Webhook]:
    """Each endpoint's signer, from the variable its settings name; every missing one at once."""
    missing = sorted({e.secret_env for e in endpoints if not os.environ.get(e.secret_env)})
    if missing:
        raise ConfigError(
            f"the webhook secret is not set: {', '.join(missing)} is empty. Set it to the "
            "endpoint's whsec_… secret (on GitHub Actions a repository secret of that name, "
            "passed to the step's env); the value is never printed."
        )
    return {e.url: signer(os.environ[e.secret_env], e.secret_env) for e in endpoints}


def _require_endpoints(settings: Settings) -> tuple[WebhookEndpoint, ...]:
    if not settings.webhooks:
        raise PolicySiteError(
            "no webhooks in mkdocs.yml: add them under the policysite plugin, e.g. webhooks: "
            "[{url: https://app.example.com/hooks/policies, secret_env: APP_WEBHOOK_SECRET}]."
        )
    return settings.webhooks


def send_webhooks(settings: Settings, console: Console, *, max_wait: float) -> WebhookReport:
    """Record the events due, then deliver every pending one; prints as it goes."""
    if not settings.webhooks:
        console.print(
            "No webhooks in mkdocs.yml (webhooks: under the policysite plugin); nothing sent."
        )
        return WebhookReport()
    if not os.environ.get(DATABASE_ENV, "").strip() and on_a_ci_runner():
        raise ConfigError(
            f"{DATABASE_ENV} is empty on this CI runner, so the record of which events were sent "
            "would be a file thrown away with the job, and every run would send them again. Set "
            f"the repository secret {DATABASE_ENV} (e.g. postgresql+psycopg://user:pass@host/db)."
        )
    endpoints = settings.webhooks
    signers = read_secrets(endpoints)
    day = today()
    policies = load_policies(settings, as_of=day)
    store = open_store(settings, create=True)
    assert store is not None
    report = WebhookReport()
    try:
        facts = due_facts(settings, policies, store.webhook_event_keys(), day)
        now = dt.datetime.now(dt.UTC)
        for fact in facts:
            identifier = event_id(settings.site_url, *fact.key)
            payload = build_payload(settings, fact, identifier, now)
            if store.record_webhook_event(identifier, *fact.key, payload):
                report.recorded.append(f"{' '.join(fact.key)} ({identifier})")
                console.print(f"Recorded {' '.join(fact.key)} as {identifier}.", highlight=False)
        started = time.time()
        for endpoint in endpoints:
            store.add_webhook_deliveries(endpoint.url, endpoint.events, started)
        report.orphaned = _orphan(store, settings, console)
        _deliver(store, settings, signers, report, console, max_wait)
    finally:
        store.close()
    return report


def _orphan(store: Store, settings: Settings, console: Console) -> int:
    """Stop the pending deliveries that no endpoint in the settings takes any more."""
    count = store.orphan_webhook_deliveries({e.url: e.events for e in settings.webhooks})
    if count:
        console.print(
            f"[yellow]warning:[/] {count} pending deliveries are to endpoints no longer in "
            "mkdocs.yml (or that no longer take their type); they are not retried (webhooks "
            "status lists them; put the endpoint back and redeliver to send them)."
        )
    return count


def _deliver(
    store: Store,
    settings: Settings,
    signers: dict[str, Webhook],
    report: WebhookReport,
    console: Console,
    max_wait: float,
    event: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Attempt every due delivery, each claimed first (two senders at once never post the
    same one); wait for retries due within ``max_wait`` of the last one."""
    by_url = {e.url: e for e in settings.webhooks}
    lease = max(e.timeout for e in settings.webhooks) + LEASE_MARGIN
    with open_client() as client:
        while True:
            while (delivery := store.claim_webhook_delivery(time.time(), lease, event)) is not None:
                _attempt(
                    store, client, by_url[delivery.endpoint], signers, delivery, report, console
                )
            upcoming = store.next_webhook_attempt(event)
            if upcoming is None:
                break
            wait = upcoming - time.time()
            if wait > max_wait:
                break
            if wait > 0:
                sleep(wait)
    report.waiting = sum(
        1
        for row in store.webhook_rows()
        if row["status"] == "pending" and (event is None or row["event"] == event)
    )


def _attempt(
    store: Store,
    client: Any,
    endpoint: WebhookEndpoint,
    signers: dict[str, Webhook],
    delivery: WebhookDelivery,
    report: WebhookReport,
    console: Console,
) -> None:
    attempt = post_event(
        client,
        endpoint.url,
        signers[endpoint.url],
        delivery.event_id,
        delivery.payload,
        endpoint.timeout,
    )
    number = delivery.attempts + 1
    following = None
    if not attempt.ok and number < MAX_ATTEMPTS:
        following = attempt.started + RETRY_DELAYS[number - 1]
    store.record_webhook_attempt(
        WebhookOutcome(
            delivery.id,
            attempt.ok,
            attempt.started,
            attempt.seconds,
            attempt.http_status,
            attempt.error,
            following,
            delivery.lease_until,
        )
    )
    what = f"{delivery.type} {delivery.event_id} to {endpoint.url}"
    if attempt.ok:
        report.delivered += 1
        console.print(f"Delivered {what} (HTTP {attempt.http_status}).", highlight=False)
    elif following is None:
        report.failed.append(f"{what}: {attempt.error}")
        console.print(
            f"[red]Failed[/] {what} for good after {number} attempts: {attempt.error}.",
            highlight=False,
        )
    else:
        console.print(
            f"Attempt {number} of {what} failed: {attempt.error}; next in "
            f"{RETRY_DELAYS[number - 1]} s.",
            highlight=False,
        )


def describe_failures(report: WebhookReport) -> str | None:
    """The error for a run in which a delivery failed for good (None: none did)."""
    if not report.failed:
        return None
    return (
        f"{len(report.failed)} webhook deliveries failed for good after {MAX_ATTEMPTS} attempts "
        "(above); fix the endpoint, then policysite webhooks redeliver ID."
    )


def redeliver(
    settings: Settings, identifier: str, console: Console, *, max_wait: float
) -> WebhookReport:
    """Send one recorded event again to every endpoint in the settings that takes its type."""
    _require_endpoints(settings)
    store = open_store(settings, create=False)
    if store is None:
        raise NotFoundError("no webhook event is recorded yet; run policysite webhooks send.")
    report = WebhookReport()
    try:
        kind = next((r["type"] for r in store.webhook_rows() if r["event"] == identifier), None)
        if kind is None:
            raise NotFoundError(
                f"no webhook event {identifier} is recorded; policysite webhooks status lists them."
            )
        takers = [e for e in settings.webhooks if kind in e.events]
        if not takers:
            raise PolicySiteError(
                f"no endpoint in mkdocs.yml takes {kind} events, so {identifier} has nowhere "
                "to go; add the type to an endpoint's events."
            )
        signers = read_secrets(tuple(takers))
        _orphan(store, settings, console)
        now = time.time()
        for endpoint in takers:
            store.add_webhook_deliveries(endpoint.url, endpoint.events, now)
        count = store.redeliver_webhook(identifier, [e.url for e in takers], now)
        console.print(f"Redelivering {kind} {identifier} to {count} endpoint(s).", highlight=False)
        _deliver(store, settings, signers, report, console, max_wait, event=identifier)
    finally:
        store.close()
    return report


def webhook_status(settings: Settings, fmt: str) -> str | Table:
    """Every event and its delivery to each endpoint: a table, or JSON (``fmt``)."""
    store = open_store(settings, create=False)
    rows: list[dict[str, Any]] = []
    if store is not None:
        try:
            rows = store.webhook_rows()
        finally:
            store.close()
    configured = {e.url for e in settings.webhooks}
    events: dict[str, dict[str, Any]] = {}
    for row in rows:
        event = events.setdefault(
            row["event"],
            {
                "id": row["event"],
                "type": row["type"],
                "policy": row["policy"],
                "version": row["version"],
                "created": _when(row["created"]),
                "deliveries": [],
            },
        )
        if row["endpoint"] is None:
            continue
        event["deliveries"].append(
            {
                "endpoint": row["endpoint"],
                "configured": row["endpoint"] in configured,
                "status": row["status"],
                "attempts": row["attempts"],
                "last_attempt": _when(row["last_attempt"]),
                "next_attempt": _epoch(row["next_attempt"]) if row["status"] == "pending" else None,
                "delivered_at": _when(row["delivered_at"]),
                "last_error": row["last_error"],
            }
        )
    if fmt == "json":
        return json.dumps(list(events.values()), indent=2, ensure_ascii=False) + "\n"
    table = Table(box=box.SIMPLE, title="Webhook events and their deliveries")
    for name in (
        "Event",
        "Type",
        "Policy",
        "Version",
        "Endpoint",
        "Status",
        "Attempts",
        "Last attempt",
        "Next attempt",
        "Last error",
    ):
        table.add_column(name)
    for event in events.values():
        head = [event["id"], event["type"], event["policy"], event["version"]]
        if not event["deliveries"]:
            table.add_row(*head, "(no endpoint takes this type)", "", "", "", "", "")
        for item in event["deliveries"]:
            endpoint = item["endpoint"] + ("" if item["configured"] else " (removed)")
            table.add_row(
                *head,
                endpoint,
                item["status"],
                str(item["attempts"]),
                item["last_attempt"] or "",
                item["next_attempt"] or "",
                item["last_error"] or "",
            )
    if not events:
        return (
            "No webhook events are recorded yet; policysite webhooks send records and sends them."
        )
    return table


def _when(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value is not None else None


def _epoch(value: float | None) -> str | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(int(value), dt.UTC).replace(tzinfo=None).isoformat() + "Z"
