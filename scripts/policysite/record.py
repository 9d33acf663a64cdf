"""``policysite lock``: write the published record, ``policies.lock``, from history and the
working tree (``lock.py`` is the file's format; ``check.published`` the rules that read it).

The record is HEAD's versions plus the new ones in the working tree, found by the same rules as
``check``; a lock that would bless a changed or vanished published text is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from policysite.check import published
from policysite.check.drafts import RecordEntry, pair_drafts, read_drafts, read_git
from policysite.check.findings import Finding
from policysite.check.published import lock_at
from policysite.check.versions import check_version
from policysite.config import Settings, today
from policysite.errors import PolicyError, PolicySiteError, ProblemList
from policysite.history import Snapshot
from policysite.lock import LOCK_FILE, LockEntry, read_lock, write_lock
from policysite.versions import policies_from_history


def lock_entries(record: Iterable[RecordEntry]) -> list[LockEntry]:
    """The lock for a record: its versions, by policy, each policy's in history order."""
    ordered = sorted(enumerate(record), key=lambda item: (item[1].policy, item[0]))
    return [LockEntry(e.policy, e.version, e.sha256, e.commit) for _, e in ordered]


def record_for_lock(settings: Settings, snapshot: Snapshot | None = None) -> list[LockEntry]:
    """What ``policysite lock`` writes: HEAD's versions plus new ones in the working tree."""
    on = today()
    snapshot = snapshot or read_git(settings, "HEAD")
    history = snapshot.history("HEAD") if snapshot.commit("HEAD") is not None else None
    policies = policies_from_history(settings, history, as_of=on, notes=False) if history else []
    drafts, _, unreadable = read_drafts(settings)
    pairing = pair_drafts(history, policies, drafts, unreadable)
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
    snapshot = read_git(settings, "HEAD")
    entries = record_for_lock(settings, snapshot)
    old = read_lock(path) if path.exists() else None
    if old is not None and not force:
        new = {(e.policy, e.version): e for e in entries}
        policies = {e.policy for e in entries}
        problems: list[PolicySiteError] = []
        committed = {(e.policy, e.version, e.sha256) for e in lock_at(settings, snapshot, "HEAD")}
        for entry in old:
            current = new.get((entry.policy, entry.version))
            locked_commit = f"commit {entry.commit[:12]}" if entry.commit else "not merged then"
            if current is not None and current.commit and current.sha256 != entry.sha256:
                message = published.MESSAGES["lock-changed"].format(
                    policy=entry.policy,
                    version=entry.version,
                    locked=entry.sha256,
                    locked_commit=locked_commit,
                    actual=current.sha256,
                    commit=current.commit[:12],
                )
            elif current is None and entry.commit and entry.policy in policies:
                message = published.MESSAGES["lock-gone"].format(
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
                message = published.MESSAGES["lock-gone-unmerged"].format(
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
