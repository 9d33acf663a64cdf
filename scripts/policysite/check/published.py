"""Rules on the published record: ``policies.lock`` and the base branch must agree with
history, so that no published text changes or vanishes unnoticed.

Another mechanism will replace the lock; until then these rules behave exactly as they did.
"""

from __future__ import annotations

import datetime as dt

from policysite.check.drafts import RecordEntry
from policysite.check.findings import Finding, finding, from_error
from policysite.config import Settings
from policysite.errors import PolicySiteError
from policysite.files import decode_text
from policysite.history import Snapshot
from policysite.lock import LOCK_FILE, LockEntry, parse_lock, read_lock
from policysite.model import Policy
from policysite.versions import policies_from_history

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
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


def lock_at(settings: Settings, snapshot: Snapshot, rev: str) -> list[LockEntry]:
    """The lock as committed at ``rev``; empty when there was none (or it cannot be read)."""
    data = snapshot.file(rev, settings.root / LOCK_FILE)
    if data is None:
        return []
    try:
        return parse_lock(decode_text(data, LOCK_FILE), LOCK_FILE)
    except PolicySiteError:
        return []


def check_lock(
    settings: Settings,
    record: list[RecordEntry],
    deleted: set[str],
    base: str,
    committed: list[LockEntry],
) -> list[Finding]:
    """The lock and the record must agree: no published text changed or vanished.

    ``committed`` is the lock as committed at ``base`` (``lock_at``): a version locked before
    its merge and gone since was published if that lock has it too.
    """
    path = LOCK_FILE
    try:
        locked = read_lock(settings.root / LOCK_FILE, path)
    except PolicySiteError as exc:
        return [from_error(exc, "lock-invalid")]
    if locked is None:
        return [finding(MESSAGES, "lock-absent", path, 1)] if record else []
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
                if (entry.policy, entry.version, entry.sha256) in {
                    (e.policy, e.version, e.sha256) for e in committed
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
            findings.append(finding(MESSAGES, rule, path, entry.line, "error", **values))
        elif actual.sha256 != entry.sha256 and actual.commit is None:
            findings.append(
                finding(
                    MESSAGES,
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
                    MESSAGES,
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
                    MESSAGES,
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
                    MESSAGES,
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
                    MESSAGES,
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


def check_base_kept(
    settings: Settings,
    snapshot: Snapshot,
    base: str | None,
    published: list[Policy],
    on: dt.date,
) -> list[Finding]:
    """With an explicit base, HEAD's history must still hold every version published there."""
    if base is None or not published:
        return []
    head = snapshot.commit("HEAD")
    if head is None or head == snapshot.commit(base):
        return []
    try:
        history = snapshot.history("HEAD")
        current = {p.id: p for p in policies_from_history(settings, history, as_of=on, notes=False)}
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
                        MESSAGES,
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


def fetch_hint(rev: str) -> str:
    """The command that fetches a missing base, e.g. ``git fetch origin main``."""
    remote, _, branch = rev.partition("/")
    if branch and remote in ("origin", "upstream"):
        return f"git fetch {remote} {branch}"
    return "git fetch origin main"
