"""The site's pages as data: what each page says, as Markdown for MkDocs + Material.

One ``PolicyContext`` per policy (its versions, the redline of each, the anchors renamed on the
way) and one function per kind of page: the policy's current text, each version's text, the
versions list, a change page per version, the home page and ``/changes/``. Where pages live and
link to is ``urls``'s business.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from policysite import urls
from policysite.model import Policy, SectionChange, Version
from policysite.site.anchors import anchor_aliases
from policysite.site.redlines import Redline, RedlineLinks
from policysite.site.text import (
    DEFAULT_LANGUAGE,
    NO_SUMMARY,
    banner,
    format_date,
    kind_of,
    md,
    rebase_links,
    retired_on,
    retired_sentence,
)
from policysite.urls import page_link as link

PageKind = Literal["home", "policy", "version", "versions", "change", "changes"]


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
    lang: str = ""  # the page's language when not the site's (a translation's: "nb")

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

    def aliases_script(self) -> str:
        """The page's old anchors as data for the script that follows them ("" if none)."""
        if not self.aliases:
            return ""
        data = json.dumps(self.aliases, sort_keys=True).replace("<", "\\u003c")
        return f'\n<script type="application/json" id="policysite-aliases">{data}</script>'


@dataclass(frozen=True)
class SiteOptions:
    site_name: str = "Policies"
    site_url: str = ""
    directory_urls: bool = True
    docs_dir: str = "policies"
    changelog_dir: str = "changelog"
    home: bool = True  # generate index.md (False when the docs folder has its own)
    drafts: Mapping[str, str] = field(default_factory=dict)  # policy → uncommitted body
    show_missing_notes: bool = True  # False: a version without a note says nothing about it
    language: str = DEFAULT_LANGUAGE  # the theme's language: how dates are written
    pdf: bool = False  # a PDF of every version, linked from its page and the versions list

    def date(self, day: dt.date) -> str:
        """A day as every page of this site writes it (``text.format_date``)."""
        return format_date(day, self.language)


@dataclass
class PolicyContext:
    """One policy as its pages need it: the version it shows, and each version's redline."""

    policy: Policy
    shown: Version  # the version /<policy>/ shows: the current one, else the first upcoming
    options: SiteOptions
    changes: dict[str, Redline] = field(default_factory=dict)  # label → change from previous
    renames: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # By identity: tuple.index compares whole Versions field by field (n² on long histories).
        self._index = {id(v): i for i, v in enumerate(self.policy.versions)}

    @property
    def pid(self) -> str:
        return self.policy.id

    @property
    def language(self) -> str:
        return self.options.language

    def date(self, day: dt.date) -> str:
        return self.options.date(day)

    def source(self, version: Version) -> str:
        """Where the version's file was in the docs tree (links in it are relative to that)."""
        return _docs_path(version.path, self.options.docs_dir)

    def previous(self, version: Version) -> Version | None:
        index = self._index[id(version)]
        return self.policy.versions[index - 1] if index else None

    def following(self, version: Version) -> Version | None:
        index = self._index[id(version)]
        versions = self.policy.versions
        return versions[index + 1] if index + 1 < len(versions) else None

    def text_page(self, version: Version) -> str:
        """Where a version's text is read: the policy page for the one it shows."""
        if version is self.shown:
            return urls.policy_page(self.pid)
        return urls.version_page(self.pid, version.label)

    def redline_links(self, old: Version, new: Version) -> RedlineLinks:
        """Where the redline of ``old`` → ``new`` is shown and where its texts are."""
        return RedlineLinks(
            urls.change_page(self.pid, new.label),
            self.text_page(old),
            self.text_page(new),
            self.source(old),
            self.source(new),
            self.options.directory_urls,
        )

    def summary(self, version: Version) -> str:
        """The version's note for the reader; no file path (``check`` names the missing note).
        "" on a site that does not mention missing notes (``show_missing_notes: false``)."""
        if version.note is None:
            return f"*{NO_SUMMARY}*" if self.options.show_missing_notes else ""
        return version.note.summary or "*The note is empty.*"


@functools.lru_cache(maxsize=1024)
def _docs_path(path: str, docs_dir: str) -> str:
    return posixpath.relpath(path, docs_dir) if docs_dir else path


# --- a policy's pages --------------------------------------------------------------------------


def _header(context: PolicyContext, version: Version, page: str) -> str:
    pid = context.pid
    parts = [f"Version {md(version.label)}", f"effective {context.date(version.effective)}"]
    parts.append(f"[What changed]({link(page, urls.change_page(pid, version.label))})")
    parts.append(f"[All versions]({link(page, urls.versions_page(pid))})")
    return " · ".join(parts) + "\n{ .policysite-header }\n"


def policy_page(context: PolicyContext, draft: str | None) -> SitePage:
    """``/<policy>/``: the text it shows, with banners for drafts, upcoming and retired ones."""
    version, pid = context.shown, context.pid
    path = urls.policy_page(pid)
    header = _header(context, version, path)
    if draft is not None:
        header += "\n" + banner(
            "warning",
            "Draft preview",
            f"This text has changes that are not committed. The published page shows version "
            f"{md(version.label)}.",
        )
    elif version.status == "retired":
        header += "\n" + banner(
            "warning", "Retired policy", retired_sentence(version, context.language)
        )
    elif version.status == "upcoming":
        header += "\n" + banner(
            "info",
            "Not in effect yet",
            f"This policy takes effect on {context.date(version.effective)}.",
        )
    for upcoming in context.policy.upcoming:
        if upcoming is version:
            continue
        header += "\n" + banner(
            "info",
            f"Version {md(upcoming.label)} takes effect on {context.date(upcoming.effective)}",
            f"[Read version {md(upcoming.label)}]"
            f"({link(path, urls.version_page(pid, upcoming.label))})"
            f" · [What changes]({link(path, urls.change_page(pid, upcoming.label))})",
        )
    retired = version.retired
    if retired is not None and version.status != "retired" and draft is None:
        header += "\n" + banner(
            "info",
            "To be retired",
            f"This policy will be retired on {context.date(retired)}; it applies until then.",
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
        aliases=anchor_aliases(context.renames[version.label], version),
    )


def version_page(context: PolicyContext, version: Version) -> SitePage:
    """``/<policy>/versions/<v>/``: a version's text, with a banner saying when it applied."""
    pid = context.pid
    path = urls.version_page(pid, version.label)
    shown = context.shown
    current_link = f"[{md(shown.label)}]({link(path, urls.policy_page(pid))})"
    if version.status == "retired":
        note = banner(
            "warning",
            "Retired policy",
            f"This is the last version, in force from {context.date(version.effective)}. "
            + retired_sentence(version, context.language),
        )
    elif version.status == "archived":
        following = context.following(version)
        assert following is not None
        last_day = following.effective - dt.timedelta(days=1)
        if last_day < version.effective:
            applied = "This version was replaced on the day it took effect, " + context.date(
                version.effective
            )
        else:
            applied = (
                f"This version applied from {context.date(version.effective)} to "
                f"{context.date(last_day)}"
            )
        latest = (
            f"the policy was retired on {retired_on(shown, context.language)} "
            f"(last version {current_link})"
            if shown.status == "retired"
            else f"the current version is {current_link}"
        )
        note = banner("warning", "Archived version", f"{applied}; {latest}.")
    elif version.status == "current":
        note = banner(
            "success",
            "Current version",
            f"This is the version in force since {context.date(version.effective)}; it is also "
            f"on [the policy page]({link(path, urls.policy_page(pid))}).",
        )
    else:
        until = (
            f"Until then, version {current_link} applies."
            if shown.status == "current"
            else "No earlier version exists."
        )
        note = banner(
            "info",
            "Upcoming version",
            f"This version takes effect on {context.date(version.effective)}. {until}",
        )
    if context.options.pdf:
        pdf = link(path, urls.pdf_file(pid, version.label))
        note += f"\n[This version as a PDF]({pdf}){{ .policysite-pdf }}\n"
    return SitePage(
        path,
        f"{version.title} {version.label}",
        rebase_links(version.body, context.source(version), path),
        "version",
        header=_header(context, version, path) + "\n" + note,
        policy=pid,
        indexable=False,
        aliases=anchor_aliases(context.renames[version.label], version),
    )


def _applies(context: PolicyContext, version: Version) -> str:
    following = context.following(version)
    start = context.date(version.effective)
    if version.status == "retired":
        return f"{start} – {retired_on(version, context.language)} (retired)"
    if version.status == "upcoming":
        return f"from {start} (upcoming)"
    if following is None or following.status == "upcoming":
        return f"since {start}"
    last = following.effective - dt.timedelta(days=1)
    return f"{start} – {context.date(last)}" if last >= version.effective else f"{start} (replaced)"


def versions_page(context: PolicyContext) -> SitePage:
    """``/<policy>/versions/``: every version, newest first, and the in-force/compare tools."""
    pid, policy = context.pid, context.policy
    path = urls.versions_page(pid)
    pattern = urls.change_page(pid, "{version}")
    change_url = urls.url_between(path, pattern, context.options.directory_urls)
    lines = [
        f"Every published version of the [{md(policy.title)}]"
        f"({link(path, urls.policy_page(pid))}), newest first. "
        f"[What changed in all policies]({link(path, urls.CHANGES_PAGE)}).",
        "",
        f'<div class="policysite-picker" data-policysite-policy="{html.escape(pid)}" '
        f'data-policysite-change-url="{html.escape(change_url)}" '
        f'data-policysite-site-url="{html.escape(context.options.site_url)}"></div>',
        "",
    ]
    for version in reversed(policy.versions):
        status = "" if version.status == "archived" else f" ({version.status})"
        lines += [
            f"## Version {md(version.label)}{status} {{#{urls.version_anchor(version.label)}}}",
            "",
            f"In force {_applies(context, version)} · {kind_of(version)} · "
            f"[Read]({link(path, context.text_page(version))}) · "
            f"[What changed]({link(path, urls.change_page(pid, version.label))})"
            + (
                f" · [PDF]({link(path, urls.pdf_file(pid, version.label))})"
                if context.options.pdf
                else ""
            ),
            "",
            context.summary(version),
            "",
        ]
    return SitePage(path, f"{policy.title}: all versions", "\n".join(lines), "versions", policy=pid)


def change_page(context: PolicyContext, version: Version) -> SitePage:
    """``/<policy>/changes/<v>/``: the note, the changed sections and the redline."""
    pid = context.pid
    path = urls.change_page(pid, version.label)
    previous = context.previous(version)
    new_text = context.text_page(version)
    all_versions = link(path, urls.versions_page(pid))
    lines: list[str] = []
    if previous is None:
        header = (
            f"First version, effective {context.date(version.effective)} · {kind_of(version)} · "
            f"[Read it]({link(path, new_text)}) · [All versions]({all_versions})"
        )
    else:
        header = (
            f"From [version {md(previous.label)}]({link(path, context.text_page(previous))}) "
            f"(effective {context.date(previous.effective)}) to "
            f"[version {md(version.label)}]({link(path, new_text)}) "
            f"(effective {context.date(version.effective)}) · {kind_of(version)} · "
            f"[All versions]({all_versions})"
        )
    summary = context.summary(version)
    lines += ["## Summary", "", summary, ""] if summary else []
    if previous is not None:
        change, redline = context.changes[version.label]
        lines += ["## Changed sections", ""]
        if not change.changed:
            lines.append("The text of the sections is unchanged.")
        for section in change.changed:
            lines.append("- " + _section_line(section))
        lines += ["", "## Redline", "", redline.strip(), ""]
    return SitePage(
        path,
        f"{version.title} {version.label}: what changed",
        "\n".join(lines),
        "change",
        header=header + "\n{ .policysite-header }\n",
        policy=pid,
    )


def _section_line(section: SectionChange) -> str:
    """A changed section, linked to its redline further down the same page."""
    title = md(section.title or "Introduction")
    target = "#" + urls.redline_id(section.anchor)
    if section.status == "removed":
        return f"[{title}]({target}) — removed ({section.words_removed} words)"
    # Only what the redline cache keeps (no blocks), so a cached build reads the same.
    words = f"+{section.words_added} −{section.words_removed} words"
    if not section.words_added and not section.words_removed:
        words = "punctuation or formatting only"
    label: str = section.status
    if section.old_title is not None and section.old_title != section.title:
        label += f", was “{md(section.old_title)}”"
    return f"[{title}]({target}) — {label} ({words})"


# --- the site's own pages ----------------------------------------------------------------------


def home_page(contexts: list[PolicyContext], options: SiteOptions) -> SitePage:
    """``/``: every policy, its version in force, coming changes and retired policies."""
    path = urls.HOME_PAGE
    lines = [
        "| Policy | Version | In force since | Last change |",
        "| --- | --- | --- | --- |",
    ]
    notices: list[str] = []
    retired: list[str] = []
    for context in contexts:
        shown, pid = context.shown, context.pid
        latest = context.policy.versions[-1]
        policy = link(path, urls.policy_page(pid))
        if shown.status == "retired":
            retired.append(
                f"- [{md(shown.title)}]({policy}), retired on {retired_on(shown, context.language)}"
                f" · [all versions]({link(path, urls.versions_page(pid))})"
            )
            continue
        since = context.date(shown.effective) if shown.status == "current" else "not yet"
        lines.append(
            f"| [{md(shown.title)}]({policy}) | {md(shown.label)} | {since} | "
            f"[{md(latest.label)}, {kind_of(latest)}]"
            f"({link(path, urls.change_page(pid, latest.label))}) |"
        )
        for upcoming in context.policy.upcoming:
            notices.append(
                f"- {md(shown.title)} {md(upcoming.label)} takes effect on "
                f"{context.date(upcoming.effective)}: "
                f"[what changes]({link(path, urls.change_page(pid, upcoming.label))})"
            )
    if notices:
        lines += ["", "## Coming changes", "", *notices]
    if retired:
        lines += ["", "## Retired policies", "", "These no longer apply; their texts stay.", ""]
        lines += retired
    lines += [
        "",
        f"[Every change to every policy]({link(path, urls.CHANGES_PAGE)}) · "
        f"[Atom feed]({link(path, urls.FEED_FILE)}) · "
        f"[versions.json]({link(path, urls.VERSIONS_FILE)})",
        "",
    ]
    return SitePage(path, "Policies", "\n".join(lines), "home", in_nav=True)


def changes_page(contexts: list[PolicyContext], options: SiteOptions) -> SitePage:
    """``/changes/``: every version of every policy, newest first, a table per year (so the
    table of contents is a list of years), and a filter by policy and kind (the script builds
    it: without a script every row stays shown)."""
    path = urls.CHANGES_PAGE
    versions = sorted(
        (v for c in contexts for v in c.policy.versions),
        key=lambda v: (v.effective, v.date, v.policy),
        reverse=True,
    )
    lines = [
        "Every version of every policy, newest first. "
        f"Also as an [Atom feed]({link(path, urls.FEED_FILE)}).",
        "",
        '<div class="policysite-changes-filter"></div>',
    ]
    year = None
    for version in versions:
        if version.effective.year != year:
            year = version.effective.year
            lines += [
                "",
                f"## {year} {{#{year}}}",
                "",
                "| Effective | Policy | Version | Kind | Status |",
                "| --- | --- | --- | --- | --- |",
            ]
        policy = link(path, urls.policy_page(version.policy))
        change = link(path, urls.change_page(version.policy, version.label))
        lines.append(
            f"| {options.date(version.effective)} | [{md(version.title)}]({policy}) | "
            f"[{md(version.label)}]({change}) | {kind_of(version)} | {version.status} |"
        )
    return SitePage(path, "All changes", "\n".join(lines) + "\n", "changes")
