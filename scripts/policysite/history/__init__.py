"""The only code that talks to git (this package): plain revisions and blobs out.

A run reads what it needs from the repository once, with as few git processes as it can: one
``git cat-file --batch`` resolves the revisions and reads every blob (GitPython's per-object
reads were 3.8× slower on 2,000 commits), one ``git log`` lists the first-parent history of
every revision asked for at once (``read_snapshot``). ``repository`` finds the repository on
disk and runs git; ``renames`` matches renamed files by their texts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from policysite.errors import HistoryError, PolicyError
from policysite.files import decode_text, text_sha256
from policysite.history.renames import match_renames, similarity
from policysite.history.repository import (
    SHALLOW,
    CatFile,
    Commit,
    Repository,
    commit_files,
    find_repository,
    finish_git,
    folder_prefix,
    init_repository,
    missing_revision,
    open_repository,
    run_git,
    stage_files,
    start_git,
    stop_git,
    switch_branch,
)
from policysite.selection import Selection

__all__ = [
    "ChangedFile",
    "FileAtRevision",
    "History",
    "Revision",
    "Snapshot",
    "Tree",
    "changed_policy_files",
    "commit_files",
    "find_repository",
    "init_repository",
    "match_renames",
    "read_file_at",
    "read_history",
    "read_snapshot",
    "read_tree",
    "shared_reads",
    "similarity",
    "stage_files",
    "switch_branch",
]


@dataclass(frozen=True)
class Revision:
    """A policy file's text at one commit of the first-parent history."""

    commit: str
    date: dt.datetime
    path: str  # relative to the repository root, at this commit
    blob: str
    text: str

    @cached_property
    def sha256(self) -> str:
        """Of the text as UTF-8 (the file's bytes, a leading byte-order mark removed).

        Worked out when asked for: a published version keeps it, the texts a later one of
        the same day or a front-matter-only commit replaces never need it (bench/adopt.py).
        """
        return text_sha256(self.text)


@dataclass(frozen=True)
class History:
    """The revisions of every policy file at one revision, by path relative to the folder.

    ``deleted`` holds the files gone at that revision, with their revisions up to the deletion:
    whether one still counts (a retired policy keeps its archive) is the model's call, not git's.
    """

    files: dict[str, list[Revision]]
    deleted: dict[str, list[Revision]]


@dataclass(frozen=True)
class Snapshot:
    """What git holds for one run, read once and passed down: each revision asked for, its
    commit, its first-parent chain, the history of the policies at it, and the files of other
    folders there (the changelog notes).

    Problems are raised when a history is asked for, in the order git would meet them (shallow
    clone, unknown revision, folder outside the repository), so a caller can first ask which
    revisions exist.
    """

    commits: Mapping[str, str | None]  # revision → commit; None when this clone has none
    histories: Mapping[str, History | PolicyError] = field(default_factory=dict)
    folders: Mapping[tuple[str, Path], Mapping[str, bytes]] = field(default_factory=dict)
    chains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    shallow: bool = False
    outside: str | None = None  # why the policies folder cannot be read: it is not in the repo

    def commit(self, rev: str) -> str | None:
        """The commit ``rev`` names, or None when this clone has no such commit."""
        return self.commits.get(rev)

    def history(self, rev: str) -> History:
        """The policies' history at ``rev``; HistoryError or NotFoundError when there is none."""
        if self.shallow:
            raise HistoryError(SHALLOW)
        if self.commits.get(rev) is None:
            raise missing_revision(rev)
        if self.outside is not None:
            raise HistoryError(self.outside)
        found = self.histories[rev]
        if isinstance(found, PolicyError):
            raise found  # a policy file at ``rev`` git cannot give as text
        return found

    def folder(self, rev: str, folder: Path) -> Mapping[str, bytes]:
        """Every file under ``folder`` (as asked for) at ``rev``, by its path inside it."""
        return self.folders.get((rev, folder), {})

    def chain(self, rev: str) -> tuple[str, ...]:
        """The commits of ``rev``'s first-parent chain, newest first; () when it has none."""
        return self.chains.get(rev, ())


@dataclass(frozen=True)
class FileAtRevision:
    """A file's text at one commit; ``text`` is None when none of the paths exists there."""

    commit: str
    date: dt.datetime
    path: str  # relative to the repository root
    text: str | None
    sha256: str = ""


@dataclass(frozen=True)
class ChangedFile:
    """A policy file that differs between a revision and the working tree."""

    relative: str  # relative to the policies folder: the path now, or at the revision if deleted
    old_path: str | None  # relative to the repository, at the revision; None when added since
    new_path: str | None  # relative to the repository, in the working tree; None when deleted
    new_file: Path | None  # the working-tree file
    old: FileAtRevision | None = None  # its text at the revision (when ``old_path`` is set)


# --- one `git cat-file` for several reads ---------------------------------------------------

_shared: ContextVar[dict[Path, CatFile] | None] = ContextVar("shared_reads", default=None)


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, the reads of a repository share one ``git cat-file`` and the objects
    it read: ``policysite adopt`` reads HEAD's files, then the history of the same commits,
    then ``check`` reads it again (three ``cat-file`` processes before, tests/test_git_reads.py;
    HEAD's blobs were read twice, the history's too)."""
    readers: dict[Path, CatFile] = {}
    token = _shared.set(readers)
    try:
        yield
    finally:
        _shared.reset(token)
        for reader in readers.values():
            reader.close()


@contextlib.contextmanager
def _objects(repo: Repository) -> Iterator[CatFile]:
    """The ``cat-file`` of this read: the block's shared one (see ``shared_reads``), or one
    of its own, closed after it."""
    shared = _shared.get()
    if shared is None:
        with CatFile(repo.top) as objects:
            yield objects
    else:
        if repo.top not in shared:
            shared[repo.top] = CatFile(repo.top, keep=True)
        yield shared[repo.top]


# --- history: one `git log` for every revision -----------------------------------------------


class _Change(NamedTuple):
    """One file's change in one commit of the log (a tuple: made for every line git lists, and
    a frozen dataclass's construction was a tenth of reading the log, bench/adopt.py)."""

    commit: str
    date: dt.datetime
    status: str
    old_path: str | None
    path: str
    blob: str
    mode: str


@dataclass
class _Logged:
    parent: str | None  # the first parent
    changes: list[_Change]


_LOG_CHUNK = 1 << 16  # bytes of ``git log`` read at a time


def _log(
    top: Path, tips: Sequence[str], prefix: str, logged: dict[str, _Logged], wanted: Select
) -> Iterator[list[_Change]]:
    """Every commit on the first-parent chain of any of ``tips`` into ``logged``, with its
    changes under ``prefix``, as ``git log`` writes them; yields the changes it read each time
    whose path ``wanted`` picks, so that their blobs are asked for while git lists the rest.

    ``--sparse`` lists the commits that change nothing there too, so each tip's chain can be
    followed parent by parent; each diff is against the first parent, so it holds for every
    chain the commit is on."""
    process = start_git(
        top,
        "log",
        "--first-parent",
        "--sparse",
        "--diff-merges=first-parent",
        "--raw",
        "--no-abbrev",
        "-M",
        "-z",
        "--format=%x01%H %P %cI",
        *tips,
        "--",
        prefix or ".",
    )
    assert process.stdout is not None
    try:
        parts: list[bytes] = []  # of the commit being read (one may span many chunks)
        while chunk := os.read(process.stdout.fileno(), _LOG_CHUNK):
            start = chunk.rfind(b"\x01")  # the commits before the last one begun are whole
            if start < 0:
                parts.append(chunk)
                continue
            whole = b"".join([*parts, chunk[:start]])
            parts = [chunk[start:]]
            if whole:
                yield _log_commits(whole, logged, wanted)
        yield _log_commits(b"".join(parts), logged, wanted)
        finish_git(process, top, "log")
    finally:
        stop_git(process)


def _log_commits(output: bytes, logged: dict[str, _Logged], wanted: Select) -> list[_Change]:
    """The commits of a part of ``git log``'s output into ``logged``; the changes ``wanted``
    picks by path."""
    picked: list[_Change] = []
    for chunk in output.decode("utf-8", "surrogateescape").split("\x01")[1:]:
        header, _, rest = chunk.partition("\0")
        commit, *parents, iso_date = header.strip("\n").split(" ")
        parent = next((p for p in parents if p), None)
        date = dt.datetime.fromisoformat(iso_date)
        changes: list[_Change] = []
        logged[commit] = _Logged(parent, changes)
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
            change = _Change(commit, date, status[0], old_path, path, new_blob, new_mode)
            changes.append(change)
            if wanted(path):
                picked.append(change)
    return picked


def _chain_commits(commits: Mapping[str, _Logged], tip: str) -> tuple[str, ...]:
    """The commits of the first-parent chain of ``tip``, newest first."""
    chain: list[str] = []
    commit: str | None = tip
    while commit is not None and commit in commits:
        chain.append(commit)
        commit = commits[commit].parent
    return tuple(chain)


def _chain(commits: Mapping[str, _Logged], chain: tuple[str, ...]) -> Iterator[_Change]:
    """The changes on a first-parent chain (newest first), oldest first."""
    for commit in reversed(chain):
        yield from commits[commit].changes


Select = Callable[[str], bool]  # is the file at this path (in the policies folder) a policy?
# A submodule or a symbolic link is no policy text: a link's blob is the path it points to (the
# working tree reports the link itself, see worktree.symlinks).
_NOT_TEXT = ("160000", "120000")
_DEFAULT_SELECT: Select = Selection().is_policy


def _is_policy_path(path: str, prefix: str, select: Select) -> bool:
    if prefix and not path.startswith(prefix + "/"):
        return False
    return select(path[len(prefix) + 1 :] if prefix else path)


def _lineages(
    changes: Iterable[_Change], prefix: str, ignored: tuple[str, ...], select: Select
) -> tuple[dict[str, list[_Change]], dict[str, list[_Change]]]:
    """Each policy file's changes, following renames: the files there at the end, and the ones
    deleted on the way (with their changes up to the deletion)."""
    lineages: dict[str, list[_Change]] = {}
    deleted: dict[str, list[_Change]] = {}
    for change in changes:
        skip = change.mode in _NOT_TEXT or (bool(ignored) and change.commit.startswith(ignored))
        deleted.pop(change.path, None)  # a new file at the path replaces the deleted one
        if change.status == "D":
            gone = lineages.pop(change.path, None)
            if gone and _is_policy_path(change.path, prefix, select):
                deleted[change.path] = gone
            continue
        if change.status == "R" and change.old_path:
            lineage = lineages.pop(change.old_path, [])
        else:
            lineage = lineages.get(change.path, [])
        if not _is_policy_path(change.path, prefix, select):
            lineages.pop(change.path, None)
            continue
        if not skip:
            lineage.append(change)
        lineages[change.path] = lineage
    return lineages, deleted


_Text = str | PolicyError


def _decode(data: bytes, path: str, commit: str) -> _Text:
    """The blob as text, or why it cannot be read."""
    try:
        return decode_text(data, path, commit=commit)
    except PolicyError as exc:
        return exc


def _read_log_and_texts(
    objects: CatFile,
    top: Path,
    tips: Sequence[str],
    prefix: str,
    ignored: tuple[str, ...],
    select: Select,
) -> tuple[dict[str, _Logged], dict[str, bytes | str | None]]:
    """``git log`` of ``tips`` and the blobs its changes to policy files name, read together:
    each blob is asked for as the log lists it (git reads it while the log goes on), so the
    two processes overlap instead of following each other (bench/adopt.py).

    The blobs are those any lineage can hold (a change to a file at a policy's path, but for
    a deletion, a link or submodule, or an ignored commit): as text, or as bytes when they
    cannot be decoded (``_texts`` names the file and commit), None when git has none."""
    logged: dict[str, _Logged] = {}
    asked: set[str] = set()

    def blobs() -> Iterator[list[str]]:
        for changes in _log(
            top, tips, prefix, logged, lambda p: _is_policy_path(p, prefix, select)
        ):
            batch = []
            for change in changes:
                if change.blob in asked or change.status == "D" or change.mode in _NOT_TEXT:
                    continue
                if ignored and change.commit.startswith(ignored):
                    continue
                asked.add(change.blob)
                batch.append(change.blob)
            yield batch

    read: dict[str, bytes | str | None] = {}
    for blob, obj in objects.read_batches(blobs()):
        if obj is None:
            read[blob] = None
            continue
        try:  # a text decodes whatever its path: only an error names the file and commit
            read[blob] = decode_text(obj.data, "")
        except PolicyError:
            read[blob] = obj.data
    return logged, read


def _texts(
    objects: CatFile, read: Mapping[str, bytes | str | None], changes: Iterable[_Change]
) -> dict[str, _Text]:
    """The text of every blob in ``changes`` (read with the log, else now); a blob that
    cannot be decoded maps to its error (named after its first use), for the caller to raise
    or pass over."""
    first_use: dict[str, _Change] = {}
    for change in changes:
        first_use.setdefault(change.blob, change)
    unread = [blob for blob in first_use if blob not in read]
    found = dict(zip(unread, (o.data if o else None for o in objects.read(unread)), strict=True))
    texts: dict[str, _Text] = {}
    for blob, change in first_use.items():
        data = read[blob] if blob in read else found[blob]
        if data is None:
            raise HistoryError(
                f"git object {blob} ({change.path} at commit {change.commit[:12]}) is "
                "missing from the repository; run `git fsck` and fetch again."
            )
        texts[blob] = data if isinstance(data, str) else _decode(data, change.path, change.commit)
    return texts


def _revisions(
    found: Mapping[str, list[_Change]], texts: Mapping[str, _Text], prefix: str, strict: bool
) -> dict[str, list[Revision]]:
    result: dict[str, list[Revision]] = {}
    for path, lineage in sorted(found.items()):
        read: list[Revision] = []
        for c in lineage:
            text = texts[c.blob]
            if isinstance(text, PolicyError):
                if strict:
                    raise text
                break  # a deleted file git cannot give as text: nothing to archive
            read.append(Revision(c.commit, c.date, c.path, c.blob, text))
        else:
            if read:
                result[path[len(prefix) + 1 :] if prefix else path] = read
    return result


def read_snapshot(
    root: Path,
    folder: Path,
    revs: Iterable[str],
    ignore_commits: Iterable[str] = (),
    folders: Iterable[Path] = (),
    select: Select = _DEFAULT_SELECT,
) -> Snapshot:
    """The history of every policy file under ``folder`` at each of ``revs``, and every file
    under ``folders`` (absolute paths) at each of them: two git processes, whatever the number
    of revisions.

    Each history follows files through renames. Only the first parent of each merge counts, so
    a PR's branch commits are not versions: its merge is. Commits in ``ignore_commits`` (full or
    abbreviated hashes) are skipped, though renames in them are still followed. A deleted file
    whose last text cannot be decoded is left out (nothing to archive).
    """
    repo = open_repository(root)
    prefix, outside = folder_prefix(repo, folder)
    ignored = tuple(ignore_commits)
    with _objects(repo) as objects:
        commits = objects.commits(dict.fromkeys(revs))
        tips = {rev: found.oid for rev, found in commits.items() if found is not None}
        histories: dict[str, History | PolicyError] = {}
        chains: dict[str, tuple[str, ...]] = {}
        if tips and not repo.shallow and outside is None:
            logged, blobs = _read_log_and_texts(
                objects, repo.top, sorted(set(tips.values())), prefix, ignored, select
            )
            chains = {rev: _chain_commits(logged, tip) for rev, tip in tips.items()}
            # Revisions that name one commit (HEAD and adopted_at, often) share its reading.
            by_tip = {
                tip: _lineages(_chain(logged, _chain_commits(logged, tip)), prefix, ignored, select)
                for tip in set(tips.values())
            }
            everything = (
                change
                for live, deleted in by_tip.values()
                for lineages in (live, deleted)
                for lineage in lineages.values()
                for change in lineage
            )
            texts = _texts(objects, blobs, everything)
            read: dict[str, History | PolicyError] = {}
            for tip, (live, deleted) in by_tip.items():
                try:
                    read[tip] = History(
                        _revisions(live, texts, prefix, strict=True),
                        _revisions(deleted, texts, prefix, strict=False),
                    )
                except PolicyError as exc:  # raised when this history is asked for
                    read[tip] = exc
            histories = {rev: read[tip] for rev, tip in tips.items()}
        found_folders = {
            (rev, path): _tree_files(
                objects, f"{tip}:{relative}" if relative else f"{tip}^{{tree}}"
            )
            for path in folders
            if (relative := _relative(repo, path)) is not None
            for rev, tip in tips.items()
        }
    return Snapshot(
        {rev: found.oid if found else None for rev, found in commits.items()},
        histories,
        found_folders,
        chains,
        repo.shallow,
        outside,
    )


def _relative(repo: Repository, path: Path) -> str | None:
    """``path`` relative to the repository ('' for its top), or None when outside it."""
    try:
        relative = path.resolve().relative_to(repo.top).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def _tree_files(objects: CatFile, name: str) -> dict[str, bytes]:
    """Every file under the tree ``name`` (``REV:folder``) by its path in it, read through the
    run's one ``cat-file``; {} when there is no such folder."""
    blobs = _tree_blobs(objects, name)
    return {
        path: blob.data
        for (path, _), blob in zip(blobs, objects.read([oid for _, oid in blobs]), strict=True)
        if blob is not None
    }


def _tree_blobs(objects: CatFile, name: str) -> list[tuple[str, str]]:
    """(path, object id) of every regular file under the tree ``name`` (``REV:folder``, or
    ``REV^{tree}``), read level by level through the run's one ``cat-file``: no ``ls-tree``
    process. [] when there is no such tree."""
    blobs: list[tuple[str, str]] = []
    level: list[tuple[str, str]] = [("", name)]
    while level:
        below: list[tuple[str, str]] = []
        for (path, _), tree in zip(level, objects.read([n for _, n in level]), strict=True):
            if tree is None or tree.kind != "tree":
                continue
            for mode, entry, oid in _tree_entries(tree.data, len(tree.oid) // 2):
                if mode == "40000":
                    below.append((f"{path}{entry}/", oid))
                elif mode in ("100644", "100755"):
                    blobs.append((f"{path}{entry}", oid))
        level = below
    return blobs


def _tree_entries(data: bytes, size: int) -> Iterator[tuple[str, str, str]]:
    """A tree object's entries, as git stores them: ``<mode> <name>\0<binary object id>``."""
    index = 0
    while index < len(data):
        space = data.index(b" ", index)
        nul = data.index(b"\0", space)
        oid = data[nul + 1 : nul + 1 + size].hex()
        yield (
            data[index:space].decode(),
            data[space + 1 : nul].decode("utf-8", "surrogateescape"),
            oid,
        )
        index = nul + 1 + size


def read_history(
    root: Path,
    folder: Path,
    rev: str = "HEAD",
    ignore_commits: Iterable[str] = (),
    select: Select = _DEFAULT_SELECT,
) -> History:
    """The revisions of every policy file under ``folder`` at ``rev``, and of deleted ones.

    Each list is oldest first (see ``read_snapshot``, which reads several revisions at once).
    """
    return read_snapshot(root, folder, [rev], ignore_commits, select=select).history(rev)


@dataclass(frozen=True)
class Tree:
    """What a commit holds: its files by path from the repository's top (``adopt`` reads it)."""

    commit: str
    date: dt.datetime
    top: Path
    files: Mapping[str, bytes]  # only the files asked for are read; the others map to b""


def read_tree(root: Path, rev: str, wanted: Callable[[str], bool]) -> Tree:
    """Every file path of the commit ``rev``, with the bytes of those ``wanted`` picks: the
    run's one ``cat-file`` reads the trees and the files (an ``ls-tree`` besides cost a process
    start, a tenth of ``adopt``'s reading, bench/adopt.py)."""
    repo = open_repository(root)
    with _objects(repo) as objects:
        commit = _complete_commit(repo, objects, rev)
        entries = _tree_blobs(objects, f"{commit.oid}^{{tree}}")
        picked = [(path, oid) for path, oid in entries if wanted(path)]
        data = {path: b"" for path, _ in entries}
        for (path, _), blob in zip(picked, objects.read([oid for _, oid in picked]), strict=True):
            if blob is not None:
                data[path] = blob.data
    return Tree(commit.oid, commit.date, repo.top, data)


# --- single files and the working tree -------------------------------------------------------


def read_file_at(root: Path, rev: str, paths: Iterable[str]) -> FileAtRevision:
    """The text at ``rev`` of the first of ``paths`` (relative to the repository) found there.

    Several paths because a policy may have had other names in the past (renames).
    """
    wanted = list(paths)
    repo = open_repository(root)
    with _objects(repo) as objects:
        commit = _complete_commit(repo, objects, rev)
        found = list(objects.read([f"{commit.oid}:{path}" for path in wanted]))
    for path, obj in zip(wanted, found, strict=True):
        if obj is not None and obj.kind == "blob":
            return _text_at(commit, path, obj.data)
    return FileAtRevision(commit.oid, commit.date, wanted[0] if wanted else "", None)


def _complete_commit(repo: Repository, objects: CatFile, rev: str) -> Commit:
    """The commit ``rev`` names, in a clone with its whole history; else the error to act on."""
    if repo.shallow:
        raise HistoryError(SHALLOW)
    commit = objects.commits([rev])[rev]
    if commit is None:
        raise missing_revision(rev)
    return commit


def _text_at(commit: Commit, path: str, data: bytes) -> FileAtRevision:
    text = decode_text(data, path, commit=commit.oid)
    return FileAtRevision(commit.oid, commit.date, path, text, text_sha256(text))


def changed_policy_files(
    root: Path, folder: Path, base: str, select: Select = _DEFAULT_SELECT
) -> list[ChangedFile]:
    """Policy files under ``folder`` that differ between ``base`` and the working tree, each
    with its text at ``base``.

    Renames are followed (``git diff -M``); files git does not track yet are not included.
    """
    repo = open_repository(root)
    with _objects(repo) as objects:
        commit = _complete_commit(repo, objects, base)
        prefix, outside = folder_prefix(repo, folder)
        if outside is not None:
            raise HistoryError(outside)
        output = run_git(
            repo.top, "diff", "--name-status", "-M", "-z", commit.oid, "--", prefix or "."
        )
        files = _parse_name_status(output, prefix, repo.top, select)
        olds = [f.old_path for f in files if f.old_path]
        found = dict(zip(olds, objects.read([f"{commit.oid}:{p}" for p in olds]), strict=True))
    return [
        ChangedFile(
            f.relative,
            f.old_path,
            f.new_path,
            f.new_file,
            _text_at(commit, f.old_path, obj.data)
            if f.old_path and (obj := found[f.old_path]) is not None and obj.kind == "blob"
            else None,
        )
        for f in files
    ]


def _parse_name_status(output: str, prefix: str, top: Path, select: Select) -> list[ChangedFile]:
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
        kept = [p for p in (new_path, old_path) if p and _is_policy_path(p, prefix, select)]
        if not kept:
            continue
        relative = kept[0][len(prefix) + 1 :] if prefix else kept[0]
        new_kept = new_path if new_path and _is_policy_path(new_path, prefix, select) else None
        files.append(
            ChangedFile(
                relative,
                old_path if old_path and _is_policy_path(old_path, prefix, select) else None,
                new_kept,
                top / new_kept if new_kept else None,
            )
        )
    return files
