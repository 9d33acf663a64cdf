"""The site in a real browser: Debian's Chromium driven by Playwright, served on 127.0.0.1.

Every test routes all requests: those to 127.0.0.1 go through, any other is aborted and
recorded, and the test asserts there was none (a privacy policy site must not leak visitors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.site_support import Served, synthetic_site, videxio_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, never a downloaded one (`playwright install` needs the internet)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A short window, so "the section is in view" means the page scrolled to it.
    return {**browser_context_args, "viewport": {"width": 1100, "height": 600}}


@pytest.fixture(scope="session")
def videxio(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return videxio_site(tmp_path_factory.mktemp("videxio"))


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return synthetic_site(tmp_path_factory.mktemp("synthetic"))


@dataclass
class Visitor:
    page: Page
    shots: Path
    outside: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{name}.png", full_page=True)


@pytest.fixture
def visitor(page: Page, tmp_path: Path) -> Iterator[Visitor]:
    guest = Visitor(page, tmp_path)

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            guest.outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", route)
    yield guest


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and 0 <= box["y"] < height


def test_reader_follows_what_changed_into_a_section(visitor: Visitor, videxio: Served) -> None:
    page, url = visitor.page, videxio.url
    page.goto(url + "privacy/")
    expect(page.locator(".policysite-header")).to_have_text(
        "Version 1.1 · effective November 29, 2026 · What changed · All versions"
    )
    visitor.shot("current")
    page.locator(".policysite-header").get_by_role("link", name="What changed").click()
    expect(page).to_have_url(url + "privacy/changes/1.1/")
    expect(page.locator("h1")).to_have_text("Privacy Policy 1.1: what changed")
    visitor.shot("change")
    # a changed section's link jumps to its redline on the same page, status under its heading
    page.locator("article li a", has_text="5. Cookies and similar technologies").click()
    expect(page).to_have_url(url + "privacy/changes/1.1/#change-cookies")
    section = page.locator("#change-cookies")
    expect(section).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 1000
    assert section.locator(":scope > *").evaluate_all(
        "ns => ns.slice(0, 2).map(n => n.tagName)"
    ) == [
        "H2",
        "P",
    ]
    expect(section.locator(":scope > .ps-status")).to_have_text(
        "Modified: 3 words added, 2 removed."
    )
    visitor.shot("section")
    assert visitor.outside == []


def test_archived_version_shows_its_banner(visitor: Visitor, videxio: Served) -> None:
    page, url = visitor.page, videxio.url
    page.goto(url + "privacy/versions/")
    page.locator("#version-1\\.0 + p").get_by_role("link", name="Read").click()
    expect(page).to_have_url(url + "privacy/versions/1.0/")
    expect(page.locator(".policysite-banner")).to_have_text(
        "Archived version This version applied from May 25, 2018 to November 28, 2026; "
        "the current version is 1.1.",
        use_inner_text=True,
    )
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    visitor.shot("archived")
    page.locator(".policysite-banner").get_by_role("link", name="1.1").click()
    expect(page).to_have_url(url + "privacy/")
    assert visitor.outside == []


def test_policy_in_force_on_a_date(visitor: Visitor, videxio: Served) -> None:
    page, url = visitor.page, videxio.url
    for day, expected in (("2019-06-01", "privacy/versions/1.0/"), ("2027-01-01", "privacy/")):
        page.goto(url + "privacy/versions/")
        page.fill("#policysite-date", day)
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(url + expected)
    page.goto(url + "privacy/versions/")
    page.fill("#policysite-date", "2017-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".policysite-message")).to_have_text(
        "No version of this policy was in force on January 1, 2017; the first took effect on "
        "May 25, 2018."
    )
    visitor.shot("in-force")
    assert visitor.outside == []


def test_old_anchor_lands_on_the_renamed_section(visitor: Visitor, synthetic: Served) -> None:
    page, url = visitor.page, synthetic.url
    # renamed in 3.0 with `anchor_aliases`, and in 4.0 only by the diff (same title, new id)
    for old, new in (("cookie-policy", "cookies"), ("retention", "storage")):
        page.goto(f"{url}privacy/#{old}")
        expect(page).to_have_url(f"{url}privacy/#{new}")
        expect(page.locator(f"#{new}")).to_be_in_viewport()
        assert in_view(page, f"#{new}")
    visitor.shot("alias")
    assert visitor.outside == []


def test_compare_any_two_versions(visitor: Visitor, synthetic: Served) -> None:
    page, url = visitor.page, synthetic.url
    page.goto(url + "privacy/versions/")
    page.select_option("#policysite-from", label="1.0 (January\u00a01,\u00a02020)")
    page.select_option("#policysite-to", label="3.0 (January\u00a01,\u00a02022)")
    page.get_by_role("button", name="Compare").click()
    summary = page.locator(".policysite-compare-summary")
    expect(summary).to_have_text(
        "From version 1.0 to version 3.0: 3 passages changed, 11 words added, 6 words removed."
    )
    added = " ".join(page.locator(".policysite-compare-result ins").all_inner_texts())
    removed = " ".join(page.locator(".policysite-compare-result del").all_inner_texts())
    # the data paragraph, the cookies heading (renamed) and the cookies paragraph changed
    assert "phone number." in added and "Cookies" in added and "count visits." in added
    assert "address." in removed and "Cookie policy" in removed and "settings." in removed
    assert "five years" not in added + removed  # unchanged between 1.0 and 3.0
    links = page.locator(".policysite-compare-link").evaluate_all("ls => ls.map(l => l.href)")
    in_3 = f"{url}privacy/versions/3.0/"
    assert links == [f"{in_3}#data", f"{in_3}#cookies", f"{in_3}#cookies"]
    visitor.shot("compare")
    # consecutive versions: the pre-built change page
    page.select_option("#policysite-from", label="2.0 (January\u00a01,\u00a02021)")
    page.select_option("#policysite-to", label="3.0 (January\u00a01,\u00a02022)")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(url + "privacy/changes/3.0/")
    assert visitor.outside == []


def test_change_page_shows_changes_only_and_steps_through_them(
    visitor: Visitor, videxio: Served, browser: Any
) -> None:
    page, url = visitor.page, videxio.url
    page.goto(url + "privacy/changes/1.1/")
    folds = page.locator(".ps-redline details.ps-fold:not(.ps-fold-items)")
    assert folds.count() > 5
    assert folds.evaluate_all("ds => ds.every(d => !d.open)")  # changes only, by default
    first = folds.first
    expect(first.locator("summary")).to_have_text("… 1 unchanged paragraph")
    expect(first.locator("p")).to_be_hidden()
    # unchanged list items of a changed list are hidden until the section's toggle opens
    section = page.locator("#change-data-types")
    same = section.locator("li.ps-same")
    assert same.count() == 6
    expect(same.first).to_be_hidden()
    section.locator("details.ps-fold-items summary").click()
    expect(same.first).to_be_visible()
    # a deleted full stop is a mark you can see
    width = page.locator("del.ps-punct").first.evaluate("d => d.getBoundingClientRect().width")
    assert width >= 10
    # next change by key, and by button; the counter says where you are
    page.locator("h1").click()
    page.keyboard.press("j")
    counter = page.locator(".ps-counter")
    total = page.locator(".ps-current-change").count()
    assert total == 1
    expect(counter).to_have_text(re.compile(r"^Change 1 of \d+$"))
    page.keyboard.press("j")
    expect(counter).to_have_text(re.compile(r"^Change 2 of \d+$"))
    page.get_by_role("button", name="Previous change").click()
    expect(counter).to_have_text(re.compile(r"^Change 1 of \d+$"))
    expect(page.locator(".ps-current-change")).to_be_in_viewport()
    page.get_by_role("button", name="Show the unchanged text too").click()
    assert folds.evaluate_all("ds => ds.every(d => d.open)")
    visitor.shot("change-tools")
    assert visitor.outside == []
    # without JavaScript the folds still open
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(url + "privacy/changes/1.1/")
    fold = plain.locator(".ps-redline details.ps-fold:not(.ps-fold-items)").first
    expect(fold.locator("p")).to_be_hidden()
    fold.locator("summary").click()
    expect(fold.locator("p")).to_be_visible()
    context.close()


def test_a_comparison_is_in_the_address_and_back_works(visitor: Visitor, synthetic: Served) -> None:
    page, url = visitor.page, synthetic.url
    page.goto(url + "privacy/versions/?from=1.0&to=3.0")
    summary = page.locator(".policysite-compare-summary")
    expect(summary).to_have_text(
        "From version 1.0 to version 3.0: 3 passages changed, 11 words added, 6 words removed."
    )
    # only the counts are announced; the diff itself is outside the live region
    assert summary.get_attribute("aria-live") == "polite"
    assert page.locator("[aria-live] .policysite-compare-blocks").count() == 0
    labels = page.locator("#policysite-from option").all_inner_texts()
    assert [label.split(" ")[0] for label in labels] == ["6.0", "5.0", "4.0", "3.0", "2.0", "1.0"]
    sr = page.locator(".policysite-compare-result del .ps-sr").first
    expect(sr).to_have_text("deleted: ")
    expect(page.locator(".policysite-compare-result ins .ps-sr").first).to_have_text("inserted: ")
    # a second comparison is a new entry in the history
    page.select_option("#policysite-from", "2.0")
    page.select_option("#policysite-to", "5.0")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(url + "privacy/versions/?from=2.0&to=5.0#compare")
    expect(summary).to_contain_text("From version 2.0 to version 5.0:")
    page.go_back()
    expect(page).to_have_url(url + "privacy/versions/?from=1.0&to=3.0")
    expect(summary).to_contain_text("From version 1.0 to version 3.0:")
    assert page.locator("#policysite-from").input_value() == "1.0"
    page.goto(url + "privacy/versions/?from=1.0&to=9.9")
    expect(summary).to_have_text(
        "Version 9.9 is not a version of this policy; choose two from the lists."
    )
    assert visitor.outside == []


def test_a_missing_version_lists_the_versions_there_are(
    visitor: Visitor, synthetic: Served
) -> None:
    page, url = visitor.page, synthetic.url
    response = page.goto(url + "legal/cookies/versions/9/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator(".policysite-missing p")).to_have_text(
        "There is no version 9 of this policy. These are its versions, newest first:"
    )
    items = page.locator(".policysite-missing li")
    assert items.count() == 6
    expect(items.first).to_have_text(re.compile(r"^Version 6, effective June\u00a01,\u00a02025"))
    items.nth(1).get_by_role("link").click()
    expect(page).to_have_url(url + "legal/cookies/versions/5/")
    page.goto(url + "no/such/page/")
    assert page.locator(".policysite-missing li").count() == 0
    page.get_by_role("link", name="All policies").click()
    expect(page).to_have_url(url)
    page.goto(url + "no/such/page/")
    page.get_by_role("button", name="Search the policies").click()
    expect(page.locator(".md-search__input")).to_be_focused()
    assert visitor.outside == []


@pytest.mark.parametrize("path", ["", "changes/", "privacy/versions/", "privacy/changes/1.1/"])
def test_nothing_is_wider_than_a_phone(page: Page, videxio: Served, path: str) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(videxio.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for table in page.locator("article table").all():
        box = table.evaluate("t => t.closest('.md-typeset__scrollwrap') ? 'own box' : 'page'")
        assert box == "own box"
    header = page.locator(".policysite-header")
    if header.count():
        size = header.evaluate("h => parseFloat(getComputedStyle(h).fontSize)")
        assert size >= 16


def test_all_changes_grouped_by_year_and_filtered(visitor: Visitor, synthetic: Served) -> None:
    page, url = visitor.page, synthetic.url
    page.goto(url + "changes/")
    years = page.locator("article h2").all_inner_texts()
    assert [y.rstrip("¶").strip() for y in years] == [
        "2031",
        *(str(y) for y in range(2025, 2019, -1)),
    ]
    rows = page.locator("article tbody tr")
    assert rows.count() == 18
    page.select_option("#policysite-filter-policy", "Terms of Service")
    expect(page.locator(".policysite-filter-status")).to_have_text("Showing 6 of 18 versions.")
    assert page.locator("article tbody tr:visible").count() == 6
    page.select_option("#policysite-filter-kind", "material")
    expect(page).to_have_url(url + "changes/?policy=Terms+of+Service&kind=material")
    # 2031 has only a privacy version: its year is hidden with its table
    expect(page.locator("article h2", has_text="2031")).to_be_hidden()
    page.reload()
    expect(page.locator(".policysite-filter-status")).to_have_text("Showing 6 of 18 versions.")
    page.select_option("#policysite-filter-policy", "")
    page.select_option("#policysite-filter-kind", "editorial")
    shown = page.locator("article tbody tr:visible td:nth-child(4)").all_inner_texts()
    assert shown and set(shown) == {"editorial"}
    visitor.shot("changes-filtered")
    assert visitor.outside == []
