"""Adopting existing policy repositories: which files are policies (a file per policy, a folder
per policy), what a version of an adopted text is, and `policysite adopt` itself."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from mkdocs.exceptions import Abort

from policysite import adopt
from policysite.cli import main
from policysite.config import load_settings
from policysite.selection import Selection, policy_id
from policysite.site.foreign import exists, rewrite_foreign_links, site_path
from policysite.versions import load_policies
from tests.conftest import GitRepo
from tests.site_support import build_site


def run_cli(repo: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def ids(repo: GitRepo) -> list[str]:
    policies = load_policies(load_settings(repo.path), as_of=dt.date(2030, 1, 1))
    return [p.id for p in policies]


def test_a_folder_per_policy_is_the_policy_named_by_the_folder(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__privacy__index_md="# Privacy\n\nWe keep little.\n",
        policies__legal__terms__index_md="# Terms\n\nBe nice.\n",
        policies__cookies_md="# Cookies\n\nNone.\n",
        policies__index_md="# Home\n",
    )

    assert ids(git_repo) == ["cookies", "legal/terms", "privacy"]


def test_readme_license_and_the_like_are_not_policies(git_repo: GitRepo) -> None:
    git_repo.write("policies/privacy.nb.md", "# Personvern\n")  # a translation (locale nb)
    git_repo.commit(
        policies__README_md="# About this repository\n",
        policies__LICENSE_md="CC-BY\n",
        policies__CONTRIBUTING_md="Open a PR.\n",
        policies__sub__readme_md="# A folder's readme\n",
        policies__privacy_md="# Privacy\n",
    )

    assert ids(git_repo) == ["privacy"]


def test_include_and_exclude_say_which_files_are_policies(git_repo: GitRepo) -> None:
    git_repo.write(
        "mkdocs.yml",
        """
        site_name: Test
        docs_dir: policies
        plugins:
          - policysite:
              include: ["legal/**/*.md", "privacy.md"]
              exclude: ["legal/drafts/"]
        """,
    )
    git_repo.commit(
        policies__privacy_md="# Privacy\n",
        policies__notes_md="# Meeting notes\n",
        policies__legal__terms_md="# Terms\n",
        policies__legal__drafts__terms_md="# Next terms\n",
    )

    assert ids(git_repo) == ["legal/terms", "privacy"]


def test_selection_rules_on_paths() -> None:
    rule = Selection(locales=("en", "nb"))

    assert [
        path
        for path in [
            "index.md",
            "privacy.md",
            "privacy/index.md",
            "privacy.nb.md",
            "privacy.v2.md",
            ".github/pull_request_template.md",
            "Security.md",
            "notes.txt",
        ]
        if rule.is_policy(path)
    ] == ["privacy.md", "privacy/index.md", "privacy.v2.md"]
    assert rule.translation_of("legal/terms/index.nb.md") == "legal/terms"
    assert policy_id("privacy/index.md") == "privacy"
    assert policy_id("index.md") == "index"


def test_a_commit_that_changes_only_front_matter_the_site_does_not_show_is_no_version(
    git_repo: GitRepo,
) -> None:
    body = "# Terms\n\nYou may:\n\n* read\n* share\n"
    first = git_repo.commit(
        policies__terms_md=f"---\ntitle: Terms\ntopics:\n  - legal\n---\n{body}",
        date="2021-03-01T10:00:00+00:00",
    )
    git_repo.commit(  # only `topics:` removed
        policies__terms_md=f"---\ntitle: Terms\n---\n{body}", date="2021-04-01T10:00:00+00:00"
    )
    git_repo.commit(  # trailing spaces, an extra blank line and a final newline: same page
        policies__terms_md=f"---\ntitle: Terms\n---\n\n{body.replace('read', 'read ')}\n\n",
        date="2021-05-01T10:00:00+00:00",
    )
    retitled = git_repo.commit(
        policies__terms_md=f"---\ntitle: Terms of Service\n---\n{body}",
        date="2021-06-01T10:00:00+00:00",
    )

    policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2030, 1, 1))

    assert [(v.label, v.commit) for v in policies[0].versions] == [
        ("2021-03-01", first),
        ("2021-06-01", retitled),
    ]
    code, output = run_cli(git_repo, "versions", "--all", "--format", "json")
    assert code == 0, output
    assert [(r["version"], r["published"], r["reason"]) for r in json.loads(output)] == [
        ("2021-03-01", True, "published"),
        (None, False, "only front matter the site does not show, whitespace or a comment"),
        (None, False, "only front matter the site does not show, whitespace or a comment"),
        ("2021-06-01", True, "published"),
    ]


def test_two_spaces_at_a_line_end_are_a_line_break_so_a_change(git_repo: GitRepo) -> None:
    git_repo.commit(policies__terms_md="# Terms\n\nOne\ntwo\n", date="2021-03-01T10:00:00+00:00")
    git_repo.commit(policies__terms_md="# Terms\n\nOne  \ntwo\n", date="2021-03-02T10:00:00+00:00")

    assert [len(p.versions) for p in load_policies(load_settings(git_repo.path))] == [2]


def test_versions_all_lists_the_texts_a_day_collapsed(git_repo: GitRepo) -> None:
    morning = git_repo.commit(policies__terms_md="# T\n\nA.\n", date="2021-03-01T08:00:00+00:00")
    noon = git_repo.commit(policies__terms_md="# T\n\nB.\n", date="2021-03-01T12:00:00+00:00")
    git_repo.git("mv", "policies/terms.md", "policies/terms-of-service.md")
    moved = git_repo.commit("rename", date="2021-03-01T13:00:00+00:00")
    git_repo.write("policies/terms-of-service.md", "# T\n\nC.\n")
    evening = git_repo.commit(date="2021-03-01T18:00:00+00:00")
    git_repo.write("policies/terms-of-service.md", "# T\n\nD.\n")
    next_day = git_repo.commit(date="2021-03-02T09:00:00+00:00")

    code, output = run_cli(git_repo, "versions", "--all", "--format", "json")

    assert code == 0, output
    assert [(r["commit"], r["version"], r["published"]) for r in json.loads(output)] == [
        (morning, "2021-03-01", False),
        (noon, "2021-03-01", False),
        (moved, None, False),
        (evening, "2021-03-01", True),
        (next_day, "2021-03-02", True),
    ]
    code, table = run_cli(git_repo, "versions", "--all")
    assert code == 0 and "replaced by a later text of the same day" in table


def jekyll_repo(repo: GitRepo) -> None:
    """A repository kept for a Jekyll site: a folder per policy, a README, links into its site."""
    (repo.path / "mkdocs.yml").unlink()
    repo.write("_config.yml", "title: Acme\nurl: https://legal.acme.example\n")
    repo.write("README.md", "# Acme's policies\n")
    repo.write("LICENSE.md", "CC-BY-4.0\n")
    repo.write(".github/pull_request_template.md", "Describe the change.\n")
    repo.write(
        "policies/privacy/index.md",
        "---\ntitle: Privacy\npermalink: /privacy/\n---\n# Privacy\n\n"
        "See [our terms](/terms/) and the [help](/articles/help).\n",
    )
    terms = "---\ntitle: Terms\n---\n# Terms\n\nFor example:\n* one\n"
    repo.write("policies/terms/index.md", terms)
    repo.commit("start", date="2022-01-01T10:00:00+00:00")
    repo.write("policies/terms/index.md", terms.replace("one", "two"))
    repo.commit("edit", date="2022-02-01T10:00:00+00:00")


def test_adopt_finds_the_policies_and_writes_mkdocs_yml(git_repo: GitRepo) -> None:
    jekyll_repo(git_repo)
    head = git_repo.git("rev-parse", "HEAD")

    code, output = run_cli(git_repo, "adopt")

    assert code == 0, output
    lines = output.splitlines()
    assert lines[:4] == [
        "Policies in policies/: 2, a folder per policy (<policy>/index.md); 3 versions (one a "
        "day at most; commits that change only front matter the site does not show are none).",
        "Markdown: gfm (lists without a blank line before them, or bare URLs)",
        "Foreign links go to: https://legal.acme.example",
        f"Adopted at commit {head[:12]}: history before it is grandfathered by check.",
    ]
    assert "  privacy         1  2022-01-01  2022-01-01" in lines
    assert "  terms           2  2022-01-01  2022-02-01" in lines
    settings = load_settings(git_repo.path)
    assert (settings.docs_dir, settings.markdown, settings.link_base, settings.adopted_at) == (
        "policies",
        "gfm",
        "https://legal.acme.example",
        head,
    )
    assert settings.show_missing_notes is False
    assert [p.id for p in load_policies(settings)] == ["privacy", "terms"]


def test_adopt_refuses_to_overwrite_mkdocs_yml_unless_asked(git_repo: GitRepo) -> None:
    jekyll_repo(git_repo)
    git_repo.write("mkdocs.yml", "site_name: Mine\n")

    code, output = run_cli(git_repo, "adopt")
    assert code == 1
    assert "mkdocs.yml: exists already; adopt writes a new one only with --overwrite" in output
    assert (git_repo.path / "mkdocs.yml").read_text() == "site_name: Mine\n"

    code, output = run_cli(git_repo, "adopt", "--dry-run")
    assert code == 0 and (git_repo.path / "mkdocs.yml").read_text() == "site_name: Mine\n"

    code, output = run_cli(git_repo, "adopt", "--overwrite")
    assert code == 0, output
    assert load_settings(git_repo.path).adopted_at == git_repo.git("rev-parse", "HEAD")


def test_adopt_names_what_it_cannot_publish(git_repo: GitRepo) -> None:
    (git_repo.path / "mkdocs.yml").unlink()
    git_repo.commit(README_md="# Our policies\n", LICENSE_md="CC-BY\n", changelog__x__1_md="x\n")

    code, output = run_cli(git_repo, "adopt")

    assert code == 1
    assert "found no policy (.md file) in the repository; name the folder with --docs-dir." in (
        output
    )
    assert "Traceback" not in output and not (git_repo.path / "mkdocs.yml").exists()


def test_an_adopted_repository_builds_with_foreign_links_sent_to_link_base(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    jekyll_repo(git_repo)
    code, output = run_cli(git_repo, "adopt")
    assert code == 0, output

    site_dir = build_site(git_repo.path, tmp_path / "built", "https://acme.example/", "2030-01-01")

    page = (site_dir / "privacy/index.html").read_text(encoding="utf-8")
    assert 'href="https://legal.acme.example/articles/help" rel="noopener"' in page
    assert 'href="/terms/"' in page  # a page of this site: kept, and checked
    terms = (site_dir / "terms/index.html").read_text(encoding="utf-8")
    assert "<li>two</li>" in terms  # GitHub's list after a paragraph, as GitHub shows it
    assert not (site_dir / "README").exists() and not (site_dir / "LICENSE").exists()
    versions = (site_dir / "terms/versions/index.html").read_text(encoding="utf-8")
    assert "No summary" not in versions and "changelog/" not in versions


def test_without_link_base_a_foreign_link_fails_the_strict_build(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A path into the site the texts came from is a 404 here, adopted text or not, and
    setting link_base fixes it: the strict build fails naming it, and says so."""
    jekyll_repo(git_repo)
    assert run_cli(git_repo, "adopt")[0] == 0
    config = git_repo.path / "mkdocs.yml"
    config.write_text(
        config.read_text().replace("link_base: https://legal.acme.example", "link_base: null")
    )
    git_repo.commit("adopt", date="2022-02-02T10:00:00+00:00")

    with pytest.raises(Abort):
        build_site(git_repo.path, tmp_path / "adopted", "https://acme.example/", "2030-01-01")
    broken = [r for r in caplog.records if "/articles/help" in r.getMessage()]
    assert broken and {r.levelname for r in broken} == {"WARNING"}
    assert any("privacy.md (built as privacy/index.html)" in r.getMessage() for r in broken)
    assert "set `link_base:`" in caplog.text

    # With the origin set, the same text builds: the links go there.
    config.write_text(
        config.read_text().replace("link_base: null", "link_base: https://legal.acme.example")
    )
    git_repo.commit("link_base", date="2022-02-03T10:00:00+00:00")
    caplog.clear()
    build_site(git_repo.path, tmp_path / "based", "https://acme.example/", "2030-01-01")
    assert "/articles/help" not in caplog.text
    page = (tmp_path / "based/privacy/index.html").read_text()
    assert 'href="https://legal.acme.example/articles/help"' in page


def test_a_broken_anchor_in_a_text_as_adopted_is_reported_until_the_text_is_edited(
    git_repo: GitRepo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A published text cannot be edited, so what its authors left broken (an anchor they
    never made) is reported, not fatal, while the site shows that text; the first edit of the
    text is held to the link check like any other."""
    jekyll_repo(git_repo)
    privacy = git_repo.path / "policies/privacy/index.md"
    privacy.write_text(privacy.read_text() + "\nAs [said above](#nowhere).\n")
    git_repo.commit("an anchor nobody made", date="2022-02-01T11:00:00+00:00")
    assert run_cli(git_repo, "adopt")[0] == 0
    git_repo.commit("adopt", date="2022-02-02T10:00:00+00:00")
    caplog.set_level(logging.INFO)

    build_site(git_repo.path, tmp_path / "adopted", "https://acme.example/", "2030-01-01")
    broken = [
        r
        for r in caplog.records
        if "broken link" in r.getMessage() and "#nowhere'" in r.getMessage()
    ]
    assert broken and {r.levelname for r in broken} == {"INFO"}
    assert all("(in a text as adopted)" in r.getMessage() for r in broken)

    privacy.write_text(privacy.read_text() + "\nEdited after the adoption.\n")
    git_repo.commit("edit", date="2022-03-01T10:00:00+00:00")
    caplog.clear()
    with pytest.raises(Abort):
        build_site(git_repo.path, tmp_path / "edited", "https://acme.example/", "2030-01-01")
    broken = [
        r
        for r in caplog.records
        if "broken link" in r.getMessage() and "#nowhere'" in r.getMessage()
    ]
    assert "WARNING" in {r.levelname for r in broken}
    assert any("privacy.md (built as privacy/index.html)" in r.getMessage() for r in broken)


def test_check_passes_on_an_adopted_repository_and_skips_foreign_links(git_repo: GitRepo) -> None:
    jekyll_repo(git_repo)
    assert run_cli(git_repo, "adopt")[0] == 0

    code, output = run_cli(git_repo, "check")

    assert code == 0, output
    assert "link-absolute" not in output and "/articles/help" not in output


def test_foreign_links_are_rewritten_only_when_they_lead_nowhere_here() -> None:
    files = {"index.html", "privacy/index.html", "terms/index.html", "feed.xml"}
    page = (
        '<p><a href="/terms/">t</a> <a href="../feed.xml">f</a> <a href="/articles/x#y">a</a> '
        '<a href="#top">#</a> <a href="https://example.org/">e</a> '
        '<a href="faq" title="Faq">q</a> <a href="mailto:a@b.c">m</a></p>'
    )

    rewritten = rewrite_foreign_links(page, "privacy/index.html", files, "https://docs.example")

    assert rewritten == (
        '<p><a href="/terms/">t</a> <a href="../feed.xml">f</a> '
        '<a href="https://docs.example/articles/x#y" rel="noopener">a</a> '
        '<a href="#top">#</a> <a href="https://example.org/">e</a> '
        '<a href="https://docs.example/privacy/faq" title="Faq" rel="noopener">q</a> '
        '<a href="mailto:a@b.c">m</a></p>'
    )
    assert site_path("a/index.html", "../b/c?x=1", "/docs/") == "/docs/b/c"
    assert exists("/docs/terms/", files, "/docs/") and not exists("/terms/", files, "/docs/")


def test_check_grandfathers_history_before_the_adoption(git_repo: GitRepo) -> None:
    (git_repo.path / "mkdocs.yml").unlink()
    old = "# Terms\n\n## Old rules\n\nYou must not do the old thing at all.\n\n"
    keep = "## Keep\n\nThe text that stays where it is, word for word.\n"
    git_repo.write("policies/terms.md", old + keep)
    git_repo.commit(date="2021-01-01T10:00:00+00:00")
    adopted = '# Terms\n\nSee <span style="color: red">this</span>.\n\n' + keep
    git_repo.write("policies/terms.md", adopted)
    git_repo.commit(date="2021-02-01T10:00:00+00:00")
    assert run_cli(git_repo, "adopt")[0] == 0
    git_repo.commit("adopt", date="2021-02-02T10:00:00+00:00")

    code, output = run_cli(git_repo, "check")
    assert code == 0, output  # '#old-rules' went before the adoption; the span is as adopted
    assert "old-rules" not in output
    assert "style= on <span> is not allowed; remove it (allowed:" in output
    assert "(as adopted)" in output

    # Renamed after the adoption: the diff finds it, and the site sends #keep there.
    renamed = adopted.replace("## Keep", "## Keeping")
    git_repo.write("policies/terms.md", renamed)
    git_repo.commit(date="2021-03-01T10:00:00+00:00")
    code, output = run_cli(git_repo, "check")
    assert "anchor '#keep'" not in output
    assert "style= on <span>" in output and "(as adopted)" not in output  # edited: the rules
    assert code == 1

    git_repo.write("policies/terms.md", "# Terms\n\nSee <span>this</span>.\n")
    code, output = run_cli(git_repo, "check")
    assert code == 1
    assert "anchor '#keep' (heading \"Keep\" in version 2021-02-01) is gone" in output


def test_a_commit_that_only_adds_an_html_comment_is_no_version(git_repo: GitRepo) -> None:
    git_repo.commit(policies__terms_md="# Terms\n\nBe kind.\n", date="2021-03-01T10:00:00+00:00")
    git_repo.commit(
        policies__terms_md="# Terms\n\n<!-- reviewed by legal -->\nBe kind.\n",
        date="2021-04-01T10:00:00+00:00",
    )

    assert [len(p.versions) for p in load_policies(load_settings(git_repo.path))] == [1]


def test_links_to_a_folders_page_reach_the_policy_it_names(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    (git_repo.path / "mkdocs.yml").unlink()
    git_repo.write("policies/README.md", "# About these policies\n")
    git_repo.write("policies/index.md", "# Our policies\n\n- [Privacy](privacy/index.md)\n")
    git_repo.write(
        "policies/privacy/index.md", "# Privacy\n\nSee [the terms](../terms/index.md#use).\n"
    )
    git_repo.write("policies/terms/index.md", "# Terms\n\n## Use {#use}\n\nBe kind.\n")
    git_repo.commit("start", date="2022-01-01T10:00:00+00:00")
    assert run_cli(git_repo, "adopt")[0] == 0

    site_dir = build_site(git_repo.path, tmp_path / "built", "https://acme.example/", "2030-01-01")

    home = (site_dir / "index.html").read_text(encoding="utf-8")
    privacy = (site_dir / "privacy/index.html").read_text(encoding="utf-8")
    assert 'href="privacy/"' in home
    assert 'href="../terms/#use"' in privacy
    assert not (site_dir / "README").exists()


_LOOKBEHIND_BARE_URL = re.compile(r"(?<![(<\[\"'=])\bhttps?://[^\s)<>\]]+")


_URL_PARTS = ["http://", "https://", "(", "<", "[", '"', "'", "=", "a", "_", " ", "\n", ")"]
_URL_PARTS += ["]", "é", "/", ":", "h", "1", "x.org"]


@given(st.lists(st.sampled_from(_URL_PARTS), max_size=10))
def test_bare_url_is_found_where_a_lookbehind_pattern_finds_one(parts: list[str]) -> None:
    """adopt's fast search for a bare URL (a literal first) says what the plain pattern with a
    lookbehind says: no word character, bracket, quote or `=` right before `http(s)://`."""
    body = "".join(parts)
    assert adopt._bare_url(body) == bool(_LOOKBEHIND_BARE_URL.search(body))


def test_bare_url_after_a_rejected_one_in_the_same_run_is_found() -> None:
    assert adopt._bare_url("see (https://a.org/https://b.org")
    assert not adopt._bare_url('<a href="https://a.org">x</a> [x](https://b.org)')
    assert adopt._bare_url("Visit https://example.com.")
