"""The site as data: pages, headers and banners, aliases, feed, versions.json, redline cache."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from policysite import site
from policysite.cli import main
from policysite.config import Settings, load_settings
from policysite.errors import ConfigError
from policysite.model import Policy
from policysite.site import text as site_text
from policysite.versions import load_policies, version_record
from tests.conftest import GitRepo, policy_text
from tests.site_support import make_synthetic_repo

BODY_1 = """
## Data we collect {#data}

We collect your name.

## Cookies {#cookies}

We use cookies.
"""

BODY_2 = """
## Data we collect {#data}

We collect your name and address.

## Cookies {#cookies}

We use cookies.

## Your rights {#rights}

Ask us.
"""


def three_versions(repo: GitRepo) -> None:
    repo.write("changelog/privacy/1.0.md", "---\nmaterial: true\n---\nFirst version.\n")
    repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY_1))
    repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY_2))
    repo.write("changelog/privacy/2.0.md", "---\nmaterial: true\n---\nNo more cookies.\n")
    repo.commit(policies__privacy_md=policy_text("2.0", "2031-01-01", BODY_2.split("## Cook")[0]))


def make_site(
    repo: GitRepo, as_of: str = "2025-01-01", **options: object
) -> tuple[site.Site, list[Policy]]:
    settings = load_settings(repo.path)
    policies = load_policies(settings, as_of=dt.date.fromisoformat(as_of))
    records = [version_record(settings, v) for p in policies for v in p.versions]
    opts = site.SiteOptions("Test policies", settings.site_url, **options)  # type: ignore[arg-type]
    return site.build_site(policies, records, opts, site.RedlineCache(None)), policies


def test_every_page_of_a_policy_and_the_site(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo)
    assert sorted(p.path for p in built.pages) == [
        "changes/index.md",
        "index.md",
        "privacy.md",
        "privacy/changes/1.0.md",
        "privacy/changes/1.1.md",
        "privacy/changes/2.0.md",
        "privacy/versions/1.0.md",
        "privacy/versions/1.1.md",
        "privacy/versions/2.0.md",
        "privacy/versions/index.md",
    ]
    assert [p.path for p in built.pages if p.in_nav] == ["privacy.md", "index.md"]
    assert [p.path for p in built.pages if p.searchable] == ["privacy.md"]
    assert sorted(p.path for p in built.pages if not p.indexable) == [
        "privacy/versions/1.0.md",
        "privacy/versions/1.1.md",
        "privacy/versions/2.0.md",
    ]
    assert [f.path for f in built.files] == ["versions.json", "feed.xml"]


def test_current_page_header_and_upcoming_banner(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    page = make_site(git_repo)[0].page("privacy.md")
    assert page.title == "Privacy"
    assert page.header == (
        "Version 1.1 · effective January\u00a01,\u00a02021 · "
        "[What changed](privacy/changes/1.1.md) · "
        "[All versions](privacy/versions/index.md)\n"
        "{ .policysite-header }\n"
        "\n"
        '!!! info policysite-banner "Version 2.0 takes effect on January\u00a01,\u00a02031"\n'
        "    [Read version 2.0](privacy/versions/2.0.md) · "
        "[What changes](privacy/changes/2.0.md)\n"
    )
    assert page.markdown == BODY_2.lstrip("\n")
    assert page.meta == {"title": "Privacy"}


def test_archived_and_upcoming_banners(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo)
    archived = built.page("privacy/versions/1.0.md")
    assert archived.header.split("\n\n", 1)[1] == (
        '!!! warning policysite-banner "Archived version"\n'
        "    This version applied from January\u00a01,\u00a02020 to "
        "December\u00a031,\u00a02020; the current version "
        "is [1.1](../../privacy.md).\n"
    )
    assert archived.meta == {
        "title": "Privacy 1.0",
        "search": {"exclude": True},
        "robots": "noindex",
    }
    upcoming = built.page("privacy/versions/2.0.md")
    assert upcoming.header.split("\n\n", 1)[1] == (
        '!!! info policysite-banner "Upcoming version"\n'
        "    This version takes effect on January\u00a01,\u00a02031. Until then, version "
        "[1.1](../../privacy.md) applies.\n"
    )


def test_a_build_on_the_effective_date_switches_over(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo, as_of="2031-01-01")
    page = built.page("privacy.md")
    assert page.header.startswith("Version 2.0 · effective January\u00a01,\u00a02031")
    assert "takes effect" not in page.header
    assert (
        "to December\u00a031,\u00a02030; the current version is [2.0]"
        in built.page("privacy/versions/1.1.md").header
    )


def test_change_page_lists_changed_sections_with_links_and_says_no_note(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo)
    page = built.page("privacy/changes/1.1.md")
    assert page.header == (
        "From [version 1.0](../versions/1.0.md) (effective January\u00a01,\u00a02020) to "
        "[version 1.1](../../privacy.md) (effective January\u00a01,\u00a02021) · no note · "
        "[All versions](../versions/index.md)\n{ .policysite-header }\n"
    )
    summary, rest = page.markdown.split("## Changed sections\n\n")
    assert summary.endswith("## Summary\n\n*No summary was published for this version.*\n\n")
    assert "changelog/" not in page.markdown  # file paths are for `check`, not for visitors
    # word counts are the diff engine's business; which sections and where they link are ours:
    # to each section's redline, further down the same page
    listed = re.sub(r" \([^)]*words\)", "", rest.split("\n\n## Redline")[0])
    assert listed == (
        "- [Data we collect](#change-data) — modified\n- [Your rights](#change-rights) — added"
    )
    assert 'id="change-data"' in rest and 'id="change-rights"' in rest
    removed = built.page("privacy/changes/2.0.md").markdown
    assert "- [Cookies](#change-cookies) — removed (" in removed
    assert 'id="change-cookies"' in removed
    first = built.page("privacy/changes/1.0.md")
    assert first.markdown == "## Summary\n\nFirst version.\n"
    assert first.header.startswith("First version, effective January\u00a01,\u00a02020 · material")


def test_versions_list_newest_first_with_tools(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    text = make_site(git_repo)[0].page("privacy/versions/index.md").markdown
    assert (
        '<div class="policysite-picker" data-policysite-policy="privacy" '
        'data-policysite-change-url="../changes/{version}/" '
        'data-policysite-site-url="https://example.com/"></div>'
    ) in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Version 2.0 (upcoming) {#version-2.0}",
        "## Version 1.1 (current) {#version-1.1}",
        "## Version 1.0 {#version-1.0}",
    ]
    assert (
        "In force January\u00a01,\u00a02020 – December\u00a031,\u00a02020 · material · "
        "[Read](1.0.md) · "
        "[What changed](../changes/1.0.md)"
    ) in text


def test_versions_json_is_the_cli_output(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo)
    result = CliRunner().invoke(
        main, ["-C", str(git_repo.path), "versions", "--format", "json", "--as-of", "2025-01-01"]
    )
    assert result.exit_code == 0, result.output
    text = next(f.text for f in built.files if f.path == "versions.json")
    assert json.loads(text) == json.loads(result.output)
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_atom_feed_whole(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY_1))
    git_repo.write("changelog/privacy/1.1.md", "---\nmaterial: false\n---\nTypos & <fixes>.\n")
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY_2))
    built, policies = make_site(git_repo)
    first, second = policies[0].versions
    feed = next(f.text for f in built.files if f.path == "feed.xml")
    assert feed == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>Test policies: changes</title>\n"
        "  <id>https://example.com/feed.xml</id>\n"
        '  <link rel="self" href="https://example.com/feed.xml" />\n'
        '  <link rel="alternate" type="text/html" href="https://example.com/changes/" />\n'
        f"  <updated>{second.date.isoformat()}</updated>\n"
        "  <author>\n    <name>Test policies</name>\n  </author>\n"
        "  <entry>\n"
        "    <title>Privacy 1.1 (editorial), effective January 1, 2021</title>\n"
        f"    <id>tag:example.com,{second.date.date()}:privacy/1.1</id>\n"
        '    <link rel="alternate" type="text/html" '
        'href="https://example.com/privacy/changes/1.1/" />\n'
        f"    <published>{second.date.isoformat()}</published>\n"
        f"    <updated>{second.date.isoformat()}</updated>\n"
        '    <category term="editorial" />\n'
        '    <summary type="text">Typos &amp; &lt;fixes&gt;.</summary>\n'
        "  </entry>\n"
        "  <entry>\n"
        "    <title>Privacy 1.0 (no note), effective January 1, 2020</title>\n"
        f"    <id>tag:example.com,{first.date.date()}:privacy/1.0</id>\n"
        '    <link rel="alternate" type="text/html" '
        'href="https://example.com/privacy/changes/1.0/" />\n'
        f"    <published>{first.date.isoformat()}</published>\n"
        f"    <updated>{first.date.isoformat()}</updated>\n"
        '    <category term="no-note" />\n'
        '    <summary type="text">No summary was published for this version.</summary>\n'
        "  </entry>\n"
        "</feed>\n"
    )


def test_a_site_in_adopt_mode_says_nothing_about_missing_notes(git_repo: GitRepo) -> None:
    three_versions(git_repo)  # 1.1 has no note
    built, policies = make_site(git_repo, show_missing_notes=False)

    change = built.page("privacy/changes/1.1.md").markdown
    versions = built.page("privacy/versions/index.md").markdown
    assert "## Summary" not in change and change.startswith("## Changed sections")
    assert "No summary" not in versions and "First version." in versions
    feed = next(f.text for f in built.files if f.path == "feed.xml")
    assert feed.count("<summary") == 2  # the two versions with a note
    assert [v.note is None for v in policies[0].versions] == [False, True, False]


def test_aliases_follow_renames_and_front_matter(tmp_path: Path) -> None:
    repo = make_synthetic_repo(tmp_path / "repo")
    built, _ = make_site(repo, as_of="2030-06-01")
    # 3.0 renamed #cookie-policy (alias in front matter); 4.0 renamed #retention (same title).
    assert built.page("privacy.md").aliases == {"cookie-policy": "cookies", "retention": "storage"}
    assert built.page("privacy/versions/3.0.md").aliases == {"cookie-policy": "cookies"}
    assert built.page("privacy/versions/2.0.md").aliases == {}
    # the terms file was renamed: one policy, all six versions
    assert sorted(p.path for p in built.pages if p.path.startswith("terms/versions/")) == [
        *(f"terms/versions/{n}.md" for n in range(1, 7)),
        "terms/versions/index.md",
    ]


def test_relative_links_are_rebased_for_archive_pages() -> None:
    text = (
        "See [cookies](cookies.md#x), [top](#top), [web](https://a.example/b).\n\n[r]: legal/t.md\n"
    )
    assert site.rebase_links(text, "privacy.md", "privacy/versions/1.0.md") == (
        "See [cookies](../../cookies.md#x), [top](#top), [web](https://a.example/b).\n\n"
        "[r]: ../../legal/t.md\n"
    )


def test_redlines_are_cached_by_content(git_repo: GitRepo, tmp_path: Path) -> None:
    three_versions(git_repo)
    settings = load_settings(git_repo.path)
    policies = load_policies(settings, as_of=dt.date(2025, 1, 1))
    cache = site.RedlineCache(tmp_path / "cache")
    first = site.build_site(policies, [], site.SiteOptions(), cache)
    assert (cache.hits, cache.misses) == (0, 2)
    again = site.RedlineCache(tmp_path / "cache")
    second = site.build_site(policies, [], site.SiteOptions(), again)
    assert (again.hits, again.misses) == (2, 0)
    assert second.pages == first.pages
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["redlines.json"]


def test_a_new_version_rediffs_only_its_own_pair_when_the_texts_have_no_links(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    # 2.0 takes effect on 2031-01-01: until then 1.1 is on the policy page, then it moves to
    # its archive page; the redline 1.0 → 1.1 has no links, so it reads the same in both.
    three_versions(git_repo)
    settings = load_settings(git_repo.path)
    before = site.RedlineCache(tmp_path)
    site.build_site(
        load_policies(settings, as_of=dt.date(2025, 1, 1)), [], site.SiteOptions(), before
    )
    after = site.RedlineCache(tmp_path)
    site.build_site(
        load_policies(settings, as_of=dt.date(2032, 1, 1)), [], site.SiteOptions(), after
    )
    assert (after.hits, after.misses) == (2, 0)


def test_a_redline_with_links_is_kept_for_the_page_it_is_shown_on(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY_1))
    linked = BODY_2.replace("Ask us.", "Ask us, see [cookies](#cookies).")
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", linked))
    git_repo.commit(policies__privacy_md=policy_text("2.0", "2031-01-01", linked + "\nMore.\n"))
    settings = load_settings(git_repo.path)
    pages = []
    for as_of in (dt.date(2025, 1, 1), dt.date(2032, 1, 1), dt.date(2032, 1, 1)):
        cache = site.RedlineCache(tmp_path)
        built = site.build_site(load_policies(settings, as_of=as_of), [], site.SiteOptions(), cache)
        pages.append((cache.hits, cache.misses, built.page("privacy/changes/1.1.md").markdown))
    # 1.1 moved from the policy page to its archive: the link in its redline follows it.
    assert [(hits, misses) for hits, misses, _ in pages] == [(0, 2), (0, 2), (2, 0)]
    assert 'href="../../#cookies"' in pages[0][2]
    assert 'href="../../versions/1.1/#cookies"' in pages[1][2]


def test_a_policy_named_like_a_site_page_is_refused(git_repo: GitRepo) -> None:
    git_repo.commit(policies__changes_md=policy_text("1", "2020-01-01", BODY_1))
    with pytest.raises(ConfigError, match=r"two pages at /changes/ \(changes\.md and"):
        make_site(git_repo)


def test_serve_previews_an_uncommitted_draft(git_repo: GitRepo) -> None:
    three_versions(git_repo)
    built, _ = make_site(git_repo, drafts={"privacy": "## New {#new}\n\nDraft text.\n"})
    page = built.page("privacy.md")
    assert page.markdown == "## New {#new}\n\nDraft text.\n"
    assert '!!! warning policysite-banner "Draft preview"' in page.header


def test_front_matter_is_yaml_of_the_meta() -> None:
    page = site.SitePage("x.md", 'Terms: "A" & B — ü', "", "version", indexable=False)
    raw = page.front_matter()
    assert raw.startswith("---\n") and raw.endswith("\n---\n\n")
    assert (
        yaml.safe_load(raw.strip().strip("-"))
        == page.meta
        == {
            "title": 'Terms: "A" & B — ü',
            "search": {"exclude": True},
            "robots": "noindex",
        }
    )


def test_a_policy_not_in_effect_yet(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2030-01-01", BODY_1))
    built, _ = make_site(git_repo, as_of="2025-01-01")
    page = built.page("privacy.md")
    assert page.header.split("\n\n", 1)[1] == (
        '!!! info policysite-banner "Not in effect yet"\n'
        "    This policy takes effect on January\u00a01,\u00a02030.\n"
    )
    assert built.page("privacy/versions/1.0.md").header.endswith(
        "This version takes effect on January\u00a01,\u00a02030. No earlier version exists.\n"
    )
    assert "| [Privacy](privacy.md) | 1.0 | not yet |" in built.page("index.md").markdown


def test_only_what_the_policy_model_knows_is_published(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path)
    policy = Policy("privacy", "policies/privacy.md", ())
    sources = ["index.md", "privacy.md", "draft.md", "help.html", "logo.svg"]

    built = site.set_aside(settings, [policy], sources, serving=False)
    served = site.set_aside(settings, [policy], sources, serving=True)

    assert built == [
        site.SetAside("privacy.md", ""),
        site.SetAside(
            "draft.md",
            "policies/draft.md is not in git history, so it has no version and is not published; "
            "commit it to publish it.",
        ),
        site.SetAside(
            "help.html",
            "policies/help.html is not a policy (only .md files are), so it is not published; "
            "move it out of policies/.",
        ),
        site.SetAside(
            "logo.svg",
            "policies/logo.svg is not a policy (only .md files are), so it is not published; "
            "move it out of policies/.",
        ),
    ]
    assert [item.source for item in served] == ["privacy.md", "help.html", "logo.svg"]


def test_one_date_format_in_the_sites_language() -> None:
    day = dt.date(2026, 11, 29)
    assert site_text.format_date(day, "en") == "November\u00a029,\u00a02026"
    assert site_text.format_date(day, "nb") == "29.\u00a0november\u00a02026"
    assert site_text.format_date(day, "en", nowrap=False) == "November 29, 2026"
    with pytest.raises(ConfigError, match=r"theme\.language 'xx-nope'"):
        site_text.format_date(day, "xx-nope")
