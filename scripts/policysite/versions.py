"""Git history → versions: the second stage of the pipeline.

A version is the text of a policy at a commit where its ``version`` label took a new value.
A policy without a ``version`` field (a repository adopted as it is) gets one version per commit
that changed its text, labelled by the commit date. Everything here is pure: revisions in,
versions out, so every rule is tested without git.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

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
from policysite.languages import language_name, match_locale
from policysite.model import (
    Document,
    FrontMatter,
    Kind,
    Note,
    Policy,
    Rendering,
    Translation,
    TranslationStatus,
    Version,
    key_line,
    next_label,
    parse_document,
    parse_note,
    policy_id,
    same_publication,
    title_from_id,
    translation_name,
    with_status,
)
from policysite.worktree import read_notes


class _Candidate(NamedTuple):
    """A text that publishes something new, before the labels decide (a tuple: cheaper to make
    than a frozen dataclass, for every revision of a history)."""

    revision: Revision
    label: str
    effective: dt.date
    title: str
    aliases: dict[str, str]
    adopted: bool
    retired: dt.date | None
    body_offset: int


def _parsed(
    revisions: Iterable[Revision], problems: list[PolicySiteError]
) -> Iterator[tuple[Revision, Document]]:
    """Each revision whose text differs from the one before (not a pure rename, nor a merge
    that changed nothing), with its parse; a text that does not parse adds its problems."""
    previous_text: str | None = None
    for revision in revisions:
        if revision.text == previous_text:
            continue
        previous_text = revision.text
        try:
            yield revision, parse_document(revision.text, revision.path, revision.commit)
        except PolicyError as exc:
            problems.extend(each_problem(exc))


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
    previous_document: Document | None = None
    last_label: str | None = None
    for revision, document in _parsed(revisions, problems):
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
    select = settings.selection.is_read
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
        select=settings.selection.is_read,  # translations too: the model pairs them
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
    sources, translated = split_translations(settings, files, problems)
    policies: list[Policy] = []
    for relative, revisions in sorted(sources.items()):
        pid = policy_id(relative)
        try:
            notes_of = read_notes(settings, pid) if notes else {}
            versions = build_versions(pid, revisions, notes_of, settings.markdown, before)
        except PolicySiteError as exc:
            problems.extend(each_problem(exc))
            continue
        policy = Policy(pid, revisions[-1].path, tuple(with_status(versions, as_of)))
        found = []
        for locale, (name, revs) in sorted(translated.get(pid, {}).items()):
            try:
                found.append(build_translation(policy, locale, name, revs))
            except PolicySiteError as exc:
                problems.extend(each_problem(exc))
        policies.append(replace(policy, translations=tuple(found)))
    if problems:
        raise ProblemList(problems)
    return policies


# By policy id, by locale: the translation file's path in the policies folder and its revisions.
Translated = dict[str, dict[str, tuple[str, list[Revision]]]]


def split_translations(
    settings: Settings, files: Mapping[str, list[Revision]], problems: list[PolicySiteError]
) -> tuple[dict[str, list[Revision]], Translated]:
    """The policy files (by path in the policies folder) and the translations among ``files``;
    a translation the site cannot publish is a problem (``translation_problem``)."""
    sources = {r: revs for r, revs in files.items() if translation_name(r) is None}
    ids = {policy_id(r) for r in sources}
    translated: Translated = {}
    for relative, revisions in sorted(files.items()):
        if relative in sources:
            continue
        where = revisions[-1]
        found = translation_problem(settings, relative, ids, where.path)
        if isinstance(found, PolicyError):
            problems.append(replace_commit(found, where.commit))
            continue
        policy, locale = found
        other = translated.setdefault(policy, {}).get(locale)
        if other is not None:
            problems.append(
                PolicyError(
                    duplicate_message(settings, relative, other[0], locale),
                    path=where.path,
                    commit=where.commit,
                )
            )
            continue
        translated[policy][locale] = (relative, revisions)
    return sources, translated


def replace_commit(error: PolicyError, commit: str) -> PolicyError:
    return PolicyError(error.message, path=error.path, line=error.line, commit=commit)


def translation_problem(
    settings: Settings, relative: str, policies: Collection[str], path: str
) -> tuple[str, str] | PolicyError:
    """(policy, locale) of the translation file ``relative`` (in the policies folder), or why
    it is not one the site can publish: a locale not in ``locales``, the source's own, or a
    policy that does not exist."""
    name = translation_name(relative)
    assert name is not None
    policy, tag = name
    locale = match_locale(tag, settings.locales)
    source = settings.policy_path(f"{policy}.md")
    listed = ", ".join(settings.locales)
    if locale is None:
        return PolicyError(
            f"is a translation into {language_name(tag)} ('{tag}'), which is not in `locales:` "
            f"of mkdocs.yml ({listed}); add '{tag}' there, or rename the file.",
            path=path,
        )
    if locale == settings.locales[0]:
        return PolicyError(
            f"is a translation into {language_name(locale)}, the language of {source} itself "
            f"(the first of `locales:`, {listed}); merge it into {source}, or delete it.",
            path=path,
        )
    if policy not in policies:
        return PolicyError(
            f"is a translation of policy '{policy}', but there is no {source}; add the policy "
            "first, or rename this file after the policy it translates (e.g. "
            f"privacy.{tag}.md).",
            path=path,
        )
    return policy, locale


def duplicate_message(settings: Settings, relative: str, other: str, locale: str) -> str:
    """Two files translate one policy into one locale (``privacy.no.md`` reads as nb)."""
    first, second = settings.policy_path(other), settings.policy_path(relative)
    return (
        f"is a second {language_name(locale)} translation ('{locale}'): {first} is the "
        f"first ({second} reads as '{locale}' too); keep one file per language and "
        "delete the other."
    )


def build_translation(
    policy: Policy, locale: str, relative: str, revisions: Iterable[Revision]
) -> Translation:
    """A translation file's revisions (oldest first) → its renderings, each naming the source
    version it translates, with their status against the source's current version."""
    problems: list[PolicySiteError] = []
    found: list[Rendering] = []
    labels = {v.label: i for i, v in enumerate(policy.versions)}
    adopted = bool(policy.versions) and all(v.adopted for v in policy.versions)
    shown = policy.shown
    current = labels[shown.label] if shown else -1
    revisions = list(revisions)
    path = revisions[-1].path if revisions else ""  # where the file is now, after renames
    for revision, document in _parsed(revisions, problems):
        meta = document.meta
        if meta.translates is None and adopted and meta.version is None:
            # A policy adopted as it is has no labels to name: its translation renders the
            # source's text of the day (the last version committed by then).
            meta = replace(meta, translates=_version_of_the_day(policy, revision.date))
        error = translation_meta_problem(meta, list(labels), policy.path)
        if error is not None:
            message, key = error
            problems.append(
                PolicyError(
                    message,
                    path=revision.path,
                    line=key_line(revision.text, key),
                    commit=revision.commit,
                )
            )
            continue
        assert meta.translates is not None
        index = labels[meta.translates]
        found.append(
            Rendering(
                policy=policy.id,
                locale=locale,
                translates=meta.translates,
                commit=revision.commit,
                date=revision.date,
                path=revision.path,
                text=revision.text,
                title=meta.title or policy.title,
                body_offset=len(revision.text) - len(document.body),
                status="current"
                if index == current
                else "stale"
                if index < current
                else "upcoming",
            )
        )
    if problems:
        raise ProblemList(problems)
    return Translation(policy.id, locale, path, relative, tuple(found))


def _version_of_the_day(policy: Policy, day: dt.datetime) -> str:
    before = [v for v in policy.versions if v.date <= day] or list(policy.versions[:1])
    return before[-1].label


def translation_status(index: int, current: int) -> TranslationStatus:
    """A rendering of the source's version number ``index`` against its current one."""
    if index == current:
        return "current"
    return "stale" if index < current else "upcoming"


def translation_meta_problem(
    meta: FrontMatter, labels: Sequence[str], source: str
) -> tuple[str, str] | None:
    """What is wrong with a translation's front matter (the message and its key), if anything:
    a label of its own, no ``translates:``, or one that names no version of ``source`` (the
    source's file, whose versions are ``labels``)."""
    if meta.version is not None or meta.effective is not None:
        key = "version" if meta.version is not None else "effective"
        return (
            f"a translation has no `{key}:` of its own (its source's versions are the "
            f"policy's); remove `{key}:` and say which source version it translates, e.g. "
            f'translates: "{meta.version or "1.0"}".',
            key,
        )
    if meta.translates is None:
        latest = labels[-1] if labels else "1.0"
        return (
            "a translation needs `translates:`, the label of the source version it renders, "
            f'e.g. translates: "{latest}"; add it to the front matter.',
            "title",
        )
    if meta.translates not in labels:
        known = ", ".join(labels) or "none yet"
        return (
            f'translates: "{meta.translates}" is not a published or pending version of {source} '
            f"(versions: {known}); name the version this text translates.",
            "translates",
        )
    return None


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
        f"no policy '{policy}' in {settings.policies_folder} (committed policies: {known}). "
        f"A policy is a committed .md file in {settings.policies_folder}."
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


def translation_url(settings: Settings, rendering: Rendering, *, latest: bool) -> str:
    """Where the site shows a translation's revision: its language's policy page while it is
    the one shown there (the latest, not ahead of the source), else the translated version's
    page in that language."""
    base = settings.site_url or "/"
    if latest and rendering.status in ("current", "stale"):
        return urls.policy_url(base, rendering.policy, rendering.locale)
    return urls.version_url(base, rendering.policy, rendering.translates, rendering.locale)


def translation_records(settings: Settings, policy: Policy) -> list[dict[str, object]]:
    """The entries of ``versions --format json`` for a policy's translations: the latest
    revision of each per source version it translates (older revisions of one translation
    were corrections), each with its ``locale``, ``translates`` and ``status``."""
    records: list[dict[str, object]] = []
    for translation in policy.translations:
        latest = {r.translates: r for r in translation.revisions}
        for rendering in latest.values():
            records.append(
                {
                    "policy": policy.id,
                    "locale": rendering.locale,
                    "translates": rendering.translates,
                    "title": rendering.title,
                    "commit": rendering.commit,
                    "date": rendering.date.isoformat(),
                    "sha256": rendering.sha256,
                    "status": rendering.status,
                    "latest": rendering is translation.latest,
                    "url": translation_url(
                        settings, rendering, latest=rendering is translation.latest
                    ),
                    "path": Path(rendering.path).as_posix(),
                }
            )
    return records
