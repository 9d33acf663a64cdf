"""The only module that talks to git.

Reads the first-parent history of the main branch for every policy file, following renames,
with one ``git log`` and one ``git cat-file --batch`` (GitPython's per-object reads were 3.8×
slower on 2,000 commits). Returns plain data: a list of ``Revision`` per policy path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import git

from policysite.errors import HistoryError, NotFoundError, PolicyError
from policysite.files import decode_text


@dataclass(frozen=True)
class Revision:
    """A policy file's text at one commit of the first-parent history."""

    commit: str
    date: dt.datetime
    path: str  # relative to the repository root, at this commit
    blob: str
    text: str
    sha256: str  # of the text as UTF-8 (a leading byte-order mark removed)


@dataclass(frozen=True)
class _Change:
    commit: str
    date: dt.datetime
    status: str
    old_path: str | None
    path: str
    blob: str
    mode: str


@contextmanager
def open_repo(root: Path) -> Iterator[git.Repo]:
    """Open the repository containing ``root``; a clear error when there is none."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(
            f"{root} is not inside a git repository; policy versions come from git history. "
            "Run policysite in a clone of the policy repository (or `git init` and commit)."
        ) from None
    try:
        yield repo
    finally:
        repo.close()


def _check_repo(repo: git.Repo, rev: str) -> str:
    if repo.git.rev_parse("--is-shallow-repository") == "true":
        raise HistoryError(
            "this clone is shallow, so the history of the policies is incomplete and versions "
            "would be missing. Fetch the full history: `git fetch --unshallow` (GitHub Actions: "
            "actions/checkout with `fetch-depth: 0`)."
        )
    try:
        return str(repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}"))
    except git.GitCommandError:
        if rev == "HEAD":
            raise HistoryError(
                "the repository has no commits yet; commit the policies first."
            ) from None
        raise NotFoundError(
            f"git revision '{rev}' does not exist; give a branch, tag or commit, e.g. origin/main."
        ) from None


def _log_changes(repo: git.Repo, rev: str, prefix: str) -> Iterator[_Change]:
    """Every change under ``prefix`` on the first-parent history of ``rev``, oldest first."""
    output = repo.git.log(
        "--first-parent",
        "--reverse",
        "--diff-merges=first-parent",
        "--raw",
        "--no-abbrev",
        "-M",
        "-z",
        "--format=%x01%H %cI",
        rev,
        "--",
        prefix or ".",
        strip_newline_in_stdout=False,
    )
    for chunk in output.split("\x01")[1:]:
        header, _, rest = chunk.partition("\0")
        commit, _, iso_date = header.partition(" ")
        date = dt.datetime.fromisoformat(iso_date)
        tokens = rest.lstrip("\n").split("\0")
        index = 0
        while index < len(tokens):
            meta = tokens[index].strip("\n")
            if not meta.startswith(":"):
                index += 1
                continue
            _, new_mode, _, new_blob, status = meta[1:].split(" ")
            if status[0] in "RC":
                old_path, path = tokens[index + 1], tokens[index + 2]
                index += 3
            else:
                old_path, path = None, tokens[index + 1]
                index += 2
            yield _Change(commit, date, status[0], old_path, path, new_blob, new_mode)


def _is_policy_path(path: str, prefix: str) -> bool:
    relative = path[len(prefix) + 1 :] if prefix else path
    return (
        (not prefix or path.startswith(prefix + "/"))
        and path.endswith(".md")
        and relative != "index.md"
    )


def read_texts(
    repo: git.Repo, changes: Iterable[_Change]
) -> dict[str, tuple[str, str] | PolicyError]:
    """Text and sha256 of every blob in ``changes``, read with one ``git cat-file --batch``.

    Blobs are decoded and hashed while git is still writing the next ones, so on two cores
    our work hides behind git's (bench/history.py). A blob that cannot be decoded maps to its
    error, for the caller to raise or pass over.
    """
    first_use: dict[str, _Change] = {}
    for change in changes:
        first_use.setdefault(change.blob, change)
    if not first_use:
        return {}
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo.git_dir,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin and process.stdout and process.stderr
    request = ("\n".join(first_use) + "\n").encode()
    writer = threading.Thread(target=_write_and_close, args=(process.stdin, request), daemon=True)
    writer.start()
    texts: dict[str, tuple[str, str] | PolicyError] = {}
    try:
        for blob, change in first_use.items():
            header = process.stdout.readline().split()
            if len(header) < 3:
                raise HistoryError(
                    f"git object {blob} ({change.path} at commit {change.commit[:12]}) is "
                    "missing from the repository; run `git fsck` and fetch again."
                )
            size = int(header[2])
            texts[blob] = _decode(process.stdout.read(size), change)
            process.stdout.read(1)  # the newline after each object
    finally:
        process.stdout.close()
        writer.join()
        process.wait()
        process.stderr.close()
    return texts


def _write_and_close(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except BrokenPipeError:  # git stopped early; the reader reports why
        pass


def repo_prefix(repo: git.Repo, folder: Path) -> str:
    """``folder`` as a POSIX path relative to the repository root ('' for the root)."""
    top = Path(repo.working_tree_dir or ".").resolve()
    try:
        relative = folder.resolve().relative_to(top)
    except ValueError:
        raise HistoryError(
            f"the policies folder {folder} is outside the git repository at {top}; set docs_dir "
            "in mkdocs.yml to a folder inside it."
        ) from None
    posix = PurePosixPath(relative.as_posix())
    return "" if str(posix) == "." else str(posix)


@dataclass(frozen=True)
class History:
    """The revisions of every policy file at one revision, by path relative to the folder.

    ``deleted`` holds the files gone at that revision, with their revisions up to the deletion:
    whether one still counts (a retired policy keeps its archive) is the model's call, not git's.
    """

    files: dict[str, list[Revision]]
    deleted: dict[str, list[Revision]]


def read_history(
    root: Path,
    folder: Path,
    rev: str = "HEAD",
    ignore_commits: Iterable[str] = (),
) -> History:
    """The revisions of every policy file under ``folder`` at ``rev``, and of deleted ones.

    Each list is oldest first and follows the file through renames. Only the first parent of
    each merge counts, so a PR's branch commits are not versions: its merge is. Commits in
    ``ignore_commits`` (full or abbreviated hashes) are skipped, though renames in them are still
    followed. A deleted file whose last text cannot be decoded is left out (nothing to archive).
    """
    ignored = tuple(ignore_commits)
    with open_repo(root) as repo:
        head = _check_repo(repo, rev)
        prefix = repo_prefix(repo, folder)
        lineages: dict[str, list[_Change]] = {}
        deleted: dict[str, list[_Change]] = {}
        for change in _log_changes(repo, head, prefix):
            skip = change.mode == "160000" or (bool(ignored) and change.commit.startswith(ignored))
            deleted.pop(change.path, None)  # a new file at the path replaces the deleted one
            if change.status == "D":
                gone = lineages.pop(change.path, None)
                if gone and _is_policy_path(change.path, prefix):
                    deleted[change.path] = gone
                continue
            if change.status == "R" and change.old_path:
                lineage = lineages.pop(change.old_path, [])
            else:
                lineage = lineages.get(change.path, [])
            if not _is_policy_path(change.path, prefix):
                lineages.pop(change.path, None)
                continue
            if not skip:
                lineage.append(change)
            lineages[change.path] = lineage
        everything = [*lineages.values(), *deleted.values()]
        texts = read_texts(repo, (c for lineage in everything for c in lineage))

    def revisions(found: dict[str, list[_Change]], strict: bool) -> dict[str, list[Revision]]:
        result: dict[str, list[Revision]] = {}
        for path, lineage in sorted(found.items()):
            read: list[Revision] = []
            for c in lineage:
                text = texts[c.blob]
                if isinstance(text, PolicyError):
                    if strict:
                        raise text
                    break  # a deleted file git cannot give as text: nothing to archive
                read.append(Revision(c.commit, c.date, c.path, c.blob, *text))
            else:
                if read:
                    result[path[len(prefix) + 1 :] if prefix else path] = read
        return result

    return History(revisions(lineages, strict=True), revisions(deleted, strict=False))


def _decode(data: bytes, change: _Change) -> tuple[str, str] | PolicyError:
    """The blob as text and the sha256 of that text, or why it cannot be read."""
    try:
        text = decode_text(data, change.path, commit=change.commit)
    except PolicyError as exc:
        return exc
    return text, hashlib.sha256(data.removeprefix(b"\xef\xbb\xbf")).hexdigest()


def resolve_commit(root: Path, rev: str) -> str | None:
    """The full hash of the commit ``rev`` names, or None when this clone has no such commit."""
    with open_repo(root) as repo:
        try:
            return str(repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}"))
        except git.GitCommandError:
            return None


def find_repository(path: Path) -> Path | None:
    """The top folder of the git repository containing ``path``, or None."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    try:
        with git.Repo(probe, search_parent_directories=True) as repo:
            return Path(repo.working_tree_dir or probe)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def init_repository(root: Path) -> None:
    """``git init`` with a ``main`` branch in ``root``."""
    git.Repo.init(root, initial_branch="main").close()


def commit_all(root: Path, message: str) -> str:
    """Stage every file in the repository of ``root`` and commit; returns the commit's hash.

    Without a configured author (a fresh machine, CI), the commit is made as "policysite".
    """
    with open_repo(root) as repo:
        repo.git.add("-A")
        env: dict[str, str] = {}
        if not repo.config_reader().has_option("user", "email"):
            env = {
                "GIT_AUTHOR_NAME": "policysite",
                "GIT_AUTHOR_EMAIL": "policysite@localhost",
                "GIT_COMMITTER_NAME": "policysite",
                "GIT_COMMITTER_EMAIL": "policysite@localhost",
            }
        with repo.git.custom_environment(**env):
            repo.git.commit("-q", "-m", message)
        return str(repo.head.commit.hexsha)


def stage_files(root: Path, paths: Iterable[Path]) -> None:
    """``git add`` these files, so that they count as tracked (nothing is committed)."""
    with open_repo(root) as repo:
        repo.git.add("--", *[str(p) for p in paths])


@dataclass(frozen=True)
class FileAtRevision:
    """A file's text at one commit; ``text`` is None when none of the paths exists there."""

    commit: str
    date: dt.datetime
    path: str  # relative to the repository root
    text: str | None
    sha256: str = ""


def read_file_at(root: Path, rev: str, paths: Iterable[str]) -> FileAtRevision:
    """The text at ``rev`` of the first of ``paths`` (relative to the repository) found there.

    Several paths because a policy may have had other names in the past (renames).
    """
    wanted = list(paths)
    with open_repo(root) as repo:
        commit_id = _check_repo(repo, rev)
        commit = repo.commit(commit_id)
        date = commit.committed_datetime
        for path in wanted:
            try:
                blob = commit.tree / path
            except KeyError:
                continue
            change = _Change(commit_id, date, "M", None, path, blob.hexsha, f"{blob.mode:o}")
            decoded = _decode(blob.data_stream.read(), change)
            if isinstance(decoded, PolicyError):
                raise decoded
            text, digest = decoded
            return FileAtRevision(commit_id, date, path, text, digest)
    return FileAtRevision(commit_id, date, wanted[0] if wanted else "", None)


@dataclass(frozen=True)
class ChangedFile:
    """A policy file that differs between a revision and the working tree."""

    relative: str  # relative to the policies folder: the path now, or at the revision if deleted
    old_path: str | None  # relative to the repository, at the revision; None when added since
    new_path: str | None  # relative to the repository, in the working tree; None when deleted
    new_file: Path | None  # the working-tree file


def changed_policy_files(root: Path, folder: Path, base: str) -> list[ChangedFile]:
    """Policy files under ``folder`` that differ between ``base`` and the working tree.

    Renames are followed (``git diff -M``); files git does not track yet are not included.
    """
    with open_repo(root) as repo:
        _check_repo(repo, base)
        prefix = repo_prefix(repo, folder)
        top = Path(repo.working_tree_dir or ".")
        output = repo.git.diff("--name-status", "-M", "-z", base, "--", prefix or ".")
    tokens = output.split("\0")
    files: list[ChangedFile] = []
    index = 0
    while index < len(tokens) and tokens[index]:
        status = tokens[index][0]
        if status in "RC":
            old, new = tokens[index + 1], tokens[index + 2]
            index += 3
        else:
            old = new = tokens[index + 1]
            index += 2
        old_path = None if status == "A" else old
        new_path = None if status == "D" else new
        if status == "C":
            old_path = None  # a copy is a new policy, whatever it was copied from
        kept = [p for p in (new_path, old_path) if p and _is_policy_path(p, prefix)]
        if not kept:
            continue
        relative = kept[0][len(prefix) + 1 :] if prefix else kept[0]
        files.append(
            ChangedFile(
                relative,
                old_path if old_path and _is_policy_path(old_path, prefix) else None,
                new_path if new_path and _is_policy_path(new_path, prefix) else None,
                top / new_path if new_path and _is_policy_path(new_path, prefix) else None,
            )
        )
    return files


def renamed_files(root: Path, base: str, folder: Path) -> dict[str, str]:
    """Policy files under ``folder`` that git sees as renamed since ``base``: old → new path,
    both relative to ``folder``."""
    with open_repo(root) as repo:
        prefix = repo_prefix(repo, folder)
    cut = len(prefix) + 1 if prefix else 0
    return {
        changed.old_path[cut:]: changed.relative
        for changed in changed_policy_files(root, folder, base)
        if changed.old_path and changed.new_path and changed.old_path != changed.new_path
    }
