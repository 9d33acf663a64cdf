"""The only module that talks to the notification database (SQLAlchemy 2 Core).

SQLite is the default (a file under ``.policysite/`` in WAL mode, one writer at a time with
``BEGIN IMMEDIATE``); PostgreSQL is chosen with ``POLICYSITE_DATABASE_URL`` and lets several
senders share the work (claims use ``FOR UPDATE SKIP LOCKED``). One code path serves both.
The schema is created on first use and carries a version number for later migrations.

Deliveries are claimed with a lease (``claimed_by`` + ``claimed_until``) before they are sent
and marked sent in batches after the server accepted them: a crash leaves at most the claimed,
unrecorded rows ambiguous, and a re-run sends every row not recorded as sent. A sender renews
the lease of the rows it holds while they wait their turn, and never claims its own rows again.

The counts of an announcement always add up: ``recipients = sent + failed + cancelled`` + the
pending rows. Purge drops only finished rows; erasing a person with a pending notice, or a
person set inactive before it went, counts it as cancelled.

Webhook events (``webhooks send``) are kept with their payload as sent, one row per fact
(``type``, policy, version) under a deterministic id, and one delivery row per (event,
endpoint) with its attempts; each attempt's outcome is recorded in one transaction.

Erase leaves no copy in the live database files: SQLite runs with ``secure_delete`` (freed space
is zeroed) and truncates its write-ahead log afterwards; PostgreSQL rewrites the subscribers
table (``VACUUM FULL``), since a plain ``VACUUM`` frees a dead row's space without zeroing it,
after waiting for the transactions begun before the erase (the rewrite keeps what they can see).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

from policysite.config import Settings
from policysite.errors import ConfigError, PolicySiteError

SCHEMA_VERSION = 4
DATABASE_ENV = "POLICYSITE_DATABASE_URL"
DEFAULT_SQLITE = ".policysite/notify.db"

metadata = MetaData()

schema_info = Table(
    "policysite_schema",
    metadata,
    Column("version", Integer, nullable=False),
    Column("created", DateTime, nullable=False),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # normalised, lower case
    Column("name", String(200), nullable=False, default=""),
    Column("locale", String(35), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default=""),
    Column("status", String(16), nullable=False, default="active"),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    # Set by `subscribers import --bounces`: the provider's 5xx bounce; notices skip the person.
    Column("undeliverable", Text, nullable=True),
    Column("undeliverable_since", DateTime, nullable=True),
)

announcements = Table(
    "announcements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("policy", String(200), nullable=False),
    Column("version", String(100), nullable=False),
    Column("effective", Date, nullable=False),
    Column("token", String(32), nullable=False),  # the Message-ID prefix of its mails
    Column("created", DateTime, nullable=False),
    # Counts stay when a person is erased or old delivery rows are purged.
    Column("recipients", Integer, nullable=False, default=0),
    Column("sent", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    # Pending notices that will never go: the person was set inactive or erased first.
    Column("cancelled", Integer, nullable=False, default=0, server_default="0"),
    # Days between the announcement and the effective date, and why it went out with less
    # than notice_days (`notify --send --short-notice REASON`): the ledger states both.
    Column("notice_given", Integer, nullable=True),
    Column("short_notice", Text, nullable=True),
    # People erased after it was made: counted, their rows kept without them.
    Column("erased", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("policy", "version", name="announcements_policy_version"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("announcement_id", ForeignKey("announcements.id"), nullable=False),
    Column("subscriber_id", ForeignKey("subscribers.id"), nullable=False),
    # pending | sent | failed | cancelled (the person was set inactive before it was sent)
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("message_id", String(255), nullable=False),
    Column("claimed_by", String(200), nullable=True),
    # Epoch seconds: the end of a claim's lease, or (claimed_by empty) when a retry may start.
    Column("claimed_until", Float, nullable=True),
    Column("created", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
    # For the ledger: how often the row was claimed (a claim whose outcome was never recorded,
    # a sender killed mid-batch, makes ``claims > attempts``: the mail may have gone twice),
    # when it was first and last tried, the server's last reply, the language it was sent in.
    Column("claims", Integer, nullable=False, default=0, server_default="0"),
    Column("first_attempt", DateTime, nullable=True),
    Column("last_attempt", DateTime, nullable=True),
    Column("reply", Text, nullable=True),
    Column("locale", String(35), nullable=True),
    UniqueConstraint("announcement_id", "subscriber_id", name="deliveries_once"),
    Index("deliveries_queue", "announcement_id", "status", "id"),
    Index("deliveries_subscriber", "subscriber_id"),
)

# A finished delivery row after its person was erased (or the row purged): what the ledger
# keeps of it, with nothing that points at the person (no address, id, Message-ID or reply).
anonymous_deliveries = Table(
    "anonymous_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("announcement_id", ForeignKey("announcements.id"), nullable=False),
    Column("why", String(16), nullable=False),  # erased | purged
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claims", Integer, nullable=False),
    Column("first_attempt", DateTime, nullable=True),
    Column("last_attempt", DateTime, nullable=True),
    Column("sent_at", DateTime, nullable=True),
    Index("anonymous_deliveries_announcement", "announcement_id"),
)

# The last hash of every ledger export (`notify report --format csv|json`): `--verify` tells a
# copy the store issued from one whose chain was computed again after a row was changed.
ledger_seals = Table(
    "ledger_seals",
    metadata,
    Column("seal", String(64), primary_key=True),
    Column("created", DateTime, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("scope", Text, nullable=False),
)

# Every outbox folder an announcement's notices were written to: erase finds the person's
# copies there (their names hold ids, never addresses), even after purge dropped the rows.
outboxes = Table(
    "outboxes",
    metadata,
    Column("announcement_id", ForeignKey("announcements.id"), nullable=False),
    Column("folder", Text, nullable=False),
    UniqueConstraint("announcement_id", "folder", name="outboxes_once"),
)

# One webhook event per fact: ``id`` is derived from the site, the type, policy and version
# (``webhooks.event_id``), so sending again never makes a second event for the same fact.
# ``payload`` is the JSON body as first made: a retry or a redelivery sends the same bytes.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("policy", String(200), nullable=False),
    Column("version", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("type", "policy", "version", name="webhook_events_fact"),
)

# One event to one endpoint (its URL, as in mkdocs.yml). status: pending (``next_attempt``
# says when) | delivered | failed (gave up after WEBHOOK_MAX_ATTEMPTS) | orphaned (the endpoint
# was removed from the settings: never retried, unless it comes back and is redelivered).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("webhook_events.id"), nullable=False),
    Column("endpoint", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", Float, nullable=True),  # epoch seconds
    Column("last_attempt", DateTime, nullable=True),
    Column("delivered_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("event_id", "endpoint", name="webhook_deliveries_once"),
    Index("webhook_deliveries_due", "status", "next_attempt"),
)

# Every attempt: when, the HTTP status (None: no answer) and what went wrong.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("seconds", Float, nullable=False),
    Index("webhook_attempts_delivery", "delivery_id"),
)
WEBHOOK_TABLES = (webhook_events, webhook_deliveries, webhook_attempts)
WEBHOOK_REMOVED = (
    "the endpoint was removed from mkdocs.yml (or no longer takes this type); not retried"
)

# Where an import is staged before one UPDATE and one INSERT apply it (PostgreSQL fills it
# with COPY). The upsert before, a SELECT of the known addresses per 500 rows then executemany,
# grew with the square of the count on PostgreSQL (20,000 people 0.7 s, 50,000 11 s, 200,000
# 387 s); this takes 2 s for 200,000 (bench/notify.py --only import).
_staging = MetaData()
subscriber_import = Table(
    "policysite_import",
    _staging,
    Column("email", String(320), primary_key=True),
    Column("name", String(200)),
    Column("locale", String(35)),
    Column("timezone", String(64)),
    Column("status", String(16)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def _source_columns() -> list[Column[Any]]:
    """A sync source's row as staged: the person's fields as text, and where it came from."""
    return [
        Column("email", Text, nullable=False),
        *(Column(name, Text) for name in ("name", "locale", "timezone", "status")),
        Column("line", Integer, nullable=False),
    ]


# Where a sync stages its source, row by row as it streams in: ``line`` (the file's line or the
# query's row) is kept so that a repeated address can be reported with both places. ``sid`` is
# the stored person with that address; ``same`` marks a row that equals them as it was read
# (``SubscriberRecord.stored_id``): nothing to validate or compare, the usual case in a nightly
# sync. Text columns: a row read back to be checked (``same`` -1, PostgreSQL) is as given.
subscriber_sync = Table(
    "policysite_sync",
    _staging,
    *_source_columns(),
    Column("sid", Integer, nullable=True),
    Column("same", Integer, nullable=False),
    Index("policysite_sync_sid", "sid"),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
# PostgreSQL: the source as given, in one COPY (``checked`` 0: text as read, not validated yet;
# 1: validated in Python as it came, having a value that is not text). One set-based join with
# the stored people then decides which rows equal them; only the others are read back and
# validated. Looking each batch's people up from Python instead (a round trip per 1,000 rows,
# 1,000 index probes each) took a third of a nightly sync of 1,000,000 people.
subscriber_sync_given = Table(
    "policysite_sync_given",
    _staging,
    *_source_columns(),
    Column("checked", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
# How long opening a SQLite store keeps trying to switch a new file to WAL while another process
# holds it (the same budget as the busy timeout every other statement waits with).
SQLITE_BUSY_WAIT = 60.0
SYNC_COLUMNS = ("email", "name", "locale", "timezone", "status", "line", "sid", "same")
GIVEN_COLUMNS = ("email", "name", "locale", "timezone", "status", "line", "checked")
# How long erase waits for transactions that began before it and may still see the person's
# row (an autovacuum ANALYZE, a report): VACUUM FULL must keep what a snapshot can see.
ERASE_SNAPSHOT_WAIT = 30.0
SYNC_BATCH = 1000  # rows staged per INSERT, and people erased per batch
# PostgreSQL: rows staged per COPY into an empty store, and read back per fetch to be validated
# (into a store that holds people, the source is staged as given in one COPY). Larger batches
# were not faster when each batch also looked its people up: a second sync of 1,000,000 took
# 10.8 s at 1,000 a batch and 14.1 s at 50,000 (peak RSS 71 MB and 143 MB), measured side by
# side by bench/notify.py --only sync --sync-store postgresql --pg-batch 1000 --pg-batch 50000.
POSTGRESQL_SYNC_BATCH = SYNC_BATCH
# For the sync's transaction only: the join of a million staged rows with the stored people
# spilled to temporary files with PostgreSQL's default (4 MB): 2.3 s, against 1.3 s with this.
SYNC_WORK_MEM = "64MB"
OPTIONAL_FIELDS = ("name", "locale", "timezone", "status")
FINISHED = ("sent", "failed", "cancelled")
# What the ledger shows of each notice (besides the address), from ``deliveries``.
LEDGER_COLUMNS = tuple(
    deliveries.c[name]
    for name in (
        "status",
        "locale",
        "first_attempt",
        "last_attempt",
        "sent_at",
        "message_id",
        "reply",
        "last_error",
        "attempts",
        "claims",
    )
)
INACTIVE = "the person was set inactive before it was sent"
SKIPPED_UNDELIVERABLE = "not sent: the address is marked undeliverable: "


@dataclass(frozen=True)
class SubscriberRecord:
    """One person to store (from an import): the address is already validated and normalised.

    None means "not given": a new person gets the default (empty, or active), a stored person
    keeps the stored value.
    """

    email: str
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    status: str | None = None
    # A sync: the stored person's id, when the row was read equal to them (not validated again).
    stored_id: int | None = None


class StoredPerson(NamedTuple):
    """A stored person's fields as a sync compares a row with them."""

    id: int
    name: str
    locale: str
    timezone: str
    status: str


Lookup = Callable[[list[str]], dict[str, StoredPerson]]
# A row staged as given (PostgreSQL), in GIVEN_COLUMNS' order: email, name, locale, timezone,
# status (None: not given), line, checked (0: text as read, not validated; 1: validated).
GivenRow = tuple[str, str | None, str | None, str | None, str | None, int, int]


class SyncSource(Protocol):
    """A sync's rows, validated as the store asks (``subscribers.SyncRows`` is the one)."""

    def checked(self, as_stored: Lookup | None) -> Iterable[tuple[int, SubscriberRecord]]:
        """Every row validated, except one equal to its stored person as ``as_stored`` reads
        it; raises for every bad row once all are read."""
        ...

    def as_given(self) -> Iterable[GivenRow]:
        """Every row: a row of text values as given (not validated), any other row validated.
        Raises nothing: ``check`` reports every bad row."""
        ...

    def check(
        self, rows: Iterable[tuple[int, dict[str, Any]]]
    ) -> Iterable[tuple[int, SubscriberRecord]]:
        """Validate rows staged as given and read back; then raise for every bad row of both
        passes, by line."""
        ...


@dataclass(frozen=True)
class Announcement:
    """One material version announced to every active subscriber."""

    id: int
    policy: str
    version: str
    effective: dt.date
    token: str
    created: dt.datetime
    recipients: int
    sent: int
    failed: int
    cancelled: int
    notice_given: int | None = None  # days from the announcement to the effective date
    short_notice: str | None = None
    erased: int = 0

    @property
    def unaccounted(self) -> int:
        """Notices neither finished nor pending: their rows were deleted before they went."""
        return self.recipients - self.sent - self.failed - self.cancelled


@dataclass(frozen=True)
class Claim:
    """A delivery row claimed by this sender, with what the mail needs to know of the person."""

    delivery_id: int
    subscriber_id: int
    email: str
    name: str
    locale: str
    timezone: str
    message_id: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row: sent, retry (4xx, later), failed (5xx), released (known
    not sent) or abandoned (not known: the batch's sending broke off; it may have gone)."""

    delivery_id: int
    status: str  # sent | retry | failed | released | abandoned
    at: float  # epoch seconds: when accepted, or (retry) when the next attempt may start
    reason: str | None = None
    reply: str | None = None  # the server's answer to this attempt (masked)
    attempted: float | None = None  # when the attempt was made (default: ``at``)
    locale: str | None = None  # the language the mail was written in


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    sent: int
    failed: int
    cancelled: int
    ready: int  # pending rows that nobody holds and whose retry time has come
    held: int  # pending rows claimed by a sender whose lease has not ended


@dataclass(frozen=True)
class ImportCounts:
    inserted: int
    updated: int


@dataclass(frozen=True)
class SyncCounts:
    """What a sync does (or, in a dry run, would do); ``removed`` are erased or deactivated."""

    added: int
    updated: int
    removed: int
    unchanged: int
    stored: int  # people the removals are counted against (all, or the active ones)


@dataclass(frozen=True)
class WebhookDelivery:
    """One event on its way to one endpoint, with the body to send."""

    id: int
    event_id: str
    type: str
    endpoint: str
    payload: str
    attempts: int
    # The end of this sender's lease (the claim's ``next_attempt``): its token when recording.
    lease_until: float


@dataclass(frozen=True)
class WebhookOutcome:
    """What one attempt came to: ``next_attempt`` None and not ``delivered``: given up."""

    delivery_id: int
    delivered: bool
    at: float  # epoch seconds, when the attempt started
    seconds: float
    http_status: int | None = None
    error: str | None = None
    next_attempt: float | None = None
    lease_until: float | None = None  # the claim's (WebhookDelivery.lease_until)


class DuplicateAddresses(PolicySiteError):
    """A sync source names an address twice; ``pairs`` are (first line, repeated line)."""

    def __init__(self, pairs: list[tuple[int, int]], total: int) -> None:
        self.pairs = pairs
        self.total = total
        super().__init__(f"{total} address(es) appear more than once.")


class TooManyRemovals(PolicySiteError):
    """A sync would remove more people than its cap allows; nothing was changed."""

    def __init__(self, counts: SyncCounts, allowed: int) -> None:
        self.counts = counts
        self.allowed = allowed
        super().__init__(f"the sync would remove {counts.removed}, more than {allowed}.")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def database_url(settings: Settings, environ: dict[str, str] | None = None) -> URL:
    """The database to use: ``POLICYSITE_DATABASE_URL`` or the SQLite file under the site."""
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get(DATABASE_ENV, "").strip()
    if not raw:
        return URL.create("sqlite", database=str(settings.root / DEFAULT_SQLITE))
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{DATABASE_ENV} is not a database URL; write e.g. "
            "postgresql+psycopg://user@host:5432/db or sqlite:////path/notify.db, or unset it."
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we install
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"{DATABASE_ENV} names a {backend!r} database; policysite supports sqlite and "
            "postgresql (postgresql+psycopg://…)."
        )
    return url


def describe_url(url: URL) -> str:
    """The URL without its password, for messages."""
    return url.render_as_string(hide_password=True)


class Store:
    """Subscribers, announcements and deliveries in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: URL, *, create: bool = True) -> Store | None:
        """Connect; create the schema when ``create`` (else None when there is no store yet)."""
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "")
            if url.database in (None, "", ":memory:"):
                raise ConfigError(f"{DATABASE_ENV}: give SQLite a file path, not memory.")
            if not create and not path.exists():
                return None
            _create_private(path)
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_WAIT})
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        else:
            try:
                engine = create_engine(url, pool_pre_ping=True)
            except NoSuchModuleError:
                raise ConfigError(
                    f"{DATABASE_ENV}: no driver for {url.drivername!r}; use postgresql+psycopg://."
                ) from None
        store = cls(engine)
        try:
            ready = store._check_schema(create)
        except OperationalError as exc:
            engine.dispose()
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
            raise ConfigError(
                f"cannot use the database {describe_url(url)}: {reason}. Check "
                f"{DATABASE_ENV} and that the database server is running."
            ) from None
        if not ready:
            engine.dispose()
            return None
        return store

    @property
    def sync_batch(self) -> int:
        """Rows a sync looks up (SQLite) or stages (PostgreSQL) at a time (see
        POSTGRESQL_SYNC_BATCH)."""
        return SYNC_BATCH if self.is_sqlite else POSTGRESQL_SYNC_BATCH

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _check_schema(self, create: bool) -> bool:
        with self._begin() as conn:
            if not self.is_sqlite:
                # Two senders starting at once must not both create the tables.
                conn.execute(text("SELECT pg_advisory_xact_lock(7310275)"))
            if not inspect(conn).has_table(schema_info.name):
                if not create:
                    return False
                metadata.create_all(conn)
                conn.execute(insert(schema_info).values(version=SCHEMA_VERSION, created=_utcnow()))
                return True
            found = conn.execute(select(func.max(schema_info.c.version))).scalar_one()
            if found is None or found > SCHEMA_VERSION:
                raise ConfigError(
                    f"the notification database has schema version {found}, newer than this "
                    f"policysite knows ({SCHEMA_VERSION}); upgrade policysite."
                )
            # Migrations from older versions, one step per version, in the same transaction.
            if found < 2:
                conn.execute(
                    text(
                        "ALTER TABLE announcements ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0"
                    )
                )
                outboxes.create(conn)
            if found < 3:
                for table, names in (
                    (subscribers, ("undeliverable", "undeliverable_since")),
                    (announcements, ("notice_given", "short_notice", "erased")),
                    (deliveries, ("claims", "first_attempt", "last_attempt", "reply", "locale")),
                ):
                    for name in names:
                        _add_column(conn, table.c[name])
                anonymous_deliveries.create(conn)
                ledger_seals.create(conn)
            if found < 4:
                for table in WEBHOOK_TABLES:
                    table.create(conn)
            if found < SCHEMA_VERSION:
                conn.execute(insert(schema_info).values(version=SCHEMA_VERSION, created=_utcnow()))
        return True

    # -- subscribers ---------------------------------------------------------------------------

    def upsert_subscribers(self, records: Sequence[SubscriberRecord]) -> ImportCounts:
        """Insert or update people by address, all in one transaction.

        A field given as None keeps the stored value (a new person gets the default). The
        records go into a temporary table first (COPY on PostgreSQL), then one UPDATE and one
        INSERT apply them: 200,000 people in seconds on either database.
        """
        by_email = {r.email: r for r in records}  # the last record of an address wins
        now = _utcnow()
        staged = subscriber_import.c
        s = subscribers.c
        with self._begin() as conn:
            if self.is_sqlite:
                conn.execute(text("DROP TABLE IF EXISTS temp.policysite_import"))
            else:
                # Two imports at once would both insert the same new address: one waits.
                conn.execute(text("LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE"))
            subscriber_import.create(conn)
            self._stage(conn, by_email.values())
            updated = conn.execute(
                update(subscribers)
                .where(s.email == staged.email)
                .values(
                    {
                        **{f: func.coalesce(staged[f], s[f]) for f in OPTIONAL_FIELDS},
                        "updated": now,
                    }
                )
            ).rowcount
            _insert_new(conn, subscriber_import, now)
            if self.is_sqlite:
                subscriber_import.drop(conn)
        # Every staged row was either updated or inserted (the table was locked meanwhile).
        return ImportCounts(len(by_email) - int(updated), int(updated))

    def sync_subscribers(
        self,
        source: SyncSource,
        *,
        deactivate: bool,
        allowed: Callable[[int], int],
        dry_run: bool,
        before_erase: Callable[[list[int]], None] | None = None,
    ) -> SyncCounts:
        """Make the stored people exactly those of the rows (line, record) ``source`` gives,
        in one transaction.

        Rows are staged as they stream in (never held whole). A row equal to its stored person
        as read is neither validated nor compared again: SQLite looks the people up a batch at
        a time (in the sync's transaction: SQLite has one writer, and it is us); PostgreSQL
        stages the rows as given and compares them with one join, then validates the others.
        People not in the source are erased as ``erase_subscriber`` does (``before_erase`` gets
        each batch of ids first, e.g. to delete outbox copies), or set inactive with
        ``deactivate``. Raises DuplicateAddresses, or TooManyRemovals when more would go than
        ``allowed(stored)``; a dry run counts and changes nothing.
        """
        staged = subscriber_sync.c
        s = subscribers.c
        now = _utcnow()
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                if self.is_sqlite:
                    conn.execute(text("DROP TABLE IF EXISTS temp.policysite_sync"))
                    subscriber_sync.create(conn)
                    self._stage_sync(
                        conn, source.checked(lambda emails: _people_as_stored(conn, emails))
                    )
                else:
                    conn.execute(text("LOCK TABLE subscribers IN SHARE ROW EXCLUSIVE MODE"))
                    # Sorting and hashing a million staged rows in memory, not in temp files.
                    conn.exec_driver_sql(f"SET LOCAL work_mem = '{SYNC_WORK_MEM}'")
                    subscriber_sync.create(conn)
                    if conn.execute(select(s.id).limit(1)).first() is None:
                        # Nobody stored yet: every row is new, there is nothing to compare.
                        self._stage_sync(conn, source.checked(None))
                    else:
                        _stage_given(conn, source, self.sync_batch)
                # Who the rows read as given are (few: new people, changes, other spellings).
                conn.execute(
                    update(subscriber_sync)
                    .where(staged.same == 0)
                    .values(sid=select(s.id).where(s.email == staged.email).scalar_subquery())
                )
                _refuse_duplicates(conn)
                differs = or_(
                    *(staged[f].is_not(None) & (staged[f] != s[f]) for f in OPTIONAL_FIELDS)
                )
                matched = subscriber_sync.join(subscribers, s.id == staged.sid)
                staged_count = _count(conn, select(func.count()).select_from(subscriber_sync))
                added = _count(
                    conn,
                    select(func.count()).select_from(subscriber_sync).where(staged.sid.is_(None)),
                )
                changed = _count(
                    conn,
                    select(func.count()).select_from(matched).where(staged.same == 0, differs),
                )
                if deactivate:
                    stored = _count(
                        conn,
                        select(func.count()).select_from(subscribers).where(s.status == "active"),
                    )
                    present = _count(
                        conn,
                        select(func.count()).select_from(matched).where(s.status == "active"),
                    )
                else:
                    # No address is staged twice (refused above): each staged sid is one person.
                    stored = _count(conn, select(func.count()).select_from(subscribers))
                    present = staged_count - added
                removed = stored - present
                counts = SyncCounts(added, changed, removed, staged_count - added - changed, stored)
                if removed > allowed(stored):
                    raise TooManyRemovals(counts, allowed(stored))
                if dry_run:
                    transaction.rollback()
                    return counts
                if changed:
                    conn.execute(
                        update(subscribers)
                        .where(s.id == staged.sid, staged.same == 0, differs)
                        .values(
                            {
                                **{f: func.coalesce(staged[f], s[f]) for f in OPTIONAL_FIELDS},
                                "updated": now,
                            }
                        )
                    )
                if removed:
                    absent = ~select(staged.sid).where(staged.sid == s.id).exists()
                    if deactivate:
                        conn.execute(
                            update(subscribers)
                            .where(absent, s.status == "active")
                            .values(status="inactive", updated=now)
                        )
                    else:
                        ids = [int(i) for i in conn.execute(select(s.id).where(absent)).scalars()]
                        for start in range(0, len(ids), SYNC_BATCH):
                            batch = ids[start : start + SYNC_BATCH]
                            if before_erase is not None:
                                before_erase(batch)
                            _erase_ids(conn, batch)
                if added:
                    _insert_new(conn, subscriber_sync, now, staged.sid.is_(None))
                if self.is_sqlite:
                    subscriber_sync.drop(conn)
                transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
        if removed and not deactivate:
            self._scrub_freed_space()
        return counts

    def _stage_sync(self, conn: Connection, rows: Iterable[tuple[int, SubscriberRecord]]) -> None:
        """Stage the source as it streams in: COPY on PostgreSQL, batched INSERTs on SQLite."""

        def values(line: int, record: SubscriberRecord) -> tuple[Any, ...]:
            known = record.stored_id
            return (
                record.email,
                record.name,
                record.locale,
                record.timezone,
                record.status,
                line,
                known,
                0 if known is None else 1,
            )

        driver = conn.connection.driver_connection
        batch: list[tuple[Any, ...]] = []
        for line, record in rows:
            batch.append(values(line, record))
            if len(batch) >= self.sync_batch:
                _stage_batch(conn, driver, batch)
                batch = []
        _stage_batch(conn, driver, batch)

    def _stage(self, conn: Connection, records: Iterable[SubscriberRecord]) -> None:
        columns = ("email", *OPTIONAL_FIELDS)
        if self.is_sqlite:
            rows = [{c: getattr(r, c) for c in columns} for r in records]
            if rows:
                conn.execute(insert(subscriber_import), rows)
            return
        # COPY: the whole file in one statement.
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY policysite_import ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for record in records:
                copy.write_row([getattr(record, c) for c in columns])

    def count_subscribers(self, *, active_only: bool = False) -> int:
        query = select(func.count()).select_from(subscribers)
        if active_only:
            query = query.where(subscribers.c.status == "active")
        with self._begin() as conn:
            return int(conn.execute(query).scalar_one())

    def export_subscriber(self, email: str) -> dict[str, Any] | None:
        """Everything stored about one person, including every notice sent to them."""
        with self._begin() as conn:
            person = (
                conn.execute(select(subscribers).where(subscribers.c.email == email))
                .mappings()
                .first()
            )
            if person is None:
                return None
            rows = conn.execute(
                select(
                    announcements.c.policy,
                    announcements.c.version,
                    announcements.c.effective,
                    *LEDGER_COLUMNS,
                    deliveries.c.created,
                )
                .join(announcements, announcements.c.id == deliveries.c.announcement_id)
                .where(deliveries.c.subscriber_id == person["id"])
                .order_by(deliveries.c.id)
            ).mappings()
            notices = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        record = {k: _jsonable(v) for k, v in person.items() if k != "id"}
        return {"subscriber": record, "notices": notices}

    def subscriber_id(self, email: str) -> int | None:
        with self._begin() as conn:
            found = conn.execute(
                select(subscribers.c.id).where(subscribers.c.email == email)
            ).scalar_one_or_none()
        return int(found) if found is not None else None

    def erase_subscriber(self, email: str) -> int | None:
        """Remove a person and their delivery rows; returns how many rows went (None: unknown).

        A notice still pending for them is counted as cancelled, and each of their rows stays
        in the ledger as an anonymous one (status and times, nothing of the person). Afterwards
        no copy of the person is left in the live database files (see the module's docstring).
        """
        with self._begin() as conn:
            found = conn.execute(
                select(subscribers.c.id).where(subscribers.c.email == email)
            ).scalar_one_or_none()
            if found is None:
                return None
            gone = _erase_ids(conn, [found])
        self._scrub_freed_space()
        return gone

    def _scrub_freed_space(self) -> None:
        """Leave no copy of deleted rows in the live database files (see the module's doc)."""
        if self.is_sqlite:
            # secure_delete zeroed the rows in the database file; the write-ahead log still
            # holds the pages as they were until it is checkpointed and truncated.
            with self.engine.connect() as conn:
                # On the driver's connection: a checkpoint cannot run inside our BEGIN.
                driver = conn.connection.driver_connection
                assert driver is not None
                busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                raise PolicySiteError(
                    "the person is erased, but another process kept the store's write-ahead "
                    "log (notify.db-wal) from being emptied, and it still holds their old "
                    "rows. It is emptied when the last process using the store ends; stop "
                    "any notify run and check that the file is gone or empty."
                )
            return
        # A plain VACUUM marks a dead row's space free but leaves its bytes in the page, and
        # the old statistics may sample the address: rewrite the table and its indexes.
        # It locks the table for the rewrite (senders wait): 0.75 s for 200,000 people here.
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                deadline = time.monotonic() + ERASE_SNAPSHOT_WAIT
                holders = _await_older_snapshots(conn)
                # A transaction that read the table holds a lock the rewrite waits for.
                conn.exec_driver_sql(f"SET lock_timeout = {int(ERASE_SNAPSHOT_WAIT * 1000)}")
                # The rewrite says how many dead rows it had to keep (a snapshot somewhere could
                # still see them): rewrite again until none is kept, within the same wait.
                kept = _vacuum_full(conn, "subscribers")
                while kept and time.monotonic() < deadline:
                    time.sleep(0.2)
                    kept = _vacuum_full(conn, "subscribers")
                if kept and not holders:
                    holders = _snapshot_holders(conn)
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise PolicySiteError(
                "the person is erased from the tables, but VACUUM (FULL, ANALYZE) subscribers "
                f"failed ({reason}), so their row may still be in the table's free space. Run "
                "it as the table's owner."
            ) from None
        if kept:
            who = (
                f"database sessions {', '.join(map(str, holders))} were"
                if holders
                else "a database session was"
            )
            raise PolicySiteError(
                f"the person is erased from the tables, but after {ERASE_SNAPSHOT_WAIT:.0f} s "
                f"{who} still in transactions that may see the row, so VACUUM FULL had to keep "
                "it in the table's pages. End those transactions (pg_stat_activity names "
                "them) and run the erase again."
            )

    def purge_deliveries(self, before: dt.datetime) -> int:
        """Drop finished delivery rows (sent, failed, cancelled) older than ``before``.

        Pending rows stay, however old: they are notices still to send. Counts stay too, and
        each row dropped stays in the ledger as an anonymous one (status and times).
        """
        d = deliveries.c
        stamp = func.coalesce(d.sent_at, d.created)
        old = (stamp < before) & d.status.in_(FINISHED)
        with self._begin() as conn:
            _keep_anonymous(conn, old, "purged")
            return int(conn.execute(delete(deliveries).where(old)).rowcount)

    def remember_outbox(self, announcement_id: int, folder: str) -> None:
        """Note that notices of this announcement are written to ``folder`` (for erase)."""
        with self._begin() as conn:
            known = conn.execute(
                select(outboxes.c.folder).where(
                    outboxes.c.announcement_id == announcement_id, outboxes.c.folder == folder
                )
            ).first()
            if known is None:
                conn.execute(
                    insert(outboxes).values(announcement_id=announcement_id, folder=folder)
                )

    def outbox_folders(self) -> list[tuple[Announcement, str]]:
        """Every (announcement, outbox folder) that notices were written to."""
        with self._begin() as conn:
            rows = conn.execute(
                select(announcements, outboxes.c.folder)
                .join(outboxes, outboxes.c.announcement_id == announcements.c.id)
                .order_by(announcements.c.id, outboxes.c.folder)
            ).all()
        found = []
        for row in rows:
            values = row._asdict()
            folder = values.pop("folder")
            found.append((Announcement(**values), str(folder)))
        return found

    # -- announcements -------------------------------------------------------------------------

    def announcements(self) -> list[Announcement]:
        with self._begin() as conn:
            rows = conn.execute(select(announcements).order_by(announcements.c.id)).all()
        return [Announcement(**row._asdict()) for row in rows]

    def create_announcement(
        self,
        policy: str,
        version: str,
        effective: dt.date,
        domain: str,
        *,
        notice_given: int | None = None,
        short_notice: str | None = None,
    ) -> tuple[Announcement, bool]:
        """The announcement and one delivery per active subscriber, in one transaction: pending,
        or cancelled (with the reason) for a person whose address is marked undeliverable.

        Idempotent: when the announcement exists it is returned as it is (no rows added).
        """
        where = (announcements.c.policy == policy) & (announcements.c.version == version)
        try:
            with self._begin() as conn:
                row = conn.execute(select(announcements).where(where)).first()
                if row is not None:
                    return Announcement(**row._asdict()), False
                now = _utcnow()
                token = secrets.token_hex(8)
                result = conn.execute(
                    insert(announcements).values(
                        policy=policy,
                        version=version,
                        effective=effective,
                        token=token,
                        created=now,
                        recipients=0,
                        sent=0,
                        failed=0,
                        cancelled=0,
                        notice_given=notice_given,
                        short_notice=short_notice,
                        erased=0,
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                ann_id = int(key[0])
                # Message-ID: stable per (announcement, recipient), made of ids, never the address.
                message_id = (
                    literal(f"<{token}.", String)
                    + cast(subscribers.c.id, String)
                    + literal(f"@{domain}>", String)
                )
                s = subscribers.c
                skipped = literal(SKIPPED_UNDELIVERABLE, String) + s.undeliverable
                columns = ["announcement_id", "subscriber_id", "status", "attempts"]
                columns += ["message_id", "created", "last_error"]
                for status, reason, which in (
                    ("pending", literal(None, Text), s.undeliverable.is_(None)),
                    ("cancelled", skipped, s.undeliverable.is_not(None)),
                ):
                    rows = select(
                        literal(ann_id, Integer),
                        s.id,
                        literal(status, String),
                        literal(0, Integer),
                        message_id,
                        literal(now, DateTime),
                        reason,
                    ).where(s.status == "active", which)
                    conn.execute(insert(deliveries).from_select(columns, rows))
                counted: dict[str, int] = dict(
                    conn.execute(
                        select(deliveries.c.status, func.count())
                        .where(deliveries.c.announcement_id == ann_id)
                        .group_by(deliveries.c.status)
                    ).all()
                )
                conn.execute(
                    update(announcements)
                    .where(announcements.c.id == ann_id)
                    .values(recipients=sum(counted.values()), cancelled=counted.get("cancelled", 0))
                )
                created = conn.execute(
                    select(announcements).where(announcements.c.id == ann_id)
                ).one()
                return Announcement(**created._asdict()), True
        except IntegrityError:  # another sender created it at the same moment
            with self._begin() as conn:
                row = conn.execute(select(announcements).where(where)).one()
            return Announcement(**row._asdict()), False

    # -- the ledger (proof of notice) ----------------------------------------------------------

    def ledger_rows(self, announcement_id: int) -> Iterator[dict[str, Any]]:
        """Every notice of an announcement, in delivery order, as the ledger shows it: the
        person's address (and bounce mark) with ``LEDGER_COLUMNS``, then the anonymous rows
        (address None)."""
        d, a = deliveries.c, anonymous_deliveries.c
        with self._begin() as conn:
            s = subscribers.c
            found = conn.execute(
                select(s.email, s.undeliverable, s.undeliverable_since, *LEDGER_COLUMNS)
                .join(subscribers, s.id == d.subscriber_id)
                .where(d.announcement_id == announcement_id)
                .order_by(d.id)
            ).mappings()
            rows = [dict(row) for row in found]
            kept = conn.execute(
                select(a.why, *(a[c.name] for c in LEDGER_COLUMNS if c.name in a))
                .where(a.announcement_id == announcement_id)
                .order_by(a.id)
            ).mappings()
            rows += [{"email": None, **row} for row in kept]
        yield from rows

    def duplicates_possible(self, announcement_id: int) -> int:
        """Notices recorded as sent that were claimed more often than tried: a sender stopped
        between the server's answer and the record, so the person may have two copies."""
        total = 0
        with self._begin() as conn:
            for table in (deliveries, anonymous_deliveries):
                c = table.c
                total += conn.execute(
                    select(func.count()).where(
                        c.announcement_id == announcement_id,
                        c.status == "sent",
                        c.claims > c.attempts,
                    )
                ).scalar_one()
        return int(total)

    def record_seal(self, seal: str, rows: int, scope: str) -> None:
        """Remember the last hash of a ledger export (once)."""
        with self._begin() as conn:
            if conn.execute(select(ledger_seals.c.seal).where(ledger_seals.c.seal == seal)).first():
                return
            conn.execute(
                insert(ledger_seals).values(seal=seal, created=_utcnow(), rows=rows, scope=scope)
            )

    def find_seal(self, seal: str) -> dt.datetime | None:
        """When this store issued an export with this last hash (None: it did not)."""
        with self._begin() as conn:
            found = conn.execute(
                select(ledger_seals.c.created).where(ledger_seals.c.seal == seal)
            ).scalar_one_or_none()
        return found if isinstance(found, dt.datetime) else None

    def mark_undeliverable(self, bounces: Sequence[tuple[str, str, dt.datetime]]) -> int:
        """Mark stored addresses (email, reason, when) undeliverable; returns how many were
        stored. Addresses the store does not hold are left out: a bounce list adds nobody."""
        s = subscribers.c
        marked = 0
        with self._begin() as conn:
            for start in range(0, len(bounces), 500):
                chunk = bounces[start : start + 500]
                known = set(
                    conn.execute(
                        select(s.email).where(s.email.in_([email for email, _, _ in chunk]))
                    ).scalars()
                )
                values = [
                    {"b_email": email, "b_reason": reason, "b_when": when}
                    for email, reason, when in chunk
                    if email in known
                ]
                if values:
                    conn.execute(
                        update(subscribers)
                        .where(s.email == bindparam("b_email"))
                        .values(
                            undeliverable=bindparam("b_reason"),
                            undeliverable_since=bindparam("b_when"),
                            updated=_utcnow(),
                        ),
                        values,
                    )
                marked += len(values)
        return marked

    # -- webhooks ------------------------------------------------------------------------------

    def webhook_event_keys(self) -> set[tuple[str, str, str]]:
        """Every (type, policy, version) an event was recorded for."""
        e = webhook_events.c
        with self._begin() as conn:
            return {
                (str(t), str(p), str(v))
                for t, p, v in conn.execute(select(e.type, e.policy, e.version)).all()
            }

    def record_webhook_event(
        self, event_id: str, kind: str, policy: str, version: str, payload: str
    ) -> bool:
        """Record an event once (False: it was already recorded, as it was)."""
        e = webhook_events.c
        try:
            with self._begin() as conn:
                if conn.execute(select(e.id).where(e.id == event_id)).first() is not None:
                    return False
                conn.execute(
                    insert(webhook_events).values(
                        id=event_id,
                        type=kind,
                        policy=policy,
                        version=version,
                        payload=payload,
                        created=_utcnow(),
                    )
                )
        except IntegrityError:  # another sender recorded it at the same moment
            return False
        return True

    def add_webhook_deliveries(self, endpoint: str, kinds: Sequence[str], now: float) -> int:
        """A pending delivery to ``endpoint`` of every recorded event of ``kinds`` it lacks."""
        e, w = webhook_events.c, webhook_deliveries.c
        missing = select(
            e.id,
            literal(endpoint, Text),
            literal("pending", String),
            literal(0, Integer),
            literal(now, Float),
            literal(_utcnow(), DateTime),
        ).where(
            e.type.in_(list(kinds)),
            ~select(w.id).where(w.event_id == e.id, w.endpoint == endpoint).exists(),
        )
        columns = ["event_id", "endpoint", "status", "attempts", "next_attempt", "created"]
        try:
            with self._begin() as conn:
                result = conn.execute(insert(webhook_deliveries).from_select(columns, missing))
                return int(result.rowcount)
        except IntegrityError:
            # Another sender added the same rows at the same moment (PostgreSQL: both saw
            # none missing); theirs are committed now, so this finds only what is left.
            with self._begin() as conn:
                result = conn.execute(insert(webhook_deliveries).from_select(columns, missing))
                return int(result.rowcount)

    def orphan_webhook_deliveries(self, endpoints: dict[str, Sequence[str]]) -> int:
        """Stop the pending deliveries no endpoint of the settings (URL → event types) takes
        any more: removed, or no longer taking that type. They are not retried."""
        e, w = webhook_events.c, webhook_deliveries.c
        taken = [
            (w.endpoint == url) & w.event_id.in_(select(e.id).where(e.type.in_(list(kinds))))
            for url, kinds in endpoints.items()
        ]
        with self._begin() as conn:
            result = conn.execute(
                update(webhook_deliveries)
                .where(w.status == "pending", ~or_(*taken) if taken else literal(True))
                .values(status="orphaned", next_attempt=None, last_error=WEBHOOK_REMOVED)
            )
            return int(result.rowcount)

    def claim_webhook_delivery(
        self, now: float, lease: float, event_id: str | None = None
    ) -> WebhookDelivery | None:
        """Claim the oldest pending delivery (of ``event_id``) whose next attempt has come, for
        ``lease`` seconds (None: none is due), so that two senders never post it at once.

        Claimed as ``claim`` claims notices (a row another sender is claiming is skipped, not
        waited for; SQLite has one writer), with the lease kept in ``next_attempt``: it is not
        due to anyone else until the lease ends, and a sender that died holding it is retried
        then. ``record_webhook_attempt`` takes the lease's end as its token.
        """
        e, w = webhook_events.c, webhook_deliveries.c
        query = (
            select(w.id, e.id, e.type, w.endpoint, e.payload, w.attempts)
            .join(webhook_events, e.id == w.event_id)
            .where(w.status == "pending", w.next_attempt <= now)
            .order_by(e.created, w.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=webhook_deliveries)
        )
        if event_id is not None:
            query = query.where(e.id == event_id)
        until = now + lease
        with self._begin() as conn:
            found = conn.execute(query).first()
            if found is None:
                return None
            conn.execute(
                update(webhook_deliveries).where(w.id == found[0]).values(next_attempt=until)
            )
        return WebhookDelivery(*found, lease_until=until)

    def next_webhook_attempt(self, event_id: str | None = None) -> float | None:
        """When the earliest pending delivery (of ``event_id``) is due (None: none is)."""
        w = webhook_deliveries.c
        query = select(func.min(w.next_attempt)).where(w.status == "pending")
        if event_id is not None:
            query = query.where(w.event_id == event_id)
        with self._begin() as conn:
            found = conn.execute(query).scalar_one()
        return float(found) if found is not None else None

    def record_webhook_attempt(self, outcome: WebhookOutcome) -> None:
        """The attempt and the delivery's new state, in one transaction; the state only while
        the claim (``lease_until``) is still this sender's."""
        w = webhook_deliveries.c
        held = (
            literal(True) if outcome.lease_until is None else w.next_attempt == outcome.lease_until
        )
        at = _from_epoch(outcome.at)
        if outcome.delivered:
            values: dict[str, Any] = {"status": "delivered", "delivered_at": at, "last_error": None}
            values["next_attempt"] = None
        elif outcome.next_attempt is None:
            values = {"status": "failed", "next_attempt": None, "last_error": outcome.error}
        else:
            values = {"next_attempt": outcome.next_attempt, "last_error": outcome.error}
        with self._begin() as conn:
            conn.execute(
                insert(webhook_attempts).values(
                    delivery_id=outcome.delivery_id,
                    at=at,
                    http_status=outcome.http_status,
                    error=outcome.error,
                    seconds=outcome.seconds,
                )
            )
            conn.execute(
                update(webhook_deliveries)
                .where(w.id == outcome.delivery_id, w.status == "pending", held)
                .values(attempts=w.attempts + 1, last_attempt=at, **values)
            )

    def webhook_rows(self) -> list[dict[str, Any]]:
        """Every event with each delivery (an event without one: endpoint None), for status."""
        e, w = webhook_events.c, webhook_deliveries.c
        query = (
            select(
                e.id.label("event"),
                e.type,
                e.policy,
                e.version,
                e.created,
                w.endpoint,
                w.status,
                w.attempts,
                w.last_attempt,
                w.next_attempt,
                w.delivered_at,
                w.last_error,
            )
            .select_from(webhook_events.outerjoin(webhook_deliveries, w.event_id == e.id))
            .order_by(e.created, e.id, w.id)
        )
        with self._begin() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def redeliver_webhook(self, event_id: str, endpoints: Sequence[str], now: float) -> int | None:
        """Make the event's deliveries to ``endpoints`` pending again, due now (None: no such
        event). Returns how many deliveries are now pending."""
        e, w = webhook_events.c, webhook_deliveries.c
        with self._begin() as conn:
            if conn.execute(select(e.id).where(e.id == event_id)).first() is None:
                return None
            result = conn.execute(
                update(webhook_deliveries)
                .where(w.event_id == event_id, w.endpoint.in_(list(endpoints)))
                .values(status="pending", attempts=0, next_attempt=now, last_error=None)
            )
            return int(result.rowcount)

    # -- the delivery queue --------------------------------------------------------------------

    def queue_counts(self, announcement_id: int, now: float) -> QueueCounts:
        d = deliveries.c
        with self._begin() as conn:
            by_status: dict[str, int] = dict(
                conn.execute(
                    select(d.status, func.count())
                    .where(d.announcement_id == announcement_id)
                    .group_by(d.status)
                ).all()
            )
            ready = conn.execute(
                select(func.count()).where(
                    d.announcement_id == announcement_id,
                    d.status == "pending",
                    or_(d.claimed_until.is_(None), d.claimed_until <= now),
                )
            ).scalar_one()
            held = conn.execute(
                select(func.count()).where(
                    d.announcement_id == announcement_id,
                    d.status == "pending",
                    d.claimed_by.is_not(None),
                    d.claimed_until > now,
                )
            ).scalar_one()
        return QueueCounts(
            pending=int(by_status.get("pending", 0)),
            sent=int(by_status.get("sent", 0)),
            failed=int(by_status.get("failed", 0)),
            cancelled=int(by_status.get("cancelled", 0)),
            ready=int(ready),
            held=int(held),
        )

    def next_retry(self, announcement_id: int, now: float) -> float | None:
        """When the earliest scheduled retry (a pending row nobody holds) may start."""
        d = deliveries.c
        with self._begin() as conn:
            found = conn.execute(
                select(func.min(d.claimed_until)).where(
                    d.announcement_id == announcement_id,
                    d.status == "pending",
                    d.claimed_by.is_(None),
                    d.claimed_until > now,
                )
            ).scalar_one()
        return float(found) if found is not None else None

    def claim(
        self, announcement_id: int, worker: str, limit: int, lease: float, now: float
    ) -> tuple[list[Claim], int]:
        """Claim up to ``limit`` ready rows for ``worker`` until ``now + lease``.

        Never a row ``worker`` holds already, even past its lease (it is on its way). A row
        whose person is no longer active is cancelled instead. Returns the claims and how
        many rows were cancelled.
        """
        d, s = deliveries.c, subscribers.c
        query = (
            select(
                d.id,
                s.id,
                s.email,
                s.name,
                s.locale,
                s.timezone,
                d.message_id,
                d.attempts,
                s.status,
                s.undeliverable,
            )
            .select_from(deliveries.join(subscribers, s.id == d.subscriber_id))
            .where(
                d.announcement_id == announcement_id,
                d.status == "pending",
                or_(d.claimed_until.is_(None), d.claimed_until <= now),
                or_(d.claimed_by.is_(None), d.claimed_by != worker),
            )
            .order_by(d.id)
            .limit(limit)
            # PostgreSQL: rows another sender is claiming right now are skipped, not waited for.
            .with_for_update(skip_locked=True, of=deliveries)
        )
        cancelled = 0
        with self._begin() as conn:
            while True:
                found = conn.execute(query).all()
                claims = [Claim(*row[:-2]) for row in found if _deliverable(row)]
                gone = {
                    row[0]: (
                        INACTIVE if row[-2] != "active" else SKIPPED_UNDELIVERABLE + str(row[-1])
                    )
                    for row in found
                    if not _deliverable(row)
                }
                if gone:
                    cancelled += self._cancel(conn, announcement_id, gone)
                if claims or not gone:
                    break
            if claims:
                conn.execute(
                    update(deliveries)
                    .where(d.id.in_([c.delivery_id for c in claims]))
                    .values(claimed_by=worker, claimed_until=now + lease, claims=d.claims + 1)
                )
        return claims, cancelled

    @staticmethod
    def _cancel(conn: Connection, announcement_id: int, reasons: dict[int, str]) -> int:
        d = deliveries.c
        count = 0
        for reason in set(reasons.values()):  # one UPDATE per reason: an exact rowcount
            count += conn.execute(
                update(deliveries)
                .where(d.id.in_([k for k, r in reasons.items() if r == reason]))
                .where(d.status == "pending")
                .values(status="cancelled", last_error=reason, claimed_by=None, claimed_until=None)
            ).rowcount
        conn.execute(
            update(announcements)
            .where(announcements.c.id == announcement_id)
            .values(cancelled=announcements.c.cancelled + count)
        )
        return int(count)

    def renew_claims(self, announcement_id: int, worker: str, until: float) -> int:
        """Extend the lease of every pending row ``worker`` holds (a batch still on its way)."""
        d = deliveries.c
        with self._begin() as conn:
            return int(
                conn.execute(
                    update(deliveries)
                    .where(
                        d.announcement_id == announcement_id,
                        d.status == "pending",
                        d.claimed_by == worker,
                    )
                    .values(claimed_until=until)
                ).rowcount
            )

    def record(self, announcement_id: int, worker: str, outcomes: Iterable[Outcome]) -> None:
        """Write a batch of outcomes in one transaction and update the announcement's counts."""
        groups: dict[str, list[Outcome]] = {
            "sent": [],
            "retry": [],
            "failed": [],
            "released": [],
            "abandoned": [],
        }
        for outcome in outcomes:
            groups[outcome.status].append(outcome)
        d = deliveries.c
        pending = (d.id == bindparam("o_id")) & (d.status == "pending")
        mine = pending & (d.claimed_by == worker)
        final = groups["sent"] + groups["failed"]
        with self._begin() as conn:
            # Lock the rows we finish and learn which are still pending, so that the counts
            # stay right when another sender finished a row whose lease we had lost.
            still_pending: set[int] = set()
            ids = [o.delivery_id for o in final]
            for start in range(0, len(ids), 1000):
                still_pending.update(
                    conn.execute(
                        select(d.id)
                        .where(d.id.in_(ids[start : start + 1000]), d.status == "pending")
                        .with_for_update()
                    ).scalars()
                )
            sent = [o for o in groups["sent"] if o.delivery_id in still_pending]
            failed = [o for o in groups["failed"] if o.delivery_id in still_pending]
            tried = {
                "attempts": d.attempts + 1,
                "first_attempt": func.coalesce(d.first_attempt, bindparam("o_when")),
                "last_attempt": bindparam("o_when"),
                "reply": bindparam("o_reply"),
                "locale": func.coalesce(bindparam("o_locale"), d.locale),
            }
            if sent:
                conn.execute(
                    update(deliveries)
                    .where(pending)
                    .values(
                        status="sent",
                        sent_at=bindparam("o_at"),
                        claimed_by=None,
                        claimed_until=None,
                        last_error=None,
                        **tried,
                    ),
                    [{**_attempt(o), "o_at": _from_epoch(o.at)} for o in sent],
                )
            if failed:
                conn.execute(
                    update(deliveries)
                    .where(pending)
                    .values(
                        status="failed",
                        last_error=bindparam("o_reason"),
                        claimed_by=None,
                        claimed_until=None,
                        **tried,
                    ),
                    [{**_attempt(o), "o_reason": o.reason} for o in failed],
                )
            if groups["retry"]:
                conn.execute(
                    update(deliveries)
                    .where(mine)
                    .values(
                        last_error=bindparam("o_reason"),
                        claimed_by=None,
                        claimed_until=bindparam("o_at"),
                        **tried,
                    ),
                    [{**_attempt(o), "o_reason": o.reason, "o_at": o.at} for o in groups["retry"]],
                )
            if groups["released"]:  # known not to have been sent: the claim does not count
                conn.execute(
                    update(deliveries)
                    .where(mine)
                    .values(claimed_by=None, claimed_until=None, claims=d.claims - 1),
                    [{"o_id": o.delivery_id} for o in groups["released"]],
                )
            if groups["abandoned"]:
                conn.execute(
                    update(deliveries).where(mine).values(claimed_by=None, claimed_until=None),
                    [{"o_id": o.delivery_id} for o in groups["abandoned"]],
                )
            if sent or failed:
                conn.execute(
                    update(announcements)
                    .where(announcements.c.id == announcement_id)
                    .values(
                        sent=announcements.c.sent + len(sent),
                        failed=announcements.c.failed + len(failed),
                    )
                )

    def claim_owners(self, prefix: str) -> list[str]:
        """Senders (``claimed_by`` values starting with ``prefix``) holding pending rows."""
        d = deliveries.c
        with self._begin() as conn:
            found = conn.execute(
                select(d.claimed_by)
                .where(d.status == "pending", d.claimed_by.like(prefix + "%"))
                .distinct()
            ).scalars()
            return [owner for owner in found if owner]

    def release_claims(self, owner: str) -> int:
        """Free every pending row a sender holds (it is known to be gone)."""
        d = deliveries.c
        with self._begin() as conn:
            result = conn.execute(
                update(deliveries)
                .where(d.status == "pending", d.claimed_by == owner)
                .values(claimed_by=None, claimed_until=None)
            )
            return int(result.rowcount)


def _insert_new(conn: Connection, staging: Table, now: dt.datetime, new: Any | None = None) -> None:
    """Insert the staged people not stored yet (``new``: which rows those are, when known);
    a field not given gets its default."""
    staged = staging.c
    defaults = {"name": "", "locale": "", "timezone": "", "status": "active"}
    if new is None:
        new = ~select(subscribers.c.id).where(subscribers.c.email == staged.email).exists()
    fresh = select(
        staged.email,
        *(func.coalesce(staged[f], literal(defaults[f])) for f in OPTIONAL_FIELDS),
        literal(now, DateTime),
        literal(now, DateTime),
    ).where(new)
    conn.execute(
        insert(subscribers).from_select(["email", *OPTIONAL_FIELDS, "created", "updated"], fresh)
    )


def _stage_batch(conn: Connection, driver: Any, batch: list[tuple[Any, ...]]) -> None:
    """Stage rows on the driver's connection (in the sync's transaction): one executemany on
    SQLite, one COPY per batch on PostgreSQL. Not SQLAlchemy's executemany: its per-row
    parameter handling was a quarter of a nightly sync. Never one COPY for the whole stream:
    the rows' lookups (``_people_as_stored``) run on this connection while the source
    streams, and libpq cannot query inside a COPY.
    """
    if not batch:
        return
    names = ", ".join(SYNC_COLUMNS)
    if isinstance(driver, sqlite3.Connection):
        marks = ", ".join("?" * len(SYNC_COLUMNS))
        driver.executemany(f"INSERT INTO policysite_sync ({names}) VALUES ({marks})", batch)
        return
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY policysite_sync ({names}) FROM STDIN") as copy,
    ):
        for row in batch:
            copy.write_row(row)


def _stage_given(conn: Connection, source: SyncSource, batch: int) -> None:
    """PostgreSQL: stage the source as given (one COPY as it streams), keep each row equal to
    its stored person as it is (one join), then validate the others, read back ``batch`` at a
    time, and stage them in their place."""
    driver = conn.connection.driver_connection
    assert driver is not None
    subscriber_sync_given.create(conn)
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY policysite_sync_given ({', '.join(GIVEN_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in source.as_given():
            copy.write_row(row)
    # The planner's row counts for the join (a temporary table is never analysed on its own).
    conn.execute(text("ANALYZE policysite_sync_given"))
    g = subscriber_sync_given.c
    s = subscribers.c
    # A field not given (NULL) keeps the stored value, as ``subscribers._as_stored`` reads it.
    equal = and_(
        g.checked == 0,
        s.email == g.email,
        *(or_(g[f].is_(None), g[f] == s[f]) for f in OPTIONAL_FIELDS),
    )
    same = case((g.checked == 1, 0), (s.id.is_(None), -1), else_=1)
    rows = select(*(g[c] for c in SYNC_COLUMNS[:6]), s.id, same).select_from(
        subscriber_sync_given.outerjoin(subscribers, equal)
    )
    conn.execute(insert(subscriber_sync).from_select(list(SYNC_COLUMNS), rows))
    # The rows that differ (new people, changes, other spellings): validated like any import.
    fields = ("email", *OPTIONAL_FIELDS)
    with driver.cursor(name="policysite_sync_check") as differing:
        differing.itersize = batch
        differing.execute(
            f"SELECT line, {', '.join(fields)} FROM policysite_sync WHERE same = -1 ORDER BY line"
        )
        read = ((row[0], dict(zip(fields, row[1:], strict=True))) for row in differing)
        checked: list[tuple[Any, ...]] = []
        for line, r in source.check(read):
            checked.append((r.email, r.name, r.locale, r.timezone, r.status, line, None, 0))
            if len(checked) >= batch:
                _stage_batch(conn, driver, checked)
                checked = []
        _stage_batch(conn, driver, checked)
    conn.execute(delete(subscriber_sync).where(subscriber_sync.c.same == -1))


def _people_as_stored(conn: Connection, emails: Sequence[str]) -> dict[str, StoredPerson]:
    """The stored people with these (normalised) addresses, as a sync compares rows."""
    if not emails:
        return {}
    driver = conn.connection.driver_connection
    columns = "email, id, name, locale, timezone, status"
    if isinstance(driver, sqlite3.Connection):
        marks = ", ".join("?" * len(emails))
        found = driver.execute(
            f"SELECT {columns} FROM subscribers WHERE email IN ({marks})", list(emails)
        ).fetchall()
    else:
        assert driver is not None
        with driver.cursor() as cursor:
            found = cursor.execute(
                f"SELECT {columns} FROM subscribers WHERE email = ANY(%s)", [list(emails)]
            ).fetchall()
    return {str(row[0]): StoredPerson(*row[1:]) for row in found}


def _refuse_duplicates(conn: Connection) -> None:
    """Raise DuplicateAddresses naming the first two lines of each repeated address: rows of
    one stored person (``sid``), or new rows of one address."""
    staged = subscriber_sync.c
    groups = []
    for key, which in ((staged.sid, staged.sid.is_not(None)), (staged.email, staged.sid.is_(None))):
        repeated = conn.execute(
            select(key, func.min(staged.line)).where(which).group_by(key).having(func.count() > 1)
        ).all()
        groups += [(int(first), key, value, which) for value, first in repeated]
    if not groups:
        return
    pairs: list[tuple[int, int]] = []
    for first, key, value, which in sorted(groups, key=lambda group: group[0])[:20]:
        second = conn.execute(
            select(func.min(staged.line)).where(which, key == value, staged.line > first)
        ).scalar_one()
        pairs.append((first, int(second)))
    raise DuplicateAddresses(pairs, len(groups))


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(query).scalar_one())


_KEPT = re.compile(r"(\d+) dead row versions cannot be removed yet")


def _vacuum_full(conn: Connection, table: str) -> int:
    """``VACUUM (FULL, ANALYZE)`` of ``table``; how many dead row versions it had to keep
    (read from its VERBOSE report), which some transaction's snapshot may still see."""
    driver = conn.connection.driver_connection
    assert driver is not None
    details: list[str] = []

    def note(diagnostic: Any) -> None:
        details.append(f"{diagnostic.message_primary or ''} {diagnostic.message_detail or ''}")

    driver.add_notice_handler(note)
    try:
        conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE, VERBOSE) {table}")
    finally:
        driver.remove_notice_handler(note)
    return sum(int(found) for text in details for found in _KEPT.findall(text))


def _snapshot_holders(conn: Connection) -> list[int]:
    """Every other session in a transaction with a snapshot (any database): whoever may keep
    VACUUM from removing a row."""
    return list(
        conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND backend_xmin IS NOT NULL ORDER BY pid"
        ).scalars()
    )


def _await_older_snapshots(conn: Connection) -> list[int]:
    """Wait (at most ``ERASE_SNAPSHOT_WAIT``) until no other session of this database holds a
    snapshot taken before now, which VACUUM FULL would have to honour by keeping the rows it
    can see; returns the process ids still holding one."""
    started = conn.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
    deadline = time.monotonic() + ERASE_SNAPSHOT_WAIT
    while True:
        holders = list(
            conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL "
                "AND xact_start < %(started)s ORDER BY pid",
                {"started": started},
            ).scalars()
        )
        if not holders or time.monotonic() >= deadline:
            return holders
        time.sleep(0.1)


def _erase_ids(conn: Connection, ids: Sequence[int]) -> int:
    """Erase these people in the open transaction; returns how many delivery rows went.

    Their pending notices count as cancelled, and every row of theirs stays in the ledger as an
    anonymous one (status and times, nothing of the person). Shared by erase and sync.
    """
    d = deliveries.c
    mine = d.subscriber_id.in_(ids)
    pending = conn.execute(
        select(d.announcement_id, func.count())
        .where(mine, d.status == "pending")
        .group_by(d.announcement_id)
    ).all()
    for announcement_id, count in pending:
        conn.execute(
            update(announcements)
            .where(announcements.c.id == announcement_id)
            .values(cancelled=announcements.c.cancelled + count)
        )
    conn.execute(update(deliveries).where(mine, d.status == "pending").values(status="cancelled"))
    counts = conn.execute(
        select(d.announcement_id, func.count()).where(mine).group_by(d.announcement_id)
    ).all()
    for announcement_id, count in counts:
        conn.execute(
            update(announcements)
            .where(announcements.c.id == announcement_id)
            .values(erased=announcements.c.erased + count)
        )
    _keep_anonymous(conn, mine, "erased")
    gone = conn.execute(delete(deliveries).where(mine))
    conn.execute(delete(subscribers).where(subscribers.c.id.in_(ids)))
    return int(gone.rowcount)


def _keep_anonymous(conn: Connection, which: Any, why: str) -> None:
    """Copy the delivery rows ``which`` selects into the ledger's anonymous rows."""
    d = deliveries.c
    kept = ("announcement_id", "status", "attempts", "claims", "first_attempt", "last_attempt")
    rows = select(*(d[name] for name in kept), d.sent_at, literal(why, String)).where(which)
    conn.execute(
        insert(anonymous_deliveries).from_select([*kept, "sent_at", "why"], rows.order_by(d.id))
    )


def _deliverable(row: Any) -> bool:
    """A claimed row's person (status, undeliverable mark last) may still be sent the notice."""
    return bool(row[-2] == "active" and row[-1] is None)


def _attempt(outcome: Outcome) -> dict[str, Any]:
    """The bound values every finished attempt writes (``record``)."""
    return {
        "o_id": outcome.delivery_id,
        "o_when": _from_epoch(outcome.attempted or outcome.at),
        "o_reply": outcome.reply,
        "o_locale": outcome.locale,
    }


def _add_column(conn: Connection, column: Column[Any]) -> None:
    """``ALTER TABLE … ADD COLUMN`` for a column of the current schema (an upgrade)."""
    kind = column.type.compile(conn.dialect)
    default = f" NOT NULL DEFAULT {column.server_default.arg}" if column.server_default else ""  # type: ignore[attr-defined]
    conn.execute(text(f"ALTER TABLE {column.table.name} ADD COLUMN {column.name} {kind}{default}"))


def _from_epoch(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (below): pysqlite's implicit transactions are off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages (erase, purge).
    cursor.execute("PRAGMA secure_delete=ON")
    # 32 MiB of page cache each (default 2 MiB) for the store and a sync's staging table: a sync of
    # 1,000,000 people looks each one up in an address index of about 50 MiB.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA temp.cache_size=-32768")
    cursor.close()


def _use_wal(cursor: sqlite3.Cursor, budget: float = SQLITE_BUSY_WAIT) -> None:
    """Switch the file to WAL (once: the mode is kept in the file), waiting for other processes.

    SQLite does not run the busy handler for this switch: two senders opening a new store at
    once, or one opening it while another writes in the old mode, got "database is locked" at
    once. So we retry, with a growing pause, for as long as any other statement would wait.
    """
    deadline = time.monotonic() + budget
    pause = 0.005
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            mode = None
        if mode == "wal":
            return
        if time.monotonic() + pause > deadline:
            raise sqlite3.OperationalError(
                f"database is locked (still not in WAL mode after {budget:g} s)"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), in a 0700 folder we create.

    SQLite gives its -wal and -shm files the mode of the database file.
    """
    if not path.parent.exists():
        with suppress(FileExistsError):
            path.parent.mkdir(parents=True, mode=0o700)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR))


def _sqlite_on_begin(conn: Connection) -> None:
    # One writer at a time: take the write lock when the transaction starts, not halfway.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
