"""Adopting existing policy repositories: which files are policies (a file per policy, a folder
per policy), what a version of an adopted text is, and `policysite adopt` itself."""

from __future__ import annotations

import datetime as dt

from policysite.config import load_settings
from policysite.selection import Selection, policy_id
from policysite.versions import load_policies
from tests.conftest import GitRepo


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
