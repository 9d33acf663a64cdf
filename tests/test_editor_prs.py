"""The seven pull requests of issue 11, replayed as a lawyer makes them in GitHub's web editor
(tests/editor.py): each edit a commit on the branch, each fix a suggestion committed or a "new
file" link opened. Exact findings and suggestions; then the check passes, with no other file
touched."""

from __future__ import annotations

import pytest

from tests.conftest import GitRepo
from tests.editor import (
    PATH,
    TODAY,
    check,
    commit_suggestions,
    create,
    edit,
    findings,
    links,
    note,
    open_link,
    published_site,
    review,
    start_branch,
    suggestions,
)

PASS = "policysite check: all rules pass (1 policy, 3 versions, compared with main)."


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    return published_site(git_repo)


def changed_files(repo: GitRepo) -> list[str]:
    return repo.git("diff", "--name-only", "main...HEAD").splitlines()


def test_typo_fix(site: GitRepo) -> None:
    start_branch(site, "typo")
    edit(site, PATH, "to keep you signed in", "to keep you signed in.")
    assert findings(site) == [
        f"{PATH}:3: error: the text changed since main but 'version' is still \"1.1\", which is "
        "already published; every change of a published text needs a new version: set `version: "
        '"1.2"` (and `effective:`), and add changelog/privacy/1.2.md.'
    ]
    found = review(site)
    assert suggestions(found) == [(PATH, "3-4", 'version: "1.2"\neffective: 2021-06-01')]
    assert [(words, path) for words, path, _ in links(found)] == [
        ("as a material change", "changelog/privacy/1.2.md"),
        ("as an editorial fix", "changelog/privacy/1.2.md"),
    ]
    commit_suggestions(site, found)
    open_link(site, found, "as an editorial fix", "A full stop added.")
    assert check(site) == (0, PASS + "\n")
    assert changed_files(site) == ["changelog/privacy/1.2.md", PATH]


def test_material_change_with_a_new_section(site: GitRepo) -> None:
    start_branch(site, "transfers")
    edit(
        site,
        PATH,
        'version: "1.1"\neffective: 2021-01-01',
        'version: "1.2"\neffective: 2021-07-01',
    )
    edit(
        site,
        PATH,
        "keep you signed in.\n",
        "keep you signed in.\n\n## Transfers\n\nOur support provider is in the United States.\n",
    )
    create(site, "changelog/privacy/1.2.md", note(True, "We now say where your data goes."))
    assert findings(site) == [
        f"{PATH}:18: warning: heading \"Transfers\" has no {{#id}}, so its anchor '#transfers' "
        "changes whenever its words do; add {#transfers} (or a shorter id) at the end of the "
        "heading line."
    ]
    found = review(site)
    assert suggestions(found) == [(PATH, "18", "## Transfers {#transfers}")]
    commit_suggestions(site, found)
    assert check(site) == (0, PASS + "\n")
    assert changed_files(site) == ["changelog/privacy/1.2.md", PATH]


def test_heading_renamed(site: GitRepo) -> None:
    start_branch(site, "rename")
    edit(site, PATH, "## Cookies {#cookies}", "## Cookies and tracking {#tracking}")
    edit(site, PATH, 'version: "1.1"', 'version: "1.2"')
    create(site, "changelog/privacy/1.2.md", note(False, "A clearer heading."))
    assert findings(site) == [
        f"{PATH}:14: error: anchor '#cookies' (heading \"Cookies\" in version 1.1) is gone, so "
        "links to privacy#cookies would break; the heading looks renamed to '#tracking' "
        '("Cookies and tracking"): put {#cookies} back on it, or add `anchor_aliases: '
        "{cookies: tracking}` to the front matter."
    ]
    found = review(site)
    # The alias goes below the last setting of the front matter (line 4, effective:).
    assert suggestions(found) == [
        (PATH, "4", "effective: 2021-01-01\nanchor_aliases: {cookies: tracking}")
    ]
    commit_suggestions(site, found)
    assert check(site) == (0, PASS + "\n")


def test_too_short_notice(site: GitRepo) -> None:
    start_branch(site, "notice")
    edit(site, PATH, "one year", "six months")
    edit(
        site,
        PATH,
        'version: "1.1"\neffective: 2021-01-01',
        'version: "1.2"\neffective: 2021-06-11',
    )
    create(site, "changelog/privacy/1.2.md", note(True, "We keep your data six months."))
    assert findings(site) == [
        f'{PATH}:4: error: version "1.2" is a material change taking effect 2021-06-11, only 10 '
        "day(s) after today (2021-06-01); users must be told 30 days ahead (notice_days in "
        "mkdocs.yml): set `effective:` to 2021-07-01 or later."
    ]
    found = review(site)
    assert suggestions(found) == [(PATH, "4", "effective: 2021-07-01")]
    commit_suggestions(site, found)
    assert check(site) == (0, PASS + "\n")


def test_new_policy(site: GitRepo) -> None:
    start_branch(site, "cookies")
    create(
        site,
        "policies/cookies.md",
        '---\ntitle: Cookie policy\nversion: "1.0"\neffective: 2021-06-01\n---\n'
        "## What cookies are {#what}\n\nSmall files your browser keeps for us.\n",
    )
    assert findings(site) == [
        'policies/cookies.md:3: error: version "1.0" has no changelog note; create '
        "changelog/cookies/1.0.md with `material: true` (users are notified) or `material: "
        "false` (an editorial fix) between --- lines, then a summary of what changed and why."
    ]
    found = review(site)
    assert links(found) == [
        ("as a material change", "changelog/cookies/1.0.md", "---\nmaterial: true\n---\n\n"),
        ("as an editorial fix", "changelog/cookies/1.0.md", "---\nmaterial: false\n---\n\n"),
    ]
    open_link(site, found, "as a material change", "Our first cookie policy.\n")
    code, output = check(site)
    assert (code, output.splitlines()[-1]) == (
        0,
        "policysite check: all rules pass (2 policies, 3 versions, compared with main).",
    )


def test_retirement(site: GitRepo) -> None:
    start_branch(site, "retire")
    edit(
        site,
        PATH,
        'version: "1.1"\neffective: 2021-01-01',
        'version: "1.2"\neffective: 2021-06-01\nretired: 2021-06-02',
    )
    create(site, "changelog/privacy/1.2.md", note(False, "The policy is withdrawn."))
    assert findings(site) == [
        'changelog/privacy/1.2.md:2: warning: version "1.2" withdraws the policy, but '
        "changelog/privacy/1.2.md says `material: false`, so nobody is told; a retirement is "
        "material: set `material: true` unless readers lose nothing by it.",
        f'{PATH}:5: error: version "1.2" withdraws the policy on 2021-06-02, only 1 day(s) after '
        "today (2021-06-01); users must be told 30 days before a policy is withdrawn "
        "(notice_days in mkdocs.yml): set `retired:` to 2021-07-01 or later.",
    ]
    found = review(site)
    assert suggestions(found) == [
        ("changelog/privacy/1.2.md", "2", "material: true"),
        (PATH, "5", "retired: 2021-07-01"),
    ]
    commit_suggestions(site, found)
    assert check(site) == (0, PASS + "\n")


def test_edit_of_a_published_version(site: GitRepo) -> None:
    """The text and the note of 1.1, both changed as if 1.1 were still a draft."""
    start_branch(site, "fix-1.1")
    edit(site, PATH, "one year", "twelve months")
    edit(site, "changelog/privacy/1.1.md", "not two", "not two years")
    assert findings(site) == [
        "changelog/privacy/1.1.md:1: error: is the note of privacy 1.1, published on main, and "
        "its text was edited here; a published note never changes: put it back as it was, and "
        "say what is new in the next version's note.",
        f"{PATH}:3: error: the text changed since main but 'version' is still \"1.1\", which is "
        "already published; every change of a published text needs a new version: set `version: "
        '"1.2"` (and `effective:`), and add changelog/privacy/1.2.md.',
    ]
    found = review(site)
    assert suggestions(found) == [
        (
            "changelog/privacy/1.1.md",
            "1-4",
            "---\nmaterial: true\n---\nWe keep your data for one year, not two.",
        ),
        (PATH, "3-4", 'version: "1.2"\neffective: 2021-06-01'),
    ]
    commit_suggestions(site, found)
    open_link(site, found, "as an editorial fix", "Twelve months, not one year: the same.")
    assert check(site) == (0, PASS + "\n")
    assert changed_files(site) == ["changelog/privacy/1.2.md", PATH]


def test_material_flag_of_a_published_note_flipped(site: GitRepo) -> None:
    start_branch(site, "flip")
    edit(site, "changelog/privacy/1.0.md", "material: true", "material: false")
    assert findings(site) == [
        "changelog/privacy/1.0.md:1: error: is the note of privacy 1.0, published on main, and "
        "`material: true` was changed to `material: false` here; a published note never "
        "changes: put it back as it was, and say what is new in the next version's note."
    ]


def test_deleted_policy_is_put_back_retired_in_two_clicks(site: GitRepo) -> None:
    start_branch(site, "delete")
    site.git("rm", "-q", PATH)
    site.commit("Delete policies/privacy.md")
    assert findings(site) == [
        f"{PATH}:1: error: was deleted, but it has published versions (1.0, 1.1) that readers "
        "may hold links to; put the file back and retire the policy instead: its last text "
        'with `version: "1.2"`, `effective: 2021-06-01` and `retired: 2021-07-01` in the front '
        "matter (the site keeps its archive and shows the policy as retired)."
    ]
    found = review(site)
    assert [(c["path"], c["line"], c["side"]) for c in found["comments"]] == [(PATH, 1, "LEFT")]
    assert [(words, path) for words, path, _ in links(found)] == [
        ("retiring the policy", PATH),
        ("as a material change", "changelog/privacy/1.2.md"),
    ]
    open_link(site, found, "retiring the policy")
    open_link(site, found, "as a material change", "We withdraw this policy on 1 July.\n")
    assert check(site) == (0, PASS + "\n")
    assert changed_files(site) == ["changelog/privacy/1.2.md", PATH]
