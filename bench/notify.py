"""Benchmark: notices from the store to a loopback SMTP sink, ours beside a naive sender.

Ours: ``policysite.notify.send.deliver`` — claims from an SQLite store, fills the MIME template
built once per (announcement, locale), sends over 4 reused smtplib connections, records in
batches. Naive: per message a Jinja2 render, css-inline, an ``EmailMessage`` and
``smtplib.send_message`` over one reused connection. A "wire" run sends ready-made bytes of the
same size with our transport: the ceiling the sink allows. The sink is aiosmtpd (uvloop when
installed) in another process; each sender runs in a fresh process so its peak RSS is its own.

    python bench/notify.py [--count 100000] [--small 10000] [--naive 3000] [--wire 20000]
    python bench/notify.py --smoke     (a few hundred messages per sender; same code paths)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import resource
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

    from policysite.notify.compose import TEMPLATE_DIR, _wrap_text

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
        }
        context["t"] = env.get_template(f"{locale}/strings.j2").make_module(context)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="second size, for RSS growth")
    parser.add_argument("--naive", type=int, default=3_000)
    parser.add_argument("--wire", type=int, default=20_000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.count, args.small, args.naive, args.wire = 600, 200, 100, 600

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
