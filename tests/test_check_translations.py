"""``policysite check`` on translations: anchor parity naming both files and lines, a bad
``translates:``, bad translation files in the working tree, and translations a material change
leaves behind (a warning; an error for required and binding locales)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from policysite.check import check_site
from policysite.cli import main
from policysite.config import load_settings
from tests.conftest import GitRepo, policy_text
from tests.translation_fixture import (
    BODY_1_0,
    BODY_1_1,
    NB_1_0,
    NB_1_1,
    note,
    translation_text,
)

SITE = """
site_name: Test policies
site_url: https://example.com/
docs_dir: policies
plugins:
  - policysite:
      locales: [en, nb]
"""


def findings(repo: GitRepo) -> list[str]:
    report = check_site(load_settings(repo.path))
    return [f"{f.path}:{f.line}: {f.severity}: {f.message}" for f in report.findings]


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """privacy 1.0 (material) published with its nb translation; today is 2021-06-01."""
    monkeypatch.setenv("POLICYSITE_TODAY", "2021-06-01")
    git_repo.write("mkdocs.yml", SITE)
    git_repo.write("changelog/privacy/1.0.md", note(True, "First version."))
    git_repo.write("changelog/privacy/1.0.nb.md", "Første versjon.\n")
    git_repo.write("policies/privacy.md", policy_text("1.0", "2020-01-01", BODY_1_0))
    git_repo.write("policies/privacy.nb.md", translation_text("1.0", NB_1_0))
    git_repo.commit("privacy 1.0 in English and Norwegian")
    return git_repo


def test_a_published_site_with_its_translation_is_clean(site: GitRepo) -> None:
    assert findings(site) == []


def test_missing_and_extra_anchors_name_both_files_and_lines(site: GitRepo) -> None:
    # Lines of privacy.nb.md: front matter 1-4, "## … {#data}" 5, "## … {#extra}" 9.
    site.write(
        "policies/privacy.nb.md",
        translation_text("1.0", NB_1_0.replace("{#cookies}", "{#extra}")),
    )

    assert findings(site) == [
        "policies/privacy.nb.md:9: error: the heading anchor #extra is not in "
        "policies/privacy.md (version 1.0); a translation has exactly the source's anchors: "
        "use the anchor of the source's heading this one translates, or remove the heading.",
        "policies/privacy.nb.md:9: error: the Norwegian Bokmål translation has no heading with "
        "anchor #cookies, which policies/privacy.md:10 has (version 1.0: “Cookies”); give the "
        "heading that translates it the same anchor, `{#cookies}`, so deep links land on the "
        "same section in both languages.",
    ]


def test_a_heading_without_its_anchor_is_named_with_the_anchor_to_write(site: GitRepo) -> None:
    site.write(
        "policies/privacy.nb.md",
        translation_text("1.0", NB_1_0.replace(" {#cookies}", "")),
    )

    assert findings(site)[0] == (
        "policies/privacy.nb.md:9: error: the heading “Informasjonskapsler” has no `{#anchor}`; "
        "a translated heading would get another anchor than the source's, so write the "
        "source's anchor after it, e.g. `{#cookies}`."
    )


def test_translates_must_name_a_published_or_pending_version(site: GitRepo) -> None:
    site.write("policies/privacy.nb.md", translation_text("1.5", NB_1_0))
    assert findings(site) == [
        'policies/privacy.nb.md:3: error: translates: "1.5" is not a published or pending '
        "version of policies/privacy.md (versions: 1.0); name the version this text translates."
    ]

    # The pending version of the pull request counts, and parity is with its draft.
    site.write("policies/privacy.md", policy_text("1.1", "2021-08-01", BODY_1_1))
    site.write("changelog/privacy/1.1.md", note(True, "Your rights."))
    site.write("changelog/privacy/1.1.nb.md", "Dine rettigheter.\n")
    site.write("policies/privacy.nb.md", translation_text("1.1", NB_1_1))
    assert findings(site) == []


def test_bad_translation_files_in_the_working_tree(site: GitRepo) -> None:
    site.write("policies/privacy.no.md", translation_text("1.0", NB_1_0))
    site.write("policies/terms.nb.md", translation_text("1.0", NB_1_0))
    site.write("policies/privacy.de.md", translation_text("1.0", NB_1_0))

    assert [line.split(": error: ")[0] for line in findings(site)] == [
        "policies/privacy.de.md:1",
        "policies/privacy.no.md:1",
        "policies/terms.nb.md:1",
    ]
    assert "is a second Norwegian Bokmål translation ('nb')" in findings(site)[1]


def material_change(site: GitRepo) -> None:
    site.write("policies/privacy.md", policy_text("1.1", "2021-08-01", BODY_1_1))
    site.write("changelog/privacy/1.1.md", note(True, "Your rights."))
    site.write("changelog/privacy/1.1.nb.md", "Dine rettigheter.\n")


def test_a_material_change_leaving_the_translation_behind_is_a_warning(site: GitRepo) -> None:
    material_change(site)

    assert findings(site) == [
        'policies/privacy.nb.md:1: warning: version "1.1" of policies/privacy.md is material, '
        'but this Norwegian Bokmål translation still translates "1.0": readers in Norwegian '
        "Bokmål are shown the source instead, with a banner. Translate the changes and set "
        'translates: "1.1".'
    ]


def test_a_required_locale_left_behind_is_an_error(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      required_locales: [nb]\n")
    material_change(site)

    assert findings(site) == [
        'policies/privacy.nb.md:1: error: version "1.1" of policies/privacy.md is material and '
        "required_locales in mkdocs.yml lists nb, but the Norwegian Bokmål translation "
        'translates "1.0"; translate it and set translates: "1.1" in policies/privacy.nb.md.'
    ]


def test_a_binding_translation_must_change_with_any_new_version(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      binding_locales: [nb]\n")
    site.write("policies/privacy.md", policy_text("1.1", "2021-08-01", BODY_1_0 + "\nMore.\n"))
    site.write("changelog/privacy/1.1.md", note(False, "A sentence more."))

    assert findings(site) == [
        "policies/privacy.nb.md:1: error: the Norwegian Bokmål text is binding as well as the "
        "source (binding_locales in mkdocs.yml), so both must change together: "
        'policies/privacy.md is now version "1.1", but policies/privacy.nb.md translates '
        '"1.0"; update it in this change and set translates: "1.1".'
    ]
    site.write("policies/privacy.nb.md", translation_text("1.1", NB_1_0 + "\nMer.\n"))
    assert findings(site) == []


def test_the_pr_comment_lists_the_translations_the_change_leaves_behind(site: GitRepo) -> None:
    material_change(site)

    result = CliRunner().invoke(
        main, ["-C", str(site.path), "diff", "--base", "HEAD", "--format", "markdown"]
    )

    assert result.exit_code == 0, result.output
    assert "privacy.nb" not in result.output.replace("policies/privacy.nb.md", "")
    assert "**Translations this change leaves behind**" in result.output
    section = result.output.split("**Translations this change leaves behind**", 1)[1]
    assert section.strip().split("\n\n")[0] == (
        "- `policies/privacy.nb.md` (Norwegian Bokmål) translates 1.0, not 1.1: its readers keep "
        "the older translation, with a banner sending them to the new text, until it is updated "
        "([what changed since 1.0](https://example.com/privacy/versions/?from=1.0&to=1.1))."
    )

    site.write("policies/privacy.nb.md", translation_text("1.1", NB_1_1))
    result = CliRunner().invoke(
        main, ["-C", str(site.path), "diff", "--base", "HEAD", "--format", "markdown"]
    )
    assert "leaves behind" not in result.output
