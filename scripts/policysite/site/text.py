"""The Markdown the site's pages are written in: escaped words, dates, banners, rebased links.

``format_date`` is the one owner of how the site writes a day (pages, feed, banners): every
caller passes the site's language, so a translated site writes its dates in its own language.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_date

from policysite.errors import ConfigError
from policysite.model import Version

DEFAULT_LANGUAGE = "en"
NO_BREAK = "\u00a0"
# What a version without a changelog note says on the site and in the feed: no file path (the
# editors learn which file is missing from `check`).
NO_SUMMARY = "No summary was published for this version."
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|])")
_MD_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*<?)(\S+?)(>?(?:\s|$))", re.MULTILINE)
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def md(text: str) -> str:
    """Text safe inside Markdown (link text, table cells): no markup, no HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _MARKUP.sub(r"\\\1", text)


def site_locale(language: str) -> Locale:
    """The Babel locale of a site language (``en``, ``nb``, ``pt-BR``), or a ConfigError saying
    where the language is set."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ConfigError(
            f"mkdocs.yml: theme.language {language!r} is not a language Babel knows ({exc}); "
            "use a code such as 'en' or 'nb'."
        ) from exc


@functools.lru_cache(maxsize=8192)
def format_date(day: dt.date, language: str, *, nowrap: bool = True) -> str:
    """A day as the site writes it everywhere: Babel's long format in the site's language
    ("November 29, 2026" in en, "29. november 2026" in nb). ``nowrap`` joins its words with
    no-break spaces so a date never breaks across lines (pages); the feed keeps plain spaces."""
    text = babel_date(day, "long", locale=site_locale(language))
    return text.replace(" ", NO_BREAK) if nowrap else text


def kind_of(version: Version) -> str:
    """What its note says a version is: material, editorial, or no note."""
    return {True: "material", False: "editorial", None: "no note"}[version.material]


def retired_on(version: Version, language: str) -> str:
    assert version.retired is not None
    return format_date(version.retired, language)


def retired_sentence(version: Version, language: str) -> str:
    return f"This policy was retired on {retired_on(version, language)}; it no longer applies."


def banner(kind: str, title: str, text: str) -> str:
    """An admonition (Material styles it) with our class on it."""
    body = "\n".join("    " + line if line else "" for line in text.splitlines())
    return f'!!! {kind} policysite-banner "{title}"\n{body}\n'


def rebase_links(markdown: str, source: str, target: str) -> str:
    """Relative links in a text written at ``source``, rewritten to work from ``target``; a
    link to a folder's ``index.md`` goes to the policy that folder is (``privacy.md``)."""
    base_from = posixpath.dirname(source)
    base_to = posixpath.dirname(target) or "."
    if "](" not in markdown and "]:" not in markdown:
        return markdown  # no inline link and no link definition
    if base_from == posixpath.dirname(target) and "index.md" not in markdown:
        return markdown  # the same folder, and no link to a folder's page

    def rebase(url: str) -> str:
        if not url or url.startswith(("#", "/")) or _URL_SCHEME.match(url):
            return url
        path, hashmark, fragment = url.partition("#")
        joined = posixpath.normpath(posixpath.join(base_from, path))
        if joined.endswith("/index.md"):  # a folder's own page: the policy the folder names
            joined = joined.removesuffix("/index.md") + ".md"
        return posixpath.relpath(joined, base_to) + hashmark + fragment

    markdown = _MD_LINK.sub(lambda m: m.group(1) + rebase(m.group(2)), markdown)
    return _REF_DEF.sub(lambda m: m.group(1) + rebase(m.group(2)) + m.group(3), markdown)
