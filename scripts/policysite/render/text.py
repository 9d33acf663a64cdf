"""A Change as plain text: the summary, and the redline of each changed section in words.

``render_text`` is the summary (changed sections, titles, counts, deep links): the plain-text
part of a change notice and ``policysite diff --stat``. ``redline_lines`` adds each changed
section's words, as runs of text with a style; ``render_words`` writes them with git's
word-diff marks (``[-old-]{+new+}``, for a pipe or a file) and ``render_terminal`` in colour
(Rich, for a terminal). Every run of an editor's text passes ``sanitize.terminal_text`` first:
a policy must not be able to send escape sequences to the terminal of whoever reads its diff.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from rich.text import Text

from policysite.blocks import HEADING_TAGS
from policysite.model import BlockChange, Change, SectionChange, Segment
from policysite.render import (
    describe,
    direction,
    marked_words,
    section_title,
    section_url,
    word_counts,
)
from policysite.sanitize import terminal_text

Style = Literal["plain", "title", "insert", "delete", "note"]
Run = tuple[str, Style]
Line = tuple[Run, ...]

# How each kind of run looks on a terminal: colour, and a second cue for readers who cannot
# tell red from green (struck out, underlined).
TERMINAL_STYLES: dict[Style, str] = {
    "plain": "",
    "title": "bold",
    "insert": "green underline",
    "delete": "red strike",
    "note": "dim italic",
}
_MARKS: dict[Style, tuple[str, str]] = {"insert": ("{+", "+}"), "delete": ("[-", "-]")}
_CELLS = ("td", "th")
_BLOCK_NAMES = {"p": "paragraph", "li": "list item", "td": "table row", "th": "table row"}


def render_text(change: Change, base_url: str = "") -> str:
    """Changed sections with titles, what happened, counts and links (``base_url`` + policy)."""
    lines = [
        f"{change.new.title} ({change.policy}): version {direction(change)}, "
        f"effective {change.new.effective.isoformat()}"
    ]
    changed = change.changed
    if not changed:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    counts = word_counts(change.words_added, change.words_removed)
    total = len(change.sections)
    summary = f"{len(changed)} of {total} section{'s' if total != 1 else ''} changed"
    lines.append(summary + (f"; {counts}." if counts else "."))
    for section in changed:
        lines.append("")
        lines.append(f"- {section_title(section)} — {describe(section)}")
        url = section_url(base_url, change, section)
        if url:
            lines.append(f"  {url}")
    return "\n".join(lines) + "\n"


def redline_lines(change: Change, base_url: str = "") -> list[Line]:
    """The summary, then each changed section: its heading, what happened, and its blocks with
    the words that changed; runs of unchanged blocks are folded into one line."""
    lines: list[Line] = [((line, "plain"),) for line in render_text(change, base_url).splitlines()]
    titles = {s.anchor: section_title(s) for s in change.sections}
    for section in change.changed:
        lines.append(())
        lines.extend(_section_lines(section, titles))
    return [_merged((terminal_text(text), style) for text, style in line) for line in lines]


def _merged(runs: Iterable[Run]) -> Line:
    """Neighbouring runs of one style as one run, empty runs left out."""
    out: list[Run] = []
    for text, style in runs:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        elif text:
            out.append((text, style))
    return tuple(out)


def render_words(lines: list[Line]) -> str:
    """The lines as plain text, words marked as ``git diff --word-diff`` does."""
    out = []
    for line in lines:
        parts = []
        for text, style in line:
            start, end = _MARKS.get(style, ("", ""))
            parts.append(f"{start}{text}{end}")
        out.append("".join(parts))
    return "\n".join(out) + "\n"


def render_terminal(lines: list[Line]) -> Text:
    """The lines as Rich text in colour (never Rich markup: ``[bold]`` in a policy is text)."""
    text = Text()
    for line in lines:
        for part, style in line:
            text.append(part, style=TERMINAL_STYLES[style])
        text.append("\n")
    return text


def _section_lines(section: SectionChange, titles: dict[str, str]) -> list[Line]:
    """The heading (or the section's title), what happened, then the blocks."""
    status: Line = ((f"({describe(section)})", "note"),)
    blocks = list(section.blocks)
    if blocks and blocks[0].kind in HEADING_TAGS:
        lines = [_block_line(blocks.pop(0), titles), status]
    else:
        lines = [((section_title(section), "title"),), status]
    folded: list[list[BlockChange]] = []
    for unit in _units(blocks):
        if all(b.op == "equal" for b in unit) and unit[0].kind not in HEADING_TAGS:
            folded.append(unit)
            continue
        if folded:
            lines.append(_folded(folded))
            folded = []
        lines.append(_row_line(unit, titles) if len(unit) > 1 else _block_line(unit[0], titles))
    if folded:
        lines.append(_folded(folded))
    return lines


def _units(blocks: list[BlockChange]) -> list[list[BlockChange]]:
    """The blocks, the cells of one table row together (a cell that shares all its containers,
    the ``<tr>`` too, with the block before it is in that block's row)."""
    units: list[list[BlockChange]] = []
    for block in blocks:
        previous = units[-1][-1].kind if units else ""
        same_row = block.shared >= len(block.parents)
        if block.kind in _CELLS and previous in _CELLS and same_row:
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _folded(units: list[list[BlockChange]]) -> Line:
    """``… unchanged: 2 paragraphs, 1 list item``: what a reader skips, kind by kind."""
    counts: dict[str, int] = {}
    for unit in units:
        name = "table row" if len(unit) > 1 else _BLOCK_NAMES.get(unit[0].kind, "block")
        counts[name] = counts.get(name, 0) + 1
    parts = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in counts.items()]
    return (("  … unchanged: " + ", ".join(parts), "note"),)


def _row_line(cells: list[BlockChange], titles: dict[str, str]) -> Line:
    """A table row as Markdown writes it: ``| a | b |``."""
    runs: list[Run] = []
    for cell in cells:
        runs.append(("| ", "plain"))
        runs.extend(_block_line(cell, titles)[1:])  # without its own "| "
        runs.append((" ", "plain"))
    runs.append(("|", "plain"))
    return tuple(runs)


def _block_line(block: BlockChange, titles: dict[str, str]) -> Line:
    if block.kind in HEADING_TAGS:
        prefix = "#" * int(block.kind[1]) + " "  # as Markdown writes it: the level shows
    elif block.kind == "li":
        depth = sum(1 for p in block.parents if p.startswith(("<ul", "<ol")))
        prefix = "  " * max(depth - 1, 0) + "- "
    elif block.kind in ("td", "th"):
        prefix = "| "
    else:
        prefix = ""
    runs: list[Run] = [(prefix, "plain")] if prefix else []
    if block.op == "move" and block.move_to is not None:
        return (*runs, (f"(moved to “{titles.get(block.move_to, block.move_to)}”)", "note"))
    if block.op == "move":
        source = block.move_from or ""
        runs.append((f"(moved here from “{titles.get(source, source)}”) ", "note"))
    if block.op in ("insert", "delete"):
        text = "".join(s.text for s in block.segments).strip()
        return (*runs, (text, "insert" if block.op == "insert" else "delete"))
    runs.extend(_segment_runs(block.segments))
    if block.kind in HEADING_TAGS:
        runs = [(text, "title" if style == "plain" else style) for text, style in runs]
    return tuple(runs)


def _segment_runs(segments: tuple[Segment, ...]) -> list[Run]:
    """Words, the changed ones marked (``a [-b-]{+c+} d``: see ``render.marked_words``)."""
    runs: list[Run] = []
    for op, words in marked_words(segments, "text"):
        if op == "equal":
            runs.append((words, "plain"))
        elif op == "space":
            if runs:
                runs.append((" ", "plain"))
        elif words:
            runs.append((words, op))
    if runs and runs[0][1] == "plain":
        runs[0] = (runs[0][0].lstrip(), "plain")
    return runs
