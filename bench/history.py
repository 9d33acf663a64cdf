"""Benchmark: all versions of a policy with 2,000 commits, beside raw git in the same run.

Prints the time policysite takes to read every version with its text (one `git log` + one
`git cat-file --batch` + parsing and validation) and the time of the bare git work it is
built on (the same `git log` and `git cat-file --batch`, nothing else), and their ratio.
Goal: ratio ≤ 1.3.

    python bench/history.py [--smoke]    (--smoke: 200 commits of 400 words, 3 rounds)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from policysite.config import load_settings
from policysite.versions import load_policies

COMMITS = 2_000
WORDS = 4_000
ROUNDS = 7


def _policy(n: int, size: int) -> bytes:
    words = [f"word{(i * 7 + n) % 997}" for i in range(size)]
    paragraphs = [" ".join(words[i : i + 80]) for i in range(0, size, 80)]
    body = "".join(f"## Section {k} {{#s{k}}}\n\n{p}\n\n" for k, p in enumerate(paragraphs))
    effective = dt.date(2000, 1, 1) + dt.timedelta(days=n)
    meta = f'---\ntitle: Bench\nversion: "1.{n}"\neffective: {effective}\n---\n'
    return (meta + f"Revision {n}.\n\n" + body).encode()


def make_repo(path: Path, commits: int = COMMITS, size: int = WORDS) -> None:
    """A repository of ``commits`` commits on main, each a new version of policies/bench.md."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / "mkdocs.yml").write_text("docs_dir: policies\nplugins:\n  - policysite\n")
    stream = bytearray()
    for n in range(commits):
        text = _policy(n, size)
        message = f"version 1.{n}".encode()
        stamp = 946_684_800 + n * 86_400
        stream += b"commit refs/heads/main\n"
        stream += f"committer Bench <b@example.com> {stamp} +0000\n".encode()
        stream += b"data %d\n%s\n" % (len(message), message)
        stream += b"M 100644 inline policies/bench.md\n"
        stream += b"data %d\n%s\n" % (len(text), text)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)


def raw_git(path: Path) -> int:
    """The floor: the same git log and one cat-file --batch, bytes only."""
    log = subprocess.run(
        [
            "git",
            "log",
            "--first-parent",
            "--reverse",
            "--raw",
            "--no-abbrev",
            "-M",
            "-z",
            "--format=%x01%H %cI",
            "HEAD",
            "--",
            "policies",
        ],
        cwd=path,
        capture_output=True,
        check=True,
    ).stdout
    blobs = [
        token.split(b" ")[3] for token in log.split(b"\0") if token.lstrip(b"\n").startswith(b":")
    ]
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=path,
        input=b"\n".join(blobs) + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    return len(out)


def ours(path: Path) -> int:
    policies = load_policies(load_settings(path), as_of=dt.date(2030, 1, 1))
    return sum(len(v.text) for p in policies for v in p.versions)


def timed(function: Callable[[Path], int], path: Path) -> float:
    start = time.perf_counter()
    function(path)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    commits, size, rounds = (200, 400, 3) if args.smoke else (COMMITS, WORDS, ROUNDS)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        start = time.perf_counter()
        make_repo(repo, commits, size)
        print(
            f"synthetic repo: {commits} commits × {size} words, made in "
            f"{time.perf_counter() - start:.1f} s"
        )
        versions = load_policies(load_settings(repo), as_of=dt.date(2030, 1, 1))[0].versions
        assert len(versions) == commits, len(versions)
        # Alternate the two so machine noise hits both alike; compare the best of each.
        raw_times, our_times = [], []
        for _ in range(rounds):
            raw_times.append(timed(raw_git, repo))
            our_times.append(timed(ours, repo))
        raw_best, raw_median = min(raw_times), statistics.median(raw_times)
        our_best, our_median = min(our_times), statistics.median(our_times)
        print(
            f"raw git log + cat-file --batch: best {raw_best * 1000:7.1f} ms, "
            f"median {raw_median * 1000:7.1f} ms"
        )
        print(
            f"policysite load_policies:       best {our_best * 1000:7.1f} ms, "
            f"median {our_median * 1000:7.1f} ms  ({commits} versions with texts)"
        )
        ratio = our_best / raw_best
        print(f"ratio policysite / raw git: {ratio:.2f}× (goal ≤ 1.3×)")
        if args.smoke:
            print(f"(smoke run: {commits} commits, best of {rounds}; the goal is for full size)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
