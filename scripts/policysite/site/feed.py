"""The site's machine-readable files: the Atom feed of every version and ``versions.json``."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policysite import urls
from policysite.model import Version
from policysite.site.text import DEFAULT_LANGUAGE, NO_SUMMARY, format_date, kind_of

_ATOM = "http://www.w3.org/2005/Atom"


def versions_json(records: list[dict[str, object]]) -> str:
    """The machine-readable index, keys sorted so two builds give the same bytes."""
    return json.dumps(records, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: a version, in the feed's language."""

    id: str
    title: str
    url: str
    date: dt.datetime  # the version's commit
    term: str  # its kind: material, editorial, no-note
    summary: str | None


def atom_feed(
    site_name: str,
    site_url: str,
    versions: Iterable[Version],
    directory_urls: bool = True,
    language: str = DEFAULT_LANGUAGE,
    show_missing_notes: bool = True,
) -> str:
    """Atom: one entry per version, newest first, ids stable across builds, dates from git."""
    entries = []
    for version in newest_first(versions):
        kind = kind_of(version)
        effective = format_date(version.effective, language, nowrap=False)
        summary = version.note.summary if version.note is not None else None
        entries.append(
            FeedEntry(
                urls.feed_entry_id(site_url, version.policy, version.label, version.date.date()),
                f"{version.title} {version.label} ({kind}), effective {effective}",
                urls.change_url(site_url, version.policy, version.label, directory_urls),
                version.date,
                kind.replace(" ", "-"),
                summary if summary is not None or not show_missing_notes else NO_SUMMARY,
            )
        )
    return write_feed(
        f"{site_name}: changes",
        site_name,
        site_url,
        urls.changes_url(site_url, directory_urls),
        entries,
    )


def feed_order(version: Version) -> tuple[dt.datetime, dt.date, str]:
    """A feed's sort key (reversed: the newest commit first), every feed's."""
    return (version.date, version.effective, version.policy)


def newest_first(versions: Iterable[Version]) -> list[Version]:
    """A feed's order: the newest commit first."""
    return sorted(versions, key=feed_order, reverse=True)


def write_feed(
    title: str,
    author: str,
    site_url: str,
    alternate: str,
    entries: Sequence[FeedEntry],
    locale: str = "",
) -> str:
    """The Atom document of ``entries`` (in their order); a translation language's feed is
    ``<locale>/feed.xml`` and says its language (``xml:lang``)."""
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{name}", attrs)
        element.text = text
        return element

    feed = ET.Element(f"{{{_ATOM}}}feed")
    if locale:
        feed.set("{http://www.w3.org/XML/1998/namespace}lang", locale)
    sub(feed, "title", title)
    sub(feed, "id", urls.feed_id(site_url, locale))
    sub(feed, "link", rel="self", href=urls.feed_url(site_url, locale))
    sub(feed, "link", rel="alternate", type="text/html", href=alternate)
    updated = max((e.date for e in entries), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    sub(feed, "updated", updated.isoformat())
    sub(sub(feed, "author"), "name", author)
    for item in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", item.title)
        sub(entry, "id", item.id)
        sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        sub(entry, "published", item.date.isoformat())
        sub(entry, "updated", item.date.isoformat())
        sub(entry, "category", term=item.term)
        if item.summary is not None:
            sub(entry, "summary", item.summary, type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"
