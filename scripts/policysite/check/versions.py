"""Rules on versions and their changelog notes: every change of a published text is a new
version with a free label, a later effective date, a note, and enough notice when material or
when it retires the policy.

Where the fix is certain (the next label, the earliest date, the note's file) the finding
carries it as data, for ``check --format github-review`` to offer as a one-click suggestion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from policysite.check.drafts import Baseline, Draft, KnownVersion
from policysite.check.findings import Finding, NewFile, finding, from_error, line_edit
from policysite.config import Settings
from policysite.errors import PolicySiteError
from policysite.model import Note, Policy, Version, key_line, next_label, parse_document
from policysite.worktree import read_all_notes, read_policy_file

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
        "has no 'version', so each change merged becomes a version labelled by its date and "
        'needs no changelog note; to publish it with a label, add `version: "1.0"` and '
        "`effective: YYYY-MM-DD` to the front matter."
    ),
    "label-reused": (
        'version "{version}" was published on {date} with a different text; give this text a '
        'new label: version: "{next}".'
    ),
    "label-taken": (
        '"{version}" was published on {base} by another change since this branch started: use '
        '"{next}" — {note_fix} and change `version:` on line {version_line}.'
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
    "retirement-notice": (
        'version "{version}" withdraws the policy on {retired}, only {days} day(s) after today '
        "({today}); users must be told {notice_days} days before a policy is withdrawn "
        "(notice_days in mkdocs.yml): set `retired:` to {earliest} or later."
    ),
    "retirement-editorial": (
        'version "{version}" withdraws the policy, but {note} says `material: false`, so '
        "nobody is told; a retirement is material: set `material: true` unless readers lose "
        "nothing by it."
    ),
    "policy-deleted": (
        "was deleted, but it has published versions ({versions}) that readers may hold links "
        "to; put the file back and retire the policy instead: its last text with "
        "{front_matter} in the front matter (the site keeps its archive and shows the policy "
        "as retired)."
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


def note_path(settings: Settings, policy: str, version: str) -> str:
    """Where the changelog note of a version lives: ``changelog/<policy>/<version>.md``."""
    return f"{settings.changelog_dir}/{policy}/{version}.md"


def note_files(path: str, retirement: bool = False) -> tuple[NewFile, ...]:
    """A missing note, offered filled in: material or editorial (a retirement is material)."""
    material = NewFile(path, "---\nmaterial: true\n---\n\n", "as a material change")
    if retirement:
        return (material,)
    return material, NewFile(path, "---\nmaterial: false\n---\n\n", "as an editorial fix")


# --- versions -----------------------------------------------------------------------------


def check_version(
    settings: Settings,
    draft: Draft,
    previous: Policy | None,
    notes: dict[tuple[str, str], Note],
    baseline: Baseline,
    findings: list[Finding],
    exempt: set[tuple[str, str]],
) -> KnownVersion | None:
    """Rules for a policy whose text differs from its last published version.

    Appends findings; returns the new version, or None when there is none. A note this branch
    wrote under a label another change took is added to ``exempt``: the finding about the
    label says what to do with it.
    """
    assert draft.document is not None
    meta = draft.document.meta
    last = previous.versions[-1] if previous and previous.versions else None
    if last is not None and last.sha256 == draft.sha256:
        return None
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
    earlier = previous.get(label) if previous else None
    if earlier is not None:
        assert last is not None
        found, renames_note = _label_finding(settings, draft, earlier, last, notes, baseline)
        if renames_note:
            exempt.add((draft.policy, label))
        findings.append(found)
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
                edit=line_edit(
                    draft.path,
                    draft.text,
                    effective_line,
                    f"effective: {last.effective.isoformat()}",
                ),
                version=label,
                effective=meta.effective.isoformat(),
                previous=last.label,
                previous_effective=last.effective.isoformat(),
            )
        )
    retiring = last is not None and meta.retired is not None and last.retired is None
    note = notes.get((draft.policy, label))
    path = note_path(settings, draft.policy, label)
    if note is None:
        findings.append(
            finding(
                MESSAGES,
                "note-missing",
                draft.path,
                key_line(draft.text, "version"),
                files=note_files(path, retiring),
                version=label,
                note=path,
            )
        )
    if retiring:
        assert meta.retired is not None
        findings.extend(_retirement(settings, draft, label, meta.retired, note, baseline.on))
    elif note is not None and note.material and last is not None:
        earliest = baseline.on + dt.timedelta(days=settings.notice_days)
        if meta.effective < earliest:
            findings.append(
                finding(
                    MESSAGES,
                    "notice-period",
                    draft.path,
                    effective_line,
                    edit=line_edit(
                        draft.path, draft.text, effective_line, f"effective: {earliest}"
                    ),
                    version=label,
                    effective=meta.effective.isoformat(),
                    days=str((meta.effective - baseline.on).days),
                    today=baseline.on.isoformat(),
                    notice_days=str(settings.notice_days),
                    earliest=earliest.isoformat(),
                )
            )
    return KnownVersion(draft.policy, label, draft.sha256, None)


def _label_finding(
    settings: Settings,
    draft: Draft,
    earlier: Version,
    last: Version,
    notes: dict[tuple[str, str], Note],
    baseline: Baseline,
) -> tuple[Finding, bool]:
    """The draft's label is published already: taken by another change since the branch
    started, still the last one (the text was edited without a new label), or an old one.
    The flag says the fix renames the branch's own note (which is then no edited note)."""
    label = earlier.label
    line = key_line(draft.text, "version")
    later = next_label(last.label)
    edit = line_edit(draft.path, draft.text, line, f'version: "{later}"')
    later_note = note_path(settings, draft.policy, later)
    if earlier.commit not in baseline.branch and baseline.branch:
        own = notes.get((draft.policy, label))
        theirs = baseline.notes.get((draft.policy, label))
        files: tuple[NewFile, ...] = ()
        renames = False
        if own is None or (theirs is not None and own.sha256 == theirs.sha256):
            note_fix, files = f"create `{later_note}`", note_files(later_note)
        elif theirs is not None and earlier.commit in baseline.merged:
            # The tree holds the other change too (GitHub's merge, or the base merged into the
            # branch): the note there is theirs, edited; yours moves, theirs is put back.
            note_fix = f"move your note to `{later_note}`, and put `{own.path}` back as it was"
            text = read_policy_file(settings, own.path)
            files = (NewFile(later_note, text, "your note, moved"),)
        else:
            note_fix, renames = f"rename `{own.path}` to `{later}.md`", True
        taken = finding(
            MESSAGES,
            "label-taken",
            draft.path,
            line,
            edit=edit,
            files=files,
            version=label,
            base=baseline.base,
            next=later,
            note_fix=note_fix,
            version_line=str(line),
        )
        return taken, renames
    if earlier is last:
        files = () if (draft.policy, later) in notes else note_files(later_note)
        effective_line = key_line(draft.text, "effective")
        if effective_line == line + 1:  # the new version takes effect today, unless said later
            edit = line_edit(
                draft.path,
                draft.text,
                effective_line,
                f'version: "{later}"\neffective: {baseline.on}',
                first=line,
            )
        unversioned = finding(
            MESSAGES,
            "unversioned-edit",
            draft.path,
            line,
            edit=edit,
            files=files,
            base=baseline.base,
            version=label,
            next=later,
            note=later_note,
        )
        return unversioned, False
    reused = finding(
        MESSAGES,
        "label-reused",
        draft.path,
        line,
        edit=edit,
        version=label,
        date=earlier.date.date().isoformat(),
        next=later,
    )
    return reused, False


def _retirement(
    settings: Settings,
    draft: Draft,
    label: str,
    retired: dt.date,
    note: Note | None,
    on: dt.date,
) -> list[Finding]:
    """A version that withdraws its policy: material unless said otherwise, and it gives the
    notice period before the day it is withdrawn."""
    found = []
    if note is not None and not note.material:
        text = read_policy_file(settings, note.path)
        line = key_line(text, "material")
        found.append(
            finding(
                MESSAGES,
                "retirement-editorial",
                note.path,
                line,
                "warning",
                edit=line_edit(note.path, text, line, "material: true"),
                version=label,
                note=note.path,
            )
        )
    earliest = on + dt.timedelta(days=settings.notice_days)
    if retired < earliest:
        line = key_line(draft.text, "retired")
        found.append(
            finding(
                MESSAGES,
                "retirement-notice",
                draft.path,
                line,
                edit=line_edit(draft.path, draft.text, line, f"retired: {earliest}"),
                version=label,
                retired=retired.isoformat(),
                days=str((retired - on).days),
                today=on.isoformat(),
                notice_days=str(settings.notice_days),
                earliest=earliest.isoformat(),
            )
        )
    return found


def check_deleted(settings: Settings, policy: Policy, on: dt.date) -> list[Finding]:
    """A deleted policy is allowed only when its last published version retired it; else the
    fix is the file back, retiring the policy (offered filled in)."""
    last = policy.versions[-1] if policy.versions else None
    if last is None:
        return []
    try:
        retired = parse_document(last.text, last.path, last.commit).meta.retired
    except PolicySiteError:
        retired = None
    if retired is not None:
        return []
    earliest = on + dt.timedelta(days=settings.notice_days)
    path = settings.policy_path(f"{policy.id}.md")
    settings_lines = [f"retired: {earliest}"]
    files: tuple[NewFile, ...] = ()
    if not last.adopted:
        later = next_label(last.label)
        settings_lines = [f'version: "{later}"', f"effective: {on}", *settings_lines]
        files = note_files(note_path(settings, policy.id, later), retirement=True)
    text = retirement_text(last.text, settings_lines)
    shown = [f"`{line}`" for line in settings_lines]
    front_matter = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return [
        finding(
            MESSAGES,
            "policy-deleted",
            path,
            1,
            files=(NewFile(path, text, "retiring the policy"), *files),
            gone=True,
            versions=", ".join(v.label for v in policy.versions),
            front_matter=front_matter,
        )
    ]


def retirement_text(text: str, settings_lines: list[str]) -> str:
    """A policy's text with these front-matter lines set (each replaces the line of its key)."""
    lines = text.split("\n")
    for setting in settings_lines:
        key = setting.partition(":")[0]
        number = key_line(text, key)
        if number > 1:
            lines[number - 1] = setting
        else:  # absent: add it before the closing ---
            closing = lines.index("---", 1) if lines and lines[0] == "---" else None
            if closing is None:
                lines[:0] = ["---", setting, "---"]
            else:
                lines.insert(closing, setting)
        text = "\n".join(lines)
    return text


def check_notes(
    settings: Settings,
    notes: dict[tuple[str, str], Note],
    drafts: dict[str, Draft],
    published: list[Policy],
    known: list[KnownVersion],
    history_ok: bool = True,
    renamed: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every note must describe a version that exists (published or new here), in the folder
    of its policy as the working tree names it (``renamed``: published id → new id).

    When the history could not be read (``history_ok`` false), the published versions are
    unknown, so a note is not called an orphan: the history's own error says what to fix.
    """
    renamed = renamed or {}
    labels: dict[str, list[str]] = {
        renamed.get(p.id, p.id): [v.label for v in p.versions] for p in published
    }
    for entry in known:
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
                    path=settings.policy_path(f"{policy}.md"),
                )
            )
        elif version not in labels[policy] and history_ok:
            known_labels = ", ".join(labels[policy]) or "none yet"
            findings.append(
                finding(
                    MESSAGES,
                    "note-orphan",
                    note.path,
                    1,
                    version=version,
                    policy=policy,
                    known=known_labels,
                )
            )
    return findings
