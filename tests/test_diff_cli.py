"""`policysite diff` on real git repositories: this one, and throwaway ones (no mocks)."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from click.testing import CliRunner

from policysite.cli import main
from tests.conftest import REPO_ROOT, GitRepo, policy_text

BODY = """
## 1. Data we collect {#data}

We collect your name and email address when you register.

## 2. Cookies {#cookies}

We use cookies to remember your settings.
"""

EDITED = """
## 1. Data we collect {#data}

We collect your name, email address and phone number when you register.

## 2. Cookies {#cookies}

We use cookies to remember your settings.
"""


def run(root: object, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-C", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def two_versions(repo: GitRepo) -> tuple[str, str]:
    first = repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))
    repo.write("changelog/privacy/1.1.md", "---\nmaterial: true\n---\nWe collect phone numbers.\n")
    second = repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", EDITED))
    return first, second


def test_privacy_correction_touched_exactly_these_sections() -> None:
    """1.1 fixed typos and filled in the e-mail address; 'registered-users' and 'storage'
    had nothing to fix."""
    code, output = run(REPO_ROOT, "diff", "privacy", "1.0", "1.1", "--format", "json")

    assert code == 0
    result = json.loads(output)
    assert result["from"] == {
        "version": "1.0",
        "effective": "2018-05-25",
        "commit": "4a1a56a5c1d7b84a5c26a3aae85e2edc444cadd1",
    }
    assert result["to"] == {
        "version": "1.1",
        "effective": "2026-11-29",
        "commit": "f8b93f54ffb675622affd1897932bd8280a45f6c",
    }
    sections = result["sections"]
    assert [(s["anchor"], s["status"], s["words_added"], s["words_removed"]) for s in sections] == [
        ("commitment", "modified", 2, 2),  # as wells a → as well as
        ("data-we-collect", "modified", 0, 1),  # visit our any of → visit any of
        ("data-types", "modified", 0, 1),  # your user Videxio user → your Videxio user
        ("collection-methods", "modified", 1, 0),  # any our → any of our
        ("non-personal-data", "modified", 0, 0),  # "policy. for" → "policy for": a full stop
        ("registered-users", "unchanged", 0, 0),
        ("use-of-data", "modified", 2, 2),  # accordance to → with; service → services
        ("improving-services", "modified", 1, 1),  # as well a → as well as
        ("communications", "modified", 4, 1),  # types, the, not, privacy@videxio.com
        ("storage", "unchanged", 0, 0),
        ("third-parties", "modified", 1, 2),  # services → service providers; to to → to
        ("cookies", "modified", 3, 2),  # as well as; you’re; similar technologies
        ("security", "modified", 1, 1),  # is meets → meets; through the Videxio service
        ("your-rights", "modified", 7, 2),  # two addresses, of, out, be, headquarters, EU’s
    ]  # fmt: skip
    assert result["stats"] == {"words_added": 22, "words_removed": 15, "sections_changed": 12}


SUMMARY = """\
Privacy (privacy): version 1.0 → 1.1, effective 2021-01-01
1 of 2 sections changed; 3 words added, 1 removed.

- 1. Data we collect — modified: 3 words added, 1 removed
  https://example.com/privacy/#data
"""


def test_default_is_previous_against_latest_as_text(git_repo: GitRepo) -> None:
    """Into a pipe: the summary, then each changed section with its words marked as git's
    --word-diff marks them; --stat is the summary alone."""
    two_versions(git_repo)

    code, output = run(git_repo.path, "diff", "privacy")

    assert code == 0
    assert output == SUMMARY + textwrap.dedent(
        """\

        ## 1. Data we collect
        (modified: 3 words added, 1 removed)
        We collect your name[- and-]{+,+} email address {+and phone number+} when you register.
        """
    )
    assert run(git_repo.path, "diff", "privacy", "--stat") == (0, SUMMARY)
    assert run(git_repo.path, "diff", "privacy", "--color", "never") == (0, output)
    code, output = run(git_repo.path, "diff", "privacy", "--stat", "--format", "json")
    assert code == 2
    assert "--stat is a summary in text" in output


def test_terminal_redline_in_colour_folds_unchanged_blocks(git_repo: GitRepo) -> None:
    """In colour: deleted words red and struck out, inserted green and underlined; unchanged
    blocks before a change folded into a count; a list item keeps its bullet."""
    git_repo.commit(
        policies__privacy_md=policy_text(
            "1.0", "2020-01-01", "## Data {#data}\n\nOne.\n\nTwo.\n\n- Name\n- Email\n"
        )
    )
    git_repo.write("changelog/privacy/1.1.md", "---\nmaterial: false\n---\nFix.\n")
    git_repo.commit(
        policies__privacy_md=policy_text(
            "1.1", "2021-01-01", "## Data {#data}\n\nOne.\n\nTwo.\n\n- Name\n- Phone\n"
        )
    )

    code, output = run(git_repo.path, "diff", "privacy", "--color", "always")

    assert code == 0
    redline = output.split("\n\n", 2)[2]
    assert redline == (
        "\x1b[1m## Data\x1b[0m\n"
        "\x1b[2;3m(modified: 1 word added, 1 removed)\x1b[0m\n"
        "\x1b[2;3m  … unchanged: 2 paragraphs, 1 list item\x1b[0m\n"
        "- \x1b[9;31mEmail\x1b[0m\n"
        "- \x1b[4;32mPhone\x1b[0m\n"
    )


HOSTILE = """
## 1. Data {#data}

We keep your name.

## 2. Cookies {#cookies}

None.
"""

# Escape sequences an editor could hide in a policy: set the window title (OSC), clear the
# screen and move the cursor (CSI, also as the one-byte C1 CSI), a hyperlink (OSC 8), a
# backspace that overwrites shown words, and a bidirectional override that reorders them.
PAYLOADS = (
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "\x9b31m",
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "keep\x08\x08\x08\x08drop",
    "\u202eevil\u202c",
)


def test_editor_text_sends_no_escape_sequence_to_a_terminal(git_repo: GitRepo) -> None:
    """A policy's words, headings and title reach the terminal without a control character or
    a bidirectional override, in colour or not; Rich markup in the text is shown as text."""
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", HOSTILE))
    git_repo.write("changelog/privacy/1.1.md", "---\nmaterial: false\n---\nFix.\n")
    payload = "".join(PAYLOADS)
    edited = HOSTILE.replace("your name.", f"your name {payload} [bold red]loud[/] too.")
    edited = edited.replace("## 1. Data", f"## 1. Data {payload}")
    # YAML refuses a raw control character; its escapes in double quotes pass.
    title = '"Privacy\\e]0;pwned\\a\\x9b2J\\u202eevil"'
    git_repo.commit(policies__privacy_md=policy_text("1.1", "2021-01-01", edited, title=title))

    for option in ("never", "always"):
        code, output = run(git_repo.path, "diff", "privacy", "--color", option)
        assert code == 0
        ours = re.sub(r"\x1b\[[0-9;]*m", "", output)  # Rich's colours, and nothing else
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", ours)
        assert "[bold red]loud[/]" in ours
        assert "keepdrop" in ours and "]0;pwned" in ours  # the words stay, harmless
    code, output = run(git_repo.path, "diff", "privacy", "--stat")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", output)
    assert output.startswith("Privacy]0;pwned2Jevil (privacy): version 1.0 → 1.1")


def test_versions_by_git_revision_and_reverse(git_repo: GitRepo) -> None:
    first, second = two_versions(git_repo)

    code, output = run(git_repo.path, "diff", "privacy", second[:10], first, "--format", "json")

    assert code == 0
    result = json.loads(output)
    assert (result["from"]["version"], result["to"]["version"]) == ("1.1", "1.0")
    assert result["stats"] == {"words_added": 1, "words_removed": 3, "sections_changed": 1}
    code, output = run(git_repo.path, "diff", "privacy", "1.1", "1.0")
    assert output.splitlines()[0] == (
        "Privacy (privacy): version 1.1 → 1.0 (reverse: from the later version back to the "
        "earlier), effective 2020-01-01"
    )


def test_identical_versions_say_no_changes(git_repo: GitRepo) -> None:
    two_versions(git_repo)

    code, output = run(git_repo.path, "diff", "privacy", "1.1", "HEAD")

    assert (code, output) == (
        0,
        "Privacy (privacy): version 1.1 → 1.1, effective 2021-01-01\nNo changes.\n",
    )


def test_unknown_policy_version_or_single_version_say_what_exists(git_repo: GitRepo) -> None:
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", BODY))

    assert run(git_repo.path, "diff", "terms") == (
        1,
        "Error: no policy 'terms' in policies/ (committed policies: privacy). A policy is a "
        "committed .md file in policies/.\n",
    )
    assert run(git_repo.path, "diff", "privacy", "2.0") == (
        1,
        "Error: policy 'privacy' has no version '2.0' (versions: 1.0), and '2.0' is not a git "
        "revision either; give a version label, or a commit, branch or tag.\n",
    )
    code, output = run(git_repo.path, "diff", "privacy")
    assert code == 1
    assert "policy 'privacy' has one version (1.0), so there is nothing to compare" in output
    assert run(git_repo.path, "diff") == (
        1,
        "Error: give a POLICY (e.g. privacy), or --base REV for every policy.\n",
    )
    assert run(git_repo.path, "diff", "privacy", "1.0", "--base", "HEAD") == (
        1,
        "Error: give FROM/TO or --base, not both.\n",
    )


def test_base_compares_every_changed_policy_with_the_working_tree(git_repo: GitRepo) -> None:
    two_versions(git_repo)
    git_repo.commit(
        policies__terms_md=policy_text("1.0", "2021-01-01", "## Use {#use}\n\nBe kind.\n")
    )
    git_repo.git("checkout", "-q", "-b", "pr")
    git_repo.git("rm", "-q", "policies/terms.md")
    git_repo.commit(
        "pr",
        policies__cookies_md=policy_text("1.0", "2022-01-01", "## Cookies {#c}\n\nNone at all.\n"),
    )
    git_repo.write("policies/privacy.md", policy_text("1.2", "2022-01-01", EDITED + "\nMore.\n"))

    code, output = run(git_repo.path, "diff", "--base", "main", "--format", "json")

    assert code == 0
    result = {r["policy"]: r for r in json.loads(output)}
    assert sorted(result) == ["cookies", "privacy", "terms"]
    assert (result["privacy"]["from"]["version"], result["privacy"]["to"]) == (
        "1.1",
        {"version": "1.2", "effective": "2022-01-01", "commit": None},
    )
    assert result["privacy"]["stats"] == {
        "words_added": 1,
        "words_removed": 0,
        "sections_changed": 1,
    }
    assert [(s["anchor"], s["status"]) for s in result["cookies"]["sections"]] == [("c", "added")]
    assert result["cookies"]["from"]["version"] == "(none)"
    assert [(s["anchor"], s["status"]) for s in result["terms"]["sections"]] == [("use", "removed")]
    assert run(git_repo.path, "diff", "--base", "HEAD", "terms")[1] == (
        "No policy text changed since HEAD.\n"
    )
    # As text: each policy's summary and words, one after the other.
    code, output = run(git_repo.path, "diff", "--base", "main")
    assert code == 0
    heads = [line for line in output.splitlines() if ": version " in line]
    assert [head.split("(")[1].split(")")[0] for head in heads] == ["cookies", "privacy", "terms"]
    assert "\nMore.\n" not in output and "{+More.+}" in output
    assert "[-Be kind.-]" in output


def test_base_as_a_pull_request_comment(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYSITE_TODAY", "2020-12-01")
    two_versions(git_repo)
    git_repo.write("policies/privacy.md", policy_text("1.1", "2021-01-01", EDITED + "\nMore.\n"))
    code, output = run(git_repo.path, "diff", "--base", "HEAD", "--format", "markdown")
    assert output.splitlines()[2].startswith(
        '**Version label unchanged** ("1.1") though the text changed: give it a new `version:`'
    )
    git_repo.write("policies/privacy.md", policy_text("1.2", "2021-01-01", EDITED + "\nMore.\n"))
    git_repo.write("changelog/privacy/1.2.md", "---\nmaterial: true\n---\nMore.\n")

    code, output = run(git_repo.path, "diff", "--base", "HEAD", "--format", "markdown")

    assert code == 0
    assert output == textwrap.dedent(
        """\
        ### Privacy (`privacy`): 1.1 → 1.2

        **Material change**: subscribers will be notified · effective 2021-01-01, 31 days' \
notice (at least 30) · 1 of 2 sections changed · +1 −0 words

        | Section | Change | Words |
        |---|---|---|
        | [2. Cookies](https://example.com/privacy/#cookies) | modified | +1 −0 |

        <details>
        <summary>2. Cookies — modified</summary>

        <h2>2. Cookies</h2>
        <p>We use cookies to remember your settings.</p>
        <p class="ps-ins"><ins>More.</ins></p>

        </details>
        """
    )


def test_html_redline_and_help_example(git_repo: GitRepo) -> None:
    two_versions(git_repo)

    code, output = run(git_repo.path, "diff", "privacy", "--format", "html")

    assert code == 0
    assert output == textwrap.dedent(
        """\
        <div class="ps-redline">
        <section class="ps-section ps-modified" id="change-data">
        <p class="ps-status">Modified: 3 words added, 1 removed.</p>
        <h2>1. Data we collect</h2>
        <p>We collect your name<del><span class="ps-sr">deleted: </span> and</del><ins \
class="ps-punct"><span class="ps-sr">inserted: </span>,</ins> email address <ins><span \
class="ps-sr">inserted: </span>and phone number</ins> when you register.</p>
        </section>
        </div>
        """
    )
    assert "Example: policysite diff privacy 1.0 1.1" in run(git_repo.path, "diff", "-h")[1]


def test_bad_working_tree_text_is_one_clear_error(git_repo: GitRepo) -> None:
    two_versions(git_repo)
    git_repo.write("policies/privacy.md", b"---\ntitle: Privacy\n---\nCaf\xe9\n")

    assert run(git_repo.path, "diff", "--base", "HEAD") == (
        1,
        "Error: policies/privacy.md:4: is not UTF-8 (byte 26: b'\\xe9'); save the file as UTF-8 "
        "and commit it again.\n",
    )
    git_repo.write("policies/privacy.md", "---\nversion: 1.2\neffective: 2022-01-01\n---\nText.\n")
    code, output = run(git_repo.path, "diff", "--base", "HEAD")
    assert code == 1
    assert output.startswith("Error: policies/privacy.md:2: 'version' must be quoted text")
