"""The publish job never passes silently: on a CI runner, ``notify --send`` without the shared
store fails and names the secret to set, unless mkdocs.yml says the site mails nobody."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from policysite.cli import main
from tests.conftest import GitRepo
from tests.editor import SITE, TODAY, published_site


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """The published site on a GitHub Actions runner, with no secret set."""
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    for secret in ("POLICYSITE_DATABASE_URL", "POLICYSITE_SMTP_URL"):
        monkeypatch.setenv(secret, "")  # a secret that is not set reaches the job empty
    return published_site(git_repo)


def notify(repo: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo.path), "notify", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def test_send_without_the_store_fails_and_names_the_secret(site: GitRepo) -> None:
    assert notify(site, "--send") == (
        1,
        "Error: POLICYSITE_DATABASE_URL is empty on this CI runner, so the record of who was "
        "told would be a file thrown away with the job, and nobody would be mailed. Set the "
        "repository secret POLICYSITE_DATABASE_URL (e.g. postgresql+psycopg://user:pass@host/db), "
        "or, for a site that mails nobody, `notifications: false` under the policysite plugin in "
        "mkdocs.yml.\n",
    )
    assert not (site.path / ".policysite").exists()


def test_a_site_that_mails_nobody_says_so(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      notifications: false\n")
    assert notify(site, "--send") == (
        0,
        "notifications: false in mkdocs.yml, so no notice is planned or sent.\n",
    )


def test_notifications_must_be_true_or_false(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      notifications: maybe\n")
    code, output = notify(site)
    assert (code, output) == (
        1,
        "Error: mkdocs.yml: plugin 'policysite': 'notifications' must be true or false, not "
        "'maybe'.\n",
    )


def test_the_site_builds_with_notifications_off(site: GitRepo) -> None:
    site.write("mkdocs.yml", SITE + "      notifications: false\n")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=site.path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
