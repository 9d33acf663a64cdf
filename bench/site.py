"""Benchmark: `mkdocs build` of a policy site vs plain mkdocs-material with the same pages.

A synthetic repository of 10 policies × 50 versions (≈1,000 pages) is built with the policysite
plugin (cold redline cache, warm cache, and after one new version), and beside it the very same
Markdown tree (exported by ``site.export_tree``) is built by plain mkdocs-material without the
plugin, with the same nav policy (one entry per policy). Then the same at 100 versions.
Goals: plugin warm ≤ 1.15 × plain, after one new version ≤ 1.3 × plain; 100 versions ≤ 2.2 ×
50 versions. Translations: the same repository with one translation per policy (``<policy>.nb.md``,
translating every version, so it doubles the pages) builds, warm, in ≤ 2.1 × the time of the
repository without them (both without PDFs), taking turns going first in the same way.
These builds leave out the PDFs (``pdf: false``): plain mkdocs-material has none.
Each plugin build runs beside a plain build, ``--runs`` times, which goes first taking turns; a
ratio is the median over the runs of the plugin build ÷ the plain build beside it (on a shared
machine the load drifts within a run, so best-of-each compared different moments), in
wall-clock time and in CPU time (user + system, git included).

The PDFs (``pdf: true``, the default) are measured apart, on 10 policies × 10 versions: a cold
build that renders every PDF, then warm builds with PDFs beside warm builds of the same
repository without them, taking turns in the same way, ``--pdf-runs`` times (goal: ≤ 1.2×, the
PDFs coming from the cache); and a cold PDF of a 4,000-word policy rendered alone (what one new
version costs). ``--pdf-only`` measures only the PDFs.

Run: .venv/bin/python bench/site.py [--versions 50 100] [--policies 10]
     .venv/bin/python bench/site.py --smoke    (2 policies × 2 and 4 versions, one warm build;
                                                PDFs of 1 policy × 2 versions, a 400-word PDF)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from policysite import site
from policysite.config import load_settings
from policysite.site import pdf
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


PLUGIN = "  - policysite:\n      pdf: {pdf}\n"
NO_PDF_CONFIG = "mkdocs-no-pdf.yml"


def make_repo(
    repo: Path, policies: int, versions: int, *, pdfs: bool = False, translated: bool = False
) -> None:
    """``policies`` policies, each with ``versions`` versions: one commit per version step;
    ``translated``: each with a Norwegian translation of every version, in the same commit.

    ``mkdocs.yml`` makes PDFs when ``pdfs``; ``mkdocs-no-pdf.yml`` beside it never does."""
    rng = random.Random(4)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "mkdocs.yml").write_text(
        MKDOCS_YML.format(docs="policies", extra=PLUGIN.format(pdf=str(pdfs).lower())),
        encoding="utf-8",
    )
    (repo / NO_PDF_CONFIG).write_text(
        MKDOCS_YML.format(docs="policies", extra=PLUGIN.format(pdf="false")), encoding="utf-8"
    )
    # As a real site's (policysite init): the build's output and caches are not committed.
    (repo / ".gitignore").write_text("site/\n.policysite/\n", encoding="utf-8")
    bodies = [policy_body(rng) for _ in range(policies)]
    for label in range(1, versions + 1):
        add_version(repo, bodies, label, rng, translated=translated)


def translation(index: int, label: int, body: list[list[str]]) -> str:
    """A policy's "translation": its sentences reversed letter by letter, under the same anchors
    (parity), naming the version it translates."""
    text = render(f"Retningslinje {index}", label, [[s[::-1] for s in p] for p in body])
    meta = f'---\ntitle: Retningslinje {index}\ntranslates: "{label}"\n---\n'
    return meta + text.split("\n---\n", 1)[1]


def add_version(
    repo: Path,
    bodies: list[list[list[str]]],
    label: int,
    rng: random.Random,
    *,
    translated: bool = False,
) -> None:
    for index, body in enumerate(bodies):
        if label > 1:  # edit one sentence in two sections, as a small real change would
            for section in rng.sample(range(len(body)), 2):
                body[section][rng.randrange(len(body[section]))] = sentence(rng)
        path = repo / "policies" / f"policy-{index:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(f"Policy {index}", label, body), encoding="utf-8")
        if translated:
            nb = path.with_name(f"policy-{index:02d}.nb.md")
            nb.write_text(translation(index, label, body), encoding="utf-8")
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


Timing = tuple[float, float]  # wall-clock seconds, CPU seconds


def timed_build(folder: Path, env: dict[str, str], config: str = "mkdocs.yml") -> Timing:
    """Seconds of one `mkdocs build`: wall clock, and the CPU time it used (user + system, with
    the git processes it started), which a busy machine disturbs less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q", "-f", config, "-d", str(folder / "site")],
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


def side_by_side(repo: Path, plain: Path, env: dict[str, str], run: int) -> tuple[Timing, Timing]:
    """A plugin build and a plain build, one after the other: the plugin first in even runs, the
    plain build first in odd ones, so a load that drifts during the run favours neither."""
    if run % 2:
        plain_build = timed_build(plain, env)
        return timed_build(repo, env), plain_build
    plugin_build = timed_build(repo, env)
    return plugin_build, timed_build(plain, env)


def measure(work: Path, policies: int, versions: int, runs: int) -> dict[str, float]:
    """Wall seconds of each kind of build (``cold``, ``warm``, ``after_one``, ``plain``), the best
    of ``runs``; ``<kind>_ratio`` and ``<kind>_cpu_ratio``: the median of its ratios to the
    plain build run beside it, in wall-clock and in CPU time."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", POLICYSITE_TODAY="2099-01-01")
    repo, plain = work / f"repo-{versions}", work / f"plain-{versions}"
    make_repo(repo, policies, versions)
    cache = repo / ".policysite"
    shutil.rmtree(cache, ignore_errors=True)
    cold = timed_build(repo, env)
    pages = make_plain(repo, plain)
    pairs: dict[str, list[tuple[Timing, Timing]]] = {"cold": [(cold, timed_build(plain, env))]}
    pairs["warm"] = [side_by_side(repo, plain, env, run) for run in range(runs)]
    # One more version of every policy (what the publish job builds): only the new pairs are
    # diffed again. Each run adds the same version to the warm repository and takes it away
    # again, caches included (building a copy of the repository measured the file system: a
    # fresh copy of the site folder made every build 0.5 s slower to clean and write).
    pairs["after_one"] = []
    caches, saved = repo / ".policysite", work / f"caches-{versions}"
    shutil.copytree(caches, saved)
    for run in range(runs):
        rng = random.Random(9)
        add_version(repo, [policy_body(rng) for _ in range(policies)], versions + 1, rng)
        pairs["after_one"].append(side_by_side(repo, plain, env, run))
        git(repo, "reset", "-q", "--hard", "HEAD~1")
        shutil.rmtree(caches)
        shutil.copytree(saved, caches)
    result: dict[str, float] = {
        "pages": pages,
        "plain": min(plain_build[0] for kind in pairs.values() for _, plain_build in kind),
    }
    for key, runs_of_kind in pairs.items():
        result[key] = min(plugin[0] for plugin, _ in runs_of_kind)
        result[key + "_ratio"] = statistics.median(p[0] / q[0] for p, q in runs_of_kind)
        result[key + "_cpu_ratio"] = statistics.median(p[1] / q[1] for p, q in runs_of_kind)
    return result


def measure_pdfs(work: Path, policies: int, versions: int, runs: int) -> dict[str, float]:
    """Warm builds with PDFs beside warm builds without, of one repository: seconds (best of
    ``runs``) and the median ratio, wall clock and CPU; and the cold build that made them."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", POLICYSITE_TODAY="2099-01-01")
    repo = work / "repo-pdf"
    make_repo(repo, policies, versions, pdfs=True)
    cold = timed_build(repo, env)
    made = len(list((repo / "site").rglob("*.pdf")))
    if made != policies * versions:
        raise SystemExit(f"expected {policies * versions} PDFs, the build wrote {made}")
    pairs = []
    for run in range(runs):
        if run % 2:
            without = timed_build(repo, env, NO_PDF_CONFIG)
            pairs.append((timed_build(repo, env), without))
        else:
            with_pdfs = timed_build(repo, env)
            pairs.append((with_pdfs, timed_build(repo, env, NO_PDF_CONFIG)))
    return {
        "pdfs": made,
        "cold": cold[0],
        "warm": min(p[0] for p, _ in pairs),
        "without": min(q[0] for _, q in pairs),
        "ratio": statistics.median(p[0] / q[0] for p, q in pairs),
        "cpu_ratio": statistics.median(p[1] / q[1] for p, q in pairs),
    }


def measure_translations(work: Path, policies: int, versions: int, runs: int) -> dict[str, float]:
    """Warm builds of the repository with a translation per policy beside the same one without,
    taking turns going first: seconds (best of ``runs``), pages, and the median ratio (wall
    clock and CPU time)."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", POLICYSITE_TODAY="2099-01-01")
    plain, translated = work / f"untranslated-{versions}", work / f"translated-{versions}"
    make_repo(plain, policies, versions)
    make_repo(translated, policies, versions, translated=True)
    for repo in (plain, translated):
        timed_build(repo, env)  # fill the redline caches
    pairs = []
    for run in range(runs):
        if run % 2:
            without = timed_build(plain, env)
            pairs.append((timed_build(translated, env), without))
        else:
            with_them = timed_build(translated, env)
            pairs.append((with_them, timed_build(plain, env)))
    pages = [len(list((repo / "site").rglob("*.html"))) for repo in (plain, translated)]
    return {
        "pages": pages[0],
        "translated_pages": pages[1],
        "without": min(q[0] for _, q in pairs),
        "with": min(p[0] for p, _ in pairs),
        "ratio": statistics.median(p[0] / q[0] for p, q in pairs),
        "cpu_ratio": statistics.median(p[1] / q[1] for p, q in pairs),
    }


def cold_pdf(words: int) -> tuple[float, float, int]:
    """Seconds to render one policy of about ``words`` words to PDF: the first in this process
    (WeasyPrint imported, fonts loaded) and the next; and its size in bytes."""
    rng = random.Random(7)
    sections = []
    count = 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(4))
        count += len(paragraph.split())
        sections.append(
            f"## Section {len(sections) + 1} {{#s{len(sections) + 1}}}\n\n{paragraph}\n"
        )
    body = "\n".join(sections)
    facts = pdf.PdfFacts(
        "Bench policy",
        "1.0",
        dt.date(2026, 1, 1),
        "0" * 64,
        "https://bench.example/bench/versions/1.0/",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    start = time.perf_counter()
    first = pdf.render_pdf(facts, body)
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    pdf.render_pdf(facts, body + "\nOne more sentence.\n")
    return first_seconds, time.perf_counter() - start, len(first)


def print_translations(t: dict[str, float]) -> None:
    print(
        f"translations, warm (best of the runs): without {int(t['pages'])} pages "
        f"{t['without']:.2f} s; with one translation per policy {int(t['translated_pages'])} "
        f"pages {t['with']:.2f} s"
    )
    print(
        f"plugin, with translations / without = {t['ratio']:.2f}× (goal ≤ 2.1×); "
        f"CPU time {t['cpu_ratio']:.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--versions", type=int, nargs=2, default=(50, 100))
    parser.add_argument("--runs", type=int, default=4, help="runs of each warm and after-one build")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    parser.add_argument(
        "--pdf-runs", type=int, default=10, help="runs of the warm builds with and without PDFs"
    )
    parser.add_argument("--pdf-only", action="store_true", help="only the PDF measurements")
    parser.add_argument(
        "--translations-only",
        action="store_true",
        help="only the builds with and without a translation per policy (at the smaller size)",
    )
    args = parser.parse_args()
    pdf_size, words = ((10, 10), 4000)
    if args.smoke:
        args.policies, args.versions, args.runs, args.pdf_runs = 2, (2, 4), 1, 2
        pdf_size, words = (1, 2), 400
    small, large = args.versions
    if args.translations_only:
        with tempfile.TemporaryDirectory(prefix="policysite-bench-") as tmp:
            print_translations(measure_translations(Path(tmp), args.policies, small, args.runs))
        return
    with tempfile.TemporaryDirectory(prefix="policysite-bench-") as tmp:
        if not args.pdf_only:
            translations = measure_translations(Path(tmp), args.policies, small, args.runs)
            print_translations(translations)
            results = {n: measure(Path(tmp), args.policies, n, args.runs) for n in (small, large)}
            print_site(args.policies, args.runs, results, small, large)
        pdfs = measure_pdfs(Path(tmp), *pdf_size, args.pdf_runs)
    first, second, size = cold_pdf(words)
    print(
        f"PDFs: {pdf_size[0]} policies × {pdf_size[1]} versions = {int(pdfs['pdfs'])} PDFs; "
        f"cold build (renders every PDF) {pdfs['cold']:.2f} s; warm with PDFs "
        f"{pdfs['warm']:.2f} s, warm without {pdfs['without']:.2f} s (best of {args.pdf_runs})"
    )
    print(
        f"plugin, warm with PDFs / warm without = {pdfs['ratio']:.2f}× (goal ≤ 1.2×); "
        f"CPU time {pdfs['cpu_ratio']:.2f}×"
    )
    print(
        f"cold PDF of a {words:,}-word policy: {first:.2f} s the first in a process (WeasyPrint "
        f"loaded), {second:.2f} s the next; {size / 1024:.0f} KiB"
    )
    if args.smoke:
        print("(smoke run: a few pages; the goals are for full size)")


def print_site(
    policies: int, runs: int, results: dict[int, dict[str, float]], small: int, large: int
) -> None:
    print(
        f"{policies} policies; seconds per `mkdocs build` (plain, warm, +1 ver: best of "
        f"{runs}); beside each plugin build its ratio to the plain build run next to it "
        "(median)"
    )
    print("plain: the same pages, plain mkdocs-material; cold: plugin, empty redline cache;")
    print("warm: plugin, cache filled; +1 ver: plugin after one new version of every policy")
    header = ("versions", "pages", "plain", "cold", "/plain", "warm", "/plain", "+1 ver", "/plain")
    print("{:>8} {:>6} {:>7} {:>7} {:>6} {:>7} {:>6} {:>7} {:>6}".format(*header))
    for n, r in results.items():
        cells = " ".join(
            f"{r[k]:>7.2f} {r[k + '_ratio']:>5.2f}×" for k in ("cold", "warm", "after_one")
        )
        print(f"{n:>8} {int(r['pages']):>6} {r['plain']:>7.2f} {cells}")
    ratio = results[large]["warm"] / results[small]["warm"]
    print(f"plugin, warm cache: {large} versions / {small} versions = {ratio:.2f}× (goal ≤ 2.2×)")
    for key, what, goal in (("warm", "warm cache", 1.15), ("after_one", "one new version", 1.3)):
        for n, r in results.items():
            print(
                f"plugin, {what} / plain mkdocs-material at {n} versions = "
                f"{r[key + '_ratio']:.2f}× (goal ≤ {goal}×); CPU time {r[key + '_cpu_ratio']:.2f}×"
            )


if __name__ == "__main__":
    main()
