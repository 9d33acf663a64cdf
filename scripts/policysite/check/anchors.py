"""Rules on anchors: every heading has a stable id, ids are unique, and every anchor any
published version had still resolves (a heading or an alias), so old links keep working."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from policysite.check.drafts import Draft
from policysite.check.findings import Edit, Finding, finding, line_edit
from policysite.diff import compare
from policysite.errors import PolicySiteError
from policysite.model import Policy, Section, Version, key_line, parse_document
from policysite.sections import split_sections

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
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
}


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
                    MESSAGES,
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
            findings.append(
                finding(MESSAGES, "alias-shadowed", draft.path, line, "warning", alias=alias)
            )
        elif target not in anchors:
            known = ", ".join(s.anchor for s in draft.sections if s.anchor) or "none"
            findings.append(
                finding(
                    MESSAGES,
                    "alias-target",
                    draft.path,
                    line,
                    alias=alias,
                    target=target,
                    known=known,
                )
            )
    for section in draft.sections:
        if section.anchor and not section.explicit and draft.document.meta.version is not None:
            findings.append(
                finding(
                    MESSAGES,
                    "anchor-implicit",
                    draft.path,
                    section.line,
                    "warning",
                    edit=_explicit_anchor(draft, section),
                    title=section.title,
                    anchor=section.anchor,
                )
            )
    return findings


def _explicit_anchor(draft: Draft, section: Section) -> Edit:
    """The heading line with its anchor written out at the end: ``## Contact {#contact}``."""
    lines = draft.text.splitlines()
    heading = lines[section.line - 1].rstrip() if section.line <= len(lines) else section.title
    return line_edit(draft.path, draft.text, section.line, f"{heading} {{#{section.anchor}}}")


@dataclass(frozen=True)
class _OldAnchor:
    version: str
    title: str
    text: str


def held_versions(
    policy: Policy, chain: Sequence[str], adopted_at: str | None
) -> tuple[Version, ...]:
    """The versions whose anchors must still resolve: every one, or on an adopted repository
    those from the adoption on (the text in force at the adoption, and every later one): the
    anchors its history dropped before were dropped on another site, under other rules."""
    if not adopted_at:
        return policy.versions
    position = {commit: index for index, commit in enumerate(chain)}  # newest first
    adoption = next((i for c, i in position.items() if c.startswith(adopted_at)), None)
    if adoption is None:
        return policy.versions
    # The version in force at the adoption: the last one at or before its commit.
    upto = [i for i, v in enumerate(policy.versions) if position.get(v.commit, -1) >= adoption]
    return policy.versions[upto[-1] :] if upto else policy.versions


def diff_renames(versions: Sequence[Version]) -> dict[str, str]:
    """Old anchor → its anchor now, for every rename the diffs between ``versions`` saw (what
    the site sends old deep links to), carried through later renames."""
    mapping: dict[str, str] = {}
    for old, new in itertools.pairwise(versions):
        change = compare(old, new)
        renamed = {s.old_anchor: s.anchor for s in change.sections if s.old_anchor and s.anchor}
        removed = {s.anchor for s in change.sections if s.status == "removed"}
        mapping = {a: renamed.get(now, now) for a, now in mapping.items() if now not in removed}
        mapping.update(renamed)
    return mapping


def check_anchors_kept(
    draft: Draft,
    previous: Policy,
    versions: Sequence[Version] | None = None,
    moved: dict[str, str] | None = None,
) -> list[Finding]:
    """Every anchor any published version (of ``versions``, default all) had must still
    resolve: a heading, an alias, or a rename the diffs found (``moved``: old → now)."""
    old: dict[str, _OldAnchor] = {}
    for version in previous.versions if versions is None else versions:
        try:
            document = parse_document(version.text, version.path, version.commit)
            sections = split_sections(
                document.body, path=version.path, first_line=document.body_line, strict=False
            )
        except PolicySiteError:
            continue
        for section in sections:
            if section.anchor:
                old[section.anchor] = _OldAnchor(version.label, section.title, _body(section))
        for alias in document.meta.anchor_aliases:
            old.setdefault(alias, _OldAnchor(version.label, f"alias of #{alias}", ""))
    followed = {old for old, now in (moved or {}).items() if now in draft.anchors}
    resolvable = draft.resolvable | followed
    fresh = [s for s in draft.sections if s.anchor and s.anchor not in old]
    aliases_line = key_line(draft.text, "anchor_aliases")
    gone = [(anchor, was) for anchor, was in old.items() if anchor not in resolvable]
    renamed = {anchor: _find_renamed(was, fresh) for anchor, was in gone}
    edit = _aliases_edit(draft, {a: s.anchor for a, s in renamed.items() if s is not None})
    findings = []
    for anchor, was in gone:
        match = renamed[anchor]
        if match is not None:
            findings.append(
                finding(
                    MESSAGES,
                    "anchor-renamed",
                    draft.path,
                    match.line,
                    edit=edit,
                    anchor=anchor,
                    title=was.title,
                    version=was.version,
                    policy=draft.policy,
                    new=match.anchor,
                    new_title=match.title,
                )
            )
        else:
            findings.append(
                finding(
                    MESSAGES,
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


def _aliases_edit(draft: Draft, added: dict[str, str]) -> Edit | None:
    """The front-matter line that keeps every renamed anchor working: the draft's
    ``anchor_aliases`` with the new ones added, in place of that line, or after the last
    setting when there is none."""
    if not added or draft.document is None:
        return None
    aliases = {**draft.document.meta.anchor_aliases, **added}
    pairs = ", ".join(f"{_yaml_key(k)}: {_yaml_key(v)}" for k, v in aliases.items())
    setting = f"anchor_aliases: {{{pairs}}}"
    line = key_line(draft.text, "anchor_aliases")
    if line > 1:
        return line_edit(draft.path, draft.text, line, setting)
    closing = draft.document.body_line - 1  # the front matter's closing ---
    return line_edit(draft.path, draft.text, closing - 1, after=(setting,))


def _yaml_key(anchor: str) -> str:
    """An anchor as a YAML flow-mapping scalar: plain when safe, quoted otherwise."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", anchor):
        return anchor
    return '"' + anchor.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
