"""The pages and files of the public site, as plain data.

Versions in, pages out: the home page, each policy's current text, every version's text, the
versions list, a change page per version, ``/changes/``, ``versions.json`` and the Atom feed.
Pages are plain Markdown (with front matter) for MkDocs + Material, so another engine can build
the same tree: ``mkdocs_plugin.py`` only hands them over. Knows nothing of MkDocs internals.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal
from urllib.parse import urlsplit

import nh3

from policysite import blocks, markdown_render, model, render, sections
from policysite import diff as diff_engine
from policysite.config import Settings
from policysite.errors import ConfigError
from policysite.files import write_atomic
from policysite.model import Change, Policy, SectionChange, Version
from policysite.render import html as render_html_module
from policysite.sections import split_sections
from policysite.versions import version_record

PageKind = Literal["home", "policy", "version", "versions", "change", "changes"]

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


@dataclass(frozen=True)
class SitePage:
    """One page of the site: a Markdown file at ``path`` in the docs tree.

    ``header`` (the version line and banners) goes above ``markdown``; the MkDocs plugin adds it
    in ``on_page_markdown``, ``source()`` gives both for any other engine.
    """

    path: str  # e.g. "privacy/versions/1.0.md"
    title: str
    markdown: str
    kind: PageKind
    header: str = ""
    policy: str | None = None
    in_nav: bool = False
    searchable: bool = False
    indexable: bool = True
    aliases: dict[str, str] = field(default_factory=dict)  # old anchor → anchor on this page

    @property
    def meta(self) -> dict[str, Any]:
        """Front matter: the title, and what keeps archives out of search and search engines."""
        meta: dict[str, Any] = {"title": self.title}
        if not self.searchable:
            meta["search"] = {"exclude": True}
        if not self.indexable:
            meta["robots"] = "noindex"
        return meta

    def front_matter(self) -> str:
        # Written by hand: yaml.safe_dump cost a second per 2,000 pages. A JSON string is a
        # valid YAML double-quoted scalar.
        lines = [f"title: {json.dumps(self.title, ensure_ascii=False)}"]
        if not self.searchable:
            lines.append("search:\n  exclude: true")
        if not self.indexable:
            lines.append("robots: noindex")
        return "---\n" + "\n".join(lines) + "\n---\n\n"

    def source(self) -> str:
        """The whole Markdown file: front matter, header, body."""
        header = self.header + "\n" if self.header else ""
        return self.front_matter() + header + self.markdown


@dataclass(frozen=True)
class SiteFile:
    """A file written as it is (``versions.json``, ``feed.xml``)."""

    path: str
    text: str


@dataclass(frozen=True)
class Site:
    pages: tuple[SitePage, ...]
    files: tuple[SiteFile, ...]

    def page(self, path: str) -> SitePage:
        return next(p for p in self.pages if p.path == path)


# --- the redline seam ------------------------------------------------------------------------

Redline = tuple[Change, str]
_CACHE_VERSION = "2"


# The code a redline depends on: a change to any of it invalidates the cached redlines.
_ENGINE_MODULES = (
    blocks,
    diff_engine,
    markdown_render,
    model,
    render,
    render_html_module,
    sections,
)


def redline_css() -> str:
    """The stylesheet the redline's classes need (screen-reader labels hidden, ins/del)."""
    return render_html_module.REDLINE_CSS


def _fingerprint(modules: Iterable[ModuleType]) -> str:
    """Changes when the engine's code does, so a cached redline never outlives its engine."""
    digest = hashlib.sha256(_CACHE_VERSION.encode())
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RedlineLinks:
    """Where a redline is shown, and where the texts it compares were written.

    The redline is raw HTML, which MkDocs does not touch: a link of the policy text is rewritten
    here into a URL that works from the change page. ``#anchor`` goes to the section in that
    side's text (the old version's for deleted words, the new one's otherwise); ``other.md#x``,
    relative to the file the text was in, goes to that page's URL.
    """

    page: str  # the change page, e.g. "privacy/changes/1.1.md"
    old_text: str  # the page with the old version's text, e.g. "privacy/versions/1.0.md"
    new_text: str
    old_source: str  # the old version's file in the docs tree, e.g. "privacy.md"
    new_source: str
    directory_urls: bool = True

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def relink(self, url: str, side: Literal["old", "new"]) -> str:
        text_page = self.old_text if side == "old" else self.new_text
        source = self.old_source if side == "old" else self.new_source
        if url.startswith("#"):
            return url_between(self.page, text_page, self.directory_urls) + url
        if not url or url.startswith("/") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|//", url):
            return url
        path, hashmark, fragment = url.partition("#")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if joined.endswith(".md"):
            target = url_between(self.page, joined, self.directory_urls)
        else:  # a file (an image, a PDF): its path from the page's folder
            target = posixpath.relpath(joined, _url_folder(self.page, self.directory_urls))
        return target + hashmark + fragment


class RedlineCache:
    """Redlines kept on disk, keyed by the sha256 of the two texts, for one engine's code.

    A rebuild after one new version diffs one pair, not the whole history. One file for the
    site (reading 500 small files cost 0.3 s a build); written atomically through a temporary
    file and a rename, and only with the pairs the site still uses.
    """

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "redlines.json" if folder else None
        self.hits = 0
        self.misses = 0
        self._engine = _fingerprint(_ENGINE_MODULES)
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("engine") == self._engine:
                    self._entries = dict(data["entries"])
            except (ValueError, KeyError, TypeError, AttributeError):
                pass  # unreadable: diff again and overwrite it

    def redline(self, old: Version, new: Version, links: RedlineLinks | None = None) -> Redline:
        """``old`` → ``new`` as a Change (sections only) and its HTML redline.

        ``links`` says where the redline is shown, so the policy text's links resolve there.
        """
        where = links.key() if links else ""
        key = hashlib.sha256(f"{old.sha256}\0{new.sha256}\0{where}".encode()).hexdigest()
        self._used.add(key)
        entry = self._entries.get(key)
        if entry is not None:
            try:
                sections = tuple(SectionChange(**s) for s in entry["sections"])
                self.hits += 1
                return Change(new.policy, old, new, sections), str(entry["html"])
            except (KeyError, TypeError):
                pass  # an entry from another layout: diff again
        self.misses += 1
        change = diff_engine.compare(old, new)
        rendered = render_html_module.render_html(change, relink=links.relink if links else None)
        stored = [{k: v for k, v in asdict(s).items() if k != "blocks"} for s in change.sections]
        self._entries[key] = {"sections": stored, "html": rendered}
        return change, rendered

    def save(self) -> None:
        """Write the pairs used in this build (and only those) if anything changed."""
        if self.path is None or (not self.misses and set(self._entries) == self._used):
            return
        entries = {k: v for k, v in self._entries.items() if k in self._used}
        write_atomic(self.path, json.dumps({"engine": self._engine, "entries": entries}))


# --- paths, links and words ------------------------------------------------------------------


def policy_page(pid: str) -> str:
    return f"{pid}.md"


def version_page(pid: str, label: str) -> str:
    return f"{pid}/versions/{label}.md"


def versions_page(pid: str) -> str:
    return f"{pid}/versions/index.md"


def change_page(pid: str, label: str) -> str:
    return f"{pid}/changes/{label}.md"


def page_url(path: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page at ``path``."""
    stem = path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index")
        return stem if directory_urls else stem + "index.html"
    return stem + "/" if directory_urls else stem + ".html"


def relative_path(target: str, start: str) -> str:
    """``posixpath.relpath`` for paths inside the docs tree, without its file-system calls
    (which cost half a second on a 2,000-page site)."""
    to = [p for p in target.split("/") if p and p != "."]
    here = [p for p in start.split("/") if p and p != "."]
    common = 0
    while common < min(len(to), len(here)) and to[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


def link(source: str, target: str, anchor: str = "") -> str:
    """A relative Markdown link from one page of the tree to another (``.md``, as MkDocs wants)."""
    relative = relative_path(target, posixpath.dirname(source))
    return relative + (f"#{anchor}" if anchor else "")


def md(text: str) -> str:
    """Text safe inside Markdown (link text, table cells): no markup, no HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return re.sub(r"([\\`*_{}\[\]()#+!|])", r"\\\1", text)


def format_date(day: dt.date) -> str:
    """25 May 2018: spelled out, the same on every machine (no locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


_MD_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*<?)(\S+?)(>?(?:\s|$))", re.MULTILINE)


def rebase_links(markdown: str, source: str, target: str) -> str:
    """Relative links in a text written at ``source``, rewritten to work from ``target``."""
    base_from = posixpath.dirname(source)
    base_to = posixpath.dirname(target) or "."
    if base_from == posixpath.dirname(target):
        return markdown

    def rebase(url: str) -> str:
        if not url or url.startswith(("#", "/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
            return url
        path, hashmark, fragment = url.partition("#")
        joined = posixpath.normpath(posixpath.join(base_from, path))
        return posixpath.relpath(joined, base_to) + hashmark + fragment

    markdown = _MD_LINK.sub(lambda m: m.group(1) + rebase(m.group(2)), markdown)
    return _REF_DEF.sub(lambda m: m.group(1) + rebase(m.group(2)) + m.group(3), markdown)


def kind_of(version: Version) -> str:
    return {True: "material", False: "editorial", None: "no note"}[version.material]


def _summary(version: Version) -> str:
    if version.note is None:
        return (
            f"*No note: `changelog/{version.policy}/{version.label}.md` is missing, so this "
            "change is not explained yet.*"
        )
    return version.note.summary or "*The note is empty.*"


# --- the pages ---------------------------------------------------------------------------------


@dataclass
class _PolicyContext:
    policy: Policy
    changes: dict[str, Redline]  # version label → its change from the previous version
    shown: Version  # the version /<policy>/ shows: the current one, else the first upcoming
    docs_dir: str
    options: SiteOptions
    renames: dict[str, dict[str, str]]

    def source(self, version: Version) -> str:
        """Where the version's file was in the docs tree (links in it are relative to that)."""
        return posixpath.relpath(version.path, self.docs_dir) if self.docs_dir else version.path

    @property
    def pid(self) -> str:
        return self.policy.id

    def previous(self, version: Version) -> Version | None:
        index = self.policy.versions.index(version)
        return self.policy.versions[index - 1] if index else None

    def following(self, version: Version) -> Version | None:
        index = self.policy.versions.index(version)
        versions = self.policy.versions
        return versions[index + 1] if index + 1 < len(versions) else None

    def text_page(self, version: Version) -> str:
        """Where a version's text is read: the policy page for the one it shows."""
        if version is self.shown:
            return policy_page(self.pid)
        return version_page(self.pid, version.label)


@functools.lru_cache(maxsize=4096)
def _anchors_of(body: str, path: str) -> frozenset[str]:
    return frozenset(s.anchor for s in split_sections(body, path=path) if s.anchor)


def _anchors(version: Version) -> frozenset[str]:
    return _anchors_of(version.body, version.path)


def renames_by_version(policy: Policy, changes: dict[str, Redline]) -> dict[str, dict[str, str]]:
    """For each version: anchors of older versions that the diffs saw renamed → their anchor now.

    One pass over the history (not one per page): a rename is carried forward through later
    renames, and dropped when its section is removed.
    """
    mapping: dict[str, str] = {}
    result: dict[str, dict[str, str]] = {}
    for index, version in enumerate(policy.versions):
        if index:
            change, _ = changes[version.label]
            renamed = {s.old_anchor: s.anchor for s in change.sections if s.old_anchor and s.anchor}
            removed = {s.anchor for s in change.sections if s.status == "removed"}
            mapping = {
                old: renamed.get(now, now) for old, now in mapping.items() if now not in removed
            }
            mapping.update(renamed)
        result[version.label] = dict(mapping)
    return result


def anchor_aliases(context: _PolicyContext, version: Version) -> dict[str, str]:
    """Old anchors that no longer exist in ``version`` → the anchor that section has now.

    From the version's ``anchor_aliases`` and from every rename the diffs found on the way from
    older versions, so deep links in old mails land on the renamed section.
    """
    present = _anchors(version)
    mapping = {**context.renames[version.label], **version.anchor_aliases}
    return {
        old: now for old, now in sorted(mapping.items()) if old not in present and now in present
    }


def _header(context: _PolicyContext, version: Version, page: str) -> str:
    pid = context.pid
    parts = [f"Version {md(version.label)}", f"effective {format_date(version.effective)}"]
    parts.append(f"[What changed]({link(page, change_page(pid, version.label))})")
    parts.append(f"[All versions]({link(page, versions_page(pid))})")
    return " · ".join(parts) + "\n{ .policysite-header }\n"


def _retired_on(version: Version) -> str:
    assert version.retired is not None
    return format_date(version.retired)


def _retired_sentence(version: Version) -> str:
    return f"This policy was retired on {_retired_on(version)}; it no longer applies."


def _banner(kind: str, title: str, text: str) -> str:
    body = "\n".join("    " + line if line else "" for line in text.splitlines())
    return f'!!! {kind} policysite-banner "{title}"\n{body}\n'


def _policy_page(context: _PolicyContext, draft: str | None) -> SitePage:
    version, pid = context.shown, context.pid
    path = policy_page(pid)
    header = _header(context, version, path)
    if draft is not None:
        header += "\n" + _banner(
            "warning",
            "Draft preview",
            f"This text has changes that are not committed. The published page shows version "
            f"{md(version.label)}.",
        )
    elif version.status == "retired":
        header += "\n" + _banner("warning", "Retired policy", _retired_sentence(version))
    elif version.status == "upcoming":
        header += "\n" + _banner(
            "info",
            "Not in effect yet",
            f"This policy takes effect on {format_date(version.effective)}.",
        )
    for upcoming in context.policy.upcoming:
        if upcoming is version:
            continue
        header += "\n" + _banner(
            "info",
            f"Version {md(upcoming.label)} takes effect on {format_date(upcoming.effective)}",
            f"[Read version {md(upcoming.label)}]({link(path, version_page(pid, upcoming.label))})"
            f" · [What changes]({link(path, change_page(pid, upcoming.label))})",
        )
    retired = version.retired
    if retired is not None and version.status != "retired" and draft is None:
        header += "\n" + _banner(
            "info",
            "To be retired",
            f"This policy will be retired on {format_date(retired)}; it applies until then.",
        )
    body = draft if draft is not None else version.body
    return SitePage(
        path,
        version.title,
        rebase_links(body, context.source(version), path),
        "policy",
        header=header,
        policy=pid,
        in_nav=True,
        searchable=True,
        aliases=anchor_aliases(context, version),
    )


def _version_page(context: _PolicyContext, version: Version) -> SitePage:
    pid = context.pid
    path = version_page(pid, version.label)
    shown = context.shown
    current_link = f"[{md(shown.label)}]({link(path, policy_page(pid))})"
    if version.status == "retired":
        banner = _banner(
            "warning",
            "Retired policy",
            f"This is the last version, in force from {format_date(version.effective)}. "
            + _retired_sentence(version),
        )
    elif version.status == "archived":
        following = context.following(version)
        assert following is not None
        last_day = following.effective - dt.timedelta(days=1)
        if last_day < version.effective:
            applied = "This version was replaced on the day it took effect, " + format_date(
                version.effective
            )
        else:
            applied = (
                f"This version applied from {format_date(version.effective)} to "
                f"{format_date(last_day)}"
            )
        latest = (
            f"the policy was retired on {_retired_on(shown)} (last version {current_link})"
            if shown.status == "retired"
            else f"the current version is {current_link}"
        )
        banner = _banner("warning", "Archived version", f"{applied}; {latest}.")
    elif version.status == "current":
        banner = _banner(
            "success",
            "Current version",
            f"This is the version in force since {format_date(version.effective)}; it is also "
            f"on [the policy page]({link(path, policy_page(pid))}).",
        )
    else:
        until = (
            f"Until then, version {current_link} applies."
            if shown.status == "current"
            else "No earlier version exists."
        )
        banner = _banner(
            "info",
            "Upcoming version",
            f"This version takes effect on {format_date(version.effective)}. {until}",
        )
    return SitePage(
        path,
        f"{version.title} {version.label}",
        rebase_links(version.body, context.source(version), path),
        "version",
        header=_header(context, version, path) + "\n" + banner,
        policy=pid,
        indexable=False,
        aliases=anchor_aliases(context, version),
    )


def _applies(context: _PolicyContext, version: Version) -> str:
    following = context.following(version)
    start = format_date(version.effective)
    if version.status == "retired":
        return f"{start} – {_retired_on(version)} (retired)"
    if version.status == "upcoming":
        return f"from {start} (upcoming)"
    if following is None or following.status == "upcoming":
        return f"since {start}"
    last = following.effective - dt.timedelta(days=1)
    return f"{start} – {format_date(last)}" if last >= version.effective else f"{start} (replaced)"


def _url_between(context: _PolicyContext, source: str, target: str) -> str:
    """A relative URL (not a .md link) from one page to another, for scripts."""
    return url_between(source, target, context.options.directory_urls)


def url_between(source: str, target: str, directory_urls: bool = True) -> str:
    """The relative URL (not a .md link) of the page ``target`` from the page ``source``."""
    relative = posixpath.relpath(
        page_url(target, directory_urls) or ".", _url_folder(source, directory_urls)
    )
    return relative + "/" if directory_urls else relative


def _url_folder(page: str, directory_urls: bool) -> str:
    """The folder a relative URL on ``page`` is resolved from."""
    return posixpath.dirname(page_url(page, directory_urls)) or "."


def _versions_page(context: _PolicyContext) -> SitePage:
    pid, policy = context.pid, context.policy
    path = versions_page(pid)
    pattern = change_page(pid, "{version}")
    lines = [
        f"Every published version of the [{md(policy.title)}]({link(path, policy_page(pid))}), "
        f"newest first. [What changed in all policies]({link(path, 'changes/index.md')}).",
        "",
        f'<div class="policysite-picker" data-policysite-policy="{html.escape(pid)}" '
        f'data-policysite-change-url="{html.escape(_url_between(context, path, pattern))}" '
        f'data-policysite-site-url="{html.escape(context.options.site_url)}"></div>',
        "",
    ]
    for version in reversed(policy.versions):
        status = "" if version.status == "archived" else f" ({version.status})"
        lines += [
            f"## Version {md(version.label)}{status} {{#version-{version.label}}}",
            "",
            f"In force {_applies(context, version)} · {kind_of(version)} · "
            f"[Read]({link(path, context.text_page(version))}) · "
            f"[What changed]({link(path, change_page(pid, version.label))})",
            "",
            _summary(version),
            "",
        ]
    return SitePage(path, f"{policy.title}: all versions", "\n".join(lines), "versions", policy=pid)


def _change_page(context: _PolicyContext, version: Version) -> SitePage:
    pid = context.pid
    path = change_page(pid, version.label)
    previous = context.previous(version)
    new_text = context.text_page(version)
    lines: list[str] = []
    if previous is None:
        header = (
            f"First version, effective {format_date(version.effective)} · {kind_of(version)} · "
            f"[Read it]({link(path, new_text)}) · [All versions]({link(path, versions_page(pid))})"
        )
    else:
        header = (
            f"From [version {md(previous.label)}]({link(path, context.text_page(previous))}) "
            f"(effective {format_date(previous.effective)}) to "
            f"[version {md(version.label)}]({link(path, new_text)}) "
            f"(effective {format_date(version.effective)}) · {kind_of(version)} · "
            f"[All versions]({link(path, versions_page(pid))})"
        )
    lines += ["## Summary", "", _summary(version), ""]
    if previous is not None:
        change, redline = context.changes[version.label]
        lines += ["## Changed sections", ""]
        if not change.changed:
            lines.append("The text of the sections is unchanged.")
        for section in change.changed:
            lines.append("- " + _section_line(context, path, previous, version, section))
        lines += ["", "## Redline", "", redline.strip(), ""]
    return SitePage(
        path,
        f"{version.title} {version.label}: what changed",
        "\n".join(lines),
        "change",
        header=header + "\n{ .policysite-header }\n",
        policy=pid,
    )


def _section_line(
    context: _PolicyContext, page: str, old: Version, new: Version, section: SectionChange
) -> str:
    title = md(section.title or "Introduction")
    if section.status == "removed":
        target = link(page, context.text_page(old), section.anchor)
        return f"[{title}]({target}) — removed ({section.words_removed} words)"
    # Only what the redline cache keeps (no blocks), so a cached build reads the same.
    words = f"+{section.words_added} −{section.words_removed} words"
    if not section.words_added and not section.words_removed:
        words = "punctuation or formatting only"
    label: str = section.status
    if section.old_title is not None and section.old_title != section.title:
        label += f", was “{md(section.old_title)}”"
    target = link(page, context.text_page(new), section.anchor)
    return f"[{title}]({target}) — {label} ({words})"


def _home_page(contexts: list[_PolicyContext]) -> SitePage:
    path = "index.md"
    lines = [
        "| Policy | Version | In force since | Last change |",
        "| --- | --- | --- | --- |",
    ]
    notices: list[str] = []
    retired: list[str] = []
    for context in contexts:
        shown, pid = context.shown, context.pid
        latest = context.policy.versions[-1]
        if shown.status == "retired":
            retired.append(
                f"- [{md(shown.title)}]({policy_page(pid)}), retired on "
                f"{_retired_on(shown)} · [all versions]({versions_page(pid)})"
            )
            continue
        since = format_date(shown.effective) if shown.status == "current" else "not yet"
        lines.append(
            f"| [{md(shown.title)}]({policy_page(pid)}) | {md(shown.label)} | {since} | "
            f"[{md(latest.label)}, {kind_of(latest)}]({change_page(pid, latest.label)}) |"
        )
        for upcoming in context.policy.upcoming:
            notices.append(
                f"- {md(shown.title)} {md(upcoming.label)} takes effect on "
                f"{format_date(upcoming.effective)}: "
                f"[what changes]({change_page(pid, upcoming.label)})"
            )
    if notices:
        lines += ["", "## Coming changes", "", *notices]
    if retired:
        lines += ["", "## Retired policies", "", "These no longer apply; their texts stay.", ""]
        lines += retired
    lines += [
        "",
        "[Every change to every policy](changes/index.md) · "
        "[Atom feed](feed.xml) · [versions.json](versions.json)",
        "",
    ]
    return SitePage(path, "Policies", "\n".join(lines), "home", in_nav=True)


def _changes_page(contexts: list[_PolicyContext]) -> SitePage:
    path = "changes/index.md"
    versions = sorted(
        (v for c in contexts for v in c.policy.versions),
        key=lambda v: (v.effective, v.date, v.policy),
        reverse=True,
    )
    lines = [
        "Every version of every policy, newest first. Also as an [Atom feed](../feed.xml).",
        "",
        "| Effective | Policy | Version | Kind | Status |",
        "| --- | --- | --- | --- | --- |",
    ]
    for version in versions:
        lines.append(
            f"| {version.effective.isoformat()} | "
            f"[{md(version.title)}]({link(path, policy_page(version.policy))}) | "
            f"[{md(version.label)}]({link(path, change_page(version.policy, version.label))}) | "
            f"{kind_of(version)} | {version.status} |"
        )
    return SitePage(path, "All changes", "\n".join(lines) + "\n", "changes")


# --- files -------------------------------------------------------------------------------------


def versions_json(records: list[dict[str, object]]) -> str:
    """The machine-readable index, keys sorted so two builds give the same bytes."""
    return json.dumps(records, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def atom_feed(
    site_name: str, site_url: str, contexts: list[_PolicyContext], directory_urls: bool = True
) -> str:
    """Atom: one entry per version, newest first, ids stable across builds, dates from git."""
    atom = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", atom)

    def tag(name: str) -> str:
        return f"{{{atom}}}{name}"

    def sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag(name), attrs)
        element.text = text
        return element

    host = urlsplit(site_url).hostname or ""
    versions = sorted(
        (v for c in contexts for v in c.policy.versions),
        key=lambda v: (v.date, v.effective, v.policy),
        reverse=True,
    )
    feed = ET.Element(tag("feed"))
    sub(feed, "title", f"{site_name}: changes")
    sub(feed, "id", site_url + "feed.xml" if site_url else "urn:policysite:feed")
    sub(feed, "link", rel="self", href=site_url + "feed.xml")
    sub(feed, "link", rel="alternate", type="text/html", href=site_url + "changes/")
    updated = max((v.date for v in versions), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    sub(feed, "updated", updated.isoformat())
    author = sub(feed, "author")
    sub(author, "name", site_name)
    for version in versions:
        entry = sub(feed, "entry")
        kind = kind_of(version)
        sub(
            entry,
            "title",
            f"{version.title} {version.label} ({kind}), effective {format_date(version.effective)}",
        )
        day = version.date.date().isoformat()
        entry_id = (
            f"tag:{host},{day}:{version.policy}/{version.label}"
            if host
            else f"urn:policysite:{version.policy}:{version.label}"
        )
        sub(entry, "id", entry_id)
        url = site_url + page_url(change_page(version.policy, version.label), directory_urls)
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "published", version.date.isoformat())
        sub(entry, "updated", version.date.isoformat())
        sub(entry, "category", term=kind.replace(" ", "-"))
        summary = version.note.summary if version.note else "No note."
        sub(entry, "summary", summary, type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"


# --- the whole site ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteOptions:
    site_name: str = "Policies"
    site_url: str = ""
    directory_urls: bool = True
    docs_dir: str = "policies"
    home: bool = True  # generate index.md (False when the docs folder has its own)
    drafts: Mapping[str, str] = field(default_factory=dict)  # policy → uncommitted body


def build_site(
    policies: Iterable[Policy],
    records: list[dict[str, object]],
    options: SiteOptions,
    cache: RedlineCache,
) -> Site:
    """Every page and file of the site for these policies (status decided by the caller)."""
    contexts: list[_PolicyContext] = []
    for policy in policies:
        if not policy.versions:
            continue
        shown = policy.shown or policy.versions[0]
        changes = {
            new.label: cache.redline(old, new, _redline_links(policy, shown, old, new, options))
            for old, new in zip(policy.versions, policy.versions[1:], strict=False)
        }
        renames = renames_by_version(policy, changes)
        contexts.append(_PolicyContext(policy, changes, shown, options.docs_dir, options, renames))
    pages: list[SitePage] = []
    for context in contexts:
        pages.append(_policy_page(context, options.drafts.get(context.pid)))
        pages.append(_versions_page(context))
        for version in context.policy.versions:
            pages.append(_version_page(context, version))
            pages.append(_change_page(context, version))
    if options.home:
        pages.append(_home_page(contexts))
    pages.append(_changes_page(contexts))
    _check_unique(pages, options.directory_urls)
    cache.save()
    files = (
        SiteFile("versions.json", versions_json(records)),
        SiteFile(
            "feed.xml",
            atom_feed(options.site_name, options.site_url, contexts, options.directory_urls),
        ),
    )
    return Site(tuple(pages), files)


def _redline_links(
    policy: Policy, shown: Version, old: Version, new: Version, options: SiteOptions
) -> RedlineLinks:
    def text_page(version: Version) -> str:
        return (
            policy_page(policy.id) if version is shown else version_page(policy.id, version.label)
        )

    def source(version: Version) -> str:
        docs_dir = options.docs_dir
        return posixpath.relpath(version.path, docs_dir) if docs_dir else version.path

    return RedlineLinks(
        change_page(policy.id, new.label),
        text_page(old),
        text_page(new),
        source(old),
        source(new),
        options.directory_urls,
    )


def _check_unique(pages: list[SitePage], directory_urls: bool) -> None:
    seen: dict[str, str] = {}
    for page in pages:
        url = page_url(page.path, directory_urls)
        if url in seen:
            raise ConfigError(
                f"the site would have two pages at /{url} ({seen[url]} and {page.path}); "
                "rename the policy file whose name clashes (e.g. a policy called 'changes')."
            )
        seen[url] = page.path


def load_site(settings: Settings, policies: list[Policy], options: SiteOptions) -> Site:
    """``build_site`` with the site's records and its on-disk redline cache."""
    records = [version_record(settings, v) for p in policies for v in p.versions]
    cache = RedlineCache(settings.root / ".policysite" / "cache" / "redline")
    return build_site(policies, records, options, cache)


def export_tree(site: Site, folder: Path) -> None:
    """Write the site's pages (with their headers) and files as a plain docs tree."""
    for page in site.pages:
        write_atomic(folder / page.path, page.source())
    for item in site.files:
        write_atomic(folder / item.path, item.text)


# --- raw HTML --------------------------------------------------------------------------------

_TAGS = set(nh3.ALLOWED_TAGS) | {"section", "tfoot"}
_URL_ATTRS = {"href", "src"}


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and value.startswith(("__", "md-")):
        return None  # would clobber the theme's own elements (Material's #__config …)
    if attribute in _URL_ATTRS and element != "a" and re.match(r"^\s*(?:[a-z]+:)?//", value, re.I):
        return None  # an image or media from another host: a third-party request
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes={
        "*": {"id", "class", "title", "lang", "dir"},
        "a": {"href", "hreflang"},
        "img": {"alt", "src", "width", "height"},
        "th": {"colspan", "rowspan", "scope", "align", "style"},
        "td": {"colspan", "rowspan", "align", "style"},
        "ol": {"start"},
        "time": {"datetime"},
        "ins": {"datetime", "cite"},
        "del": {"datetime", "cite"},
    },
    attribute_filter=_attribute_filter,
    generic_attribute_prefixes={"data-policysite-"},
    filter_style_properties={"text-align"},
    link_rel=None,
    strip_comments=True,
)


def sanitize_html(html_text: str) -> str:
    """Rendered page content with anything active removed (scripts, handlers, forms, iframes).

    Headings keep their ids (deep links), so do the theme's permalinks and our banners.
    """
    return _CLEANER.clean(html_text)
