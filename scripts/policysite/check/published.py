"""Rules on what was published: a published version's text, note and material flag never
change unnoticed.

Two comparisons hold them. In a pull request, the notes at the base revision against the
working tree (``check_notes_kept``; the texts are held by the version rules). Before a deploy,
the history to publish against the published record, the ``versions.json`` the live site
serves (``check_record``): a force-push, an edit on main without a new label, a dropped commit
or a changed note is refused there, with both hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from policysite.check.drafts import Baseline
from policysite.check.findings import Edit, Finding, NewFile, Severity, finding, line_edit
from policysite.config import CONFIG_FILE, Settings
from policysite.model import Note, Policy, Version
from policysite.record import Published, RecordUnavailable, read_record
from policysite.worktree import read_policy_file

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    # --- the published record (before a deploy) ---------------------------------------------
    "record-changed": (
        "{policy} {version} was published with {published} ({record}), but the history to "
        "publish has {actual}: a published version never changes, so nothing is deployed. Put "
        "back what was published: revert the change on main (or list its commit under "
        "`ignore_commits` in mkdocs.yml), or, if main was force-pushed, push the published "
        "history back from a clone that has it; make the change as a new version."
    ),
    "record-translation-changed": (
        "the {locale} translation of {policy} {version} was published with text sha256 "
        "{published} ({record}), but no revision of it in the history to publish has that "
        "text: a published translation may be corrected by a later commit, never rewritten, so "
        "nothing is deployed. If main was force-pushed or a commit dropped, push the published "
        "history back from a clone that has it (or revert the change on main); correct a "
        "translation with a new commit."
    ),
    "record-absent": (
        "there is no published record at {source} ({reason}), so history is not compared with "
        "what readers have seen; expected before the site's first publish, and only then."
    ),
    "record-unreadable": (
        "the published record {source} could not be read ({reason}), so history cannot be "
        "compared with what readers have seen, and nothing is deployed; run the job again once "
        "the site answers."
    ),
    # --- published notes (in a pull request) ------------------------------------------------
    "note-changed": (
        "is the note of {policy} {version}, published on {base}, and {what}; a published note "
        "never changes: put it back as it was, and say what is new in the next version's note."
    ),
    # --- the revision to compare with -------------------------------------------------------
    "base-missing": (
        "the revision '{base}' to compare with does not exist in this clone; fetch it first: "
        "`{fetch}` (GitHub Actions: actions/checkout with `fetch-depth: 0`)."
    ),
}


def check_notes_kept(
    settings: Settings,
    published: Iterable[Policy],
    renamed: Mapping[str, str],
    baseline: Baseline,
    notes: Mapping[tuple[str, str], Note],
    exempt: set[tuple[str, str]],
    unreadable: set[str],
) -> list[Finding]:
    """The note of every version published at the base is in the working tree as it was;
    the fix puts it back (a suggestion of its published text, or a link that recreates it).

    A version published after the branch started, and not merged into it, is not expected in
    its tree. ``renamed`` maps a policy renamed here to its new id (its notes move with it);
    ``exempt`` holds the (policy, label) pairs the version rules already speak for (a label taken by
    another change, whose note here is the branch's own); ``unreadable`` the paths of notes
    that are there but cannot be read (reported as such).
    """
    findings = []
    for policy in published:
        pid = renamed.get(policy.id, policy.id)
        for version in policy.versions:
            before = baseline.notes.get((policy.id, version.label))
            if before is None or (pid, version.label) in exempt:
                continue
            if baseline.merged and version.commit not in baseline.merged:
                continue  # published after the branch started, and not merged into it yet
            # A renamed policy's notes still in its old folder: the orphan rule says move them.
            now = notes.get((pid, version.label)) or notes.get((policy.id, version.label))
            if now is not None and now.sha256 == before.sha256:
                continue
            if now is None and before.path in unreadable:
                continue
            published_text = baseline.note_texts.get(before.path, "")
            edit: Edit | None = None
            files: tuple[NewFile, ...] = ()
            if now is None:
                what = "it was deleted here"
                files = (NewFile(before.path, published_text, "as it was published"),)
            else:
                if now.material != before.material:
                    what = (
                        f"`material: {_flag(before.material)}` was changed to "
                        f"`material: {_flag(now.material)}` here"
                    )
                else:
                    what = "its text was edited here"
                text = read_policy_file(settings, now.path)
                edit = line_edit(
                    now.path,
                    text,
                    len(text.splitlines()),
                    published_text.rstrip("\n"),
                    first=1,
                )
            findings.append(
                finding(
                    MESSAGES,
                    "note-changed",
                    now.path if now else before.path,
                    1,
                    edit=edit,
                    files=files,
                    gone=now is None,
                    policy=pid,
                    version=version.label,
                    base=baseline.base,
                    what=what,
                )
            )
    return findings


def check_record(
    settings: Settings,
    source: str,
    policies: Iterable[Policy],
    notes: Mapping[tuple[str, str], Note],
) -> list[Finding]:
    """Every version the published record at ``source`` lists is in history (or, renamed,
    under another policy) with the same text, note and material flag."""
    try:
        record = read_record(source)
    except RecordUnavailable as exc:
        rule = "record-absent" if exc.absent else "record-unreadable"
        severity: Severity = "warning" if exc.absent else "error"
        return [finding(MESSAGES, rule, CONFIG_FILE, 1, severity, source=source, reason=exc.detail)]
    policies = list(policies)
    current = {(p.id, v.label): (p, v) for p in policies for v in p.versions}
    by_text = {(v.label, v.sha256): (p, v) for p, v in current.values()}
    findings = _check_translations(settings, source, record, policies)
    for entry in record:
        if entry.locale is not None:
            continue
        found = current.get((entry.policy, entry.version)) or by_text.get(
            (entry.version, entry.sha256)
        )
        difference = _difference(entry, found, notes)
        if difference is None:
            continue
        published, actual, path = difference
        findings.append(
            finding(
                MESSAGES,
                "record-changed",
                path or settings.policy_path(f"{entry.policy}.md"),
                1,
                policy=entry.policy,
                version=entry.version,
                published=published,
                record=source,
                actual=actual,
            )
        )
    return findings


def _check_translations(
    settings: Settings, source: str, record: Iterable[Published], policies: list[Policy]
) -> list[Finding]:
    """Every published translation's text is a revision in history (a later one may correct
    it; a renamed policy's translations are found by their text)."""
    revisions = {
        (t.locale, r.translates, r.sha256)
        for p in policies
        for t in p.translations
        for r in t.revisions
    }
    paths = {(p.id, t.locale): t.path for p in policies for t in p.translations}
    findings = []
    for entry in record:
        if entry.locale is None or (entry.locale, entry.version, entry.sha256) in revisions:
            continue
        path = paths.get((entry.policy, entry.locale))
        findings.append(
            finding(
                MESSAGES,
                "record-translation-changed",
                path or settings.policy_path(f"{entry.policy}.{entry.locale}.md"),
                1,
                locale=entry.locale,
                policy=entry.policy,
                version=entry.version,
                published=entry.sha256,
                record=source,
            )
        )
    return findings


def _difference(
    entry: Published,
    found: tuple[Policy, Version] | None,
    notes: Mapping[tuple[str, str], Note],
) -> tuple[str, str, str | None] | None:
    """What differs between a published version and history: (published, now, the file), or
    None when nothing does."""
    text = f"text sha256 {entry.sha256}"
    if found is None:
        return text, "no such version", None
    policy, version = found
    if version.sha256 != entry.sha256:
        # The last version of an adopted policy is labelled by its day, and that day's later
        # changes are still part of it: it may grow until the day is over.
        if version.adopted and version is policy.versions[-1]:
            return None
        return text, f"text sha256 {version.sha256}", version.path
    note = notes.get((policy.id, version.label))
    if entry.material is not None and (note is None or note.material != entry.material):
        now = "no note" if note is None else f"material: {_flag(note.material)}"
        return f"material: {_flag(entry.material)}", now, note.path if note else None
    if entry.note_sha256 is not None and (note is None or note.sha256 != entry.note_sha256):
        now = "no note" if note is None else f"note sha256 {note.sha256}"
        return f"note sha256 {entry.note_sha256}", now, note.path if note else None
    return None


def _flag(value: bool) -> str:
    return "true" if value else "false"


def fetch_hint(rev: str) -> str:
    """The command that fetches a missing base, e.g. ``git fetch origin main``."""
    remote, _, branch = rev.partition("/")
    if branch and remote in ("origin", "upstream"):
        return f"git fetch {remote} {branch}"
    return "git fetch origin main"
