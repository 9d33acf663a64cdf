"""Shared fixtures: real git repositories with real commits (no mocks)."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


class GitRepo:
    """A throwaway policy site in a real git repository, with helpers to commit to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._clock = 1_600_000_000  # 2020-09-13: commits get distinct, increasing dates

    def git(self, *args: str, date: str | None = None) -> str:
        env = dict(os.environ)
        stamp = date or f"@{self._clock} +0000"
        self._clock += 3600
        env.update(
            GIT_AUTHOR_NAME="Legal",
            GIT_AUTHOR_EMAIL="legal@example.com",
            GIT_COMMITTER_NAME="Legal",
            GIT_COMMITTER_EMAIL="legal@example.com",
            GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_DATE=stamp,
        )
        result = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def write(self, relative: str, text: str | bytes) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return target

    def commit(self, message: str = "edit", *, date: str | None = None, **files: str) -> str:
        """Write ``files`` and commit everything; returns the new commit's hash.

        A keyword names a path with ``__`` for ``/`` and its last ``_`` for ``.``:
        ``policies__privacy_md`` is ``policies/privacy.md``.
        """
        for name, text in files.items():
            stem, _, extension = name.replace("__", "/").rpartition("_")
            self.write(f"{stem}.{extension}", text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, date=date)
        return self.git("rev-parse", "HEAD")


def policy_text(
    version: str | None, effective: str | None, body: str, title: str = "Privacy"
) -> str:
    """A policy file: front matter (where given) and a Markdown body."""
    meta = [f"title: {title}"]
    if version is not None:
        meta.append(f'version: "{version}"')
    if effective is not None:
        meta.append(f"effective: {effective}")
    return "---\n" + "\n".join(meta) + "\n---\n" + textwrap.dedent(body).lstrip("\n")


@pytest.fixture
def git_repo(tmp_path: Path) -> Iterator[GitRepo]:
    """An empty policy site (mkdocs.yml, policies/) in a fresh git repository on ``main``."""
    repo = GitRepo(tmp_path / "site")
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write(
        "mkdocs.yml",
        """
        site_name: Test policies
        site_url: https://example.com/
        docs_dir: policies
        plugins:
          - policysite
        """,
    )
    yield repo
