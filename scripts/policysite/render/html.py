"""The redline as an HTML fragment: per section, ``<ins>``/``<del>`` inside the real structure.

Ids: every id in the fragment starts with ``id_prefix`` (``change-`` by default), so the
fragment can sit on the same page as the policy text without a clash: the section with anchor
``cookies`` is ``<section id="change-cookies">`` (link ``#change-cookies``), the text before the
first heading is ``id="change"``, and the two ends of a moved block are ``change-move-N`` (where
it now is) and ``change-move-N-from`` (where it was). Headings inside the fragment have no id.

Links in the policy text are left as written unless the caller passes ``relink``: a function
of the URL and the side it comes from (``"old"`` for deleted words, ``"new"`` otherwise) that
returns the URL to use where the fragment is shown (the site points ``#anchor`` at the section
in that version's text, and a link to another page at that page's URL).

Screen readers hear "inserted:" and "deleted:" before each change (visually hidden text, class
``ps-sr``); a change of punctuation alone has the class ``ps-punct`` (so it can be drawn wide
enough to see); style the classes with ``REDLINE_CSS``.

``fold`` gives the "changes only" reading of the site's change pages: a run of unchanged
paragraphs (or a whole unchanged list or table) becomes ``<details class="ps-fold">`` with "… 3
unchanged paragraphs" as its summary, and the unchanged items of a changed list and rows of a
changed table get the class ``ps-same``, hidden while the section's "unchanged items" toggle
(``<details class="ps-fold ps-fold-items">``) is closed. Both work without a script.

Every word the fragment adds to the policy text (labels, status lines, notes, summaries) comes
from ``words`` (``render.WORDS``, English, unless the caller passes another language's).
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Mapping
from typing import Literal

from policysite.blocks import VOID_TAGS, tag_name
from policysite.model import BlockChange, Change, SectionChange, Segment
from policysite.render import (
    WORDS,
    count,
    describe,
    direction,
    marked_words,
    reading_order,
    section_title,
    sentence,
)
from policysite.urls import CHANGE_PREFIX, move_id, redline_id

Side = Literal["old", "new"]
Relink = Callable[[str, Side], str]

# The opening tag of a link or image in the rendered policy text (Python-Markdown writes
# attributes double-quoted), with the URL in group 2.
_PUNCTUATION = re.compile(r"\s*[^\w\s<>&]{1,3}\s*")
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_URL_ATTR = re.compile(r'(<(?:a|img)\b[^<>]*?\s(?:href|src)=")([^"]*)(")')

REDLINE_CSS = """\
.ps-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.ps-redline ins { background: #dafbe1; color: inherit; text-decoration: underline; }
.ps-redline del { background: #ffebe9; color: inherit; text-decoration: line-through; }
.ps-redline .ps-status { font-size: 0.85em; opacity: 0.8; }
.ps-redline .ps-moved, .ps-redline .ps-moved-away { border-left: 3px solid #8250df;
  padding-left: 0.5em; }
.ps-redline .ps-note { font-style: italic; }
.ps-redline .ps-punct { display: inline-block; min-width: 0.9em; text-align: center;
  outline: 1px solid currentColor; font-weight: bold; }
"""


def render_html(
    change: Change,
    *,
    full: bool = False,
    labels: bool = True,
    id_prefix: str = CHANGE_PREFIX,
    relink: Relink | None = None,
    fold: bool = False,
    words: Mapping[str, str] = WORDS,
) -> str:
    """The redline of a Change, one ``<section>`` per changed section.

    ``full`` also shows unchanged sections (as plain text); ``labels=False`` leaves out the
    screen-reader labels (for places that strip classes, such as GitHub comments); ``relink``
    rewrites the URLs of the policy text's links; ``fold`` folds what did not change (see the
    module's docstring); ``words`` are the words it says things in (see the module's docstring).
    """
    parts = ['<div class="ps-redline">']
    if change.reverse:
        said = words["versions"].format(direction=direction(change, words))
        parts.append(f'<p class="ps-reverse">{html.escape(said)}</p>')
    titles = {s.anchor: section_title(s, words) for s in change.sections}
    entries = reading_order(change)
    for index, (section, pointer) in enumerate(entries):
        if pointer:
            parts.append(_moved_away(section, entries, index, titles, id_prefix, words))
            continue
        if section.status == "unchanged" and not full:
            continue
        parts.append(
            f'<section class="ps-section ps-{section.status}" '
            f'id="{html.escape(redline_id(section.anchor, id_prefix))}">'
        )
        status = f'<p class="ps-status">{html.escape(sentence(describe(section, words)))}</p>'
        if fold and section.status != "unchanged":
            parts.append(_folded_blocks(section, titles, labels, id_prefix, relink, status, words))
        else:
            if section.status != "unchanged":
                parts.append(status)
            parts.append(
                render_blocks(
                    section, titles, labels=labels, id_prefix=id_prefix, relink=relink, words=words
                )
            )
        parts.append("</section>")
    parts.append("</div>")
    return "\n".join(parts) + "\n"


def _moved_away(
    section: SectionChange,
    entries: list[tuple[SectionChange, bool]],
    index: int,
    titles: dict[str, str],
    id_prefix: str,
    words: Mapping[str, str],
) -> str:
    """Where a moved section was: a pointer to where it is now."""
    now = next(k for k, (s, pointer) in enumerate(entries) if s is section and not pointer)
    target = redline_id(section.anchor, id_prefix)
    title = html.escape(titles.get(section.anchor, section.anchor))
    where = html.escape(words["below" if now > index else "above"])
    note = html.escape(words["section_moved"]).format(
        title=title, where=f'<a href="#{html.escape(target)}">{where}</a>'
    )
    return (
        f'<section class="ps-section ps-moved-away" id="{html.escape(target)}-from">\n'
        f'<p class="ps-note">{note}</p>\n'
        "</section>"
    )


def render_blocks(
    section: SectionChange,
    titles: dict[str, str],
    *,
    labels: bool = True,
    id_prefix: str = CHANGE_PREFIX,
    relink: Relink | None = None,
    blocks: tuple[BlockChange, ...] | None = None,
    same: frozenset[int] = frozenset(),
    words: Mapping[str, str] = WORDS,
) -> str:
    """A section's blocks with the lists, tables and admonitions around them rebuilt.

    Each block knows the opening tags of its containers and how many of them it shares with
    the block before it; containers are opened and closed as that changes. A block element
    stays open until the next block no longer sits inside it (a list item around a nested list).
    ``blocks`` renders a run of the section's blocks (all by default); the list items and table
    rows whose first block's index is in ``same`` get the class ``ps-same``.
    """
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # (opening tag as in `parents`, tag name)
    for index, block in enumerate(section.blocks if blocks is None else blocks):
        keep = 0
        limit = min(block.shared, len(stack), len(block.parents))
        while keep < limit and stack[keep][0] == block.parents[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(f"</{stack.pop()[1]}>")
        if out:
            out.append("\n")  # each block on a line of its own, closing tags at line ends
        for start in block.parents[len(stack) :]:
            opening = (
                _with_class(start, "ps-same")
                if index in same and start.startswith("<tr")
                else start
            )
            out.append(opening + "\n")
            stack.append((start, tag_name(start)))
        markup = _block(block, titles, labels, id_prefix, relink, words)
        if index in same and block.kind == "li":
            markup = _with_class(markup, "ps-same")
        out.append(markup)
        if block.kind and block.kind not in VOID_TAGS:
            stack.append((f"<{block.kind}{block.attrs}>", block.kind))
    while stack:
        out.append(f"</{stack.pop()[1]}>")
    return "".join(out)


def _with_class(opening: str, css: str) -> str:
    """An element's markup with a class added to its opening tag."""
    end = opening.index(">")
    tag = opening[:end]
    if ' class="' in tag:
        return opening.replace(' class="', f' class="{css} ', 1)
    if tag.endswith("/"):
        return f'{tag[:-1].rstrip()} class="{css}" />' + opening[end + 1 :]
    return f'{tag} class="{css}"' + opening[end:]


_NOUNS = {"p": "p", "ul": "list", "ol": "list", "table": "table", "pre": "pre"}


def _units(blocks: tuple[BlockChange, ...]) -> list[tuple[int, int]]:
    """The section's top-level pieces as [start, end) runs of blocks: a paragraph, or a whole
    list or table (a block outside any container starts one, as does one that opens a new
    outermost container)."""
    starts = [i for i, b in enumerate(blocks) if i == 0 or not b.parents or b.shared == 0]
    return list(zip(starts, [*starts[1:], len(blocks)], strict=True))


def _unit_kind(block: BlockChange) -> str:
    return tag_name(block.parents[0]) if block.parents else block.kind


def _folded_blocks(
    section: SectionChange,
    titles: dict[str, str],
    labels: bool,
    id_prefix: str,
    relink: Relink | None,
    status: str,
    words: Mapping[str, str],
) -> str:
    """A changed section's blocks, "changes only": unchanged runs folded (module docstring);
    the status line right under the section's heading."""
    blocks = section.blocks
    unchanged = [b.op == "equal" and b.kind not in HEADINGS for b in blocks]
    out: list[str] = []
    same = _same_items(blocks, unchanged)
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if not run:
            return
        counts: dict[str, int] = {}
        for start, _ in run:
            kind = _unit_kind(blocks[start])
            counts[kind] = counts.get(kind, 0) + 1
        label = html.escape(
            words["and"].join(
                count(words, f"unchanged.{_NOUNS.get(k, 'passage')}", n) for k, n in counts.items()
            )
        )
        inner = render_blocks(
            section,
            titles,
            labels=labels,
            id_prefix=id_prefix,
            relink=relink,
            blocks=_restarted(blocks[run[0][0] : run[-1][1]]),
            words=words,
        )
        out.append(f'<details class="ps-fold">\n<summary>… {label}</summary>\n{inner}\n</details>')
        run.clear()

    hidden = 0
    for start, end in _units(blocks):
        if all(unchanged[start:end]):
            run.append((start, end))
            continue
        flush()
        piece = _restarted(blocks[start:end])
        local = frozenset(i - start for i in same if start <= i < end)
        hidden += len(local)
        out.append(
            render_blocks(
                section,
                titles,
                labels=labels,
                id_prefix=id_prefix,
                relink=relink,
                blocks=piece,
                same=local,
                words=words,
            )
        )
    flush()
    head = 1 if out and blocks and blocks[0].kind in HEADINGS else 0
    if hidden:
        said = html.escape(count(words, "hidden_items", hidden))
        toggle = f'<details class="ps-fold ps-fold-items">\n<summary>… {said}</summary>\n</details>'

        out.insert(head, toggle)
    out.insert(head, status)
    return "\n".join(out)


def _restarted(run: tuple[BlockChange, ...]) -> tuple[BlockChange, ...]:
    """A run of blocks rendered on its own: its first block shares no container with before."""
    if not run or run[0].shared == 0:
        return run
    return (dataclasses.replace(run[0], shared=0), *run[1:])


def _same_items(blocks: tuple[BlockChange, ...], unchanged: list[bool]) -> set[int]:
    """Unchanged list items with nothing nested in them, and rows of a table whose cells are all
    unchanged (by the index of the row's first cell)."""
    same: set[int] = set()
    for i, block in enumerate(blocks):
        depth = len(block.parents)
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.kind == "li" and unchanged[i] and (following is None or following.shared <= depth):
            same.add(i)
        row = next((d for d, tag in enumerate(block.parents) if tag.startswith("<tr")), None)
        if row is None or (
            i
            and block.shared > row
            and blocks[i - 1].parents[: row + 1] == block.parents[: row + 1]
        ):
            continue  # not in a table, or not the first cell of its row
        end = i + 1
        while end < len(blocks) and blocks[end].shared > row:
            end += 1
        if all(unchanged[i:end]):
            same.add(i)
    return same


def _relinked(markup: str, side: Side, relink: Relink | None) -> str:
    if relink is None or "=" not in markup:
        return markup
    return _URL_ATTR.sub(
        lambda m: m.group(1) + html.escape(relink(html.unescape(m.group(2)), side)) + m.group(3),
        markup,
    )


def _block(
    block: BlockChange,
    titles: dict[str, str],
    labels: bool,
    id_prefix: str,
    relink: Relink | None,
    words: Mapping[str, str],
) -> str:
    """The opening tag of a block and its content; the caller closes it."""
    css = ""
    element_id = ""
    if block.op == "insert":
        css, content = (
            "ps-ins",
            _wrap("ins", _relinked(block.segments[0].html, "new", relink), labels, words),
        )
    elif block.op == "delete":
        css, content = (
            "ps-del",
            _wrap("del", _relinked(block.segments[0].html, "old", relink), labels, words),
        )
    elif block.op == "move" and block.move_to is not None:
        css, element_id = "ps-moved-away", move_id(block.move_id, id_prefix, origin=True)
        target = "#" + move_id(block.move_id, id_prefix)
        title = html.escape(titles.get(block.move_to, block.move_to))
        moved = html.escape(words["moved_to"]).format(link=f'<a href="{target}">{title}</a>')
        content = f'<span class="ps-note">{moved}</span>'
    elif block.op == "move":
        css, element_id = "ps-moved", move_id(block.move_id, id_prefix)
        source = "#" + move_id(block.move_id, id_prefix, origin=True)
        title = html.escape(titles.get(block.move_from or "", block.move_from or ""))
        # In code, the note is a line of its own: a space would indent the code's first line.
        after = "\n" if block.kind == "pre" else " "
        moved = html.escape(words["moved_from"]).format(link=f'<a href="{source}">{title}</a>')
        note = f'<span class="ps-note">{moved}</span>{after}'
        content = note + _segments(block.segments, labels, relink, words)
    else:
        content = _segments(block.segments, labels, relink, words)
    if not block.kind:
        return content
    attrs = block.attrs
    if css:
        if ' class="' in attrs:
            attrs = attrs.replace(' class="', f' class="{css} ', 1)
        else:
            attrs += f' class="{css}"'
    if element_id:
        attrs += f' id="{html.escape(element_id)}"'
    if block.kind in VOID_TAGS:
        return f"<{block.kind}{attrs} />"
    return f"<{block.kind}{attrs}>{content}"


def _segments(
    segments: tuple[Segment, ...],
    labels: bool,
    relink: Relink | None,
    words: Mapping[str, str],
) -> str:
    parts: list[str] = []
    for op, markup in marked_words(segments, "html"):
        if op == "equal":
            parts.append(_relinked(markup, "new", relink))
        elif op == "space":
            parts.append(" ")
        else:
            markup = _relinked(markup, "old" if op == "delete" else "new", relink)
            parts.append(_wrap("ins" if op == "insert" else "del", markup, labels, words))
    return "".join(parts)


def _wrap(tag: str, content: str, labels: bool, words: Mapping[str, str]) -> str:
    if not content:
        return ""
    label = ""
    if labels:
        said = html.escape(words["inserted" if tag == "ins" else "deleted"])
        label = f'<span class="ps-sr">{said}: </span>'
    # Punctuation alone (a deleted "." or ","): a class, so it can be drawn wide enough to see
    # (not where classes are stripped, as in GitHub comments: labels=False).
    punct = ' class="ps-punct"' if labels and _PUNCTUATION.fullmatch(content) else ""
    return f"<{tag}{punct}>{label}{content}</{tag}>"
