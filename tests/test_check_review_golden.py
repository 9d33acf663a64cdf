"""Golden pull-request reviews: ``policysite check --format github-review`` on a few pull
requests (tests/editor.py), compared whole with tests/golden/check-review/<case>.json: the JSON
the PR workflow posts to GitHub, suggestions and "new file" links included.

After a deliberate change of the output, rewrite them with
``POLICYSITE_UPDATE_GOLDEN=1 pytest tests/test_check_review_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import GitRepo
from tests.editor import (
    PATH,
    TODAY,
    check,
    create,
    edit,
    merge_pull_request,
    note,
    published_site,
    start_branch,
)

GOLDEN = Path(__file__).parent / "golden" / "check-review"
UPDATE = os.environ.get("POLICYSITE_UPDATE_GOLDEN") == "1"


def first_push(repo: GitRepo) -> None:
    """Text edited, a heading renamed, a section added: no new label, no note yet."""
    start_branch(repo, "privacy-update")
    edit(repo, PATH, "one year", "six months")
    edit(repo, PATH, "## Cookies {#cookies}", "## Cookies and tracking {#tracking}")
    edit(repo, PATH, "signed in.\n", "signed in.\n\n## Contact\n\nWrite to privacy@acme.test.\n")


def too_soon(repo: GitRepo) -> None:
    """A material change with ten days' notice, and a retirement the next day."""
    start_branch(repo, "withdraw")
    edit(
        repo,
        PATH,
        'version: "1.1"\neffective: 2021-01-01',
        'version: "1.2"\neffective: 2021-06-11\nretired: 2021-06-02',
    )
    create(repo, "changelog/privacy/1.2.md", note(False, "We withdraw the policy."))


def taken(repo: GitRepo) -> None:
    """Another change published 1.2 while this branch was open."""
    start_branch(repo, "other")
    edit(repo, PATH, 'version: "1.1"', 'version: "1.2"')
    create(repo, "changelog/privacy/1.2.md", note(False, "The other change."))
    start_branch(repo, "mine", "main")
    edit(repo, PATH, "one year", "a year")
    edit(repo, PATH, 'version: "1.1"', 'version: "1.2"')
    create(repo, "changelog/privacy/1.2.md", note(False, "Mine."))
    merge_pull_request(repo, "other")
    repo.git("checkout", "-q", "mine")


def deleted(repo: GitRepo) -> None:
    """A published policy deleted instead of retired."""
    start_branch(repo, "delete")
    repo.git("rm", "-q", PATH)
    repo.commit("Delete policies/privacy.md")


CASES: dict[str, Callable[[GitRepo], None]] = {
    "first-push": first_push,
    "too-soon": too_soon,
    "label-taken": taken,
    "deleted": deleted,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_review(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    published_site(git_repo)
    CASES[case](git_repo)

    code, output = check(git_repo, fmt="github-review")

    assert code == 1
    golden = GOLDEN / f"{case}.json"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")
