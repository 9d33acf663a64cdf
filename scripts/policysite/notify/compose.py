"""The notice mail: Jinja2 templates → a MIME template built once, filled per recipient.

Building an ``EmailMessage`` per recipient (render, inline CSS, encode, serialise) costs
~1.5 ms; at a million recipients that is the whole run. So the message is rendered, inlined
and encoded once per (announcement, locale) with slot tokens where the recipient's greeting,
address and the effective day go, and split into pre-encoded bytes and the few lines that
hold a slot. Filling a slot encodes only its line (quoted-printable, ≤ 76 characters), after
escaping the value for HTML or cleaning it for a header: the fast path is the only path.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.policy
import email.utils
import hashlib
import html
import re
import secrets
import textwrap
import unicodedata
from base64 import b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import markdown
from babel import Locale
from babel.dates import format_date
from markupsafe import Markup

from policysite.errors import ConfigError
from policysite.languages import match_locale
from policysite.sanitize import sanitize_html

TEMPLATE_DIR = "site_templates/email"
SLOTS = ("greeting", "email", "effective")
# "effective": a version takes effect on a calendar day, as the policy and the site say; the
# mail names that day in the reader's language. Shown as 00:00 UTC in the reader's time zone,
# it told readers west of Greenwich the day before.
_HEADER_POLICY = email.policy.SMTP.clone(max_line_length=78, refold_source="all")
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


@dataclass(frozen=True)
class NoticeSection:
    """A changed section as the mail lists it."""

    anchor: str
    title: str
    status: str  # added | removed | modified | retitled | moved
    url: str  # deep link to the section's text (a removed one: in the old version)
    old_title: str | None = None  # the heading it had, when that changed
    change_url: str = ""  # the section's redline on the change page


@dataclass(frozen=True)
class NoticeText:
    """What a note translation gives one language: the policy's name (None: the source's), the
    note (empty: the source's, with a sentence saying it is in the source language) and the
    changed sections' headings (where one is missing: the source's)."""

    title: str | None
    summary: str
    sections: Mapping[str, str] = field(default_factory=dict)  # anchor → heading


@dataclass(frozen=True)
class NoticeLinks:
    """The links of a notice into one translation's pages (``/nb/privacy/…``), for readers of
    a locale whose translation renders the announced version."""

    policy_url: str
    change_url: str
    sections: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # anchor → urls

    def apply(self, notice: Notice) -> Notice:
        """``notice`` with these links in place of the source's."""
        sections = tuple(
            replace(s, url=found[0], change_url=found[1])
            if (found := self.sections.get(s.anchor))
            else s
            for s in notice.sections
        )
        return replace(
            notice, policy_url=self.policy_url, change_url=self.change_url, sections=sections
        )


@dataclass(frozen=True)
class Notice:
    """What one announcement says, in no language yet (the note and title in each it has)."""

    policy: str
    policy_title: str
    version: str
    previous_version: str | None
    effective: dt.date
    summary: str  # the changelog note (Markdown)
    sections: tuple[NoticeSection, ...]
    policy_url: str
    change_url: str
    site_name: str
    service_name: str  # what the reader has an account with
    sender_name: str
    sender_email: str
    postal_address: str
    kind: str = "change"  # change | new (a policy's first version) | retirement
    retired: dt.date | None = None  # the day the policy is withdrawn (a retirement)
    source_locale: str = "en"  # the language of ``summary`` and ``policy_title``
    translations: Mapping[str, NoticeText] = field(default_factory=dict)  # by locale
    # The organisation's sentences by locale ("opening", "footer"); {org} and {policy} in them
    # are filled in. What a locale leaves out comes from its strings.j2 (neutral defaults).
    wording: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    list_id: str = ""  # the List-Id of the policy's notices (RFC 2919)
    # By locale: links into the translation, where one renders this version; a reader of
    # another locale gets the source's links, with a sentence saying so.
    links: Mapping[str, NoticeLinks] = field(default_factory=dict)

    def text_in(self, locale: str) -> tuple[str, str, bool]:
        """(title, note, translated) as a reader of ``locale`` gets them: the translation where
        there is one, else the source's (``translated`` False when the note is not in it)."""
        found = self.translations.get(locale)
        if locale == self.source_locale or found is None:
            return self.policy_title, self.summary, locale == self.source_locale
        if not found.summary:
            return found.title or self.policy_title, self.summary, False
        return found.title or self.policy_title, found.summary, True


@dataclass(frozen=True)
class Recipient:
    """One person the notice goes to."""

    email: str
    name: str = ""
    locale: str = ""
    timezone: str = ""
    message_id: str = ""


def clean_header_text(value: str) -> str:
    """Control characters and line breaks become spaces: a value never starts a new header."""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value
    )
    return " ".join(cleaned.split())


def format_address(name: str, address: str, header: str = "To") -> str:
    """``To: Name <address>`` folded to ≤ 78 characters, CRLF-terminated, RFC 2047 as needed.

    The name is cleaned first; an ASCII name without specials stays readable, one with specials
    is quoted, anything else (non-ASCII, or too long for one line) becomes encoded words.
    """
    name = clean_header_text(name)
    if not name:
        return f"{header}: {address}\r\n"
    prefix = f"{header}: "
    if "=?" not in name:
        if _ATOM_PHRASE.fullmatch(name):
            line = f"{prefix}{name} <{address}>"
            if len(line) <= 78:
                return line + "\r\n"
        elif _PRINTABLE_ASCII.fullmatch(name):
            quoted = name.replace("\\", "\\\\").replace('"', '\\"')
            line = f'{prefix}"{quoted}" <{address}>'
            if len(line) <= 78:
                return line + "\r\n"
    words = _encoded_words(name)
    return prefix + "\r\n ".join(words) + f"\r\n <{address}>\r\n"


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 words of at most 72 characters.

    Words break after a space where they can: RFC 2047 readers drop the folding between two
    encoded words, while some (Python's email package) read it as a space; a break after a
    space reads right either way. Only a run of more than 45 bytes without one is cut inside.
    """
    chunks: list[bytes] = []
    chunk = b""
    for token in re.findall(r"\S+\s?|\s", text):
        encoded = token.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > 45:  # 45 bytes → 60 base64 + 12 framing
            chunks.append(chunk)
            chunk = b""
        while len(encoded) > 45:
            cut = 45
            while cut and (encoded[cut] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
                cut -= 1
            chunks.append(encoded[:cut])
            encoded = encoded[cut:]
        chunk += encoded
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{b64encode(c).decode('ascii')}?=" for c in chunks]


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends; every encoded line ≤ 76 characters."""
    return binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


@dataclass(frozen=True)
class _Line:
    """A line that holds slots: literal text and slot names, encoded per recipient."""

    pieces: tuple[str, ...]  # even positions literal text, odd positions slot names
    newline: bool


_Chunk = bytes | _Line


def _compile_part(text: str, tokens: Mapping[str, str]) -> tuple[_Chunk, ...]:
    """Split a rendered part into pre-encoded bytes and lines with slots."""
    pattern = re.compile("|".join(re.escape(t) for t in tokens.values()))
    slot_of = {token: slot for slot, token in tokens.items()}
    chunks: list[_Chunk] = []
    static: list[str] = []
    lines = text.split("\n")

    def flush() -> None:
        if static:
            chunks.append(_qp("\n".join(static) + "\n"))
            static.clear()

    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        if not pattern.search(line):
            if last:
                flush()
                if line:
                    chunks.append(_qp(line))
            else:
                static.append(line)
            continue
        flush()
        pieces: list[str] = []
        position = 0
        for match in pattern.finditer(line):
            pieces += [line[position : match.start()], slot_of[match.group(0)]]
            position = match.end()
        pieces.append(line[position:])
        chunks.append(_Line(tuple(pieces), newline=not last))
    flush()
    return tuple(chunks)


def _fill(chunks: Sequence[_Chunk], values: Mapping[str, str], out: list[bytes]) -> None:
    for chunk in chunks:
        if isinstance(chunk, bytes):
            out.append(chunk)
            continue
        pieces = chunk.pieces
        line = "".join(piece if i % 2 == 0 else values[piece] for i, piece in enumerate(pieces))
        out.append(_qp(line + "\n" if chunk.newline else line))


@dataclass
class MailTemplate:
    """The mail of one announcement in one language, ready to be filled per recipient."""

    locale: str
    subject: str
    greeting_named: str
    greeting_anonymous: str
    head: bytes  # From, Subject
    tail: bytes  # MIME-Version … the first boundary's part headers
    text: tuple[_Chunk, ...]
    middle: bytes  # closing the text part, headers of the html part
    html: tuple[_Chunk, ...]
    end: bytes
    effective: dt.date
    _effective_day: str = ""

    @property
    def effective_day(self) -> str:
        """The day the version takes effect, written out in this language."""
        if not self._effective_day:
            self._effective_day = format_date(
                self.effective, "full", locale=Locale.parse(self.locale)
            )
        return self._effective_day

    def render(self, recipient: Recipient, date: str) -> bytes:
        """The whole message for one recipient, CRLF line ends, ready for SMTP or a file."""
        name = clean_header_text(recipient.name)
        greeting = self.greeting_named.replace("{name}", name) if name else self.greeting_anonymous
        plain = {
            "greeting": greeting,
            "email": recipient.email,
            "effective": self.effective_day,
        }
        escaped = {k: html.escape(v, quote=True) for k, v in plain.items()}
        out = [
            self.head,
            format_address(name, recipient.email).encode("ascii"),
            f"Date: {date}\r\nMessage-ID: {recipient.message_id}\r\n".encode("ascii"),
            self.tail,
        ]
        _fill(self.text, plain, out)
        out.append(self.middle)
        _fill(self.html, escaped, out)
        out.append(self.end)
        return b"".join(out)


class Composer:
    """Loads the site's mail templates and builds a MailTemplate per (notice, locale)."""

    def __init__(self, templates: Path, locales: Sequence[str]) -> None:
        self.folder = templates
        self.locales = tuple(locales) or ("en",)
        missing = [
            f"{TEMPLATE_DIR}/{locale}/{name}"
            for locale in self.locales
            for name in ("strings.j2", "notice.txt", "notice.html")
            if not (templates / locale / name).is_file()
        ]
        if missing:
            raise ConfigError(
                f"mail template(s) missing: {', '.join(missing)}; every language in `locales:` "
                f"needs them (copy {TEMPLATE_DIR}/en and translate it)."
            )
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(templates)),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._inliner = css_inline.CSSInliner(load_remote_stylesheets=False)

    def pick_locale(self, tag: str) -> str:
        """The template language for a subscriber's locale: exact, by language, else the first."""
        return match_locale(tag, self.locales) or self.locales[0]

    def build(self, notice: Notice, locale: str, *, today: dt.date) -> MailTemplate:
        """Render, inline and encode the mail once for this notice and language."""
        nonce = secrets.token_hex(6)
        tokens = {slot: f"PSSLOT{nonce}{slot.upper()}X" for slot in SLOTS}
        recipient = _SlotTokens(tokens)
        links = notice.links.get(locale)
        notice = links.apply(notice) if links is not None else notice
        title, summary, translated = notice.text_in(locale)
        language = Locale.parse(locale)
        # The links go to the source's text: the mail says which language that is in.
        links_language = (
            ""
            if links is not None or locale == notice.source_locale
            else Locale.parse(notice.source_locale).get_display_name(language) or ""
        )
        key_day = notice.retired if notice.kind == "retirement" and notice.retired else None
        context: dict[str, Any] = {
            "notice": notice,
            "title": title,
            "upcoming": (key_day or notice.effective) > today,
            "lang": locale,
            "recipient": recipient,
            "summary_text": _wrap_text(summary),
            # An editor's note: raw HTML in it passes the site's allow-list, as on the site.
            "summary_html": Markup(sanitize_html(markdown.markdown(summary))),
            # The note is not in the reader's language: the mail says which one it is in.
            "summary_language": (
                ""
                if translated
                else Locale.parse(notice.source_locale).get_display_name(language) or ""
            ),
            "links_language": links_language,
            "retired_day": format_date(key_day, "full", locale=language) if key_day else "",
            "section_titles": (
                {}
                if locale == notice.source_locale
                else dict(getattr(notice.translations.get(locale), "sections", {}))
            ),
        }
        try:
            strings = self.env.get_template(f"{locale}/strings.j2").make_module(context)
            context["t"] = strings
            context.update(_wording(notice, locale, title, strings))
            text = self.env.get_template(f"{locale}/notice.txt").render(context)
            page = self.env.get_template(f"{locale}/notice.html").render(context)
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or getattr(exc, "name", None)
            raise ConfigError(
                f"mail template error: {exc}; fix the template.",
                path=f"{TEMPLATE_DIR}/{where}" if where else TEMPLATE_DIR,
                line=getattr(exc, "lineno", None),
            ) from None
        page = self._inliner.inline(page)
        subject = clean_header_text(str(getattr(strings, "subject", "")))
        # "=_" never occurs in quoted-printable text, so the boundary cannot occur in a part.
        identity = f"{notice.policy}\0{notice.version}\0{locale}".encode()
        boundary = f"=_policysite_{hashlib.sha256(identity).hexdigest()[:20]}"
        head = format_address(notice.sender_name, notice.sender_email, "From")
        head += _HEADER_POLICY.fold("Subject", subject)
        list_id = format_address(notice.policy_title, notice.list_id, "List-Id")
        tail = (
            "MIME-Version: 1.0\r\n"
            f"Content-Language: {locale}\r\n"
            # RFC 3834: an automatic message; vacation responders and autoreplies stay quiet.
            # No "Precedence: bulk" (it files a notice about the reader's agreement with
            # newsletters) and no List-Unsubscribe (RFC 8058): a service notice is not optional;
            # the List-Id names the policy, so a reader's filter can still sort them.
            "Auto-Submitted: auto-generated\r\n"
            "X-Auto-Response-Suppress: All\r\n"
            + (list_id if notice.list_id else "")
            + f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
            "\r\n"
            f"--{boundary}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
        )
        middle = (
            f"\r\n--{boundary}\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
        )
        return MailTemplate(
            locale=locale,
            subject=subject,
            greeting_named=str(getattr(strings, "greeting_named", "{name}")),
            greeting_anonymous=str(getattr(strings, "greeting_anonymous", "")),
            head=head.encode("ascii"),
            tail=tail.encode("ascii"),
            text=_compile_part(_normalize_newlines(text), tokens),
            middle=middle.encode("ascii"),
            html=_compile_part(_normalize_newlines(page), tokens),
            end=f"\r\n--{boundary}--\r\n".encode("ascii"),
            effective=notice.effective,
        )


def _wording(notice: Notice, locale: str, title: str, strings: Any) -> dict[str, str]:
    """The opening and footer sentences: the site's own (mkdocs.yml) or the template's."""
    configured = notice.wording.get(locale, {})
    found: dict[str, str] = {}
    for key in ("opening", "footer"):
        text = configured.get(key) or str(getattr(strings, f"{key}_default", ""))
        text = text.replace("{org}", notice.service_name).replace("{policy}", title)
        found[key] = " ".join(text.split())
    return found


class _SlotTokens:
    """What templates see as ``recipient``: each field renders as its slot token."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = dict(tokens)

    def __getattr__(self, name: str) -> str:
        try:
            return self._tokens[name]
        except KeyError:
            raise AttributeError(
                f"recipient.{name} does not exist; use one of {', '.join(SLOTS)}"
            ) from None


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _wrap_text(markdown_text: str, width: int = 72) -> str:
    """A changelog note as plain text: paragraphs re-wrapped, list items kept apart."""
    paragraphs = re.split(r"\n\s*\n", markdown_text.strip())
    out: list[str] = []
    for paragraph in paragraphs:
        items = re.split(r"\n(?=\s*(?:[-*+]|\d+[.)])\s)", paragraph)
        wrapped = []
        for item in items:
            marker = re.match(r"\s*((?:[-*+]|\d+[.)])\s+)", item)
            indent = " " * len(marker.group(1)) if marker else ""
            wrapped.append(
                textwrap.fill(
                    " ".join(item.split()),
                    width,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        out.append("\n".join(wrapped))
    return "\n\n".join(out)


def format_date_header(when: dt.datetime) -> str:
    """An RFC 5322 date: ``Sun, 29 Nov 2026 22:10:00 +0000``."""
    return email.utils.format_datetime(when.astimezone(dt.UTC))
