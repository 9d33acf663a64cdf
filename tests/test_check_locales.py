"""``check`` and note translations (issue 12, item 2): a material version new in a change should
have its note in every locale (a warning), and must in ``required_locales`` (an error)."""

from __future__ import annotations

import pytest

from policysite.check import MESSAGES, check_site
from policysite.config import load_settings
from tests.conftest import GitRepo, policy_text

SITE = """
site_name: Test policies
site_url: https://example.com/
docs_dir: policies
plugins:
  - policysite:
      locales: [en, nb]
"""
BODY = "## Data we collect {#data}\n\nWe collect your name.\n"
NEW_BODY = BODY + "\nWe also collect your phone number.\n"


def note(material: bool) -> str:
    return f"---\nmaterial: {'true' if material else 'false'}\n---\nWhat changed and why.\n"


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """Privacy 1.0 published (no Norwegian note: it predates the rule); 1.1 in the working tree."""
    monkeypatch.setenv("POLICYSITE_TODAY", "2021-06-01")
    git_repo.write("mkdocs.yml", SITE)
    git_repo.write("changelog/privacy/1.0.md", note(True))
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.write("policies/privacy.md", policy_text("1.1", "2021-08-01", NEW_BODY))
    git_repo.write("changelog/privacy/1.1.md", note(True))
    return git_repo


def translation_findings(site: GitRepo) -> list[str]:
    report = check_site(load_settings(site.path))
    return [
        f"{f.path}:{f.line}: {f.severity}: {f.message}"
        for f in report.findings
        if f.rule.startswith("note-translation")
    ]


MISSING = (
    'version "1.1" is material, so readers in Norwegian Bokmål get its notice, but there is no '
    "changelog/privacy/1.1.nb.md: their mail gives the summary in English with a sentence "
    "saying so. Add changelog/privacy/1.1.nb.md with the note in Norwegian Bokmål (`title:` "
    "between --- lines gives the policy's name in it)."
)


def test_a_material_version_without_a_translation_is_a_warning(site: GitRepo) -> None:
    assert translation_findings(site) == [f"changelog/privacy/1.1.md:1: warning: {MISSING}"]


def test_required_locales_make_it_an_error(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      required_locales: [nb]\n")
    assert translation_findings(site) == [
        'changelog/privacy/1.1.md:1: error: version "1.1" is material and required_locales in '
        "mkdocs.yml lists nb, but there is no changelog/privacy/1.1.nb.md; add it with the note "
        "in Norwegian Bokmål (`title:` between --- lines gives the policy's name in it)."
    ]


def test_a_translation_with_its_note_satisfies_the_rule(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      required_locales: [nb]\n")
    site.write("changelog/privacy/1.1.nb.md", "---\ntitle: Personvern\n---\nHva og hvorfor.\n")
    assert translation_findings(site) == []
    # A title alone is not the note: the mail would still give the English summary.
    site.write("changelog/privacy/1.1.nb.md", "---\ntitle: Personvern\n---\n")
    assert [f.split(": ")[1] for f in translation_findings(site)] == ["error"]


def test_editorial_and_published_versions_need_no_translation(site: GitRepo) -> None:
    site.write("changelog/privacy/1.1.md", note(False))
    assert translation_findings(site) == []


def test_a_translation_of_no_note_is_a_warning(site: GitRepo) -> None:
    site.write("changelog/privacy/1.1.nb.md", "Hva og hvorfor.\n")
    site.write("changelog/privacy/0.9.nb.md", "Ingen slik versjon.\n")
    assert translation_findings(site) == [
        'changelog/privacy/0.9.nb.md:1: warning: is a translation of the note of version "0.9", '
        "but there is no changelog/privacy/0.9.md; add that note (in English), or rename or "
        "delete this file."
    ]


def test_the_messages_are_registered() -> None:
    names = ("note-translation-missing", "note-translation-required", "note-translation-orphan")
    assert all(name in MESSAGES for name in names)
