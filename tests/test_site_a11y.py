"""Every page type of the built site, as visitors get it: axe-core finds no WCAG 2.2 AA violation,
in light and dark, at 1280 and 390 px; and no request leaves the origin or fails.

axe-core is the npm package pinned in tests/a11y/package-lock.json (`make test` installs it with
`npm ci`), injected by Playwright into Debian's Chromium. The site is this repository's own,
built for its real address (https://policies.videxio.com/) and served on 127.0.0.1 as a preview
host would, so a request to the real address is a request to another origin; the comparison
runs on the generated 6-version site (the Videxio policy has two versions, whose comparison is
the change page).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import REPO_ROOT
from tests.site_support import Served, preview_site
from tests.test_site_browser import browser_type_launch_args, synthetic  # noqa: F401 (fixtures)

AXE = REPO_ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Rules turned off, and why (none: every page type passes every rule of the tags above).
DISABLED_RULES: dict[str, str] = {}

# (name, site, path): "preview" is the Videxio site, "synthetic" the generated one.
PAGE_TYPES = [
    ("home", "preview", ""),
    ("policy", "preview", "privacy/"),
    ("versions", "preview", "privacy/versions/"),
    ("version", "preview", "privacy/versions/1.0/"),
    ("change", "preview", "privacy/changes/1.1/"),
    ("changes", "preview", "changes/"),
    ("404", "preview", "privacy/versions/9.9/"),
    ("compare", "synthetic", "privacy/versions/?from=1.0&to=3.0"),
    ("nb-policy", "preview", "nb/privacy/"),
    ("nb-change", "preview", "nb/privacy/changes/1.1/"),
    ("nb-home", "preview", "nb/"),
    ("nb-versions", "preview", "nb/privacy/versions/"),
    ("nb-changes", "preview", "nb/changes/"),
    ("nb-404", "preview", "nb/privacy/versions/9.9/"),
]
VIEWS = [
    pytest.param("light", 1280, id="light-1280"),
    pytest.param("dark", 1280, id="dark-1280"),
    pytest.param("light", 390, id="light-390"),
    pytest.param("dark", 390, id="dark-390"),
]


@pytest.fixture(scope="session")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return preview_site(tmp_path_factory.mktemp("preview"))


@pytest.fixture
def sites(preview: Served, synthetic: Served) -> dict[str, Served]:  # noqa: F811
    return {"preview": preview, "synthetic": synthetic}


@pytest.fixture
def make_context(browser: Browser) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def make(scheme: str, width: int) -> BrowserContext:
        context = browser.new_context(
            color_scheme="dark" if scheme == "dark" else "light",
            viewport={"width": width, "height": 800},
            is_mobile=width < 600,
            has_touch=width < 600,
        )
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def visit(page: Page, site: Served, path: str) -> None:
    page.goto(site.url + path, wait_until="networkidle")
    if "?from=" in path:
        expect(page.locator(".policysite-compare-summary")).to_contain_text("words removed")


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, one line per element."""
    assert AXE.is_file(), f"{AXE} is missing: run `make test` (it runs npm ci in tests/a11y)"
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async ([tags, disabled]) => {
          const rules = Object.fromEntries(disabled.map((id) => [id, { enabled: false }]));
          const result = await axe.run(document, {
            runOnly: { type: "tag", values: tags }, rules, resultTypes: ["violations"] });
          const line = (v, n) => `${v.id} (${v.impact}) ${n.target.join(" ")}: ` +
            n.failureSummary.replace(/\\s+/g, " ");
          return result.violations.flatMap((v) => v.nodes.map((n) => line(v, n)));
        }""",
        [WCAG_22_AA, list(DISABLED_RULES)],
    )
    return list(found)


@pytest.mark.parametrize(("scheme", "width"), VIEWS)
def test_no_wcag_22_aa_violation_on_any_page_type(
    make_context: Any, sites: dict[str, Served], scheme: str, width: int
) -> None:
    page = make_context(scheme, width).new_page()
    found: list[str] = []
    for name, site, path in PAGE_TYPES:
        visit(page, sites[site], path)
        expected = "slate" if scheme == "dark" else "default"
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected
        found.extend(f"{name}: {line}" for line in violations(page))
    assert not found, "\n".join(found)


def test_no_request_leaves_the_origin_and_none_fails(
    make_context: Any, sites: dict[str, Served]
) -> None:
    for scheme, width in (("light", 1280), ("dark", 390)):
        context = make_context(scheme, width)
        for name, site, path in PAGE_TYPES:
            origin = urlsplit(sites[site].url).netloc
            page = context.new_page()
            requests: list[str] = []
            failed: list[str] = []
            page.on("request", lambda r, into=requests: into.append(r.url))
            page.on("requestfailed", lambda r, into=failed: into.append(f"{r.url}: {r.failure}"))

            def bad_status(response: Any, into: list[str] = failed, page_type: str = name) -> None:
                is_404_page = page_type.endswith("404") and response.request.is_navigation_request()
                if response.status >= 400 and not is_404_page:
                    into.append(f"{response.url}: HTTP {response.status}")

            page.on("response", bad_status)
            visit(page, sites[site], path)
            page.wait_for_load_state("networkidle")
            elsewhere = [u for u in requests if urlsplit(u).netloc != origin]
            assert (name, elsewhere, failed) == (name, [], [])
            assert len(requests) > 3  # the page, its stylesheets and scripts were seen
            page.close()


def test_axe_finds_what_it_should(make_context: Any, tmp_path: Path) -> None:
    """The check can fail: a page with a grey-on-grey link and an unnamed button fails it."""
    page = make_context("light", 1280).new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><p style="color:#777">'
        'Text <a href="#x" style="color:#888;text-decoration:none">link</a></p>'
        "<button></button></main></body></html>"
    )
    rules = {line.split(" ", 1)[0] for line in violations(page)}
    assert {"color-contrast", "button-name"} <= rules
