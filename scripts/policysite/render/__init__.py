"""A ``Change`` four ways: html (the redline), markdown (a PR comment), text (mail), json.

Each renderer takes the one ``Change`` value that ``diff.compare`` returns; the words used for
statuses and counts live here so every rendering says the same thing. ``WORDS`` holds them in
English; the functions that say something take ``words``, a table with the same keys in another
language (the site's translated pages pass theirs, from ``site/translations.STRINGS``). A key
ending in ``.one``/``.other`` is a count's singular and plural.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from policysite import urls
from policysite.blocks import HEADING_TAGS
from policysite.model import Change, SectionChange, Segment

# The renderers' English words; {names} are filled in.
WORDS: dict[str, str] = {
    "status.added": "added",
    "status.removed": "removed",
    "status.modified": "modified",
    "status.retitled": "retitled",
    "status.moved": "moved",
    "status.unchanged": "unchanged",
    "was_title": "was “{title}”",
    "anchor_was": "anchor was #{anchor}",
    "words.one": "{n} word",
    "words.other": "{n} words",
    "count_added": "{count} added",
    "count_removed": "{count} removed",
    "paragraph.one": "{n} paragraph",
    "paragraph.other": "{n} paragraphs",
    "list_item.one": "{n} list item",
    "list_item.other": "{n} list items",
    "table_cell.one": "{n} table cell",
    "table_cell.other": "{n} table cells",
    "block.one": "{n} block",
    "block.other": "{n} blocks",
    "moved_here": "{count} moved here",
    "moved_away": "{count} moved away",
    "punctuation_only": "punctuation or formatting only",
    "introduction": "Introduction (before the first heading)",
    "reverse": "reverse: from the later version back to the earlier",
    "versions": "Versions {direction}.",
    "section_moved": "The section “{title}” was here; it moved {where}.",
    "below": "below",
    "above": "above",
    "moved_to": "Moved to {link}.",
    "moved_from": "Moved here from {link}:",
    "inserted": "inserted",
    "deleted": "deleted",
    "unchanged.p.one": "{n} unchanged paragraph",
    "unchanged.p.other": "{n} unchanged paragraphs",
    "unchanged.list.one": "{n} unchanged list",
    "unchanged.list.other": "{n} unchanged lists",
    "unchanged.table.one": "{n} unchanged table",
    "unchanged.table.other": "{n} unchanged tables",
    "unchanged.pre.one": "{n} unchanged code block",
    "unchanged.pre.other": "{n} unchanged code blocks",
    "unchanged.passage.one": "{n} unchanged passage",
    "unchanged.passage.other": "{n} unchanged passages",
    "and": " and ",
    "hidden_items.one": "{n} unchanged list item or table row hidden in this section",
    "hidden_items.other": "{n} unchanged list items or table rows hidden in this section",
}


def count(words: Mapping[str, str], key: str, n: int) -> str:
    """``key``'s singular or plural form (``key.one``/``key.other``) with ``n`` filled in."""
    return words[f"{key}.{'one' if n == 1 else 'other'}"].format(n=n)


def marked_words(
    segments: tuple[Segment, ...], form: Literal["text", "html"]
) -> Iterator[tuple[Literal["equal", "insert", "delete", "space"], str]]:
    """A block's words in order, in ``form``, for a renderer to mark the changed ones.

    The space before a change goes outside its marks (a ``"space"`` item) when both readings
    have a space there: from their own words, or, where a reading has none, from the words
    after (not when those are glued on, like ", …"). So ``a [-b-]{+c+} d`` reads well, in
    HTML as in a terminal.
    """
    index = 0
    while index < len(segments):
        if segments[index].op == "equal":
            yield "equal", getattr(segments[index], form)
            index += 1
            continue
        end = index
        while end < len(segments) and segments[end].op != "equal":
            end += 1
        group = segments[index:end]
        after = getattr(segments[end], form).startswith(" ") if end < len(segments) else True
        outside = all(
            next((getattr(s, form).startswith(" ") for s in group if s.op == op), after)
            for op in ("insert", "delete")
        )
        if outside:
            yield "space", " "
        for segment in group:
            words: str = getattr(segment, form)
            yield segment.op, words[1:] if outside and words.startswith(" ") else words
        index = end


def section_title(section: SectionChange, words: Mapping[str, str] = WORDS) -> str:
    """The section's title, or a stand-in for the text before the first heading."""
    return section.title or words["introduction"]


def word_counts(added: int, removed: int, words: Mapping[str, str] = WORDS) -> str:
    """``3 words added, 1 removed`` — only the parts that are not zero; "" when both are."""
    parts = []
    if added:
        parts.append(words["count_added"].format(count=count(words, "words", added)))
    if removed:
        noun = str(removed) if added else count(words, "words", removed)
        parts.append(words["count_removed"].format(count=noun))
    return ", ".join(parts)


_BLOCK_NAMES = {"p": "paragraph", "li": "list_item", "td": "table_cell", "th": "table_cell"}


def describe(section: SectionChange, words: Mapping[str, str] = WORDS) -> str:
    """What happened to a section, in a line: ``retitled (was “3. Cookies”): 1 word added``."""
    head = describe_status(section, words)
    if section.status in ("added", "removed"):
        n = section.words_added or section.words_removed
        return f"{head}: {count(words, 'words', n)}" if n else head
    details = [word_counts(section.words_added, section.words_removed, words)]
    moved_in = [b.kind for b in section.blocks if b.move_from is not None]
    moved_out = [b.kind for b in section.blocks if b.move_to is not None]
    details.append(_count_blocks(moved_in, "moved_here", words))
    details.append(_count_blocks(moved_out, "moved_away", words))
    details = [d for d in details if d]
    if not details and section.status == "modified":
        # Only punctuation or markup changed ("policy. for" → "policy for"): say so, since
        # "+0 −0 words" reads as nothing at all.
        details = [words["punctuation_only"]]
    return f"{head}: {', '.join(details)}" if details else head


def describe_status(section: SectionChange, words: Mapping[str, str] = WORDS) -> str:
    """The status, and what else a reader needs: ``retitled (was “3. Cookies”)``."""
    head = words[f"status.{section.status}"]
    if section.retitled and section.status != "retitled":
        head += f", {words['status.retitled']}"
    if section.status in ("retitled", "moved") and text_edited(section):
        head += f", {words['status.modified']}"
    notes = []
    if section.retitled and section.old_title is not None:
        notes.append(words["was_title"].format(title=section.old_title))
    if section.old_anchor:
        notes.append(words["anchor_was"].format(anchor=section.old_anchor))
    if notes:
        head += f" ({'; '.join(notes)})"
    return head


def text_edited(section: SectionChange) -> bool:
    """True when words other than the heading's changed (a retitled section may be edited too)."""
    return any(b.op != "equal" and b.kind not in HEADING_TAGS for b in section.blocks)


def _count_blocks(kinds: list[str], what: str, words: Mapping[str, str]) -> str:
    if not kinds:
        return ""
    names = {_BLOCK_NAMES.get(kind, "block") for kind in kinds}
    name = names.pop() if len(names) == 1 else "block"
    return words[what].format(count=count(words, name, len(kinds)))


def sentence(text: str) -> str:
    """``text`` with a capital first letter (and only that changed) and a full stop."""
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def direction(change: Change, words: Mapping[str, str] = WORDS) -> str:
    """``1.0 → 1.1``, said to be backwards when the old version is the later one."""
    arrow = f"{change.old.label} → {change.new.label}"
    if change.reverse:
        arrow += f" ({words['reverse']})"
    return arrow


def section_url(base_url: str, change: Change, section: SectionChange) -> str | None:
    """Deep link to a section on the site: the policy page, or the old archive if removed."""
    if not base_url:
        return None
    base = base_url if base_url.endswith("/") else base_url + "/"
    old = change.old.label if section.status == "removed" else None
    return urls.section_url(base, change.policy, section.anchor, version=old)


def reading_order(change: Change) -> list[tuple[SectionChange, bool]]:
    """The sections as a redline shows them: ``(section, False)`` in the new text's order, and
    each moved section a second time as ``(section, True)`` where it was in the old text.
    """
    entries = [(section, False) for section in change.sections]
    moved = sorted(
        (s for s in change.sections if s.status == "moved" and s.old_index is not None),
        key=lambda s: s.old_index or 0,
    )
    for section in moved:
        assert section.old_index is not None
        place = len(entries)
        for index, (other, pointer) in enumerate(entries):
            stays = pointer or other.status != "moved"
            if stays and other.old_index is not None and other.old_index > section.old_index:
                place = index
                break
        entries.insert(place, (section, True))
    return entries
