"""Rendered HTML → blocks: structure kept, words tokenised as the reader sees them."""

from __future__ import annotations

from policysite.blocks import Token, flatten, read_sections, tokens_html


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
