"""Git history → versions: the second stage of the pipeline.

A version is the text of a policy at a commit where its ``version`` label took a new value.
A policy without a ``version`` field (a repository adopted as it is) gets one version per commit
that changed its text, labelled by the commit date. Everything here is pure: revisions in,
versions out, so every rule is tested without git.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from policysite import urls
from policysite.config import Settings, today
from policysite.errors import (
    NotFoundError,
    PolicyError,
    PolicySiteError,
    ProblemList,
    each_problem,
)
from policysite.files import decode_text
from policysite.history import History, Revision, read_history, read_snapshot
from policysite.model import (
    Document,
    Kind,
    Note,
    Policy,
    Version,
    next_label,
    parse_document,
    parse_note,
    policy_id,
    same_publication,
    title_from_id,
    with_status,
)
from policysite.worktree import read_notes


@dataclass(frozen=True)
class _Candidate:
    revision: Revision
    label: str
    effective: dt.date
    title: str
    aliases: dict[str, str]
    adopted: bool
    retired: dt.date | None
    body_offset: int


def build_versions(
    policy: str,
    revisions: Iterable[Revision],
    notes: dict[str, Note] | None = None,
    markdown: str = "python",
    adopted_commits: frozenset[str] = frozenset(),
) -> list[Version]:
    """Turn a policy file's revisions (oldest first) into its published versions.

    Raises ProblemList with every problem found (bad front matter, a label reused for other
    text, an effective date going back in time), each naming the file and commit.
    """
    notes = notes or {}
    problems: list[PolicySiteError] = []
    candidates: list[_Candidate] = []
    previous_text: str | None = None
    previous_document: Document | None = None
    last_label: str | None = None
    for revision in revisions:
        if revision.text == previous_text:  # a pure rename, or a merge that changed nothing
            continue
        previous_text = revision.text
        try:
            document = parse_document(revision.text, revision.path, revision.commit)
        except PolicyError as exc:
            problems.extend(each_problem(exc))
            continue
        if previous_document is not None and same_publication(previous_document, document):
            continue  # front matter the site does not show, ignored whitespace, a comment
        previous_document = document
        meta = document.meta
        adopted = meta.version is None
        if adopted and last_label is not None:
            # Adopt mode is for a policy that never had a label, not for one that lost it.
            problems.append(
                PolicyError(
                    "'version' was removed; every published text needs a version label — add "
                    f'`version: "{next_label(last_label)}"` (the last label was "{last_label}").',
                    path=revision.path,
                    line=1,
                    commit=revision.commit,
                )
            )
            continue
        if not adopted:
            last_label = meta.version
        if adopted:
            # Dates are days: only the last text of a day was in force at its end, so the
            # texts of one day are one version, the last (``audit_trail`` lists each).
            label = revision.date.date().isoformat()
            effective = meta.effective or revision.date.date()
        else:
            assert meta.version is not None and meta.effective is not None
            label, effective = meta.version, meta.effective
        candidates.append(
            _Candidate(
                revision,
                label,
                effective,
                meta.title or title_from_id(policy),
                meta.anchor_aliases,
                adopted,
                meta.retired,
                len(revision.text) - len(document.body),
            )
        )

    versions: list[Version] = []
    first_commit: dict[str, str] = {}
    for candidate in candidates:
        revision = candidate.revision
        if versions and candidate.label == versions[-1].label:
            # The label again with another text: commits that landed on main together (a rebase
            # merge replays every commit of a pull request) or a text changed on main without a
            # new label. The last text is the version; if an earlier one was already deployed,
            # the publish job's comparison with the published record refuses the change.
            del first_commit[versions.pop().label]
        previous = versions[-1] if versions else None
        if candidate.label in first_commit:
            problems.append(
                PolicyError(
                    f'version label "{candidate.label}" is used again for a different text '
                    f"(first published at commit {first_commit[candidate.label][:12]}); give "
                    "this text a new label, e.g. the next number.",
                    path=revision.path,
                    commit=revision.commit,
                )
            )
            continue
        if previous and candidate.effective < previous.effective and not candidate.adopted:
            problems.append(
                PolicyError(
                    f'version "{candidate.label}" is effective {candidate.effective}, before '
                    f'the previous version "{previous.label}" ({previous.effective}); set '
                    f"`effective:` to {previous.effective} or later.",
                    path=revision.path,
                    commit=revision.commit,
                )
            )
            continue
        first_commit[candidate.label] = revision.commit
        versions.append(
            Version(
                policy=policy,
                label=candidate.label,
                effective=candidate.effective,
                commit=revision.commit,
                date=revision.date,
                path=revision.path,
                text=revision.text,
                sha256=revision.sha256,
                title=candidate.title,
                anchor_aliases=candidate.aliases,
                adopted=candidate.adopted,
                retired=candidate.retired,
                body_offset=candidate.body_offset,
                note=notes.get(candidate.label),
                kind=version_kind(previous, candidate.retired),
                markdown=markdown,
                as_adopted=revision.commit in adopted_commits,
            )
        )
    if problems:
        raise ProblemList(problems)
    return versions


@dataclass(frozen=True)
class AuditEntry:
    """One commit that touched a policy's file, and what became of its text (``versions --all``)."""

    policy: str
    commit: str
    date: dt.datetime
    path: str
    sha256: str
    version: str | None  # the label it was published as, or the version that took its place
    published: bool
    reason: str


def audit_trail(
    policy: str, revisions: Iterable[Revision], versions: list[Version]
) -> list[AuditEntry]:
    """Every revision of a policy's file with what became of it: a version, or why not (the
    history view for auditors: collapsed texts of one day, front-matter-only commits)."""
    published = {v.commit: v for v in versions}
    fates: list[tuple[Revision, str]] = []  # "" for a text a later one replaced
    previous_text: str | None = None
    previous_document: Document | None = None
    for revision in revisions:
        reason = ""
        if revision.text == previous_text:
            reason = "same text (a rename, or a merge that changed nothing)"
        else:
            previous_text = revision.text
            try:
                document = parse_document(revision.text, revision.path, revision.commit)
            except PolicyError as exc:
                reason = f"not readable: {exc.message}"
            else:
                if previous_document is not None and same_publication(previous_document, document):
                    reason = "only front matter the site does not show, whitespace or a comment"
                previous_document = document
        if not reason and revision.commit in published:
            reason = "published"
        fates.append((revision, reason))
    entries: list[AuditEntry] = []
    label: str | None = None
    for revision, reason in reversed(fates):  # a replaced text points at the version after it
        if reason == "published":
            label = published[revision.commit].label
            entries.append(_entry(policy, revision, label, True, reason))
        elif reason:
            entries.append(_entry(policy, revision, None, False, reason))
        else:
            why = "replaced by a later text of the same day or label"
            entries.append(_entry(policy, revision, label, False, why))
    return entries[::-1]


def _entry(
    policy: str, revision: Revision, label: str | None, published: bool, reason: str
) -> AuditEntry:
    return AuditEntry(
        policy,
        revision.commit,
        revision.date,
        revision.path,
        revision.sha256,
        label,
        published,
        reason,
    )


def load_audit(settings: Settings, policy: str | None = None) -> list[AuditEntry]:
    """``audit_trail`` of every policy (or of ``policy``) at HEAD."""
    select = settings.selection.is_policy
    history = read_history(
        settings.root, settings.docs_path, "HEAD", settings.ignore_commits, select
    )
    policies = {p.id: p for p in policies_from_history(settings, history, notes=False)}
    if policy is not None:
        policies = {policy: find_policy(list(policies.values()), policy, settings)}
    entries: list[AuditEntry] = []
    for relative, revisions in sorted({**history.deleted, **history.files}.items()):
        found = policies.get(policy_id(relative))
        if found is not None:
            entries.extend(audit_trail(found.id, revisions, list(found.versions)))
    return entries


def version_kind(previous: Version | None, retired: dt.date | None) -> Kind:
    """What a text does to its policy, after ``previous`` (None for the first): brings the
    policy in, withdraws it (it sets `retired:` first), or changes it."""
    if previous is None:
        return "new"
    if retired is not None and previous.retired is None:
        return "retirement"
    return "change"


def load_policies(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    rev: str = "HEAD",
    notes: bool = True,
) -> list[Policy]:
    """Every policy under the policies folder at ``rev`` with its versions and their status.

    ``notes=False`` leaves out the changelog notes (``check`` reads and reports them itself, so
    that one bad note does not hide every version).
    """
    revs = [rev] if settings.adopted_at is None else [rev, settings.adopted_at]
    snapshot = read_snapshot(
        settings.root,
        settings.docs_path,
        revs,
        settings.ignore_commits,
        select=settings.selection.is_policy,
    )
    # The adoption commit's first-parent chain: a version published there is ``as_adopted``.
    before = frozenset(snapshot.chain(settings.adopted_at)) if settings.adopted_at else frozenset()
    history = snapshot.history(rev)
    return policies_from_history(settings, history, as_of=as_of, notes=notes, before=before)


def policies_from_history(
    settings: Settings,
    history: History,
    *,
    as_of: dt.date | None = None,
    notes: bool = True,
    before: frozenset[str] = frozenset(),
) -> list[Policy]:
    """Every policy of a history read before (``load_policies`` reads it; ``check`` passes the
    snapshot's), with its versions and their status on ``as_of``."""
    as_of = as_of or today()
    files = dict(history.files)
    files.update((path, revs) for path, revs in history.deleted.items() if _retires(revs[-1]))
    problems: list[PolicySiteError] = []
    policies: list[Policy] = []
    for relative, revisions in sorted(files.items()):
        pid = policy_id(relative)
        try:
            notes_of = read_notes(settings, pid) if notes else {}
            versions = build_versions(pid, revisions, notes_of, settings.markdown, before)
        except PolicySiteError as exc:
            problems.extend(each_problem(exc))
            continue
        policies.append(Policy(pid, revisions[-1].path, tuple(with_status(versions, as_of))))
    if problems:
        raise ProblemList(problems)
    return policies


def _retires(revision: Revision) -> bool:
    """Whether a deleted file's last text retired its policy: then its archive stays."""
    try:
        document = parse_document(revision.text, revision.path, revision.commit)
    except PolicyError:
        return False
    return document.meta.retired is not None


def notes_in(settings: Settings, texts: Mapping[str, str]) -> dict[tuple[str, str], Note]:
    """The changelog notes among ``texts`` (by path from the site's root, as ``texts_in``
    gives them), by (policy, version); a note that cannot be read is left out."""
    notes: dict[tuple[str, str], Note] = {}
    prefix = settings.changelog_dir + "/"
    for path, text in texts.items():
        policy, _, name = path.removeprefix(prefix).rpartition("/")
        if not path.startswith(prefix) or not policy or not name.endswith(".md"):
            continue
        version = name.removesuffix(".md")
        try:
            notes[policy, version] = parse_note(text, policy, version, path)
        except PolicySiteError:
            continue
    return notes


def texts_in(folder: str, files: Mapping[str, bytes]) -> dict[str, str]:
    """The texts of ``files`` (by path in ``folder``, as a snapshot holds them), by their path
    from the site's root; a file that is not text is left out."""
    texts: dict[str, str] = {}
    for relative, data in files.items():
        path = f"{folder}/{relative}"
        try:
            texts[path] = decode_text(data, path, limit=None)
        except PolicySiteError:
            continue
    return texts


def find_policy(policies: list[Policy], policy: str, settings: Settings) -> Policy:
    """The policy with this id, or an error listing the ones that exist."""
    wanted = policy.removesuffix(".md")
    for candidate in policies:
        if candidate.id == wanted:
            return candidate
    known = ", ".join(p.id for p in policies) or "none yet"
    raise NotFoundError(
        f"no policy '{policy}' in {settings.docs_dir}/ (committed policies: {known}). "
        f"A policy is a committed .md file in {settings.docs_dir}/."
    )


def find_version(policy: Policy, label: str) -> Version:
    """The version with this label, or an error listing the labels that exist."""
    found = policy.get(label)
    if found is None:
        known = ", ".join(v.label for v in policy.versions)
        raise NotFoundError(f"policy '{policy.id}' has no version '{label}' (versions: {known}).")
    return found


def version_url(settings: Settings, version: Version) -> str:
    """Where the site shows this version: the policy page when current, its archive otherwise."""
    base = settings.site_url or "/"
    if version.status in ("current", "retired"):  # a retired policy's last text stays there
        return urls.policy_url(base, version.policy)
    return urls.version_url(base, version.policy, version.label)


def version_record(settings: Settings, version: Version) -> dict[str, object]:
    """One entry of ``versions --format json`` and the site's versions.json.

    Deployed, it is the published record: ``sha256`` (the text), ``note_sha256`` (the changelog
    note's whole text) and ``material`` are what ``check --record`` holds history to.
    """
    return {
        "policy": version.policy,
        "title": version.title,
        "version": version.label,
        "effective": version.effective.isoformat(),
        "commit": version.commit,
        "date": version.date.isoformat(),
        "sha256": version.sha256,
        "material": version.material,
        "note_sha256": version.note.sha256 if version.note else None,
        "kind": version.kind,
        "status": version.status,
        "url": version_url(settings, version),
        "path": Path(version.path).as_posix(),
    }
