"""Proof of notice: who was told about which version, when, with which Message-ID.

``notify report`` turns the store's announcements and delivery rows into records: one per
announcement (its totals) and, with ``--recipients``, one per person (address, or its keyed
hash with ``--pseudonymous``; language, first and last attempt, sent time, Message-ID, the
server's reply, attempts). People erased since, and rows purged, stay as anonymous records,
so the records of an announcement always add up to its recipients.

Each record of an export carries ``chain``: the SHA-256 of the chain before it and of the
record's own fields (the first chains from the header record). A copy kept by legal shows an
edit, a removed or an added row: ``notify report --verify FILE`` computes the chain again. The
last chain, the seal, is recorded in the store when the export is made, so ``--verify`` also
tells a copy the store issued from one whose chain was computed again after an edit.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policysite.errors import ConfigError, NotFoundError, PolicySiteError
from policysite.notify.store import Announcement, Store

FORMAT = "policysite-ledger/1"
SECRET_ENV = "POLICYSITE_SECRET"
MIN_SECRET = 16  # characters: a shorter key makes the keyed hashes guessable
HEADER_FIELDS = ("record", "ledger", "generated", "scope", "addresses")
ANNOUNCEMENT_FIELDS = (
    "record",
    "policy",
    "version",
    "effective",
    "announced",
    "notice_given",
    "short_notice",
    "recipients",
    "sent",
    "failed",
    "cancelled",
    "pending",
    "duplicates_possible",
    "erased",
)
RECIPIENT_FIELDS = (
    "record",
    "policy",
    "version",
    "recipient",
    "locale",
    "status",
    "first_attempt",
    "last_attempt",
    "sent_at",
    "message_id",
    "reply",
    "reason",
    "attempts",
    "duplicate_possible",
)
FIELDS = {"header": HEADER_FIELDS, "announcement": ANNOUNCEMENT_FIELDS}
FIELDS["recipient"] = RECIPIENT_FIELDS
# The columns of a CSV export: every field of every kind of record, then the chain.
COLUMNS = tuple(dict.fromkeys((*HEADER_FIELDS, *ANNOUNCEMENT_FIELDS, *RECIPIENT_FIELDS, "chain")))


class LedgerFileError(PolicySiteError):
    """A file given to ``--verify`` is not a ledger export, or its chain is broken."""


@dataclass(frozen=True)
class ReportRequest:
    policy: str | None = None
    version: str | None = None
    recipients: bool = False
    pseudonymous: bool = False


@dataclass(frozen=True)
class Ledger:
    """An export's records in order, each with its chain; the last chain is the seal."""

    records: tuple[dict[str, Any], ...]

    @property
    def seal(self) -> str:
        return str(self.records[-1]["chain"])

    @property
    def scope(self) -> str:
        return str(self.records[0]["scope"])


def pseudonym(address: str, secret: str) -> str:
    """The keyed hash of an address (HMAC-SHA-256 with POLICYSITE_SECRET): the same person
    always gets the same value, and only someone who has the key can test an address."""
    return hmac.new(secret.encode("utf-8"), address.encode("utf-8"), hashlib.sha256).hexdigest()


def secret_from_env(environ: Mapping[str, str] | None = None) -> str:
    """POLICYSITE_SECRET, or one clear error when it is missing or too short."""
    value = (os.environ if environ is None else environ).get(SECRET_ENV, "")
    if len(value) < MIN_SECRET:
        state = "is not set" if not value else f"is shorter than {MIN_SECRET} characters"
        raise ConfigError(
            f"--pseudonymous needs {SECRET_ENV}, the key of the keyed hashes, and it {state}. "
            f"Use the publish job's secret (the same key gives the same hashes), e.g. "
            f'export {SECRET_ENV}="$(cat secret.txt)"; create one with '
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'."
        )
    return value


def _text(value: Any) -> str:
    """A field as the chain reads it, the same from JSON and from CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def chain_hash(previous: str, record: Mapping[str, Any]) -> str:
    """The chain of ``record``: SHA-256 of the previous chain and the record's fields."""
    fields = FIELDS.get(str(record.get("record")), ())
    canonical = json.dumps(
        {name: _text(record.get(name)) for name in fields},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


def build_ledger(
    store: Store, request: ReportRequest, *, secret: str = "", now: dt.datetime | None = None
) -> Ledger:
    """The records of the chosen announcements (and their people), chained."""
    chosen = choose_announcements(store, request)
    scope = " ".join(p for p in (request.policy, request.version) if p) or "every announcement"
    addresses = "none"
    if request.recipients:
        addresses = "pseudonyms (HMAC-SHA-256)" if request.pseudonymous else "addresses"
    moment = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    header = {
        "record": "header",
        "ledger": FORMAT,
        "generated": moment,
        "scope": scope,
        "addresses": addresses,
    }
    records = [header]
    for announcement in chosen:
        records.append(_announcement_record(store, announcement))
    if request.recipients:
        for announcement in chosen:
            records.extend(_recipient_records(store, announcement, request, secret))
    previous = ""
    for record in records:
        previous = record["chain"] = chain_hash(previous, record)
    return Ledger(tuple(records))


def choose_announcements(store: Store, request: ReportRequest) -> list[Announcement]:
    """The announcements a report covers: all, or those of --policy and --version."""
    found = store.announcements()
    policy = request.policy.removesuffix(".md") if request.policy else None
    chosen = [
        a for a in found if policy in (None, a.policy) and request.version in (None, a.version)
    ]
    if not chosen and (policy or request.version):
        known = ", ".join(f"{a.policy} {a.version}" for a in found) or "none yet"
        wanted = " ".join(p for p in (policy, request.version) if p)
        raise NotFoundError(f"no announcement of {wanted} in the store (announced: {known}).")
    return chosen


def _announcement_record(store: Store, announcement: Announcement) -> dict[str, Any]:
    pending = store.queue_counts(announcement.id, time.time()).pending
    return {
        "record": "announcement",
        "policy": announcement.policy,
        "version": announcement.version,
        "effective": announcement.effective,
        "announced": announcement.created.replace(microsecond=0),
        "notice_given": announcement.notice_given,
        "short_notice": announcement.short_notice,
        "recipients": announcement.recipients,
        "sent": announcement.sent,
        "failed": announcement.failed,
        "cancelled": announcement.cancelled,
        "pending": pending,
        "duplicates_possible": store.duplicates_possible(announcement.id),
        "erased": announcement.erased,
    }


def _recipient_records(
    store: Store, announcement: Announcement, request: ReportRequest, secret: str
) -> Iterator[dict[str, Any]]:
    for row in store.ledger_rows(announcement.id):
        address = row.get("email")
        if address is None:
            who = f"({row.get('why', 'erased')})"
        elif request.pseudonymous:
            who = pseudonym(address, secret)
        else:
            who = address
        yield {
            "record": "recipient",
            "policy": announcement.policy,
            "version": announcement.version,
            "recipient": who,
            "locale": row.get("locale"),
            "status": row["status"],
            "first_attempt": _second(row.get("first_attempt")),
            "last_attempt": _second(row.get("last_attempt")),
            "sent_at": _second(row.get("sent_at")),
            "message_id": row.get("message_id"),
            "reply": row.get("reply"),
            "reason": row.get("last_error") or _bounced_after(row),
            "attempts": row["attempts"],
            "duplicate_possible": row["claims"] > row["attempts"],
        }


def _bounced_after(row: Mapping[str, Any]) -> str | None:
    """For a notice the server took: a bounce the provider reported for the address since."""
    since, sent = row.get("undeliverable_since"), row.get("sent_at")
    if since is None or sent is None or since.date() < sent.date():
        return None
    return f"accepted, but the mail provider reported a bounce since: {row['undeliverable']}"


def _second(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(microsecond=0) if value is not None else None


# --- formats ------------------------------------------------------------------------------------


def to_json(ledger: Ledger) -> str:
    records = [{k: _json_value(v) for k, v in r.items()} for r in ledger.records]
    return json.dumps({"records": records, "seal": ledger.seal}, indent=1, ensure_ascii=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return _text(value)
    return value


def to_csv(ledger: Ledger) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in ledger.records:
        writer.writerow([_text(record.get(name)) if name in record else "" for name in COLUMNS])
    return out.getvalue()


def read_export(path: Path) -> tuple[list[dict[str, Any]], str, str]:
    """The records of a CSV or JSON export, each with its ``chain`` and where it is in the file
    (``_line``), the file's text and its format; LedgerFileError when it is not an export."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise LedgerFileError("file not found.", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise LedgerFileError(
            f"cannot be read ({reason}): it is not a ledger export as written.", path=str(path)
        ) from None
    if raw.lstrip().startswith("{"):
        return _read_json(raw, str(path)), raw, "json"
    return _read_csv(raw, str(path)), raw, "csv"


def _read_json(raw: str, path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
        records = data["records"]
        assert isinstance(records, list) and all(isinstance(r, dict) for r in records)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise LedgerFileError(
            "is not a ledger export: not the JSON `notify report --format json` writes (it may "
            "have been changed).",
            path=path,
        ) from None
    if data.get("seal") != (records[-1].get("chain") if records else None):
        raise LedgerFileError(
            "its seal is not the chain of its last record: the file was changed.", path=path
        )
    return [{**record, "_line": f"record {n}"} for n, record in enumerate(records, start=1)]


def _read_csv(raw: str, path: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    rows = []
    try:
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise LedgerFileError(
                "is not a ledger export: its first line is not the columns `notify report "
                "--format csv` writes (it may have been changed).",
                path=path,
                line=1,
            )
        for row in reader:
            if None in row:
                raise LedgerFileError(
                    "has more cells than columns: the file was changed.",
                    path=path,
                    line=reader.line_num,
                )
            kind = row.get("record") or ""
            fields = FIELDS.get(kind, ())
            rows.append(
                {
                    **{name: row[name] for name in fields},
                    "record": kind,
                    "chain": row["chain"],
                    "_line": f"line {reader.line_num}",
                }
            )
    except csv.Error as exc:
        raise LedgerFileError(
            f"is not CSV this can read ({exc}): the file was changed.",
            path=path,
            line=reader.line_num,
        ) from None
    return rows


def export_text(ledger: Ledger, fmt: str) -> str:
    """The export as written to a file: CSV, or JSON with a final newline."""
    return to_csv(ledger) if fmt == "csv" else to_json(ledger) + "\n"


@dataclass(frozen=True)
class Verified:
    """What ``--verify`` found: the records checked, the seal, and the export's scope."""

    records: int
    seal: str
    scope: str


def verify_export(path: Path) -> Verified:
    """Check a copy of an export: every record's chain, then that the file is byte for byte
    what those records export to (an edit anywhere, even in spacing or quoting, fails).
    Raises LedgerFileError naming where the copy departs from what was exported."""
    records, raw, fmt = read_export(path)
    previous = ""
    for count, record in enumerate(records):
        kind = record.get("record")
        where = record.get("_line", "")
        if count == 0 and (kind != "header" or record.get("ledger") != FORMAT):
            raise LedgerFileError(
                f"{where}: the first record is not the header of a {FORMAT} export.",
                path=str(path),
            )
        if kind not in FIELDS:
            raise LedgerFileError(f"{where}: unknown record kind {kind!r}.", path=str(path))
        expected = chain_hash(previous, record)
        if record.get("chain") != expected:
            raise LedgerFileError(
                f"{where}: the chain breaks here: this record was changed, or a record before "
                "it was removed or added. Compare it with another copy, or export the ledger "
                "again from the store.",
                path=str(path),
            )
        previous = expected
    if not records:
        raise LedgerFileError("has no records.", path=str(path))
    ledger = Ledger(tuple({k: v for k, v in r.items() if k != "_line"} for r in records))
    if export_text(ledger, fmt) != raw:
        raise LedgerFileError(
            "every record's chain holds, but the file is not byte for byte what was exported "
            "(spacing, quoting or line ends were changed, e.g. by saving it from a "
            "spreadsheet); verify the copy as it was written.",
            path=str(path),
        )
    return Verified(len(records), previous, ledger.scope)
