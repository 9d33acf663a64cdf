"""The only module that talks to git.

A run reads what it needs from the repository once, with as few git processes as it can: one
``git cat-file --batch`` resolves the revisions and reads every blob (GitPython's per-object
reads were 3.8× slower on 2,000 commits), one ``git log`` lists the first-parent history of
every revision asked for at once. The repository is found on disk as git finds it (the nearest
``.git`` upwards) and a shallow clone by its ``shallow`` file, so neither costs a process; nor
does importing GitPython, which starts two. Returns plain data: a list of ``Revision`` per policy
path, a ``Snapshot`` of several revisions, files at a revision.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO

from policysite.errors import HistoryError, NotFoundError, PolicyError
from policysite.files import decode_text

_SHALLOW = (
    "this clone is shallow, so the history of the policies is incomplete and versions "
    "would be missing. Fetch the full history: `git fetch --unshallow` (GitHub Actions: "
    "actions/checkout with `fetch-depth: 0`)."
)


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
    commit, the history of the policies at it, and a few other files there (the lock).

    Problems are raised when a history is asked for, in the order git would meet them (shallow
    clone, unknown revision, folder outside the repository), so a caller can first ask which
    revisions exist.
    """

    commits: Mapping[str, str | None]  # revision → commit; None when this clone has none
    histories: Mapping[str, History] = field(default_factory=dict)
    files: Mapping[tuple[str, Path], bytes | None] = field(default_factory=dict)
    shallow: bool = False
    outside: str | None = None  # why the policies folder cannot be read: it is not in the repo

    def commit(self, rev: str) -> str | None:
        """The commit ``rev`` names, or None when this clone has no such commit."""
        return self.commits.get(rev)

    def history(self, rev: str) -> History:
        """The policies' history at ``rev``; HistoryError or NotFoundError when there is none."""
        if self.shallow:
            raise HistoryError(_SHALLOW)
        if self.commits.get(rev) is None:
            raise _missing_revision(rev)
        if self.outside is not None:
            raise HistoryError(self.outside)
        return self.histories[rev]

    def file(self, rev: str, path: Path) -> bytes | None:
        """The bytes of ``path`` (as asked for) at ``rev``; None when it was not there."""
        return self.files.get((rev, path))


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


# --- the repository on disk ------------------------------------------------------------------


@dataclass(frozen=True)
class _Repository:
    top: Path  # the work tree
    common_dir: Path  # where objects, refs and ``shallow`` live (a worktree's main .git)

    @property
    def shallow(self) -> bool:
        return (self.common_dir / "shallow").exists()


def _locate(path: Path) -> _Repository | None:
    """The repository containing ``path``, found as git does: the nearest ``.git`` upwards."""
    probe = path.resolve()
    for folder in (probe, *probe.parents):
        dot = folder / ".git"
        if dot.is_dir():
            git_dir = dot
        elif dot.is_file():  # a worktree or submodule: "gitdir: <path>"
            pointer = dot.read_text(encoding="utf-8", errors="replace").strip()
            if not pointer.startswith("gitdir:"):
                continue
            git_dir = (folder / pointer.removeprefix("gitdir:").strip()).resolve()
        else:
            continue
        if not (git_dir / "HEAD").is_file():
            continue
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
        return _Repository(folder, common)
    return None


def _open(root: Path) -> _Repository:
    found = _locate(root)
    if found is None:
        raise HistoryError(
            f"{root} is not inside a git repository; policy versions come from git history. "
            "Run policysite in a clone of the policy repository (or `git init` and commit)."
        )
    return found


def find_repository(path: Path) -> Path | None:
    """The top folder of the git repository containing ``path``, or None."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    found = _locate(probe)
    return found.top if found else None


def _prefix(repo: _Repository, folder: Path) -> tuple[str, str | None]:
    """``folder`` as a POSIX path relative to the repository root ('' for the root), or why
    it cannot be one."""
    try:
        relative = folder.resolve().relative_to(repo.top)
    except ValueError:
        return "", (
            f"the policies folder {folder} is outside the git repository at {repo.top}; set "
            "docs_dir in mkdocs.yml to a folder inside it."
        )
    posix = str(PurePosixPath(relative.as_posix()))
    return ("" if posix == "." else posix), None


def _missing_revision(rev: str) -> HistoryError | NotFoundError:
    if rev == "HEAD":
        return HistoryError("the repository has no commits yet; commit the policies first.")
    return NotFoundError(
        f"git revision '{rev}' does not exist; give a branch, tag or commit, e.g. origin/main."
    )


def _git(top: Path, *args: str) -> str:
    """Run one git command in the repository; its output as text (paths as git wrote them)."""
    result = subprocess.run(["git", *args], cwd=top, capture_output=True)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"`git {args[0]}` failed in {top}: {detail}")
    return result.stdout.decode("utf-8", "surrogateescape")


# --- objects: one `git cat-file --batch` per run ---------------------------------------------


@dataclass(frozen=True)
class _Object:
    oid: str
    kind: str  # blob, tree, commit, tag
    data: bytes


@dataclass(frozen=True)
class _Commit:
    oid: str
    date: dt.datetime


_HEADER = re.compile(rb"([0-9a-f]{40,64}) ([a-z]+) ([0-9]+)\n")
_NOWHERE = "0" * 40  # an object name that never exists: stands in for a name git cannot take


class _CatFile:
    """One ``git cat-file --batch`` for a whole run: object names in, objects out.

    Names are written by a thread while the objects are read, so the caller's work on one object
    (decoding, hashing) hides behind git's on the next ones (bench/history.py).
    """

    def __init__(self, top: Path) -> None:
        self._top = top
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _CatFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def read(self, names: Sequence[str]) -> Iterator[_Object | None]:
        """Each named object (a hash, ``REV^{commit}``, ``REV:path``) in order; None if missing."""
        if not names:
            return
        process = self._start()
        assert process.stdin and process.stdout
        lines = [_NOWHERE if "\n" in name else name for name in names]
        request = "".join(f"{name}\n" for name in lines).encode("utf-8", "surrogateescape")
        writer = threading.Thread(target=_write, args=(process.stdin, request), daemon=True)
        writer.start()
        done = False
        try:
            for _ in lines:
                header = process.stdout.readline()
                if not header:
                    raise HistoryError(f"`git cat-file` stopped in {self._top}: {self._stderr()}")
                found = _HEADER.fullmatch(header)
                if found is None:  # "<name> missing" (or ambiguous)
                    yield None
                    continue
                data = process.stdout.read(int(found.group(3)))
                process.stdout.read(1)  # the newline after each object
                yield _Object(found.group(1).decode(), found.group(2).decode(), data)
            done = True
        finally:
            if not done:  # the caller stopped early: git may be blocked writing to us
                self._discard()
            writer.join()

    def commits(self, revs: Iterable[str]) -> dict[str, _Commit | None]:
        """The commit each revision names, with its committer date; None when there is none."""
        wanted = list(revs)
        found: dict[str, _Commit | None] = {}
        for rev, obj in zip(
            wanted, self.read([f"{rev}^{{commit}}" for rev in wanted]), strict=True
        ):
            found[rev] = _Commit(obj.oid, _committed(obj.data)) if obj else None
        return found

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin and process.stdout and process.stderr
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        process.wait()
        process.stdout.close()
        process.stderr.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self._top,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        return self._process

    def _stderr(self) -> str:
        process = self._process
        if process is None or process.stderr is None:
            return ""
        process.kill()
        process.wait()
        message = process.stderr.read().decode("utf-8", "replace").strip()
        self._discard()
        return message

    def _discard(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()


def _write(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.flush()
    except (BrokenPipeError, ValueError):  # git stopped early; the reader reports why
        pass


def _committed(data: bytes) -> dt.datetime:
    """The committer date of a commit object, in the committer's time zone (as ``%cI``)."""
    for line in data.split(b"\n"):
        if not line:
            break
        if line.startswith(b"committer "):
            stamp, zone = line.rsplit(b" ", 2)[1:]
            sign = -1 if zone.startswith(b"-") else 1
            offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
            return dt.datetime.fromtimestamp(int(stamp), dt.timezone(offset))
    raise HistoryError("a commit without a committer line; run `git fsck`.")


# --- history: one `git log` for every revision -----------------------------------------------


@dataclass(frozen=True)
class _Change:
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


def _log(top: Path, tips: Sequence[str], prefix: str) -> dict[str, _Logged]:
    """Every commit on the first-parent chain of any of ``tips``, with its changes under
    ``prefix``. ``--sparse`` lists the commits that change nothing there too, so each tip's
    chain can be followed parent by parent; each diff is against the first parent, so it holds
    for every chain the commit is on."""
    output = _git(
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
    commits: dict[str, _Logged] = {}
    for chunk in output.split("\x01")[1:]:
        header, _, rest = chunk.partition("\0")
        commit, *parents, iso_date = header.strip("\n").split(" ")
        parent = next((p for p in parents if p), None)
        date = dt.datetime.fromisoformat(iso_date)
        logged = commits[commit] = _Logged(parent, [])
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
            logged.changes.append(
                _Change(commit, date, status[0], old_path, path, new_blob, new_mode)
            )
    return commits


def _chain(commits: Mapping[str, _Logged], tip: str) -> Iterator[_Change]:
    """The changes on the first-parent chain of ``tip``, oldest first."""
    chain: list[_Logged] = []
    commit: str | None = tip
    while commit is not None and commit in commits:
        chain.append(commits[commit])
        commit = commits[commit].parent
    for logged in reversed(chain):
        yield from logged.changes


def _is_policy_path(path: str, prefix: str) -> bool:
    relative = path[len(prefix) + 1 :] if prefix else path
    return (
        (not prefix or path.startswith(prefix + "/"))
        and path.endswith(".md")
        and relative != "index.md"
    )


def _lineages(
    changes: Iterable[_Change], prefix: str, ignored: tuple[str, ...]
) -> tuple[dict[str, list[_Change]], dict[str, list[_Change]]]:
    """Each policy file's changes, following renames: the files there at the end, and the ones
    deleted on the way (with their changes up to the deletion)."""
    lineages: dict[str, list[_Change]] = {}
    deleted: dict[str, list[_Change]] = {}
    for change in changes:
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
    return lineages, deleted


_Text = tuple[str, str] | PolicyError


def _decode(data: bytes, path: str, commit: str) -> _Text:
    """The blob as text and the sha256 of that text, or why it cannot be read."""
    try:
        text = decode_text(data, path, commit=commit)
    except PolicyError as exc:
        return exc
    return text, hashlib.sha256(data.removeprefix(b"\xef\xbb\xbf")).hexdigest()


def _read_texts(objects: _CatFile, changes: Iterable[_Change]) -> dict[str, _Text]:
    """Text and sha256 of every blob in ``changes``; a blob that cannot be decoded maps to its
    error (named after its first use), for the caller to raise or pass over."""
    first_use: dict[str, _Change] = {}
    for change in changes:
        first_use.setdefault(change.blob, change)
    texts: dict[str, _Text] = {}
    for (blob, change), obj in zip(first_use.items(), objects.read(list(first_use)), strict=True):
        if obj is None:
            raise HistoryError(
                f"git object {blob} ({change.path} at commit {change.commit[:12]}) is "
                "missing from the repository; run `git fsck` and fetch again."
            )
        texts[blob] = _decode(obj.data, change.path, change.commit)
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
            read.append(Revision(c.commit, c.date, c.path, c.blob, *text))
        else:
            if read:
                result[path[len(prefix) + 1 :] if prefix else path] = read
    return result


def read_snapshot(
    root: Path,
    folder: Path,
    revs: Iterable[str],
    ignore_commits: Iterable[str] = (),
    files: Iterable[Path] = (),
) -> Snapshot:
    """The history of every policy file under ``folder`` at each of ``revs``, and ``files``
    (absolute paths) at each of them: two git processes, whatever the number of revisions.

    Each history follows files through renames. Only the first parent of each merge counts, so
    a PR's branch commits are not versions: its merge is. Commits in ``ignore_commits`` (full or
    abbreviated hashes) are skipped, though renames in them are still followed. A deleted file
    whose last text cannot be decoded is left out (nothing to archive).
    """
    repo = _open(root)
    prefix, outside = _prefix(repo, folder)
    ignored = tuple(ignore_commits)
    with _CatFile(repo.top) as objects:
        commits = objects.commits(dict.fromkeys(revs))
        tips = {rev: found.oid for rev, found in commits.items() if found is not None}
        histories: dict[str, History] = {}
        if tips and not repo.shallow and outside is None:
            logged = _log(repo.top, sorted(set(tips.values())), prefix)
            read = {
                rev: _lineages(_chain(logged, tip), prefix, ignored) for rev, tip in tips.items()
            }
            everything = (
                change
                for live, deleted in read.values()
                for lineages in (live, deleted)
                for lineage in lineages.values()
                for change in lineage
            )
            texts = _read_texts(objects, everything)
            for rev, (live, deleted) in read.items():
                histories[rev] = History(
                    _revisions(live, texts, prefix, strict=True),
                    _revisions(deleted, texts, prefix, strict=False),
                )
        found_files = _read_files(objects, repo, tips, files)
    return Snapshot(
        {rev: found.oid if found else None for rev, found in commits.items()},
        histories,
        found_files,
        repo.shallow,
        outside,
    )


def _read_files(
    objects: _CatFile, repo: _Repository, tips: Mapping[str, str], files: Iterable[Path]
) -> dict[tuple[str, Path], bytes | None]:
    names: dict[tuple[str, Path], str] = {}
    for path in files:
        try:
            relative = path.resolve().relative_to(repo.top).as_posix()
        except ValueError:
            continue
        for rev, tip in tips.items():
            names[rev, path] = f"{tip}:{relative}"
    found = objects.read(list(names.values()))
    return {
        key: obj.data if obj is not None and obj.kind == "blob" else None
        for key, obj in zip(names, found, strict=True)
    }


def read_history(
    root: Path,
    folder: Path,
    rev: str = "HEAD",
    ignore_commits: Iterable[str] = (),
) -> History:
    """The revisions of every policy file under ``folder`` at ``rev``, and of deleted ones.

    Each list is oldest first (see ``read_snapshot``, which reads several revisions at once).
    """
    return read_snapshot(root, folder, [rev], ignore_commits).history(rev)


# --- single files and the working tree -------------------------------------------------------


def read_file_at(root: Path, rev: str, paths: Iterable[str]) -> FileAtRevision:
    """The text at ``rev`` of the first of ``paths`` (relative to the repository) found there.

    Several paths because a policy may have had other names in the past (renames).
    """
    wanted = list(paths)
    repo = _open(root)
    if repo.shallow:
        raise HistoryError(_SHALLOW)
    with _CatFile(repo.top) as objects:
        commit = objects.commits([rev])[rev]
        if commit is None:
            raise _missing_revision(rev)
        found = list(objects.read([f"{commit.oid}:{path}" for path in wanted]))
    for path, obj in zip(wanted, found, strict=True):
        if obj is not None and obj.kind == "blob":
            return _text_at(commit, path, obj.data)
    return FileAtRevision(commit.oid, commit.date, wanted[0] if wanted else "", None)


def _text_at(commit: _Commit, path: str, data: bytes) -> FileAtRevision:
    decoded = _decode(data, path, commit.oid)
    if isinstance(decoded, PolicyError):
        raise decoded
    return FileAtRevision(commit.oid, commit.date, path, *decoded)


def changed_policy_files(root: Path, folder: Path, base: str) -> list[ChangedFile]:
    """Policy files under ``folder`` that differ between ``base`` and the working tree, each
    with its text at ``base``.

    Renames are followed (``git diff -M``); files git does not track yet are not included.
    """
    repo = _open(root)
    if repo.shallow:
        raise HistoryError(_SHALLOW)
    with _CatFile(repo.top) as objects:
        commit = objects.commits([base])[base]
        if commit is None:
            raise _missing_revision(base)
        prefix, outside = _prefix(repo, folder)
        if outside is not None:
            raise HistoryError(outside)
        output = _git(
            repo.top, "diff", "--name-status", "-M", "-z", commit.oid, "--", prefix or "."
        )
        files = _parse_name_status(output, prefix, repo.top)
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


def _parse_name_status(output: str, prefix: str, top: Path) -> list[ChangedFile]:
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
        new_kept = new_path if new_path and _is_policy_path(new_path, prefix) else None
        files.append(
            ChangedFile(
                relative,
                old_path if old_path and _is_policy_path(old_path, prefix) else None,
                new_kept,
                top / new_kept if new_kept else None,
            )
        )
    return files


# --- renames between a revision and the working tree ---------------------------------------

_CHUNK = 64  # git's diffcore-delta hashes lines, and splits longer ones into 64-byte pieces


def _chunks(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.splitlines(keepends=True):
        for start in range(0, len(line), _CHUNK):
            piece = line[start : start + _CHUNK]
            counts[piece] = counts.get(piece, 0) + len(piece)
    return counts


def similarity(old: str, new: str) -> float:
    """How much of ``old`` is still in ``new``, as git scores a rename (0 to 1): the bytes of
    their common lines over the larger size."""
    larger = max(len(old), len(new))
    if larger == 0:
        return 1.0
    if min(len(old), len(new)) < larger / 2:
        return 0.0  # git skips these too: less than half could ever match
    new_chunks = _chunks(new)
    common = sum(min(size, new_chunks.get(piece, 0)) for piece, size in _chunks(old).items())
    return common / larger


def match_renames(gone: Mapping[str, str], added: Mapping[str, str]) -> dict[str, str]:
    """Which of the ``gone`` texts (by name) live on as one of the ``added`` ones: identical
    texts first, then the most similar pairs of at least 50 % (git's ``-M`` default). Done in
    Python, so files git does not track yet are followed too."""
    renames: dict[str, str] = {}
    by_text: dict[str, list[str]] = {}
    for name, text in sorted(added.items()):
        by_text.setdefault(text, []).append(name)
    for name, text in sorted(gone.items()):
        if by_text.get(text):
            renames[name] = by_text[text].pop(0)
    taken = set(renames.values())
    scored = sorted(
        (
            (score, old, new)
            for old, old_text in gone.items()
            if old not in renames
            for new, new_text in added.items()
            if new not in taken and (score := similarity(old_text, new_text)) >= 0.5
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    for _, old, new in scored:
        if old not in renames and new not in taken:
            renames[old] = new
            taken.add(new)
    return renames


# --- writing: `policysite init` --------------------------------------------------------------


def init_repository(root: Path) -> None:
    """``git init`` with a ``main`` branch in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "--initial-branch=main")


def commit_all(root: Path, message: str) -> str:
    """Stage every file in the repository of ``root`` and commit; returns the commit's hash.

    Without a configured author (a fresh machine, CI), the commit is made as "policysite".
    """
    top = _open(root).top
    _git(top, "add", "-A")
    env = dict(os.environ)
    configured = subprocess.run(
        ["git", "config", "--get", "user.email"], cwd=top, capture_output=True
    )
    if configured.returncode != 0:
        env.update(
            GIT_AUTHOR_NAME="policysite",
            GIT_AUTHOR_EMAIL="policysite@localhost",
            GIT_COMMITTER_NAME="policysite",
            GIT_COMMITTER_EMAIL="policysite@localhost",
        )
    result = subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=top, env=env, capture_output=True
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"`git commit` failed in {top}: {detail}")
    return _git(top, "rev-parse", "HEAD").strip()


def stage_files(root: Path, paths: Iterable[Path]) -> None:
    """``git add`` these files, so that they count as tracked (nothing is committed)."""
    top = _open(root).top
    _git(top, "add", "--", *[str(p) for p in paths])
