"""``policysite init``: a new site that passes check, lists its version, builds and lints."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from packaging.requirements import Requirement

from policysite.check.config import PLACEHOLDERS
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
# What main holds after init: the site, nothing published.
FILES = [
    ".github/workflows/pr.yml",
    ".github/workflows/publish.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "EDITING.md",
    "README.md",
    "mkdocs.yml",
    "policies/.gitkeep",
    "requirements.txt",
    "site_templates/README.md",
]
# A new site gets policysite's mail templates; the look of the site (logo, colours) is its own.
_TEMPLATES = default_templates()
assert _TEMPLATES is not None, "policysite's site_templates/ is missing from this install"
FILES = sorted(
    FILES
    + [
        f"site_templates/{p.relative_to(_TEMPLATES).as_posix()}"
        for p in (_TEMPLATES / "email").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
)
PLACEHOLDER_ERRORS = [
    "mkdocs.yml:2: error: 'site_url' still has the example value https://policies.example.com/ "
    "that `policysite init` wrote; set the address of the site before anything is published.",
    "mkdocs.yml:{sender}: error: 'sender_email' still has the example value privacy@example.com "
    "that `policysite init` wrote; set the address notices are sent from before anything is "
    "published.",
    "mkdocs.yml:{postal}: error: 'postal_address' still has the example value Street 1, 0000 "
    "City, Country that `policysite init` wrote; set the postal address every notice shows "
    "before anything is published.",
]


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


def placeholder_errors(site: Path) -> list[str]:
    lines = (site / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    sender = next(n for n, line in enumerate(lines, 1) if "sender_email:" in line)
    postal = next(n for n, line in enumerate(lines, 1) if "postal_address:" in line)
    return [e.format(sender=sender, postal=postal) for e in PLACEHOLDER_ERRORS]


def set_own_values(site: Path) -> None:
    """The checklist's second box: the organisation's own site address, sender and address."""
    text = (site / "mkdocs.yml").read_text(encoding="utf-8")
    for key, (example, _) in PLACEHOLDERS.items():
        own = {
            "site_url": "https://policies.acme.test/",
            "sender_email": "privacy@acme.test",
            "postal_address": "Acme Ltd, 1 Road, 0001 Oslo, Norway",
        }[key]
        assert example in text, key
        text = text.replace(example, own)
    (site / "mkdocs.yml").write_text(text, encoding="utf-8")


def build(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=site,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_init_publishes_nothing_and_keeps_the_sample_as_a_draft_on_a_branch(
    tmp_path: Path,
) -> None:
    site = tmp_path / "acme-policies"
    env = {"POLICYSITE_TODAY": "2027-02-01"}
    result = CliRunner(env=env).invoke(main, ["init", str(site), "--name", "Acme Ltd"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Created {len(FILES) + 2} files in {site}.",
        "Started a git repository there: main has the site, with nothing published; the sample "
        "privacy policy is an unpublished draft on the branch first-policy.",
        "Next: the checklist in README.md (settings, GitHub, the first version).",
    ]
    assert git(site, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(site, "ls-files").splitlines() == FILES
    assert git(site, "status", "--porcelain") == ""
    assert git(site, "rev-list", "--count", "main") == "1"
    assert "site_name: Acme Ltd policies\n" in (site / "mkdocs.yml").read_text()
    assert cli("-C", str(site), "check") == (
        0,
        "policysite check: all rules pass (0 policies, 0 versions, compared with HEAD).\n",
    )
    assert cli("-C", str(site), "versions", "--format", "json") == (0, "[]\n")
    assert build(site).returncode == 0, build(site).stderr  # an empty site deploys too

    # The first pull request: the draft's branch, the example values replaced, then merged.
    git(site, "checkout", "-q", "first-policy")
    assert git(site, "diff", "--name-only", "main").splitlines() == [
        "changelog/privacy/1.0.md",
        "policies/privacy.md",
    ]
    assert "effective: 2027-02-01\n" in (site / "policies/privacy.md").read_text()
    result = CliRunner(env=env).invoke(main, ["-C", str(site), "check", "--base", "main"])
    assert result.output.splitlines() == [
        *placeholder_errors(site),
        "policysite check: 3 errors, 0 warnings (compared with main).",
    ]
    set_own_values(site)
    result = CliRunner(env=env).invoke(main, ["-C", str(site), "check", "--base", "main"])
    assert (result.exit_code, result.output) == (
        0,
        "policysite check: all rules pass (1 policy, 1 version, compared with main).\n",
    )
    git(site, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qam", "Ours")
    git(site, "checkout", "-q", "main")
    git(
        site,
        "-c",
        "user.name=T",
        "-c",
        "user.email=t@example.com",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #1",
        "first-policy",
    )
    code, output = cli("-C", str(site), "versions", "--format", "json", "--as-of", "2027-02-01")
    assert code == 0
    assert [
        (r["policy"], r["version"], r["status"], r["material"], r["kind"])
        for r in json.loads(output)
    ] == [("privacy", "1.0", "current", True, "new")]
    built = build(site)
    assert built.returncode == 0, built.stderr
    assert (site / "site/privacy/index.html").is_file()


def test_a_new_site_has_a_neutral_theme_and_a_place_for_its_logo(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    config = (site / "mkdocs.yml").read_text(encoding="utf-8")
    assert "videxio" not in "".join(
        p.read_text(errors="replace").lower()
        for p in site.rglob("*")
        if p.is_file()
        if ".git" not in p.parts
    )
    assert "\n  # custom_dir: site_templates/overrides\n" in config
    assert "overrides/assets/" in (site / "site_templates/README.md").read_text()


def test_the_placeholders_the_check_knows_are_those_init_writes(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    config = (site / "mkdocs.yml").read_text(encoding="utf-8")
    for key, (example, _) in PLACEHOLDERS.items():
        assert f"{key}: {example}" in config


def test_the_readme_is_the_organisations_checklist(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site), "--name", "Acme Ltd")[0] == 0
    readme = (site / "README.md").read_text(encoding="utf-8")
    boxes = [line for line in readme.splitlines() if line.startswith("- [ ] ")]
    assert [box.split("**")[1] for box in boxes] == [
        "policysite's source.",
        "Your settings.",
        "Your look",
        "The repository on GitHub.",
        "GitHub Pages.",
        "The subscriber store.",
        "The mail server.",
        "The subscribers.",
        "The application",
        "Required checks.",
        "The first version.",
    ]
    # Every secret a workflow asks for is one the checklist sets, and nothing else is asked.
    workflows = "".join(p.read_text() for p in (site / ".github/workflows").iterdir())
    asked = sorted(set(re.findall(r"secrets\.(\w+)", workflows)))
    assert asked == ["POLICYSITE_DATABASE_URL", "POLICYSITE_SMTP_URL", "POLICYSITE_WEBHOOK_SECRET"]
    assert all(f"`{name}`" in readme for name in asked)


def test_new_sites_get_the_templates_rendered_for_them(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    templates = skeleton_files()
    values = {"INSTALL": INSTALL_IN_SITE, "CHECK": CHECK_IN_SITE}
    for relative in (".github/workflows/pr.yml", ".pre-commit-config.yaml", "EDITING.md"):
        assert (site / relative).read_text() == render(templates[relative], values)
    written = "".join(
        p.read_text() for p in site.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    assert re.findall(r"@@[A-Z_]+@@", written) == []


def test_pre_commit_hook_of_a_new_site_runs_check(tmp_path: Path) -> None:
    site = tmp_path / "s"
    assert cli("init", str(site))[0] == 0
    git(site, "checkout", "-q", "first-policy")
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


def test_init_inside_a_repository_stages_the_site_and_leaves_the_draft(
    git_repo: GitRepo,
) -> None:
    git_repo.commit(README_md="# Our repository\n")
    site = git_repo.path / "policy-site"
    code, output = cli("init", str(site))
    assert code == 0
    assert f"is inside the git repository {git_repo.path}: the site's files are staged" in output
    assert git_repo.git("rev-list", "--count", "HEAD") == "1"
    staged = git_repo.git("diff", "--cached", "--name-only").splitlines()
    assert staged == [f"policy-site/{name}" for name in FILES]
    untracked = git_repo.git("ls-files", "--others", "--exclude-standard").splitlines()
    assert untracked == ["policy-site/changelog/privacy/1.0.md", "policy-site/policies/privacy.md"]
    # The draft would be published with the examples still in mkdocs.yml: the check says so.
    code, output = cli("-C", str(site), "check")
    assert (code, output.splitlines()) == (
        1,
        [*placeholder_errors(site), "policysite check: 3 errors, 0 warnings (compared with HEAD)."],
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
