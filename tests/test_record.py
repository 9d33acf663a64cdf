"""The published record: before a deploy, ``check --record`` holds history to the versions.json
the live site serves (text, note and material flag of every published version). Real git
repositories; the live site is a real HTTP server on this machine, or the file it would serve."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.record import Published, RecordUnavailable, parse_record
from tests.conftest import GitRepo, policy_text
from tests.editor import (
    BODY_1_0,
    BODY_1_1,
    PATH,
    TODAY,
    bump,
    edit,
    note,
    published_site,
    start_branch,
)
from tests.test_site_translations import MKDOCS as TRANSLATED_MKDOCS
from tests.translation_fixture import NB_1_1, commit_translated_history, translation_text

FIX = (
    ": a published version never changes, so nothing is deployed. Put back what was published: "
    "revert the change on main (or list its commit under `ignore_commits` in mkdocs.yml), or, "
    "if main was force-pushed, push the published history back from a clone that has it; make "
    "the change as a new version."
)


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    return published_site(git_repo)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on this machine serving a folder: (its address, the folder)."""
    folder = tmp_path / "live"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def cli(repo: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(repo.path), *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def deploy(repo: GitRepo, folder: Path) -> Path:
    """What the publish job deploys as versions.json (the site's is the CLI's, tests/test_site)."""
    code, output = cli(repo, "versions", "--format", "json")
    assert code == 0
    (folder / "versions.json").write_text(output, encoding="utf-8")
    return folder / "versions.json"


def publish_check(repo: GitRepo, record: str) -> tuple[int, list[str]]:
    """The publish job's check: HEAD of main against the live record."""
    code, output = cli(repo, "check", "--record", record)
    return code, output.splitlines()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_record_is_the_deployed_versions_json(site: GitRepo, tmp_path: Path) -> None:
    record = parse_record(deploy(site, tmp_path).read_bytes())
    note_1_0 = note(True, "The first version.")
    assert record[0] == Published(
        "privacy", "1.0", sha(policy_text("1.0", "2020-01-01", BODY_1_0)), sha(note_1_0), True
    )
    assert publish_check(site, str(tmp_path / "versions.json")) == (
        0,
        ["policysite check: all rules pass (1 policy, 2 versions, compared with HEAD)."],
    )


def test_a_force_push_that_rewrites_a_published_version_is_refused(
    site: GitRepo, live: tuple[str, Path]
) -> None:
    address, folder = live
    deploy(site, folder)
    original = policy_text("1.0", "2020-01-01", BODY_1_0)
    rewritten = original.replace("your name and", "your name, address and")
    # main rewritten from its first commit on and force-pushed: 1.0 says more, 1.1 is the same.
    site.git("checkout", "-q", "--orphan", "rewritten")
    site.git("rm", "-q", "-r", "--cached", ".")
    site.commit("privacy 1.0", policies__privacy_md=rewritten)
    site.commit("privacy 1.1", policies__privacy_md=policy_text("1.1", "2021-01-01", BODY_1_1))
    site.git("branch", "-q", "-M", "main")
    url = f"{address}/versions.json"
    assert publish_check(site, url) == (
        1,
        [
            f"{PATH}:1: error: privacy 1.0 was published with text sha256 {sha(original)} "
            f"({url}), but the history to publish has text sha256 {sha(rewritten)}" + FIX,
            "policysite check: 1 error, 0 warnings (compared with HEAD).",
        ],
    )


def test_a_dropped_version_is_refused(site: GitRepo, tmp_path: Path) -> None:
    record = str(deploy(site, tmp_path))
    site.git("reset", "-q", "--hard", "HEAD~1")  # 1.1's commit dropped, and force-pushed
    text = policy_text("1.1", "2021-01-01", BODY_1_1)
    assert publish_check(site, record)[1][0] == (
        f"{PATH}:1: error: privacy 1.1 was published with text sha256 {sha(text)} ({record}), "
        "but the history to publish has no such version" + FIX
    )


def test_a_text_changed_on_main_without_a_new_label_is_refused(
    site: GitRepo, tmp_path: Path
) -> None:
    record = str(deploy(site, tmp_path))
    edit(site, PATH, "one year", "two years")  # pushed straight to main
    old, new = (
        policy_text("1.1", "2021-01-01", BODY_1_1),
        policy_text("1.1", "2021-01-01", BODY_1_0),
    )
    assert publish_check(site, record)[1][0] == (
        f"{PATH}:1: error: privacy 1.1 was published with text sha256 {sha(old)} ({record}), "
        f"but the history to publish has text sha256 {sha(new)}" + FIX
    )
    mistake = site.git("rev-parse", "HEAD")
    site.write(
        "mkdocs.yml",
        (site.path / "mkdocs.yml").read_text() + f"      ignore_commits: [{mistake[:12]}]\n",
    )
    site.write("changelog/privacy/1.2.md", note(True, "Two years again."))
    bump(site, "1.2")  # the fix: 1.1 as published, and the change as a new version
    assert publish_check(site, record) == (
        0,
        ["policysite check: all rules pass (1 policy, 3 versions, compared with HEAD)."],
    )


def test_a_note_edited_after_publication_is_refused(site: GitRepo, tmp_path: Path) -> None:
    record = str(deploy(site, tmp_path))
    old = note(True, "We keep your data for one year, not two.")
    edit(site, "changelog/privacy/1.1.md", "not two", "not two years")
    new = old.replace("not two", "not two years")
    assert publish_check(site, record)[1][0] == (
        f"changelog/privacy/1.1.md:1: error: privacy 1.1 was published with note sha256 "
        f"{sha(old)} ({record}), but the history to publish has note sha256 {sha(new)}" + FIX
    )


def test_a_material_flag_flipped_after_publication_is_refused(
    site: GitRepo, tmp_path: Path
) -> None:
    record = str(deploy(site, tmp_path))
    edit(site, "changelog/privacy/1.0.md", "material: true", "material: false")
    assert publish_check(site, record)[1][0] == (
        f"changelog/privacy/1.0.md:1: error: privacy 1.0 was published with material: true "
        f"({record}), but the history to publish has material: false" + FIX
    )


def test_a_rebase_merge_that_replays_an_edit_of_a_published_text_is_refused(
    site: GitRepo, tmp_path: Path
) -> None:
    """Saved in the browser: the text of 1.1 edited, then the new label. Merged with a merge
    commit or squashed, only the end lands; replayed by a rebase merge, 1.1 changes on main."""
    record = str(deploy(site, tmp_path))
    start_branch(site, "two-saves")
    edit(site, PATH, "one year", "six months")
    bump(site, "1.2")
    site.write("changelog/privacy/1.2.md", note(True, "Six months."))
    site.commit("Create changelog/privacy/1.2.md")
    site.git("checkout", "-q", "main")
    site.git("merge", "-q", "--ff-only", "two-saves")  # the rebase merge of a branch up to date
    code, output = publish_check(site, record)
    assert code == 1
    assert output[0].startswith(f"{PATH}:1: error: privacy 1.1 was published with text sha256")


def test_a_record_without_note_hashes_is_held_to_what_it_has(site: GitRepo, tmp_path: Path) -> None:
    """The versions.json deployed before notes were hashed lists text and material only."""
    old = tmp_path / "old.json"
    old.write_text(
        '[{"policy": "privacy", "version": "1.0", "material": true, "sha256": "'
        + sha(policy_text("1.0", "2020-01-01", BODY_1_0))
        + '"}]',
        encoding="utf-8",
    )
    edit(site, "changelog/privacy/1.0.md", "The first version.", "The first version of all.")
    assert publish_check(site, str(old))[0] == 0


def test_a_renamed_policy_keeps_its_record(site: GitRepo, tmp_path: Path) -> None:
    record = str(deploy(site, tmp_path))
    site.git("mv", PATH, "policies/privacy-policy.md")
    site.git("mv", "changelog/privacy", "changelog/privacy-policy")
    site.commit("Rename the privacy policy")
    assert publish_check(site, record)[0] == 0


def test_before_the_first_publish_there_is_no_record(site: GitRepo, live: tuple[str, Path]) -> None:
    address, _ = live
    url = f"{address}/versions.json"
    assert publish_check(site, url) == (
        0,
        [
            f"mkdocs.yml:1: warning: there is no published record at {url} (HTTP 404), so "
            "history is not compared with what readers have seen; expected before the site's "
            "first publish, and only then.",
            "policysite check: 0 errors, 1 warning (compared with HEAD).",
        ],
    )


def test_a_site_that_does_not_answer_stops_the_deploy(site: GitRepo) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/versions.json"
    code, output = publish_check(site, url)
    assert code == 1
    assert output[0] == (
        f"mkdocs.yml:1: error: the published record {url} could not be read ([Errno 111] "
        "Connection refused), so history cannot be compared with what readers have seen, and "
        "nothing is deployed; run the job again once the site answers."
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html>", "not JSON: Expecting value: line 1 column 1 (char 0)"),
        (b'{"policy": "privacy"}', "not a versions.json: it is not a list of versions"),
        (
            b'[{"policy": "privacy", "version": "1.0"}]',
            "not a versions.json: entry 1 lacks policy, version (a translation: locale and "
            "translates) or a sha256",
        ),
        (
            b'[{"policy": "privacy", "locale": "nb", "sha256": "' + b"0" * 64 + b'"}]',
            "not a versions.json: entry 1 lacks policy, version (a translation: locale and "
            "translates) or a sha256",
        ),
    ],
)
def test_a_record_that_is_not_a_versions_json(data: bytes, reason: str) -> None:
    with pytest.raises(RecordUnavailable) as raised:
        parse_record(data)
    assert (raised.value.detail, raised.value.absent) == (reason, False)


def test_a_published_translation_may_be_corrected_but_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record holds each translation's text: a later commit correcting it passes (the text
    readers saw stays in history), a force-push that rewrites it is refused."""
    monkeypatch.setenv("POLICYSITE_TODAY", "2021-06-01")
    repo = GitRepo(tmp_path / "repo")
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", TRANSLATED_MKDOCS)
    commit_translated_history(repo)
    record = str(deploy(repo, tmp_path))
    published = translation_text("1.1", NB_1_1)
    assert Published("privacy", "1.1", sha(published), locale="nb") in parse_record(
        Path(record).read_bytes()
    )

    # A translator corrects a word in a new commit: the published text is still in history.
    corrected = published.replace("Du kan spørre", "Du kan alltid spørre")
    repo.commit("nb: a better word", policies__privacy_nb_md=corrected)
    assert publish_check(repo, record)[0] == 0

    # The published revision amended away (history rewritten, force-pushed): refused.
    source_2_0 = repo.git("rev-parse", "HEAD~1").strip()
    repo.git("reset", "-q", "--hard", "HEAD~2")  # back to 1.1 and its translation
    repo.write("policies/privacy.nb.md", corrected)
    repo.git("commit", "-q", "--amend", "--no-edit", "-a")
    repo.git("cherry-pick", source_2_0)  # 2.0 as it was
    code, output = publish_check(repo, record)
    assert code == 1
    assert output[0] == (
        f"policies/privacy.nb.md:1: error: the nb translation of privacy 1.1 was published with "
        f"text sha256 {sha(published)} ({record}), but no revision of it in the history to "
        "publish has that text: a published translation may be corrected by a later commit, "
        "never rewritten, so nothing is deployed. If main was force-pushed or a commit dropped, "
        "push the published history back from a clone that has it (or revert the change on "
        "main); correct a translation with a new commit."
    )
