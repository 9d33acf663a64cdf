"""A plain stand-in for the diff engine, used by the site until ``policysite.diff`` exists.

Same names and types as the real engine (``compare(old, new) -> Change`` and
``render_html(change) -> str``) so ``site.redline`` swaps to the real one by itself. It compares
sections by anchor (then by title, then by similar text, for renamed anchors) and redlines the
Markdown source word by word with difflib. Correct, but not block-aware: delete this module once
``diff.py`` and ``render/html.py`` are merged.
"""

from __future__ import annotations

import difflib
import html
import re
from bisect import bisect_left

from policysite.model import Change, Section, SectionChange, SectionStatus, Version
from policysite.sections import split_sections

_ATTRS = re.compile(r"[ \t]*\{:?[^}]*\}[ \t]*$")
_TOKEN = re.compile(r"\n[ \t]*\n+|\S+")
_SIMILAR = 0.6  # difflib ratio above which an unmatched old and new section are one section


def _sections(version: Version) -> list[Section]:
    return split_sections(version.body, path=version.path)


def _words(section: Section) -> list[str]:
    """The section's tokens (words and paragraph breaks), heading without its ``{#id}``."""
    lines = section.text.splitlines()
    if section.level and lines:
        lines[0] = _ATTRS.sub("", lines[0])
    return _TOKEN.findall("\n".join(lines))


def _body_words(section: Section) -> list[str]:
    lines = section.text.splitlines()
    return _TOKEN.findall("\n".join(lines[1:] if section.level else lines))


def _match(old: list[Section], new: list[Section]) -> dict[int, int]:
    """New section index → old section index: same anchor, then same title, then similar text."""
    pairs: dict[int, int] = {}
    old_index = {s.anchor: i for i, s in enumerate(old)}
    for j, section in enumerate(new):
        if section.anchor in old_index:
            pairs[j] = old_index[section.anchor]
    used = set(pairs.values())
    for j, section in enumerate(new):
        if j in pairs or not section.title:
            continue
        for i, candidate in enumerate(old):
            if i not in used and candidate.title == section.title:
                pairs[j] = i
                used.add(i)
                break
    for j, section in enumerate(new):
        if j in pairs:
            continue
        best, best_ratio = None, _SIMILAR
        for i, candidate in enumerate(old):
            if i in used or bool(candidate.level) != bool(section.level):
                continue
            ratio = difflib.SequenceMatcher(
                None, _body_words(candidate), _body_words(section), autojunk=False
            ).ratio()
            if ratio > best_ratio:
                best, best_ratio = i, ratio
        if best is not None:
            pairs[j] = best
            used.add(best)
    return pairs


def _in_order(sequence: list[int]) -> set[int]:
    """Positions of a longest increasing subsequence: the sections that did not move."""
    tails: list[int] = []
    tail_pos: list[int] = []
    parent = [-1] * len(sequence)
    for pos, value in enumerate(sequence):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k] = value
            tail_pos[k] = pos
        parent[pos] = tail_pos[k - 1] if k else -1
    keep: set[int] = set()
    pos = tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        keep.add(pos)
        pos = parent[pos]
    return keep


def _count(old: list[str], new: list[str]) -> tuple[int, int]:
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            removed += sum(1 for t in old[i1:i2] if t.strip())
            added += sum(1 for t in new[j1:j2] if t.strip())
    return added, removed


def compare(old: Version, new: Version) -> Change:
    """Compare two versions section by section (new order; removed sections after their peers)."""
    old_sections, new_sections = _sections(old), _sections(new)
    pairs = _match(old_sections, new_sections)
    matched = sorted(pairs)
    still = _in_order([pairs[j] for j in matched])
    unmoved = {matched[p] for p in still}
    removed = [i for i in range(len(old_sections)) if i not in pairs.values()]
    result: list[SectionChange] = []

    def add_removed(up_to: int) -> None:
        while removed and removed[0] < up_to:
            gone = old_sections[removed.pop(0)]
            words = sum(1 for t in _words(gone) if t.strip())
            result.append(
                SectionChange(
                    gone.anchor, gone.title, gone.title, "removed", 0, words, level=gone.level
                )
            )

    for j, section in enumerate(new_sections):
        if j not in pairs:
            words = sum(1 for t in _words(section) if t.strip())
            result.append(
                SectionChange(
                    section.anchor, section.title, None, "added", words, 0, level=section.level
                )
            )
            continue
        before = old_sections[pairs[j]]
        add_removed(pairs[j])
        added, dropped = _count(_words(before), _words(section))
        retitled = before.title != section.title
        status: SectionStatus
        if j not in unmoved:
            status = "moved"
        elif _body_words(before) != _body_words(section):
            status = "modified"
        elif retitled or before.anchor != section.anchor:
            status = "retitled"
        else:
            status = "unchanged"
        result.append(
            SectionChange(
                section.anchor,
                section.title,
                before.title,
                status,
                added,
                dropped,
                old_anchor=before.anchor if before.anchor != section.anchor else None,
                retitled=retitled,
                level=section.level,
            )
        )
    add_removed(len(old_sections))
    return Change(new.policy, old, new, tuple(result))


def _render_tokens(tokens: list[str]) -> str:
    return " ".join("<br>" if not t.strip() else html.escape(t, quote=False) for t in tokens)


def _redline(old: list[str], new: list[str]) -> str:
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(_render_tokens(new[j1:j2]))
            continue
        if i2 > i1:
            parts.append(f"<del>{_render_tokens(old[i1:i2])}</del>")
        if j2 > j1:
            parts.append(f"<ins>{_render_tokens(new[j1:j2])}</ins>")
    return " ".join(parts)


def render_html(change: Change) -> str:
    """The changed sections as an HTML fragment; ids prefixed ``rl-`` so they never clash."""
    old_by_anchor = {s.anchor: s for s in _sections(change.old)}
    new_by_anchor = {s.anchor: s for s in _sections(change.new)}
    out = ['<div class="policysite-redline">']
    for section in change.changed:
        old = old_by_anchor.get(section.old_anchor or section.anchor)
        new = new_by_anchor.get(section.anchor)
        if section.status == "removed":
            new, old = None, old_by_anchor.get(section.anchor)
        body = _redline(_words(old) if old else [], _words(new) if new else [])
        title = html.escape(section.title or "Introduction")
        out.append(
            f'<section class="redline-section redline-{section.status}" '
            f'id="rl-{html.escape(section.anchor or "preamble")}">'
            f'<p class="redline-title"><strong>{title}</strong> '
            f'<span class="redline-status">{section.status}</span></p>'
            f'<p class="redline-text">{body}</p></section>'
        )
    out.append("</div>")
    return "\n".join(out)
