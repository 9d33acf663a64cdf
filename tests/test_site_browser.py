"""The site in a real browser: Debian's Chromium driven by Playwright, served on 127.0.0.1.

Every test routes all requests: those to 127.0.0.1 go through, any other is aborted and
recorded, and the test asserts there was none (a privacy policy site must not leak visitors).
"""

from __future__ import annotations

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
    page.locator("article li a", has_text="5. Cookies and similar technologies").click()
    expect(page).to_have_url(url + "privacy/#cookies")
    expect(page.locator("#cookies")).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 1000
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
