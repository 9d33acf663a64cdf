"""Git is read once per revision: a ``git`` first on PATH counts the processes a command starts.

Each git process costs milliseconds to start, and a CI check or a site build runs often; before
the snapshot, ``policysite check --base REV`` started 16 (GitPython's import alone two).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo
from tests.pr_fixture import TODAY, make_two_policy_pr


@pytest.fixture
def counted_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``git`` logs each invocation to a file, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "counting-bin"
    folder.mkdir()
    log = tmp_path / "git-invocations.log"
    wrapper = folder / "git"
    wrapper.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "$*" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    env = dict(os.environ, PATH=f"{folder}{os.pathsep}{os.environ['PATH']}", POLICYSITE_TODAY=TODAY)
    return env, log


def run_counted(
    repo: GitRepo, counted_git: tuple[dict[str, str], Path], code: str, *args: str
) -> tuple[str, list[str]]:
    """Run ``code`` in a fresh Python (imports counted too); its output and the git commands."""
    env, log = counted_git
    log.unlink(missing_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    return result.stdout, calls


def test_check_against_a_base_starts_at_most_three_git_processes(
    git_repo: GitRepo, counted_git: tuple[dict[str, str], Path]
) -> None:
    make_two_policy_pr(git_repo)  # main: two commits; the checked-out branch: one more
    git_repo.git("checkout", "-q", "main")
    git_repo.commit("main moves on", README_md="# Policies\n")
    git_repo.git("checkout", "-q", "pr")
    output, calls = run_counted(
        git_repo,
        counted_git,
        "import sys; from policysite.cli import main; sys.exit(main())",
        "check",
        "--base",
        "main",
    )
    assert output.splitlines()[-1].startswith("policysite check: 0 errors"), output
    assert len(calls) <= 3, calls
    assert [c.split()[0] for c in calls].count("log") == 1, calls


def test_loading_the_policies_for_a_build_reads_history_once(
    git_repo: GitRepo, counted_git: tuple[dict[str, str], Path]
) -> None:
    make_two_policy_pr(git_repo)
    output, calls = run_counted(
        git_repo,
        counted_git,
        "from policysite.config import load_settings\n"
        "from policysite.versions import load_policies\n"
        "print(sum(len(p.versions) for p in load_policies(load_settings('.'))))",
    )
    assert output == "4\n"
    assert len(calls) <= 3, calls
    assert [c.split()[0] for c in calls].count("log") == 1, calls


def test_adopt_reads_git_through_one_cat_file(
    git_repo: GitRepo, counted_git: tuple[dict[str, str], Path]
) -> None:
    """HEAD's files, their history and check's reading share one ``git cat-file``: before
    ``history.shared_reads``, `adopt` started three (five git processes in all)."""
    git_repo.commit(
        "two policies",
        date="2020-01-01 09:00:00 +0000",
        docs__privacy_md="# Privacy\n\nWe keep your data.\n",
        docs__terms_md="# Terms\n\nBe nice.\n",
    )
    git_repo.commit(
        "privacy edited", date="2020-02-01 09:00:00 +0000", docs__privacy_md="# Privacy\n\nLess.\n"
    )
    output, calls = run_counted(
        git_repo,
        counted_git,
        "import sys; from policysite.cli import main; sys.exit(main())",
        "adopt",
        "--dry-run",
    )
    assert "Policies in docs/: 2, a file per policy; 3 versions" in output, output
    commands = [c.split()[0] for c in calls]
    assert commands.count("cat-file") == 1, calls
    assert len(calls) <= 3, calls
