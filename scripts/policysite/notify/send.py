"""Resumable delivery: claim a batch, render, send, record — until nothing is pending.

At least once: a row is claimed (with a lease) before it is sent and recorded as sent after the
server accepted it, one transaction per batch. If the process dies, the rows it claimed but
had not recorded are sent again by the next run (at most two batches, the in-flight window);
every row recorded as sent is never sent again. Claims by a process on this machine that is
gone are released at once; a claim by a sender elsewhere waits for its lease to end.

While a batch is on its way (or waits behind the one on the wire) its lease is renewed every
third of the lease: a slow server once made a 500-row batch outlive the 300 s lease, and the
sender claimed its own queued rows again (500 duplicates). A sender never claims rows it holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from policysite.notify.compose import (
    Composer,
    Notice,
    Recipient,
    format_date_header,
)
from policysite.notify.store import Announcement, Claim, Outcome, Store
from policysite.notify.subscribers import mask_email
from policysite.notify.transport import (
    Delivered,
    OutboxTransport,
    Outgoing,
    Transport,
    TransportError,
    TransportStopped,
    outbox_name,
)

log = logging.getLogger("policysite.notify")
IN_FLIGHT_BATCHES = 2  # claimed and not yet recorded: at most this many batches


@dataclass(frozen=True)
class SendOptions:
    """How a run sends. The defaults suit a large run against a real server."""

    batch_size: int = 500  # rows per claim and per recording transaction
    lease_seconds: float = 300.0
    max_attempts: int = 5  # a 4xx answer is retried this many times in all, then failed
    retry_base: float = 60.0  # seconds before the first retry; doubles each time
    retry_cap: float = 3600.0
    wait_for_retries: bool = True  # sleep until scheduled retries come due before returning
    rate: float | None = None  # messages per second; caps a batch to ~10 s of sending

    @property
    def in_flight_window(self) -> int:
        """The most notices a crash can leave sent but unrecorded (sent again by a re-run)."""
        return IN_FLIGHT_BATCHES * self.batch_size

    def batch_for_rate(self) -> int:
        if self.rate:
            return max(1, min(self.batch_size, int(self.rate * 10)))
        return self.batch_size


@dataclass
class DeliveryReport:
    """What one run did for one announcement."""

    policy: str
    version: str
    sent: int = 0
    failed: int = 0
    retried: int = 0  # temporary (4xx) answers, scheduled again
    skipped: int = 0  # rows left pending: held by another sender, or a retry not yet due
    cancelled: int = 0  # the person was set inactive after the announcement: not sent
    reasons: list[str] = field(default_factory=list)  # the first failure reasons (masked)


# Called after each batch is recorded (and for rows cancelled) with how many rows that was and
# the run's counts so far.
Progress = Callable[[int, "DeliveryReport"], None]


def worker_id() -> str:
    """Who holds a claim: this machine (host and boot), process id and its start time."""
    pid = os.getpid()
    return f"{host_id()}:{pid}:{_start_ticks(pid)}"


def host_id() -> str:
    boot = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    return f"{socket.gethostname()}/{boot}" if boot else socket.gethostname()


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def _alive(pid: int, ticks: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not ticks or _start_ticks(pid) in ("", ticks)


def release_dead_claims(store: Store) -> int:
    """Free rows claimed by a sender on this machine that no longer runs (killed, crashed)."""
    me = worker_id()
    freed = 0
    for owner in store.claim_owners(host_id() + ":"):
        _, pid, ticks = owner.rsplit(":", 2)
        if owner != me and pid.isdigit() and not _alive(int(pid), ticks):
            count = store.release_claims(owner)
            log.info("released %d notices claimed by process %s, which is gone", count, pid)
            freed += count
    return freed


def deliver(
    store: Store,
    transport: Transport,
    composer: Composer,
    announcement: Announcement,
    notice: Notice,
    options: SendOptions,
    *,
    today: dt.date,
    progress: Progress | None = None,
    worker: str | None = None,
) -> DeliveryReport:
    """Send every pending notice of one announcement; returns the counts of this run.

    Two batches are in flight: while one is on the wire, the next is claimed and rendered and
    the previous one recorded, so the connections never wait for the database.

    Raises TransportError when the server (or outbox) stops taking mail: what was accepted
    before is recorded, the rest stays pending for the next run. ``worker`` names the claims
    (default: this process, see ``worker_id``).
    """
    worker = worker or worker_id()
    report = DeliveryReport(announcement.policy, announcement.version)
    # Built before anything is claimed: a template error stops the run with no row held.
    templates = {locale: composer.build(notice, locale, today=today) for locale in composer.locales}
    if isinstance(transport, OutboxTransport):
        store.remember_outbox(announcement.id, str(transport.folder))
    batch = options.batch_for_rate()
    queue: deque[tuple[list[Claim], Future[list[Delivered]]]] = deque()

    locales: dict[int, str] = {}  # delivery id → the language its mail was written in

    def render(claims: list[Claim]) -> list[Outgoing]:
        date = format_date_header(dt.datetime.now(dt.UTC))
        outgoing = []
        for claim in claims:
            template = templates[composer.pick_locale(claim.locale)]
            locales[claim.delivery_id] = template.locale
            data = template.render(
                Recipient(claim.email, claim.name, claim.locale, claim.timezone, claim.message_id),
                date,
            )
            outgoing.append(
                Outgoing(
                    claim.delivery_id,
                    notice.sender_email,
                    claim.email,
                    data,
                    outbox_name(announcement, claim.subscriber_id),
                )
            )
        return outgoing

    def finish(claims: list[Claim], sending: Future[list[Delivered]]) -> None:
        try:
            delivered = sending.result()
        except TransportStopped as stop:
            outcomes = _outcomes(claims, stop.results, options, report, locales)
            store.record(announcement.id, worker, outcomes)
            raise TransportError(
                f"{stop.detail} {report.sent} notices of {announcement.policy} "
                f"{announcement.version} were sent in this run before it stopped."
            ) from None
        store.record(
            announcement.id, worker, _outcomes(claims, delivered, options, report, locales)
        )
        for claim in claims:
            locales.pop(claim.delivery_id, None)
        log.info(
            "%s %s: batch of %d recorded (%d sent so far)",
            announcement.policy,
            announcement.version,
            len(claims),
            report.sent,
        )
        if progress:
            progress(len(claims), report)

    with (
        ThreadPoolExecutor(1, thread_name_prefix="policysite-send") as wire,
        _Renewing(store, announcement.id, worker, options.lease_seconds),
    ):
        try:
            while True:
                claims: list[Claim] = []
                if len(queue) < IN_FLIGHT_BATCHES:
                    now = time.time()
                    claims, cancelled = store.claim(
                        announcement.id, worker, batch, options.lease_seconds, now
                    )
                    report.cancelled += cancelled
                    if cancelled and progress:
                        progress(cancelled, report)
                if claims:
                    queue.append((claims, wire.submit(transport.send, render(claims))))
                    continue
                if queue:
                    finish(*queue.popleft())
                    continue
                now = time.time()
                due = store.next_retry(announcement.id, now)
                if due is not None and options.wait_for_retries:
                    # A warning, so the operator sees why the run went quiet (no addresses).
                    log.warning(
                        "%s %s: temporary failures (4xx); retrying in %.0f s. Ctrl-C stops; a "
                        "re-run resumes them.",
                        announcement.policy,
                        announcement.version,
                        due - now,
                    )
                    time.sleep(max(0.0, due - time.time()) + 0.01)
                    continue
                report.skipped = store.queue_counts(announcement.id, time.time()).pending
                return report
        except BaseException:
            # Stopping (server gone, Ctrl-C): record what the batches still out did, then stop.
            for claims, sending in queue:
                try:
                    results = sending.result()
                except TransportStopped as stop:
                    results = stop.results
                except Exception:
                    results = []  # not known what went: every claim of the batch stays counted
                outcomes = _outcomes(claims, results, options, report, locales)
                store.record(announcement.id, worker, outcomes)
            raise


class _Renewing:
    """A thread that renews the lease of the rows ``worker`` holds, every third of the lease."""

    def __init__(self, store: Store, announcement_id: int, worker: str, lease: float) -> None:
        self._stop = threading.Event()

        def renew() -> None:
            while not self._stop.wait(lease / 3):
                try:
                    store.renew_claims(announcement_id, worker, time.time() + lease)
                except Exception as exc:  # the next round tries again
                    log.warning("could not renew this run's claims (%s)", type(exc).__name__)

        self._thread = threading.Thread(target=renew, name="policysite-lease", daemon=True)

    def __enter__(self) -> _Renewing:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _outcomes(
    claims: list[Claim],
    delivered: list[Delivered],
    options: SendOptions,
    report: DeliveryReport,
    locales: dict[int, str],
) -> list[Outcome]:
    by_id = {c.delivery_id: c for c in claims}
    seen: set[int] = set()
    outcomes: list[Outcome] = []
    now = time.time()
    for result in delivered:
        claim = by_id[result.delivery_id]
        seen.add(result.delivery_id)
        locale = locales.get(result.delivery_id)
        when = result.at or now
        if result.status == "sent":
            report.sent += 1
            outcomes.append(
                Outcome(result.delivery_id, "sent", when, reply=result.reply, locale=locale)
            )
        elif result.status == "permanent" or (
            result.status == "temporary" and claim.attempts + 1 >= options.max_attempts
        ):
            report.failed += 1
            reason = result.reason or "rejected"
            if result.status == "temporary":
                reason = f"{reason} (gave up after {claim.attempts + 1} attempts)"
            if len(report.reasons) < 5:
                report.reasons.append(reason)
            log.warning("notice to %s failed: %s", mask_email(claim.email), reason)
            outcomes.append(
                Outcome(result.delivery_id, "failed", when, reason, result.reason, locale=locale)
            )
        elif result.status == "temporary":
            report.retried += 1
            delay = min(options.retry_cap, options.retry_base * 2**claim.attempts)
            log.info("notice to %s deferred: %s", mask_email(claim.email), result.reason)
            outcomes.append(
                Outcome(
                    result.delivery_id,
                    "retry",
                    now + delay,
                    result.reason,
                    result.reason,
                    attempted=when,
                    locale=locale,
                )
            )
        else:  # the transport says it did not send it
            outcomes.append(Outcome(result.delivery_id, "released", now))
    # A claim the transport gave no result for may have been sent: released, still counted.
    outcomes.extend(
        Outcome(c.delivery_id, "abandoned", now) for c in claims if c.delivery_id not in seen
    )
    return outcomes
