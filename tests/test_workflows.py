"""The GitHub workflows and the pre-commit hook: parsed, linted, and the comment script run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policysite.scaffold import render, skeleton_files
from tests.conftest import REPO_ROOT, GitRepo, policy_text

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
# How this repository installs policysite and runs its hook; new sites pip-install it instead.
REPO_VALUES = {
    "INSTALL": 'make .venv/.installed && echo "$PWD/.venv/bin" >> "$GITHUB_PATH"',
    "CHECK": ".venv/bin/policysite check",
}
# This repository's publish job keeps the build's redline cache (.policysite/cache/redline, see
# site/__init__.py), keyed on policysite's own source here; the init template has no such step.
CACHE_STEP = "Keep the redline cache between runs"
ENGINE_HASH = "${{ hashFiles('scripts/policysite/**/*.py', 'pyproject.toml') }}"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return list(job["steps"])


def outline(workflow: dict[str, Any]) -> list[str]:
    """Each step as what it runs: the action it uses, or its command."""
    return [step.get("uses") or step["run"].strip() for step in steps(workflow)]


def test_pull_request_workflow() -> None:
    pr = load("pr.yml")
    assert pr["on"] == {
        "pull_request": {
            "paths": ["policies/**", "changelog/**", "policies.lock", "mkdocs.yml"],
        }
    }
    assert pr["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert pr["jobs"]["check"]["env"] == {"BASE": "origin/${{ github.base_ref }}"}
    assert outline(pr) == [
        "actions/checkout@v6",
        "actions/setup-python@v6",
        REPO_VALUES["INSTALL"],
        'policysite check --base "$BASE" --format github',
        'policysite diff --base "$BASE" --format markdown > policy-summary.md',
        "actions/github-script@v8",
        'policysite notify --preview mail-preview --base "$BASE"',
        "actions/upload-artifact@v6",
    ]
    checkout, _, _, check, *after = steps(pr)
    assert checkout["with"] == {"fetch-depth": 0}
    assert "if" not in check
    # The summary, comment and preview run even when the check failed: reviewers need them most.
    assert all(step["if"].startswith("${{ !cancelled()") for step in after)
    assert after[-1]["with"]["path"].split() == ["policy-summary.md", "mail-preview/"]


def test_publish_workflow() -> None:
    publish = load("publish.yml")
    assert publish["on"] == {
        "push": {"branches": ["main"]},
        "schedule": [{"cron": "5 0 * * *"}],
        "workflow_dispatch": None,
    }
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert outline(publish) == [
        "actions/checkout@v6",
        "actions/setup-python@v6",
        REPO_VALUES["INSTALL"],
        "policysite check --format github",
        "actions/cache@v5",
        "mkdocs build --strict",
        "actions/configure-pages@v6",
        "actions/upload-pages-artifact@v4",
        "actions/deploy-pages@v5",
        "policysite notify --send",
    ]
    listed = steps(publish)
    assert listed[0]["with"] == {"fetch-depth": 0}
    assert listed[7]["with"] == {"path": "site"}
    assert listed[-1]["env"] == {
        name: f"${{{{ secrets.{name} }}}}"
        for name in ("POLICYSITE_DATABASE_URL", "POLICYSITE_SMTP_URL", "POLICYSITE_SECRET")
    }


def test_publish_keeps_the_redline_cache_between_runs() -> None:
    listed = steps(load("publish.yml"))
    (cache,) = [step for step in listed if step.get("uses", "").startswith("actions/cache@")]
    build = next(step for step in listed if step.get("run") == "mkdocs build --strict")
    assert listed.index(cache) < listed.index(build), "restored before the build reads it"
    assert cache["name"] == CACHE_STEP
    assert cache["with"] == {
        # where the build keeps its redlines: RedlineCache(root / ".policysite/cache/redline")
        "path": ".policysite/cache/redline",
        # a new engine starts afresh; a new policy text saves the cache again under a new key
        "key": f"redlines-{ENGINE_HASH}-${{{{ hashFiles('policies/**') }}}}",
        "restore-keys": f"redlines-{ENGINE_HASH}-",
    }
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])


def test_redline_cache_path_is_where_the_build_writes(git_repo: GitRepo) -> None:
    git_repo.commit(
        policies__privacy_md=policy_text("1.0", "2020-01-01", "## A {#a}\n\nOne.\n"),
        changelog__privacy__1_0_md="---\nmaterial: false\n---\nFirst.\n",
    )
    git_repo.commit(
        policies__privacy_md=policy_text("1.1", "2021-01-01", "## A {#a}\n\nTwo.\n"),
        changelog__privacy__1_1_md="---\nmaterial: false\n---\nSecond.\n",
    )
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=git_repo.path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
    )
    (cache,) = [s for s in steps(load("publish.yml")) if s.get("name") == CACHE_STEP]
    folder = git_repo.path / cache["with"]["path"]
    assert [p.name for p in folder.iterdir()] == ["redlines.json"]


def without_step(text: str, name: str) -> str:
    """The workflow's text without the step called ``name`` (and its comment lines above it)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- name: {name}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- "))
    while start and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "".join(lines[:start] + lines[end:])


def test_repository_files_are_the_init_templates_rendered_for_this_repository() -> None:
    templates = skeleton_files()
    for relative in (
        ".github/workflows/pr.yml",
        ".github/workflows/publish.yml",
        ".pre-commit-config.yaml",
    ):
        expected = render(templates[relative], REPO_VALUES)
        actual = (REPO_ROOT / relative).read_text(encoding="utf-8")
        if relative.endswith("publish.yml"):
            actual = without_step(actual, CACHE_STEP)
        assert actual == expected, relative


def test_pre_commit_hook_runs_check() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = config["repos"][0]["hooks"]
    assert config["repos"][0]["repo"] == "local"
    assert hook["entry"] == ".venv/bin/policysite check"
    assert hook["pass_filenames"] is False
    assert hook["files"] == r"^(policies/|changelog/|policies\.lock$|mkdocs\.yml$)"


# --- the comment script, run by Node.js against a recording stand-in for GitHub's API ---------

HARNESS = """
const fs = require('fs');
const [script, state] = process.argv.slice(2).map((f) => fs.readFileSync(f, 'utf8'));
const comments = JSON.parse(state);
const calls = [];
const github = {
  paginate: async (method, args) => { calls.push([method, args]); return comments; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (args) => { calls.push(['updateComment', args]); },
    createComment: async (args) => { calls.push(['createComment', args]); },
  } },
};
const context = { repo: { owner: 'acme', repo: 'policies' }, issue: { number: 7 } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('require', 'github', 'context', script)(require, github, context)
  .then(() => console.log(JSON.stringify(calls)));
"""


def run_comment_script(
    tmp_path: Path, summary: str | None, comments: list[dict[str, Any]]
) -> list[Any]:
    node = shutil.which("node")
    assert node, "Node.js runs GitHub's github-script; .ci/run installs it"
    (step,) = [s for s in steps(load("pr.yml")) if "github-script" in s.get("uses", "")]
    (tmp_path / "script.js").write_text(step["with"]["script"], encoding="utf-8")
    (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
    (tmp_path / "comments.json").write_text(json.dumps(comments), encoding="utf-8")
    if summary is not None:
        (tmp_path / "policy-summary.md").write_text(summary, encoding="utf-8")
    result = subprocess.run(
        [node, "harness.js", "script.js", "comments.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    calls: list[Any] = json.loads(result.stdout)
    return calls


LIST = ["listComments", {"owner": "acme", "repo": "policies", "issue_number": 7, "per_page": 100}]


def test_summary_comment_is_created_once_then_updated(tmp_path: Path) -> None:
    human = {"id": 1, "user": {"type": "User"}, "body": "<!-- policysite-summary -->\nquoted"}
    assert run_comment_script(tmp_path, "## privacy 1.1 → 1.2\n", [human]) == [
        LIST,
        [
            "createComment",
            {
                "owner": "acme",
                "repo": "policies",
                "issue_number": 7,
                "body": "<!-- policysite-summary -->\n## privacy 1.1 → 1.2",
            },
        ],
    ]
    ours = {"id": 42, "user": {"type": "Bot"}, "body": "<!-- policysite-summary -->\nold"}
    assert run_comment_script(tmp_path, "new\n", [human, ours]) == [
        LIST,
        [
            "updateComment",
            {
                "owner": "acme",
                "repo": "policies",
                "comment_id": 42,
                "body": "<!-- policysite-summary -->\nnew",
            },
        ],
    ]


@pytest.mark.parametrize(
    ("summary", "body"),
    [
        (None, "This pull request changes no policy text."),
        ("", "This pull request changes no policy text."),
        (
            "x" * 60_001,
            "x" * 60_000 + "\n\n… (cut here: the whole summary is in the policy-preview artifact)",
        ),
    ],
)
def test_summary_comment_when_empty_or_too_long(
    tmp_path: Path, summary: str | None, body: str
) -> None:
    calls = run_comment_script(tmp_path, summary, [])
    assert calls[1][0] == "createComment"
    assert calls[1][1]["body"] == "<!-- policysite-summary -->\n" + body
