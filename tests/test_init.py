"""``policysite init``: a new site that passes check, lists its version, builds and lints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from packaging.requirements import Requirement

from policysite.cli import main
from policysite.scaffold import (
    CHECK_IN_SITE,
    INSTALL_IN_SITE,
    default_templates,
    render,
    skeleton_files,
)
from tests.conftest import GitRepo

BIN = Path(sys.executable).parent
FILES = [
    ".github/workflows/pr.yml",
    ".github/workflows/publish.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "EDITING.md",
    "README.md",
    "changelog/privacy/1.0.md",
    "mkdocs.yml",
    "policies.lock",
    "policies/privacy.md",
    "requirements.txt",
]
# A new site gets a copy of policysite's own site_templates/ (theme overrides, mail).
_TEMPLATES = default_templates()
assert _TEMPLATES is not None, "policysite's site_templates/ is missing from this install"
FILES = sorted(
    FILES
    + [
        f"site_templates/{p.relative_to(_TEMPLATES).as_posix()}"
        for p in _TEMPLATES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_init_outside_a_repository_commits_a_site_that_passes_everything(
    tmp_path: Path,
) -> None:
    site = tmp_path / "acme-policies"
    env = {"POLICYSITE_TODAY": "2027-02-01"}
    result = CliRunner(env=env).invoke(main, ["init", str(site), "--name", "Acme Ltd"])
    assert result.exit_code == 0, result.output
    commit = git(site, "rev-parse", "HEAD")
    assert result.output.splitlines()[:2] == [
        f"Created {len(FILES)} files in {site}.",
        f"Started a git repository there; first commit {commit[:12]} publishes privacy 1.0.",
    ]
    assert git(site, "ls-files").splitlines() == FILES
    assert git(site, "status", "--porcelain") == ""
    assert git(site, "rev-list", "--count", "HEAD") == "1"
    assert "site_name: Acme Ltd policies\n" in (site / "mkdocs.yml").read_text()
    assert "effective: 2027-02-01\n" in (site / "policies/privacy.md").read_text()

    code, output = cli("-C", str(site), "check")
    assert (code, output) == (
        0,
        "policysite check: all rules pass (1 policy, 1 version, compared with HEAD).\n",
    )
    code, output = cli("-C", str(site), "versions", "--format", "json", "--as-of", "2027-02-01")
    assert code == 0
    assert [
        (r["policy"], r["version"], r["status"], r["material"]) for r in json.loads(output)
    ] == [("privacy", "1.0", "current", True)]

    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    assert (site / "site/privacy/index.html").is_file()


def test_new_sites_get_the_templates_rendered_for_them(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    templates = skeleton_files()
    values = {"INSTALL": INSTALL_IN_SITE, "CHECK": CHECK_IN_SITE}
    for relative in (".github/workflows/pr.yml", ".pre-commit-config.yaml", "EDITING.md"):
        assert (site / relative).read_text() == render(templates[relative], values)
    assert "@@" not in "".join(
        p.read_text() for p in site.rglob("*") if p.is_file() and ".git" not in p.parts
    )


def test_pre_commit_hook_of_a_new_site_runs_check(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    (site / "policies/privacy.md").write_text(
        (site / "policies/privacy.md").read_text() + "\nOne more sentence.\n"
    )
    git(site, "add", "-A")
    env = dict(os.environ)
    env.update(PATH=f"{BIN}{os.pathsep}{env['PATH']}", PRE_COMMIT_HOME=str(tmp_path / "cache"))
    hook = subprocess.run(
        [str(BIN / "pre-commit"), "run", "--color", "never"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 1
    assert "policies/privacy.md:3: error: the text changed since HEAD but 'version' is still" in (
        hook.stdout
    )


def test_init_inside_a_repository_only_stages(git_repo: GitRepo) -> None:
    git_repo.commit(README_md="# Our repository\n")
    code, output = cli("init", str(git_repo.path / "policy-site"))
    assert code == 0
    assert f"is inside the git repository {git_repo.path}: the files are staged" in output
    assert git_repo.git("rev-list", "--count", "HEAD") == "1"
    staged = git_repo.git("diff", "--cached", "--name-only").splitlines()
    assert staged == [f"policy-site/{name}" for name in FILES]
    code, output = cli("-C", str(git_repo.path / "policy-site"), "check")
    assert (code, output) == (
        0,
        "policysite check: all rules pass (1 policy, 1 version, compared with HEAD).\n",
    )


def test_init_never_overwrites(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "mkdocs.yml").write_text("site_name: mine\n")
    code, output = cli("init", str(site))
    assert code == 1
    assert output == (
        f"Error: {site} already has mkdocs.yml; init only creates a new site. Choose an empty "
        "folder (or a new name).\n"
    )
    assert (site / "mkdocs.yml").read_text() == "site_name: mine\n"
    assert sorted(p.name for p in site.iterdir()) == ["mkdocs.yml"]


def test_requirements_never_install_policysite_by_name_from_an_index(tmp_path: Path) -> None:
    """policysite is not on PyPI: a bare name could install a stranger's package."""
    assert cli("init", str(tmp_path / "site"))[0] == 0
    lines = (tmp_path / "site/requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [Requirement(line) for line in lines if line and not line.startswith("#")]
    assert [(r.name, r.url) for r in requirements] == [
        ("policysite", "git+https://github.com/YOUR-ORG/policysite@v0.1.0")
    ]
    readme = (tmp_path / "site/README.md").read_text(encoding="utf-8")
    assert "replace the placeholder `YOUR-ORG` line" in readme
