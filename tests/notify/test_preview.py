"""``policysite notify --preview DIR [--base REV]``: the mail a pull request would send, as files.

Real repositories with uncommitted (or branch) changes; the preview must be byte for byte what
the notifier sends once the change is merged, and must store and send nothing.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.cli import main
from policysite.config import load_settings
from policysite.notify.announce import build_notice
from policysite.notify.compose import TEMPLATE_DIR, Composer, Recipient, format_date_header
from policysite.notify.preview import SAMPLE_EMAIL, SAMPLE_NAME, preview_mail
from policysite.versions import load_policies
from tests.conftest import REPO_ROOT, GitRepo, policy_text
from tests.notify.conftest import BODY_2, MKDOCS, TODAY
from tests.pr_fixture import make_two_policy_pr

BODY_3 = BODY_2.replace(
    "We collect your name and your e-mail address.",
    "We collect your name, your e-mail address and your phone number.",
).replace("## Cookies and tracking {#cookies}\n\nWe use cookies.\n\n", "")
NOTE_3 = (
    "---\nmaterial: true\n---\nWe now collect your phone number, and we no longer use cookies.\n"
)


def cli(site: GitRepo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(site.path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def propose_3_0(site: GitRepo) -> None:
    """A pull request's working tree: privacy 3.0, material, effective in 45 days."""
    site.write("policies/privacy.md", policy_text("3.0", "2026-04-15", BODY_3, "Privacy Policy"))
    site.write("changelog/privacy/3.0.md", NOTE_3)


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


EXPECTED_EN_TXT = """\
Dear Kari Nordmann,

This is a notice about your agreement with Example.

We are changing our Privacy Policy. Version 3.0 replaces version 2.0 and
takes effect on:

    Wednesday, April 15, 2026

What changes
------------

We now collect your phone number, and we no longer use cookies.

Sections that changed
---------------------

- Data we collect (changed)
  https://policies.example.com/privacy/versions/3.0/#data
- Cookies and tracking (removed)
  https://policies.example.com/privacy/versions/2.0/#cookies

Every change, word by word:
https://policies.example.com/privacy/changes/3.0/

The full Privacy Policy:
https://policies.example.com/privacy/versions/3.0/

--\x20
You receive this message because you have an account with Example. It is
a service message about your agreement with us.

This notice was sent to kari@example.com.
Example (Test AS), Test AS, Storgata 1, 0155 Oslo, Norway
Questions: privacy@example.com"""


def test_material_change_in_the_working_tree_is_previewed_per_language(
    site: GitRepo, tmp_path: Path
) -> None:
    propose_3_0(site)
    out = tmp_path / "mail-preview"
    code, output = cli(site, "notify", "--preview", str(out))
    assert code == 0, output
    names = [
        f"privacy-3.0-{locale}.{ext}" for locale in ("en", "nb") for ext in ("eml", "html", "txt")
    ]
    assert files_in(out) == sorted(names)
    assert output.splitlines() == [
        "preview  privacy 2.0 → 3.0 (material, effective 2026-04-15): "
        + ", ".join(str(out / name) for name in names)
    ]
    assert (out / "privacy-3.0-en.txt").read_text(encoding="utf-8") == EXPECTED_EN_TXT
    nb = (out / "privacy-3.0-nb.txt").read_text(encoding="utf-8")
    assert nb.startswith(
        "Hei Kari Nordmann,\n\nDette er et varsel om avtalen din med Example.\n\nVi endrer vår "
        "Privacy Policy. Versjon 3.0 erstatter"
    )
    # No Norwegian note (changelog/privacy/3.0.nb.md) yet: the mail says the summary is English.
    assert "Hva som endres\n--------------\n\nSammendraget nedenfor finnes bare på engelsk.\n" in nb
    assert "onsdag 15. april 2026" in nb
    page = (out / "privacy-3.0-en.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Changes to our Privacy Policy: version 3.0</title>" in page
    assert '<a href="https://policies.example.com/privacy/versions/3.0/#data"' in page
    assert '<a href="https://policies.example.com/privacy/versions/2.0/#cookies"' in page
    eml = (out / "privacy-3.0-en.eml").read_bytes()
    assert b"\r\nTo: Kari Nordmann <kari@example.com>\r\n" in eml
    # Nothing stored, nothing sent: no database, no outbox, no stray temporary file.
    assert not (tmp_path / "notify.db").exists()
    assert not (site.path / "outbox").exists()
    assert not (site.path / ".policysite").exists()


def test_preview_is_byte_for_byte_the_mail_notify_sends_after_the_merge(
    site: GitRepo, tmp_path: Path
) -> None:
    propose_3_0(site)
    settings = load_settings(site.path)
    now = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    today = dt.date.fromisoformat(TODAY)
    preview_mail(settings, tmp_path / "p", "HEAD", today=today, now=now)
    site.commit("privacy 3.0")  # the pull request merged: now it is a published version

    policy = load_policies(settings, as_of=today)[0]
    notice = build_notice(settings, policy, policy.get("3.0"))  # type: ignore[arg-type]
    composer = Composer(site.path / TEMPLATE_DIR, settings.locales)
    for locale in ("en", "nb"):
        preview = (tmp_path / "p" / f"privacy-3.0-{locale}.eml").read_bytes()
        message_id = next(
            line[len(b"Message-ID: ") :].decode()
            for line in preview.split(b"\r\n")
            if line.startswith(b"Message-ID: ")
        )
        sent = composer.build(notice, locale, today=today).render(
            Recipient(SAMPLE_EMAIL, SAMPLE_NAME, locale, "", message_id), format_date_header(now)
        )
        assert preview == sent


def test_editorial_change_writes_nothing(site: GitRepo, tmp_path: Path) -> None:
    propose_3_0(site)
    site.write("changelog/privacy/3.0.md", "---\nmaterial: false\n---\nWording.\n")
    out = tmp_path / "mail-preview"
    code, output = cli(site, "notify", "--preview", str(out), "--base", "main")
    assert code == 0, output
    assert output.splitlines() == [
        "skip     privacy 2.0 → 3.0: editorial (material: false in changelog/privacy/3.0.md)",
        "No material version since main: no notice mail to preview, nothing written.",
    ]
    assert not out.exists()


def test_no_policy_changed_writes_nothing(site: GitRepo, tmp_path: Path) -> None:
    code, output = cli(site, "notify", "--preview", str(tmp_path / "p"))
    assert (code, output) == (
        0,
        "No material version since HEAD: no notice mail to preview, nothing written.\n",
    )
    assert not (tmp_path / "p").exists()


def test_text_edited_without_a_new_version_or_note_is_not_previewed(
    site: GitRepo, tmp_path: Path
) -> None:
    site.write("policies/privacy.md", policy_text("2.0", "2026-03-20", BODY_3, "Privacy Policy"))
    code, output = cli(site, "notify", "--preview", str(tmp_path / "p"))
    assert code == 0
    assert output.splitlines()[0] == (
        "skip     privacy 2.0 → 2.0 (working tree): the text changed but its version label did not"
    )
    propose_3_0(site)
    (site.path / "changelog/privacy/3.0.md").unlink()
    code, output = cli(site, "notify", "--preview", str(tmp_path / "p"))
    assert output.splitlines()[0] == (
        "skip     privacy 2.0 → 3.0: no changelog note (changelog/privacy/3.0.md)"
    )
    assert not (tmp_path / "p").exists()


@pytest.fixture
def pull_request(git_repo: GitRepo) -> GitRepo:
    """The two-policy pull request (privacy material, terms editorial) on a site set up to mail."""
    git_repo.write("mkdocs.yml", MKDOCS)
    shutil.copytree(REPO_ROOT / "site_templates", git_repo.path / "site_templates")
    make_two_policy_pr(git_repo)
    return git_repo


def test_pull_request_against_its_base_previews_only_the_material_policy(
    pull_request: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYSITE_TODAY", "2021-06-01")
    out = tmp_path / "mail-preview"
    code, output = cli(pull_request, "notify", "--preview", str(out), "--base", "main")
    assert code == 0, output
    lines = output.splitlines()
    assert (
        lines[0]
        == "skip     terms 1.0 → 1.1: editorial (material: false in changelog/terms/1.1.md)"
    )
    assert lines[1].startswith("preview  privacy 1.0 → 1.1 (material, effective 2021-07-01): ")
    assert files_in(out) == sorted(
        f"privacy-1.1-{locale}.{ext}" for locale in ("en", "nb") for ext in ("eml", "html", "txt")
    )
    text = (out / "privacy-1.1-en.txt").read_text(encoding="utf-8")
    assert "Version 1.1 replaces version 1.0 and takes\neffect on:" in text
    assert "Thursday, July 1, 2021" in text
    upcoming = "https://policies.example.com/privacy/versions/1.1/"
    assert (
        f"- Data we collect (changed)\n  {upcoming}#data\n"
        "- How long we keep your data (changed, formerly “Storage”)\n"
        f"  {upcoming}#storage\n"
        f"- Transfers outside the EU (new)\n  {upcoming}#transfers\n"
    ) in text


def test_a_site_without_sender_settings_is_told_what_to_set_and_nothing_is_written(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    make_two_policy_pr(git_repo)
    out = tmp_path / "mail-preview"
    code, output = cli(git_repo, "notify", "--preview", str(out), "--base", "main")
    assert (code, output) == (
        1,
        "Error: mkdocs.yml: the notice mail needs sender_name, sender_email, postal_address: set "
        "site_url at the top of mkdocs.yml and sender_name, sender_email, postal_address under "
        "the policysite plugin.\n",
    )
    assert not out.exists()


def test_preview_options_that_do_not_go_together(site: GitRepo, tmp_path: Path) -> None:
    assert cli(site, "notify", "--base", "main") == (
        1,
        "Error: --base goes with --preview DIR (what a pull request would mail).\n",
    )
    assert cli(site, "notify", "--preview", str(tmp_path), "--send") == (
        1,
        "Error: --preview sends nothing: leave out --send, --outbox, --version.\n",
    )


def test_unknown_base_is_one_clear_error(site: GitRepo, tmp_path: Path) -> None:
    code, output = cli(site, "notify", "--preview", str(tmp_path / "p"), "--base", "origin/main")
    assert code == 1
    assert output == (
        "Error: git revision 'origin/main' does not exist; give a branch, tag or commit, e.g. "
        "origin/main.\n"
    )
    assert not (tmp_path / "p").exists()


def test_a_change_of_the_mail_wording_is_shown_with_the_preview(
    site: GitRepo, tmp_path: Path
) -> None:
    """Issue 12, item 3: the organisation's wording goes to every reader; the PR shows it."""
    site.write(
        "mkdocs.yml",
        MKDOCS + '      notice_wording:\n        nb:\n          footer: "Du er kunde hos {org}."\n',
    )
    out = tmp_path / "mail-preview"
    code, output = cli(site, "notify", "--preview", str(out))
    assert code == 0, output
    assert output.splitlines() == [
        f"wording  the notice's legal wording changes: {out / 'notice-wording.md'}",
        "No material version since HEAD: no notice mail to preview.",
    ]
    assert (out / "notice-wording.md").read_text(encoding="utf-8") == (
        "The legal wording of the notice mail changes (`notice_wording` in mkdocs.yml); every "
        "reader gets it with the next notice:\n\n- **nb footer**: Du er kunde hos {org}.\n"
    )
    site.commit("the Norwegian footer")
    code, output = cli(site, "notify", "--preview", str(tmp_path / "again"))
    assert output.splitlines() == [
        "No material version since HEAD: no notice mail to preview, nothing written."
    ]
