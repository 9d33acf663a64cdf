"""Rendered HTML → blocks: structure kept, words tokenised as the reader sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from policysite.blocks import (
    Block,
    RenderedSection,
    Token,
    _feed_markup,
    _Flattener,
    flatten,
    group_sections,
    read_sections,
    tokens_html,
)
from policysite.markdown_render import markdown_to_html, new_markdown
from policysite.model import parse_document
from tests.test_diff_properties import policies

GOLDEN = Path(__file__).parent / "golden" / "diff"


def test_nested_lists_tables_and_code_keep_their_place() -> None:
    sections = read_sections(
        "Intro.\n\n## One {#one}\n\n- a\n    - b\n    - c\n- d\n\n"
        "| H |\n|---|\n| x |\n\n```\n  code\n\nmore\n```\n"
    )

    assert [(s.anchor, s.title, s.level) for s in sections] == [("", "", 0), ("one", "One", 2)]
    blocks = [(b.kind, b.parents, b.shared, b.text) for b in sections[1].blocks]
    assert blocks == [
        ("h2", (), 0, "One"),
        ("li", ("<ul>",), 0, "a"),
        ("li", ("<ul>", "<li>", "<ul>"), 2, "b"),
        ("li", ("<ul>", "<li>", "<ul>"), 3, "c"),
        ("li", ("<ul>",), 1, "d"),
        ("th", ("<table>", "<thead>", "<tr>"), 0, "H"),
        ("td", ("<table>", "<tbody>", "<tr>"), 1, "x"),
        ("pre", (), 0, "  code\n\nmore"),
    ]


def test_a_loose_list_reads_as_a_tight_one() -> None:
    loose = flatten("<ul>\n<li>\n<p>one</p>\n</li>\n<li>\n<p>two</p>\n<p>more</p>\n</li>\n</ul>")
    tight = flatten("<ul>\n<li>one</li>\n<li>two<p>more</p></li>\n</ul>")

    assert [(b.kind, b.text) for b in loose] == [("li", "one"), ("li", "two"), ("p", "more")]
    assert [b.key for b in loose] == [b.key for b in tight]


def test_words_punctuation_formatting_and_permalinks() -> None:
    (block,) = flatten(
        '<h2 id="x">You’re <em>very</em> welcome,\nsay “hi”&nbsp;to privacy@videxio.com'
        '<a class="headerlink" href="#x">&para;</a></h2>'
    )

    assert block.element_id == "x"
    assert [(t.text, t.glue, t.is_word) for t in block.tokens] == [
        ("You’re", False, True),
        ("very", False, True),
        ("welcome", False, True),
        (",", True, False),
        ("say", False, True),
        ("“", False, False),
        ("hi", True, True),
        ("”", True, False),
        ("\xa0", True, False),
        ("to", True, True),
        ("privacy@videxio.com", False, True),
    ]
    assert block.html == "You’re <em>very</em> welcome, say “hi”\xa0to privacy@videxio.com"


def test_tokens_html_wraps_each_formatting_run_once() -> None:
    link = '<a href="https://x.org/?a=1&amp;b=2">'
    tokens = [
        Token("a", (), False),
        Token("<b>", ("<strong>",), False),
        Token("c", ("<strong>", link), False),
        Token("d", ("<strong>", link), False),
        Token("!", (), True),
        Token("", (), True, "<br />"),
    ]

    # A space before every word not glued to the one before, the first one too.
    assert tokens_html(tokens) == f" a <strong>&lt;b&gt; {link}c d</a></strong>!<br />"


def htmlparser_blocks(markup: str) -> list[Block]:
    parser = _Flattener()
    parser.feed(markup)
    parser.close()
    return parser.blocks


def golden_bodies() -> list[str]:
    return [
        parse_document(path.read_text(encoding="utf-8"), path.name).body
        for path in sorted(GOLDEN.glob("*/*.md"))
    ]


MARKUP = [
    '<p>R&amp;D &copy; &#169; &lt;b&gt; “q” a&nbsp;b</p>\n<p class="x" title="a &amp; b">c</p>',
    '<ul>\n<li>a<br />\nb <img alt="x &quot;y&quot;" src="i.png" /> c</li>\n</ul>\n<hr />',
    '<h2 id="a">A<a class="headerlink" href="#a" title="Permanent link">&para;</a></h2>',
    "<P>Upper</P><p>a <!-- comment --> b</p>",
    "<p>a < b</p><script>if (a<b) {}</script><p>c</p>",
    "<div markdown><p>x</p></div><p>y <input disabled> <br/> <b class='q'>z</b></p>",
    '<table>\n<tr><td align="left">1</td><td>2</td></tr>\n</table>trailing &amp',
]


@pytest.mark.parametrize("markup", MARKUP + [markdown_to_html(b) for b in golden_bodies()])
def test_python_markdowns_html_is_read_as_htmlparser_reads_it(markup: str) -> None:
    assert flatten(markup) == htmlparser_blocks(markup)


def test_python_markdowns_own_html_takes_the_fast_path() -> None:
    for body in golden_bodies():
        assert _feed_markup(_Flattener(), markdown_to_html(body))
    assert not _feed_markup(_Flattener(), MARKUP[3])


def whole(body: str) -> tuple[RenderedSection, ...]:
    """The sections of a body rendered in one piece, by a new converter."""
    return group_sections(flatten(new_markdown().convert(body)))


SIBLINGS = [
    # toc numbers a repeated heading id over the whole text: "cookies", then "cookies_1".
    ("## Cookies\n\nOne.\n\n## Data\n\nTwo.\n", "## Cookies\n\nOne.\n\n## Cookies\n\nTwo.\n"),
    ("## A\n\n## Cookies\n\nx\n", "## Cookies\n\ny\n\n## A\n\n## Cookies\n\nx\n"),
    ("## Cookies_1\n\nx\n\n## B {#b}\n\ny\n", "## Cookies\n\nz\n\n## Cookies_1\n\nx\n"),
    ("## A {#x}\n\np\n\n## B\n\nq\n", "## A {#x}\n\np\n\n## B {#x}\n\nr\n"),
    ("Intro\n\n## A\n\n- a\n\n## B\n\nText {#a}\n", "Intro\n\n## A\n\n- a\n\n## B\n\nNew {#a}\n"),
    # Headings that do not begin a part, a table and an admonition that begin with "#".
    ("Title\n=====\n\n## A\n\nx\n## B\n", "Title\n=====\n\n## A\n\ny\n## B\n"),
    (
        "## A\n\nx\n\n#a | b\n---|---\n1 | 2\n\n## B\n\nz\n",
        "## A\n\ny\n\n#a | b\n---|---\n1 | 2\n\n## B\n\nz\n",
    ),
    ("## A\n\nx\n\n#\n!!! note\n    n\n\n## B\n", "## A\n\ny\n\n#\n!!! note\n    n\n\n## B\n"),
    (
        "## A\n\nx\n\n#a | b\n---|---\n\nT\n=\n\n## B\n",
        "## A\n\ny\n\n#a | b\n---|---\n\nT\n=\n\n## B\n",
    ),
    ("## A\n\nx\n\n# H\n!!! n\n\nT\n=\n\n## B\n", "## A\n\ny\n\n# H\n!!! n\n\nT\n=\n\n## B\n"),
    ("## A\n\n    code\n\n\n\n## B\n\nx\n", "## A\n\n    code\n\n\n\n## B\n\ny\n"),
    ("Term\n:   def\n\n## A\n\n: x\n", "Term\n:   def\n\n## A\n\n: y\n"),
]


@pytest.mark.parametrize(("first", "second"), SIBLINGS)
def test_a_text_read_after_another_is_the_text_rendered_whole(first: str, second: str) -> None:
    for one, two in ((first, second), (second, first)):
        read_sections.cache_clear()
        assert read_sections(one) == whole(one)
        assert read_sections(two) == whole(two)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_versions_read_one_after_the_other_are_each_rendered_whole(pair: tuple[str, str]) -> None:
    old, new = pair
    read_sections.cache_clear()
    assert read_sections(old) == whole(old)
    assert read_sections(new) == whole(new)


def test_unchanged_sections_of_two_versions_are_rendered_once() -> None:
    old = "## A\n\nSame.\n\n## B\n\nOld.\n\n## C\n\n- same\n"
    new = "## A\n\nSame.\n\n## B\n\nNew.\n\n## C\n\n- same\n"
    read_sections.cache_clear()
    before, after = read_sections(old), read_sections(new)

    assert [a.blocks[1] is b.blocks[1] for a, b in zip(before, after, strict=True)] == [
        True,
        False,
        True,
    ]
    read_sections.cache_clear()
    assert read_sections(new)[0].blocks[1] is not after[0].blocks[1]
