"""The site's URL layout, spelled out once: whole values for each kind of page and link."""

from __future__ import annotations

import datetime as dt
import posixpath

import pytest

from policysite import urls

SITE = "https://policies.example.com/"


def test_pages_in_the_docs_tree() -> None:
    assert [
        urls.HOME_PAGE,
        urls.policy_page("privacy"),
        urls.versions_page("privacy"),
        urls.version_page("privacy", "1.0"),
        urls.change_page("legal/terms", "2024-05-01"),
        urls.CHANGES_PAGE,
        urls.FEED_FILE,
        urls.VERSIONS_FILE,
    ] == [
        "index.md",
        "privacy.md",
        "privacy/versions/index.md",
        "privacy/versions/1.0.md",
        "legal/terms/changes/2024-05-01.md",
        "changes/index.md",
        "feed.xml",
        "versions.json",
    ]


@pytest.mark.parametrize(
    ("path", "directory", "plain"),
    [
        ("index.md", "", "index.html"),
        ("privacy.md", "privacy/", "privacy.html"),
        ("privacy/versions/index.md", "privacy/versions/", "privacy/versions/index.html"),
        ("privacy/versions/1.0.md", "privacy/versions/1.0/", "privacy/versions/1.0.html"),
        ("changes/index.md", "changes/", "changes/index.html"),
    ],
)
def test_page_url_with_and_without_directory_urls(path: str, directory: str, plain: str) -> None:
    assert urls.page_url(path) == directory
    assert urls.page_url(path, directory_urls=False) == plain


def test_links_between_pages() -> None:
    change = urls.change_page("privacy", "1.1")
    assert urls.page_link(change, urls.version_page("privacy", "1.0"), "data") == (
        "../versions/1.0.md#data"
    )
    assert urls.page_link(urls.HOME_PAGE, urls.policy_page("privacy")) == "privacy.md"
    assert urls.page_link(urls.CHANGES_PAGE, urls.FEED_FILE) == "../feed.xml"
    assert urls.url_between(change, urls.policy_page("privacy")) == "../../"
    assert urls.url_between(change, urls.version_page("privacy", "1.0")) == "../../versions/1.0/"
    assert urls.url_between(change, urls.policy_page("privacy"), directory_urls=False) == (
        "../../privacy.html"
    )
    assert urls.url_folder(change) == "privacy/changes/1.1"
    assert urls.url_folder(change, directory_urls=False) == "privacy/changes"


@pytest.mark.parametrize(
    ("target", "start"),
    [
        ("privacy.md", ""),
        ("privacy.md", "privacy/versions"),
        ("privacy/versions/index.md", "privacy/changes"),
        ("legal/cookies/changes/1.md", "legal/cookies/versions"),
        ("changes/index.md", "legal/terms/versions"),
        ("a/b.md", "a"),
    ],
)
def test_relative_path_is_relpath(target: str, start: str) -> None:
    assert urls.relative_path(target, start) == posixpath.relpath(target, start or ".")


def test_absolute_urls_for_mail_feed_and_versions_json() -> None:
    assert urls.policy_url(SITE, "legal/terms") == "https://policies.example.com/legal/terms/"
    assert urls.version_url(SITE, "privacy", "1.0") == (
        "https://policies.example.com/privacy/versions/1.0/"
    )
    assert urls.change_url(SITE, "privacy", "1.1") == (
        "https://policies.example.com/privacy/changes/1.1/"
    )
    assert urls.change_url("", "privacy", "1.1", directory_urls=False) == (
        "privacy/changes/1.1.html"
    )
    assert urls.changes_url(SITE) == "https://policies.example.com/changes/"
    assert urls.feed_url(SITE) == "https://policies.example.com/feed.xml"
    assert urls.policy_url("/", "privacy") == "/privacy/"


def test_section_urls_quote_the_anchor() -> None:
    assert urls.section_url(SITE, "privacy", "cookies") == (
        "https://policies.example.com/privacy/#cookies"
    )
    assert urls.section_url(SITE, "privacy", "data", version="1.0") == (
        "https://policies.example.com/privacy/versions/1.0/#data"
    )
    assert urls.section_url(SITE, "privacy", "") == "https://policies.example.com/privacy/"
    assert urls.section_url(SITE, "personvern", "informasjonskapsler (ø)") == (
        "https://policies.example.com/personvern/#informasjonskapsler%20%28%C3%B8%29"
    )


def test_feed_links_and_ids() -> None:
    assert urls.feed_href("privacy/versions/1.0/") == "../../../feed.xml"
    assert urls.feed_href("") == "feed.xml"
    # A translation language's feed sits at the top too (Material looks for sitemap.xml beside
    # it), whatever page links it.
    assert urls.feed_href("nb/privacy/", "nb") == "../../feed.nb.xml"
    assert urls.feed_url(SITE, "nb") == "https://policies.example.com/feed.nb.xml"
    assert urls.feed_entry_id(SITE, "privacy", "1.1", dt.date(2018, 5, 25), "nb").endswith(
        ":privacy/1.1/nb"
    )
    assert urls.feed_id(SITE) == "https://policies.example.com/feed.xml"
    assert urls.feed_id("") == "urn:policysite:feed"
    day = dt.date(2018, 5, 25)
    assert urls.feed_entry_id(SITE, "privacy", "1.1", day) == (
        "tag:policies.example.com,2018-05-25:privacy/1.1"
    )
    assert urls.feed_entry_id("", "privacy", "1.1", day) == "urn:policysite:privacy:1.1"


def test_ids_inside_a_redline() -> None:
    assert urls.redline_id("cookies") == "change-cookies"
    assert urls.redline_id("") == "change"
    assert urls.redline_id("cookies", urls.redline_prefix("privacy")) == "change-privacy-cookies"
    assert urls.redline_id("", "") == "preamble"
    assert urls.move_id(3) == "change-move-3"
    assert urls.move_id(3, origin=True) == "change-move-3-from"
    assert urls.redline_prefix() == "change-"
    assert urls.version_anchor("1.0") == "version-1.0"
