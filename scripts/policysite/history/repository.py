"""The repository itself: found on disk as git finds it, one git command at a time, and one
``git cat-file --batch`` per run for every object (used by ``policysite.history`` only).

Finding the repository and telling a shallow clone (its ``shallow`` file) cost no process;
neither does this module's import. GitPython writes (``policysite init``) and is imported only
there: its import alone starts two ``git version`` processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from queue import SimpleQueue
from types import TracebackType
from typing import IO, NamedTuple

from policysite.errors import HistoryError, NotFoundError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: pipes keep their size
    fcntl = None  # type: ignore[assignment]

SHALLOW = (
    "this clone is shallow, so the history of the policies is incomplete and versions "
    "would be missing. Fetch the full history: `git fetch --unshallow` (GitHub Actions: "
    "actions/checkout with `fetch-depth: 0`)."
)
_NO_GIT = "git is not installed (or not on PATH); install git, which policysite reads history with."


@dataclass(frozen=True)
class Repository:
    """A git repository found on disk."""

    top: Path  # the work tree
    common_dir: Path  # where objects, refs and ``shallow`` live (a worktree's main .git)

    @property
    def shallow(self) -> bool:
        return (self.common_dir / "shallow").exists()


def locate(path: Path) -> Repository | None:
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
        return Repository(folder, common)
    return None


def open_repository(root: Path) -> Repository:
    found = locate(root)
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
    found = locate(probe)
    return found.top if found else None


def folder_prefix(repo: Repository, folder: Path) -> tuple[str, str | None]:
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


def missing_revision(rev: str) -> HistoryError | NotFoundError:
    if rev == "HEAD":
        return HistoryError("the repository has no commits yet; commit the policies first.")
    return NotFoundError(
        f"git revision '{rev}' does not exist; give a branch, tag or commit, e.g. origin/main."
    )


def run_git(top: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run one git command in the repository; its output as text (paths as git wrote them).

    A failure raises HistoryError with git's message; with ``check`` false it returns "" instead.
    """
    try:
        result = subprocess.run(["git", *args], cwd=top, env=env, capture_output=True)
    except FileNotFoundError:
        raise HistoryError(_NO_GIT) from None
    if result.returncode != 0:
        if not check:
            return ""
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"`git {args[0]}` failed in {top}: {detail}")
    return result.stdout.decode("utf-8", "surrogateescape")


def start_git(top: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start one git command whose output is read as it comes (``finish_git`` checks it).

    Its output is written in full buffers (``GIT_FLUSH=0``): into a pipe, ``git log`` writes
    each commit on its own, and reading them one by one cost more than parsing them."""
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=top,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "GIT_FLUSH": "0"},
        )
    except FileNotFoundError:
        raise HistoryError(_NO_GIT) from None


def finish_git(process: subprocess.Popen[bytes], top: Path, command: str) -> None:
    """Wait for a command ``start_git`` started, its output read; HistoryError with git's
    message when it failed."""
    assert process.stderr is not None
    detail = process.stderr.read().decode("utf-8", "replace").strip()
    if process.wait() != 0:
        raise HistoryError(f"`git {command}` failed in {top}: {detail}")


def stop_git(process: subprocess.Popen[bytes]) -> None:
    """End a command ``start_git`` started (done, or no longer read) and close its pipes."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


# --- objects: one `git cat-file --batch` per run ---------------------------------------------


class GitObject(NamedTuple):
    """An object as ``cat-file`` gives it (a tuple: one is made for every blob of a history)."""

    oid: str
    kind: str  # blob, tree, commit, tag
    data: bytes


@dataclass(frozen=True)
class Commit:
    oid: str
    date: dt.datetime


_HEADER = re.compile(rb"([0-9a-f]{40,64}) ([a-z]+) ([0-9]+)\n")
_NOWHERE = "0" * 40  # an object name that never exists: stands in for a name git cannot take


class CatFile:
    """One ``git cat-file --batch`` for a whole run: object names in, objects out.

    Names are written by a thread while the objects are read, so the caller's work on one object
    (decoding, hashing) hides behind git's on the next ones (bench/history.py).
    """

    def __init__(self, top: Path, *, keep: bool = False) -> None:
        self._top = top
        self._process: subprocess.Popen[bytes] | None = None
        # With ``keep``, the objects read by their id, which never changes what it names: a
        # run that reads HEAD's files and then their history asks git for each blob once.
        self._kept: dict[str, GitObject] | None = {} if keep else None

    def __enter__(self) -> CatFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def read(self, names: Sequence[str]) -> Iterator[GitObject | None]:
        """Each named object (a hash, ``REV^{commit}``, ``REV:path``) in order; None if missing."""
        if not names:
            return  # no process, no thread
        for _, found in self.read_batches([names]):
            yield found

    def read_batches(
        self, batches: Iterable[Sequence[str]]
    ) -> Iterator[tuple[str, GitObject | None]]:
        """Each object named in ``batches`` with its name, in order; None if missing.

        A thread takes the batches and writes them while the objects are read, so names can be
        worked out as git answers the ones before: ``read_snapshot`` asks for the history's
        blobs while ``git log`` is still listing them. An error raised by ``batches`` is raised
        here, after the objects asked for before it.
        """
        process = self._start()
        assert process.stdin and process.stdout
        kept = self._kept
        asked: SimpleQueue[tuple[str, GitObject | None] | None] = SimpleQueue()
        failed: list[BaseException] = []
        writer = threading.Thread(
            target=_write, args=(process.stdin, batches, kept, asked, failed), daemon=True
        )
        writer.start()
        done = False
        try:
            while (item := asked.get()) is not None:
                name, found = item
                if found is None:
                    found = self._next_object()
                    if kept is not None and found is not None and found.oid == name:
                        kept[name] = found
                yield name, found
            done = True
        finally:
            if not done:  # the caller stopped early: git may be blocked writing to us
                self._discard()
            writer.join()
        if failed:
            raise failed[0]

    def _next_object(self) -> GitObject | None:
        """The next object git writes; None for "<name> missing" (or ambiguous)."""
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        header = stdout.readline()
        if not header:
            raise HistoryError(f"`git cat-file` stopped in {self._top}: {self._stderr()}")
        found = _HEADER.fullmatch(header)
        if found is None:
            return None
        data = stdout.read(int(found.group(3)))
        stdout.read(1)  # the newline after each object
        return GitObject(found.group(1).decode(), found.group(2).decode(), data)

    def commits(self, revs: Iterable[str]) -> dict[str, Commit | None]:
        """The commit each revision names, with its committer date; None when there is none."""
        wanted = list(revs)
        found: dict[str, Commit | None] = {}
        for rev, obj in zip(
            wanted, self.read([f"{rev}^{{commit}}" for rev in wanted]), strict=True
        ):
            found[rev] = Commit(obj.oid, committed_date(obj.data)) if obj else None
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
            try:
                self._process = subprocess.Popen(
                    ["git", "cat-file", "--batch"],
                    cwd=self._top,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    bufsize=_BUFFER,
                )
            except FileNotFoundError:
                raise HistoryError(_NO_GIT) from None
            assert self._process.stdout is not None
            _widen(self._process.stdout.fileno())
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


_BUFFER = 1 << 16  # bytes read from git at a time, when it has written that many
_PIPE = 1 << 20  # bytes git may write ahead of the reader (Linux's limit for a user)


def _widen(pipe: int) -> None:
    """Let git write up to ``_PIPE`` bytes ahead (Linux; 64 KiB by default, seven or so
    policy texts): git goes on reading objects while Python works on the ones before."""
    if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, _PIPE)


def _write(
    stream: IO[bytes],
    batches: Iterable[Sequence[str]],
    kept: dict[str, GitObject] | None,
    asked: SimpleQueue[tuple[str, GitObject | None] | None],
    failed: list[BaseException],
) -> None:
    """``CatFile.read_batches``' writer: each name goes to the reader (with the object when it
    is kept already), then to git, a batch at a time; None in ``asked`` ends the reading."""
    try:
        for batch in batches:
            lines = []
            for name in batch:
                found = kept.get(name) if kept is not None else None
                asked.put((name, found))
                if found is None:
                    lines.append(_NOWHERE if "\n" in name else name)
            if not lines:
                continue
            try:
                stream.write(
                    "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape")
                )
                stream.flush()
            except (BrokenPipeError, ValueError):  # git stopped early; the reader reports why
                return
    except BaseException as exc:  # raised by ``batches``: the reader raises it
        failed.append(exc)
    finally:
        asked.put(None)


def committed_date(data: bytes) -> dt.datetime:
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


# --- writing: `policysite init` --------------------------------------------------------------
# GitPython does the writing. It is imported here, not at the top: its import runs
# `git version` twice, which every read (check, build) would pay for nothing.


def init_repository(root: Path) -> None:
    """``git init`` with a ``main`` branch in ``root``."""
    import git

    root.mkdir(parents=True, exist_ok=True)
    git.Repo.init(root, initial_branch="main").close()


def commit_files(root: Path, paths: Iterable[Path], message: str) -> str:
    """Stage ``paths`` and commit them (and only them); returns the commit's hash.

    Without a configured author (a fresh machine, CI), the commit is made as "policysite".
    """
    import git

    with git.Repo(open_repository(root).top) as repo:
        files = [str(p) for p in paths]
        repo.git.add("--", *files)
        env: dict[str, str] = {}
        if not repo.config_reader().has_option("user", "email"):
            env = {
                "GIT_AUTHOR_NAME": "policysite",
                "GIT_AUTHOR_EMAIL": "policysite@localhost",
                "GIT_COMMITTER_NAME": "policysite",
                "GIT_COMMITTER_EMAIL": "policysite@localhost",
            }
        with repo.git.custom_environment(**env):
            repo.git.commit("-q", "-m", message, "--", *files)
        return str(repo.head.commit.hexsha)


def switch_branch(root: Path, branch: str, *, create: bool = False) -> None:
    """Check out ``branch`` (``create``: a new one, from where HEAD is)."""
    import git

    with git.Repo(open_repository(root).top) as repo:
        repo.git.switch(*(["-q", "-c", branch] if create else ["-q", branch]))


def stage_files(root: Path, paths: Iterable[Path]) -> None:
    """``git add`` these files, so that they count as tracked (nothing is committed)."""
    import git

    with git.Repo(open_repository(root).top) as repo:
        repo.git.add("--", *[str(p) for p in paths])
