"""Subscriber files (CSV or JSON Lines) → validated records; addresses masked for logs.

Every row is checked before anything is stored, and every problem is reported with its line
number, never with the address itself: the file is personal data, error output is not.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email

from policysite.errors import PolicySiteError
from policysite.notify.store import SYNC_BATCH, GivenRow, Lookup, SubscriberRecord

FIELDS = ("email", "name", "locale", "timezone", "status")
STATUSES = ("active", "inactive")
MAX_NAME = 200
MAX_SHOWN = 20

_ADDRESS = re.compile(r"[^\s<>@\"',;:()\[\]]+@[^\s<>@\"',;:()\[\]]+")


class SubscriberFileError(PolicySiteError):
    """A subscriber file has bad rows (all reported at once)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ReadResult:
    records: list[SubscriberRecord]
    problems: list[RowProblem]
    rows: int  # data rows read (records + problems; duplicates included)


def mask_email(address: str) -> str:
    """``ola.nordmann@example.com`` → ``o***@e***.com``: enough to tell cases apart in a log."""
    local, _, domain = address.rpartition("@")
    if not local:
        return "***"
    head, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(head or tld)[:1]}***" + (f".{tld}" if head else "")


def redact(text: str) -> str:
    """Mask every address in a message (an SMTP server's reply often quotes the recipient)."""
    return _ADDRESS.sub(lambda m: mask_email(m.group(0)), text)


def normalize_email(raw: str) -> str:
    """The address as stored and compared: validated (no DNS), ASCII domain, lower case.

    Raises ValueError with a reason that does not repeat the address.
    """
    value = raw.strip()
    if not value:
        raise ValueError("the email address is empty")
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"the email address is not valid ({redact(str(exc))})") from None
    return (checked.ascii_email or checked.normalized).lower()


def clean_name(raw: str) -> str:
    """Collapse whitespace; raise ValueError on line breaks and other control characters."""
    if _has_surrogate(raw):
        raise ValueError(_SURROGATE_PROBLEM.format(field="name"))
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch != " " for ch in raw):
        raise ValueError("the name contains a line break or another control character; remove it")
    name = " ".join(raw.split())
    if len(name) > MAX_NAME:
        raise ValueError(f"the name is longer than {MAX_NAME} characters; shorten it")
    return name


# A file repeats a handful of languages and zones: parsed once each (10% of a 200,000 import).
@functools.lru_cache(maxsize=4096)
def clean_locale(raw: str) -> str:
    """A BCP 47-style tag Babel knows (``nb``, ``en-GB``); empty means the site's default."""
    value = raw.strip().replace("_", "-")
    if not value:
        return ""
    try:
        Locale.parse(value, sep="-")
    except (ValueError, UnknownLocaleError):
        raise ValueError(
            f"locale {value!r} is not a known language tag; use e.g. en or nb"
        ) from None
    return value


@functools.lru_cache(maxsize=4096)
def clean_timezone(raw: str) -> str:
    """An IANA time zone name (``Europe/Oslo``); empty means UTC."""
    value = raw.strip()
    if not value:
        return ""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"time zone {value!r} is not an IANA time zone name; use e.g. Europe/Oslo"
        ) from None
    return value


def validate_row(data: dict[str, Any]) -> SubscriberRecord:
    """One row → a record, or ValueError naming every field that is wrong.

    A field that is absent (or JSON null) is "not given": the store keeps what it has. An
    empty status is not given either; an empty name, locale or time zone clears the stored one.
    """
    problems: list[str] = []
    raw_email = data.get("email")
    email = ""
    if raw_email is not None and not isinstance(raw_email, str):
        problems.append(f"email must be text, not {_shown(raw_email)}")
    else:
        try:
            email = normalize_email(raw_email or "")
        except ValueError as exc:
            problems.append(str(exc))
    values: dict[str, str | None] = {}
    cleaners: dict[str, Callable[[str], str]] = {
        "name": clean_name,
        "locale": clean_locale,
        "timezone": clean_timezone,
    }
    for field, cleaner in cleaners.items():
        raw = data.get(field)
        if raw is None:
            values[field] = None
        elif not isinstance(raw, str):
            problems.append(f"{field} must be text, not {_shown(raw)}")
        else:
            try:
                values[field] = cleaner(raw)
            except ValueError as exc:
                problems.append(str(exc))
    raw_status = data.get("status")
    status = raw_status.strip().lower() if isinstance(raw_status, str) else raw_status
    if status is not None and status != "" and status not in STATUSES:
        problems.append(f'status must be "active" or "inactive" (text), not {_shown(raw_status)}')
    if problems:
        raise ValueError("; ".join(problems))
    return SubscriberRecord(
        email, values["name"], values["locale"], values["timezone"], status=status or None
    )


def _shown(value: Any) -> str:
    """A wrong value as an error message may show it: short, and with addresses masked."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        masked = redact(value)
        shown = json.dumps(masked if len(masked) <= 40 else masked[:39] + "…", ensure_ascii=False)
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate
    return json.dumps(value)


def read_subscribers(path: Path) -> ReadResult:
    """Read and validate a CSV (header row) or JSON Lines file of subscribers.

    The format is chosen by the extension (``.jsonl``, ``.ndjson`` are JSON Lines) or, failing
    that, by the first character. A later row for the same address replaces an earlier one.
    """
    records: dict[str, SubscriberRecord] = {}
    problems: list[RowProblem] = []
    count = 0
    for line, data in _rows(path, FIELDS):
        count += 1
        if isinstance(data, str):
            problems.append(RowProblem(line, data))
            continue
        try:
            record = validate_row(data)
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        records.pop(record.email, None)  # keep file order of the last occurrence
        records[record.email] = record
    return ReadResult(list(records.values()), problems, count)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The subscriber rows of a CSV or JSON Lines file, by line (a string: why it is unusable)."""
    return _rows(path, FIELDS)


def validate_rows(
    rows: Iterable[tuple[int, dict[str, Any] | str]],
    place: Callable[[int], str],
    *,
    as_stored: Lookup | None = None,
    batch_size: int = SYNC_BATCH,
) -> Iterator[tuple[int, SubscriberRecord]]:
    """Validate rows as they stream past; once all are read, raise if any was bad.

    The error lists every bad row at ``place(line)`` (``users.csv:3``, ``query row 3``), so a
    caller that stores rows while they come (a sync, in one transaction) rolls back on it.
    With ``as_stored`` (the stored people with these addresses, asked once per ``batch_size``
    rows), a row equal to a stored person as it was read is not validated again: what was
    stored was valid, and the cleaning leaves a clean value as it is (validating is 95 % of a
    sync's time).
    """
    problems: list[RowProblem] = []
    batch: list[tuple[int, dict[str, Any] | str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield from _validate_batch(batch, as_stored, problems)
            batch = []
    yield from _validate_batch(batch, as_stored, problems)
    _raise_problems(problems, place)


class SyncRows:
    """A sync's source rows, validated as the store asks (``store.SyncSource``): all of them
    as they stream (``checked``), or in two passes: the rows as given, then those the store
    found different from the stored people (``as_given``, then ``check``)."""

    def __init__(
        self,
        rows: Iterable[tuple[int, dict[str, Any] | str]],
        place: Callable[[int], str],
        batch_size: int = SYNC_BATCH,
    ) -> None:
        self._rows = rows
        self._place = place
        self._batch_size = batch_size
        self._problems: list[RowProblem] = []

    def checked(self, as_stored: Lookup | None) -> Iterator[tuple[int, SubscriberRecord]]:
        return validate_rows(
            self._rows, self._place, as_stored=as_stored, batch_size=self._batch_size
        )

    def as_given(self) -> Iterator[GivenRow]:
        for line, data in self._rows:
            if isinstance(data, str):
                self._problems.append(RowProblem(line, data))
                continue
            given = _as_given(line, data)
            if given is not None:
                yield given
                continue
            try:
                r = validate_row(data)
            except ValueError as exc:
                self._problems.append(RowProblem(line, str(exc)))
                continue
            yield r.email, r.name, r.locale, r.timezone, r.status, line, 1

    def check(
        self, rows: Iterable[tuple[int, dict[str, Any]]]
    ) -> Iterator[tuple[int, SubscriberRecord]]:
        for line, data in rows:
            try:
                yield line, validate_row(data)
            except ValueError as exc:
                self._problems.append(RowProblem(line, str(exc)))
        _raise_problems(sorted(self._problems, key=lambda p: p.line), self._place)


# A lone UTF-16 surrogate (JSON's "\ud800") is a str in Python and no text anywhere else: it
# has no UTF-8, so a database cannot store it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PROBLEM = (
    "the {field} is not valid text (it holds half of a UTF-16 surrogate pair, e.g. \\ud800 "
    "in JSON); fix the source"
)


def _has_surrogate(value: str) -> bool:
    return not value.isascii() and _SURROGATE.search(value) is not None


def _as_given(line: int, data: dict[str, Any]) -> GivenRow | None:
    """A row of text values as given, for the store to compare with the stored people (None:
    a value is not text, or holds a NUL, which PostgreSQL's text cannot: validate it now).
    Per row of a nightly sync: a loop, not a dataclass (one eighth of the time)."""
    get = data.get
    given = (get("email"), get("name"), get("locale"), get("timezone"), get("status"))
    for value in given:
        if value is not None and (
            value.__class__ is not str or "\0" in value or _has_surrogate(value)
        ):
            return None
    email, name, locale, timezone, status = given
    if email is None:
        return None
    return email, name, locale, timezone, status or None, line, 0


def _raise_problems(problems: list[RowProblem], place: Callable[[int], str]) -> None:
    if not problems:
        return
    shown = [f"{place(p.line)}: {p.message}." for p in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        shown.append(f"… and {len(problems) - MAX_SHOWN} more.")
    raise SubscriberFileError(
        "\n".join(shown) + f"\n{len(problems)} bad row(s); nothing was changed. Fix them "
        "and sync again."
    )


def _validate_batch(
    batch: list[tuple[int, dict[str, Any] | str]],
    as_stored: Lookup | None,
    problems: list[RowProblem],
) -> Iterator[tuple[int, SubscriberRecord]]:
    stored: dict[str, Any] = {}
    if as_stored is not None and batch:
        emails = [d["email"] for _, d in batch if isinstance(d, dict)]
        stored = as_stored([e for e in emails if isinstance(e, str)])
    for line, data in batch:
        if isinstance(data, str):
            problems.append(RowProblem(line, data))
            continue
        known = _as_stored(data, stored)
        if known is not None:
            yield line, known
            continue
        try:
            yield line, validate_row(data)
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))


def _as_stored(data: dict[str, Any], stored: dict[str, Any]) -> SubscriberRecord | None:
    """The record of a row equal to a stored person as read (None: validate it)."""
    email = data.get("email")
    person = stored.get(email) if isinstance(email, str) else None
    if person is None or not isinstance(email, str):
        return None
    name, locale, timezone = data.get("name"), data.get("locale"), data.get("timezone")
    status = data.get("status") or None  # "" is not given, as validate_row reads it
    if (
        (name is not None and name != person.name)
        or (locale is not None and locale != person.locale)
        or (timezone is not None and timezone != person.timezone)
        or (status is not None and status != person.status)
    ):
        return None
    return SubscriberRecord(email, name, locale, timezone, status, stored_id=person.id)


def _rows(path: Path, fields: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """The rows of a CSV or JSON Lines file (a string: why a row cannot be read)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SubscriberFileError(
            "file not found; give the path of a CSV or JSON Lines file.", path=str(path)
        ) from None
    except UnicodeDecodeError:
        raise SubscriberFileError("is not UTF-8; save it as UTF-8.", path=str(path)) from None
    except OSError as exc:
        raise SubscriberFileError(
            f"cannot be read ({exc.strerror or type(exc).__name__}).", path=str(path)
        ) from None
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson") or (
        path.suffix.lower() != ".csv" and text.lstrip().startswith("{")
    )
    if jsonl:
        return _jsonl_rows(text, str(path), fields)
    return _csv_rows(text, str(path), fields)


# --- bounce lists ----------------------------------------------------------------------------

BOUNCE_FIELDS = ("email", "code", "reason", "date")
_CODE = re.compile(r"([2-5])\d\d|([2-5])\.\d{1,3}\.\d{1,3}")


@dataclass(frozen=True)
class Bounce:
    """A hard bounce the mail provider reported: the address and what to store as the reason."""

    email: str
    reason: str
    when: dt.datetime


@dataclass(frozen=True)
class BounceList:
    bounces: list[Bounce]
    soft: int  # rows with a 4xx code: temporary, so the address is not marked
    problems: list[RowProblem]


def read_bounces(path: Path, today: dt.date) -> BounceList:
    """A provider's bounce list (CSV or JSON Lines: email, and optionally code, reason, date).

    A row whose code is 4xx (or 4.x.x) is a temporary failure and is left out; a row without a
    code counts as a permanent (5xx) bounce. Reasons are masked like every server reply.
    """
    bounces: dict[str, Bounce] = {}
    problems: list[RowProblem] = []
    soft = 0
    for line, data in _rows(path, BOUNCE_FIELDS):
        if isinstance(data, str):
            problems.append(RowProblem(line, data))
            continue
        try:
            email = normalize_email(str(data.get("email") or ""))
            code = str(data.get("code") or "").strip()
            match = _CODE.fullmatch(code)
            if code and not match:
                raise ValueError(
                    f"code {_shown(code)} is not an SMTP code; write e.g. 550 or 5.1.1"
                )
            if match and (match.group(1) or match.group(2)) == "4":
                soft += 1
                continue
            when = _bounce_day(data.get("date"), today)
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        reason = " ".join(redact(str(data.get("reason") or "")).split())[:200]
        text = " ".join(part for part in (code, reason) if part) or "bounced"
        bounces[email] = Bounce(email, f"{text} (bounce of {when.date()})", when)
    return BounceList(list(bounces.values()), soft, problems)


def _bounce_day(raw: Any, today: dt.date) -> dt.datetime:
    value = str(raw or "").strip()
    if not value:
        return dt.datetime.combine(today, dt.time())
    try:
        found = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"date {_shown(value)} is not a date; write it as YYYY-MM-DD (or ISO 8601)"
        ) from None
    if found.tzinfo is not None:
        found = found.astimezone(dt.UTC).replace(tzinfo=None)
    return found


def describe_problems(path: str, problems: list[RowProblem]) -> str:
    """The problems as lines ``file:line: what is wrong``, at most MAX_SHOWN of them."""
    lines = [f"{path}:{p.line}: {p.message}." for p in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        lines.append(f"… and {len(problems) - MAX_SHOWN} more.")
    return "\n".join(lines)


def _csv_rows(
    text: str, path: str, fields: tuple[str, ...] = FIELDS
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        yield from _csv_records(reader, path, fields)
    except csv.Error as exc:  # e.g. a cell over the csv module's 131,072 characters
        raise SubscriberFileError(
            f"is not CSV the importer can read ({exc}); check the quoting from this line on.",
            path=path,
            line=max(1, reader.reader.line_num),  # DictReader counts only whole records
        ) from None


def _csv_records(
    reader: csv.DictReader[str], path: str, fields: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header:
        raise SubscriberFileError(
            "the first line must name the columns, with at least 'email' "
            f"(known: {', '.join(fields)}).",
            path=path,
            line=1,
        )
    unknown = [h for h in header if h not in fields]
    if unknown:
        raise SubscriberFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
            f"{', '.join(fields)}.",
            path=path,
            line=1,
        )
    reader.fieldnames = header
    for row in reader:
        # line_num is the record's last line; a quoted cell may span lines.
        cells = [v for v in row.values() if isinstance(v, str)]
        line = reader.line_num - sum(v.count("\n") for v in cells)
        if None in row:  # more cells than columns
            yield (
                line,
                f"has {len(header) + len(row[None])} cells but the header names {len(header)}",
            )
            continue
        if not any((v or "").strip() for v in row.values()):
            continue
        yield line, dict(row)


def _jsonl_rows(
    text: str, path: str, fields: tuple[str, ...] = FIELDS
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"is not valid JSON ({exc.msg})"
            continue
        if not isinstance(data, dict):
            yield number, 'must be a JSON object like {"email": …, "name": …}'
            continue
        unknown = [k for k in data if k not in fields]
        if unknown:
            yield (
                number,
                f"unknown field(s) {', '.join(map(repr, unknown))}; known: {', '.join(fields)}",
            )
            continue
        yield number, data
