"""Versions from real git history: linear, renames, merges, adopt mode, status and bad input."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite import history
from policysite.cli import main
from policysite.config import load_settings
from policysite.errors import HistoryError, NotFoundError, PolicySiteError
from policysite.history.repository import CatFile
from policysite.model import parse_document
from policysite.versions import load_policies
from tests.conftest import REPO_ROOT, GitRepo, policy_text

BODY = """
## Data we collect {#data}

We collect your name.

## Cookies {#cookies}

We use cookies.
"""


def labels(repo: GitRepo, as_of: str = "2030-01-01") -> list[tuple[str, str, str]]:
    policies = load_policies(load_settings(repo.path), as_of=dt.date.fromisoformat(as_of))
    return [(p.id, v.label, v.status) for p in policies for v in p.versions]


def run_cli(repo: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo.path), *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def test_linear_history_gives_one_version_per_label(git_repo: GitRepo) -> None:
    first = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "\nMore.\n"))
    last = git_repo.commit(policies__privacy_md=policy_text("2.0", "2022-01-01", BODY + "\nX.\n"))

    policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2021, 6, 1))

    assert [(v.label, v.effective.isoformat(), v.status) for v in policies[0].versions] == [
        ("1.0", "2020-01-01", "archived"),
        ("1.1", "2021-01-01", "current"),
        ("2.0", "2022-01-01", "upcoming"),
    ]
    assert policies[0].versions[0].commit == first
    assert policies[0].versions[-1].commit == last


def test_status_when_nothing_is_in_effect_yet(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    assert labels(git_repo, as_of="2019-12-31") == [("privacy", "1.0", "upcoming")]
    assert labels(git_repo, as_of="2020-01-01") == [("privacy", "1.0", "current")]


def test_pure_rename_is_no_new_version_but_rename_with_edit_is(git_repo: GitRepo) -> None:
    git_repo.commit(policies__data_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.git("mv", "policies/data.md", "policies/privacy.md")
    git_repo.commit("rename only")
    assert labels(git_repo) == [("privacy", "1.0", "current")]

    git_repo.git("mv", "policies/privacy.md", "policies/privacy-policy.md")
    git_repo.write("policies/privacy-policy.md", policy_text("1.1", "2021-01-01", BODY + "\nA.\n"))
    git_repo.commit("rename and edit")

    policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2030, 1, 1))
    assert [p.id for p in policies] == ["privacy-policy"]
    assert [(v.label, v.path) for v in policies[0].versions] == [
        ("1.0", "policies/data.md"),
        ("1.1", "policies/privacy-policy.md"),
    ]


def test_the_log_read_a_few_bytes_at_a_time_gives_the_same_versions(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``git log`` is parsed as it comes, a commit at a time: one split over many reads (or a
    read ending right where the next commit starts) is read whole."""
    git_repo.commit(policies__data_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.git("mv", "policies/data.md", "policies/privacy.md")
    git_repo.commit("rename", policies__terms_md=policy_text("1.0", "2020-01-01", "Terms.\n"))
    git_repo.git("checkout", "-q", "-b", "pr")
    git_repo.commit("wip", policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "\nW\n"))
    git_repo.git("checkout", "-q", "main")
    git_repo.git("merge", "-q", "--no-ff", "pr", "-m", "Merge PR")

    def read() -> list[tuple[str, str, str, str, str]]:
        policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2030, 1, 1))
        return [(p.id, v.label, v.commit, v.path, v.text) for p in policies for v in p.versions]

    whole = read()
    assert [row[:2] for row in whole] == [("privacy", "1.0"), ("privacy", "1.1"), ("terms", "1.0")]
    for size in (1, 2, 3, 41):
        monkeypatch.setattr(history, "_LOG_CHUNK", size)
        assert read() == whole, size


def test_only_first_parent_of_a_merge_counts(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.git("checkout", "-q", "-b", "pr")
    git_repo.commit("wip", policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "\nW\n"))
    git_repo.commit("fix", policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "\nF\n"))
    git_repo.git("checkout", "-q", "main")
    git_repo.git("merge", "-q", "--no-ff", "pr", "-m", "Merge PR")
    merge = git_repo.git("rev-parse", "HEAD")

    policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2030, 1, 1))
    versions = policies[0].versions
    # The branch's two commits are one version, whose commit is the merge on main.
    assert [(v.label, v.commit) for v in versions][1:] == [("1.1", merge)]
    assert versions[-1].text.endswith("F\n")


def test_adopted_policy_gets_a_version_per_day_labelled_by_date(git_repo: GitRepo) -> None:
    git_repo.commit(date="2020-11-23T10:00:00+00:00", policies__terms_md="# Terms\n\nOne.\n")
    two = git_repo.commit(date="2020-11-23T15:00:00+00:00", policies__terms_md="# Terms\n\nTwo.\n")
    git_repo.commit(date="2020-11-24T09:00:00+00:00", mkdocs_yml="site_name: T\n")  # not policy
    git_repo.commit(date="2020-12-01T09:00:00+00:00", policies__terms_md="# Terms\n\nThree.\n")

    policies = load_policies(load_settings(git_repo.path), as_of=dt.date(2020, 11, 30))
    # The two texts of 23 November are one version: the last one, in force at the day's end.
    assert [
        (v.label, v.effective.isoformat(), v.status, v.adopted, v.commit)
        for v in policies[0].versions
    ] == [
        ("2020-11-23", "2020-11-23", "current", True, two),
        ("2020-12-01", "2020-12-01", "upcoming", True, policies[0].versions[-1].commit),
    ]
    assert policies[0].versions[0].body == "# Terms\n\nTwo.\n"
    assert policies[0].title == "Terms"


def test_nested_policies_and_index_page(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__index_md="# Home\n",
        policies__legal__terms_md=policy_text("1", "2020-01-01", BODY, title="Terms"),
        policies__privacy_md=policy_text("1.0", "2020-01-01", BODY),
    )
    assert [p[0] for p in labels(git_repo)] == ["legal/terms", "privacy"]


def test_deleted_policy_is_gone_and_untracked_files_are_ignored(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__old_md=policy_text("1", "2020-01-01", BODY),
        policies__privacy_md=policy_text("1.0", "2020-01-01", BODY),
    )
    git_repo.git("rm", "-q", "policies/old.md")
    git_repo.commit("drop old")
    git_repo.write("policies/draft.md", policy_text("0.1", "2020-01-01", BODY))
    assert labels(git_repo) == [("privacy", "1.0", "current")]


def test_ignore_commits_skips_a_mistake_already_on_main(git_repo: GitRepo) -> None:
    first = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    mistake = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY + "x\n"))
    # Without a new label the last text is the version (the publish job refuses it if the first
    # one was deployed: tests/test_record.py); ignore_commits puts the first one back.
    assert [v.commit for p in load_policies(load_settings(git_repo.path)) for v in p.versions] == [
        mistake
    ]
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "x\n"))
    git_repo.write(
        "mkdocs.yml",
        f"docs_dir: policies\nplugins:\n  - policysite:\n      ignore_commits: [{mistake[:10]}]\n",
    )
    assert labels(git_repo) == [("privacy", "1.0", "archived"), ("privacy", "1.1", "current")]
    assert load_policies(load_settings(git_repo.path))[0].versions[0].commit == first


def test_commits_of_one_label_that_land_together_are_one_version(git_repo: GitRepo) -> None:
    """A rebase merge replays each commit of a pull request onto main: 1.1, then a fix of it."""
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "Typo.\n"))
    fixed = git_repo.commit(
        policies__privacy_md=policy_text("1.1", "2021-02-01", BODY + "Typo fixed.\n")
    )
    (policy,) = load_policies(load_settings(git_repo.path), as_of=dt.date(2021, 6, 1))
    assert [(v.label, v.effective.isoformat(), v.commit) for v in policy.versions[1:]] == [
        ("1.1", "2021-02-01", fixed)
    ]


def test_a_version_says_what_it_does_to_its_policy(git_repo: GitRepo) -> None:
    """kind: the first version brings the policy in, the one that sets `retired:` withdraws it."""
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", BODY + "More.\n"))
    retiring = policy_text("1.2", "2021-02-01", BODY + "More.\n")
    retiring = retiring.replace("---\n## ", "retired: 2021-03-01\n---\n## ")
    git_repo.commit(policies__privacy_md=retiring)
    (policy,) = load_policies(load_settings(git_repo.path))
    assert [(v.label, v.kind) for v in policy.versions] == [
        ("1.0", "new"),
        ("1.1", "change"),
        ("1.2", "retirement"),
    ]


# --- bad input: one clear message naming file, commit and fix; exit 1; no traceback ---------


def _error(repo: GitRepo) -> str:
    with pytest.raises(PolicySiteError) as info:
        labels(repo)
    return info.value.format_message()


def test_malformed_yaml_names_file_line_and_commit(git_repo: GitRepo) -> None:
    commit = git_repo.commit(policies__privacy_md='---\ntitle: "Privacy\nversion: 1\n---\nText\n')
    message = _error(git_repo)
    assert message.startswith("policies/privacy.md:")
    assert f"(commit {commit[:12]})" in message
    assert "not valid YAML" in message


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        ("version: 1.1\neffective: 2020-01-01", "policies/privacy.md:3 "),
        ("version: 1.1\neffective: 2020-01-01", 'write version: "1.1"'),
        ("version: [1]\neffective: 2020-01-01", "'version' must be a label"),
        ('version: "1.0"\neffective: soon', "policies/privacy.md:4 "),
        ('version: "1.0"\neffective: soon', "'effective' must be a date written YYYY-MM-DD"),
        ('version: "1.0"', "no 'effective' date"),
        ('version: "1 0"\neffective: 2020-01-01', "must be letters, digits"),
        ("version:\neffective: 2020-01-01", "'version' must be a label"),
        ('version: "1.0"\neffective: 2026-02-30', "policies/privacy.md:4 "),
        ('version: "1.0"\neffective: 2026-02-30', "a date that does not exist"),
    ],
)
def test_bad_front_matter(git_repo: GitRepo, front_matter: str, expected: str) -> None:
    git_repo.commit(policies__privacy_md=f"---\ntitle: Privacy\n{front_matter}\n---\nText\n")
    assert expected in _error(git_repo)


def test_label_reused_for_different_text(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    first = git_repo.git("rev-parse", "HEAD")
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2020-02-01", BODY + "a\n"))
    again = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-03-01", BODY + "b\n"))
    message = _error(git_repo)
    assert message == (
        f'policies/privacy.md (commit {again[:12]}): version label "1.0" is used again for a '
        f"different text (first published at commit {first[:12]}); give this text a new label, "
        "e.g. the next number."
    )


def test_effective_earlier_than_previous(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2020-04-01", BODY + "a\n"))
    assert 'before the previous version "1.0" (2020-05-01)' in _error(git_repo)


def test_not_utf8_names_the_commit(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    git_repo.write(
        "policies/privacy.md",
        b'---\nversion: "1.1"\neffective: 2020-06-01\n---\n' + "Bokmål\n".encode("latin-1"),
    )
    bad = git_repo.commit("latin-1")
    message = _error(git_repo)
    assert message.startswith(f"policies/privacy.md:5 (commit {bad[:12]}): is not UTF-8")


def test_not_utf8_then_renamed_names_its_first_path_and_commit(git_repo: GitRepo) -> None:
    """The log lists the rename first (newest first); the error still names where the text
    was first committed, as the history reads oldest first."""
    git_repo.write("policies/privacy.md", b"# Privacy\n\n" + "Bokm\u00e5l\n".encode("latin-1"))
    bad = git_repo.commit("latin-1")
    git_repo.git("mv", "policies/privacy.md", "policies/personvern.md")
    git_repo.commit("renamed")
    message = _error(git_repo)
    assert message.startswith(f"policies/privacy.md:3 (commit {bad[:12]}): is not UTF-8"), message


def test_a_blob_missing_from_the_repository_is_named_with_its_file_and_commit(
    git_repo: GitRepo,
) -> None:
    commit = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    blob = git_repo.git("rev-parse", "HEAD:policies/privacy.md")
    (git_repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a loose object
    assert _error(git_repo) == (
        f"git object {blob} (policies/privacy.md at commit {commit[:12]}) is missing from the "
        "repository; run `git fsck` and fetch again."
    )


def test_names_worked_out_while_git_reads_come_back_in_order_then_the_error(
    git_repo: GitRepo,
) -> None:
    """``CatFile.read_batches`` takes names as they are worked out (``read_snapshot``'s come
    from ``git log`` as it runs); an error in working them out is raised after the objects
    asked for before it."""
    first = git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    second = git_repo.commit(policies__privacy_md=policy_text("1.1", "2020-06-01", BODY + "x\n"))

    def batches() -> Iterator[list[str]]:
        yield [f"{second}^{{commit}}", "no-such-revision"]
        yield [f"{first}:policies/privacy.md"]
        raise HistoryError("the log stopped")

    read = []
    with CatFile(git_repo.path) as objects, pytest.raises(HistoryError, match="the log stopped"):
        for name, found in objects.read_batches(batches()):
            read.append((name, found.oid if found else None))
    assert read == [
        (f"{second}^{{commit}}", second),
        ("no-such-revision", None),
        (f"{first}:policies/privacy.md", git_repo.git("rev-parse", f"{first}:policies/privacy.md")),
    ]


def test_file_over_one_mebibyte(git_repo: GitRepo) -> None:
    big = policy_text("1.0", "2020-05-01", "x" * (1024 * 1024 + 10) + "\n")
    git_repo.commit(policies__privacy_md=big)
    assert "a policy file may be at most 1 MiB" in _error(git_repo)


def test_shallow_clone_is_refused(git_repo: GitRepo, tmp_path: Path) -> None:
    for n in range(3):
        git_repo.commit(policies__privacy_md=policy_text(f"1.{n}", "2020-05-01", BODY + str(n)))
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{git_repo.path}", str(clone)], check=True
    )
    with pytest.raises(HistoryError, match="fetch-depth: 0"):
        load_policies(load_settings(clone))


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    with pytest.raises(HistoryError, match="is not inside a git repository"):
        load_policies(load_settings(tmp_path))


def test_cli_errors_are_one_line_and_exit_1(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    code, output = run_cli(git_repo, "versions", "terms")
    assert code == 1
    assert output == (
        "Error: no policy 'terms' in policies/ (committed policies: privacy). "
        "A policy is a committed .md file in policies/.\n"
    )
    git_repo.commit(policies__privacy_md="---\nversion: 2\n---\n")
    code, output = run_cli(git_repo, "versions")
    assert code == 1
    assert "Traceback" not in output
    assert output.startswith("Error: policies/privacy.md:2 (commit ")


def test_cli_reports_every_problem_at_once(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__a_md="---\nversion: 2\n---\n",
        policies__b_md='---\nversion: "1"\neffective: never\n---\n',
    )
    code, output = run_cli(git_repo, "versions")
    assert code == 1
    assert "policies/a.md:2" in output
    assert "policies/b.md:3" in output
    assert "3 problems found" in output  # a.md: a number, and no effective date


def test_cli_json_has_the_documented_fields(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2099-05-01", BODY + "a\n"))
    git_repo.write("changelog/privacy/1.1.md", "---\nmaterial: true\n---\nMore cookies.\n")
    code, output = run_cli(
        git_repo, "versions", "privacy", "--format", "json", "--as-of", "2021-01-01"
    )
    assert code == 0, output
    records = json.loads(output)
    assert [(r["version"], r["status"], r["material"], r["url"]) for r in records] == [
        ("1.0", "current", None, "https://example.com/privacy/"),
        ("1.1", "upcoming", True, "https://example.com/privacy/versions/1.1/"),
    ]
    for key in ("policy", "effective", "commit", "date", "sha256"):
        assert all(r[key] for r in records)


def test_cli_bad_as_of(git_repo: GitRepo) -> None:
    code, output = run_cli(git_repo, "versions", "--as-of", "tomorrow")
    assert code == 2
    assert "'tomorrow' is not a date" in output


def test_this_repository_publishes_privacy_1_0_and_1_1() -> None:
    """The product's own record: 1.0 as published in 2018, then the editorial 1.1."""
    policies = load_policies(load_settings(REPO_ROOT), as_of=dt.date(2026, 11, 29))
    privacy = next(p for p in policies if p.id == "privacy")
    assert [(v.label, v.effective.isoformat(), v.status, v.material) for v in privacy.versions][
        :2
    ] == [
        ("1.0", "2018-05-25", "archived", True),
        ("1.1", "2026-11-29", "current", False),
    ]
    assert "as wells a" in privacy.versions[0].text
    assert "as wells a" not in privacy.versions[1].text
    for version in privacy.versions:  # the body is sliced at the offset found when reading
        assert version.body_offset is not None
        assert version.body == parse_document(version.text, version.path).body
        assert version.body.lstrip().startswith("## Our commitment to your privacy {#commitment}")


def test_not_found_lists_versions(git_repo: GitRepo) -> None:
    from policysite.versions import find_version

    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-05-01", BODY))
    policy = load_policies(load_settings(git_repo.path))[0]
    with pytest.raises(NotFoundError, match=r"no version '9' \(versions: 1.0\)"):
        find_version(policy, "9")


def test_removing_the_version_label_is_an_error_not_adopt_mode(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2020-02-01", BODY + "a\n"))
    dropped = git_repo.commit(policies__privacy_md=policy_text(None, None, BODY + "b\n"))
    assert _error(git_repo) == (
        f"policies/privacy.md:1 (commit {dropped[:12]}): 'version' was removed; every published "
        'text needs a version label — add `version: "1.2"` (the last label was "1.1").'
    )


def test_a_policy_that_never_had_a_label_stays_in_adopt_mode(git_repo: GitRepo) -> None:
    first, second = "2020-01-01T10:00:00+00:00", "2020-02-01T10:00:00+00:00"  # two days
    git_repo.commit(policies__privacy_md=policy_text(None, None, BODY), date=first)
    git_repo.commit(policies__privacy_md=policy_text(None, None, BODY + "a\n"), date=second)
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2030-01-01", BODY + "b\n"))
    assert [label for _, label, _ in labels(git_repo)][-1] == "1.0"
    assert len(labels(git_repo)) == 3


RETIRED = policy_text("2.0", "2021-01-01", BODY + "Last words.\n").replace(
    "---\n##", "retired: 2022-01-01\n---\n##", 1
)


def test_a_retired_policy_is_retired_from_its_date_in_json(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit(policies__privacy_md=RETIRED)
    statuses = {}
    for as_of in ("2021-12-31", "2022-01-01"):
        code, output = run_cli(git_repo, "versions", "--format", "json", "--as-of", as_of)
        assert code == 0, output
        statuses[as_of] = [(r["version"], r["status"]) for r in json.loads(output)]
    assert statuses == {
        "2021-12-31": [("1.0", "archived"), ("2.0", "current")],
        "2022-01-01": [("1.0", "archived"), ("2.0", "retired")],
    }


def test_a_retired_policy_keeps_its_versions_when_its_file_is_deleted(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__privacy_md=policy_text("1.0", "2020-01-01", BODY),
        policies__old_md=policy_text("1.0", "2020-01-01", BODY),
    )
    git_repo.commit(policies__privacy_md=RETIRED)
    git_repo.git("rm", "-q", "policies/privacy.md", "policies/old.md")
    git_repo.commit("drop both: privacy was retired, old was not")
    assert labels(git_repo) == [("privacy", "1.0", "archived"), ("privacy", "2.0", "retired")]
    code, output = run_cli(git_repo, "versions", "--format", "json", "--as-of", "2030-01-01")
    assert code == 0, output
    assert [(r["policy"], r["version"], r["status"]) for r in json.loads(output)] == [
        ("privacy", "1.0", "archived"),
        ("privacy", "2.0", "retired"),
    ]


def test_every_front_matter_problem_is_reported_at_once(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md="---\ntitle: P\nversion: 1.0\neffective: someday\n---\n")
    code, output = run_cli(git_repo, "versions")
    assert code == 1
    lines = output.splitlines()
    assert lines[0].startswith("Error: policies/privacy.md:3 (commit ")
    assert "'version' must be quoted text" in lines[0]
    assert lines[1].startswith("policies/privacy.md:4 (commit ")
    assert "'effective' must be a date written YYYY-MM-DD, not 'someday'" in lines[1]
    assert lines[2] == "2 problems found; fix them and run again."


def test_the_versions_table_prints_a_file_name_as_text_not_markup_or_escapes(
    git_repo: GitRepo,
) -> None:
    """A policy's id is its file name, which an editor chooses: Rich markup in it is printed
    as written and an escape sequence never reaches the terminal."""
    git_repo.write("policies/[red]a[/red]\x1b[2Jb.md", policy_text("1.0", "2020-01-01", BODY))
    git_repo.commit()

    code, table = run_cli(git_repo, "versions")

    assert code == 0
    assert "[red]a[/red][2Jb" in table
    assert "\x1b" not in table
