"""``subscribers sync``: make the stored people exactly the application's registered users.

The source is a file (CSV or JSON Lines, read and validated as ``subscribers import`` does) or
a query on the application's own database (a SQLAlchemy URL: PostgreSQL, MySQL/MariaDB via
PyMySQL, SQLite), streamed through a server-side cursor and never loaded whole. This is the
only module that reads the application's database; it never prints the URL's password, and it
never commits there (the query runs in a transaction that is rolled back).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Result, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from policysite.config import Settings
from policysite.errors import PolicySiteError
from policysite.notify.run import open_store, remove_outbox_copies
from policysite.notify.store import (
    SYNC_BATCH,
    Announcement,
    DuplicateAddresses,
    SyncCounts,
    TooManyRemovals,
    describe_url,
)
from policysite.notify.subscribers import FIELDS, SyncRows, read_rows, validate_rows

# The drivers we install: psycopg 3, and PyMySQL (pure Python) for MySQL and MariaDB.
DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}
_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*")


class SyncSourceError(PolicySiteError):
    """The application's database cannot be read, or its query does not fit."""


@dataclass(frozen=True)
class SyncRequest:
    file: Path | None = None
    database: str | None = None  # a SQLAlchemy URL
    query: str | None = None
    deactivate: bool = False  # --absent deactivate (default: erase)
    max_removals: str = "5%"
    dry_run: bool = False


def parse_max_removals(raw: str) -> Callable[[int], int]:
    """``5%`` (of the stored people, rounded down) or a count → how many may be removed."""
    match = _LIMIT.fullmatch(raw)
    if not match or (not match.group(2) and "." in match.group(1)):
        raise PolicySiteError(
            f"--max-removals {raw!r} is neither a percentage nor a count; write e.g. 5% or 200."
        )
    value = float(match.group(1))
    if match.group(2):
        return lambda stored: math.floor(stored * value / 100)
    return lambda stored: int(value)


def sync_subscribers(settings: Settings, request: SyncRequest) -> str:
    """Validate the options, stream the source into the store; returns the report line."""
    allowed = parse_max_removals(request.max_removals)
    if (request.file is None) == (request.database is None):
        raise PolicySiteError(
            "give either a file (policysite subscribers sync users.csv) or --from-database URL "
            '--query "SELECT email, name FROM users", not both or neither.'
        )
    if request.database is not None and not (request.query or "").strip():
        raise PolicySiteError(
            '--from-database needs --query, e.g. --query "SELECT email, name, locale, timezone '
            'FROM users WHERE deleted_at IS NULL".'
        )
    with _source(request) as (rows, place):
        store = open_store(settings, create=not request.dry_run)
        if store is None:  # a dry run before anything was stored: every person would be new
            added = sum(1 for _ in validate_rows(rows, place))
            return _report(SyncCounts(added, 0, 0, 0, 0), request)
        try:
            # Read now: inside the sync's transaction a second connection would wait for it.
            folders = store.outbox_folders()
            counts = store.sync_subscribers(
                SyncRows(rows, place, batch_size=store.sync_batch),
                deactivate=request.deactivate,
                allowed=allowed,
                dry_run=request.dry_run,
                before_erase=lambda ids: _remove_copies(folders, ids),
            )
        except DuplicateAddresses as exc:
            raise PolicySiteError(_duplicates(exc, place)) from None
        except TooManyRemovals as exc:
            raise PolicySiteError(_refusal(exc, request)) from None
        finally:
            store.close()
    return _report(counts, request)


def _remove_copies(folders: list[tuple[Announcement, str]], ids: list[int]) -> None:
    for subscriber_id in ids:
        remove_outbox_copies(folders, subscriber_id)


@contextmanager
def _source(
    request: SyncRequest,
) -> Iterator[tuple[Iterator[tuple[int, dict[str, Any] | str]], Callable[[int], str]]]:
    if request.file is not None:
        path = str(request.file)
        yield read_rows(request.file), lambda line: f"{path}:{line}"
        return
    assert request.database is not None and request.query is not None
    with database_rows(request.database, request.query) as rows:
        yield rows, lambda row: f"query row {row}"


@contextmanager
def database_rows(raw_url: str, query: str) -> Iterator[Iterator[tuple[int, dict[str, Any] | str]]]:
    """The query's rows, numbered from 1, streamed (a server-side cursor, SYNC_BATCH at a time).

    Column names map by name (case-insensitive); ``email`` is required, and a column that is
    not a subscriber field is an error rather than silently ignored.
    """
    url = source_url(raw_url)
    try:
        engine = create_engine(url)
    except NoSuchModuleError:
        raise SyncSourceError(
            f"--from-database: no driver for {url.drivername!r}; use postgresql://, "
            "mysql:// (or mariadb://) or sqlite:///."
        ) from None
    try:
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            raise SyncSourceError(
                f"cannot connect to the database {describe_url(url)}: {_reason(exc, url)}. "
                "Check the URL, the password and that the server is running; nothing was changed."
            ) from None
        with conn:
            try:
                result = conn.execution_options(stream_results=True, yield_per=SYNC_BATCH).execute(
                    text(query)
                )
            except DBAPIError as exc:
                raise SyncSourceError(
                    f"the query failed on {describe_url(url)}: {_reason(exc, url)}; nothing was "
                    "changed."
                ) from None
            yield _numbered(result, _columns(result), url)
    finally:
        engine.dispose()


def source_url(raw: str) -> URL:
    """The application's database URL, with the driver we install when none is named."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SyncSourceError(
            "--from-database is not a database URL; write e.g. "
            "postgresql://user:password@host/app, mysql://user@host/app or sqlite:////path/app.db."
        ) from None
    driver = DRIVERS.get(url.drivername)
    return url.set(drivername=driver) if driver else url


def _columns(result: Result[Any]) -> list[str]:
    """The query's column names, checked before a single row is read."""
    names = result.keys()
    columns = [str(name).lower() for name in names]
    if "email" not in columns:
        raise SyncSourceError(
            f"the query returns no email column (it returns {', '.join(columns) or 'none'}); "
            "name the address column email, e.g. SELECT address AS email, name FROM users."
        )
    unknown = [c for c in columns if c not in FIELDS]
    if unknown:
        raise SyncSourceError(
            f"the query returns column(s) {', '.join(map(repr, unknown))} that are not "
            f"subscriber fields; select only {', '.join(FIELDS)} (rename with AS)."
        )
    return columns


def _numbered(
    result: Result[Any], columns: list[str], url: URL
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        number = 0
        # A batch at a time (fetchmany), not row by row: a third less time per row.
        for rows in result.partitions(SYNC_BATCH):
            for row in rows:
                number += 1
                yield number, dict(zip(columns, row, strict=True))
    except DBAPIError as exc:
        raise SyncSourceError(
            f"reading the query's rows from {describe_url(url)} failed: {_reason(exc, url)}; "
            "nothing was changed."
        ) from None


def _reason(exc: DBAPIError, url: URL) -> str:
    """The driver's first line, with the password masked should a driver ever quote it."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason


def _duplicates(exc: DuplicateAddresses, place: Callable[[int], str]) -> str:
    lines = [
        f"{place(second)}: the same address as {place(first)} (addresses are compared without "
        "regard to case); keep one of them."
        for first, second in exc.pairs
    ]
    if exc.total > len(exc.pairs):
        lines.append(f"… and {exc.total - len(exc.pairs)} more.")
    lines.append(f"{exc.total} address(es) appear more than once; nothing was changed.")
    return "\n".join(lines)


def _refusal(exc: TooManyRemovals, request: SyncRequest) -> str:
    counts = exc.counts
    verb = "deactivate" if request.deactivate else "erase"
    whom = "active subscribers" if request.deactivate else "stored subscribers"
    share = f" ({counts.removed / counts.stored:.0%})" if counts.stored else ""
    return (
        f"the sync would {verb} {counts.removed} of {counts.stored} {whom}{share}, more than "
        f"--max-removals {request.max_removals} allows ({exc.allowed}). A truncated or partial "
        "export must never wipe the list, so nothing was changed. Check the source; if these "
        f"removals are right, run again with --max-removals {counts.removed}."
    )


def _report(counts: SyncCounts, request: SyncRequest) -> str:
    removed = "deactivated" if request.deactivate else "erased"
    figures = (
        f"{counts.added} added, {counts.updated} updated, {counts.removed} {removed}, "
        f"{counts.unchanged} unchanged"
    )
    if request.dry_run:
        return f"Dry run, nothing was changed; a sync would make: {figures}."
    return f"Synced: {figures}."
