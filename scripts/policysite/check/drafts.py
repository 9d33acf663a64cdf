"""What the rules look at: the policies in the working tree (drafts), the published ones at the
base revision, and the two paired up through renames.

Git is read once per run, into one ``history.Snapshot`` (the base, HEAD and, on GitHub's merge
of a pull request, the pull request itself; the changelog notes at each); every rule takes its
share of that snapshot, never the repository.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from policysite.check.findings import Finding, from_error
from policysite.config import Settings
from policysite.errors import PolicySiteError, each_problem
from policysite.history import History, Snapshot, match_renames, read_snapshot
from policysite.model import (
    Document,
    Note,
    Policy,
    Section,
    parse_document,
    policy_id,
    translation_name,
)
from policysite.sections import split_sections
from policysite.worktree import WorkingText, read_policies


@dataclass(frozen=True)
class Draft(WorkingText):
    """A policy as it stands in the working tree, read (``WorkingText``) and parsed."""

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
class KnownVersion:
    """A version the site will publish: in history at base, or new in the working tree."""

    policy: str
    version: str
    sha256: str
    commit: str | None  # None for a version not committed to base yet
    adopted: bool = False


@dataclass(frozen=True)
class Baseline:
    """What the working tree is held to: the revision it is compared with (``base``), the day
    of the check, the commits the branch holds (``branch_commits``), those whose changes the
    working tree holds (``merged_commits``), the notes at ``base`` and their texts by path."""

    base: str
    on: dt.date
    branch: frozenset[str] = frozenset()
    merged: frozenset[str] = frozenset()
    notes: Mapping[tuple[str, str], Note] = field(default_factory=dict)
    note_texts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pairing:
    """The working tree's policies beside the published ones (renames followed)."""

    drafts: dict[str, Draft]
    previous: dict[str, Policy]  # draft id → the published policy it continues
    deleted: list[Policy]  # published policies with no file in the working tree
    known: list[KnownVersion]  # the published versions of the policies still there
    renamed: dict[str, str] = field(default_factory=dict)  # published id → id in working tree


# GitHub checks a pull request out as its merge into the base: HEAD's second parent is then the
# pull request's own last commit, whose history says what its branch started from.
MERGED_BRANCH = "HEAD^2"


def read_git(settings: Settings, rev: str) -> Snapshot:
    """Everything a check against ``rev`` needs from git, in one read: the history at ``rev``,
    at HEAD and at HEAD's second parent (see ``branch_commits``), and the notes at ``rev``."""
    revs = [rev, "HEAD", MERGED_BRANCH] if rev != "HEAD" else ["HEAD"]
    return read_snapshot(
        settings.root,
        settings.docs_path,
        revs,
        settings.ignore_commits,
        [settings.changelog_path],
        select=settings.selection.is_read,  # translations are checked too
    )


def branch_commits(snapshot: Snapshot, base: str) -> frozenset[str]:
    """The commits the branch being checked holds: HEAD's first-parent chain, or the pull
    request's when HEAD is GitHub's merge of it into ``base``. A version of ``base`` whose
    commit is not among them was published after the branch started."""
    head = snapshot.chain("HEAD")
    if len(head) > 1 and head[1] == snapshot.commit(base) and snapshot.commit(MERGED_BRANCH):
        return frozenset(snapshot.chain(MERGED_BRANCH))
    return frozenset(head)


def merged_commits(snapshot: Snapshot) -> frozenset[str]:
    """The commits whose changes the checked-out tree holds, as far as first parents tell:
    HEAD's chain and, when HEAD is a merge (GitHub's of the pull request, or the base merged
    into the branch), its second parent's."""
    return frozenset(snapshot.chain("HEAD")) | frozenset(snapshot.chain(MERGED_BRANCH))


def read_drafts(settings: Settings) -> tuple[dict[str, Draft], list[Finding], set[str]]:
    """Every policy file in the working tree, parsed; findings for unreadable ones.

    The third value holds the ids of policies whose file is there but cannot be read (too
    large, not UTF-8): they are not drafts, but not deleted either.
    """
    working = read_policies(settings)
    findings = [from_error(p) for p in working.problems]
    drafts: dict[str, Draft] = {}
    for pid, found in working.texts.items():
        document: Document | None = None
        try:
            document = parse_document(found.text, found.path)
        except PolicySiteError as exc:
            findings.extend(from_error(p) for p in each_problem(exc))
        body, first = (document.body, document.body_line) if document else (found.text, 1)
        sections = split_sections(body, path=found.path, first_line=first, strict=False)
        drafts[pid] = Draft(pid, found.path, found.text, found.sha256, document, sections)
    return drafts, findings, working.unreadable


def renamed_policies(
    history: History, drafts: dict[str, Draft], unreadable: Collection[str] = ()
) -> dict[str, str]:
    """Policies whose file is gone from the working tree but whose text lives on in a new
    file: old id → new id. Staged or not, as an editor would see it."""
    at_base = {
        policy_id(relative): revisions[-1].text
        for relative, revisions in history.files.items()
        if translation_name(relative) is None  # a translation is never a renamed policy
    }
    gone = {
        pid: text for pid, text in at_base.items() if pid not in drafts and pid not in unreadable
    }
    added = {pid: draft.text for pid, draft in drafts.items() if pid not in at_base}
    return match_renames(gone, added) if gone and added else {}


def pair_drafts(
    history: History | None,
    published: list[Policy],
    drafts: dict[str, Draft],
    unreadable: Collection[str] = (),
) -> Pairing:
    """Match each published policy to its file in the working tree, through a rename.

    ``history`` is the one ``published`` was read from (None when there is none). A policy in
    ``unreadable`` has a file that could not be read: it keeps its published versions (the
    unreadable file is reported on its own), and is not deleted.
    """
    renames = renamed_policies(history, drafts, unreadable) if history and published else {}
    previous: dict[str, Policy] = {}
    deleted: list[Policy] = []
    known: list[KnownVersion] = []
    for policy in published:
        draft_id = renames.get(policy.id, policy.id)
        if draft_id not in drafts and draft_id not in unreadable:
            deleted.append(policy)
            continue
        previous[draft_id] = policy
        known.extend(
            KnownVersion(draft_id, v.label, v.sha256, v.commit, v.adopted) for v in policy.versions
        )
    return Pairing(drafts, previous, deleted, known, renames)
