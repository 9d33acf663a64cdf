"""``policies.lock``: the hash of every published version's text, committed with the policies.

Git history is the record of what was published, but history can be rewritten (a force-push,
an amended or dropped commit). The lock is a second, reviewable copy of that record: ``check``
compares history with it, so a published text that changed is caught on any clone.

The file is TOML, one ``[[version]]`` table per version, sorted by policy then by history order,
with a blank line between tables so that two pull requests adding versions of different
policies rarely touch the same lines. A version not merged yet has no ``commit``:
``policysite lock`` fills it in once the version is in history.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from policysite.errors import PolicyError
from policysite.files import write_atomic

LOCK_FILE = "policies.lock"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")
_HEADER = (
    "# policies.lock: the sha256 of every published version of every policy.\n"
    "# Written by `policysite lock`; `policysite check` fails when history no longer matches it.\n"
    "# Do not edit by hand.\n"
)


@dataclass(frozen=True)
class LockEntry:
    """One locked version. ``line`` is where its table starts in the file (0 when new)."""

    policy: str
    version: str
    sha256: str
    commit: str | None = None
    line: int = 0


def read_lock(path: Path, display: str = LOCK_FILE) -> list[LockEntry] | None:
    """The entries of a lock file, or None when there is no file.

    Raises PolicyError (with the line) when the file is not a lock policysite can read.
    """
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError(
            "is not UTF-8; run `policysite lock` to write it again.", path=display
        ) from None
    return parse_lock(text, display)


def parse_lock(text: str, display: str = LOCK_FILE) -> list[LockEntry]:
    """The entries of a lock file's text; PolicyError (with the line) when it is not one."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise PolicyError(
            f"is not valid TOML ({exc}); run `policysite lock` to write it again.",
            path=display,
            line=int(found.group(1)) if found else None,
        ) from None
    tables = data.get("version", [])
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[version]]"]
    if set(data) - {"version"} or not isinstance(tables, list):
        raise PolicyError(
            "must hold only [[version]] tables; run `policysite lock` to write it again.",
            path=display,
        )
    entries: list[LockEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, table in enumerate(tables):
        line = lines[index] if index < len(lines) else 1
        policy, version = table.get("policy"), table.get("version")
        sha, commit = table.get("sha256"), table.get("commit")
        if not (
            isinstance(policy, str)
            and isinstance(version, str)
            and isinstance(sha, str)
            and _SHA256.fullmatch(sha)
            and (commit is None or (isinstance(commit, str) and _COMMIT.fullmatch(commit)))
        ):
            raise PolicyError(
                "this entry needs policy, version and a sha256 of 64 hex digits (commit, when "
                "present, 40 hex digits); run `policysite lock` to write it again.",
                path=display,
                line=line,
            )
        if (policy, version) in seen:
            raise PolicyError(
                f"lists {policy} {version} twice (first on line {seen[policy, version]}); run "
                "`policysite lock` to write it again.",
                path=display,
                line=line,
            )
        seen[policy, version] = line
        entries.append(LockEntry(policy, version, sha, commit, line))
    return entries


def render_lock(entries: list[LockEntry]) -> str:
    """The text of a lock file; entries keep the order given (policy, then history order)."""
    parts = [_HEADER]
    for entry in entries:
        lines = [
            "[[version]]",
            f"policy = {_quote(entry.policy)}",
            f"version = {_quote(entry.version)}",
        ]
        if entry.commit:
            lines.append(f'commit = "{entry.commit}"')
        lines.append(f'sha256 = "{entry.sha256}"')
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_lock(path: Path, entries: list[LockEntry]) -> None:
    """Write the lock atomically: a temporary file in the same folder, then a rename."""
    write_atomic(path, render_lock(entries))
