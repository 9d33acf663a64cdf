"""The site's machine-readable files: the Atom feed of every version and ``versions.json``."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from policysite import urls
from policysite.model import Version
from policysite.site.text import DEFAULT_LANGUAGE, NO_SUMMARY, format_date, kind_of

_ATOM = "http://www.w3.org/2005/Atom"


def versions_json(records: list[dict[str, object]]) -> str:
    """The machine-readable index, keys sorted so two builds give the same bytes."""
    return json.dumps(records, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def atom_feed(
    site_name: str,
    site_url: str,
    versions: Iterable[Version],
    directory_urls: bool = True,
    language: str = DEFAULT_LANGUAGE,
    show_missing_notes: bool = True,
) -> str:
    """Atom: one entry per version, newest first, ids stable across builds, dates from git."""
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_ATOM}}}{name}", attrs)
        element.text = text
        return element

    newest_first = sorted(versions, key=lambda v: (v.date, v.effective, v.policy), reverse=True)
    feed = ET.Element(f"{{{_ATOM}}}feed")
    sub(feed, "title", f"{site_name}: changes")
    sub(feed, "id", urls.feed_id(site_url))
    sub(feed, "link", rel="self", href=urls.feed_url(site_url))
    sub(
        feed,
        "link",
        rel="alternate",
        type="text/html",
        href=urls.changes_url(site_url, directory_urls),
    )
    updated = max((v.date for v in newest_first), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    sub(feed, "updated", updated.isoformat())
    author = sub(feed, "author")
    sub(author, "name", site_name)
    for version in newest_first:
        entry = sub(feed, "entry")
        kind = kind_of(version)
        effective = format_date(version.effective, language, nowrap=False)
        sub(entry, "title", f"{version.title} {version.label} ({kind}), effective {effective}")
        entry_id = urls.feed_entry_id(site_url, version.policy, version.label, version.date.date())
        sub(entry, "id", entry_id)
        url = urls.change_url(site_url, version.policy, version.label, directory_urls)
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "published", version.date.isoformat())
        sub(entry, "updated", version.date.isoformat())
        sub(entry, "category", term=kind.replace(" ", "-"))
        if version.note is not None:
            sub(entry, "summary", version.note.summary, type="text")
        elif show_missing_notes:
            sub(entry, "summary", NO_SUMMARY, type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"
