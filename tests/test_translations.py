"""Translations from real git history: revisions tied to source versions, their status, the
versions index, and each bad translation file as one clear error."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from policysite.config import load_settings
from policysite.errors import PolicySiteError
from policysite.model import parse_document
from policysite.sections import split_sections
from policysite.versions import load_policies
from tests.conftest import REPO_ROOT, GitRepo, policy_text
from tests.test_versions import run_cli
from tests.translation_fixture import (
    BODY_1_0,
    NB_1_0,
    commit_translated_history,
    translation_text,
)


def test_translation_revisions_name_their_source_versions(git_repo: GitRepo) -> None:
    commits = commit_translated_history(git_repo)

    (policy,) = load_policies(load_settings(git_repo.path), as_of=dt.date(2021, 6, 1))

    assert [v.label for v in policy.versions] == ["1.0", "1.1", "2.0"]
    (translation,) = policy.translations
    assert (translation.locale, translation.relative) == ("nb", "privacy.nb.md")
    assert [(r.translates, r.commit, r.status) for r in translation.revisions] == [
        ("1.0", commits[0], "stale"),
        ("1.1", commits[1], "current"),
    ]
    assert translation.latest.title == "Personvernerklæring"
    assert translation.latest.body.startswith("## Opplysninger vi samler inn {#data}")


def test_translation_status_as_of_before_and_after_the_new_source_version(
    git_repo: GitRepo,
) -> None:
    commit_translated_history(git_repo)
    settings = load_settings(git_repo.path)

    def status(day: dt.date) -> tuple[str, str]:
        (policy,) = load_policies(settings, as_of=day)
        latest = policy.translations[0].latest
        return latest.translates, latest.status

    assert status(dt.date(2021, 12, 31)) == ("1.1", "current")
    assert status(dt.date(2022, 1, 1)) == ("1.1", "stale")
    assert status(dt.date(2020, 6, 1)) == ("1.1", "upcoming")


def test_a_translation_ahead_of_the_source_is_upcoming_and_an_older_one_shows(
    git_repo: GitRepo,
) -> None:
    commit_translated_history(git_repo)
    (policy,) = load_policies(load_settings(git_repo.path), as_of=dt.date(2022, 6, 1))
    translation = policy.translations[0]

    assert translation.as_of(policy, "2.0") is translation.revisions[1]  # 2.0 is untranslated
    assert translation.as_of(policy, "1.0") is translation.revisions[0]
    assert translation.of("2.0") is None


def test_a_rename_of_the_translation_file_keeps_its_revisions(git_repo: GitRepo) -> None:
    git_repo.write("policies/privacy.md", policy_text("1.0", "2020-01-01", BODY_1_0))
    git_repo.write("policies/privacy.no.md", translation_text("1.0", NB_1_0))
    first = git_repo.commit("privacy 1.0 in Norwegian")
    git_repo.git("mv", "policies/privacy.no.md", "policies/privacy.nb.md")
    git_repo.commit("the translation is Bokmål")

    (policy,) = load_policies(load_settings(git_repo.path), as_of=dt.date(2021, 1, 1))

    (translation,) = policy.translations
    assert translation.relative == "privacy.nb.md"
    assert [(r.commit, r.path) for r in translation.revisions] == [
        (first, "policies/privacy.no.md")
    ]


def test_versions_json_lists_translations(git_repo: GitRepo) -> None:
    commits = commit_translated_history(git_repo)

    code, output = run_cli(git_repo, "versions", "--format", "json", "--as-of", "2022-06-01")

    assert code == 0, output
    records = json.loads(output)
    translations = [r for r in records if "locale" in r]
    assert [(r["locale"], r["translates"], r["status"], r["commit"]) for r in translations] == [
        ("nb", "1.0", "stale", commits[0]),
        ("nb", "1.1", "stale", commits[1]),
    ]
    assert [r["url"] for r in translations] == [
        # the nb policy page shows the latest translation; an older one has its version page
        "https://example.com/nb/privacy/versions/1.0/",
        "https://example.com/nb/privacy/",
    ]
    assert translations[-1]["latest"] is True
    assert [r["version"] for r in records if "locale" not in r] == ["1.0", "1.1", "2.0"]


def test_versions_table_shows_the_translation(git_repo: GitRepo) -> None:
    commit_translated_history(git_repo)

    code, output = run_cli(git_repo, "versions", "--as-of", "2022-06-01")

    assert code == 0, output
    row = next(line for line in output.splitlines() if "(nb)" in line)
    assert row.split()[:6] == ["privacy", "(nb)", "→", "1.1", "stale", "translation"]


def bad(git_repo: GitRepo, *files: tuple[str, str]) -> str:
    git_repo.write("policies/privacy.md", policy_text("1.0", "2020-01-01", BODY_1_0))
    for path, text in files:
        git_repo.write(path, text)
    git_repo.commit("bad translation")
    code, output = run_cli(git_repo, "versions")
    assert code == 1, output
    assert "Traceback" not in output
    with pytest.raises(PolicySiteError):
        load_policies(load_settings(git_repo.path))
    return " ".join(output.split())


def test_a_locale_not_in_locales_is_one_clear_error(git_repo: GitRepo) -> None:
    output = bad(git_repo, ("policies/privacy.de.md", translation_text("1.0", NB_1_0)))

    assert "policies/privacy.de.md" in output
    assert "translation into German ('de'), which is not in `locales:` of mkdocs.yml (en, nb)" in (
        output
    )


def test_a_translation_of_no_policy_is_one_clear_error(git_repo: GitRepo) -> None:
    output = bad(git_repo, ("policies/terms.nb.md", translation_text("1.0", NB_1_0)))

    assert "policies/terms.nb.md" in output
    assert "is a translation of policy 'terms', but there is no policies/terms.md" in output


def test_a_translation_with_its_own_version_is_one_clear_error(git_repo: GitRepo) -> None:
    text = '---\ntitle: Personvern\nversion: "1.0"\neffective: 2020-01-01\n---\n' + NB_1_0
    output = bad(git_repo, ("policies/privacy.nb.md", text))

    assert "policies/privacy.nb.md:3" in output
    assert "a translation has no `version:` of its own" in output


def test_two_translations_into_one_locale_are_one_clear_error(git_repo: GitRepo) -> None:
    output = bad(
        git_repo,
        ("policies/privacy.nb.md", translation_text("1.0", NB_1_0)),
        ("policies/privacy.no.md", translation_text("1.0", NB_1_0)),
    )

    assert "policies/privacy.no.md" in output
    assert (
        "is a second Norwegian Bokmål translation ('nb'): policies/privacy.nb.md is the first"
        in output
    )


def test_a_translation_of_an_unknown_version_is_one_clear_error(git_repo: GitRepo) -> None:
    output = bad(git_repo, ("policies/privacy.nb.md", translation_text("3.0", NB_1_0)))

    assert "policies/privacy.nb.md:3" in output
    assert (
        'translates: "3.0" is not a published or pending version of policies/privacy.md '
        "(versions: 1.0)" in output
    )


def test_videxio_in_norwegian_has_every_anchor_and_says_it_is_unofficial() -> None:
    source = parse_document((REPO_ROOT / "policies/privacy.md").read_text("utf-8"), "privacy.md")
    text = (REPO_ROOT / "policies/privacy.nb.md").read_text("utf-8")
    translation = parse_document(text, "privacy.nb.md")

    assert translation.meta.translates == source.meta.version
    assert translation.meta.version is None
    assert (
        "Uoffisiell oversettelse laget for dette nettstedet" in translation.meta.extra["unofficial"]
    )
    assert "uoffisiell oversettelse" in translation.body.split("\n## ", 1)[0]
    ours = [(s.anchor, s.level, s.explicit) for s in split_sections(translation.body) if s.anchor]
    theirs = [(s.anchor, s.level, True) for s in split_sections(source.body) if s.anchor]
    assert ours == theirs


def test_a_translation_of_a_policy_adopted_as_it_is_renders_the_text_of_its_day(
    git_repo: GitRepo,
) -> None:
    git_repo.write("policies/privacy.md", "# Privacy\n\nWe collect your name.\n")
    first = git_repo.commit("privacy, no labels")
    git_repo.write("policies/privacy.nb.md", "# Personvern\n\nVi samler inn navnet ditt.\n")
    git_repo.commit("in Norwegian")

    (policy,) = load_policies(load_settings(git_repo.path), as_of=dt.date(2030, 1, 1))

    (version,) = policy.versions
    assert (version.commit, version.adopted) == (first, True)
    (translation,) = policy.translations
    assert [(r.translates, r.status) for r in translation.revisions] == [(version.label, "current")]
