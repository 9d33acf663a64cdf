"""Which texts to compare → Changes: what ``policysite diff`` (and a PR check) asks for.

A side of a comparison is a published version (by label), the policy's text at a git revision,
or the working tree. Published versions come from ``versions.load_policies``; the other two are
made into ``Version`` values here, so ``diff.compare`` and the renderers never know the
difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from policysite.config import Settings
from policysite.diff import compare
from policysite.errors import NotFoundError, PolicySiteError
from policysite.history import (
    FileAtRevision,
    changed_policy_files,
    read_file_at,
    read_snapshot,
)
from policysite.languages import match_locale
from policysite.model import (
    Change,
    Note,
    Policy,
    Version,
    parse_document,
    policy_id,
    title_from_id,
    translation_name,
)
from policysite.versions import (
    find_policy,
    load_policies,
    notes_in,
    texts_in,
    version_kind,
)
from policysite.worktree import read_all_notes, read_notes, read_policies, read_policy_file

WORKING_TREE = "working tree"


@dataclass(frozen=True)
class LeftBehind:
    """A translation in the working tree that does not translate the new version a change
    brings: its readers get the source's text, with a banner, until it does."""

    policy: str
    locale: str
    path: str
    translates: str | None
    version: str


def translations_left_behind(settings: Settings, changes: Sequence[Change]) -> list[LeftBehind]:
    """For each change that brings a new version, the translations of its policy (in the
    working tree) that do not translate that version."""
    found: dict[str, list[tuple[str, str, str | None]]] = {}
    for pid, text in read_policies(settings).texts.items():
        name = translation_name(f"{pid}.md")
        locale = match_locale(name[1], settings.locales) if name else None
        if name is None or locale is None:
            continue
        try:
            translates = parse_document(text.text, text.path).meta.translates
        except PolicySiteError:
            translates = None  # check names what is wrong with it
        found.setdefault(name[0], []).append((locale, text.path, translates))
    behind = []
    for change in changes:
        new = change.new
        if not new.text or new.label in (change.old.label, f"{change.old.label} ({WORKING_TREE})"):
            continue
        for locale, path, translates in sorted(found.get(change.policy, [])):
            if translates != new.label:
                behind.append(LeftBehind(change.policy, locale, path, translates, new.label))
    return behind


def change_between(
    settings: Settings,
    policy: str,
    from_ref: str | None = None,
    to_ref: str | None = None,
) -> Change:
    """Compare two versions of a policy: labels or git revisions; default previous → latest.

    With only ``from_ref``, it is compared with the latest version.
    """
    found = find_policy(load_policies(settings), policy, settings)
    if from_ref is None:
        if len(found.versions) < 2:
            labels = ", ".join(v.label for v in found.versions)
            raise NotFoundError(
                f"policy '{found.id}' has one version ({labels}), so there is nothing to "
                "compare it with; give FROM and TO (version labels or git revisions), or "
                "--base REV to compare with the working tree."
            )
        old, new = found.versions[-2], found.versions[-1]
    else:
        old = resolve_version(settings, found, from_ref)
        new = resolve_version(settings, found, to_ref) if to_ref else found.versions[-1]
    return compare(old, new, settings.markdown)


def resolve_version(settings: Settings, policy: Policy, ref: str) -> Version:
    """The version labelled ``ref``, or else the policy's text at git revision ``ref``."""
    published = policy.get(ref)
    if published is not None:
        return published
    paths = list(dict.fromkeys([policy.path, *(v.path for v in reversed(policy.versions))]))
    try:
        found = read_file_at(settings.root, ref, paths)
    except NotFoundError:
        labels = ", ".join(v.label for v in policy.versions)
        raise NotFoundError(
            f"policy '{policy.id}' has no version '{ref}' (versions: {labels}), and '{ref}' is "
            "not a git revision either; give a version label, or a commit, branch or tag."
        ) from None
    if found.text is None:
        raise NotFoundError(
            f"policy '{policy.id}' did not exist at revision '{ref}' (commit "
            f"{found.commit[:12]}): {policy.path} is not there. Give a later revision, or a "
            f"version label ({', '.join(v.label for v in policy.versions)})."
        )
    return revision_version(policy, found, read_notes(settings, policy.id))


def revision_version(policy: Policy, found: FileAtRevision, notes: dict[str, Note]) -> Version:
    """A policy's text at a revision as a Version: the published one if the text is the same."""
    assert found.text is not None
    for version in policy.versions:
        if version.sha256 == found.sha256:
            return version
    return text_version(
        policy.id, found.text, found.path, found.commit, found.date, notes, policy.versions
    )


def text_version(
    policy: str,
    text: str,
    path: str,
    commit: str,
    date: dt.datetime,
    notes: dict[str, Note],
    published: Sequence[Version] = (),
) -> Version:
    """Any text of a policy (a draft at a commit, the working tree) as a Version.

    Its label is the front matter's ``version``; if a published version already has that label
    (the text changed but the label did not), the label says where the text is from.
    """
    meta = parse_document(text, path, commit or None).meta
    where = commit[:12] if commit else WORKING_TREE
    label = meta.version or where
    if any(v.label == label for v in published) and label != where:
        label = f"{label} ({where})"
    return Version(
        policy=policy,
        label=label,
        effective=meta.effective or date.date(),
        commit=commit,
        date=date,
        path=path,
        text=text,
        title=meta.title or title_from_id(policy),
        anchor_aliases=meta.anchor_aliases,
        adopted=meta.version is None,
        retired=meta.retired,
        note=notes.get(label),
        kind=version_kind(published[-1] if published else None, meta.retired),
    )


def changes_since(settings: Settings, base: str, policy: str | None = None) -> list[Change]:
    """Every policy whose text differs between revision ``base`` and the working tree.

    What a pull request changes, when ``base`` is the branch it merges into. A policy added
    since ``base`` is compared with an empty text, a deleted one with an empty text after.
    """
    wanted = policy.removesuffix(".md") if policy else None
    changes: list[Change] = []
    now = dt.datetime.now(dt.UTC)
    for changed in changed_policy_files(
        settings.root, settings.docs_path, base, settings.selection.is_policy
    ):
        pid = policy_id(changed.relative)
        if wanted and pid != wanted:
            continue
        notes = read_notes(settings, pid)
        old: Version | None = None
        new: Version | None = None
        found = changed.old
        if found is not None and found.text is not None:
            old = text_version(pid, found.text, found.path, found.commit, found.date, notes)
        if changed.new_file is not None and changed.new_path:
            text = read_policy_file(settings, settings.policy_path(changed.relative))
            new = text_version(pid, text, changed.new_path, "", now, notes)
        if old is not None and new is not None:
            if old.text == new.text:
                continue
            if new.label == old.label:  # edited without a new label (yet): say where it is
                new = replace(new, label=f"{new.label} ({WORKING_TREE})", note=None)
        if old is not None and new is not None:
            new = replace(new, kind=version_kind(old, new.retired))
        elif old is None and new is not None:
            old = _empty(new)
        elif new is None and old is not None:
            new = _empty(old)
        if old is not None and new is not None:
            changes.append(compare(old, new, settings.markdown))
    return changes


@dataclass(frozen=True)
class NoteChange:
    """The changelog note of a version published at a revision, as the working tree has it
    now: edited (``new`` set) or deleted (``new`` None). A pull request should make none."""

    policy: str
    version: str
    old: Note
    new: Note | None


def notes_changed_since(settings: Settings, base: str) -> list[NoteChange]:
    """Every note at revision ``base`` that the working tree changed or deleted (what a pull
    request does to the notes of published versions), by policy and version."""
    snapshot = read_snapshot(
        settings.root,
        settings.docs_path,
        [base],
        folders=[settings.changelog_path],
        select=settings.selection.is_policy,
    )
    snapshot.history(base)  # a missing revision or a shallow clone: the error to act on
    texts = texts_in(settings.changelog_dir, snapshot.folder(base, settings.changelog_path))
    working = read_all_notes(settings)
    unreadable = {problem.path for problem in working.problems}
    changed = []
    for key, old in sorted(notes_in(settings, texts).items()):
        new = working.notes.get(key)
        if (new is None and old.path in unreadable) or (new and new.sha256 == old.sha256):
            continue
        changed.append(NoteChange(key[0], key[1], old, new))
    return changed


def _empty(other: Version) -> Version:
    """No text: the side of a policy that did not exist yet, or no longer does."""
    return Version(
        policy=other.policy,
        label="(none)",
        effective=other.effective,
        commit="",
        date=other.date,
        path=other.path,
        text="",
        title=other.title,
    )
