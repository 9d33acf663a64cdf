"""Properties of the redline on generated policies and edits (hypothesis).

Accepting every change gives exactly the new text and rejecting every change exactly the old
one, on the rendered blocks: both from the Change value and from the HTML redline a reader
sees (there, each block also in the same lists, items and tables). A text compared with itself
has no changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysite.blocks import BLOCK_TAGS, CONTAINER_TAGS, flatten, read_sections
from policysite.diff import accepted_blocks, compare
from policysite.model import Version
from policysite.render.html import render_html

WORDS = [
    "data", "we", "collect", "your", "privacy", "policy", "the", "and", "of", "to",
    "personvern", "blåbær", "æøå", "e-mail", "you’re", "1.1", "Pexip", "cookies",
]  # fmt: skip
DECORATIONS = ["{}", "{}", "{}", "{}", "{},", "{}.", "*{}*", "**{}**", "[{}](https://x.org/{})"]


@st.composite
def words(draw: st.DrawFn, min_size: int = 1, max_size: int = 14) -> list[str]:
    chosen = draw(st.lists(st.sampled_from(WORDS), min_size=min_size, max_size=max_size))
    return [draw(st.sampled_from(DECORATIONS)).format(w, w) for w in chosen]


@dataclass
class Block:
    kind: str  # p | ul | ol | table | note (admonition) | dl (definition list)
    lines: list[list[str]]  # p, note: one; list: items; table: cells, 2 a row; dl: term, def
    nested: dict[int, list[list[str]]] = field(default_factory=dict)  # list item → sub-items

    def markdown(self) -> str:
        if self.kind == "p":
            return _wrap(self.lines[0])
        if self.kind == "note":
            return '!!! note "Note"\n    ' + " ".join(self.lines[0])
        if self.kind == "dl":
            return f"{' '.join(self.lines[0])}\n:   {' '.join(self.lines[1])}"
        if self.kind in ("ul", "ol"):
            out = []
            for n, item in enumerate(self.lines):
                marker = "-" if self.kind == "ul" else f"{n + 1}."
                out.append(f"{marker} {' '.join(item)}")
                out.extend(f"    - {' '.join(sub)}" for sub in self.nested.get(n, []))
            return "\n".join(out)
        rows = [self.lines[k : k + 2] for k in range(0, len(self.lines) - 1, 2)]
        cells = ["| " + " | ".join(" ".join(c) for c in row) + " |" for row in rows]
        return "\n".join([cells[0], "|---|---|", *cells[1:]])


def _wrap(text: list[str]) -> str:
    lines, line = [], ""
    for word in text:
        if line and len(line) + len(word) > 40:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


@dataclass
class Section:
    title: list[str]
    anchor: str | None
    blocks: list[Block]

    def markdown(self) -> str:
        anchor = f" {{#{self.anchor}}}" if self.anchor else ""
        head = f"## {' '.join(self.title)}{anchor}"
        return "\n\n".join([head, *(b.markdown() for b in self.blocks)])


@st.composite
def blocks(draw: st.DrawFn) -> Block:
    kind = draw(st.sampled_from(["p", "p", "ul", "ol", "table", "note", "dl"]))
    if kind in ("p", "note"):
        return Block(kind, [draw(words(min_size=3))])
    if kind == "dl":
        return Block(kind, [draw(words()), draw(words())])
    if kind == "table":
        count = 2 * draw(st.integers(2, 4))
        return Block("table", [draw(words(max_size=4)) for _ in range(count)])
    items = draw(st.lists(words(), min_size=1, max_size=4))
    nested = {}
    if kind == "ul" and draw(st.booleans()):
        nested[0] = draw(st.lists(words(), min_size=1, max_size=3))
    return Block(kind, items, nested)


@st.composite
def sections(draw: st.DrawFn, serial: list[int]) -> Section:
    serial[0] += 1
    anchor = f"s{serial[0]}" if draw(st.booleans()) else None
    return Section(draw(words(max_size=5)), anchor, draw(st.lists(blocks(), max_size=4)))


@st.composite
def policies(draw: st.DrawFn) -> tuple[str, str]:
    """An old policy body and a new one made from it by a few edits."""
    serial = [0]
    old = draw(st.lists(sections(serial), min_size=1, max_size=5))
    new = [Section(list(s.title), s.anchor, [_copy(b) for b in s.blocks]) for s in old]
    for _ in range(draw(st.integers(0, 6))):
        _edit(draw, new, serial)
    return _body(old), _body(new)


def _copy(block: Block) -> Block:
    return Block(
        block.kind, [list(x) for x in block.lines], {k: list(v) for k, v in block.nested.items()}
    )


def _edit(draw: st.DrawFn, doc: list[Section], serial: list[int]) -> None:
    kind = draw(st.sampled_from(["words", "words", "block", "move", "section", "retitle"]))
    section = doc[draw(st.integers(0, len(doc) - 1))] if doc else None
    if kind == "words" and section and section.blocks:
        block = draw(st.sampled_from(section.blocks))
        line = draw(st.sampled_from(block.lines))
        at = draw(st.integers(0, len(line)))
        new_words = draw(words(min_size=0, max_size=3))
        line[at : at + draw(st.integers(0, 3))] = new_words
        if not line and block.kind != "table":
            line.append("data")
    elif kind == "block" and section is not None:
        if section.blocks and draw(st.booleans()):
            section.blocks.pop(draw(st.integers(0, len(section.blocks) - 1)))
        else:
            section.blocks.insert(draw(st.integers(0, len(section.blocks))), draw(blocks()))
    elif kind == "move" and section and section.blocks:
        moved = section.blocks.pop(draw(st.integers(0, len(section.blocks) - 1)))
        target = draw(st.sampled_from(doc))
        target.blocks.insert(draw(st.integers(0, len(target.blocks))), moved)
    elif kind == "section":
        if len(doc) > 1 and draw(st.booleans()):
            doc.pop(draw(st.integers(0, len(doc) - 1)))
        elif draw(st.booleans()) and len(doc) > 1:
            doc.insert(draw(st.integers(0, len(doc) - 1)), doc.pop())
        else:
            doc.insert(draw(st.integers(0, len(doc))), draw(sections(serial)))
    elif kind == "retitle" and section is not None:
        section.title = draw(words(max_size=5))


def _body(doc: list[Section]) -> str:
    return "\n\n".join(s.markdown() for s in doc) + "\n"


def version(label: str, body: str) -> Version:
    text = f'---\nversion: "{label}"\neffective: 2020-01-0{label}\n---\n{body}'
    date = dt.datetime(2020, 1, int(label), tzinfo=dt.UTC)
    return Version("p", label, date.date(), label, date, "p.md", text, "P")


def rendered(body: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for s in read_sections(body) for b in s.blocks]


def rendered_in_place(body: str) -> list[tuple[str, tuple[str, ...], str]]:
    """Each block with the lists, items, tables and boxes around it: a numbered list is not a
    bulleted one, nor a sub-list a list."""
    return [(b.kind, b.parents, b.text) for s in read_sections(body) for b in s.blocks]


# -- the HTML redline, accepted or rejected as a reader would ------------------------------

_BLOCK_LEVEL = BLOCK_TAGS | CONTAINER_TAGS


def _has_class(name: str, tag: str = "*") -> str:
    return f'//{tag}[contains(concat(" ", normalize-space(@class), " "), " {name} ")]'


def _unwrap_block(element: lxml.html.HtmlElement) -> None:
    """Remove a block's own words, keep blocks nested in it (a list item's sub-list)."""
    element.text = None
    for child in list(element):
        if child.tag not in _BLOCK_LEVEL:
            element.remove(child)  # with its tail: the words after it
    element.drop_tag()


def html_accepted(markup: str, *, accept: bool) -> list[tuple[str, tuple[str, ...], str]]:
    """The blocks a reader of the redline sees after accepting (rejecting) every change."""
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    for pointer in root.xpath(_has_class("ps-moved-away", "section")):
        if accept:
            pointer.drop_tree()
            continue
        moved = root.get_element_by_id(pointer.get("id").removesuffix("-from"))
        pointer[:] = list(moved)
        moved.drop_tree()
        pointer.drop_tag()
    for element in root.xpath(
        " | ".join(_has_class(c) for c in ("ps-status", "ps-sr", "ps-note", "ps-reverse"))
    ):
        element.drop_tree()
    gone, kept = ("del", "ins") if accept else ("ins", "del")
    for element in root.xpath(_has_class("ps-del" if accept else "ps-ins")):
        _unwrap_block(element)
    for element in root.iter(gone):
        element.drop_tree()
    for element in list(root.iter(kept)):
        element.drop_tag()
    if accept:
        for element in root.xpath(_has_class("ps-moved-away")):
            _unwrap_block(element)
    else:
        for source in root.xpath(_has_class("ps-moved-away")):
            target = root.get_element_by_id(source.get("id").removesuffix("-from"))
            source.text = target.text
            words = [child for child in target if child.tag not in _BLOCK_LEVEL]
            for position, child in enumerate(words):
                source.insert(position, child)  # before the blocks nested in the source
            _unwrap_block(target)
    # The redline's own elements and classes are not the policy's.
    for element in root.xpath(_has_class("ps-redline") + " | " + _has_class("ps-section")):
        element.drop_tag()
    for element in root.xpath('//*[contains(@class, "ps-")]'):
        names = [c for c in element.get("class").split() if not c.startswith("ps-")]
        if names:
            element.set("class", " ".join(names))
        else:
            del element.attrib["class"]
    blocks = flatten("".join(lxml.html.tostring(child, encoding="unicode") for child in root))
    return [(b.kind, b.parents, b.text) for b in blocks]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_accepting_gives_the_new_text_and_rejecting_the_old(pair: tuple[str, str]) -> None:
    old_body, new_body = pair
    change = compare(version("1", old_body), version("2", new_body))

    assert accepted_blocks(change, accept=True) == rendered(new_body)
    assert accepted_blocks(change, accept=False) == rendered(old_body)
    redline = render_html(change, full=True)
    assert html_accepted(redline, accept=True) == rendered_in_place(new_body)
    assert html_accepted(redline, accept=False) == rendered_in_place(old_body)


@settings(max_examples=60, deadline=None)
@given(policies())
def test_a_text_compared_with_itself_has_no_changes(pair: tuple[str, str]) -> None:
    body = pair[0]
    change = compare(version("1", body), version("2", body))

    assert change.changed == ()
    assert (change.words_added, change.words_removed) == (0, 0)
    assert {b.op for s in change.sections for b in s.blocks} <= {"equal"}
    assert render_html(change) == '<div class="ps-redline">\n</div>\n'
