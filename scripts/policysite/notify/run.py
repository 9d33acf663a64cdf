"""The ``notify``, ``subscribers`` and ``purge`` commands as library calls the CLI wraps.

``notify`` reads top to bottom: choose the transport (a bad SMTP URL fails here, before
anything is claimed) → load versions → plan → (with --send) create announcements → deliver →
summary. Without ``--send`` nothing is written, not even an empty database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from policysite.config import Settings, is_loopback, today
from policysite.errors import ConfigError, NotFoundError, PolicySiteError
from policysite.model import Policy, Version
from policysite.notify.announce import Candidate, build_notice, message_domain, plan_versions
from policysite.notify.compose import TEMPLATE_DIR, Composer, Notice
from policysite.notify.ledger import (
    MIN_SECRET,
    SECRET_ENV,
    pseudonym,
)
from policysite.notify.progress import show_progress
from policysite.notify.send import DeliveryReport, SendOptions, deliver, release_dead_claims
from policysite.notify.store import DATABASE_ENV, Announcement, Store, database_url
from policysite.notify.subscribers import (
    SubscriberFileError,
    describe_problems,
    normalize_email,
    read_bounces,
    read_subscribers,
)
from policysite.notify.transport import (
    SMTP_ENV,
    OutboxTransport,
    SmtpTransport,
    Transport,
    outbox_name,
    parse_smtp_url,
)
from policysite.versions import load_policies

DEFAULT_OUTBOX = "outbox"


@dataclass(frozen=True)
class NotifyRequest:
    policy: str | None = None
    version: str | None = None
    send: bool = False
    outbox: Path | None = None
    concurrency: int = 4
    rate: float | None = None
    short_notice: str | None = None  # why a version is announced with less than notice_days


def open_store(settings: Settings, *, create: bool) -> Store | None:
    return Store.open(database_url(settings), create=create)


def choose_transport(settings: Settings, request: NotifyRequest, console: Console) -> Transport:
    """The outbox (``--outbox``, or no POLICYSITE_SMTP_URL) or SMTP; validated, not connected."""
    smtp_url = os.environ.get(SMTP_ENV, "").strip()
    if request.send and not smtp_url and request.outbox is None and on_a_ci_runner():
        # On a runner the outbox is thrown away with the job, yet every notice in it would be
        # recorded as sent in the shared store: users never told, the log saying they were.
        raise ConfigError(
            f"{SMTP_ENV} is empty on this CI runner, so notices would go to an outbox folder "
            "that is thrown away, and be recorded as sent. Set the repository secret "
            f"{SMTP_ENV} (e.g. smtp://user:pass@mail.example.com:587), or pass --outbox DIR "
            "to write the files on purpose."
        )
    if request.outbox is not None or not smtp_url:
        folder = request.outbox or settings.root / DEFAULT_OUTBOX
        return OutboxTransport(folder if folder.is_absolute() else Path.cwd() / folder)
    config = parse_smtp_url(smtp_url)
    if config.tls == "none" and not is_loopback(config.host):
        console.print(
            f"[yellow]warning:[/] {SMTP_ENV} sends in plain text (tls=none) to {config.host}, "
            "which is not this machine."
        )
    return SmtpTransport(config, concurrency=request.concurrency, rate=request.rate)


def require_store(request: NotifyRequest) -> None:
    """On a CI runner, ``--send`` needs the shared store: the default SQLite file would be thrown
    away with the job, so every run would find nothing announced, or nobody to tell, and pass."""
    if request.send and not os.environ.get(DATABASE_ENV, "").strip() and on_a_ci_runner():
        raise ConfigError(
            f"{DATABASE_ENV} is empty on this CI runner, so the record of who was told would be "
            "a file thrown away with the job, and nobody would be mailed. Set the repository "
            f"secret {DATABASE_ENV} (e.g. postgresql+psycopg://user:pass@host/db), or, for a "
            "site that mails nobody, `notifications: false` under the policysite plugin in "
            "mkdocs.yml."
        )


def on_a_ci_runner() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true" or os.environ.get("GITLAB_CI") == "true"


def run_notify(
    settings: Settings, request: NotifyRequest, console: Console
) -> list[DeliveryReport]:
    """Plan, and with ``send`` announce and deliver; prints as it goes."""
    if request.concurrency < 1:
        raise PolicySiteError("--concurrency must be 1 or more.")
    if request.rate is not None and request.rate <= 0:
        raise PolicySiteError("--rate must be more than 0 messages per second.")
    if not settings.notifications:
        console.print("notifications: false in mkdocs.yml, so no notice is planned or sent.")
        return []
    require_store(request)
    transport = choose_transport(settings, request, console)
    day = today()
    policies = load_policies(settings, as_of=day)
    store = open_store(settings, create=request.send)
    try:
        announced = {(a.policy, a.version): a for a in store.announcements()} if store else {}
        candidates = plan_versions(
            settings,
            policies,
            set(announced),
            day,
            policy=request.policy,
            version=request.version,
        )
        recipients = store.count_subscribers(active_only=True) if store else 0
        _print_plan(console, settings, candidates, recipients, day, request.short_notice)
        for key, announcement in announced.items():
            assert store is not None
            waiting = store.queue_counts(announcement.id, time.time()).pending
            if waiting and request.policy in (None, key[0]):
                console.print(f"  {key[0]} {key[1]}: {waiting} notices not sent yet")
        if not request.send or store is None:
            console.print(f"Delivery would go to {transport.description}.")
            console.print("Nothing was written; add --send to announce and deliver.")
            return []
        refused = short_notice_problems(settings, candidates, day, request.short_notice)
        if refused and recipients:
            write_step_summary(["**Not announced**: " + line for line in refused])
            raise ShortNoticeError(
                "\n".join(refused) + "\nNothing was announced. Give the version a later "
                "`effective:` (in a new version), or announce it anyway with --short-notice "
                '"REASON": the reason is kept in the ledger (notify report).'
            )
        for candidate in candidates:
            if candidate.action == "announce" and recipients == 0:
                # An announcement is made once: made now, it would reach nobody, ever.
                console.print(
                    f"[yellow]Not announcing[/] {candidate.policy.id} {candidate.version.label}: "
                    "there are no active subscribers; import them first "
                    "(policysite subscribers import FILE)."
                )
            elif candidate.action == "announce":
                given = (candidate.version.effective - day).days
                short = request.short_notice if given < settings.notice_days else None
                announcement, created = store.create_announcement(
                    candidate.policy.id,
                    candidate.version.label,
                    candidate.version.effective,
                    message_domain(settings),
                    notice_given=given,
                    short_notice=short,
                )
                announced[candidate.key] = announcement
                if created:
                    line = (
                        f"Announced {announcement.policy} {announcement.version} to "
                        f"{announcement.recipients} recipients"
                    )
                    if short:
                        late = f"{-given} days after it took effect" if given < 0 else ""
                        line += (
                            f" {late or f'with {given} days of notice'} (notice_days is "
                            f"{settings.notice_days}); short notice: {short}"
                        )
                        write_step_summary([line + "."])
                    console.print(line + ".", highlight=False)
        work = _pending_work(store, policies, announced, candidates, request)
        release_dead_claims(store)
        if not work:
            for line in _settled(store, candidates, request):
                console.print(line)
            return []
        options = SendOptions(rate=request.rate)
        composer = Composer(settings.root / TEMPLATE_DIR, settings.locales)
        transport.open()
        reports: list[DeliveryReport] = []
        try:
            for announcement, policy, version in work:
                notice = build_notice(settings, policy, version)
                reports.append(
                    _deliver_with_progress(
                        store, transport, composer, announcement, notice, options, day, console
                    )
                )
        finally:
            transport.close()
        for line in _unaccounted(store, request):
            console.print(line)
        return reports
    finally:
        if store is not None:
            store.close()


def _pending_work(
    store: Store,
    policies: list[Policy],
    announced: dict[tuple[str, str], Announcement],
    candidates: list[Candidate],
    request: NotifyRequest,
) -> list[tuple[Announcement, Policy, Version]]:
    """Announcements with rows still to send, within --policy/--version, with their versions."""
    wanted = {c.key for c in candidates} if request.version else None
    work = []
    for key, announcement in sorted(announced.items(), key=lambda kv: kv[1].id):
        if request.policy and announcement.policy != request.policy.removesuffix(".md"):
            continue
        if wanted is not None and key not in wanted:
            continue
        if store.queue_counts(announcement.id, time.time()).pending == 0:
            continue
        policy = next((p for p in policies if p.id == announcement.policy), None)
        version = policy.get(announcement.version) if policy else None
        if policy is None or version is None:
            raise NotFoundError(
                f"announcement {announcement.policy} {announcement.version} has notices to send "
                "but that version is no longer in the git history; restore it to finish."
            )
        work.append((announcement, policy, version))
    return work


def _settled(store: Store, candidates: list[Candidate], request: NotifyRequest) -> list[str]:
    """What to say when nothing is pending: the counts of this run's announcements, and any
    announcement whose counts do not add up (rows deleted before they were sent)."""
    planned = {c.key for c in candidates}
    lines: list[str] = []
    for announcement in _in_scope(store, request):
        key = (announcement.policy, announcement.version)
        if announcement.unaccounted <= 0 and key in planned:
            counts = [f"{announcement.sent} notices of {' '.join(key)} are recorded as sent"]
            if announcement.failed:
                counts.append(f"{announcement.failed} as failed")
            if announcement.cancelled:
                counts.append(f"{announcement.cancelled} cancelled")
            lines.append(f"Nothing to send: {', '.join(counts)}.")
    warnings = _unaccounted(store, request)
    if not lines and not warnings:
        lines.append("Nothing to send.")
    return lines + warnings


def _unaccounted(store: Store, request: NotifyRequest) -> list[str]:
    """A warning per announcement whose counts do not add up (run when nothing is pending)."""
    warnings = []
    for announcement in _in_scope(store, request):
        missing = announcement.unaccounted
        if missing <= 0 or store.queue_counts(announcement.id, time.time()).pending:
            continue
        warnings.append(
            f"[yellow]warning:[/] {announcement.policy} {announcement.version} was announced "
            f"to {announcement.recipients} people; {announcement.recipients - missing} "
            f"notices are recorded as sent, failed or cancelled, none is pending, and {missing} "
            "have no delivery record: the rows were deleted before they were sent (an older "
            "policysite's purge did that), and those notices were never sent."
        )
    return warnings


def _in_scope(store: Store, request: NotifyRequest) -> list[Announcement]:
    wanted = request.policy.removesuffix(".md") if request.policy else None
    return [a for a in store.announcements() if wanted in (None, a.policy)]


def describe_failures(reports: list[DeliveryReport]) -> str | None:
    """The error for a run in which notices failed for good (None: none did)."""
    failed = sum(r.failed for r in reports)
    if not failed:
        return None
    sent = sum(r.sent for r in reports)
    pending = sum(r.skipped for r in reports)
    counts = f"sent {sent}, failed {failed}" + (f", {pending} still pending" if pending else "")
    return (
        f"{failed} notices failed for good in this run ({counts}); the reasons are above, and "
        "each person's own in policysite subscribers export EMAIL."
    )


def _deliver_with_progress(
    store: Store,
    transport: Transport,
    composer: Composer,
    announcement: Announcement,
    notice: Notice,
    options: SendOptions,
    day: dt.date,
    console: Console,
) -> DeliveryReport:
    total = store.queue_counts(announcement.id, time.time()).pending
    label = f"{announcement.policy} {announcement.version}"
    with show_progress(console, label, total) as advance:
        report = deliver(
            store,
            transport,
            composer,
            announcement,
            notice,
            options,
            today=day,
            progress=advance,
        )
    summary = f"{label}: sent {report.sent}, failed {report.failed}, skipped {report.skipped}"
    if report.cancelled:
        summary += f", cancelled {report.cancelled} (set inactive or undeliverable)"
    if report.retried:
        summary += f" ({report.retried} temporary failures retried)"
    console.print(summary + f" via {transport.description}.")
    for reason in report.reasons:
        console.print(f"  failed: {reason}")
    return report


class ShortNoticeError(PolicySiteError):
    """A material version would be announced with less notice than notice_days."""


def short_notice_problems(
    settings: Settings, candidates: list[Candidate], day: dt.date, reason: str | None
) -> list[str]:
    """Why each version to announce gives too little notice (none when ``reason`` is given)."""
    if reason:
        return []
    problems = []
    for candidate in candidates:
        version = candidate.version
        given = (version.effective - day).days
        if candidate.action != "announce" or given >= settings.notice_days:
            continue
        needed = day + dt.timedelta(days=settings.notice_days)
        when = f"{given} days from today" if given >= 0 else f"{-given} days ago"
        problems.append(
            f"{candidate.policy.id} {version.label} takes effect on {version.effective}, "
            f"{when} ({day}); notice_days is {settings.notice_days}, so it would need to take "
            f"effect on {needed} or later."
        )
    return problems


def write_step_summary(lines: list[str]) -> None:
    """Add lines to the GitHub Actions job summary when there is one (the publish job)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write("".join(f"- policysite notify: {line}\n" for line in lines))
    except OSError:
        pass  # the summary is a courtesy; the log has every line


def _print_plan(
    console: Console,
    settings: Settings,
    candidates: list[Candidate],
    recipients: int,
    day: dt.date,
    short_notice: str | None,
) -> None:
    if not candidates:
        console.print("No material versions to announce (changelog `material: true`).")
    for candidate in candidates:
        version = candidate.version
        head = f"{candidate.policy.id} {version.label} (effective {version.effective})"
        if candidate.action == "announce":
            console.print(f"announce {head} to {recipients} recipients: {candidate.reason}")
            given = (version.effective - day).days
            if given < settings.notice_days:
                late = f"it took effect {-given} days ago" if given < 0 else ""
                what = f"{late or f'only {given} days of notice'} (notice_days is "
                what += f"{settings.notice_days})"
                then = (
                    f"announced as short notice: {short_notice}"
                    if short_notice
                    else '--send refuses it unless --short-notice "REASON" says why'
                )
                console.print(f"  [yellow]warning:[/] {what}: {then}.", highlight=False)
        elif candidate.action == "done":
            console.print(f"done     {head}: {candidate.reason}")
        else:
            console.print(f"skip     {head}: {candidate.reason}")


# -- subscribers and purge ---------------------------------------------------------------------


def import_subscribers(settings: Settings, path: Path, *, skip_invalid: bool) -> str:
    """Validate the whole file, then upsert it in one transaction; returns the report line."""
    result = read_subscribers(path)
    if result.problems and not skip_invalid:
        raise SubscriberFileError(
            describe_problems(str(path), result.problems)
            + f"\n{len(result.problems)} bad row(s); nothing was imported. Fix them, or pass "
            "--skip-invalid to import the valid rows."
        )
    store = open_store(settings, create=True)
    assert store is not None
    try:
        counts = store.upsert_subscribers(result.records)
    finally:
        store.close()
    line = (
        f"Imported {len(result.records)} subscribers ({counts.inserted} new, "
        f"{counts.updated} updated)."
    )
    if result.problems:
        lines = ", ".join(str(p.line) for p in result.problems[:20])
        more = "…" if len(result.problems) > 20 else ""
        line += f" Skipped {len(result.problems)} invalid row(s): line {lines}{more}."
    return line


def import_bounces(settings: Settings, path: Path, *, skip_invalid: bool) -> str:
    """Mark the addresses of a provider's bounce list undeliverable; returns the report line."""
    found = read_bounces(path, today())
    if found.problems and not skip_invalid:
        raise SubscriberFileError(
            describe_problems(str(path), found.problems)
            + f"\n{len(found.problems)} bad row(s); nothing was marked. Fix them, or pass "
            "--skip-invalid to mark the valid rows."
        )
    with existing_store(settings) as store:
        marked = (
            store.mark_undeliverable([(b.email, b.reason, b.when) for b in found.bounces])
            if store
            else 0
        )
    line = f"Marked {marked} address(es) undeliverable: later notices skip them, and the ledger "
    line += "says why."
    if len(found.bounces) > marked:
        line += f" {len(found.bounces) - marked} are not stored, so nothing was added for them."
    if found.soft:
        line += f" {found.soft} temporary (4xx) bounce(s) left out."
    if found.problems:
        line += f" Skipped {len(found.problems)} invalid row(s)."
    return line


def _person(email: str) -> str:
    try:
        return normalize_email(email)
    except ValueError as exc:
        raise PolicySiteError(f"{exc}; give the address as it was imported.") from None


@contextmanager
def existing_store(settings: Settings) -> Iterator[Store | None]:
    """The store if there is one (None: nothing was ever imported); closed afterwards."""
    store = open_store(settings, create=False)
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def export_subscriber(settings: Settings, email: str) -> str:
    """Everything stored about one person, as JSON: with every notice as the ledger shows it,
    and their keyed hash (the ledger's --pseudonymous value) when POLICYSITE_SECRET is set."""
    address = _person(email)
    with existing_store(settings) as store:
        found = store.export_subscriber(address) if store else None
    if found is None:
        raise NotFoundError("no subscriber with that address is stored.")
    for notice in found["notices"]:
        notice["duplicate_possible"] = notice.pop("claims") > notice["attempts"]
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) >= MIN_SECRET:
        found["subscriber"]["pseudonym"] = pseudonym(address, secret)
    return json.dumps(found, indent=2, ensure_ascii=False)


def erase_subscriber(settings: Settings, email: str) -> str:
    """Remove a person: the outbox copies of their notices first, then their rows."""
    address = _person(email)
    with existing_store(settings) as store:
        found = store.subscriber_id(address) if store else None
        if store is None or found is None:
            raise NotFoundError("no subscriber with that address is stored; nothing was erased.")
        removed = remove_outbox_copies(store.outbox_folders(), found)
        gone = store.erase_subscriber(address)
    return (
        f"Erased the subscriber, {gone} delivery record(s) and {removed} outbox copies; "
        "announcement counts are kept."
    )


def remove_outbox_copies(folders: list[tuple[Announcement, str]], subscriber_id: int) -> int:
    """Delete every .eml a notice to this person was written to (``folders``: the store's
    ``outbox_folders()``); fails before the rows go."""
    removed = 0
    for announcement, folder in folders:
        path = Path(folder) / outbox_name(announcement, subscriber_id)
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise PolicySiteError(
                f"cannot delete {path}, a copy of a notice to this person: {exc.strerror}. Fix "
                "its permissions and erase again; nothing was erased."
            ) from None
        removed += 1
    return removed


def count_subscribers(settings: Settings) -> int:
    with existing_store(settings) as store:
        return store.count_subscribers() if store else 0


def purge_deliveries(settings: Settings, older_than_days: int) -> str:
    """Drop finished delivery rows older than the limit; pending ones and the counts stay."""
    if older_than_days < 0:
        raise PolicySiteError("--older-than must be 0 days or more.")
    cutoff = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=older_than_days)
    with existing_store(settings) as store:
        count = store.purge_deliveries(cutoff) if store else 0
    return (
        f"Purged {count} delivery record(s) older than {older_than_days} days (before "
        f"{cutoff:%Y-%m-%d %H:%M} UTC); announcement counts are kept."
    )
