"""Benchmark: notices from the store to a loopback SMTP sink, ours beside a naive sender.

Ours: ``policysite.notify.send.deliver`` — claims from an SQLite store, fills the MIME template
built once per (announcement, locale), sends over 4 reused smtplib connections, records in
batches. Naive: per message a Jinja2 render, css-inline, an ``EmailMessage`` and
``smtplib.send_message`` over one reused connection. A "wire" run sends ready-made bytes of the
same size with our transport: the ceiling the sink allows. The sink is aiosmtpd (uvloop when
installed) in another process; each sender runs in a fresh process so its peak RSS is its own.

Import: ``subscribers import`` of a CSV file (read and validate, then ``upsert_subscribers``),
the first time and again, into SQLite and PostgreSQL side by side. Beside it, on PostgreSQL,
the upsert policysite used before issue 10 (per 500 rows a SELECT of the known addresses, then
an executemany INSERT, all in one transaction) and ours on the same ``--import-naive`` rows.
That one grows with the square of the count (measured: 20,000 rows 0.7 s, 50,000 rows 11 s,
200,000 rows 387 s; issue 10 saw 7 min 54 s), so its default size is 50,000; pass
``--import-naive 200000`` to see the full figure. PostgreSQL is ``--pg`` (throwaway databases
are made there).

Sync: ``subscribers sync --from-database`` of a ``users`` table of ``--sync-count`` people
(1,000,000) in PostgreSQL into an empty store, then again after 1 % of them changed (0.8 %
renamed, 0.1 % deleted, 0.1 % new): both times and each run's peak RSS, each sync in a fresh
process. Goals: flat memory (≤ 200 MB) and the second sync ≤ 0.3× the first. The store is
SQLite (the default) and, beside it, PostgreSQL (``--sync-store``); ``--pg-batch N`` (repeatable)
measures the PostgreSQL store once per sync batch size, side by side in one run.

    python bench/notify.py [--count 100000] [--small 10000] [--naive 3000] [--wire 20000]
                           [--import-count 200000] [--import-naive 10000]
                           [--sync-count 1000000] [--sync-store sqlite|postgresql|both]
                           [--pg-batch 1000 --pg-batch 10000]
                           [--only send|import|sync]
    python bench/notify.py --smoke     (a few hundred messages per sender; same code paths)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import multiprocessing as mp
import os
import resource
import secrets
import socket
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
TODAY = dt.date(2026, 11, 29)
ZONES = ["Europe/Oslo", "America/New_York", "Asia/Tokyo", "Europe/London", ""]


def sink_main(port: int, counter: Any, ready: Any) -> None:
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            counter.value += 1
            return "250 OK"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Handler(), hostname="sink"), "127.0.0.1", port
        )
        ready.set()
        await server.serve_forever()

    try:
        import uvloop

        uvloop.run(serve())
    except ImportError:
        asyncio.run(serve())


def fill_store(path: Path, count: int) -> None:
    from sqlalchemy.engine import URL

    from policysite.notify.store import Store, SubscriberRecord

    store = Store.open(URL.create("sqlite", database=str(path)))
    assert store is not None
    for start in range(0, count, 10_000):
        store.upsert_subscribers(
            [
                SubscriberRecord(
                    f"user{n}@example.{('com', 'org', 'net')[n % 3]}",
                    f"Bruker Nummer {n}",
                    "nb" if n % 2 else "en",
                    ZONES[n % len(ZONES)],
                )
                for n in range(start, min(count, start + 10_000))
            ]
        )
    store.close()


def notice_and_settings() -> tuple[Any, Any]:
    from policysite.config import load_settings
    from policysite.notify.announce import build_notice
    from policysite.versions import load_policies

    settings = load_settings(ROOT)
    policy = next(p for p in load_policies(settings, as_of=TODAY) if p.id == "privacy")
    version = policy.get("1.0")
    assert version is not None
    return build_notice(settings, policy, version), settings


def ours_main(db: str, port: int, out: Any) -> None:
    from sqlalchemy.engine import URL

    from policysite.notify.compose import TEMPLATE_DIR, Composer
    from policysite.notify.send import SendOptions, deliver
    from policysite.notify.store import Store
    from policysite.notify.transport import SmtpTransport, parse_smtp_url

    notice, settings = notice_and_settings()
    store = Store.open(URL.create("sqlite", database=db))
    assert store is not None
    announcement, _ = store.create_announcement("privacy", "1.0", notice.effective, "videxio.com")
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}?tls=none"), concurrency=4)
    transport.open()
    composer = Composer(ROOT / TEMPLATE_DIR, settings.locales)
    started = time.perf_counter()
    report = deliver(store, transport, composer, announcement, notice, SendOptions(), today=TODAY)
    elapsed = time.perf_counter() - started
    transport.close()
    store.close()
    out.put((report.sent, elapsed, *usage()))


def wire_main(count: int, port: int, out: Any) -> None:
    from policysite.notify.compose import TEMPLATE_DIR, Composer, Recipient
    from policysite.notify.transport import Outgoing, SmtpTransport, parse_smtp_url

    notice, settings = notice_and_settings()
    template = Composer(ROOT / TEMPLATE_DIR, settings.locales).build(notice, "nb", today=TODAY)
    data = template.render(Recipient("user1@example.org", "Bruker", "nb", "Europe/Oslo"), "x")
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{port}?tls=none"), concurrency=4)
    transport.open()
    started = time.perf_counter()
    for start in range(0, count, 500):
        transport.send(
            [
                Outgoing(n, "privacy@videxio.com", f"user{n}@example.com", data, "")
                for n in range(start, min(count, start + 500))
            ]
        )
    elapsed = time.perf_counter() - started
    transport.close()
    out.put((count, elapsed, *usage()))


def naive_main(db: str, count: int, port: int, out: Any) -> None:
    import smtplib
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime
    from types import SimpleNamespace

    import css_inline
    import jinja2
    import markdown
    from babel import Locale
    from babel.dates import format_date
    from markupsafe import Markup

    from policysite.notify.compose import TEMPLATE_DIR, _wording, _wrap_text

    notice, _ = notice_and_settings()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT / TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    people = sqlite3.connect(db).execute(
        "SELECT id, email, name, locale FROM subscribers ORDER BY id LIMIT ?", (count,)
    )
    smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="bench")
    started = time.perf_counter()
    sent = 0
    for number, address, name, locale in people:
        locale = "nb" if locale == "nb" else "en"
        recipient = SimpleNamespace(
            greeting=f"Dear {name},",
            email=address,
            # the effective day in the reader's language, as MailTemplate.effective_day writes it
            effective=format_date(notice.effective, "full", locale=Locale.parse(locale)),
        )
        context = {
            "notice": notice,
            "upcoming": False,
            "lang": locale,
            "recipient": recipient,
            "summary_text": _wrap_text(notice.summary),
            "summary_html": Markup(markdown.markdown(notice.summary)),
            "title": notice.policy_title,
            "summary_language": "",
            "retired_day": "",
            "section_titles": {},
        }
        context["t"] = env.get_template(f"{locale}/strings.j2").make_module(context)
        context.update(_wording(notice, locale, notice.policy_title, context["t"]))
        text = env.get_template(f"{locale}/notice.txt").render(context)
        page = css_inline.inline(env.get_template(f"{locale}/notice.html").render(context))
        message = EmailMessage()
        message["From"] = Address(notice.sender_name, addr_spec=notice.sender_email)
        message["To"] = Address(name, addr_spec=address)
        message["Subject"] = str(context["t"].subject)
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = f"<naive.{number}@videxio.com>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(page, subtype="html")
        smtp.send_message(message)
        sent += 1
    elapsed = time.perf_counter() - started
    smtp.quit()
    out.put((sent, elapsed, *usage()))


def usage() -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of this process so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime, own.ru_maxrss / 1024


def run_child(target: Any, *args: Any) -> tuple[int, float, float, float]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_people(path: Path, count: int) -> None:
    """The CSV file ``subscribers import`` reads: email, name, locale, timezone."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "locale", "timezone"])
        for n in range(count):
            writer.writerow(
                [
                    f"user{n}@example.{('com', 'org', 'net')[n % 3]}",
                    f"Bruker Nummer {n}",
                    "nb" if n % 2 else "en",
                    ZONES[n % len(ZONES)],
                ]
            )


def import_file(url: Any, path: Path) -> tuple[float, float]:
    """What ``subscribers import`` does: (seconds reading and validating, seconds storing)."""
    from policysite.notify.store import Store
    from policysite.notify.subscribers import read_subscribers

    started = time.perf_counter()
    result = read_subscribers(path)
    read = time.perf_counter() - started
    assert not result.problems, result.problems[:3]
    store = Store.open(url)
    assert store is not None
    started = time.perf_counter()
    store.upsert_subscribers(result.records)
    stored = time.perf_counter() - started
    store.close()
    return read, stored


def row_by_row_import(url: Any, path: Path, count: int) -> float:
    """The upsert before issue 10: per 500 people, SELECT the known addresses, then INSERT the
    new ones by executemany (on PostgreSQL, a round trip per row). Seconds for ``count``."""
    from sqlalchemy import insert, select

    from policysite.notify.store import Store, subscribers
    from policysite.notify.subscribers import read_subscribers

    records = read_subscribers(path).records[:count]
    store = Store.open(url)
    assert store is not None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for start in range(0, len(records), 500):
            chunk = {r.email: r for r in records[start : start + 500]}
            known = set(
                conn.execute(
                    select(subscribers.c.email).where(subscribers.c.email.in_(list(chunk)))
                ).scalars()
            )
            fresh = [
                {
                    "email": r.email,
                    "name": r.name or "",
                    "locale": r.locale or "",
                    "timezone": r.timezone or "",
                    "status": r.status or "active",
                    "created": now,
                    "updated": now,
                }
                for e, r in chunk.items()
                if e not in known
            ]
            if fresh:
                conn.execute(insert(subscribers), fresh)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def import_benchmark(args: argparse.Namespace) -> int:
    import psycopg
    from sqlalchemy.engine import URL, make_url

    count, naive = args.import_count, args.import_naive
    admin = args.pg
    names = [f"policysite_bench_{secrets.token_hex(4)}_{n}" for n in range(3)]
    try:
        server = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"import: no PostgreSQL at {admin} ({str(exc).strip()[:80]}); pass --pg URL")
        return 1 if os.environ.get("CI") else 0  # CI runs PostgreSQL: never pass by skipping
    figures: dict[str, tuple[float, float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        people, fewer = Path(folder) / "people.csv", Path(folder) / "fewer.csv"
        write_people(people, count)
        write_people(fewer, naive)
        print(f"importing {count:,} subscribers into SQLite and PostgreSQL …", flush=True)
        try:
            for database in names:
                server.execute(f'CREATE DATABASE "{database}"')
            base = make_url(admin).set(drivername="postgresql+psycopg")
            stores = {
                "SQLite": URL.create("sqlite", database=str(Path(folder) / "import.db")),
                "PostgreSQL": base.set(database=names[0]),
            }
            for label, url in stores.items():
                read, first = import_file(url, people)
                read_again, again = import_file(url, people)
                figures[label] = (read, first, read_again, again)
            print(f"the same on {naive:,} rows, row by row as before …", flush=True)
            before = row_by_row_import(base.set(database=names[1]), fewer, naive)
            after = import_file(base.set(database=names[2]), fewer)[1]
        finally:
            for database in names:
                server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            server.close()

    print()
    print(f"{f'import of {count:,} subscribers (seconds)':<40}{'read+check':>12}{'store':>8}")
    for label, (read, first, read_again, again) in figures.items():
        print(f"{label + ', first import':<40}{read:>12.1f}{first:>8.1f}")
        print(f"{label + ', again (all updated)':<40}{read_again:>12.1f}{again:>8.1f}")
    print()
    sqlite_first, pg_first = sum(figures["SQLite"][:2]), sum(figures["PostgreSQL"][:2])
    print(
        f"first import, whole: PostgreSQL {pg_first:.1f} s, SQLite {sqlite_first:.1f} s "
        f"({pg_first / sqlite_first:.2f}×)"
    )
    print(
        f"PostgreSQL store, {naive:,} rows: row by row {before:.1f} s, ours {after:.2f} s: "
        f"{before / after:.1f}× (row by row grows with the square of the count)"
    )
    if args.smoke:
        print("(smoke run: a few thousand people; the figures mean little at this size)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="second size, for RSS growth")
    parser.add_argument("--naive", type=int, default=3_000)
    parser.add_argument("--wire", type=int, default=20_000)
    parser.add_argument("--import-count", type=int, default=200_000)
    parser.add_argument(
        "--import-naive", type=int, default=50_000, help="rows for the row-by-row import"
    )
    parser.add_argument("--sync-count", type=int, default=1_000_000)
    parser.add_argument("--sync-store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--pg-batch",
        type=int,
        action="append",
        help="measure the PostgreSQL store with this sync batch (repeat to compare sizes)",
    )
    parser.add_argument("--only", choices=["send", "import", "sync"])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.count, args.small, args.naive, args.wire = 600, 200, 100, 600
        args.import_count, args.import_naive = 2_000, 1_000
        args.sync_count = 2_000
    failed = 0
    if args.only in (None, "send"):
        failed |= send_benchmark(args)
    if args.only in (None, "import"):
        print()
        failed |= import_benchmark(args)
    if args.only in (None, "sync"):
        print()
        failed |= sync_benchmark(args)
    return failed


SYNC_QUERY = "SELECT email, name, locale, timezone FROM users WHERE deleted_at IS NULL"


def sync_main(store_url: str, source_url: str, root: str, batch: int | None, out: Any) -> None:
    """One ``subscribers sync --from-database`` as the CLI runs it, in a process of its own
    (``batch``: rows a PostgreSQL store looks up and stages at a time, when not the default)."""
    from policysite.config import Settings
    from policysite.notify import store
    from policysite.notify.sync import SyncRequest, sync_subscribers

    if batch is not None:
        store.POSTGRESQL_SYNC_BATCH = batch

    os.environ["POLICYSITE_DATABASE_URL"] = store_url
    started = time.perf_counter()
    line = sync_subscribers(
        Settings(root=Path(root)), SyncRequest(database=source_url, query=SYNC_QUERY)
    )
    elapsed = time.perf_counter() - started
    out.put((line, elapsed, *usage()))


def fill_users(connection: Any, count: int) -> None:
    """The application's ``users`` table: ``count`` people, made by the server itself."""
    connection.execute(
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, "
        "locale text, timezone text, deleted_at timestamp)"
    )
    connection.execute(
        "INSERT INTO users SELECT n, 'user' || n || '@example.' || (ARRAY['com','org','net'])"
        "[n %% 3 + 1], 'Bruker Nummer ' || n, CASE WHEN n %% 2 = 1 THEN 'nb' ELSE 'en' END, "
        "(ARRAY['Europe/Oslo','America/New_York','Asia/Tokyo','Europe/London',''])[n %% 5 + 1], "
        "NULL FROM generate_series(0, %s::bigint) AS n",
        (count - 1,),
    )


def change_users(connection: Any, count: int) -> None:
    """1 % of the people change: 0.8 % renamed, 0.1 % deleted, 0.1 % new."""
    step = 100  # every 100th person is touched
    connection.execute(
        "UPDATE users SET name = name || ' (renamed)' WHERE id %% %s = 0 AND id %% %s <> 0",
        (step, step * 5),
    )
    connection.execute("UPDATE users SET deleted_at = now() WHERE id %% %s = 0", (step * 10,))
    connection.execute(
        "INSERT INTO users SELECT n, 'new' || n || '@example.com', 'Ny Bruker', 'nb', "
        "'Europe/Oslo', NULL FROM generate_series(%s::bigint, %s::bigint) AS n",
        (count, count + count // 1000 - 1),
    )


def sync_benchmark(args: argparse.Namespace) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    count = args.sync_count
    try:
        server = psycopg.connect(args.pg, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"sync: no PostgreSQL at {args.pg} ({str(exc).strip()[:80]}); pass --pg URL")
        return 1 if os.environ.get("CI") else 0  # CI runs PostgreSQL: never pass by skipping
    base = make_url(args.pg).set(drivername="postgresql+psycopg")
    kinds = ["sqlite", "postgresql"] if args.sync_store == "both" else [args.sync_store]
    # (label, kind, batch): with --pg-batch, the PostgreSQL store once per size, side by side.
    stores: list[tuple[str, str, int | None]] = []
    for kind in kinds:
        if kind == "postgresql" and args.pg_batch:
            stores += [(f"postgresql ({n:,} a batch)", kind, n) for n in args.pg_batch]
        else:
            stores.append((kind, kind, None))
    names = [f"policysite_bench_{secrets.token_hex(4)}_{n}" for n in range(len(stores) + 1)]
    figures: dict[str, list[tuple[str, float, float, float]]] = {}
    try:
        for database in names:
            server.execute(f'CREATE DATABASE "{database}"')
        source = base.set(database=names[0])
        print(f"sync: {count:,} users in PostgreSQL …", flush=True)
        with psycopg.connect(
            source.set(drivername="postgresql").render_as_string(False), autocommit=True
        ) as app:
            fill_users(app, count)
            with tempfile.TemporaryDirectory() as folder:
                store_urls = {
                    label: f"sqlite:///{Path(folder) / 'notify.db'}"
                    if kind == "sqlite"
                    else base.set(database=names[1 + n]).render_as_string(False)
                    for n, (label, kind, _batch) in enumerate(stores)
                }
                source_url = source.render_as_string(hide_password=False)
                for label, _kind, batch in stores:
                    print(f"  first sync into an empty {label} store …", flush=True)
                    figures[label] = [
                        run_child(sync_main, store_urls[label], source_url, folder, batch)  # type: ignore[list-item]
                    ]
                change_users(app, count)
                for label, _kind, batch in stores:
                    print(f"  second sync into {label}, 1 % changed …", flush=True)
                    figures[label].append(
                        run_child(sync_main, store_urls[label], source_url, folder, batch)  # type: ignore[arg-type]
                    )
    finally:
        for database in names:
            server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        server.close()
    print()
    print(f"{f'sync of {count:,} users from PostgreSQL':<52}{'seconds':>9}{'peak RSS':>10}")
    failed = 0
    for store, (first, second) in figures.items():
        for label, (line, seconds, _cpu, rss) in (
            ("first, empty store", first),
            ("second, 1 % changed", second),
        ):
            print(f"{f'{store} store, {label}':<52}{seconds:>9.1f}{rss:>7.0f} MB   {line}")
    for store, (first, second) in figures.items():
        ratio = second[1] / first[1]
        peak = max(first[3], second[3])
        verdict = "meets" if ratio <= 0.3 and peak <= 200 else "MISSES"
        print(
            f"{store} store: second ÷ first {ratio:.2f}× (goal ≤ 0.30×), peak RSS {peak:.0f} MB "
            f"(goal ≤ 200 MB): {verdict} the goal"
        )
        expected = f"Synced: {count} added"
        if not first[0].startswith(expected):
            print(f"FAILED: the first sync into {store} said {first[0]!r}", file=sys.stderr)
            failed = 1
    if args.smoke:
        print("(smoke run: a few thousand people; the figures mean little at this size)")
    return failed


def send_benchmark(args: argparse.Namespace) -> int:
    context = mp.get_context("spawn")
    counter = context.Value("q", 0)
    ready = context.Event()
    port = free_port()
    sink = context.Process(target=sink_main, args=(port, counter, ready), daemon=True)
    sink.start()
    ready.wait(30)
    try:
        with tempfile.TemporaryDirectory() as folder:
            small, big = Path(folder) / "small.db", Path(folder) / "big.db"
            print(f"filling stores: {args.small:,} and {args.count:,} subscribers …", flush=True)
            fill_store(small, args.small)
            fill_store(big, args.count)
            naive = run_child(naive_main, str(small), args.naive, port)
            ours_small = run_child(ours_main, str(small), port)
            ours = run_child(ours_main, str(big), port)
            probe = sqlite3.connect(big)
            sizes = probe.execute("SELECT count(*) FROM deliveries WHERE status='sent'").fetchone()
            probe.close()
            wire = run_child(wire_main, args.wire, port)
    finally:
        sink.terminate()

    def rate(result: tuple[int, float, float, float]) -> float:
        return result[0] / result[1]

    print()
    header = (
        f"{'sender':<34}{'messages':>10}{'seconds':>9}{'msgs/s':>8}{'CPU/msg':>10}{'peak RSS':>10}"
    )
    print(header)
    for label, result in (
        ("naive (render+inline+EmailMessage)", naive),
        (f"ours, {args.small:,} recipients", ours_small),
        (f"ours, {args.count:,} recipients", ours),
        ("wire only (ready bytes, 4 conns)", wire),
    ):
        count, seconds, cpu, rss = result
        print(
            f"{label:<34}{count:>10,}{seconds:>9.1f}{rate(result):>8.0f}"
            f"{cpu / count * 1000:>7.2f} ms{rss:>7.0f} MB"
        )
    print()
    print(f"recorded as sent in the store: {sizes[0]:,} of {args.count:,}")
    print(f"sink received in all: {counter.value:,}")
    print(f"ours vs naive: {rate(ours) / rate(naive):.1f}× faster")
    print(f"ours vs the wire ceiling: {rate(ours) / rate(wire):.0%}")
    print(
        f"sender CPU per message: ours {ours[2] / ours[0] * 1000:.2f} ms, naive "
        f"{naive[2] / naive[0] * 1000:.2f} ms ({naive[2] / naive[0] / (ours[2] / ours[0]):.1f}×; "
        "setup included)"
    )
    print(f"peak RSS {ours_small[3]:.0f} MB at {args.small:,} → {ours[3]:.0f} MB at {args.count:,}")
    projected = 1_000_000 / rate(ours)
    print(f"projected time for 1,000,000 recipients: {projected / 60:.1f} min ({projected:.0f} s)")
    if args.smoke:
        print("(smoke run: a few hundred messages; the figures mean little at this size)")
    # A sender that lost or doubled a message makes its figures worthless: fail loudly.
    sent = naive[0] + ours_small[0] + ours[0] + wire[0]
    if ours[0] != args.count or sizes[0] != args.count or counter.value != sent:
        print(f"FAILED: {args.count:,} to send; the senders sent {sent:,}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
