"""A lawyer in GitHub's web editor, replayed on a real repository: edit a file and commit it on
the pull request's branch, read the check's review, press **Commit suggestion**, open a
"new file" link. No `policysite lock`, no hashes, no terminal.

``published_site`` is the repository every scenario starts from: ``main`` has published privacy
1.0 and 1.1 (English only, notice_days 30); today is ``TODAY``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner

from policysite.cli import main
from tests.conftest import GitRepo, policy_text

TODAY = "2021-06-01"
REPOSITORY = "acme/policies"
PATH = "policies/privacy.md"
SITE = """
site_name: Acme policies
site_url: https://policies.acme.test/
docs_dir: policies
plugins:
  - policysite:
      notice_days: 30
      locales: [en]
      sender_email: privacy@acme.test
      postal_address: Acme Ltd, 1 Road, 0001 Oslo, Norway
"""
BODY_1_0 = """
## Data we collect {#data}

We collect your name and email address when you register.

## Storage {#storage}

We keep your data for two years after your last login.

## Cookies {#cookies}

We use cookies to keep you signed in.
"""
BODY_1_1 = BODY_1_0.replace("two years", "one year")
# policy_text puts the front matter on lines 1-5: title 2, version 3, effective 4.


def note(material: bool, summary: str) -> str:
    return f"---\nmaterial: {'true' if material else 'false'}\n---\n{summary}\n"


def published_site(repo: GitRepo) -> GitRepo:
    """``main`` with privacy 1.0 and 1.1 published, each with its note."""
    repo.write("mkdocs.yml", SITE)
    repo.write("changelog/privacy/1.0.md", note(True, "The first version."))
    repo.commit("privacy 1.0", policies__privacy_md=policy_text("1.0", "2020-01-01", BODY_1_0))
    repo.write("changelog/privacy/1.1.md", note(True, "We keep your data for one year, not two."))
    repo.commit("privacy 1.1", policies__privacy_md=policy_text("1.1", "2021-01-01", BODY_1_1))
    return repo


def start_branch(repo: GitRepo, branch: str, start: str = "main") -> None:
    """GitHub's "Create a new branch for this commit and start a pull request"."""
    repo.git("checkout", "-q", "-b", branch, start)


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    """The pencil: change ``old`` to ``new`` in a file (exactly once), then **Commit changes**."""
    text = (repo.path / path).read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    (repo.path / path).write_text(text.replace(old, new), encoding="utf-8")
    repo.commit(f"Update {path}")


def bump(repo: GitRepo, version: str, effective: str = "2021-07-01") -> None:
    """The new label and effective date on privacy (published at 1.1), committed."""
    edit(
        repo,
        PATH,
        'version: "1.1"\neffective: 2021-01-01',
        f'version: "{version}"\neffective: {effective}',
    )


def create(repo: GitRepo, path: str, text: str) -> None:
    """**Add file** → **Create new file**, then **Commit changes**."""
    (repo.path / path).parent.mkdir(parents=True, exist_ok=True)
    (repo.path / path).write_text(text, encoding="utf-8")
    repo.commit(f"Create {path}")


def check(
    repo: GitRepo, *args: str, fmt: str = "text", branch: str | None = None
) -> tuple[int, str]:
    """``policysite check --base main`` as the pull request's workflow runs it (``branch``:
    the pull request's, when HEAD is GitHub's merge of it)."""
    branch = branch or repo.git("rev-parse", "--abbrev-ref", "HEAD")
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_HEAD_REF": branch,
        "GITHUB_BASE_REF": "main",
    }
    result = CliRunner().invoke(
        main,
        ["-C", str(repo.path), "check", "--base", "main", "--format", fmt, *args],
        env=env,
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def findings(repo: GitRepo, *args: str) -> list[str]:
    """The text findings, without the count."""
    return check(repo, *args)[1].splitlines()[:-1]


def review(repo: GitRepo, branch: str | None = None) -> dict[str, Any]:
    """The review the workflow posts (``--format github-review``)."""
    found: dict[str, Any] = json.loads(check(repo, fmt="github-review", branch=branch)[1])
    return found


def merge_ref(repo: GitRepo, branch: str) -> None:
    """What GitHub checks out for a pull request: its merge into main (``refs/pull/N/merge``),
    HEAD detached; the merge's first parent is main, its second the pull request."""
    repo.git("checkout", "-q", "--detach", "main")
    repo.git("merge", "-q", "--no-ff", "--no-edit", branch)


def merge_pull_request(repo: GitRepo, branch: str) -> None:
    """**Merge pull request** (a merge commit) on main."""
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", f"Merge pull request from {branch}", branch)


def suggestions(found: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each one-click suggestion of a review: (file, its lines, what they become), the lines
    as ``3`` or ``3-4``."""
    made = []
    for comment in found["comments"]:
        lines = str(comment["line"])
        if "start_line" in comment:
            lines = f"{comment['start_line']}-{lines}"
        for block in re.findall(r"```suggestion\n(.*?)\n```", comment["body"], re.DOTALL):
            made.append((comment["path"], lines, block))
    return made


def links(found: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each "new file" link of a review: (its words, the file, its content)."""
    made = []
    for comment in found["comments"]:
        for words, url in re.findall(
            r"\[([^\]]+)\]\((https://github\.com/[^)]+/new/[^)]+)\)", comment["body"]
        ):
            query = parse_qs(urlsplit(url).query)
            made.append((words, query["filename"][0], query["value"][0]))
    return made


def commit_suggestions(repo: GitRepo, found: dict[str, Any]) -> None:
    """**Commit suggestion** on each suggestion of the review (GitHub's batch of them)."""
    by_file: dict[str, list[tuple[int, int, str]]] = {}
    for path, where, block in suggestions(found):
        start, _, end = where.partition("-")
        by_file.setdefault(path, []).append((int(start), int(end or start), block))
    for path, changes in by_file.items():
        lines = (repo.path / path).read_text(encoding="utf-8").split("\n")
        for first, last, block in sorted(changes, reverse=True):
            lines[first - 1 : last] = block.split("\n")
        (repo.path / path).write_text("\n".join(lines), encoding="utf-8")
    repo.commit("Apply suggestions from code review")


def open_link(repo: GitRepo, found: dict[str, Any], words: str, summary: str = "") -> None:
    """Open the review's "new file" link with these words, type ``summary`` at the end, and
    **Commit changes**."""
    (path, content), *others = [(p, c) for w, p, c in links(found) if w == words]
    assert not others, words
    create(repo, path, content + summary)
