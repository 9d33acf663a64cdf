"""Golden PR summary: ``policysite diff --base main --format markdown`` on a pull request that
changes two policies (tests/pr_fixture.py), compared whole with
tests/golden/pr-summary/two-policies.md: it is what reviewers read in the PR comment.

After a deliberate change of the output, rewrite it with
``POLICYSITE_UPDATE_GOLDEN=1 pytest tests/test_pr_summary_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.cli import main
from tests import editor
from tests.conftest import GitRepo
from tests.pr_fixture import TODAY, make_two_policy_pr

GOLDEN = Path(__file__).parent / "golden" / "pr-summary" / "two-policies.md"
UPDATE = os.environ.get("POLICYSITE_UPDATE_GOLDEN") == "1"


def test_two_policy_pull_request_summary(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    make_two_policy_pr(git_repo)

    result = CliRunner().invoke(
        main, ["-C", str(git_repo.path), "diff", "--base", "main", "--format", "markdown"]
    )

    assert result.exit_code == 0, result.output
    if UPDATE:
        GOLDEN.write_text(result.output, encoding="utf-8")
    assert result.output == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("today", "privacy", "terms"),
    [
        ("2021-05-01", "effective 2021-07-01, 61 days' notice (at least 30)", "(in 31 days)"),
        (
            "2021-06-12",
            "effective 2021-07-01, **only 19 days' notice (at least 30 required)**",
            "(11 days ago)",
        ),
        (
            "2021-06-30",
            "effective 2021-07-01, **only 1 day's notice (at least 30 required)**",
            "(29 days ago)",
        ),
        (
            "2021-07-01",
            "effective 2021-07-01, **no notice: it takes effect today (at least 30 days "
            "required)**",
            "(30 days ago)",
        ),
        (
            "2021-07-03",
            "effective 2021-07-01, **no notice: it took effect 2 days ago (at least 30 days "
            "required)**",
            "(32 days ago)",
        ),
    ],
)
def test_the_notice_a_version_gives_counts_from_today(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, today: str, privacy: str, terms: str
) -> None:
    make_two_policy_pr(git_repo)
    monkeypatch.setenv("POLICYSITE_TODAY", today)

    result = CliRunner().invoke(
        main, ["-C", str(git_repo.path), "diff", "--base", "main", "--format", "markdown"]
    )

    lines = [line for line in result.output.splitlines() if " · " in line]
    assert lines == [
        f"**Material change**: subscribers will be notified · {privacy} · 3 of 4 sections "
        "changed · +29 −4 words",
        f"Editorial change (not material) · effective 2021-06-01 {terms} · 1 of 2 sections "
        "changed · +0 −1 words",
    ]


# --- what kind of change a pull request makes, said in words ---------------------------------


def _new_policy(repo: GitRepo) -> None:
    editor.create(
        repo,
        "policies/cookies.md",
        '---\ntitle: Cookie policy\nversion: "1.0"\neffective: 2021-06-01\n---\n'
        "## What cookies are {#what}\n\nSmall files your browser keeps for us.\n",
    )
    editor.create(repo, "changelog/cookies/1.0.md", editor.note(True, "Our first cookie policy."))


def _retirement(repo: GitRepo) -> None:
    editor.edit(
        repo,
        editor.PATH,
        'version: "1.1"\neffective: 2021-01-01',
        'version: "1.2"\neffective: 2021-06-01\nretired: 2021-07-15',
    )
    editor.create(repo, "changelog/privacy/1.2.md", editor.note(True, "We withdraw it."))


def _punctuation(repo: GitRepo) -> None:
    editor.edit(repo, editor.PATH, "signed in.", "signed in!")
    editor.bump(repo, "1.2", "2021-06-01")
    editor.create(repo, "changelog/privacy/1.2.md", editor.note(False, "Punctuation."))


def _note_edits(repo: GitRepo) -> None:
    editor.edit(repo, "changelog/privacy/1.0.md", "material: true", "material: false")
    editor.edit(repo, "changelog/privacy/1.1.md", "not two", "not two years")


def _deleted(repo: GitRepo) -> None:
    repo.git("rm", "-q", editor.PATH)
    repo.commit("Delete policies/privacy.md")


KINDS: dict[str, Callable[[GitRepo], None]] = {
    "new-policy": _new_policy,
    "retirement": _retirement,
    "punctuation-only": _punctuation,
    "published-notes-edited": _note_edits,
    "deleted": _deleted,
}


@pytest.mark.parametrize("case", sorted(KINDS))
def test_the_comment_names_the_kind_of_change(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setenv("POLICYSITE_TODAY", editor.TODAY)
    editor.published_site(git_repo)
    editor.start_branch(git_repo, case)
    KINDS[case](git_repo)

    result = CliRunner().invoke(
        main, ["-C", str(git_repo.path), "diff", "--base", "main", "--format", "markdown"]
    )

    assert result.exit_code == 0, result.output
    assert "+0 −0" not in result.output
    golden = GOLDEN.parent / f"{case}.md"
    if UPDATE:
        golden.write_text(result.output, encoding="utf-8")
    assert result.output == golden.read_text(encoding="utf-8")
