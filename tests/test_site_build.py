"""Real `mkdocs build`s: the repository's own site and a generated 3 policies × 6 versions site."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import logging
import posixpath
import re
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from mkdocs.exceptions import Abort

from policysite.check import check_site as check_pr
from policysite.cli import main
from policysite.config import load_settings
from policysite.errors import PolicySiteError
from policysite.sections import split_sections
from policysite.site.linkcheck import check_site
from policysite.versions import load_policies
from tests.conftest import GitRepo, policy_text
from tests.site_support import (
    TODAY,
    Served,
    build_site,
    environment,
    make_synthetic_repo,
    synthetic_site,
    videxio_site,
)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return synthetic_site(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="session")
def videxio(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return videxio_site(tmp_path_factory.mktemp("videxio"))


def article(path: Path) -> str:
    """The page's content (Material's <article>), without the theme around it."""
    text = path.read_text(encoding="utf-8")
    return text[text.index('<article class="md-content__inner') : text.index("</article>")]


def text_of(html: str) -> str:
    # \s takes the no-break spaces inside dates too (test_site checks those).
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", html))).strip()


def test_videxio_site_has_the_current_text_the_archive_the_change_page_and_feed(
    videxio: Served,
) -> None:
    site_dir = videxio.site_dir
    current = article(site_dir / "privacy/index.html")
    assert "Version 1.1 · effective November 29, 2026 · What changed · All versions" in (
        text_of(current)
    )
    archived = text_of(article(site_dir / "privacy/versions/1.0/index.html"))
    assert (
        "Archived version This version applied from May 25, 2018 to November 28, 2026; "
        "the current version is 1.1."
    ) in archived
    change = text_of(article(site_dir / "privacy/changes/1.1/index.html"))
    assert "From version 1.0 (effective May 25, 2018) to version 1.1" in change
    assert "Editorial corrections; what the policy says is unchanged." in change
    feed = (site_dir / "feed.xml").read_text(encoding="utf-8")
    links = re.findall(r"<link rel=\"alternate\" type=\"text/html\" href=\"([^\"]+)\"", feed)
    assert links == [
        f"{videxio.url}changes/",
        f"{videxio.url}privacy/changes/1.1/",
        f"{videxio.url}privacy/changes/1.0/",
    ]
    home = text_of(article(site_dir / "index.html"))
    assert "Privacy Policy 1.1 November 29, 2026 1.1, editorial" in home


def test_videxio_versions_json_is_the_cli_output(videxio: Served) -> None:
    result = CliRunner().invoke(
        main, ["-C", str(videxio.root), "versions", "--format", "json", "--as-of", "2026-12-01"]
    )
    cli = json.loads(result.output)
    for record in cli:  # the site was built for the local server's site_url
        record["url"] = record["url"].replace("https://policies.videxio.com/", videxio.url)
    assert json.loads((videxio.site_dir / "versions.json").read_text(encoding="utf-8")) == cli


def test_written_pages_and_files(synthetic: Served) -> None:
    pages = sorted(
        p.relative_to(synthetic.site_dir).as_posix()
        for p in synthetic.site_dir.rglob("index.html")
        if "assets" not in p.parts
    )
    expected = ["changes/index.html", "index.html"]
    for policy, labels in (
        ("legal/cookies", [str(n) for n in range(1, 7)]),
        ("privacy", [f"{n}.0" for n in range(1, 7)]),
        ("terms", [str(n) for n in range(1, 7)]),
    ):
        expected.append(f"{policy}/index.html")
        expected.append(f"{policy}/versions/index.html")
        expected += [f"{policy}/versions/{label}/index.html" for label in labels]
        expected += [f"{policy}/changes/{label}/index.html" for label in labels]
    assert pages == sorted(expected)
    pdfs = sorted(
        p.relative_to(synthetic.site_dir).as_posix() for p in synthetic.site_dir.rglob("*.pdf")
    )
    assert pdfs == sorted(
        f"{policy}/versions/{label}/{name}-{label}.pdf"
        for policy, name, labels in (
            ("legal/cookies", "cookies", [str(n) for n in range(1, 7)]),
            ("privacy", "privacy", [f"{n}.0" for n in range(1, 7)]),
            ("terms", "terms", [str(n) for n in range(1, 7)]),
        )
        for label in labels
    )
    for name in ("feed.xml", "versions.json", "sitemap.xml", "assets/policysite.js"):
        assert (synthetic.site_dir / name).is_file()


def test_nav_has_one_entry_per_policy(synthetic: Served) -> None:
    html = (synthetic.site_dir / "privacy/versions/2.0/index.html").read_text(encoding="utf-8")
    nav = html[html.index("md-nav--primary") : html.index("md-nav--secondary")]
    links = re.findall(r'<a href="([^"]+)" class="md-nav__link', nav)
    targets = sorted(posixpath.normpath(posixpath.join("privacy/versions/2.0", u)) for u in links)
    assert targets == [".", "legal/cookies", "privacy", "terms"]


def test_search_covers_current_texts_only(synthetic: Served) -> None:
    index = json.loads((synthetic.site_dir / "search/search_index.json").read_text())
    pages = sorted({doc["location"].split("#")[0] for doc in index["docs"]})
    assert pages == ["legal/cookies/", "privacy/", "terms/"]


def test_archives_are_noindex_and_current_pages_are_not(synthetic: Served) -> None:
    noindex = '<meta name="robots" content="noindex">'
    site_dir = synthetic.site_dir
    assert noindex in (site_dir / "privacy/versions/1.0/index.html").read_text()
    assert noindex in (site_dir / "privacy/versions/5.0/index.html").read_text()
    assert noindex not in (site_dir / "privacy/index.html").read_text()
    assert noindex not in (site_dir / "privacy/changes/2.0/index.html").read_text()


def test_heading_ids_are_exactly_the_policy_anchors(synthetic: Served) -> None:
    settings = load_settings(synthetic.root)
    for policy in load_policies(settings, as_of=dt.date.fromisoformat(TODAY)):
        for version in policy.versions:
            html = article(synthetic.site_dir / f"{policy.id}/versions/{version.label}/index.html")
            ids = re.findall(r'<h[2-6] id="([^"]+)"', html)
            anchors = [s.anchor for s in split_sections(version.body) if s.anchor]
            assert ids == anchors, (policy.id, version.label)
            assert all(f'href="#{a}" title="Permanent link"' in html for a in anchors)


def test_upcoming_version_banner_and_links(synthetic: Served) -> None:
    current = text_of(article(synthetic.site_dir / "privacy/index.html"))
    assert "Version 5.0 · effective January 1, 2024" in current
    assert "Version 6.0 takes effect on January 1, 2031 Read version 6.0 · What changes" in current
    html = article(synthetic.site_dir / "privacy/index.html")
    assert 'href="versions/6.0/"' in html and 'href="changes/6.0/"' in html


def test_a_build_after_the_effective_date_switches_over(synthetic: Served, tmp_path: Path) -> None:
    site_dir = build_site(synthetic.root, tmp_path / "later", synthetic.url, "2031-01-02")
    current = text_of(article(site_dir / "privacy/index.html"))
    assert "Version 6.0 · effective January 1, 2031" in current
    assert "takes effect" not in current
    archived = text_of(article(site_dir / "privacy/versions/5.0/index.html"))
    assert (
        "applied from January 1, 2024 to December 31, 2030; the current version is 6.0" in archived
    )


def test_raw_html_never_reaches_a_page(synthetic: Served) -> None:
    pages = ("legal/cookies/versions/2/", "legal/cookies/changes/2/", "legal/cookies/changes/3/")
    for page in pages:
        tree = lxml.html.fromstring(article(synthetic.site_dir / page / "index.html"))
        assert [e.get("type") for e in tree.iter("script")] in ([], ["application/json"])
        assert [a for e in tree.iter() for a in e.attrib if a.startswith("on")] == []
        assert [e.get("src") for e in tree.iter("img", "iframe") if e.get("src")] == []
    kept = article(synthetic.site_dir / "legal/cookies/versions/2/index.html")
    assert "<p>Raw paragraph.</p>" in kept and '<img alt="pixel">' in kept


def test_a_missing_note_is_said_on_the_page(synthetic: Served) -> None:
    change = text_of(article(synthetic.site_dir / "privacy/changes/4.0/index.html"))
    assert "No summary was published for this version." in change
    assert "changelog/" not in change


def test_built_html_references_nothing_outside_the_site(synthetic: Served, videxio: Served) -> None:
    for served in (synthetic, videxio):
        assert check_site(served.site_dir, served.url) == []
        for page in served.site_dir.rglob("*.html"):
            html = page.read_text(encoding="utf-8")
            assert "fonts.googleapis" not in html and "cdn" not in html.lower(), page


def test_two_builds_of_one_commit_are_identical(tmp_path: Path) -> None:
    repo = make_synthetic_repo(tmp_path / "repo")
    with environment(SOURCE_DATE_EPOCH="1700000000"):
        first = build_site(repo.path, tmp_path / "a", "https://example.com/", TODAY)
        second = build_site(repo.path, tmp_path / "b", "https://example.com/", TODAY)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    different = [f for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert different == []


def test_strict_build_fails_on_a_broken_internal_link(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = """
    ## Data {#data}

    See <a href="../nowhere/">the other page</a> and <a href="#no-such-anchor">this</a>.
    """
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", body))
    with caplog.at_level(logging.WARNING), pytest.raises(Abort, match="in strict mode"):
        build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert (
        "broken link in the built site: privacy.md (built as privacy/index.html): link "
        "'../nowhere/': no such page or file in the built site"
    ) in warnings
    assert (
        "broken link in the built site: privacy.md (built as privacy/index.html): link "
        "'#no-such-anchor': no element with id 'no-such-anchor' on that page"
    ) in warnings


def test_an_uncommitted_policy_file_fails_a_strict_build(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", "## A {#a}\n\nText.\n"))
    git_repo.write("policies/draft.md", "## Draft\n")
    with caplog.at_level(logging.WARNING), pytest.raises(Abort, match="in strict mode"):
        build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)
    assert (
        "policies/draft.md is not in git history, so it has no version and is not published; "
        "commit it to publish it."
    ) in [r.getMessage() for r in caplog.records]
    assert not (tmp_path / "out" / "draft").exists()  # nothing of it written before the stop


def test_an_uncommitted_draft_is_not_published_nor_searchable(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.write(
        "mkdocs.yml",
        "site_name: T\nsite_url: https://example.com/\ndocs_dir: policies\n"
        "plugins:\n  - search\n  - policysite\n",
    )
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", "## A {#a}\n\nText.\n"))
    git_repo.write("policies/draft-terms.md", "## Secret draft {#d}\n\nNot yet.\n")
    site = build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY, strict=False)

    assert not (site / "draft-terms").exists()
    assert "Secret draft" not in (site / "search" / "search_index.json").read_text()


def test_links_inside_a_redline_resolve_in_a_strict_build(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    git_repo.write(
        "mkdocs.yml",
        """
        site_name: Test policies
        site_url: https://example.com/
        docs_dir: policies
        theme:
          name: material
          font: false
        plugins:
          - policysite
        """,
    )
    cookies = policy_text("1", "2020-01-01", "## Consent {#consent}\n\nAsk first.\n")
    old = """
    ## Data {#data}

    We keep it: see [retention](#retention), [consent](cookies.md#consent) and [gone](#gone).

    ## Retention {#retention}

    Five years.

    ## Gone {#gone}

    Removed in 1.1.
    """
    git_repo.commit(
        policies__privacy_md=policy_text("1.0", "2020-01-01", old),
        policies__cookies_md=cookies,
    )
    new = old.replace("We keep it:", "We keep it;").replace(" and [gone](#gone)", "")
    new = new[: new.index("    ## Gone")]
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", new))
    with caplog.at_level(logging.WARNING):
        site_dir = build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    redline = article(site_dir / "privacy/changes/1.1/index.html")
    hrefs = re.findall(r'<a href="([^"]+)">(?:<[^>]+>)*(?:retention|consent|gone)', redline)
    # The new text's links go to the policy page (1.1 is current), the deleted link to 1.0.
    assert hrefs == ["../../#retention", "../../../cookies/#consent", "../../versions/1.0/#gone"]


def test_a_retired_policy_has_a_banner_leaves_the_home_list_and_keeps_its_archive(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    git_repo.write(
        "mkdocs.yml",
        """
        site_name: Test policies
        site_url: https://example.com/
        docs_dir: policies
        theme:
          name: material
          font: false
        plugins:
          - policysite
        """,
    )
    body = "## Data {#data}\n\nWe keep your name.\n"
    git_repo.commit(
        policies__privacy_md=policy_text("1.0", "2020-01-01", body),
        policies__terms_md=policy_text("1", "2020-01-01", "## Use {#use}\n\nBe kind.\n", "Terms"),
    )
    retired = policy_text("2.0", "2021-01-01", body + "\nWe stop this service.\n")
    git_repo.commit(policies__privacy_md=retired.replace("---\n##", "retired: 2022-01-01\n---\n##"))
    git_repo.git("rm", "-q", "policies/privacy.md")
    git_repo.commit("privacy was retired: its file goes, its archive stays")
    with caplog.at_level(logging.WARNING):
        site_dir = build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    page = text_of(article(site_dir / "privacy/index.html"))
    assert (
        "Version 2.0 · effective January 1, 2021 · What changed · All versions "
        "Retired policy This policy was retired on January 1, 2022; it no longer applies."
    ) in page
    archived = text_of(article(site_dir / "privacy/versions/1.0/index.html"))
    assert (
        "This version applied from January 1, 2020 to December 31, 2020; the policy was retired "
        "on January 1, 2022 (last version 2.0)."
    ) in archived
    home = text_of(article(site_dir / "index.html"))
    assert home == (
        "Policies Policy Version In force since Last change Terms 1 January 1, 2020 1, no note "
        "Retired policies¶ These no longer apply; their texts stay. Privacy, retired on "
        "January 1, 2022 · all versions Every change to every policy · Atom feed · versions.json"
    )
    assert "Version 2.0 (retired)" in text_of(article(site_dir / "privacy/versions/index.html"))
    records = json.loads((site_dir / "versions.json").read_text(encoding="utf-8"))
    assert [(r["policy"], r["version"], r["status"]) for r in records] == [
        ("privacy", "1.0", "archived"),
        ("privacy", "2.0", "retired"),
        ("terms", "1", "current"),
    ]


def test_a_repeated_anchor_is_named_on_the_same_line_by_the_build_and_the_check(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    body = "## A {#a}\n\nText.\n\n## B {#a}\n\nMore.\n"
    text = policy_text("1.0", "2020-01-01", body).replace(
        "---\n## A", "anchor_aliases:\n  old: a\n---\n## A"
    )
    git_repo.commit(policies__privacy_md=text)
    line = text.splitlines().index("## B {#a}") + 1

    with pytest.raises(PolicySiteError) as built:
        build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)
    checked = check_pr(load_settings(git_repo.path)).findings

    assert f"line {line}: anchor '#a' is used again" in built.value.message
    assert [(f.line, f.rule) for f in checked if f.rule == "anchor-duplicate"] == [
        (line, "anchor-duplicate")
    ]
