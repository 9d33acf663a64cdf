"""Benchmark: adopting a repository shaped like a large public one, beside raw git and plain
mkdocs-material in the same run.

A generated repository (generated text only) of 60 policies and 900 versions in all: edits on
300 days, some several times a day, some through merged branches, ten policies renamed on the
way, and a commit every 30 days that changes only front matter the site does not show on every
file. Measured, each beside its floor:

- ``adopt`` + ``versions`` (find the policies and write nothing, then every version with its
  text) against the raw ``git log`` + ``git cat-file --batch`` of the same files. Goal ≤ 1.3×.
- ``mkdocs build`` of the adopted site (warm redline cache) against plain mkdocs-material
  building the very same pages (exported by ``site.export_tree``). Goal ≤ 1.3×.

Each pair runs side by side, taking turns going first; a ratio is the median of the pairs', in
wall-clock time and in CPU time (this process and its children: git, mkdocs), which a shared
machine disturbs less.

With ``--before REV`` (a git revision of this project, e.g. main), the first pair becomes a
trio: ``adopt`` + ``versions`` of that revision's code too (``git archive`` of its scripts/ in a
temporary folder), beside today's and raw git in the same run. Both are timed the same way, each
in a worker process of its own (imports done, one warm-up call first) that the bench asks for
one call at a time, taking turns with raw git.

Run: .venv/bin/python bench/adopt.py [--runs 3] [--before main]
     .venv/bin/python bench/adopt.py --smoke     (6 policies, 30 versions, one run)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from policysite import adopt, history, site
from policysite.config import load_settings
from policysite.versions import load_policies

BIN = Path(sys.executable).parent
WORDS = re.findall(
    r"\w+",
    "data personal service account privacy we you your collect process store share partner "
    "cookie consent request delete access export law security time purpose provide use right "
    "email name address device location payment support product website contact notice",
)
DAY = 86_400
START = 1_500_000_000


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def render(title: str, topics: int, body: list[list[str]]) -> bytes:
    parts = [f"---\ntitle: {title}\ntopics:\n  - legal-{topics}\n---\n"]
    for number, paragraphs in enumerate(body, start=1):
        parts.append(f"\n## {number}. Section {number}\n")
        for start in range(0, len(paragraphs), 3):
            parts.append("\n" + " ".join(paragraphs[start : start + 3]) + "\n")
    return "".join(parts).encode()


class Stream:
    """A `git fast-import` stream: commits on main and side branches, with marks."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.mark = 0
        self.main: int | None = None

    def commit(
        self,
        when: int,
        changes: list[bytes],
        *,
        branch: str = "main",
        parent: int | None = None,
        merge: int | None = None,
    ) -> int:
        self.mark += 1
        message = b"change"
        self.data += f"commit refs/heads/{branch}\nmark :{self.mark}\n".encode()
        self.data += f"committer Bench <b@example.com> {when} +0000\n".encode()
        self.data += b"data %d\n%s\n" % (len(message), message)
        if parent is not None:
            self.data += f"from :{parent}\n".encode()
        if merge is not None:
            self.data += f"merge :{merge}\n".encode()
        for change in changes:
            self.data += change
        if branch == "main":
            self.main = self.mark
        return self.mark


def modify(path: str, text: bytes) -> bytes:
    return f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(text), text)


def make_repo(repo: Path, policies: int, versions: int) -> int:
    """The repository; returns how many versions a first-parent reference count gives."""
    rng = random.Random(15)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    stream = Stream()
    bodies = [[[sentence(rng) for _ in range(6)] for _ in range(12)] for _ in range(policies)]
    paths = [f"Policies/group-{i % 6}/policy-{i:02d}.md" for i in range(policies)]
    topics = [0] * policies
    readme = b"# Our policies\n\nSee Policies/.\n"
    first = [modify("README.md", readme), modify("LICENSE.md", b"CC-BY-4.0\n")]
    first += [modify(p, render(f"Policy {i}", 0, bodies[i])) for i, p in enumerate(paths)]
    stream.commit(START, first)
    expected = policies
    renamed = set(rng.sample(range(policies), min(10, policies)))
    per_day = 3
    for step in range(versions - policies):
        index = step % policies
        day = 1 + step // per_day
        when = START + day * DAY + (step % per_day) * 3600
        if index in renamed and step >= policies * 3:
            renamed.discard(index)
            new = paths[index].replace("policy-", "renamed-policy-")
            stream.commit(when, [f"R {paths[index]} {new}\n".encode()])
            paths[index] = new
            when += 60
        texts = []
        for _ in range(2 if rng.random() < 0.3 else 1):  # several commits in one day
            body = bodies[index]
            section = rng.randrange(len(body))
            body[section][rng.randrange(len(body[section]))] = sentence(rng)
            texts.append(render(f"Policy {index}", topics[index], body))
        for number, text in enumerate(texts):
            at = when + number * 600
            if rng.random() < 0.15:  # through a pull request's branch, merged
                assert stream.main is not None
                side = stream.commit(
                    at, [modify(paths[index], text)], branch=f"pr-{step}", parent=stream.main
                )
                stream.commit(at + 60, [modify(paths[index], text)], merge=side)
            else:
                stream.commit(at, [modify(paths[index], text)])
        expected += 1
        if day % 30 == 0 and step % per_day == per_day - 1:  # front matter only, every file
            changes = []
            for i, path in enumerate(paths):
                topics[i] += 1
                changes.append(modify(path, render(f"Policy {i}", topics[i], bodies[i])))
            stream.commit(when + 7200, changes)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream.data), check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    (repo / ".gitignore").write_text("site/\n.policysite/\n", encoding="utf-8")
    return expected


def raw_git(repo: Path) -> int:
    """The floor: the same first-parent git log of the policies and one cat-file of its blobs."""
    log = subprocess.run(
        [
            *("git", "log", "--first-parent", "--raw", "--no-abbrev", "-M", "-z"),
            *("--format=%x01%H %P %cI", "HEAD", "--", "Policies"),
        ],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    blobs = [t.split(b" ")[3] for t in log.split(b"\0") if t.lstrip(b"\n").startswith(b":")]
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input=b"\n".join(blobs) + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    return len(out)


def ours(repo: Path) -> int:
    """`policysite adopt --dry-run`'s reading (no check) and `policysite versions`, sharing one
    `git cat-file` as `adopt` does (``history.shared_reads``; code before it had none)."""
    with getattr(history, "shared_reads", contextlib.nullcontext)():
        adoption = adopt.find_adoption(repo)
        settings = adopt.settings_for(adoption, "Bench")
        return sum(len(p.versions) for p in load_policies(settings, notes=False))


Timing = tuple[float, float]  # wall-clock seconds, CPU seconds (this process and its children)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function: Callable[[Path], int], repo: Path) -> Timing:
    """Wall clock and CPU time (git included) of one call: on a shared machine the CPU time
    is the steadier figure, so both are printed."""
    start, cpu = time.perf_counter(), _cpu()
    function(repo)
    return time.perf_counter() - start, _cpu() - cpu


def build(folder: Path) -> int:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q", "-d", str(folder / "site")],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"mkdocs build failed in {folder}:\n{result.stdout}{result.stderr}")
    return 0


def side_by_side(
    mine: Callable[[Path], int], floor: Callable[[Path], int], a: Path, b: Path, runs: int
) -> list[tuple[Timing, Timing]]:
    """``runs`` pairs of (ours, the floor), taking turns going first."""
    pairs = []
    for run in range(runs):
        if run % 2:
            other = timed(floor, b)
            pairs.append((timed(mine, a), other))
        else:
            first = timed(mine, a)
            pairs.append((first, timed(floor, b)))
    return pairs


def report(what: str, floor: str, pairs: list[tuple[Timing, Timing]]) -> None:
    wall = statistics.median(m[0] / f[0] for m, f in pairs)
    cpu = statistics.median(m[1] / f[1] for m, f in pairs)
    print(
        f"{what}: {min(m[0] for m, _ in pairs):.3f} s wall, {min(m[1] for m, _ in pairs):.3f} s "
        f"CPU (best); {floor}: {min(f[0] for _, f in pairs):.3f} s wall, "
        f"{min(f[1] for _, f in pairs):.3f} s CPU (best); ratio {wall:.2f}× wall, {cpu:.2f}× CPU "
        f"(medians of {len(pairs)} pairs; goal ≤ 1.3×)"
    )


class Worker:
    """``ours`` in a process of its own, importing ``policysite`` from ``scripts`` (another
    revision's code) or, without it, from this checkout; one timed call per ``call``."""

    def __init__(self, repo: Path, scripts: Path | None) -> None:
        env = dict(os.environ)
        if scripts is not None:
            env["PYTHONPATH"] = str(scripts)
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(repo)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        self.found = int(self._ask("count"))

    def _ask(self, what: str) -> str:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(what + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the bench's worker stopped (exit {self.process.wait()})")
        return answer.strip()

    def call(self, _repo: Path) -> Timing:
        wall, cpu = self._ask("time").split()
        return float(wall), float(cpu)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait()


def serve(repo: Path) -> int:
    """The worker's side: "count" → the versions found (a warm-up), "time" → wall and CPU."""
    for line in sys.stdin:
        if line.strip() == "count":
            print(ours(repo), flush=True)
        else:
            wall, cpu = timed(ours, repo)
            print(f"{wall} {cpu}", flush=True)
    return 0


def before_and_after(repo: Path, rev: str, runs: int, tmp: Path, expected: int) -> None:
    """``ours`` with the code of ``rev`` and with today's, beside raw git, in turns."""
    project = Path(__file__).resolve().parent.parent
    export = tmp / "before"
    export.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev, "scripts"], cwd=project, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"git archive {rev} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive.stdout, check=True)
    before, after = Worker(repo, export / "scripts"), Worker(repo, None)
    try:
        for name, worker in ((rev, before), ("today", after)):
            if worker.found != expected:
                raise SystemExit(f"{name}'s code finds {worker.found} versions, not {expected}")
        order: list[Callable[[], Timing]] = [
            lambda: before.call(repo),
            lambda: after.call(repo),
            lambda: timed(raw_git, repo),
        ]
        trios = []
        for run in range(runs):
            turn = order[run % 3 :] + order[: run % 3]  # each goes first in turn
            timings = [measure() for measure in turn]
            trios.append(tuple(timings[(i - run) % 3] for i in range(3)))
    finally:
        before.close()
        after.close()
    report(f"adopt + versions, code of {rev}", "raw git", [(b, f) for b, _, f in trios])
    report("adopt + versions, today's code", "raw git", [(a, f) for _, a, f in trios])
    wall = statistics.median(a[0] / b[0] for b, a, _ in trios)
    cpu = statistics.median(a[1] / b[1] for b, a, _ in trios)
    print(f"today's code against {rev}'s: {wall:.2f}× wall, {cpu:.2f}× CPU (medians of {runs})")


def make_plain(repo: Path, plain: Path) -> int:
    """The adopted site's pages as plain Markdown for plain mkdocs-material; the page count."""
    settings = load_settings(repo)
    built = site.load_site(
        settings, load_policies(settings), site.SiteOptions(site_url=settings.site_url)
    )
    site.export_tree(built, plain / "docs")
    config = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    plain_config = config.split("plugins:")[0].replace("docs_dir: Policies", "docs_dir: docs")
    nav = "".join(f"  - {p.path}\n" for p in built.pages if p.in_nav)
    (plain / "mkdocs.yml").write_text(
        plain_config + "plugins:\n  - search\nnav:\n" + nav, encoding="utf-8"
    )
    return len(built.pages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--before", metavar="REV", help="also time this git revision's code (e.g. main)"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        return serve(args.worker)
    policies, versions, runs = (6, 30, 1) if args.smoke else (60, 900, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        start = time.perf_counter()
        expected = make_repo(repo, policies, versions)
        made = time.perf_counter() - start
        print(f"generated repository: {policies} policies, made in {made:.1f} s")
        adoption = adopt.find_adoption(repo)
        adopt.write_config(adoption, "Bench policies", overwrite=False)
        found = ours(repo)
        print(f"versions: {found} (first-parent reference count: {expected})")
        if found != expected:
            raise SystemExit(f"version count {found} differs from the reference {expected}")
        if args.before:
            before_and_after(repo, args.before, max(runs * 3, 3), Path(tmp), expected)
        else:
            report(
                "adopt + versions",
                "raw git log + cat-file --batch",
                side_by_side(ours, raw_git, repo, repo, max(runs * 3, 3)),
            )
        plain = Path(tmp) / "plain"
        pages = make_plain(repo, plain)
        cold = timed(build, repo)
        print(f"site build, {pages} pages: cold (empty caches) {cold[0]:.1f} s wall")
        report(
            "site build (warm)",
            "plain mkdocs-material",
            side_by_side(build, build, repo, plain, runs),
        )
        if args.smoke:
            print("(smoke run: tiny sizes; the goals are for full size)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
