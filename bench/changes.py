"""Benchmark: ``/changes/`` at 1,000 versions (10 policies × 100), beside the same at 100.

The page is made by ``site.pages.changes_page`` from a real repository (bench/site.py's
generator: one commit per version step), written with our stylesheet and script into a small
MkDocs + Material site, built, served on 127.0.0.1 and opened in Debian's Chromium. Measured:
making the page's Markdown, the page load, the height of the page, and the filter (by policy,
by kind, cleared), each with the layout it causes. Goal: a filter change under 100 ms at 1,000
rows. Ratios: 1,000 rows ÷ 100 rows (each figure), and a filter change ÷ the page load.

Run: .venv/bin/python bench/changes.py [--policies 10] [--versions 100 10] [--runs 5]
     .venv/bin/python bench/changes.py --smoke    (2 policies × 5 and 2 versions, 1 run)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from policysite import site
from policysite.config import load_settings
from policysite.site import pages
from policysite.site.text import format_date
from policysite.versions import load_policies

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
_spec = importlib.util.spec_from_file_location("bench_site", HERE / "site.py")
assert _spec is not None and _spec.loader is not None
bench_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_site)

MKDOCS_YML = """\
site_name: Bench changes
docs_dir: docs
theme:
  name: material
  font: false
markdown_extensions:
  - attr_list
  - tables
  - toc:
      permalink: true
extra_css: [assets/policysite.css]
extra_javascript: [assets/policysite.js]
"""

FILTER = """([id, value]) => {
  const select = document.getElementById(id);
  const start = performance.now();
  select.value = value;
  select.dispatchEvent(new Event("change"));
  document.body.offsetHeight;  // the layout the change causes
  return performance.now() - start;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_page_site(repo: Path, out: Path) -> tuple[float, int]:
    """/changes/ of ``repo`` as a small Material site in ``out``; seconds to make its Markdown
    (the policies read from git first), and its rows."""
    settings = load_settings(repo)
    policies = load_policies(settings)
    options = site.SiteOptions(site_url="")
    contexts = [pages.PolicyContext(p, p.shown or p.versions[0], options) for p in policies]
    pages.changes_page(contexts, options)  # Babel loads its locale data once per process
    times = []
    for _ in range(5):
        format_date.cache_clear()
        start = time.perf_counter()
        page = pages.changes_page(contexts, options)
        times.append(time.perf_counter() - start)
    made = statistics.median(times)
    docs = out / "docs"
    (docs / "changes").mkdir(parents=True)
    (docs / "index.md").write_text("# Bench\n", encoding="utf-8")
    (docs / "changes" / "index.md").write_text(page.source(), encoding="utf-8")
    for item in site.assets():
        (docs / item.path).parent.mkdir(parents=True, exist_ok=True)
        (docs / item.path).write_text(item.text, encoding="utf-8")
    (out / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    subprocess.run(
        [str(BIN / "mkdocs"), "build", "-q", "-d", str(out / "site")],
        cwd=out,
        check=True,
        capture_output=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    return made, sum(len(p.versions) for p in policies)


def serve(folder: Path) -> str:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/changes/"


def measure_page(page: Page, url: str, runs: int) -> dict[str, float]:
    loads, heights, filters = [], [], {"policy": [], "kind": [], "clear": []}
    for _ in range(runs):
        page.goto(url)
        page.wait_for_selector("#policysite-filter-policy")
        loads.append(
            page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return n.loadEventEnd - n.startTime; }"
            )
        )
        heights.append(page.evaluate("document.documentElement.scrollHeight"))
        first = page.locator("#policysite-filter-policy option").nth(1).get_attribute("value")
        filters["policy"].append(page.evaluate(FILTER, ["policysite-filter-policy", first]))
        filters["kind"].append(page.evaluate(FILTER, ["policysite-filter-kind", "material"]))
        filtered_height = page.evaluate("document.documentElement.scrollHeight")
        page.evaluate(FILTER, ["policysite-filter-kind", ""])
        filters["clear"].append(page.evaluate(FILTER, ["policysite-filter-policy", ""]))
    return {
        "load": statistics.median(loads),
        "height": statistics.median(heights),
        "filtered_height": filtered_height,
        **{k: statistics.median(v) for k, v in filters.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--versions", type=int, nargs=2, default=(100, 10))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: does it still run?")
    args = parser.parse_args()
    if args.smoke:
        args.policies, args.versions, args.runs = 2, (5, 2), 1
    results: dict[int, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="policysite-bench-changes-") as tmp,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        for versions in args.versions:
            repo = Path(tmp) / f"repo-{versions}"
            bench_site.make_repo(repo, args.policies, versions)
            made, rows = make_page_site(repo, Path(tmp) / f"page-{versions}")
            url = serve(Path(tmp) / f"page-{versions}" / "site")
            results[rows] = {"made": made * 1000, **measure_page(page, url, args.runs)}
        browser.close()
    print(
        f"/changes/ in Chromium at 1280 px, median of {args.runs} runs; times in ms "
        "(a filter change includes the layout it causes)"
    )
    header = ("rows", "markdown", "load", "height px", "policy", "kind", "clear", "filtered px")
    print("{:>6} {:>9} {:>8} {:>10} {:>7} {:>7} {:>7} {:>12}".format(*header))
    for rows, r in sorted(results.items()):
        filters = f"{r['policy']:>7.1f} {r['kind']:>7.1f} {r['clear']:>7.1f}"
        print(
            f"{rows:>6} {r['made']:>9.1f} {r['load']:>8.1f} {r['height']:>10.0f} "
            f"{filters} {r['filtered_height']:>12.0f}"
        )
    large, small = max(results), min(results)
    big, little = results[large], results[small]
    for key, what in (("made", "Markdown"), ("load", "page load"), ("policy", "filter by policy")):
        ratio = big[key] / max(little[key], 0.01)
        print(f"{what}: {large} rows / {small} rows = {ratio:.2f}×")
    worst = max(big["policy"], big["kind"], big["clear"])
    print(
        f"slowest filter change at {large} rows: {worst:.1f} ms (goal < 100 ms) = "
        f"{worst / big['load']:.2f}× the page load"
    )
    if args.smoke:
        print("(smoke run: a few rows; the goal is for 1,000)")


if __name__ == "__main__":
    main()
