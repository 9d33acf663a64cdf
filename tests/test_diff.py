"""compare(): sections matched and given a status, blocks aligned, moves, what is no change."""

from __future__ import annotations

import datetime as dt
import textwrap
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from policysite.diff import accepted_blocks, compare, opcodes
from policysite.model import Change, Version, parse_document
from policysite.render.html import render_html
from policysite.render.text import render_text
from tests.test_diff_properties import html_accepted, rendered, rendered_in_place


def version(body: str, label: str = "1", aliases: str = "") -> Version:
    meta = f'version: "{label}"\neffective: 2020-0{label}-01\n' + aliases
    text = f"---\n{meta}---\n" + textwrap.dedent(body).lstrip("\n")
    date = dt.datetime(2020, int(label), 1, tzinfo=dt.UTC)
    aliases_map = parse_document(text, "p.md").meta.anchor_aliases
    return Version("p", label, date.date(), f"c{label}", date, "p.md", text, "Policy", aliases_map)


def diff(old: str, new: str, aliases: str = "") -> Change:
    return compare(version(old, "1"), version(new, "2", aliases))


def statuses(change: Change) -> list[tuple[str, str, int, int]]:
    return [(s.anchor, s.status, s.words_added, s.words_removed) for s in change.sections]


def faithful(change: Change) -> None:
    old, new = change.old.body, change.new.body
    assert accepted_blocks(change, accept=True) == rendered(new)
    assert accepted_blocks(change, accept=False) == rendered(old)
    redline = render_html(change, full=True)
    assert html_accepted(redline, accept=True) == rendered_in_place(new)
    assert html_accepted(redline, accept=False) == rendered_in_place(old)


def test_rewrapping_list_markers_blank_lines_and_spaces_are_no_change() -> None:
    change = diff(
        """
        ## Data {#data}

        We collect your name and your
        email address.

        - one item
        - another item
        """,
        """
        ## Data   {#data}

        We collect  your name
        and your email address.\x20\x20

        * one item

        * another item
        """,
    )

    assert change.changed == ()


def test_heading_attributes_stay_out_of_the_words() -> None:
    change = diff("## Cookies {#cookies}\n\nText.\n", "## Cookies {: #cookies .x}\n\nText.\n")

    heading = change.sections[0].blocks[0]
    assert (change.sections[0].title, heading.segments[0].text) == ("Cookies", "Cookies")


def test_renumbered_sections_without_anchors_are_matched_by_title_and_text() -> None:
    old = """
    ## 1. Data we collect

    We collect your name and email address.

    ## 2. Cookies

    We use cookies to remember your settings.
    """
    new = """
    ## 1. Data we collect

    We collect your name and email address.

    ## 2. Sharing

    We share nothing with anyone.

    ## 3. Cookies

    We use cookies to remember your settings.
    """
    change = diff(old, new)

    assert statuses(change) == [
        ("1-data-we-collect", "unchanged", 0, 0),
        ("2-sharing", "added", 7, 0),  # the heading's words count too
        ("3-cookies", "retitled", 1, 1),
    ]
    cookies = change.sections[2]
    assert (cookies.old_anchor, cookies.old_title) == ("2-cookies", "2. Cookies")
    faithful(change)


def test_anchor_aliases_say_where_an_old_anchor_lands() -> None:
    change = diff(
        "## Cookies {#cookie-policy}\n\nWe use cookies.\n",
        "## Tracking {#tracking}\n\nWe track nothing at all.\n",
        aliases="anchor_aliases: {cookie-policy: tracking}\n",
    )

    assert statuses(change) == [("tracking", "retitled", 6, 4)]
    assert change.sections[0].old_anchor == "cookie-policy"


def test_a_moved_section_is_moved_once_and_points_back() -> None:
    change = diff(
        "## A {#a}\n\nAlpha text.\n\n## B {#b}\n\nBeta text.\n\n## C {#c}\n\nGamma text.\n",
        "## B {#b}\n\nBeta text.\n\n## C {#c}\n\nGamma text.\n\n## A {#a}\n\nAlpha text.\n",
    )

    assert statuses(change) == [
        ("b", "unchanged", 0, 0),
        ("c", "unchanged", 0, 0),
        ("a", "moved", 0, 0),
    ]
    assert render_html(change) == (
        '<div class="ps-redline">\n'
        '<section class="ps-section ps-moved-away" id="change-a-from">\n'
        '<p class="ps-note">The section “A” was here; it moved <a href="#change-a">below</a>.</p>\n'
        "</section>\n"
        '<section class="ps-section ps-moved" id="change-a">\n'
        '<p class="ps-status">Moved.</p>\n'
        "<h2>A</h2>\n"
        "<p>Alpha text.</p>\n"
        "</section>\n"
        "</div>\n"
    )
    faithful(change)


def test_a_moved_and_edited_paragraph_is_one_move_with_its_edits() -> None:
    paragraph = "We keep your data for as long as your account is open, then delete it"
    change = diff(
        f"## A {{#a}}\n\n{paragraph}.\n\nStays.\n\n## B {{#b}}\n\nOther.\n",
        f"## A {{#a}}\n\nStays.\n\n## B {{#b}}\n\nOther.\n\n{paragraph} within 30 days.\n",
    )

    moved = [b for s in change.sections for b in s.blocks if b.op == "move"]
    assert [(b.move_to, b.move_from) for b in moved] == [("b", None), (None, "a")]
    assert moved[0].segments == ()  # where it was: a pointer, its words are shown once
    assert [(s.op, s.text) for s in moved[1].segments] == [
        ("equal", paragraph),
        ("insert", " within 30 days"),
        ("equal", "."),
    ]
    assert statuses(change) == [("a", "modified", 0, 0), ("b", "modified", 3, 0)]
    faithful(change)


def test_short_repeated_blocks_are_not_called_moves() -> None:
    table = "| Data | Kept |\n|---|---|\n| {} | Yes |\n| {} | Yes |\n"
    change = diff(
        "## A {#a}\n\n" + table.format("Name", "Email"),
        "## A {#a}\n\n" + table.format("Name", "Phone"),
    )

    ops = [(b.op, b.kind, b.segments[0].text) for b in change.sections[0].blocks[1:]]
    assert ops == [
        ("equal", "th", "Data"),
        ("equal", "th", "Kept"),
        ("equal", "td", "Name"),
        ("equal", "td", "Yes"),
        ("replace", "td", "Email"),
        ("equal", "td", "Yes"),
    ]
    faithful(change)


def test_long_list_rewritten_throughout_stays_faithful() -> None:
    items = [f"- item {n} says that we keep record {n} for {n % 7} years" for n in range(80)]
    edited = [
        line.replace("keep", "hold") if n % 3 else line.replace("years", "months")
        for n, line in enumerate(items)
        if n % 11
    ]
    edited[5:5] = ["- a new item in the middle", "- and another new item"]
    change = diff("## L {#l}\n\n" + "\n".join(items) + "\n", "## L {#l}\n\n" + "\n".join(edited))

    kept = [n for n in range(80) if n % 11]
    assert [b.op for b in change.sections[0].blocks].count("replace") == len(kept)
    faithful(change)


def placed(change: Change) -> list[tuple[str, tuple[str, ...], str]]:
    """Each block of the redline: what happened to it, the lists around it, its words."""
    marks = {"equal": "{}", "insert": "{{+{}+}}", "delete": "[-{}-]"}
    return [
        (b.op, b.parents, "".join(marks[s.op].format(s.text) for s in b.segments))
        for section in change.sections
        for b in section.blocks
    ]


def test_a_numbered_list_that_became_a_bulleted_one_is_deleted_and_inserted() -> None:
    # Found by test_accepting_gives_the_new_text_and_rejecting_the_old. Python-Markdown goes
    # on with a list whatever the next marker is: the old text is one numbered list, the new
    # one a bulleted list. Its items were equal to the old ones (the same words), so the
    # redline showed them once, in the new list, and nested the rest of it wrongly.
    old = (
        "## data\n\n1. data\n2. data\n\n- data\n    - data data\n\n"
        "- data data\n    - data\n\ndata data data\n"
    )
    new = (
        "## data\n\n- data\n    - data data\n\n1. data\n2. data\n\n"
        "- data data\n    - data\n\ndata data data\n"
    )
    change = diff(old, new)

    ol, ul, ol_sub, ul_sub = (
        ("<ol>",),
        ("<ul>",),
        ("<ol>", "<li>", "<ul>"),
        ("<ul>", "<li>", "<ul>"),
    )
    assert placed(change) == [
        ("equal", (), "data"),
        ("delete", ol, "[-data-]"),
        ("delete", ol, "[-data-]"),
        ("delete", ol, "[-data-]"),
        ("delete", ol_sub, "[-data data-]"),
        ("delete", ol, "[-data data-]"),
        ("delete", ol_sub, "[-data-]"),
        ("insert", ul, "{+data+}"),
        ("insert", ul_sub, "{+data data+}"),
        ("insert", ul, "{+data+}"),
        ("insert", ul, "{+data+}"),
        ("insert", ul, "{+data data+}"),
        ("insert", ul_sub, "{+data+}"),
        ("equal", (), "data data data"),
    ]
    faithful(change)


def test_an_item_in_another_list_is_not_called_moved() -> None:
    items = ["We collect your name and email address.", "We keep your postal address."]
    change = diff(
        "## A {#a}\n\n" + "".join(f"{n}. {item}\n" for n, item in enumerate(items, 1)),
        "## A {#a}\n\n" + "".join(f"- {item}\n" for item in items),
    )

    assert placed(change)[1:] == [
        *(("delete", ("<ol>",), f"[-{item}-]") for item in items),
        *(("insert", ("<ul>",), f"{{+{item}+}}") for item in items),
    ]
    faithful(change)


def test_an_item_reworded_keeps_its_unchanged_sub_items() -> None:
    sub_items = "    - your name\n    - your email address\n"
    change = diff(
        f"## A {{#a}}\n\n- Data we collect:\n{sub_items}",
        f"## A {{#a}}\n\n- Personal information we process:\n{sub_items}",
    )

    sub = ("<ul>", "<li>", "<ul>")
    assert placed(change)[1:] == [
        ("replace", ("<ul>",), "[-Data we collect-]{+Personal information we process+}:"),
        ("equal", sub, "your name"),
        ("equal", sub, "your email address"),
    ]
    faithful(change)


def test_a_sub_item_under_another_item_is_deleted_there_and_inserted_here() -> None:
    change = diff(
        "## A {#a}\n\n- Alpha\n- Beta\n    - Gamma\n", "## A {#a}\n\n- Alpha\n    - Gamma\n"
    )

    sub = ("<ul>", "<li>", "<ul>")
    assert placed(change)[1:] == [
        ("equal", ("<ul>",), "Alpha"),
        ("insert", sub, "{+Gamma+}"),
        ("delete", ("<ul>",), "[-Beta-]"),
        ("delete", sub, "[-Gamma-]"),
    ]
    faithful(change)


def test_words_added_to_an_item_come_before_the_items_deleted_after_it() -> None:
    change = diff(
        "## A {#a}\n\n1. One\n2. Two\n\nGone.\n\nEnd.\n",
        "## A {#a}\n\n1. One\n\n    More about one.\n\nEnd.\n",
    )

    assert render_html(change, labels=False) == (
        '<div class="ps-redline">\n'
        '<section class="ps-section ps-modified" id="change-a">\n'
        '<p class="ps-status">Modified: 3 words added, 2 removed.</p>\n'
        "<h2>A</h2>\n"
        "<ol>\n"
        "<li>One\n"
        '<p class="ps-ins"><ins>More about one.</ins></p></li>\n'
        '<li class="ps-del"><del>Two</del></li></ol>\n'
        '<p class="ps-del"><del>Gone.</del></p>\n'
        "<p>End.</p>\n"
        "</section>\n"
        "</div>\n"
    )
    faithful(change)


def test_code_keeps_the_indent_of_its_first_line_when_edited_or_moved() -> None:
    code = "```\n  one\ntwo\nthree\nfour\nfive\n```\n"
    edited = diff(f"## A {{#a}}\n\n{code}", "## A {#a}\n\n" + code.replace("five", "six"))
    moved = diff(
        f"## A {{#a}}\n\n{code}\n## B {{#b}}\n\nText.\n",
        f"## A {{#a}}\n\n## B {{#b}}\n\nText.\n\n{code}",
    )

    assert placed(edited)[1] == ("replace", (), "  one\ntwo\nthree\nfour[-\nfive-]{+\nsix+}")
    assert placed(moved)[-1] == ("move", (), "  one\ntwo\nthree\nfour\nfive")
    faithful(edited)
    faithful(moved)


def test_reverse_comparison_says_so() -> None:
    change = compare(version("## A {#a}\n\nNew.\n", "2"), version("## A {#a}\n\nOld.\n", "1"))

    assert change.reverse
    assert render_text(change, "https://example.com").splitlines()[:2] == [
        "Policy (p): version 2 → 1 (reverse: from the later version back to the earlier), "
        "effective 2020-01-01",
        "1 of 1 section changed; 1 word added, 1 removed.",
    ]
    assert render_html(change).splitlines()[1] == (
        '<p class="ps-reverse">Versions 2 → 1 (reverse: from the later version back to the '
        "earlier).</p>"
    )


def test_preamble_removed_section_and_text_links() -> None:
    change = diff(
        "Intro.\n\n## A {#a}\n\nAlpha.\n\n## B {#b}\n\nBeta.\n",
        "Introduction.\n\n## A {#a}\n\nAlpha.\n",
    )

    assert render_text(change, "https://example.com/") == textwrap.dedent(
        """\
        Policy (p): version 1 → 2, effective 2020-02-01
        2 of 3 sections changed; 1 word added, 3 removed.

        - Introduction (before the first heading) — modified: 1 word added, 1 removed
          https://example.com/p/

        - B — removed: 2 words
          https://example.com/p/versions/1/#b
        """
    )
    faithful(change)


@settings(max_examples=500)
@given(st.lists(st.integers(0, 6), max_size=40), st.lists(st.integers(0, 6), max_size=40))
def test_opcodes_are_difflibs(a: list[int], b: list[int]) -> None:
    assert opcodes(a, b) == SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
