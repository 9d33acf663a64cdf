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
``ps-sr``); style the classes with ``REDLINE_CSS``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Literal

from policysite.blocks import VOID_TAGS, tag_name
from policysite.model import BlockChange, Change, SectionChange, Segment
from policysite.render import describe, direction, reading_order, section_title, sentence
from policysite.urls import CHANGE_PREFIX, move_id, redline_id

Side = Literal["old", "new"]
Relink = Callable[[str, Side], str]

# The opening tag of a link or image in the rendered policy text (Python-Markdown writes
# attributes double-quoted), with the URL in group 2.
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
"""


def render_html(
    change: Change,
    *,
    full: bool = False,
    labels: bool = True,
    id_prefix: str = CHANGE_PREFIX,
    relink: Relink | None = None,
) -> str:
    """The redline of a Change, one ``<section>`` per changed section.

    ``full`` also shows unchanged sections (as plain text); ``labels=False`` leaves out the
    screen-reader labels (for places that strip classes, such as GitHub comments); ``relink``
    rewrites the URLs of the policy text's links (see the module's docstring).
    """
    parts = ['<div class="ps-redline">']
    if change.reverse:
        parts.append(f'<p class="ps-reverse">Versions {html.escape(direction(change))}.</p>')
    titles = {s.anchor: section_title(s) for s in change.sections}
    entries = reading_order(change)
    for index, (section, pointer) in enumerate(entries):
        if pointer:
            parts.append(_moved_away(section, entries, index, titles, id_prefix))
            continue
        if section.status == "unchanged" and not full:
            continue
        parts.append(
            f'<section class="ps-section ps-{section.status}" '
            f'id="{html.escape(redline_id(section.anchor, id_prefix))}">'
        )
        if section.status != "unchanged":
            parts.append(f'<p class="ps-status">{html.escape(sentence(describe(section)))}</p>')
        parts.append(
            render_blocks(section, titles, labels=labels, id_prefix=id_prefix, relink=relink)
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
) -> str:
    """Where a moved section was: a pointer to where it is now."""
    now = next(k for k, (s, pointer) in enumerate(entries) if s is section and not pointer)
    target = redline_id(section.anchor, id_prefix)
    title = html.escape(titles.get(section.anchor, section.anchor))
    return (
        f'<section class="ps-section ps-moved-away" id="{html.escape(target)}-from">\n'
        f'<p class="ps-note">The section “{title}” was here; it moved '
        f'<a href="#{html.escape(target)}">{"below" if now > index else "above"}</a>.</p>\n'
        "</section>"
    )


def render_blocks(
    section: SectionChange,
    titles: dict[str, str],
    *,
    labels: bool = True,
    id_prefix: str = CHANGE_PREFIX,
    relink: Relink | None = None,
) -> str:
    """A section's blocks with the lists, tables and admonitions around them rebuilt.

    Each block knows the opening tags of its containers and how many of them it shares with
    the block before it; containers are opened and closed as that changes. A block element
    stays open until the next block no longer sits inside it (a list item around a nested list).
    """
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # (opening tag as in `parents`, tag name)
    for block in section.blocks:
        keep = 0
        limit = min(block.shared, len(stack), len(block.parents))
        while keep < limit and stack[keep][0] == block.parents[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(f"</{stack.pop()[1]}>")
        if out:
            out.append("\n")  # each block on a line of its own, closing tags at line ends
        for start in block.parents[len(stack) :]:
            out.append(start + "\n")
            stack.append((start, tag_name(start)))
        out.append(_block(block, titles, labels, id_prefix, relink))
        if block.kind and block.kind not in VOID_TAGS:
            stack.append((f"<{block.kind}{block.attrs}>", block.kind))
    while stack:
        out.append(f"</{stack.pop()[1]}>")
    return "".join(out)


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
) -> str:
    """The opening tag of a block and its content; the caller closes it."""
    css = ""
    element_id = ""
    if block.op == "insert":
        css, content = (
            "ps-ins",
            _wrap("ins", _relinked(block.segments[0].html, "new", relink), labels),
        )
    elif block.op == "delete":
        css, content = (
            "ps-del",
            _wrap("del", _relinked(block.segments[0].html, "old", relink), labels),
        )
    elif block.op == "move" and block.move_to is not None:
        css, element_id = "ps-moved-away", move_id(block.move_id, id_prefix, origin=True)
        target = "#" + move_id(block.move_id, id_prefix)
        title = html.escape(titles.get(block.move_to, block.move_to))
        content = f'<span class="ps-note">Moved to <a href="{target}">{title}</a>.</span>'
    elif block.op == "move":
        css, element_id = "ps-moved", move_id(block.move_id, id_prefix)
        source = "#" + move_id(block.move_id, id_prefix, origin=True)
        title = html.escape(titles.get(block.move_from or "", block.move_from or ""))
        # In code, the note is a line of its own: a space would indent the code's first line.
        after = "\n" if block.kind == "pre" else " "
        note = (
            f'<span class="ps-note">Moved here from <a href="{source}">{title}</a>:</span>{after}'
        )
        content = note + _segments(block.segments, labels, relink)
    else:
        content = _segments(block.segments, labels, relink)
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


def _segments(segments: tuple[Segment, ...], labels: bool, relink: Relink | None) -> str:
    parts: list[str] = []
    index = 0
    while index < len(segments):
        if segments[index].op == "equal":
            parts.append(_relinked(segments[index].html, "new", relink))
            index += 1
            continue
        end = index
        while end < len(segments) and segments[end].op != "equal":
            end += 1
        group = segments[index:end]
        # The space before a change goes outside the marks when both readings have a space
        # there: from their own words, or, where a reading has none, from the words after
        # (not when those are glued on, like ", …").
        after = segments[end].html.startswith(" ") if end < len(segments) else True
        outside = all(
            next((s.html.startswith(" ") for s in group if s.op == op), after)
            for op in ("insert", "delete")
        )
        if outside:
            parts.append(" ")
        for segment in group:
            tag = "ins" if segment.op == "insert" else "del"
            markup = segment.html[1:] if outside and segment.html.startswith(" ") else segment.html
            markup = _relinked(markup, "old" if segment.op == "delete" else "new", relink)
            parts.append(_wrap(tag, markup, labels))
        index = end
    return "".join(parts)


def _wrap(tag: str, content: str, labels: bool) -> str:
    if not content:
        return ""
    label = ""
    if labels:
        label = f'<span class="ps-sr">{"inserted" if tag == "ins" else "deleted"}: </span>'
    return f"<{tag}>{label}{content}</{tag}>"
