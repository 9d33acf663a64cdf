"""Two versions of a policy → a ``Change``: what happened to each section, and a redline.

The pipeline, top to bottom:

1. render both texts as the site does and split them into sections of blocks (``blocks.py``);
2. match sections by anchor, then by ``anchor_aliases``, then by title and text similarity;
3. align the blocks of each matched pair of sections (difflib, ``autojunk=False``: policy text
   repeats words like "data" so often that autojunk would throw away the very anchors an
   alignment needs);
4. find moved blocks anywhere in the document (the same text deleted in one place and inserted
   in another is one move, shown once);
5. pair the remaining replaced blocks by similarity, in order; of the blocks still alone, a
   deleted one and an inserted one that are nearly the same are a move with edits;
6. diff the words inside each pair, and give each section its status and word counts.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import accumulate, chain, pairwise
from typing import Literal, NamedTuple

from policysite.blocks import (
    HEADING_TAGS,
    Block,
    RenderedSection,
    Token,
    read_sections,
    tokens_html,
)
from policysite.model import (
    BlockChange,
    BlockOp,
    Change,
    SectionChange,
    SectionStatus,
    Segment,
    Version,
)

# A replaced block is shown as edited (a word diff) when at least this similar (Dice on words);
# below it a word diff is mostly noise, and old and new read better as delete and insert.
PAIR_SIMILARITY = 0.5
# Blocks this short ("Yes", an empty table cell) are not called moved: the same words turning up
# elsewhere is likely chance.
MOVE_MIN_WORDS = 5
# A block deleted in one place and inserted, edited, elsewhere is a move when this similar.
EDITED_MOVE_SIMILARITY = 0.75
EDITED_MOVE_MIN_WORDS = 8
# Sections without a common anchor are the same section when this similar (0.4 title, 0.6 text).
SECTION_SIMILARITY = 0.6
# Pairing compares every old block of a replaced run with every new one up to this many pairs;
# beyond it (a rewritten 60-item list) only blocks near the same relative position are compared.
_FULL_PAIRING = 2500

_CELL_TAGS = frozenset({"td", "th"})
_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[ivxlcdm]+[.)]|[a-z][.)])\s+", re.IGNORECASE)

SegmentOp = Literal["equal", "insert", "delete"]


def compare(old: Version, new: Version, flavour: str | None = None) -> Change:
    """Compare two versions of a policy, section by section, down to the word, each rendered
    in the site's Markdown flavour (``flavour``, else the new version's)."""
    flavour = flavour or new.markdown
    old_sections = read_sections(old.body, flavour)
    new_sections = read_sections(new.body, flavour)
    new_to_old = match_sections(old_sections, new_sections, new.anchor_aliases)
    moved = _moved_sections(new_to_old)
    pairs = _reading_order(len(old_sections), len(new_sections), new_to_old, moved)
    works = [
        _SectionWork(
            old_sections[i] if i is not None else None,
            new_sections[j] if j is not None else None,
            i,
            j,
        )
        for i, j in pairs
    ]
    _align_sections(works)
    exact_moves = _find_moves(works)
    for work in works:
        regions = [region for region in work.regions() if not region.fixed]
        items = _items_of_kept_blocks(work) if regions else {}
        for region in regions:
            region.pairs = _pair_blocks(region.free_old(), region.free_new(), items.get(region, ()))
    _find_edited_moves(works, first_id=len(exact_moves) + 1)
    return Change(
        policy=new.policy,
        old=old,
        new=new,
        sections=tuple(_section_change(work, work.new_index in moved) for work in works),
    )


# -- sections -----------------------------------------------------------------------------


def match_sections(
    old: Sequence[RenderedSection],
    new: Sequence[RenderedSection],
    aliases: dict[str, str] | None = None,
) -> dict[int, int]:
    """Which old section each new section is (new index → old index); the rest are new.

    By anchor first; then an old anchor that ``anchor_aliases`` says now lands on a new one;
    then, for sections still alone (a repository without explicit anchors whose headings were
    renumbered), by title without its numbering and by text similarity.
    """
    new_to_old: dict[int, int] = {}
    old_matched: set[int] = set()
    first_new = _first_index(s.anchor for s in new)
    for i, section in enumerate(old):
        j = first_new.get(section.anchor)
        if j is not None and j not in new_to_old and i not in old_matched:
            new_to_old[j] = i
            old_matched.add(i)
    for i, section in enumerate(old):
        target = (aliases or {}).get(section.anchor)
        j = first_new.get(target) if target else None
        if i not in old_matched and j is not None and j not in new_to_old:
            new_to_old[j] = i
            old_matched.add(i)
    lonely_old = [i for i in range(len(old)) if i not in old_matched]
    lonely_new = [j for j in range(len(new)) if j not in new_to_old]
    if lonely_old and lonely_new:
        words = {
            id(s): _section_words(s)
            for s in (*(old[i] for i in lonely_old), *(new[j] for j in lonely_new))
        }
        scored = sorted(
            (
                (_section_similarity(old[i], new[j], words), -j, -i)
                for i in lonely_old
                for j in lonely_new
                if old[i].level and new[j].level
            ),
            reverse=True,
        )
        for score, minus_j, minus_i in scored:
            i, j = -minus_i, -minus_j
            if score < SECTION_SIMILARITY:
                break
            if i not in old_matched and j not in new_to_old:
                new_to_old[j] = i
                old_matched.add(i)
    return new_to_old


def _first_index(anchors: Iterable[str]) -> dict[str, int]:
    first: dict[str, int] = {}
    for index, anchor in enumerate(anchors):
        first.setdefault(anchor, index)
    return first


def _section_words(section: RenderedSection) -> Counter[str]:
    return Counter(w for b in section.blocks[1:] for w in _word_texts(b))


def _section_similarity(
    old: RenderedSection, new: RenderedSection, words: dict[int, Counter[str]]
) -> float:
    """1 for the same title without numbering; else 0.4 title likeness + 0.6 text likeness."""
    old_title = _NUMBERING.sub("", old.title).casefold().strip()
    new_title = _NUMBERING.sub("", new.title).casefold().strip()
    if old_title and old_title == new_title:
        return 1.0
    title = SequenceMatcher(None, old_title, new_title, autojunk=False).ratio()
    old_words, new_words = words[id(old)], words[id(new)]
    text = _dice(old_words, new_words) if old_words or new_words else 1.0
    return 0.4 * title + 0.6 * text


def _moved_sections(new_to_old: dict[int, int]) -> set[int]:
    """New indices of the matched sections that changed place.

    The sections kept in order are the longest run whose old positions increase in new order
    (patience sorting); the others moved. So one section moved down is one move, not every
    section it passed moving up.
    """
    matched = sorted(new_to_old.items())
    olds = [i for _, i in matched]
    tails: list[int] = []  # smallest old position ending a run of each length
    tail_at: list[int] = []
    back: list[int] = [-1] * len(olds)
    for k, value in enumerate(olds):
        slot = bisect.bisect_left(tails, value)
        if slot == len(tails):
            tails.append(value)
            tail_at.append(k)
        else:
            tails[slot] = value
            tail_at[slot] = k
        back[k] = tail_at[slot - 1] if slot else -1
    kept: set[int] = set()
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        kept.add(k)
        k = back[k]
    return {j for k, (j, _) in enumerate(matched) if k not in kept}


def _reading_order(
    old_count: int, new_count: int, new_to_old: dict[int, int], moved: set[int]
) -> list[tuple[int | None, int | None]]:
    """New order; a removed section follows the section that preceded it in the old text.

    Only sections that kept their place count as "preceded": then old positions still increase
    along the sections that did not move, and a reader can find where a moved one was.
    """
    old_to_new = {i: j for j, i in new_to_old.items() if j not in moved}
    after: dict[int, list[int]] = {}
    for i in range(old_count):
        if i in new_to_old.values():
            continue
        k = i - 1
        while k >= 0 and k not in old_to_new:
            k -= 1
        after.setdefault(old_to_new[k] if k >= 0 else -1, []).append(i)
    order: list[tuple[int | None, int | None]] = [(i, None) for i in after.get(-1, [])]
    for j in range(new_count):
        order.append((new_to_old.get(j), j))
        order.extend((i, None) for i in after.get(j, []))
    return order


# -- blocks -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Move:
    id: int
    old: Block
    new: Block
    old_section: _SectionWork
    new_section: _SectionWork


@dataclass(eq=False)
class _Region:
    """A run where old and new blocks differ: deleted, inserted or replaced blocks."""

    old: list[Block]
    new: list[Block]
    old_moves: dict[int, _Move] = field(default_factory=dict)  # index in `old` → move
    new_moves: dict[int, _Move] = field(default_factory=dict)
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (old index, new index)
    fixed: bool = False  # pairs decided already (a section's heading), not by similarity

    def free_old(self) -> list[Block | None]:
        return [None if i in self.old_moves else b for i, b in enumerate(self.old)]

    def free_new(self) -> list[Block | None]:
        return [None if j in self.new_moves else b for j, b in enumerate(self.new)]


@dataclass(frozen=True, slots=True)
class _Elements:
    """The elements of a section in each version (lists, list items, tables …), numbered.

    For each block (by ``id``): the numbers of the elements around it, outermost first, and its
    own last; one number for one element. The two versions' numbers differ.
    """

    old: dict[int, tuple[int, ...]]
    new: dict[int, tuple[int, ...]]
    old_blocks: set[int]  # the old elements that are blocks (a list item), not containers


@dataclass(eq=False)
class _SectionWork:
    old: RenderedSection | None
    new: RenderedSection | None
    old_index: int | None
    new_index: int | None
    parts: list[tuple[Block, Block] | _Region] = field(default_factory=list)
    _elements: _Elements | None = field(default=None, init=False, repr=False)

    def regions(self) -> list[_Region]:
        return [part for part in self.parts if isinstance(part, _Region)]

    def elements(self) -> _Elements | None:
        """The elements around the blocks of both versions; None when there are none."""
        if self._elements is None and self.old is not None and self.new is not None:
            old, new = self.old.blocks, self.new.blocks
            if any(block.parents for block in chain(old, new)):
                old_paths, serial = _element_paths(old, 0)
                new_paths, _ = _element_paths(new, serial)
                blocks = {path[-1] for path in old_paths.values()}
                self._elements = _Elements(old_paths, new_paths, blocks)
        return self._elements

    @property
    def anchor(self) -> str:
        section = self.new or self.old
        assert section is not None
        return section.anchor


def _align_sections(works: Sequence[_SectionWork]) -> None:
    keys: dict[tuple[tuple[str, ...], str], int] = {}
    for work in works:
        if work.old is None or work.new is None:
            work.parts = [
                _Region(
                    list(work.old.blocks) if work.old else [],
                    list(work.new.blocks) if work.new else [],
                )
            ]
            continue
        old_blocks, new_blocks = work.old.blocks, work.new.blocks
        if work.old.level and work.new.level and old_blocks[0].kind == new_blocks[0].kind:
            # The headings of a matched pair of sections are the same heading, however much
            # its words changed ("Cookies" → "Cookies and similar technologies").
            if old_blocks[0].key == new_blocks[0].key:
                work.parts.append((old_blocks[0], new_blocks[0]))
            else:
                work.parts.append(
                    _Region([old_blocks[0]], [new_blocks[0]], pairs=[(0, 0)], fixed=True)
                )
            old_blocks, new_blocks = old_blocks[1:], new_blocks[1:]
        # Equal blocks render the same inside the same containers: an item of a numbered list
        # is not one of a bulleted list, nor of a list nested one level deeper.
        old_ids = [keys.setdefault((b.parents, b.key), len(keys)) for b in old_blocks]
        new_ids = [keys.setdefault((b.parents, b.key), len(keys)) for b in new_blocks]
        for tag, i1, i2, j1, j2 in opcodes(old_ids, new_ids):
            if tag == "equal":
                work.parts.extend(zip(old_blocks[i1:i2], new_blocks[j1:j2], strict=True))
            else:
                work.parts.append(_Region(list(old_blocks[i1:i2]), list(new_blocks[j1:j2])))


def _movable(block: Block, min_words: int) -> bool:
    is_section_heading = block.kind in HEADING_TAGS and not block.parents
    return not is_section_heading and block.words >= min_words


def _find_moves(works: Sequence[_SectionWork]) -> list[_Move]:
    """The same block deleted in one place and inserted in another: one move."""
    deleted: dict[str, list[tuple[_SectionWork, _Region, int]]]
    deleted = {}
    for work in works:
        for region in work.regions():
            for i, block in enumerate(region.old):
                if _movable(block, MOVE_MIN_WORDS):
                    deleted.setdefault(block.key, []).append((work, region, i))
    moves: list[_Move] = []
    if not deleted:
        return moves
    for work in works:
        for region in work.regions():
            for j, block in enumerate(region.new):
                places = deleted.get(block.key)
                if not places or not _movable(block, MOVE_MIN_WORDS):
                    continue
                # Not within one run of changes: a block that stayed where it was but in another
                # list (numbered now, or a sub-list) is deleted there and inserted here.
                k = next((k for k, place in enumerate(places) if place[1] is not region), None)
                if k is None:
                    continue
                old_work, old_region, i = places.pop(k)
                move = _Move(len(moves) + 1, old_region.old[i], block, old_work, work)
                old_region.old_moves[i] = move
                region.new_moves[j] = move
                moves.append(move)
    return moves


def _lonely(blocks: Sequence[Block], taken: set[int]) -> list[int]:
    """Indices of blocks neither paired nor moved, long enough to be called moved if edited."""
    return [
        i
        for i, block in enumerate(blocks)
        if i not in taken and _movable(block, EDITED_MOVE_MIN_WORDS)
    ]


def _find_edited_moves(works: Sequence[_SectionWork], first_id: int) -> list[_Move]:
    """A block deleted in one place and inserted, slightly edited, elsewhere: one move."""
    lonely_old: list[tuple[_SectionWork, _Region, int]] = []
    lonely_new: list[tuple[_SectionWork, _Region, int]] = []
    for work in works:
        for region in work.regions():
            taken_old = {i for i, _ in region.pairs} | region.old_moves.keys()
            taken_new = {j for _, j in region.pairs} | region.new_moves.keys()
            lonely_old.extend((work, region, i) for i in _lonely(region.old, taken_old))
            lonely_new.extend((work, region, j) for j in _lonely(region.new, taken_new))
    if not lonely_old or not lonely_new or len(lonely_old) * len(lonely_new) > 10_000:
        return []
    words: dict[int, Counter[str]] = {}
    scored = []
    for a, (_, old_region, i) in enumerate(lonely_old):
        for b, (_, new_region, j) in enumerate(lonely_new):
            if old_region is new_region and old_region.old[i].parents != new_region.new[j].parents:
                continue  # the same place, in another list: not a move (as in _find_moves)
            score = _similarity(old_region.old[i], new_region.new[j], words)
            if score >= EDITED_MOVE_SIMILARITY:
                scored.append((score, -b, -a))
    moves: list[_Move] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _, minus_b, minus_a in sorted(scored, reverse=True):
        a, b = -minus_a, -minus_b
        if a in used_old or b in used_new:
            continue
        used_old.add(a)
        used_new.add(b)
        old_work, old_region, i = lonely_old[a]
        new_work, new_region, j = lonely_new[b]
        move = _Move(
            first_id + len(moves), old_region.old[i], new_region.new[j], old_work, new_work
        )
        old_region.old_moves[i] = move
        new_region.new_moves[j] = move
        moves.append(move)
    return moves


def _word_texts(block: Block) -> list[str]:
    return [t.text for t in block.tokens if t.is_word]


def _dice(a: Counter[str], b: Counter[str]) -> float:
    """Dice coefficient of two word multisets: 1 for the same words, 0 for none in common."""
    total = a.total() + b.total()
    common = sum(min(count, b[word]) for word, count in a.items() if word in b)
    return 2 * common / total if total else 1.0


def _similarity(old: Block, new: Block, cache: dict[int, Counter[str]]) -> float:
    """Dice coefficient of the two blocks' words; 0 for blocks of different kinds."""
    if old.kind != new.kind or old.attrs != new.attrs:
        return 0.0
    a = cache.get(id(old))
    if a is None:
        a = cache[id(old)] = Counter(_word_texts(old))
    b = cache.get(id(new))
    if b is None:
        b = cache[id(new)] = Counter(_word_texts(new))
    size_a, size_b = a.total(), b.total()
    if not size_a and not size_b:  # two blocks without words: an empty cell, a rule
        return 1.0 if old.tokens == new.tokens else 0.5
    if 2 * min(size_a, size_b) / (size_a + size_b) < PAIR_SIMILARITY:
        return 0.0  # too different in length to reach the threshold
    return _dice(a, b)


def _pair_blocks(
    old: Sequence[Block | None],
    new: Sequence[Block | None],
    items: Collection[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Pair old and new blocks of a replaced run, in order, maximising total similarity.

    ``None`` marks a block already taken by a move. Dynamic programming over the run (as an
    edit-distance alignment); a pair counts only when the blocks are at least
    ``PAIR_SIMILARITY`` alike, so an unlike block stays a deletion or insertion, and only
    inside the same containers: a paired block is shown once, in one list. ``items`` are
    (old, new) pairs of list items whose sub-items are unchanged: edited in place, however
    much their own words changed (as two items, the sub-items could stay under one only).
    """
    n, m = len(old), len(new)
    if not n or not m:
        return []
    cache: dict[int, Counter[str]] = {}
    if (
        all(i == j for i, j in items)
        and n == m
        and all(
            a is not None
            and b is not None
            and a.parents == b.parents
            and _similarity(a, b, cache) >= PAIR_SIMILARITY
            for a, b in zip(old, new, strict=True)
        )
    ):
        return [(i, i) for i in range(n)]  # each block edited in place: the common case
    band = max(n, m) if n * m <= _FULL_PAIRING else 4 + abs(n - m)

    def score(i: int, j: int) -> float:
        a, b = old[i], new[j]
        if a is None or b is None or a.parents != b.parents or abs(i * m // n - j) > band:
            return 0.0
        value = _similarity(a, b, cache)
        if (i, j) in items:
            return max(value, 1.0)
        if a.kind in _CELL_TAGS and a.kind == b.kind:
            # A changed cell is edited in place: deleting one and inserting another would show
            # the row with a column too many.
            return max(value, 0.01)
        return value if value >= PAIR_SIMILARITY else 0.0

    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, above = best[i], best[i - 1]
        for j in range(1, m + 1):
            value = max(above[j], row[j - 1])
            if abs((i - 1) * m // n - (j - 1)) <= band:
                diagonal = score(i - 1, j - 1)
                if diagonal and above[j - 1] + diagonal > value:
                    value = above[j - 1] + diagonal
            row[j] = value
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i and j:
        if best[i][j] == best[i - 1][j]:
            i -= 1
        elif best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i -= 1
            j -= 1
    pairs.reverse()
    return pairs


def _items_of_kept_blocks(work: _SectionWork) -> dict[_Region, set[tuple[int, int]]]:
    """Per region: the (old, new) list items in it around the same equal block (by index).

    An item whose sub-items did not change is the same item, however much its own words did:
    shown as two items, the sub-items could only be under one of them. So is the item around
    that item, when it is in the same region too.
    """
    parts = work.parts
    if not any(
        isinstance(region, _Region)
        and isinstance(after, tuple)
        and region.old
        and region.new
        # The block after the region is inside one of the region's blocks in both versions.
        and after[0].shared > min(len(block.parents) for block in region.old)
        and after[1].shared > min(len(block.parents) for block in region.new)
        for region, after in pairwise(parts)
    ):
        return {}  # the common case: no equal block is inside a block of a region
    elements = work.elements()
    if elements is None:
        return {}
    old_at: dict[int, tuple[_Region, int]] = {}
    new_at: dict[int, tuple[_Region, int]] = {}
    for region in work.regions():
        for i, block in enumerate(region.old):
            old_at[elements.old[id(block)][-1]] = (region, i)
        for j, block in enumerate(region.new):
            new_at[elements.new[id(block)][-1]] = (region, j)
    found: dict[_Region, set[tuple[int, int]]] = {}
    for part in work.parts:
        if not isinstance(part, tuple) or not part[0].parents:
            continue
        old_path, new_path = elements.old[id(part[0])], elements.new[id(part[1])]
        for depth in range(len(old_path) - 2, -1, -1):
            if old_path[depth] not in elements.old_blocks:
                continue  # a list, not an item
            old_item, new_item = old_at.get(old_path[depth]), new_at.get(new_path[depth])
            if old_item is None or new_item is None or old_item[0] is not new_item[0]:
                break  # an equal item, or items in two places
            found.setdefault(old_item[0], set()).add((old_item[1], new_item[1]))
    return found


# -- words --------------------------------------------------------------------------------

# (op, i1, i2, j1, j2) as difflib's opcodes: old[i1:i2] became new[j1:j2].
_Opcode = tuple[SegmentOp | Literal["replace"], int, int, int, int]


def diff_tokens(
    old: Sequence[Hashable],
    new: Sequence[Hashable],
    old_text: Sequence[str],
    new_text: Sequence[str],
) -> list[_Opcode]:
    """Word-level edit script between two token runs, without islands of one short word.

    difflib finds the longest common runs; then, as diff-match-patch's semantic clean-up
    does, an unchanged stretch no longer than the edits on both sides of it ("the" between two
    rewrites) is folded into them, so the redline reads as phrases, not confetti. ``old`` and
    ``new`` are the tokens, or anything equal where they are; ``old_text`` and ``new_text`` the
    tokens as they join the text (``_joined``): their lengths count.
    """
    # The common start and end first, as diff-match-patch does: most edited paragraphs
    # change in one or two places, and difflib then works on those alone.
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    # difflib hashes every token many times and a tuple does not cache its hash: diff ids.
    ids: dict[Hashable, int] = {}
    old_ids = [ids.setdefault(token, len(ids)) for token in old[head : len(old) - tail]]
    new_ids = [ids.setdefault(token, len(ids)) for token in new[head : len(new) - tail]]
    ops: list[_Opcode] = [("equal", 0, head, 0, head)] if head else []
    ops.extend(
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in opcodes(old_ids, new_ids)
    )
    if tail:
        ops.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    if len(ops) < 3:
        return ops
    old_at = list(accumulate(map(len, old_text), initial=0))
    new_at = list(accumulate(map(len, new_text), initial=0))
    k = 1
    while k < len(ops) - 1:
        before, same, after = ops[k - 1], ops[k], ops[k + 1]
        if same[0] == "equal" and before[0] != "equal" and after[0] != "equal":
            length = old_at[same[2]] - old_at[same[1]]
            if length <= max(
                old_at[before[2]] - old_at[before[1]], new_at[before[4]] - new_at[before[3]]
            ) and length <= max(
                old_at[after[2]] - old_at[after[1]], new_at[after[4]] - new_at[after[3]]
            ):
                ops[k - 1 : k + 2] = [("replace", before[1], after[2], before[3], after[4])]
                # Only the stretch before the merged edit can have become foldable: look
                # again from there, as a scan from the start would find nothing earlier.
                k = max(1, k - 2)
                continue
        k += 1
    return ops


def _joined(tokens: Sequence[Token], separator: str) -> list[str]:
    """Each token as it joins the text: with the separator before it unless glued."""
    return [t.text if t.glue else separator + t.text for t in tokens]


def opcodes(a: Sequence[int], b: Sequence[int]) -> list[_Opcode]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``, in 60 % of the time.

    difflib's own steps: the longest matching run (earliest in ``a``, then in ``b``), then the
    same on either side of it, adjacent runs joined. Without junk, difflib's extension of a run
    over junk does nothing; its objects and method calls were 40 % of its time in a redline's
    word diff (tests/test_diff.py holds the two equal).
    """
    b2j: dict[int, list[int]] = {}
    for j, element in enumerate(b):
        b2j.setdefault(element, []).append(j)
    nothing: list[int] = []
    found: list[tuple[int, int, int]] = []
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        best_i, best_j, best_size = alo, blo, 0
        run: dict[int, int] = {}  # b index → length of the match ending there, at a[i - 1]
        for i in range(alo, ahi):
            before = run.get
            run = {}
            for j in b2j.get(a[i], nothing):
                if j < blo:
                    continue
                if j >= bhi:
                    break
                size = run[j] = before(j - 1, 0) + 1
                if size > best_size:
                    best_i, best_j, best_size = i - size + 1, j - size + 1, size
        if best_size:
            found.append((best_i, best_j, best_size))
            if alo < best_i and blo < best_j:
                queue.append((alo, best_i, blo, best_j))
            if best_i + best_size < ahi and best_j + best_size < bhi:
                queue.append((best_i + best_size, ahi, best_j + best_size, bhi))
    found.sort()
    joined: list[tuple[int, int, int]] = []
    i1 = j1 = size1 = 0
    for i2, j2, size2 in found:
        if i1 + size1 == i2 and j1 + size1 == j2:
            size1 += size2
        else:
            if size1:
                joined.append((i1, j1, size1))
            i1, j1, size1 = i2, j2, size2
    if size1:
        joined.append((i1, j1, size1))
    joined.append((len(a), len(b), 0))
    answer: list[_Opcode] = []
    i = j = 0
    for ai, bj, size in joined:
        if i < ai and j < bj:
            answer.append(("replace", i, ai, j, bj))
        elif i < ai:
            answer.append(("delete", i, ai, j, bj))
        elif j < bj:
            answer.append(("insert", i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            answer.append(("equal", ai, i, bj, j))
    return answer


def _segments(old: Block, new: Block) -> tuple[tuple[Segment, ...], int, int]:
    """The word diff of two blocks as segments, with the words added and removed."""
    pre = new.kind == "pre"
    separator = "\n" if pre else " "
    old_tokens, new_tokens = old.tokens, new.tokens
    old_text, new_text = _joined(old_tokens, separator), _joined(new_tokens, separator)
    plain = not any(t.fmt or t.raw for t in old_tokens) and not any(
        t.fmt or t.raw for t in new_tokens
    )
    segments: list[Segment] = []
    added = removed = 0
    # Has the old (new) reading had a word yet? No space before the first words of the block
    # in the reading(s) a segment is in; an equal run keeps it when the other reading already
    # began ("3 Cookies" → "Cookies").
    old_started = new_started = False

    def emit(op: SegmentOp, tokens: Sequence[Token], texts: list[str], strip: bool) -> None:
        text = "".join(texts)
        if plain or not any(token.fmt or token.raw for token in tokens):
            markup = html.escape(text, quote=False)
        else:
            markup = tokens_html(tokens, pre=pre)
        if strip:
            # Only the separator: the first line of code may be indented.
            text, markup = text.lstrip(separator), markup.lstrip(separator)
        segments.append(Segment(op, text, markup))

    # Words without formatting are equal where their texts with the space before them are: a
    # string caches its hash and compares in C.
    old_keys: Sequence[Hashable] = old_text if plain else old_tokens
    new_keys: Sequence[Hashable] = new_text if plain else new_tokens
    for tag, i1, i2, j1, j2 in diff_tokens(old_keys, new_keys, old_text, new_text):
        if tag == "equal":
            emit("equal", new_tokens[j1:j2], new_text[j1:j2], not (old_started or new_started))
            old_started = new_started = True
            continue
        if i1 < i2:
            gone = old_tokens[i1:i2]
            emit("delete", gone, old_text[i1:i2], not old_started)
            old_started = True
            removed += [t.is_word for t in gone].count(True)
        if j1 < j2:
            came = new_tokens[j1:j2]
            emit("insert", came, new_text[j1:j2], not new_started)
            new_started = True
            added += [t.is_word for t in came].count(True)
    return tuple(segments), added, removed


def _whole(op: SegmentOp, block: Block) -> tuple[Segment, ...]:
    return (Segment(op, block.text, block.html),)


# -- the Change value ---------------------------------------------------------------------


class _Entry(NamedTuple):
    """A block of a section's redline: a pair shown once, or a block of one version."""

    op: Literal["equal", "replace", "gone", "came"]
    old: Block | None  # None for "came"
    new: Block | None  # None for "gone"
    move: _Move | None = None

    def block(self) -> Block:
        """The block as the redline shows it: the new one of a pair."""
        block = self.new or self.old
        assert block is not None
        return block


def _block_changes(work: _SectionWork) -> list[BlockChange]:
    entries: list[_Entry] = []
    for part in work.parts:
        if isinstance(part, tuple):
            entries.append(_Entry("equal", *part))
            continue
        region = part
        i = j = 0
        for pi, pj in [*region.pairs, (len(region.old), len(region.new))]:
            while i < pi:
                entries.append(_Entry("gone", region.old[i], None, region.old_moves.get(i)))
                i += 1
            while j < pj:
                entries.append(_Entry("came", None, region.new[j], region.new_moves.get(j)))
                j += 1
            if pi < len(region.old):
                entries.append(_Entry("replace", region.old[pi], region.new[pj]))
                i, j = pi + 1, pj + 1
    if _in_place(work) or (elements := work.elements()) is None:
        # Each block shares with the block before it what it shares with it in its own version.
        return [_block_change(e, e.block().shared) for e in entries]
    return [_block_change(e, shared) for e, shared in _placed(entries, elements)]


def _in_place(work: _SectionWork) -> bool:
    """Every block is paired with one in the same place (the common case: words edited)."""
    for part in work.parts:
        if isinstance(part, tuple):
            if part[0].shared != part[1].shared:
                return False
        elif (
            len(part.pairs) != len(part.old)
            or len(part.pairs) != len(part.new)
            or any(part.old[i].shared != part.new[j].shared for i, j in part.pairs)
        ):
            return False
    return True


def _placed(entries: Sequence[_Entry], elements: _Elements) -> list[tuple[_Entry, int]]:
    """A changed section's blocks in redline order, each with the containers it shares there.

    A block's ``shared`` counts the containers it shares with the block before it in its own
    version; in a redline the block before may come from the other version. So the elements
    around the blocks (lists, list items, tables) are numbered in each version; a pair of
    blocks shown once (equal, or edited) makes the elements around it the same in both. A
    pair whose list items are not the same (a sub-item kept under an item that was replaced
    by another) cannot be shown once: it becomes a deletion under the old item and an
    insertion under the new one. Between pairs, the deleted and inserted blocks are
    interleaved so that each goes on inside the elements it shares with the blocks before it
    (an item inserted into a sub-list comes before the deleted items that follow its parent).
    """
    old_paths, new_paths, old_blocks = elements.old, elements.new, elements.old_blocks
    # Old element → the new element it is, after the new elements around that.
    same: dict[int, tuple[int, ...]] = {}
    taken: set[int] = set()  # new elements that are an old one
    kept: list[_Entry] = []
    for entry in entries:
        if entry.old is None or entry.new is None:
            kept.append(entry)
            continue
        old_path, new_path = old_paths[id(entry.old)], new_paths[id(entry.new)]
        found: list[tuple[int, int]] = []  # (old element, depth) the pair makes the same
        for depth in range(len(new_path) - 1):
            a, b = old_path[depth], new_path[depth]
            known = same.get(a)
            if known is not None and known[-1] == b:
                continue
            if a in old_blocks:
                break  # under another list item in each version
            if known is None and b not in taken:
                found.append((a, depth))
            # Else a container that is another one's in the new text (a list split in two, or
            # two joined): the block goes where the new text has it.
        else:
            for a, depth in (*found, (old_path[-1], len(new_path) - 1)):
                same[a] = new_path[: depth + 1]
                taken.add(new_path[depth])
            kept.append(entry)
            continue
        kept.append(_Entry("gone", entry.old, None))
        kept.append(_Entry("came", None, entry.new))

    def merged(old_path: tuple[int, ...]) -> tuple[int, ...]:
        """An old block's elements: below the innermost one that is a new one, the old ones."""
        for depth in range(len(old_path) - 2, -1, -1):
            known = same.get(old_path[depth])
            if known is not None:
                return known + old_path[depth + 1 :]
        return old_path

    placed: list[tuple[_Entry, int]] = []
    current: tuple[int, ...] = ()  # the elements of the block placed last, outermost first

    def place(entry: _Entry, path: tuple[int, ...]) -> None:
        nonlocal current
        placed.append((entry, _common(path, current)))
        current = path

    gone: list[tuple[_Entry, tuple[int, ...]]] = []
    came: list[tuple[_Entry, tuple[int, ...]]] = []

    def place_between() -> None:
        """The blocks of one version since the last pair, each where it shares the most."""
        i = j = 0
        while i < len(gone) or j < len(came):
            if j == len(came) or (
                i < len(gone) and _common(gone[i][1], current) >= _common(came[j][1], current)
            ):
                place(*gone[i])
                i += 1
            else:
                place(*came[j])
                j += 1
        gone.clear()
        came.clear()

    for entry in kept:
        if entry.new is None:
            assert entry.old is not None
            gone.append((entry, merged(old_paths[id(entry.old)])))
        elif entry.old is None:
            came.append((entry, new_paths[id(entry.new)]))
        else:
            place_between()
            place(entry, new_paths[id(entry.new)])
    place_between()
    return placed


def _element_paths(blocks: Sequence[Block], serial: int) -> tuple[dict[int, tuple[int, ...]], int]:
    """For each block (by ``id``), numbers for the elements around it and for itself."""
    paths: dict[int, tuple[int, ...]] = {}
    previous: tuple[int, ...] = ()
    for block in blocks:
        fresh = len(block.parents) + 1 - block.shared
        previous = previous[: block.shared] + tuple(range(serial, serial + fresh))
        serial += fresh
        paths[id(block)] = previous
    return paths, serial


def _common(path: tuple[int, ...], current: tuple[int, ...]) -> int:
    """How many of the elements around a block are around (or are) the block placed last."""
    limit = min(len(path) - 1, len(current))
    shared = 0
    while shared < limit and path[shared] == current[shared]:
        shared += 1
    return shared


def _block_change(entry: _Entry, shared: int) -> BlockChange:
    old, new = entry.old, entry.new
    if entry.op == "equal" and old is not None and new is not None:
        return _equal(old, new, shared)
    if old is not None and new is not None:
        return _replaced(old, new, shared)
    if old is not None:
        return _gone(old, entry.move, shared)
    assert new is not None
    return _came(new, entry.move, shared)


def _change(
    op: BlockOp,
    block: Block,
    segments: tuple[Segment, ...],
    *,
    old_html: str = "",
    new_html: str = "",
    added: int = 0,
    removed: int = 0,
    shared: int,
    move: _Move | None = None,
    at_source: bool = False,
) -> BlockChange:
    """A BlockChange placed where ``block`` sits (its containers, its attributes)."""
    return BlockChange(
        op,
        block.kind,
        segments,
        old_html=old_html,
        new_html=new_html,
        parents=block.parents,
        shared=shared,
        attrs=block.attrs,
        words_added=added,
        words_removed=removed,
        move_id=move.id if move else 0,
        move_from=move.old_section.anchor if move and not at_source else None,
        move_to=move.new_section.anchor if move and at_source else None,
    )


def _equal(old: Block, new: Block, shared: int) -> BlockChange:
    html = new.html
    return _change(
        "equal",
        new,
        (Segment("equal", new.text, html),),
        old_html=old.html,
        new_html=html,
        shared=shared,
    )


def _replaced(old: Block, new: Block, shared: int) -> BlockChange:
    segments, added, removed = _segments(old, new)
    return _change(
        "replace",
        new,
        segments,
        old_html=old.html,
        new_html=new.html,
        added=added,
        removed=removed,
        shared=shared,
    )


def _gone(block: Block, move: _Move | None, shared: int) -> BlockChange:
    """An old block that is not in the new text where it was: deleted, or moved away."""
    if move is not None:
        return _change(
            "move", block, (), old_html=block.html, shared=shared, move=move, at_source=True
        )
    return _change(
        "delete",
        block,
        _whole("delete", block),
        old_html=block.html,
        removed=block.words,
        shared=shared,
    )


def _came(block: Block, move: _Move | None, shared: int) -> BlockChange:
    """A new block that was not in the old text here: inserted, or moved here."""
    if move is None:
        return _change(
            "insert",
            block,
            _whole("insert", block),
            new_html=block.html,
            added=block.words,
            shared=shared,
        )
    if move.old.key == block.key:
        segments, added, removed = _whole("equal", block), 0, 0
    else:
        segments, added, removed = _segments(move.old, block)
    return _change(
        "move",
        block,
        segments,
        old_html=move.old.html,
        new_html=block.html,
        added=added,
        removed=removed,
        shared=shared,
        move=move,
    )


def _section_change(work: _SectionWork, moved: bool) -> SectionChange:
    blocks = tuple(_block_changes(work))
    added = sum(b.words_added for b in blocks)
    removed = sum(b.words_removed for b in blocks)
    old, new = work.old, work.new
    section = new or old
    assert section is not None
    status: SectionStatus
    retitled = False
    if old is None:
        status = "added"
    elif new is None:
        status = "removed"
    else:
        retitled = " ".join(old.title.split()) != " ".join(new.title.split())
        if moved:
            status = "moved"
        elif retitled:
            status = "retitled"
        elif any(b.op != "equal" for b in blocks) or old.anchor != new.anchor:
            status = "modified"
        else:
            status = "unchanged"
    return SectionChange(
        anchor=section.anchor,
        title=section.title,
        old_title=old.title if old is not None else None,
        status=status,
        words_added=added,
        words_removed=removed,
        old_anchor=old.anchor if old and new and old.anchor != new.anchor else None,
        retitled=retitled,
        level=section.level,
        blocks=blocks,
        old_index=work.old_index,
        new_index=work.new_index,
    )


def accepted_blocks(change: Change, *, accept: bool = True) -> list[tuple[str, str]]:
    """The text a Change says the new (or, with ``accept=False``, the old) version has.

    Every block as (kind, text) after accepting (rejecting) every change: a moved block at its
    new (old) place. Equal to the blocks of the new (old) text for a faithful redline; tests and
    the benchmark check that.
    """
    targets = {b.move_id: b for s in change.sections for b in s.blocks if b.move_from is not None}
    keep: SegmentOp = "insert" if accept else "delete"
    if accept:
        order = sorted((s for s in change.sections if s.new_index is not None), key=_new_index)
    else:
        order = sorted((s for s in change.sections if s.old_index is not None), key=_old_index)
    result: list[tuple[str, str]] = []
    for section in order:
        for block in section.blocks:
            segments = block.segments
            if block.op == "move":
                at_target = block.move_from is not None
                if at_target != accept:
                    continue
                segments = targets[block.move_id].segments
            elif block.op in ("insert", "delete") and block.op != keep:
                continue
            text = "".join(s.text for s in segments if s.op in ("equal", keep))
            result.append((block.kind, text.strip("\n") if block.kind == "pre" else text.strip()))
    return result


def _new_index(section: SectionChange) -> int:
    return section.new_index if section.new_index is not None else -1


def _old_index(section: SectionChange) -> int:
    return section.old_index if section.old_index is not None else -1
