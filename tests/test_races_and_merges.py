"""Two pull requests that pick one label, and the three ways GitHub merges a pull request:
a merge commit, a squash, a rebase. Real repositories, web-editor edits (tests/editor.py)."""

from __future__ import annotations

import subprocess

import pytest

from policysite.config import load_settings
from policysite.versions import load_policies
from tests.conftest import GitRepo
from tests.editor import (
    PATH,
    TODAY,
    bump,
    check,
    commit_suggestions,
    create,
    edit,
    findings,
    links,
    merge_pull_request,
    merge_ref,
    note,
    open_link,
    published_site,
    review,
    start_branch,
    suggestions,
)

PASS_13 = "policysite check: all rules pass (1 policy, 4 versions, compared with main)."


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    return published_site(git_repo)


def race(repo: GitRepo, note_b: bool = True) -> None:
    """Alice and Bob both start from main at 1.1 and both call their change 1.2; Alice's is
    merged first."""
    start_branch(repo, "alice")
    edit(repo, PATH, "one year", "eighteen months")
    bump(repo, "1.2")
    create(repo, "changelog/privacy/1.2.md", note(True, "We keep your data longer."))
    start_branch(repo, "bob")
    edit(repo, PATH, "to keep you signed in", "to keep you signed in, and nothing else")
    bump(repo, "1.2")
    if note_b:
        create(repo, "changelog/privacy/1.2.md", note(False, "A clearer sentence on cookies."))
        assert check(repo)[0] == 0  # 1.2 is free while Alice's change waits
    merge_pull_request(repo, "alice")
    repo.git("checkout", "-q", "bob")


def test_the_second_branch_to_take_a_label_is_told_the_next_one_and_the_rename(
    site: GitRepo,
) -> None:
    """Checked at Bob's branch, before it holds Alice's change (a check on his machine)."""
    race(site)
    assert findings(site) == [
        f'{PATH}:3: error: "1.2" was published on main by another change since this branch '
        'started: use "1.3" — rename `changelog/privacy/1.2.md` to `1.3.md` and change '
        "`version:` on line 3."
    ]
    found = review(site)
    assert suggestions(found) == [(PATH, "3", 'version: "1.3"')]
    commit_suggestions(site, found)
    site.git("mv", "changelog/privacy/1.2.md", "changelog/privacy/1.3.md")
    site.commit("Rename changelog/privacy/1.2.md to changelog/privacy/1.3.md")
    assert check(site) == (0, PASS_13 + "\n")


def test_the_race_after_resolving_the_conflict_in_the_browser(site: GitRepo) -> None:
    """Both notes are changelog/privacy/1.2.md, so GitHub reports a conflict and runs no check.
    Bob clicks **Resolve conflicts** and keeps his note; GitHub then checks the merge."""
    race(site)
    conflict = subprocess.run(["git", "merge", "-q", "main"], cwd=site.path, capture_output=True)
    assert b"CONFLICT (add/add): Merge conflict in changelog/privacy/1.2.md" in conflict.stdout
    create(site, "changelog/privacy/1.2.md", note(False, "A clearer sentence on cookies."))
    merge_ref(site, "bob")
    assert findings(site) == [
        "changelog/privacy/1.2.md:1: error: is the note of privacy 1.2, published on main, and "
        "`material: true` was changed to `material: false` here; a published note never "
        "changes: put it back as it was, and say what is new in the next version's note.",
        f'{PATH}:3: error: "1.2" was published on main by another change since this branch '
        'started: use "1.3" — move your note to `changelog/privacy/1.3.md`, and put '
        "`changelog/privacy/1.2.md` back as it was and change `version:` on line 3.",
    ]
    found = review(site, branch="bob")
    assert suggestions(found) == [
        ("changelog/privacy/1.2.md", "1-4", "---\nmaterial: true\n---\nWe keep your data longer."),
        (PATH, "3", 'version: "1.3"'),
    ]
    assert links(found) == [
        (
            "your note, moved",
            "changelog/privacy/1.3.md",
            "---\nmaterial: false\n---\nA clearer sentence on cookies.\n",
        )
    ]
    site.git("checkout", "-q", "bob")
    commit_suggestions(site, found)
    open_link(site, found, "your note, moved")
    merge_ref(site, "bob")
    assert check(site, branch="bob") == (0, PASS_13 + "\n")


def test_the_race_without_a_conflict(site: GitRepo) -> None:
    """Bob has no note yet: GitHub merges cleanly and checks the merge."""
    race(site, note_b=False)
    merge_ref(site, "bob")
    assert findings(site) == [
        f'{PATH}:3: error: "1.2" was published on main by another change since this branch '
        'started: use "1.3" — create `changelog/privacy/1.3.md` and change `version:` on line 3.'
    ]
    found = review(site, branch="bob")
    assert [(words, path) for words, path, _ in links(found)] == [
        ("as a material change", "changelog/privacy/1.3.md"),
        ("as an editorial fix", "changelog/privacy/1.3.md"),
    ]


def test_a_label_the_branch_knew_is_no_race(site: GitRepo) -> None:
    """Started after 1.1: keeping "1.1" is an edit without a new label, not a race."""
    start_branch(site, "late")
    edit(site, PATH, "one year", "a year")
    assert [line.split(": ")[2][:30] for line in findings(site)] == [
        "the text changed since main bu"
    ]


def test_squash_merge(site: GitRepo) -> None:
    """Three saves in the browser, squashed into one commit on main: one version."""
    start_branch(site, "squash")
    edit(site, PATH, "one year", "six months")
    bump(site, "1.2")
    create(site, "changelog/privacy/1.2.md", note(True, "We keep your data six months."))
    site.git("checkout", "-q", "main")
    site.git("merge", "-q", "--squash", "squash")
    squashed = site.commit("Shorter retention (#3)")
    site.git("branch", "-q", "-D", "squash")
    (policy,) = load_policies(load_settings(site.path))
    assert [(v.label, v.commit) for v in policy.versions][-1] == ("1.2", squashed)
    code, output = check(site)
    assert (code, output.splitlines()[-1]) == (0, PASS_13.replace("4 versions", "3 versions"))


def test_rebase_merge(site: GitRepo) -> None:
    """GitHub's rebase merge replays each save onto main: 1.2, then a typo fix of 1.2. The
    last text of the label is the version."""
    start_branch(site, "rebase")
    edit(site, PATH, "one year", "six monhts")
    bump(site, "1.2")
    create(site, "changelog/privacy/1.2.md", note(True, "We keep your data six months."))
    edit(site, PATH, "six monhts", "six months")
    site.git("checkout", "-q", "main")
    site.commit("An unrelated change on main", README_md="# Policies\n")
    site.git("checkout", "-q", "rebase")
    site.git("rebase", "-q", "main")
    site.git("checkout", "-q", "main")
    site.git("merge", "-q", "--ff-only", "rebase")
    (policy,) = load_policies(load_settings(site.path))
    (last,) = policy.versions[2:]
    assert (last.label, last.commit) == ("1.2", site.git("rev-parse", "HEAD"))
    assert "six months" in last.text
    assert check(site)[0] == 0
