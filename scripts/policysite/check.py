"""The editorial rules a pull request must pass: ``policysite check``.

The proposed state is the working tree (what CI checked out, or what a pre-commit hook sees);
the published state is the history at ``base`` (``origin/main`` in CI, ``HEAD`` locally).
Every rule returns findings instead of raising, so one run reports every problem at once, each
with its file, line and the fix. Knows nothing of MkDocs or email.

Every message a rule can print is a template in ``MESSAGES``; EDITING.md quotes each of them
(tests/test_check.py holds the guide to that), so an editor can look any message up.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html.parser
import json
import posixpath
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from policysite.config import Settings, today
from policysite.errors import (
    NotFoundError,
    PolicyError,
    PolicySiteError,
    ProblemList,
    each_problem,
)
from policysite.history import (
    find_repository,
    read_file_at,
    renamed_files,
    resolve_commit,
)
from policysite.lock import LOCK_FILE, LockEntry, parse_lock, read_lock, write_lock
from policysite.model import (
    Document,
    Note,
    Policy,
    Section,
    key_line,
    next_label,
    parse_document,
    policy_id,
)
from policysite.sections import split_sections
from policysite.versions import load_policies
from policysite.worktree import read_all_notes, read_policies

Severity = Literal["error", "warning"]

# Every message ``check`` prints, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    # --- versions --------------------------------------------------------------------------
    "unversioned-edit": (
        "the text changed since {base} but 'version' is still \"{version}\", which is already "
        "published; every change of a published text needs a new version: set "
        '`version: "{next}"` (and `effective:`), and add {note}.'
    ),
    "version-missing": (
        "has no 'version', but its published versions have labels (the last is \"{last}\"); "
        'add `version: "{next}"` and `effective: YYYY-MM-DD` to the front matter.'
    ),
    "version-unlabelled": (
        "has no 'version', so each commit becomes a version labelled by its date and needs no "
        'changelog note; to publish it with a label, add `version: "1.0"` and '
        "`effective: YYYY-MM-DD` to the front matter."
    ),
    "label-reused": (
        'version "{version}" was already published (commit {commit}) with a different text; '
        'give this text a new label, e.g. version: "{next}".'
    ),
    "effective-order": (
        'version "{version}" takes effect {effective}, before the previous version '
        '"{previous}" ({previous_effective}); set `effective:` to {previous_effective} or later.'
    ),
    "notice-period": (
        'version "{version}" is a material change taking effect {effective}, only {days} '
        "day(s) after today ({today}); users must be told {notice_days} days ahead "
        "(notice_days in mkdocs.yml): set `effective:` to {earliest} or later."
    ),
    "policy-deleted": (
        "was deleted, but it has published versions ({versions}) that readers may hold links "
        "to; restore the file and retire the policy instead: add `retired: YYYY-MM-DD` to its "
        "front matter with a new version (the site keeps its archive and shows it as retired)."
    ),
    # --- changelog notes --------------------------------------------------------------------
    "note-missing": (
        'version "{version}" has no changelog note; create {note} with `material: true` '
        "(users are notified) or `material: false` (an editorial fix) between --- lines, then "
        "a summary of what changed and why."
    ),
    "note-empty": (
        "has no summary; below the front matter, write what changed and why (readers see it "
        "on the site, and in the mail when material)."
    ),
    "note-orphan": (
        'is a note for version "{version}" of {policy}, which does not exist (versions: '
        "{known}); rename the note to the version it describes, or delete it."
    ),
    "note-orphan-policy": (
        "is a note for a policy '{policy}', but there is no {path}; move the note to the "
        "folder of the policy it describes (changelog/<policy>/<version>.md), or delete it."
    ),
    # --- anchors ----------------------------------------------------------------------------
    "anchor-duplicate": (
        "anchor '#{anchor}' is used again (first on line {first}); give this heading its own "
        "{{#id}}, e.g. {{#{anchor}-2}}."
    ),
    "anchor-renamed": (
        "anchor '#{anchor}' (heading \"{title}\" in version {version}) is gone, so links to "
        "{policy}#{anchor} would break; the heading looks renamed to '#{new}' (\"{new_title}\"): "
        "put {{#{anchor}}} back on it, or add `anchor_aliases: {{{anchor}: {new}}}` to the "
        "front matter."
    ),
    "anchor-removed": (
        "anchor '#{anchor}' (heading \"{title}\" in version {version}) is gone, so links to "
        "{policy}#{anchor} would break; put {{#{anchor}}} back on a heading, or send it to the "
        "closest section with `anchor_aliases: {{{anchor}: <anchor>}}` in the front matter."
    ),
    "alias-target": (
        "anchor_aliases sends '#{alias}' to '#{target}', which no heading of this page has; "
        "point it at one of: {known}."
    ),
    "alias-shadowed": (
        "anchor_aliases lists '#{alias}', but a heading has that anchor, so the alias is never "
        "used; remove it from anchor_aliases."
    ),
    "anchor-implicit": (
        "heading \"{title}\" has no {{#id}}, so its anchor '#{anchor}' changes whenever its "
        "words do; add {{#{anchor}}} (or a shorter id) at the end of the heading line."
    ),
    # --- links ------------------------------------------------------------------------------
    "link-missing-page": (
        "links to '{target}', but there is no {path}; fix the file name (pages: {known})."
    ),
    "link-missing-file": (
        "links to '{target}', but there is no {path}; add the file or fix the link."
    ),
    "link-missing-anchor": (
        "links to '{target}', but {page} has no heading with anchor '#{fragment}'{hint}."
    ),
    "link-outside": (
        "links to '{target}', which is outside {docs_dir}/ and not part of the site; link to "
        "a page of the site or to a full https:// address."
    ),
    "link-absolute": (
        "links to the site path '{target}'; link to the Markdown file instead (e.g. "
        "cookies.md#consent), so that the link is checked and works in every version."
    ),
    "link-not-markdown": (
        "links to '{target}'; link to the Markdown file instead (e.g. cookies.md#consent), so "
        "that the site and this check can follow it."
    ),
    # --- raw HTML ---------------------------------------------------------------------------
    "html-executable": (
        "<{tag}> can run code or load content in readers' browsers; remove it (a policy is "
        "text: write it in Markdown)."
    ),
    "html-tag": (
        "raw HTML <{tag}> is not allowed in a policy; write it in Markdown (allowed tags: "
        "{allowed})."
    ),
    "html-event": (
        "attribute {attribute}= runs code in readers' browsers; remove it (a policy is text)."
    ),
    "html-attribute": (
        "attribute {attribute}= on <{tag}> is not allowed; remove it (allowed: {allowed})."
    ),
    "link-executable": (
        "link to '{target}' would run code in the reader's browser; link to a page or a "
        "https:// address instead."
    ),
    # --- the published record ---------------------------------------------------------------
    "lock-absent": (
        "is missing, so nothing guards the published texts against a rewritten history; run "
        "`policysite lock` and commit policies.lock."
    ),
    "lock-changed": (
        "{policy} {version} was published with sha256 {locked} ({locked_commit}) but its text "
        "in history now has sha256 {actual} (commit {commit}): a published text must never "
        "change. Restore the original history (ask a developer: the old commit is in any "
        "older clone), and publish the change as a new version."
    ),
    "lock-gone": (
        "records {policy} {version} (sha256 {locked}, {locked_commit}), but history at {base} "
        "has no such version: history was rewritten or the commit dropped. Restore the "
        "original history (ask a developer: {locked_commit} is in any older clone); do not run "
        "`policysite lock`, which would erase {policy} {version} from the record of what was "
        "published."
    ),
    "lock-gone-unmerged": (
        "records {policy} {version} (sha256 {locked}, locked before it was merged, so without "
        "its commit), and {evidence}, but history at {base} has no such version: it was most "
        "likely published, and history was rewritten or the commit dropped. Restore the "
        "original history (ask a developer: the old commit is in any older clone); do not run "
        "`policysite lock`, which would erase {policy} {version} from the record of what was "
        "published."
    ),
    "lock-renamed": (
        "records {policy} {version}, but the policy is now {new} (the file was renamed here; "
        "the text is unchanged); run `policysite lock` and commit policies.lock."
    ),
    "lock-pending": (
        "does not record the new version {policy} {version}; run `policysite lock` and commit "
        'policies.lock (or add a [[version]] table to it with policy = "{policy}", version = '
        '"{version}" and sha256 = "{sha256}", each on its own line).'
    ),
    "lock-pending-stale": (
        "records the new version {policy} {version} with sha256 {locked}, but its text now has "
        "sha256 {actual}; run `policysite lock` again and commit policies.lock."
    ),
    "lock-behind": (
        "does not record {policy} {version} (published at commit {commit}); run `policysite "
        "lock` and commit policies.lock."
    ),
    "lock-stale": (
        "still records {policy} {version}, whose policy file was deleted here; run `policysite "
        "lock` and commit policies.lock."
    ),
    "lock-unpublished": (
        "records {policy} {version}, which was never merged and is not in the working tree any "
        "more; run `policysite lock` and commit policies.lock."
    ),
    "lock-moved": (
        "records {policy} {version} at commit {locked_commit}, but history has the same text "
        "at commit {commit} (history was rewritten; the text is unchanged); run `policysite "
        "lock` and commit policies.lock."
    ),
    "base-changed": (
        "{policy} {version} was published at {base} with sha256 {published} but this branch's "
        "history has sha256 {actual}: the branch rewrote a published version. Start the branch "
        "again from {base} and make the change there as a new version."
    ),
    "base-missing": (
        "the revision '{base}' to compare with does not exist in this clone; fetch it first: "
        "`{fetch}` (GitHub Actions: actions/checkout with `fetch-depth: 0`)."
    ),
}

ALLOWED_TAGS = tuple(
    [
        "a",
        "abbr",
        "b",
        "br",
        "code",
        "del",
        "details",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "p",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "u",
    ]
)
ALLOWED_ATTRIBUTES = ("id", "class", "title", "href", "lang", "dir", "open")
EXECUTABLE_TAGS = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "style",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "svg",
        "math",
        "template",
        "noscript",
    ]
)
EXECUTABLE_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, how bad, and the message with the fix."""

    severity: Severity
    path: str
    line: int
    rule: str
    message: str


def finding(
    rule: str, file: str, line: int, severity: Severity = "error", **values: str
) -> Finding:
    """A finding with the message of ``rule`` filled in."""
    return Finding(severity, file, max(line, 1), rule, MESSAGES[rule].format(**values))


def _from_error(error: PolicySiteError, rule: str = "front-matter") -> Finding:
    detail = error.detail
    if error.commit:
        detail = f"at commit {error.commit[:12]}: {detail}"
    return Finding("error", error.path or "", error.line or 1, rule, detail)


@dataclass(frozen=True)
class Report:
    """What one ``check`` run found."""

    base: str
    findings: tuple[Finding, ...]
    policies: int = 0
    versions: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")


@dataclass(frozen=True)
class Draft:
    """A policy as it stands in the working tree."""

    policy: str
    path: str  # relative to the site root, e.g. policies/privacy.md
    text: str
    sha256: str
    document: Document | None  # None when its front matter is invalid
    sections: list[Section] = field(default_factory=list)

    @property
    def anchors(self) -> set[str]:
        return {s.anchor for s in self.sections if s.anchor}

    @property
    def resolvable(self) -> set[str]:
        aliases = self.document.meta.anchor_aliases if self.document else {}
        return self.anchors | set(aliases)


@dataclass(frozen=True)
class RecordEntry:
    """A version the site will publish: in history at base, or new in the working tree."""

    policy: str
    version: str
    sha256: str
    commit: str | None  # None for a version not committed to base yet
    adopted: bool = False


# --- the pipeline -------------------------------------------------------------------------


def check_site(settings: Settings, base: str | None = None, on: dt.date | None = None) -> Report:
    """Check the working tree against the history at ``base`` (HEAD when None)."""
    on = on or today()
    rev = base or "HEAD"
    findings: list[Finding] = []
    published: list[Policy] = []
    history_ok = True
    if resolve_commit(settings.root, rev) is None:
        if base is not None or _has_commits(settings):
            raise NotFoundError(MESSAGES["base-missing"].format(base=rev, fetch=_fetch_hint(rev)))
    else:
        try:
            published = load_published(settings, rev, on)
        except ProblemList as exc:
            history_ok = False
            findings.extend(_from_error(p) for p in exc.problems)
        except PolicySiteError as exc:
            if not exc.path:
                raise  # shallow clone, not a repository: no finding can say it better
            history_ok = False
            findings.append(_from_error(exc))
    drafts, draft_findings, unreadable = read_drafts(settings)
    # A committed problem the working tree still has is reported once, with its commit.
    committed = {
        (f.path, f.line, f.message.partition(": ")[2])
        for f in findings
        if f.message.startswith("at commit ")
    }
    findings.extend(f for f in draft_findings if (f.path, f.line, f.message) not in committed)
    pairing = pair_drafts(settings, rev, published, drafts, unreadable)
    record = list(pairing.record)
    for policy in pairing.deleted:
        findings.extend(check_deleted(settings, policy))
    deleted = {p.id for p in pairing.deleted}
    notes = read_notes_checked(settings, findings)
    for draft in drafts.values():
        previous = pairing.previous.get(draft.policy)
        findings.extend(check_anchors_unique(draft))
        findings.extend(check_links(settings, draft, drafts))
        findings.extend(check_html(draft))
        if draft.document is None:
            continue
        findings.extend(check_aliases(draft))
        if previous is not None:
            findings.extend(check_anchors_kept(draft, previous))
        new = check_version(settings, draft, previous, notes, rev, on, findings)
        if new is not None:
            record.append(new)
    findings.extend(check_notes(settings, notes, drafts, published, record, history_ok))
    if history_ok:  # without the published versions, the lock cannot be compared
        findings.extend(check_lock(settings, record, deleted, rev))
    findings.extend(check_base_kept(settings, base, published))
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.rule, f.message))
    return Report(rev, tuple(dict.fromkeys(ordered)), len(drafts), len(record))


def load_published(settings: Settings, rev: str, on: dt.date) -> list[Policy]:
    """Every policy's versions at ``rev``, without their notes (checked on their own)."""
    return load_policies(settings, as_of=on, rev=rev, notes=False)


@dataclass(frozen=True)
class Pairing:
    """The working tree's policies beside the published ones (renames followed)."""

    drafts: dict[str, Draft]
    previous: dict[str, Policy]  # draft id → the published policy it continues
    deleted: list[Policy]  # published policies with no file in the working tree
    record: list[RecordEntry]  # the published versions of the policies still there


def pair_drafts(
    settings: Settings,
    rev: str,
    published: list[Policy],
    drafts: dict[str, Draft],
    unreadable: Collection[str] = (),
) -> Pairing:
    """Match each published policy to its file in the working tree, through a rename.

    A policy in ``unreadable`` has a file that could not be read: it keeps its published
    versions (the unreadable file is reported on its own), and is not deleted.
    """
    renames = (
        {
            policy_id(old): policy_id(new)
            for old, new in renamed_files(settings.root, rev, settings.docs_path).items()
        }
        if published
        else {}
    )
    previous: dict[str, Policy] = {}
    deleted: list[Policy] = []
    record: list[RecordEntry] = []
    for policy in published:
        draft_id = renames.get(policy.id, policy.id)
        if draft_id not in drafts and draft_id not in unreadable:
            deleted.append(policy)
            continue
        previous[draft_id] = policy
        record.extend(
            RecordEntry(draft_id, v.label, v.sha256, v.commit, v.adopted) for v in policy.versions
        )
    return Pairing(drafts, previous, deleted, record)


def _has_commits(settings: Settings) -> bool:
    return resolve_commit(settings.root, "HEAD") is not None


def _fetch_hint(rev: str) -> str:
    remote, _, branch = rev.partition("/")
    if branch and remote in ("origin", "upstream"):
        return f"git fetch {remote} {branch}"
    return "git fetch origin main"


def read_drafts(settings: Settings) -> tuple[dict[str, Draft], list[Finding], set[str]]:
    """Every policy file in the working tree, parsed; findings for unreadable ones.

    The third value holds the ids of policies whose file is there but cannot be read (too
    large, not UTF-8): they are not drafts, but not deleted either.
    """
    working = read_policies(settings)
    findings = [_from_error(p) for p in working.problems]
    drafts: dict[str, Draft] = {}
    for pid, found in working.texts.items():
        document: Document | None = None
        try:
            document = parse_document(found.text, found.path)
        except PolicySiteError as exc:
            findings.extend(_from_error(p) for p in each_problem(exc))
        body, first = (document.body, document.body_line) if document else (found.text, 1)
        sections = split_sections(body, path=found.path, first_line=first, strict=False)
        drafts[pid] = Draft(pid, found.path, found.text, found.sha256, document, sections)
    return drafts, findings, working.unreadable


def read_notes_checked(settings: Settings, findings: list[Finding]) -> dict[tuple[str, str], Note]:
    """Every changelog note on disk, by (policy, version); bad notes become findings."""
    working = read_all_notes(settings)
    findings.extend(_from_error(p, "note") for p in working.problems)
    for note in working.notes.values():
        if not note.summary:
            findings.append(finding("note-empty", note.path, 1))
    return working.notes


# --- versions -----------------------------------------------------------------------------


def _note_path(settings: Settings, policy: str, version: str) -> str:
    return f"{settings.changelog_dir}/{policy}/{version}.md"


def check_version(
    settings: Settings,
    draft: Draft,
    previous: Policy | None,
    notes: dict[tuple[str, str], Note],
    base: str,
    on: dt.date,
    findings: list[Finding],
) -> RecordEntry | None:
    """Rules for a policy whose text differs from its last published version.

    Appends findings; returns the new version for the record, or None when there is none.
    """
    assert draft.document is not None
    meta = draft.document.meta
    last = previous.versions[-1] if previous and previous.versions else None
    if last is not None and last.sha256 == draft.sha256:
        return None
    version_line = key_line(draft.text, "version")
    if meta.version is None:
        if last is not None and not last.adopted:
            findings.append(
                finding(
                    "version-missing", draft.path, 1, last=last.label, next=next_label(last.label)
                )
            )
        elif last is None:
            findings.append(finding("version-unlabelled", draft.path, 1, "warning"))
        return None
    label = meta.version
    note_path = _note_path(settings, draft.policy, label)
    if last is not None and label == last.label:
        findings.append(
            finding(
                "unversioned-edit",
                draft.path,
                version_line,
                base=base,
                version=label,
                next=next_label(label),
                note=_note_path(settings, draft.policy, next_label(label)),
            )
        )
        return None
    earlier = previous.get(label) if previous else None
    if earlier is not None:
        findings.append(
            finding(
                "label-reused",
                draft.path,
                version_line,
                version=label,
                commit=earlier.commit[:12],
                next=next_label(previous.versions[-1].label if previous else label),
            )
        )
        return None
    assert meta.effective is not None  # the model requires it with a version
    effective_line = key_line(draft.text, "effective")
    if last is not None and meta.effective < last.effective:
        findings.append(
            finding(
                "effective-order",
                draft.path,
                effective_line,
                version=label,
                effective=meta.effective.isoformat(),
                previous=last.label,
                previous_effective=last.effective.isoformat(),
            )
        )
    note = notes.get((draft.policy, label))
    if note is None:
        findings.append(
            finding("note-missing", draft.path, version_line, version=label, note=note_path)
        )
    elif note.material and last is not None:
        earliest = on + dt.timedelta(days=settings.notice_days)
        if meta.effective < earliest:
            findings.append(
                finding(
                    "notice-period",
                    draft.path,
                    effective_line,
                    version=label,
                    effective=meta.effective.isoformat(),
                    days=str((meta.effective - on).days),
                    today=on.isoformat(),
                    notice_days=str(settings.notice_days),
                    earliest=earliest.isoformat(),
                )
            )
    return RecordEntry(draft.policy, label, draft.sha256, None)


def check_deleted(settings: Settings, policy: Policy) -> list[Finding]:
    """A deleted policy is allowed only when its last published version retired it."""
    last = policy.versions[-1] if policy.versions else None
    if last is None:
        return []
    try:
        retired = parse_document(last.text, last.path, last.commit).meta.retired
    except PolicySiteError:
        retired = None
    if retired is not None:
        return []
    labels = ", ".join(v.label for v in policy.versions)
    return [finding("policy-deleted", f"{settings.docs_dir}/{policy.id}.md", 1, versions=labels)]


def check_notes(
    settings: Settings,
    notes: dict[tuple[str, str], Note],
    drafts: dict[str, Draft],
    published: list[Policy],
    record: list[RecordEntry],
    history_ok: bool = True,
) -> list[Finding]:
    """Every note must describe a version that exists (published or new here).

    When the history could not be read (``history_ok`` false), the published versions are
    unknown, so a note is not called an orphan: the history's own error says what to fix.
    """
    labels: dict[str, list[str]] = {p.id: [v.label for v in p.versions] for p in published}
    for entry in record:
        labels.setdefault(entry.policy, [])
        if entry.version not in labels[entry.policy]:
            labels[entry.policy].append(entry.version)
    for pid in drafts:
        labels.setdefault(pid, [])
    findings = []
    for (policy, version), note in sorted(notes.items()):
        if policy not in labels:
            findings.append(
                finding(
                    "note-orphan-policy",
                    note.path,
                    1,
                    policy=policy,
                    path=f"{settings.docs_dir}/{policy}.md",
                )
            )
        elif version not in labels[policy] and history_ok:
            known = ", ".join(labels[policy]) or "none yet"
            findings.append(
                finding("note-orphan", note.path, 1, version=version, policy=policy, known=known)
            )
    return findings


# --- anchors ------------------------------------------------------------------------------


def check_anchors_unique(draft: Draft) -> list[Finding]:
    """Two headings with one anchor: a link can reach only the first."""
    first: dict[str, int] = {}
    findings = []
    for section in draft.sections:
        if not section.anchor:
            continue
        if section.anchor in first:
            findings.append(
                finding(
                    "anchor-duplicate",
                    draft.path,
                    section.line,
                    anchor=section.anchor,
                    first=str(first[section.anchor]),
                )
            )
        else:
            first[section.anchor] = section.line
    return findings


def check_aliases(draft: Draft) -> list[Finding]:
    """Each alias must land on a heading; an alias equal to a heading's anchor is dead."""
    assert draft.document is not None
    aliases = draft.document.meta.anchor_aliases
    line = key_line(draft.text, "anchor_aliases")
    anchors = draft.anchors
    findings = []
    for alias, target in aliases.items():
        if alias in anchors:
            findings.append(finding("alias-shadowed", draft.path, line, "warning", alias=alias))
        elif target not in anchors:
            known = ", ".join(s.anchor for s in draft.sections if s.anchor) or "none"
            findings.append(
                finding("alias-target", draft.path, line, alias=alias, target=target, known=known)
            )
    for section in draft.sections:
        if section.anchor and not section.explicit and draft.document.meta.version is not None:
            findings.append(
                finding(
                    "anchor-implicit",
                    draft.path,
                    section.line,
                    "warning",
                    title=section.title,
                    anchor=section.anchor,
                )
            )
    return findings


@dataclass(frozen=True)
class _OldAnchor:
    version: str
    title: str
    text: str


def check_anchors_kept(draft: Draft, previous: Policy) -> list[Finding]:
    """Every anchor any published version had must still resolve: a heading or an alias."""
    old: dict[str, _OldAnchor] = {}
    for version in previous.versions:
        try:
            document = parse_document(version.text, version.path, version.commit)
            sections = split_sections(document.body, path=version.path, strict=False)
        except PolicySiteError:
            continue
        for section in sections:
            if section.anchor:
                old[section.anchor] = _OldAnchor(version.label, section.title, _body(section))
        for alias in document.meta.anchor_aliases:
            old.setdefault(alias, _OldAnchor(version.label, f"alias of #{alias}", ""))
    resolvable = draft.resolvable
    fresh = [s for s in draft.sections if s.anchor and s.anchor not in old]
    aliases_line = key_line(draft.text, "anchor_aliases")
    findings = []
    for anchor, was in old.items():
        if anchor in resolvable:
            continue
        renamed = _find_renamed(was, fresh)
        if renamed is not None:
            findings.append(
                finding(
                    "anchor-renamed",
                    draft.path,
                    renamed.line,
                    anchor=anchor,
                    title=was.title,
                    version=was.version,
                    policy=draft.policy,
                    new=renamed.anchor,
                    new_title=renamed.title,
                )
            )
        else:
            findings.append(
                finding(
                    "anchor-removed",
                    draft.path,
                    aliases_line,
                    anchor=anchor,
                    title=was.title,
                    version=was.version,
                    policy=draft.policy,
                )
            )
    return findings


def _body(section: Section) -> str:
    return section.text.partition("\n")[2].strip()


def _find_renamed(was: _OldAnchor, fresh: list[Section]) -> Section | None:
    """The new heading that most likely replaced an old one: same title, or much the same text."""
    for section in fresh:
        if section.title == was.title:
            return section
    best, score = None, 0.0
    for section in fresh:
        ratio = difflib.SequenceMatcher(None, was.text, _body(section), autojunk=False).ratio()
        if ratio > score:
            best, score = section, ratio
    return best if score >= 0.6 else None


# --- links and raw HTML --------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\\]|\\.|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"
)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)/?>")
_ATTR_LIST = re.compile(r"\{:?[ \t]*([^{}\n]*=[^{}\n]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def markdown_prose(body: str) -> str:
    """``body`` with code blocks and code spans blanked out (same length, same lines)."""
    lines = body.splitlines(keepends=True)
    fence: str | None = None
    out = []
    for line in lines:
        opened = _FENCE.match(line)
        if fence:
            if line.lstrip(" ").startswith(fence):
                fence = None
            out.append(re.sub(r"[^\n]", " ", line))
        elif opened:
            fence = opened.group(1)
            out.append(re.sub(r"[^\n]", " ", line))
        else:
            out.append(line)
    return _CODE_SPAN.sub(_blank, "".join(out))


def _prose(draft: Draft) -> tuple[str, int]:
    body, first = (
        (draft.document.body, draft.document.body_line)
        if draft.document
        else (
            draft.text,
            1,
        )
    )
    return markdown_prose(body), first


def _line_of(text: str, offset: int, first: int) -> int:
    return first + text.count("\n", 0, offset)


def check_links(settings: Settings, draft: Draft, drafts: dict[str, Draft]) -> list[Finding]:
    """Relative links and #fragments must land on a page and an anchor of the site."""
    prose, first = _prose(draft)
    targets: list[tuple[str, int]] = []
    for pattern in (_INLINE_LINK, _REFERENCE):
        for match in pattern.finditer(prose):
            targets.append((match.group(1).strip("<>"), match.start(1)))
    findings = []
    for raw, offset in sorted(targets, key=lambda t: t[1]):
        line = _line_of(prose, offset, first)
        found = _check_target(settings, draft, drafts, raw, line)
        if found:
            findings.append(found)
    return findings


def _check_target(
    settings: Settings, draft: Draft, drafts: dict[str, Draft], raw: str, line: int
) -> Finding | None:
    target = unquote(raw)
    if target.lower().startswith(EXECUTABLE_SCHEMES):
        return finding("link-executable", draft.path, line, target=raw)
    if _SCHEME.match(target) or target.startswith("//"):
        return None  # an outside address: not ours to check
    path, _, fragment = target.partition("#")
    path = path.partition("?")[0]
    if path.startswith("/"):
        return finding("link-absolute", draft.path, line, "warning", target=raw)
    folder = posixpath.dirname(draft.path[len(settings.docs_dir) + 1 :])
    if path:
        resolved = posixpath.normpath(posixpath.join(folder, path))
        if resolved.startswith("../") or resolved == "..":
            return finding("link-outside", draft.path, line, target=raw, docs_dir=settings.docs_dir)
        if not resolved.endswith(".md"):
            if path.endswith("/") or "." not in posixpath.basename(path):
                return finding("link-not-markdown", draft.path, line, "warning", target=raw)
            if not (settings.docs_path / resolved).is_file():
                return finding(
                    "link-missing-file",
                    draft.path,
                    line,
                    target=raw,
                    path=f"{settings.docs_dir}/{resolved}",
                )
            return None
        page = drafts.get(policy_id(resolved))
        if page is None:
            if resolved == "index.md" or (settings.docs_path / resolved).is_file():
                return None  # the home page (generated when absent) or a plain page
            known = ", ".join(f"{pid}.md" for pid in sorted(drafts)) or "none"
            return finding(
                "link-missing-page",
                draft.path,
                line,
                target=raw,
                path=f"{settings.docs_dir}/{resolved}",
                known=known,
            )
    else:
        page = draft
    if not fragment or fragment in page.resolvable:
        return None
    close = difflib.get_close_matches(fragment, sorted(page.anchors), n=1)
    hint = (
        f"; did you mean '#{close[0]}'"
        if close
        else f"; its anchors: {', '.join(sorted(page.anchors)) or 'none'}"
    )
    return finding(
        "link-missing-anchor",
        draft.path,
        line,
        target=raw,
        page=page.path,
        fragment=fragment,
        hint=hint,
    )


class _AttributeReader(html.parser.HTMLParser):
    """Reads the attributes of one start tag the way a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = attrs

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = attrs


def _attributes(tag_text: str) -> list[tuple[str, str | None]]:
    reader = _AttributeReader()
    reader.feed(tag_text)
    reader.close()
    return reader.attributes


def check_html(draft: Draft) -> list[Finding]:
    """Raw HTML only from a small allow-list, and nothing that runs code."""
    prose, first = _prose(draft)
    prose = _COMMENT.sub(_blank, prose)
    findings: list[Finding] = []
    allowed_tags = ", ".join(ALLOWED_TAGS)
    allowed_attributes = ", ".join(ALLOWED_ATTRIBUTES)
    for match in _TAG.finditer(prose):
        line = _line_of(prose, match.start(), first)
        closing, tag = match.group(1), match.group(2).lower()
        if tag in EXECUTABLE_TAGS:
            if not closing:
                findings.append(finding("html-executable", draft.path, line, tag=tag))
            continue
        if tag not in ALLOWED_TAGS:
            if not closing:
                findings.append(
                    finding("html-tag", draft.path, line, tag=tag, allowed=allowed_tags)
                )
            continue
        if closing:
            continue
        for name, value in _attributes(match.group(0)):
            findings.extend(
                _check_attribute(draft, line, tag, name, value or "", allowed_attributes)
            )
    for match in _ATTR_LIST.finditer(prose):
        line = _line_of(prose, match.start(), first)
        for name, value in _attributes(f"<x {match.group(1)}>"):
            if name.startswith("on") or (value or "").strip().lower().startswith(
                EXECUTABLE_SCHEMES
            ):
                findings.extend(_check_attribute(draft, line, "x", name, value or "", ""))
    return findings


def _check_attribute(
    draft: Draft, line: int, tag: str, name: str, value: str, allowed: str
) -> list[Finding]:
    if name.startswith("on"):
        return [finding("html-event", draft.path, line, attribute=name)]
    if value.strip().lower().startswith(EXECUTABLE_SCHEMES):
        return [finding("link-executable", draft.path, line, target=value)]
    if name not in ALLOWED_ATTRIBUTES:
        return [
            finding("html-attribute", draft.path, line, attribute=name, tag=tag, allowed=allowed)
        ]
    return []


# --- the published record ------------------------------------------------------------------


def lock_entries(record: Iterable[RecordEntry]) -> list[LockEntry]:
    """The lock for a record: its versions, by policy, each policy's in history order."""
    ordered = sorted(enumerate(record), key=lambda item: (item[1].policy, item[0]))
    return [LockEntry(e.policy, e.version, e.sha256, e.commit) for _, e in ordered]


def check_lock(
    settings: Settings, record: list[RecordEntry], deleted: set[str], base: str
) -> list[Finding]:
    """The lock and the record must agree: no published text changed or vanished."""
    path = LOCK_FILE
    try:
        locked = read_lock(settings.root / LOCK_FILE, path)
    except PolicySiteError as exc:
        return [_from_error(exc, "lock-invalid")]
    if locked is None:
        return [finding("lock-absent", path, 1)] if record else []
    by_key = {(e.policy, e.version): e for e in record}
    by_text = {(e.version, e.sha256): e.policy for e in record}
    in_record = {e.policy for e in record}
    rewritten = {
        e.policy
        for e in locked
        if (actual := by_key.get((e.policy, e.version))) is not None
        and actual.commit
        and (actual.sha256 != e.sha256 or (e.commit and e.commit != actual.commit))
    }
    committed_lock: list[LockEntry] | None = None
    findings = []
    for entry in locked:
        locked_commit = f"commit {entry.commit[:12]}" if entry.commit else "not merged then"
        actual = by_key.pop((entry.policy, entry.version), None)
        if actual is None:
            values = {
                "policy": entry.policy,
                "version": entry.version,
                "locked": entry.sha256,
                "locked_commit": locked_commit,
                "base": base,
            }
            renamed = by_text.get((entry.version, entry.sha256))
            if entry.policy in deleted:
                rule = "lock-stale"
            elif renamed is not None and renamed != entry.policy and entry.policy not in in_record:
                rule, values["new"] = "lock-renamed", renamed
            elif entry.commit:
                rule = "lock-gone"
            else:
                if committed_lock is None:
                    committed_lock = _lock_at(settings, base)
                if (entry.policy, entry.version, entry.sha256) in {
                    (e.policy, e.version, e.sha256) for e in committed_lock
                }:
                    rule, values["evidence"] = (
                        "lock-gone-unmerged",
                        f"so does policies.lock at {base}",
                    )
                elif entry.policy in rewritten:
                    rule = "lock-gone-unmerged"
                    values["evidence"] = f"other versions of {entry.policy} were rewritten"
                else:
                    rule = "lock-unpublished"
            findings.append(finding(rule, path, entry.line, "error", **values))
        elif actual.sha256 != entry.sha256 and actual.commit is None:
            findings.append(
                finding(
                    "lock-pending-stale",
                    path,
                    entry.line,
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    actual=actual.sha256,
                )
            )
        elif actual.sha256 != entry.sha256:
            findings.append(
                finding(
                    "lock-changed",
                    path,
                    entry.line,
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    locked_commit=locked_commit,
                    actual=actual.sha256,
                    commit=(actual.commit or "")[:12],
                )
            )
        elif entry.commit and actual.commit and entry.commit != actual.commit:
            findings.append(
                finding(
                    "lock-moved",
                    path,
                    entry.line,
                    "warning",
                    policy=entry.policy,
                    version=entry.version,
                    locked_commit=entry.commit[:12],
                    commit=actual.commit[:12],
                )
            )
    for missing in by_key.values():
        if missing.commit is None:
            findings.append(
                finding(
                    "lock-pending",
                    path,
                    1,
                    policy=missing.policy,
                    version=missing.version,
                    sha256=missing.sha256,
                )
            )
        else:
            findings.append(
                finding(
                    "lock-behind",
                    path,
                    1,
                    "warning",
                    policy=missing.policy,
                    version=missing.version,
                    commit=missing.commit[:12],
                )
            )
    return findings


def _lock_at(settings: Settings, rev: str) -> list[LockEntry]:
    """The lock as committed at ``rev``; empty when there was none (or it cannot be read)."""
    top = find_repository(settings.root)
    if top is None:
        return []
    try:
        relative = (settings.root / LOCK_FILE).resolve().relative_to(top.resolve()).as_posix()
        text = read_file_at(settings.root, rev, [relative]).text
        return parse_lock(text, LOCK_FILE) if text is not None else []
    except (PolicySiteError, ValueError):
        return []


def check_base_kept(settings: Settings, base: str | None, published: list[Policy]) -> list[Finding]:
    """With an explicit base, HEAD's history must still hold every version published there."""
    if base is None or not published:
        return []
    head = resolve_commit(settings.root, "HEAD")
    if head is None or head == resolve_commit(settings.root, base):
        return []
    try:
        current = {p.id: p for p in load_published(settings, "HEAD", today())}
    except PolicySiteError:
        return []  # HEAD's own history problems are reported against the working tree
    findings = []
    for policy in published:
        mine = current.get(policy.id)
        if mine is None:
            continue  # deleted or renamed on this branch: the rules above say so
        for version in policy.versions:
            ours = mine.get(version.label)
            if ours is not None and ours.sha256 != version.sha256:
                findings.append(
                    finding(
                        "base-changed",
                        f"{settings.docs_dir}/{policy.id}.md",
                        1,
                        policy=policy.id,
                        version=version.label,
                        base=base,
                        published=version.sha256,
                        actual=ours.sha256,
                    )
                )
    return findings


def record_for_lock(settings: Settings) -> list[LockEntry]:
    """What ``policysite lock`` writes: HEAD's versions plus new ones in the working tree."""
    on = today()
    published = load_published(settings, "HEAD", on) if _has_commits(settings) else []
    drafts, _, unreadable = read_drafts(settings)
    pairing = pair_drafts(settings, "HEAD", published, drafts, unreadable)
    record = list(pairing.record)
    ignored: list[Finding] = []  # `check` reports them; the lock records what there is
    for draft in drafts.values():
        if draft.document is not None:
            previous = pairing.previous.get(draft.policy)
            entry = check_version(settings, draft, previous, {}, "HEAD", on, ignored)
            if entry is not None:
                record.append(entry)
    return lock_entries(record)


def update_lock(settings: Settings, *, force: bool = False) -> Path:
    """Write ``policies.lock`` from the record; refuse to bless a changed published text.

    Without ``force``, a locked version whose text changed, or that vanished while its policy
    is still there, stops the command: the lock exists to catch exactly that.
    """
    path = settings.root / LOCK_FILE
    entries = record_for_lock(settings)
    old = read_lock(path) if path.exists() else None
    if old is not None and not force:
        new = {(e.policy, e.version): e for e in entries}
        policies = {e.policy for e in entries}
        problems: list[PolicySiteError] = []
        committed = {(e.policy, e.version, e.sha256) for e in _lock_at(settings, "HEAD")}
        for entry in old:
            current = new.get((entry.policy, entry.version))
            locked_commit = f"commit {entry.commit[:12]}" if entry.commit else "not merged then"
            if current is not None and current.commit and current.sha256 != entry.sha256:
                message = MESSAGES["lock-changed"].format(
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    locked_commit=locked_commit,
                    actual=current.sha256,
                    commit=current.commit[:12],
                )
            elif current is None and entry.commit and entry.policy in policies:
                message = MESSAGES["lock-gone"].format(
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    locked_commit=locked_commit,
                    base="HEAD",
                )
            elif (
                current is None
                and not entry.commit
                and entry.policy in policies
                and (entry.policy, entry.version, entry.sha256) in committed
            ):
                message = MESSAGES["lock-gone-unmerged"].format(
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    evidence="so does policies.lock at HEAD",
                    base="HEAD",
                )
            else:
                continue
            problems.append(
                PolicyError(
                    message + " Not written; `policysite lock --force` records history as it "
                    "is (only after a deliberate, reviewed rewrite).",
                    path=LOCK_FILE,
                    line=entry.line,
                )
            )
        if problems:
            raise ProblemList(problems)
    write_lock(path, entries)
    return path


def describe_lock(path: Path) -> str:
    """A one-line account of a lock file: how many versions of how many policies."""
    entries = read_lock(path) or []
    pending = sum(1 for e in entries if not e.commit)
    text = f"{len(entries)} version(s) of {len({e.policy for e in entries})} policy(ies) recorded"
    return text + (f", {pending} not merged yet." if pending else ".")


# --- output --------------------------------------------------------------------------------


def _count(number: int, word: str) -> str:
    plural = {"policy": "policies"}.get(word, word + "s")
    return f"{number} {word if number == 1 else plural}"


def summary_line(report: Report) -> str:
    """The last line of a run: the count of problems, or what passed."""
    if report.findings:
        counts = f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}"
        return f"policysite check: {counts} (compared with {report.base})."
    return (
        f"policysite check: all rules pass ({_count(report.policies, 'policy')}, "
        f"{_count(report.versions, 'version')}, compared with {report.base})."
    )


def format_text(report: Report) -> str:
    """``file:line: error: message`` per finding, then a count."""
    lines = [f"{f.path}:{f.line}: {f.severity}: {f.message}" for f in report.findings]
    return "\n".join([*lines, summary_line(report)])


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per finding, then the count."""
    lines = [
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},"
        f"title={_escape_property('policysite check: ' + f.rule)}::{escape_data(f.message)}"
        for f in report.findings
    ]
    return "\n".join([*lines, summary_line(report)])


def format_json(report: Report) -> str:
    """``{"base", "errors", "warnings", "findings": [{severity, file, line, rule, message}]}``."""
    return json.dumps(
        {
            "base": report.base,
            "errors": report.errors,
            "warnings": report.warnings,
            "findings": [
                {
                    "severity": f.severity,
                    "file": f.path,
                    "line": f.line,
                    "rule": f.rule,
                    "message": f.message,
                }
                for f in report.findings
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
