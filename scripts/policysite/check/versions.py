"""Rules on versions and their changelog notes: every change of a published text is a new
version with a new label, a later effective date, a note, and enough notice when material."""

from __future__ import annotations

import datetime as dt

from policysite.check.drafts import Draft, RecordEntry
from policysite.check.findings import Finding, finding, from_error
from policysite.config import Settings
from policysite.errors import PolicySiteError
from policysite.model import Note, Policy, key_line, next_label, parse_document
from policysite.worktree import read_all_notes

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
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
}


def read_notes_checked(settings: Settings, findings: list[Finding]) -> dict[tuple[str, str], Note]:
    """Every changelog note on disk, by (policy, version); bad notes become findings."""
    working = read_all_notes(settings)
    findings.extend(from_error(p, "note") for p in working.problems)
    for note in working.notes.values():
        if not note.summary:
            findings.append(finding(MESSAGES, "note-empty", note.path, 1))
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
                    MESSAGES,
                    "version-missing",
                    draft.path,
                    1,
                    last=last.label,
                    next=next_label(last.label),
                )
            )
        elif last is None:
            findings.append(finding(MESSAGES, "version-unlabelled", draft.path, 1, "warning"))
        return None
    label = meta.version
    note_path = _note_path(settings, draft.policy, label)
    if last is not None and label == last.label:
        findings.append(
            finding(
                MESSAGES,
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
                MESSAGES,
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
                MESSAGES,
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
            finding(
                MESSAGES, "note-missing", draft.path, version_line, version=label, note=note_path
            )
        )
    elif note.material and last is not None:
        earliest = on + dt.timedelta(days=settings.notice_days)
        if meta.effective < earliest:
            findings.append(
                finding(
                    MESSAGES,
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
    return [
        finding(
            MESSAGES, "policy-deleted", f"{settings.docs_dir}/{policy.id}.md", 1, versions=labels
        )
    ]


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
                    MESSAGES,
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
                finding(
                    MESSAGES,
                    "note-orphan",
                    note.path,
                    1,
                    version=version,
                    policy=policy,
                    known=known,
                )
            )
    return findings
