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
# This repository's publish job keeps the build's redline and PDF caches (.policysite/cache/,
# see site/__init__.py), keyed on policysite's own source here; the init template has no such
# step.
CACHE_STEP = "Keep the redline and PDF caches between runs"
PDF_DEPENDENCIES = (
    "sudo apt-get update -q && sudo apt-get install -y -q --no-install-recommends "
    "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
)
SUMMARY_STEP = "Post the summary as one comment"
REVIEW_STEP = "Post the fixes as one review"
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
            "paths": ["policies/**", "changelog/**", "mkdocs.yml"],
        }
    }
    assert pr["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert pr["jobs"]["check"]["env"] == {"BASE": "origin/${{ github.base_ref }}"}
    assert outline(pr) == [
        "actions/checkout@v6",
        "actions/setup-python@v6",
        REPO_VALUES["INSTALL"],
        'policysite check --base "$BASE" --format github',
        'policysite check --base "$BASE" --format github-review > policy-review.json '
        "|| test $? -eq 1",
        'policysite diff --base "$BASE" --format markdown > policy-summary.md',
        'policysite notify --preview mail-preview --base "$BASE"',
        "actions/upload-artifact@v6",
        "actions/github-script@v8",
        "actions/github-script@v8",
    ]
    checkout, _, _, check, *after = steps(pr)
    assert checkout["with"] == {"fetch-depth": 0}
    assert "if" not in check
    # The review, summary, comment and preview run even when the check failed: editors need
    # them most then.
    assert all(step["if"].startswith("${{ !cancelled()") for step in after)
    upload = next(step for step in after if step.get("id") == "preview")
    assert upload["with"]["path"].split() == ["policy-summary.md", "mail-preview/"]
    summary = next(step for step in after if step.get("name") == SUMMARY_STEP)
    assert summary["env"] == {"PREVIEW_URL": "${{ steps.preview.outputs.artifact-url }}"}


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
        "actions/configure-pages@v6",
        'policysite check --record "${{ steps.pages.outputs.base_url }}/versions.json" '
        "--format github",
        PDF_DEPENDENCIES,
        "actions/cache@v5",
        "mkdocs build --strict",
        "actions/upload-pages-artifact@v4",
        "actions/deploy-pages@v5",
        "policysite notify --send",
        "policysite webhooks send",
    ]
    listed = steps(publish)
    assert listed[0]["with"] == {"fetch-depth": 0}
    # The record is what the live site serves: read before anything is deployed.
    assert listed[3]["id"] == "pages"
    assert listed[8]["with"] == {"path": "site"}
    assert listed[-2]["env"] == {
        name: f"${{{{ secrets.{name} }}}}"
        for name in ("POLICYSITE_DATABASE_URL", "POLICYSITE_SMTP_URL")
    }
    # Webhooks after the notices, with the store and the default secret's variable.
    assert listed[-1]["env"] == {
        name: f"${{{{ secrets.{name} }}}}"
        for name in ("POLICYSITE_DATABASE_URL", "POLICYSITE_WEBHOOK_SECRET")
    }


def test_publish_keeps_the_redline_and_pdf_caches_between_runs() -> None:
    listed = steps(load("publish.yml"))
    (cache,) = [step for step in listed if step.get("uses", "").startswith("actions/cache@")]
    build = next(step for step in listed if step.get("run") == "mkdocs build --strict")
    assert listed.index(cache) < listed.index(build), "restored before the build reads it"
    assert cache["name"] == CACHE_STEP
    assert cache["with"] == {
        # where the build keeps its redlines and PDFs: site.cache_folder(settings, name)
        "path": ".policysite/cache/redline\n.policysite/cache/pdf\n",
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
    redline, pdf = (git_repo.path / path for path in cache["with"]["path"].split())
    assert [p.name for p in redline.iterdir()] == ["redlines.json"]
    assert len([p for p in pdf.iterdir() if p.suffix == ".pdf"]) == 2  # one per version


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
    assert hook["files"] == r"^(policies/|changelog/|mkdocs\.yml$)"


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


def run_script(tmp_path: Path, step_name: str, harness: str, state: Any) -> list[Any]:
    """Run the github-script step ``step_name`` of pr.yml in ``tmp_path`` with Node.js, against
    ``harness`` (a stand-in for GitHub's API holding ``state``); the API calls it made."""
    node = shutil.which("node")
    assert node, "Node.js runs GitHub's github-script; .ci/run installs it"
    (step,) = [s for s in steps(load("pr.yml")) if s.get("name") == step_name]
    (tmp_path / "script.js").write_text(step["with"]["script"], encoding="utf-8")
    (tmp_path / "harness.js").write_text(harness, encoding="utf-8")
    (tmp_path / "state.json").write_text(json.dumps(state), encoding="utf-8")
    result = subprocess.run(
        [node, "harness.js", "script.js", "state.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    calls: list[Any] = json.loads(result.stdout)
    return calls


def run_comment_script(
    tmp_path: Path, summary: str | None, comments: list[dict[str, Any]]
) -> list[Any]:
    if summary is not None:
        (tmp_path / "policy-summary.md").write_text(summary, encoding="utf-8")
    return run_script(tmp_path, SUMMARY_STEP, HARNESS, comments)


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


def test_summary_comment_links_the_mail_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mail-preview").mkdir()
    (tmp_path / "mail-preview" / "privacy-1.2-en.eml").write_text("mail", encoding="utf-8")
    monkeypatch.setenv("PREVIEW_URL", "https://github.com/acme/policies/actions/runs/1/artifacts/2")
    calls = run_comment_script(tmp_path, "## privacy 1.1 → 1.2\n", [])
    assert calls[1][1]["body"] == (
        "<!-- policysite-summary -->\n## privacy 1.1 → 1.2\n\n**The notice mail**: [its preview]"
        "(https://github.com/acme/policies/actions/runs/1/artifacts/2) (per language: .eml, "
        ".html and .txt), as subscribers will get it once merged."
    )


# --- the review script, against a recording stand-in for GitHub's pulls API ------------------

REVIEW_HARNESS = """
const fs = require('fs');
const [script, state] = process.argv.slice(2).map((f) => fs.readFileSync(f, 'utf8'));
const data = JSON.parse(state);
const calls = [];
const record = (name) => async (args) => { calls.push([name, args]); };
const github = {
  paginate: async (method, args) => {
    calls.push([method, args]);
    if (method === 'listCommentsForReview') return data.reviewComments[args.review_id] || [];
    return data[method];
  },
  rest: { pulls: {
    listFiles: 'listFiles',
    listReviews: 'listReviews',
    listCommentsForReview: 'listCommentsForReview',
    deleteReviewComment: record('deleteReviewComment'),
    updateReview: record('updateReview'),
    createReview: record('createReview'),
  } },
};
const context = { repo: { owner: 'acme', repo: 'policies' }, issue: { number: 7 } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('require', 'github', 'context', script)(require, github, context)
  .then(() => console.log(JSON.stringify(calls)));
"""
PATCH = (
    '@@ -1,5 +1,5 @@\n ---\n title: Privacy\n-version: "1.1"\n+version: "1.2"\n'
    " effective: 2021-01-01\n"
)
PULL = {"owner": "acme", "repo": "policies", "pull_number": 7}


def run_review_script(
    tmp_path: Path,
    review: dict[str, Any] | None,
    reviews: list[dict[str, Any]],
    review_comments: dict[int, list[dict[str, Any]]] | None = None,
) -> list[Any]:
    state = {
        "listFiles": [{"filename": "policies/privacy.md", "patch": PATCH}],
        "listReviews": reviews,
        "reviewComments": review_comments or {},
    }
    if review is not None:
        (tmp_path / "policy-review.json").write_text(json.dumps(review), encoding="utf-8")
    return run_script(tmp_path, REVIEW_STEP, REVIEW_HARNESS, state)


def test_review_comments_on_the_diff_stay_the_others_move_into_its_text(tmp_path: Path) -> None:
    on_diff = {
        "path": "policies/privacy.md",
        "line": 3,
        "side": "RIGHT",
        "body": 'Fix.\n\n```suggestion\nversion: "1.3"\n```',
    }
    elsewhere = {
        "path": "mkdocs.yml",
        "line": 2,
        "side": "RIGHT",
        "body": "Set it.\n\n```suggestion\nx\n```",
    }
    review = {
        "event": "COMMENT",
        "body": "2 errors.",
        "errors": 2,
        "warnings": 0,
        "comments": [on_diff, elsewhere],
    }
    calls = run_review_script(tmp_path, review, [])
    assert calls[-1] == [
        "createReview",
        {
            **PULL,
            "event": "COMMENT",
            "body": "<!-- policysite-review -->\n2 errors.\n\n---\n\n`mkdocs.yml`, line 2:\n\n"
            "Set it.\n\n```text\nx\n```",
            "comments": [on_diff],
        },
    ]


def test_the_previous_review_is_emptied_and_replaced(tmp_path: Path) -> None:
    ours = {"id": 5, "user": {"type": "Bot"}, "body": "<!-- policysite-review -->\nold"}
    human = {"id": 6, "user": {"type": "User"}, "body": "<!-- policysite-review -->\nquoted"}
    review = {"event": "COMMENT", "body": "1 error.", "errors": 1, "warnings": 0, "comments": []}
    calls = run_review_script(tmp_path, review, [ours, human], {5: [{"id": 50}, {"id": 51}]})
    assert [call[0] for call in calls] == [
        "listFiles",
        "listReviews",
        "listCommentsForReview",
        "deleteReviewComment",
        "deleteReviewComment",
        "updateReview",
        "createReview",
    ]
    assert calls[3][1] == {"owner": "acme", "repo": "policies", "comment_id": 50}
    assert calls[5][1] == {
        **PULL,
        "review_id": 5,
        "body": "_Replaced by the newer policysite review below._",
    }


def test_a_passing_check_posts_no_review_and_says_so_on_the_old_one(tmp_path: Path) -> None:
    ours = {"id": 5, "user": {"type": "Bot"}, "body": "<!-- policysite-review -->\nold"}
    passing = {
        "event": "COMMENT",
        "body": "all rules pass",
        "errors": 0,
        "warnings": 0,
        "comments": [],
    }
    calls = run_review_script(tmp_path, passing, [ours])
    assert calls[-1] == [
        "updateReview",
        {**PULL, "review_id": 5, "body": "_The policysite check passes now._"},
    ]
    nothing = tmp_path / "nothing"  # the check stopped before writing its review
    nothing.mkdir()
    assert [call[0] for call in run_review_script(nothing, None, [])] == [
        "listFiles",
        "listReviews",
    ]


def test_a_suggestion_over_several_lines_keeps_them_all_on_the_diff(tmp_path: Path) -> None:
    both = {"path": "policies/privacy.md", "start_line": 3, "start_side": "RIGHT", "line": 4}
    both |= {"side": "RIGHT", "body": "Fix.\n\n```suggestion\na\nb\n```"}
    half = {"path": "policies/privacy.md", "start_line": 4, "start_side": "RIGHT", "line": 6}
    half |= {"side": "RIGHT", "body": "Also.\n\n```suggestion\nc\nd\ne\n```"}
    review = {"body": "2 errors.", "errors": 2, "warnings": 0, "comments": [both, half]}
    calls = run_review_script(tmp_path, review, [])
    assert calls[-1][1]["comments"] == [both]
    assert calls[-1][1]["body"].endswith(
        "`policies/privacy.md`, line 6:\n\nAlso.\n\n```text\nc\nd\ne\n```"
    )
