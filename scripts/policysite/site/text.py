"""The Markdown the site's pages are written in: escaped words, dates, banners, rebased links."""

from __future__ import annotations

import datetime as dt
import posixpath
import re

from policysite.model import Version

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|])")
_MD_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*<?)(\S+?)(>?(?:\s|$))", re.MULTILINE)
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def md(text: str) -> str:
    """Text safe inside Markdown (link text, table cells): no markup, no HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKUP.sub(r"\\\1", text)


def format_date(day: dt.date) -> str:
    """25 May 2018: spelled out, the same on every machine (no locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def kind_of(version: Version) -> str:
    """What its note says a version is: material, editorial, or no note."""
    return {True: "material", False: "editorial", None: "no note"}[version.material]


def retired_on(version: Version) -> str:
    assert version.retired is not None
    return format_date(version.retired)


def retired_sentence(version: Version) -> str:
    return f"This policy was retired on {retired_on(version)}; it no longer applies."


def banner(kind: str, title: str, text: str) -> str:
    """An admonition (Material styles it) with our class on it."""
    body = "\n".join("    " + line if line else "" for line in text.splitlines())
    return f'!!! {kind} policysite-banner "{title}"\n{body}\n'


def rebase_links(markdown: str, source: str, target: str) -> str:
    """Relative links in a text written at ``source``, rewritten to work from ``target``."""
    base_from = posixpath.dirname(source)
    base_to = posixpath.dirname(target) or "."
    if base_from == posixpath.dirname(target) or ("](" not in markdown and "]:" not in markdown):
        return markdown  # the same folder, or no inline link and no link definition

    def rebase(url: str) -> str:
        if not url or url.startswith(("#", "/")) or _URL_SCHEME.match(url):
            return url
        path, hashmark, fragment = url.partition("#")
        joined = posixpath.normpath(posixpath.join(base_from, path))
        return posixpath.relpath(joined, base_to) + hashmark + fragment

    markdown = _MD_LINK.sub(lambda m: m.group(1) + rebase(m.group(2)), markdown)
    return _REF_DEF.sub(lambda m: m.group(1) + rebase(m.group(2)) + m.group(3), markdown)
