"""`markdown: gfm` against GitHub's rendering: each ``tests/golden/gfm/<case>/input.md`` beside
the HTML GitHub makes of it (``expected.html``, written from the GitHub Flavored Markdown spec:
lists that interrupt a paragraph, extended autolinks, tables, task list items).

Compared as element trees: tags, text and the attributes that carry meaning (``href``,
``type``, ``checked``, ``disabled``); class names and how empty attributes are spelled differ
between GitHub and Python-Markdown and mean nothing to a reader.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from policysite.blocks import read_sections
from policysite.markdown_render import markdown_to_html

CASES = sorted((Path(__file__).parent / "golden" / "gfm").iterdir())
MEANING = ("href", "type", "checked", "disabled", "start")


def tree(html: str) -> list[str]:
    """The elements of an HTML fragment in document order, as comparable lines."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    lines: list[str] = []
    for element in root.iter():
        if element is root:
            continue
        attributes = " ".join(
            f"{name}={element.get(name) if name in ('href', 'type', 'start') else ''}"
            for name in MEANING
            if element.get(name) is not None
        )
        text = " ".join((element.text or "").split())
        tail = " ".join((element.tail or "").split())
        lines.append(f"<{element.tag} {attributes}> {text!r} tail {tail!r}")
    return lines


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_gfm_renders_as_github_does(case: Path) -> None:
    source = (case / "input.md").read_text(encoding="utf-8")
    expected = (case / "expected.html").read_text(encoding="utf-8")

    assert tree(markdown_to_html(source, "gfm")) == tree(expected)


def test_the_python_flavour_renders_those_lists_as_run_on_text() -> None:
    source = (Path(__file__).parent / "golden/gfm/list-after-paragraph/input.md").read_text()
    assert "<ul>" not in markdown_to_html(source)
    assert "<ul>" in markdown_to_html(source, "gfm")


def test_the_redline_reads_gfm_lists_as_lists() -> None:
    body = "## Use {#use}\n\nFor example, you may:\n* copy the text\n* share it\n"
    python = [block.kind for section in read_sections(body) for block in section.blocks]
    gfm = [block.kind for section in read_sections(body, "gfm") for block in section.blocks]
    assert "li" not in python and gfm.count("li") == 2
