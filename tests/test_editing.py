"""EDITING.md: a short guide of browser recipes, then a reference that explains every message
the check can print (word for word, so it cannot drift), each under a heading its code links to."""

from __future__ import annotations

import datetime as dt
import re
import string
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from policysite.check import MESSAGES
from policysite.errors import PolicyError, PolicySiteError, ProblemList
from policysite.files import decode_text
from policysite.history import Revision, read_history
from policysite.model import parse_document, parse_note
from policysite.versions import build_versions
from tests.conftest import REPO_ROOT

GUIDE = (REPO_ROOT / "EDITING.md").read_text(encoding="utf-8")
RECIPES, REFERENCE = GUIDE.split("\n# Message reference\n", 1)
PLACEHOLDER = re.compile(r"\\\{[a-z_]+\\\}")


def normalize(text: str) -> str:
    return " ".join(text.split())


def message_blocks() -> list[str]:
    """The ```text blocks of the message reference, whitespace normalized."""
    return [normalize(b) for b in re.findall(r"```text\n(.*?)```", REFERENCE, re.DOTALL)]


def display(template: str) -> str:
    """A template as the guide shows it: {field} kept, {{ and }} as single braces."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            parts.append("{" + field + "}")
    return normalize("".join(parts))


def block_pattern(block: str) -> re.Pattern[str]:
    return re.compile(PLACEHOLDER.sub(".+?", re.escape(block)))


def error_of(action: Callable[[], object]) -> str:
    with pytest.raises(PolicySiteError) as info:
        action()
    error = info.value
    if isinstance(error, ProblemList):
        error = error.problems[0]
    prefix = f"at commit {error.commit[:12]}: " if error.commit else ""
    return normalize(prefix + error.detail)


def revision(text: str, commit: str) -> Revision:
    return Revision(commit, dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "p.md", "b", text)


def fm(lines: str) -> str:
    return f"---\ntitle: T\n{lines}\n---\nText\n"


V1 = fm('version: "1"\neffective: 2020-01-01')


def other_messages(tmp_path: Path) -> list[str]:
    """Every message of the foundation that check reports, from a real bad input each."""
    actions: list[Callable[[], object]] = [
        lambda: parse_document("---\ntitle: T\n", "p.md"),
        lambda: parse_document('---\ntitle: "T\n---\n', "p.md"),
        lambda: parse_document("---\n- a\n---\n", "p.md"),
        lambda: parse_document(fm("title: [1]").replace("title: T\n", ""), "p.md"),
        lambda: parse_document(fm("version: [1]\neffective: 2020-01-01"), "p.md"),
        lambda: parse_document(fm("version: 1.1\neffective: 2020-01-01"), "p.md"),
        lambda: parse_document(fm('version: "1 1"\neffective: 2020-01-01'), "p.md"),
        lambda: parse_document(fm('version: "1"\neffective: soon'), "p.md"),
        lambda: parse_document(fm('version: "1"'), "p.md"),
        lambda: parse_document(fm('version: "1"\neffective: 2026-02-30'), "p.md"),
        lambda: parse_document(fm("anchor_aliases: [a]"), "p.md"),
        lambda: parse_document(fm("retired: true"), "p.md"),
        lambda: parse_note("material: true\n", "p", "1", "n.md"),
        lambda: parse_note('---\nmaterial: "x\n---\n', "p", "1", "n.md"),
        lambda: parse_note("---\nmaterial: maybe\n---\nText\n", "p", "1", "n.md"),
        lambda: build_versions(
            "p",
            [
                revision(V1, "a" * 40),
                revision(fm('version: "2"\neffective: 2020-01-01'), "b" * 40),
                revision(V1 + "x", "c" * 40),
            ],
        ),
        lambda: build_versions(
            "p",
            [revision(V1, "a" * 40), revision(fm('version: "2"\neffective: 2019-01-01'), "b" * 40)],
        ),
    ]
    return [error_of(action) for action in actions] + [
        unreadable(b"ok\n\xff"),
        unreadable(b"x" * (1024 * 1024 + 1)),
        error_of(lambda: read_history(shallow_clone(tmp_path), tmp_path / "shallow")),
    ]


def unreadable(data: bytes) -> str:
    with pytest.raises(PolicyError) as caught:
        decode_text(data, "p.md")
    return caught.value.detail


def shallow_clone(tmp_path: Path) -> Path:
    """A clone with only the last of two commits, as actions/checkout makes by default."""
    origin, clone = tmp_path / "origin", tmp_path / "shallow"
    origin.mkdir()
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    for number in ("1", "2"):
        (origin / "p.md").write_text(number, encoding="utf-8")
        for command in (["add", "-A"], ["commit", "-q", "-m", number]):
            subprocess.run(
                ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *command],
                cwd=origin,
                check=True,
            )
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True
    )
    return clone


def test_every_check_message_is_in_the_guide_word_for_word() -> None:
    blocks = message_blocks()
    missing = [rule for rule, template in MESSAGES.items() if display(template) not in blocks]
    assert missing == []


def test_every_other_message_check_reports_is_in_the_guide(tmp_path: Path) -> None:
    patterns = [block_pattern(b) for b in message_blocks()]
    unexplained = [m for m in other_messages(tmp_path) if not any(p.fullmatch(m) for p in patterns)]
    assert unexplained == []


def test_the_guide_explains_no_message_that_does_not_exist(tmp_path: Path) -> None:
    produced = [display(t) for t in MESSAGES.values()] + other_messages(tmp_path)
    stale = [
        block
        for block in message_blocks()
        if not any(block_pattern(block).fullmatch(m) for m in produced)
    ]
    assert stale == []


def test_every_message_code_has_its_entry_in_the_reference() -> None:
    """The check links each finding to EDITING.md#<code>: a heading that is the code itself."""
    headings = re.findall(r"^### (\S+)$", REFERENCE, re.MULTILINE)
    assert set(MESSAGES) | {"front-matter", "note"} <= set(headings)
    assert len(headings) == len(set(headings))


def anchors_of(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file (code blocks left out)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    titles = re.findall(r"^#+ (.+)$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", t.lower()).replace(" ", "-") for t in titles}


def test_every_link_of_the_guide_lands_on_a_heading() -> None:
    links = re.findall(r"\]\(#([^)]+)\)", GUIDE)
    assert links, "the recipes link their messages"
    assert sorted(set(links) - anchors_of(GUIDE)) == []
    # A code the recipes name is a link to its entry.
    named = re.findall(r"\[`([a-z-]+)`\]\(#([a-z-]+)\)", RECIPES)
    assert named and all(code == anchor for code, anchor in named)


def test_the_recipes_are_short_and_need_no_terminal_git_or_hash() -> None:
    assert len(RECIPES.splitlines()) < 200
    words = re.sub(r"\*\*[^*]+\*\*", "", RECIPES)  # GitHub's own buttons and messages
    forbidden = r"\b(git|commit|commits|push|clone|rebase|terminal|command|sha256|hash|lock)\b"
    assert re.findall(forbidden, words, re.IGNORECASE) == []
    assert "policysite " not in RECIPES
    for recipe in (
        "Fix a typo",
        "Make a material change",
        "Add a section",
        "Rename a heading safely",
        "Add a policy",
        "Retire a policy",
        "Correct a mistake in a published version",
        "Two people editing at once",
    ):
        assert f"\n### {recipe}\n\n1. " in RECIPES or f"\n### {recipe}\n\n" in RECIPES, recipe


def test_readme_links_the_guide_and_new_sites_get_the_same_guide() -> None:
    assert "[EDITING.md](EDITING.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    skeleton = REPO_ROOT / "scripts/policysite/site_skeleton/EDITING.md"
    assert skeleton.read_text(encoding="utf-8") == GUIDE
