"""``policysite check``: one test per rule on a real git repository, exact message and line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.check import MESSAGES, check_site
from policysite.cli import main
from policysite.config import load_settings
from policysite.errors import HistoryError, NotFoundError
from policysite.history import match_renames
from tests.conftest import REPO_ROOT, GitRepo, policy_text

TODAY = "2021-06-01"
BODY = """
## Data we collect {#data}

We collect your name. See [cookies](#cookies).

## Cookies {#cookies}

We use cookies.
"""
ENGLISH_SITE = """
site_name: Test policies
site_url: https://example.com/
docs_dir: policies
plugins:
  - policysite:
      locales: [en]
"""
# policy_text puts the front matter on lines 1-5: title 2, version 3, effective 4.
PATH = "policies/privacy.md"


def note(material: bool, summary: str = "What changed and why.") -> str:
    return f"---\nmaterial: {'true' if material else 'false'}\n---\n{summary}\n"


@pytest.fixture
def site(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A site in English alone that published privacy 1.0 (material, effective 2020-01-01)."""
    monkeypatch.setenv("POLICYSITE_TODAY", TODAY)
    git_repo.write("mkdocs.yml", ENGLISH_SITE)
    git_repo.write("changelog/privacy/1.0.md", note(True, "First version."))
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    return git_repo


def run(repo: GitRepo, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["-C", str(repo.path), "check", *args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output.splitlines()


def findings(repo: GitRepo, base: str | None = None) -> list[str]:
    """Every finding as ``file:line: severity: message``."""
    report = check_site(load_settings(repo.path), base)
    return [f"{f.path}:{f.line}: {f.severity}: {f.message}" for f in report.findings]


def new_version(
    repo: GitRepo,
    body: str = BODY + "\nWe also collect your phone number.\n",
    version: str = "1.1",
    effective: str = "2021-08-01",
    material: bool | None = True,
) -> None:
    """Write a new version of privacy into the working tree (and stage it, as an editor would)."""
    repo.write(PATH, policy_text(version, effective, body))
    if material is not None:
        repo.write(f"changelog/privacy/{version}.md", note(material))
    repo.git("add", "-A")


# --- the good cases --------------------------------------------------------------------------


def test_this_repository_passes_check() -> None:
    report = check_site(load_settings(REPO_ROOT))
    assert [f.message for f in report.findings] == []
    assert report.policies >= 1 and report.versions >= 2


def test_a_proper_new_version_passes(site: GitRepo) -> None:
    new_version(site)
    code, output = run(site)
    assert code == 0
    assert output == [
        "policysite check: all rules pass (1 policy, 2 versions, compared with HEAD)."
    ]


def test_committed_new_version_passes_against_the_base_branch(site: GitRepo) -> None:
    site.git("checkout", "-q", "-b", "pr")
    new_version(site)
    site.commit("privacy 1.1")
    code, output = run(site, "--base", "main")
    assert (code, output[-1]) == (
        0,
        "policysite check: all rules pass (1 policy, 2 versions, compared with main).",
    )


# --- versions ----------------------------------------------------------------------------------


def test_edit_without_a_new_version(site: GitRepo) -> None:
    site.write(PATH, policy_text("1.0", "2020-01-01", BODY + "\nMore.\n"))
    assert findings(site) == [
        f"{PATH}:3: error: the text changed since HEAD but 'version' is still \"1.0\", which is "
        "already published; every change of a published text needs a new version: set "
        '`version: "1.1"` (and `effective:`), and add changelog/privacy/1.1.md.'
    ]


def test_version_removed(site: GitRepo) -> None:
    site.write(PATH, "---\ntitle: Privacy\n---\n" + BODY.lstrip("\n") + "\nMore.\n")
    assert findings(site) == [
        f"{PATH}:1: error: has no 'version', but its published versions have labels (the last "
        'is "1.0"); add `version: "1.1"` and `effective: YYYY-MM-DD` to the front matter.'
    ]


def test_label_of_an_earlier_version_reused(site: GitRepo) -> None:
    new_version(site)
    site.commit("1.1")
    new_version(
        site, body=BODY + "\nOther.\n", version="1.0", effective="2021-09-01", material=None
    )
    assert findings(site) == [
        f'{PATH}:3: error: version "1.0" was published on 2020-09-13 with a different text; '
        'give this text a new label: version: "1.2".'
    ]


def test_effective_before_the_previous_version(site: GitRepo) -> None:
    new_version(site, effective="2019-12-31", material=False)
    assert findings(site) == [
        f'{PATH}:4: error: version "1.1" takes effect 2019-12-31, before the previous version '
        '"1.0" (2020-01-01); set `effective:` to 2020-01-01 or later.'
    ]


def test_material_change_with_too_little_notice(site: GitRepo) -> None:
    new_version(site, effective="2021-06-11")
    assert findings(site) == [
        f'{PATH}:4: error: version "1.1" is a material change taking effect 2021-06-11, only '
        "10 day(s) after today (2021-06-01); users must be told 30 days ahead (notice_days in "
        "mkdocs.yml): set `effective:` to 2021-07-01 or later."
    ]


def test_notice_is_exactly_notice_days_and_editorial_needs_none(site: GitRepo) -> None:
    new_version(site, effective="2021-07-01")
    assert findings(site) == []
    new_version(site, effective="2021-06-01", material=False)
    assert findings(site) == []


def test_notice_days_setting(site: GitRepo) -> None:
    site.write("mkdocs.yml", ENGLISH_SITE + "      notice_days: 60\n")
    new_version(site, effective="2021-07-01")
    assert "set `effective:` to 2021-07-31 or later." in findings(site)[0]


def test_deleted_policy(site: GitRepo) -> None:
    site.git("rm", "-q", PATH)
    assert findings(site) == [
        f"{PATH}:1: error: was deleted, but it has published versions (1.0) that readers may "
        "hold links to; put the file back and retire the policy instead: its last text with "
        '`version: "1.1"`, `effective: 2021-06-01` and `retired: 2021-07-01` in the front '
        "matter (the site keeps its archive and shows the policy as retired)."
    ]


def test_retired_policy_may_be_deleted(site: GitRepo) -> None:
    retired = policy_text("1.1", "2021-07-01", BODY).replace(
        "---\n## ", "retired: 2021-07-01\n---\n## "
    )
    site.write(PATH, retired)
    site.write("changelog/privacy/1.1.md", note(True, "The policy is withdrawn."))
    site.git("add", "-A")
    assert findings(site) == []
    site.commit("retire privacy")
    site.git("rm", "-q", PATH)  # its notes stay: the archive shows them
    assert findings(site) == []


def test_retired_must_be_a_date(site: GitRepo) -> None:
    site.write(
        PATH, policy_text("1.0", "2020-01-01", BODY).replace("---\n## ", "retired: true\n---\n## ")
    )
    assert findings(site) == [
        f"{PATH}:5: error: 'retired' must be the date the policy is withdrawn, written "
        "YYYY-MM-DD, not True; e.g. retired: 2027-01-01."
    ]


def test_invalid_front_matter_in_the_working_tree(site: GitRepo) -> None:
    site.write(PATH, "---\ntitle: Privacy\nversion: 1.1\neffective: 2021-08-01\n---\nText\n")
    assert findings(site) == [
        f"{PATH}:3: error: 'version' must be quoted text: YAML reads 1.1 as a number (1.10 would "
        'become 1.1); write version: "1.1".'
    ]


def test_policy_file_that_is_not_utf8_is_not_taken_for_deleted(site: GitRepo) -> None:
    site.write(PATH, policy_text("1.0", "2020-01-01", BODY).encode().replace(b"name", b"n\xe9me"))
    offset = policy_text("1.0", "2020-01-01", BODY).index("name") + 1
    assert findings(site) == [
        f"{PATH}:8: error: is not UTF-8 (byte {offset}: b'\\xe9'); save the file as UTF-8 and "
        "commit it again."
    ]


def test_note_that_is_not_utf8_names_line_and_byte(site: GitRepo) -> None:
    site.write("changelog/privacy/1.0.md", b"---\nmaterial: true\n---\nFirst \xff.\n")
    assert findings(site) == [
        "changelog/privacy/1.0.md:4: error: is not UTF-8 (byte 29: b'\\xff'); save the file as "
        "UTF-8 and commit it again."
    ]


def test_policy_file_over_one_mebibyte(site: GitRepo) -> None:
    text = policy_text("1.0", "2020-01-01", BODY + "x" * (1024 * 1024) + "\n")
    site.write(PATH, text)
    assert findings(site) == [
        f"{PATH}:1: error: is 1.0 MiB; a policy file may be at most 1 MiB. Split it into "
        "several policies or move attachments out of policies/."
    ]


def test_untracked_policy_files_are_checked_too(site: GitRepo) -> None:
    site.write(
        "policies/cookies.md", "---\ntitle: Cookies\nversion: 1.0\neffective: someday\n---\n"
    )
    assert findings(site) == [
        "policies/cookies.md:3: error: 'version' must be quoted text: YAML reads 1.0 as a number "
        '(1.10 would become 1.1); write version: "1.0".',
        "policies/cookies.md:4: error: 'effective' must be a date written YYYY-MM-DD, not "
        "'someday'; e.g. effective: 2018-05-25.",
    ]


def test_committed_invalid_front_matter_is_reported_once_and_alone(site: GitRepo) -> None:
    broken = policy_text("1.0", "2020-01-01", BODY).replace("title: Privacy", 'title: "Privacy')
    commit = site.commit(policies__privacy_md=broken)
    assert findings(site) == [
        f"{PATH}:3: error: at commit {commit[:12]}: front matter is not valid YAML (did not find "
        "expected key); fix the syntax, e.g. `key: value`, and quote values that contain ': '."
    ]


# --- changelog notes ---------------------------------------------------------------------------


def test_new_version_without_a_note(site: GitRepo) -> None:
    new_version(site, material=None)
    assert findings(site) == [
        f'{PATH}:3: error: version "1.1" has no changelog note; create changelog/privacy/1.1.md '
        "with `material: true` (users are notified) or `material: false` (an editorial fix) "
        "between --- lines, then a summary of what changed and why."
    ]


def test_note_without_summary(site: GitRepo) -> None:
    new_version(site)
    site.write("changelog/privacy/1.1.md", "---\nmaterial: true\n---\n\n")
    assert findings(site) == [
        "changelog/privacy/1.1.md:1: error: has no summary; below the front matter, write what "
        "changed and why (readers see it on the site, and in the mail when material)."
    ]


def test_note_with_a_bad_material_value(site: GitRepo) -> None:
    new_version(site)
    site.write("changelog/privacy/1.1.md", "---\nmaterial: maybe\n---\nText.\n")
    assert findings(site)[0] == (
        "changelog/privacy/1.1.md:2: error: 'material' must be true or false, not 'maybe': true "
        "when the change affects users' rights or how their data is used (they are notified), "
        "false for editorial fixes."
    )


def test_note_for_a_version_that_does_not_exist(site: GitRepo) -> None:
    site.write("changelog/privacy/2.0.md", note(True))
    assert findings(site) == [
        'changelog/privacy/2.0.md:1: error: is a note for version "2.0" of privacy, which does '
        "not exist (versions: 1.0); rename the note to the version it describes, or delete it."
    ]


def test_note_for_a_policy_that_does_not_exist(site: GitRepo) -> None:
    site.write("changelog/terms/1.0.md", note(False))
    assert findings(site) == [
        "changelog/terms/1.0.md:1: error: is a note for a policy 'terms', but there is no "
        "policies/terms.md; move the note to the folder of the policy it describes "
        "(changelog/<policy>/<version>.md), or delete it."
    ]


# --- anchors -----------------------------------------------------------------------------------


def test_duplicate_anchor(site: GitRepo) -> None:
    new_version(site, body=BODY + "\n## More cookies {#cookies}\n\nText.\n")
    assert findings(site) == [
        f"{PATH}:14: error: anchor '#cookies' is used again (first on line 10); give this "
        "heading its own {#id}, e.g. {#cookies-2}."
    ]


def test_renamed_anchor_gets_a_suggested_alias(site: GitRepo) -> None:
    new_version(
        site,
        body=BODY.replace("{#cookies}", "{#cookie-use}").replace("(#cookies)", "(#cookie-use)"),
    )
    assert findings(site) == [
        f"{PATH}:10: error: anchor '#cookies' (heading \"Cookies\" in version 1.0) is gone, so "
        "links to privacy#cookies would break; the heading looks renamed to '#cookie-use' "
        '("Cookies"): put {#cookies} back on it, or add `anchor_aliases: {cookies: '
        "cookie-use}` to the front matter."
    ]


def test_removed_anchor(site: GitRepo) -> None:
    new_version(site, body="## Data we collect {#data}\n\nWe collect your name.\n")
    assert findings(site) == [
        f"{PATH}:1: error: anchor '#cookies' (heading \"Cookies\" in version 1.0) is gone, so "
        "links to privacy#cookies would break; put {#cookies} back on a heading, or send it to "
        "the closest section with `anchor_aliases: {cookies: <anchor>}` in the front matter."
    ]


def test_alias_keeps_an_old_anchor_and_must_land_on_a_heading(site: GitRepo) -> None:
    body = "## Data we collect {#data}\n\nWe collect your name.\n"
    text = policy_text("1.1", "2021-08-01", body)
    site.write(PATH, text.replace("---\n## ", "anchor_aliases: {cookies: data}\n---\n## "))
    site.write("changelog/privacy/1.1.md", note(True))
    site.git("add", "-A")
    assert findings(site) == []
    site.write(PATH, text.replace("---\n## ", "anchor_aliases: {cookies: nowhere}\n---\n## "))
    assert findings(site) == [
        f"{PATH}:5: error: anchor_aliases sends '#cookies' to '#nowhere', which no heading of "
        "this page has; point it at one of: data."
    ]


def test_anchor_an_alias_had_must_keep_resolving(site: GitRepo) -> None:
    text = policy_text("1.1", "2021-08-01", BODY).replace(
        "---\n## ", "anchor_aliases: {tracking: cookies}\n---\n## "
    )
    site.write(PATH, text)
    site.write("changelog/privacy/1.1.md", note(False))
    site.commit("1.1 with an alias")
    new_version(site, version="1.2", material=False)
    assert (
        f"{PATH}:1: error: anchor '#tracking' (heading \"alias of #tracking\" in version 1.1)"
        in (findings(site)[0])
    )


def test_heading_without_explicit_id_is_a_warning(site: GitRepo) -> None:
    new_version(site, body=BODY + "\n## Contact us\n\nWrite to us.\n")
    code, output = run(site)
    assert code == 0
    assert output == [
        f"{PATH}:14: warning: heading \"Contact us\" has no {{#id}}, so its anchor '#contact-us' "
        "changes whenever its words do; add {#contact-us} (or a shorter id) at the end of the "
        "heading line.",
        "policysite check: 0 errors, 1 warning (compared with HEAD).",
    ]


# --- links -------------------------------------------------------------------------------------


def test_links_to_pages_and_anchors(site: GitRepo) -> None:
    site.write(
        "policies/cookies.md",
        policy_text("1.0", "2020-01-01", "## Consent {#consent}\n\nAsk first.\n", title="Cookies"),
    )
    site.write("changelog/cookies/1.0.md", note(False))
    body = BODY + (
        "\nSee [consent](cookies.md#consent), [storage](#storage), [terms](terms.md),\n"
        "[consents](cookies.md#consents), [home](index.md), [code](`#not-a-link`)\n"
        "and `[in code](#nowhere)`.\n\n[ref]: ../README.md\n"
    )
    new_version(site, body=body, material=False)
    assert findings(site) == [
        f"{PATH}:14: error: links to '#storage', but {PATH} has no heading with anchor "
        "'#storage'; its anchors: cookies, data.",
        f"{PATH}:14: error: links to 'terms.md', but there is no policies/terms.md; fix the file "
        "name (pages: cookies.md, privacy.md).",
        f"{PATH}:15: error: links to 'cookies.md#consents', but policies/cookies.md has no "
        "heading with anchor '#consents'; did you mean '#consent'.",
        f"{PATH}:18: error: links to '../README.md', which is outside policies/ and not part of "
        "the site; link to a page of the site or to a full https:// address.",
    ]


def test_site_paths_and_folders_are_warnings(site: GitRepo) -> None:
    new_version(site, body=BODY + "\n[a](/privacy/#data) [b](cookies/) [c](https://x.org/#y)\n")
    assert findings(site) == [
        f"{PATH}:14: warning: links to the site path '/privacy/#data'; link to the Markdown file "
        "instead (e.g. cookies.md#consent), so that the link is checked and works in every "
        "version.",
        f"{PATH}:14: warning: links to 'cookies/'; link to the Markdown file instead (e.g. "
        "cookies.md#consent), so that the site and this check can follow it.",
    ]


def test_link_to_a_missing_file(site: GitRepo) -> None:
    new_version(site, body=BODY + "\n[form](files/form.pdf)\n")
    assert findings(site) == [
        f"{PATH}:14: error: links to 'files/form.pdf', but there is no policies/files/form.pdf; "
        "add the file or fix the link."
    ]


# --- raw HTML ----------------------------------------------------------------------------------


def test_an_a_name_target_is_allowed_on_a_only(site: GitRepo) -> None:
    """``<a name="x"></a>`` is a fragment target browsers go to (the site keeps it, and links
    to it work), so it is no finding; ``name=`` on another tag is."""
    body = BODY + (
        '\nSee [the warrant rule](#warrant).\n\n<a name="warrant"></a>Only with a warrant.\n'
        '<span name="n">x</span>\n'
    )
    new_version(site, body=body, material=False)
    assert findings(site) == [
        f"{PATH}:17: error: attribute name= on <span> is not allowed; remove it (allowed: id, "
        "class, title, href, lang, dir, open)."
    ]


def test_raw_html_allow_list_and_nothing_executable(site: GitRepo) -> None:
    body = BODY + (
        '\nPrices<sup>1</sup> <abbr title="General Data Protection Regulation">GDPR</abbr>\n'
        "<script>alert(1)</script>\n"
        '<span onclick="steal()">x</span> <a href="javascript:steal()">y</a>\n'
        '<table><tr><td>z</td></tr></table> <span style="display:none">hidden</span>\n'
        "[click](javascript:alert(1)) <!-- an editor's comment -->\n"
        '## Heading {: #h onclick="x()" }\n\n'
        "```html\n<script>in a code block</script>\n```\n"
        "`<iframe>` in a code span.\n"
    )
    new_version(site, body=body, material=False)
    assert findings(site) == [
        f"{PATH}:15: error: <script> can run code or load content in readers' browsers; remove "
        "it (a policy is text: write it in Markdown).",
        f"{PATH}:16: error: attribute onclick= runs code in readers' browsers; remove it (a "
        "policy is text).",
        f"{PATH}:16: error: link to 'javascript:steal()' would run code in the reader's browser; "
        "link to a page or a https:// address instead.",
        f"{PATH}:17: error: attribute style= on <span> is not allowed; remove it (allowed: id, "
        "class, title, href, lang, dir, open).",
        f"{PATH}:17: error: raw HTML <table> is not allowed in a policy; write it in Markdown "
        "(allowed tags: a, abbr, b, br, code, del, details, em, i, ins, kbd, mark, p, s, small, "
        "span, strong, sub, summary, sup, u).",
        f"{PATH}:17: error: raw HTML <td> is not allowed in a policy; write it in Markdown "
        "(allowed tags: a, abbr, b, br, code, del, details, em, i, ins, kbd, mark, p, s, small, "
        "span, strong, sub, summary, sup, u).",
        f"{PATH}:17: error: raw HTML <tr> is not allowed in a policy; write it in Markdown "
        "(allowed tags: a, abbr, b, br, code, del, details, em, i, ins, kbd, mark, p, s, small, "
        "span, strong, sub, summary, sup, u).",
        f"{PATH}:18: error: link to 'javascript:alert(1)' would run code in the reader's "
        "browser; link to a page or a https:// address instead.",
        f"{PATH}:19: error: attribute onclick= runs code in readers' browsers; remove it (a "
        "policy is text).",
    ]


# --- bad input and output formats ------------------------------------------------------------


def test_base_that_does_not_exist(site: GitRepo) -> None:
    code, output = run(site, "--base", "origin/main")
    assert code == 1
    assert output == [
        "Error: the revision 'origin/main' to compare with does not exist in this clone; fetch "
        "it first: `git fetch origin main` (GitHub Actions: actions/checkout with "
        "`fetch-depth: 0`)."
    ]
    with pytest.raises(NotFoundError, match="`git fetch origin main`"):
        check_site(load_settings(site.path), "v9")


def test_shallow_clone_is_refused(site: GitRepo, tmp_path: Path) -> None:
    new_version(site, material=False)
    site.commit("1.1")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{site.path}", str(clone)], check=True
    )
    with pytest.raises(HistoryError, match="fetch-depth: 0"):
        check_site(load_settings(clone))


def test_pull_request_in_a_clone_against_origin_main(site: GitRepo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{site.path}", str(clone)], check=True)
    pr = GitRepo(clone)
    pr.git("checkout", "-q", "-b", "edit")
    pr.write(PATH, policy_text("1.0", "2020-01-01", BODY + "\nMore.\n"))
    pr.commit("edit without a bump")
    code, output = run(pr, "--base", "origin/main", "--format", "github")
    assert code == 1
    assert output == [
        f"::error file={PATH},line=3,title=policysite check%3A unversioned-edit::the text changed "
        "since origin/main but 'version' is still \"1.0\", which is already published; every "
        'change of a published text needs a new version: set `version: "1.1"` (and '
        "`effective:`), and add changelog/privacy/1.1.md.%0ASee EDITING.md#unversioned-edit",
        "policysite check: 1 error, 0 warnings (compared with origin/main).",
    ]


def test_json_format_and_exit_codes(site: GitRepo) -> None:
    new_version(site, effective="2021-06-02")
    code, output = run(site, "--format", "json")
    assert code == 1
    data = json.loads("\n".join(output))
    assert data == {
        "base": "HEAD",
        "errors": 1,
        "warnings": 0,
        "findings": [
            {
                "severity": "error",
                "file": PATH,
                "line": 4,
                "rule": "notice-period",
                "message": data["findings"][0]["message"],
            }
        ],
    }
    assert data["findings"][0]["message"].startswith('version "1.1" is a material change')


def test_every_problem_is_reported_at_once(site: GitRepo) -> None:
    site.write(
        PATH, policy_text("1.0", "2020-01-01", BODY + "\n[x](#nowhere)\n<script></script>\n")
    )
    site.write("changelog/privacy/9.md", note(False))
    code, output = run(site)
    assert code == 1
    assert [line.split(": ")[0] for line in output[:-1]] == [
        "changelog/privacy/9.md:1",
        f"{PATH}:3",
        f"{PATH}:14",
        f"{PATH}:15",
    ]
    assert output[-1] == "policysite check: 4 errors, 0 warnings (compared with HEAD)."


def test_every_rule_has_a_message() -> None:
    assert len(MESSAGES) == len(set(MESSAGES.values()))
    for template in MESSAGES.values():
        assert template.endswith((".", "}")), template


def test_pull_request_changing_two_policies_passes(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PR-summary case (tests/pr_fixture.py) is a PR that check lets through."""
    from tests.pr_fixture import TODAY as PR_TODAY
    from tests.pr_fixture import make_two_policy_pr

    monkeypatch.setenv("POLICYSITE_TODAY", PR_TODAY)
    make_two_policy_pr(git_repo)
    report = check_site(load_settings(git_repo.path), "main")
    assert (report.errors, report.versions) == (0, 4)


def test_github_format_annotates_a_fatal_error_too(site: GitRepo) -> None:
    code, output = run(site, "--base", "origin/main", "--format", "github")
    assert code == 1
    assert output == [
        "::error title=policysite check::the revision 'origin/main' to compare with does not "
        "exist in this clone; fetch it first: `git fetch origin main` (GitHub Actions: "
        "actions/checkout with `fetch-depth: 0`).",
        "Error: the revision 'origin/main' to compare with does not exist in this clone; fetch "
        "it first: `git fetch origin main` (GitHub Actions: actions/checkout with "
        "`fetch-depth: 0`).",
    ]


@pytest.mark.parametrize("command", ["check", "init", "versions"])
def test_command_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: policysite " + command in result.output


def test_every_option_of_check_has_an_example() -> None:
    from policysite.cli import check_command

    for option in check_command.params:
        assert "Example: policysite check " in (getattr(option, "help", "") or ""), option.name


RENAMED_NOTE = (
    "changelog/privacy/1.0.md:1: error: is a note for a policy 'privacy', but there is no "
    "policies/privacy.md; move the note to the folder of the policy it describes "
    "(changelog/<policy>/<version>.md), or delete it."
)


def test_renamed_policy_keeps_its_versions_and_its_notes_move_with_it(site: GitRepo) -> None:
    site.git("mv", PATH, "policies/privacy-policy.md")
    assert findings(site) == [RENAMED_NOTE]
    site.git("mv", "changelog/privacy", "changelog/privacy-policy")
    assert findings(site) == []


def test_renamed_policy_is_followed_before_it_is_staged(site: GitRepo) -> None:
    """A plain `mv` (no `git mv`, nothing staged) is a rename too, as the editor sees it."""
    (site.path / PATH).rename(site.path / "policies/privacy-policy.md")
    assert findings(site) == [RENAMED_NOTE]


def test_renames_pair_identical_texts_first_then_the_most_similar() -> None:
    lines = [f"Line {n} of the policy text.\n" for n in range(20)]
    old, most, some = "".join(lines), "".join(lines[:14]), "".join(lines[:8])
    assert match_renames({"a": old, "b": most}, {"x": most, "y": old}) == {"a": "y", "b": "x"}
    assert match_renames({"a": old}, {"x": some, "y": most + "New.\n"}) == {"a": "y"}
    assert match_renames({"a": old}, {"x": some}) == {}  # under git's 50 %


def test_script_hidden_from_a_naive_filter_is_an_error(site: GitRepo) -> None:
    """Each of these ran in a browser or survived the old check (issue 10, item 7)."""
    body = BODY + (
        '\n<a href="java&#x09;script:steal()">tab in the scheme</a>\n'
        "<!--><script>steal()</script>-->\n"
        "[entity in the scheme](&#106;avascript:steal())\n"
        '<a href=" &#x20;JaVaScRiPt:steal()">spaces and case</a>\n'
        '[fine](https://example.com/) [mail](mailto:privacy@example.com) {: title="note: x" }\n'
    )
    new_version(site, body=body, material=False)
    assert findings(site) == [
        f"{PATH}:14: error: link to 'java\tscript:steal()' would run code in the reader's "
        "browser; link to a page or a https:// address instead.",
        f"{PATH}:15: error: <script> can run code or load content in readers' browsers; remove "
        "it (a policy is text: write it in Markdown).",
        f"{PATH}:16: error: link to '&#106;avascript:steal()' would run code in the reader's "
        "browser; link to a page or a https:// address instead.",
        f"{PATH}:17: error: link to '  JaVaScRiPt:steal()' would run code in the reader's "
        "browser; link to a page or a https:// address instead.",
    ]


def test_the_raw_html_a_policy_may_hold_is_all_kept_by_the_sanitizer() -> None:
    from policysite.check.links import ALLOWED_TAGS
    from policysite.sanitize import ALLOWED_TAGS as PUBLISHED_TAGS

    assert set(ALLOWED_TAGS) - PUBLISHED_TAGS == set()


def test_a_symbolic_link_in_the_policies_folder_is_an_error_naming_it(site: GitRepo) -> None:
    (site.path / "policies" / "passwd.txt").symlink_to("/etc/passwd")
    (site.path / "policies" / "terms.md").symlink_to("../README.md")

    assert findings(site) == [
        "policies/passwd.txt:1: error: is a symbolic link (to /etc/passwd); the site publishes "
        "only files kept in policies/ themselves, never what a link points to. Put the file "
        "itself there, or delete the link.",
        "policies/terms.md:1: error: is a symbolic link (to ../README.md); the site publishes "
        "only files kept in policies/ themselves, never what a link points to. Put the file "
        "itself there, or delete the link.",
    ]
