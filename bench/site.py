"""Benchmark: `mkdocs build` of a policy site vs plain mkdocs-material with the same pages.

A synthetic repository of 10 policies × 50 versions (≈1,000 pages) is built with the policysite
plugin (cold redline cache, warm cache, and after one new version), and beside it the very same
Markdown tree (exported by ``site.export_tree``) is built by plain mkdocs-material without the
plugin, with the same nav policy (one entry per policy). Then the same at 100 versions.
Goals: plugin warm ≤ 1.15 × plain, after one new version ≤ 1.3 × plain; 100 versions ≤ 2.2 ×
50 versions. The warm and after-one builds are each the best of ``--runs``, alternated with the
plain builds so both see the same machine load; each goal line also gives the ratio of CPU
time (user + system, git included), which a busy machine disturbs less than the clock.

Run: .venv/bin/python bench/site.py [--versions 50 100] [--policies 10]
     .venv/bin/python bench/site.py --smoke    (2 policies × 2 and 4 versions, one warm build)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from policysite import site
from policysite.config import load_settings
from policysite.versions import load_policies

BIN = Path(sys.executable).parent
WORDS = re.findall(
    r"\w+",
    "data personal service account privacy we you your collect process store share partner "
    "cookie consent request delete access export law security time purpose provide use right "
    "email name address device location payment support product website contact notice",
)

MKDOCS_YML = """\
site_name: Bench policies
site_url: https://bench.example/
docs_dir: {docs}
strict: true
theme:
  name: material
  font: false
  features: [navigation.top, toc.follow]
markdown_extensions:
  - attr_list
  - admonition
  - tables
  - toc:
      permalink: true
plugins:
  - search
{extra}"""


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    return " ".join(words).capitalize() + "."


def policy_body(rng: random.Random, sections: int = 14) -> list[list[str]]:
    return [[sentence(rng) for _ in range(rng.randint(5, 9))] for _ in range(sections)]


def render(title: str, label: int, body: list[list[str]]) -> str:
    effective = f"{2000 + label // 12}-{label % 12 + 1:02d}-01"
    parts = [f'---\ntitle: {title}\nversion: "{label}"\neffective: {effective}\n---\n']
    for number, paragraphs in enumerate(body, start=1):
        parts.append(f"\n## {number}. Section {number} {{#s{number}}}\n")
        for start in range(0, len(paragraphs), 3):
            parts.append("\n" + " ".join(paragraphs[start : start + 3]) + "\n")
    return "".join(parts)


def git(repo: Path, *args: str, stamp: int = 0) -> None:
    env = dict(os.environ)
    date = f"@{1_500_000_000 + stamp * 86400} +0000"
    env.update(
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
    )
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def make_repo(repo: Path, policies: int, versions: int) -> None:
    """``policies`` policies, each with ``versions`` versions: one commit per version step."""
    rng = random.Random(4)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "mkdocs.yml").write_text(
        MKDOCS_YML.format(docs="policies", extra="  - policysite\n"), encoding="utf-8"
    )
    # As a real site's (policysite init): the build's output and caches are not committed.
    (repo / ".gitignore").write_text("site/\n.policysite/\n", encoding="utf-8")
    bodies = [policy_body(rng) for _ in range(policies)]
    for label in range(1, versions + 1):
        add_version(repo, bodies, label, rng)


def add_version(repo: Path, bodies: list[list[list[str]]], label: int, rng: random.Random) -> None:
    for index, body in enumerate(bodies):
        if label > 1:  # edit one sentence in two sections, as a small real change would
            for section in rng.sample(range(len(body)), 2):
                body[section][rng.randrange(len(body[section]))] = sentence(rng)
        path = repo / "policies" / f"policy-{index:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(f"Policy {index}", label, body), encoding="utf-8")
        note = repo / "changelog" / f"policy-{index:02d}" / f"{label}.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(f"---\nmaterial: {str(label % 3 == 0).lower()}\n---\n{sentence(rng)}\n")
    git(repo, "add", "-A", stamp=label)
    git(repo, "commit", "-q", "-m", f"version {label}", stamp=label)


def make_plain(repo: Path, plain: Path) -> int:
    """The same pages as ordinary Markdown files, for plain mkdocs-material; returns the count."""
    settings = load_settings(repo)
    policies = load_policies(settings)
    built = site.load_site(settings, policies, site.SiteOptions(site_url=settings.site_url))
    site.export_tree(built, plain / "docs")
    nav = "nav:\n" + "".join(
        f"  - {p.path}\n" for p in sorted(built.pages, key=_home_first) if p.in_nav
    )
    not_in_nav = "not_in_nav: |\n  /*/versions/\n  /*/changes/\n  /changes/\n"
    (plain / "mkdocs.yml").write_text(
        MKDOCS_YML.format(docs="docs", extra="") + nav + not_in_nav, encoding="utf-8"
    )
    return len(built.pages)


def _home_first(page: site.SitePage) -> tuple[bool, str]:
    return (page.path != "index.md", page.path)


def timed_build(folder: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds of one `mkdocs build`: wall clock, and the CPU time it used (user + system, with
    the git processes it started), which a busy machine disturbs less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q", "-d", str(folder / "site")],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"mkdocs build failed in {folder}:\n{result.stdout}{result.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return elapsed, cpu


def measure(work: Path, policies: int, versions: int, runs: int) -> dict[str, float]:
    """Wall seconds of each kind of build (``cold``, ``warm``, ``after_one``, ``plain``), the best
    of ``runs``; the same keys with ``_cpu`` hold the CPU seconds, each the best of its own."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", POLICYSITE_TODAY="2099-01-01")
    repo, plain = work / f"repo-{versions}", work / f"plain-{versions}"
    make_repo(repo, policies, versions)
    cache = repo / ".policysite"
    shutil.rmtree(cache, ignore_errors=True)
    cold = timed_build(repo, env)
    pages = make_plain(repo, plain)
    # Alternate the two builds so both see the same machine load; keep the best of each.
    plugin_times, plain_times = [], []
    for _ in range(runs):
        plugin_times.append(timed_build(repo, env))
        plain_times.append(timed_build(plain, env))
    # One more version of every policy (what the publish job builds): only the new pairs are
    # diffed again. Each run adds the same version to the warm repository and takes it away
    # again, caches included (building a copy of the repository measured the file system: a
    # fresh copy of the site folder made every build 0.5 s slower to clean and write).
    after_times = []
    caches, saved = repo / ".policysite", work / f"caches-{versions}"
    shutil.copytree(caches, saved)
    for _ in range(runs):
        rng = random.Random(9)
        add_version(repo, [policy_body(rng) for _ in range(policies)], versions + 1, rng)
        after_times.append(timed_build(repo, env))
        plain_times.append(timed_build(plain, env))
        git(repo, "reset", "-q", "--hard", "HEAD~1")
        shutil.rmtree(caches)
        shutil.copytree(saved, caches)
    result: dict[str, float] = {"pages": pages}
    for key, times in (
        ("cold", [cold]),
        ("warm", plugin_times),
        ("plain", plain_times),
        ("after_one", after_times),
    ):
        result[key] = min(wall for wall, _ in times)
        result[key + "_cpu"] = min(cpu for _, cpu in times)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--versions", type=int, nargs=2, default=(50, 100))
    parser.add_argument("--runs", type=int, default=3, help="best of N for the warm builds")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.policies, args.versions, args.runs = 2, (2, 4), 1
    small, large = args.versions
    with tempfile.TemporaryDirectory(prefix="policysite-bench-") as tmp:
        results = {n: measure(Path(tmp), args.policies, n, args.runs) for n in (small, large)}
    print(
        f"{args.policies} policies; seconds per `mkdocs build` (plain, warm, +1 ver: best of "
        f"{args.runs}); each plugin build beside its ratio to plain"
    )
    print("plain: the same pages, plain mkdocs-material; cold: plugin, empty redline cache;")
    print("warm: plugin, cache filled; +1 ver: plugin after one new version of every policy")
    header = ("versions", "pages", "plain", "cold", "/plain", "warm", "/plain", "+1 ver", "/plain")
    print("{:>8} {:>6} {:>7} {:>7} {:>6} {:>7} {:>6} {:>7} {:>6}".format(*header))
    for n, r in results.items():
        cells = " ".join(
            f"{r[k]:>7.2f} {r[k] / r['plain']:>5.2f}×" for k in ("cold", "warm", "after_one")
        )
        print(f"{n:>8} {int(r['pages']):>6} {r['plain']:>7.2f} {cells}")
    ratio = results[large]["warm"] / results[small]["warm"]
    print(f"plugin, warm cache: {large} versions / {small} versions = {ratio:.2f}× (goal ≤ 2.2×)")
    for key, what, goal in (("warm", "warm cache", 1.15), ("after_one", "one new version", 1.3)):
        for n, r in results.items():
            print(
                f"plugin, {what} / plain mkdocs-material at {n} versions = "
                f"{r[key] / r['plain']:.2f}× (goal ≤ {goal}×); "
                f"CPU time {r[key + '_cpu'] / r['plain_cpu']:.2f}×"
            )
    if args.smoke:
        print("(smoke run: a few pages; the goals are for full size)")


if __name__ == "__main__":
    main()
