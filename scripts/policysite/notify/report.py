"""The ``notify report`` and ``notify status`` commands as library calls the CLI wraps: the
proof-of-notice ledger (``ledger``) as tables or as a file to keep, a kept copy checked, and
every announcement's counts."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from rich import box
from rich.console import Group
from rich.table import Table

from policysite.config import Settings
from policysite.errors import NotFoundError, PolicySiteError
from policysite.notify.ledger import (
    ANNOUNCEMENT_FIELDS,
    Ledger,
    LedgerFileError,
    ReportRequest,
    build_ledger,
    export_text,
    secret_from_env,
    verify_export,
)
from policysite.notify.run import existing_store


def report_ledger(settings: Settings, request: ReportRequest, fmt: str) -> str | Group:
    """The proof-of-notice report: CSV or JSON text to keep (its seal recorded in the store),
    or tables for a terminal."""
    if request.pseudonymous and not request.recipients:
        raise PolicySiteError("--pseudonymous goes with --recipients (it hides their addresses).")
    secret = secret_from_env() if request.pseudonymous else ""
    with existing_store(settings) as store:
        if store is None:
            raise NotFoundError("there is no notification store yet: nothing was announced.")
        ledger = build_ledger(store, request, secret=secret)
        if fmt != "table":
            store.record_seal(ledger.seal, len(ledger.records), ledger.scope)
            return export_text(ledger, fmt)
    return ledger_tables(ledger)


def ledger_tables(ledger: Ledger) -> Group:
    """A ledger as tables: the announcements' totals, then (when asked) each announcement's
    people; the first and last attempt are in the csv and json exports."""
    totals = Table(box=box.SIMPLE_HEAD, title="Announcements", title_justify="left")
    heads: tuple[str, ...] = ("Policy", "Version", "Effective", "Announced", "Notice")
    heads += ("Recipients", "Sent", "Failed", "Cancelled", "Pending", "Duplicates possible")
    heads += ("Erased",)
    for head in heads:
        totals.add_column(head, no_wrap=head != "Notice")
    people: dict[tuple[str, str], Table] = {}
    for record in ledger.records:
        shown = {k: _cell(v) for k, v in record.items()}
        key = (shown.get("policy", ""), shown.get("version", ""))
        if record["record"] == "announcement":
            notice = f"{shown['notice_given']} days" if shown["notice_given"] else ""
            if record["short_notice"]:
                notice += f" (short notice: {record['short_notice']})"
            totals.add_row(
                *(shown[k] for k in ("policy", "version", "effective", "announced")),
                notice,
                *(shown[k] for k in ANNOUNCEMENT_FIELDS[7:]),
            )
        elif record["record"] == "recipient":
            if key not in people:
                people[key] = table = Table(
                    box=box.SIMPLE_HEAD, title=f"{' '.join(key)}: recipients", title_justify="left"
                )
                for head in ("Recipient", "Locale", "Status", "Sent", "Message-ID", "Attempts"):
                    table.add_column(head, no_wrap=True)
                table.add_column("Server's reply, or why not sent", overflow="fold")
            people[key].add_row(
                *(shown[k] for k in ("recipient", "locale", "status", "sent_at", "message_id")),
                shown["attempts"]
                + (" (duplicate possible)" if record["duplicate_possible"] else ""),
                shown["reason"] or shown["reply"],
            )
    parts: list[Table | str] = [totals, *people.values()]
    parts.append(
        f"Generated {_cell(ledger.records[0]['generated'])} UTC. Keep a copy that verifies: "
        "--format csv or json (policysite notify report --verify FILE checks it)."
    )
    return Group(*parts)


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


def verify_ledger(settings: Settings, path: Path) -> str:
    """Check a kept copy of a ledger export; LedgerFileError when it was changed."""
    verified = verify_export(path)
    with existing_store(settings) as store:
        issued = store.find_seal(verified.seal) if store else None
        if store is not None and issued is None:
            raise LedgerFileError(
                f"every record's chain holds, but this store never issued its seal "
                f"({verified.seal[:16]}…): the chain was computed again after the file was "
                "changed, or it was exported from another store (set POLICYSITE_DATABASE_URL "
                "to that one).",
                path=str(path),
            )
    where = (
        f"exported from this store on {issued:%Y-%m-%d %H:%M} UTC"
        if issued
        else "no store here to say when it was exported"
    )
    return (
        f"{path}: intact: {verified.records} records of {verified.scope}, each chained to the "
        f"one before; seal {verified.seal} ({where})."
    )


def notify_status(settings: Settings) -> Table | str:
    """Every announcement's counts now, as a table (what a run has left to do)."""
    with existing_store(settings) as store:
        if store is None:
            return "No notification store yet: nothing was announced."
        table = Table(box=box.SIMPLE_HEAD)
        for head in ("Policy", "Version", "Effective", "Announced", "Recipients", "Sent"):
            table.add_column(head, no_wrap=True)
        for head in ("Failed", "Cancelled", "Pending", "Sending now", "Next retry"):
            table.add_column(head, no_wrap=True)
        now = time.time()
        for announcement in store.announcements():
            queue = store.queue_counts(announcement.id, now)
            retry = store.next_retry(announcement.id, now)
            table.add_row(
                announcement.policy,
                announcement.version,
                announcement.effective.isoformat(),
                _cell(announcement.created.replace(microsecond=0)),
                str(announcement.recipients),
                str(announcement.sent),
                str(announcement.failed),
                str(announcement.cancelled),
                str(queue.pending),
                str(queue.held),
                f"in {retry - now:,.0f} s" if retry is not None else "",
            )
        if not table.row_count:
            return "Nothing was announced yet."
        return table
