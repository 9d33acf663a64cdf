"""The only module that talks to SMTP; also the file outbox.

SMTP uses the standard library's ``smtplib`` over ``concurrency`` reused connections, one
thread each. Measured against an aiosmtpd sink on this machine (5,000 messages, 4
connections): smtplib in threads sent 1,520 msgs/s for 0.17 ms of client CPU per message,
aiosmtplib 1,320 msgs/s for 0.54 ms — the sender's CPU is what limits a large run.

TLS is verified (the system's CAs, or ``cafile=`` in the URL): STARTTLS by default, implicit
TLS with ``smtps://``; plain text only when the URL says ``tls=none`` (meant for localhost).
A 4xx reply is temporary (the caller retries later), a 5xx reply to a recipient is final; a
server that cannot be reached, refuses us or our sender address stops the run. A connection
lost in the middle of one message (twice: on the connection it had, then on a fresh one) is a
temporary failure of that message, not of the run: a recipient whose mail makes the server hang
up must not stop everyone else's.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from policysite.errors import ConfigError, PolicySiteError
from policysite.files import write_atomic
from policysite.notify.subscribers import redact

if TYPE_CHECKING:
    from policysite.notify.store import Announcement

SMTP_ENV = "POLICYSITE_SMTP_URL"
TLS_MODES = ("starttls", "implicit", "none")
# Characters that end the user-name-and-password part of a URL unless percent-encoded.
_USERINFO_ENDS = "#/?[]"
PERCENT_HINT = (
    "write them percent-encoded: # as %23, / as %2F, ? as %3F, [ as %5B, ] as %5D, @ as %40, "
    "% as %25 (python3 -c \"import urllib.parse; print(urllib.parse.quote(input(), safe=''))\")."
)
# Connections lost mid-message in a row, on one connection, before the run gives up: one bad
# recipient is that recipient's problem; many in a row is a server that is failing.
MAX_DROPS_IN_A_ROW = 5


class TransportError(PolicySiteError):
    """The mail server or the outbox cannot take messages: the run stops, rows stay pending."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str  # starttls | implicit | none
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: float = 30.0
    helo: str | None = None

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"smtp://{user}{self.host}:{self.port} (tls={self.tls})"


@dataclass(frozen=True)
class Outgoing:
    """One message for one recipient."""

    delivery_id: int
    sender: str
    recipient: str
    data: bytes  # the whole message, CRLF line ends
    filename: str  # where the outbox puts it (relative); names no address


@dataclass(frozen=True)
class Delivered:
    """What the server (or the outbox) said about one message."""

    delivery_id: int
    status: str  # sent | temporary | permanent | unsent
    reason: str | None = None
    at: float = 0.0
    dropped: bool = False  # the connection was lost during this message
    reply: str | None = None  # what the server answered to the accepted message (masked)


def outbox_name(announcement: Announcement, subscriber_id: int) -> str:
    """Where the outbox keeps one notice: ``<policy>-<version>/<token>.<subscriber id>.eml``.

    The same parts as the Message-ID's left side, never the address: erase finds a person's
    copies from their id alone.
    """
    folder = f"{announcement.policy.replace('/', '-')}-{announcement.version}"
    return f"{folder}/{announcement.token}.{subscriber_id}.eml"


class TransportStopped(TransportError):
    """Raised by ``send`` when it cannot go on; ``results`` says what happened before."""

    def __init__(self, message: str, results: list[Delivered]) -> None:
        super().__init__(message)
        self.results = results


class Transport(Protocol):
    description: str

    def open(self) -> None: ...

    def send(self, batch: Sequence[Outgoing]) -> list[Delivered]: ...

    def close(self) -> None: ...


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:587?tls=starttls`` → SmtpConfig, or one clear ConfigError."""
    shown = _mask(url)
    userinfo = _userinfo(url)
    if userinfo is not None and any(ch in userinfo for ch in _USERINFO_ENDS):
        raise ConfigError(
            f"{SMTP_ENV}={shown}: the user name or password holds a character that ends that "
            f"part of a URL; {PERCENT_HINT}"
        )
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        raise ConfigError(
            f"{SMTP_ENV}={shown}: the host is not valid ([ and ] go only around an IPv6 "
            "address, e.g. smtp://[2001:db8::25]:587)."
        ) from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(
            f"{SMTP_ENV}={shown} must start with smtp:// or smtps://, e.g. "
            "smtp://user:password@mail.example.com:587?tls=starttls."
        )
    try:
        port_value = parts.port
    except ValueError:
        raise ConfigError(
            f"{SMTP_ENV}={shown}: the port is not a number from 1 to 65535."
        ) from None
    if not hostname:
        raise ConfigError(f"{SMTP_ENV}={shown} names no host; e.g. smtp://mail.example.com:587.")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ConfigError(f"{SMTP_ENV}={shown}: the options after '?' are not key=value.") from None
    unknown = sorted(set(query) - {"tls", "cafile", "timeout", "helo"})
    if unknown:
        raise ConfigError(
            f"{SMTP_ENV}={shown}: unknown option(s) {', '.join(unknown)}; known: tls, cafile, "
            "timeout, helo."
        )
    default_tls = "implicit" if parts.scheme == "smtps" else "starttls"
    tls = query.get("tls", [default_tls])[-1].lower()
    if tls not in TLS_MODES or (parts.scheme == "smtps" and tls != "implicit"):
        raise ConfigError(
            f"{SMTP_ENV}={shown}: tls={tls} is not valid; use tls=starttls (default), "
            "tls=implicit (or smtps://) or, for a server on this machine, tls=none."
        )
    timeout = 30.0
    if "timeout" in query:
        try:
            timeout = float(query["timeout"][-1])
        except ValueError:
            raise ConfigError(f"{SMTP_ENV}={shown}: timeout must be seconds.") from None
    cafile = query.get("cafile", [None])[-1]
    if cafile and not Path(cafile).is_file():
        raise ConfigError(f"{SMTP_ENV}={shown}: cafile {cafile} does not exist.")
    port = port_value or {"implicit": 465, "starttls": 587, "none": 25}[tls]
    return SmtpConfig(
        host=hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        cafile=cafile or None,
        timeout=timeout,
        helo=query.get("helo", [None])[-1] or None,
    )


def _userinfo(url: str) -> str | None:
    """What stands between ``scheme://`` and the last ``@`` (None: no ``@``).

    Read by hand, not by urlsplit: an unencoded ``#``, ``/`` or ``?`` in a password ends the
    URL's authority early, and the rest of the password would be taken for a path or a port.
    """
    rest = url.strip().partition("://")[2]
    if "@" not in rest:
        return None
    return rest.rpartition("@")[0]


def _mask(url: str) -> str:
    """The URL with its password (everything after the user name's ``:``) as ``***``."""
    url = url.strip()
    userinfo = _userinfo(url)
    if userinfo is None or ":" not in userinfo:
        return url
    scheme, _, rest = url.partition("://")
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:***@{rest.rpartition('@')[2]}"


class RateLimiter:
    """At most ``per_second`` messages per second across every connection."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class OutboxTransport:
    """Writes each message to ``<folder>/<filename>``: temp file, fsync, rename."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"the outbox {folder}"

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(
                f"cannot create the outbox folder {self.folder}: {exc.strerror}."
            ) from None

    def send(self, batch: Sequence[Outgoing]) -> list[Delivered]:
        results: list[Delivered] = []
        for position, item in enumerate(batch):
            target = self.folder / item.filename
            try:
                write_atomic(target, item.data, durable=True, private=True)
            except OSError as exc:
                unsent = [Delivered(i.delivery_id, "unsent") for i in batch[position:]]
                raise TransportStopped(
                    f"cannot write to the outbox {self.folder}: {exc.strerror}; free space or "
                    "fix its permissions and run again (unsent notices stay pending).",
                    results + unsent,
                ) from None
            reply = f"written to the outbox as {item.filename}"
            results.append(Delivered(item.delivery_id, "sent", at=time.time(), reply=reply))
        return results

    def close(self) -> None:
        pass


class _Fatal(Exception):
    """A condition that ends the run (not one recipient's problem)."""


class SmtpTransport:
    """Sends over ``concurrency`` reused SMTP connections, one thread each."""

    def __init__(self, config: SmtpConfig, *, concurrency: int = 4, rate: float | None = None):
        self.config = config
        self.concurrency = max(1, concurrency)
        self.limiter = RateLimiter(rate)
        self.description = config.describe()
        self._idle: list[smtplib.SMTP] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._fatal: str | None = None
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="policysite-smtp")

    def open(self) -> None:
        """Connect every connection now: a bad server stops the run before rows are claimed."""
        try:
            for _ in range(self.concurrency):
                self._idle.append(self._connect())
        except _Fatal as exc:
            self.close()
            raise TransportError(str(exc)) from None

    def close(self) -> None:
        with self._lock:
            connections, self._idle = self._idle, []
        for connection in connections:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        self._pool.shutdown(wait=True)

    def send(self, batch: Sequence[Outgoing]) -> list[Delivered]:
        """Send a batch over all connections; TransportStopped if the server went away."""
        chunks = [list(batch[i :: self.concurrency]) for i in range(self.concurrency)]
        results: list[Delivered] = []
        for part in self._pool.map(self._send_chunk, [c for c in chunks if c]):
            results.extend(part)
        if self._fatal is not None:
            raise TransportStopped(self._fatal, results)
        return results

    def _send_chunk(self, items: list[Outgoing]) -> list[Delivered]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        results: list[Delivered] = []
        drops = 0
        try:
            for item in items:
                if self._stop.is_set():
                    results.append(Delivered(item.delivery_id, "unsent"))
                    continue
                self.limiter.wait()
                try:
                    connection, result = self._send_one(connection, item)
                except _Fatal as exc:
                    self._fatal = self._fatal or str(exc)
                    self._stop.set()
                    connection = None
                    results.append(Delivered(item.delivery_id, "unsent"))
                    continue
                results.append(result)
                drops = drops + 1 if result.dropped else 0
                if drops >= MAX_DROPS_IN_A_ROW:
                    self._fatal = self._fatal or (
                        f"the SMTP server {self.description} closed the connection during "
                        f"{drops} messages in a row; unsent notices stay pending, run again."
                    )
                    self._stop.set()
        finally:
            if connection is not None:
                with self._lock:
                    self._idle.append(connection)
        return results

    def _send_one(
        self, connection: smtplib.SMTP | None, item: Outgoing
    ) -> tuple[smtplib.SMTP | None, Delivered]:
        for attempt in (1, 2):
            if connection is None:
                connection = self._connect()
            try:
                reply = _sendmail(connection, item.sender, item.recipient, item.data)
                return connection, Delivered(item.delivery_id, "sent", at=time.time(), reply=reply)
            except smtplib.SMTPRecipientsRefused as exc:
                code, message = next(iter(exc.recipients.values()))
                return connection, _classify(item, code, message)
            except smtplib.SMTPSenderRefused as exc:
                if 400 <= exc.smtp_code < 500 and exc.smtp_code != 421:
                    return connection, _classify(item, exc.smtp_code, exc.smtp_error)
                raise _Fatal(
                    f"the SMTP server {self.description} refused the sender address "
                    f"{item.sender}: {_reply(exc.smtp_code, exc.smtp_error)}. Fix sender_email "
                    "or the server's relay settings; unsent notices stay pending."
                ) from None
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code == 421:  # the server closes the connection: reconnect once
                    _discard(connection)
                    connection = None
                    if attempt == 1:
                        continue
                    raise _Fatal(
                        f"the SMTP server {self.description} is not taking mail: "
                        f"{_reply(exc.smtp_code, exc.smtp_error)}. Run again later; unsent "
                        "notices stay pending."
                    ) from None
                return connection, _classify(item, exc.smtp_code, exc.smtp_error)
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # Once may be a connection the server had closed while idle; twice, the second
                # time on a fresh connection, is this message's failure (it is retried later).
                _discard(connection)
                connection = None
                if attempt == 2:
                    reason = f"the connection was lost during the message ({type(exc).__name__})"
                    return None, Delivered(
                        item.delivery_id, "temporary", reason, time.time(), dropped=True
                    )
        raise AssertionError("unreachable")

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context(cafile=config.cafile)
        helo = config.helo or socket.gethostname()
        where = self.description
        connection: smtplib.SMTP | None = None
        try:
            if config.tls == "implicit":
                connection = smtplib.SMTP_SSL(
                    config.host,
                    config.port,
                    local_hostname=helo,
                    timeout=config.timeout,
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    config.host, config.port, local_hostname=helo, timeout=config.timeout
                )
            connection.ehlo()
            if config.tls == "starttls":
                if not connection.has_extn("starttls"):
                    raise _Fatal(
                        f"the SMTP server {where} does not offer STARTTLS; policysite does not "
                        "send in plain text. Use smtps:// (implicit TLS), or tls=none only for "
                        "a server on this machine."
                    )
                connection.starttls(context=context)
                connection.ehlo()
            if config.username:
                connection.login(config.username, config.password or "")
            return connection
        except _Fatal:
            _discard(connection)
            raise
        except ssl.SSLCertVerificationError as exc:
            _discard(connection)
            raise _Fatal(
                f"the TLS certificate of the SMTP server {where} is not trusted "
                f"({exc.verify_message}); refusing to send. Give the server a certificate "
                "from a trusted CA, or name your CA with cafile= in the URL."
            ) from None
        except ssl.SSLError as exc:
            _discard(connection)
            raise _Fatal(f"TLS with the SMTP server {where} failed ({exc.reason}).") from None
        except smtplib.SMTPAuthenticationError as exc:
            _discard(connection)
            raise _Fatal(
                f"the SMTP server {where} rejected the user name or password: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}."
            ) from None
        except smtplib.SMTPConnectError as exc:
            _discard(connection)
            raise _Fatal(
                f"the SMTP server {where} refused the connection: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}. Run again later; nothing was sent."
            ) from None
        except smtplib.SMTPResponseException as exc:
            _discard(connection)
            raise _Fatal(
                f"the SMTP server {where} answered {_reply(exc.smtp_code, exc.smtp_error)} "
                "while connecting."
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            _discard(connection)
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise _Fatal(
                f"cannot connect to the SMTP server {where}: {reason}. Check {SMTP_ENV} and "
                "that the server is running; nothing was claimed or sent."
            ) from None


def _sendmail(connection: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> str:
    """``SMTP.sendmail`` for one recipient that keeps the server's answer to the message (its
    queue id is the ledger's proof that the server took it); raises as ``sendmail`` does."""
    connection.ehlo_or_helo_if_needed()
    code, answer = connection.mail(sender)
    if code != 250:
        _end_transaction(connection, code)
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = connection.rcpt(recipient)
    if code not in (250, 251):
        _end_transaction(connection, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    code, answer = connection.data(data)
    if code != 250:
        _end_transaction(connection, code)
        raise smtplib.SMTPDataError(code, answer)
    return _reply(code, answer)


def _end_transaction(connection: smtplib.SMTP, code: int) -> None:
    """After a refusal: the server closes on 421; otherwise reset for the next message."""
    if code == 421:
        connection.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        connection.rset()


def _discard(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return redact(f"{code} {' '.join(text.split())}")


def _classify(item: Outgoing, code: int, message: bytes | str) -> Delivered:
    status = "temporary" if 400 <= code < 500 else "permanent"
    return Delivered(item.delivery_id, status, _reply(code, message), time.time())
