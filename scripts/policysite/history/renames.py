"""Which file became which: renames between a revision and the working tree, matched on the
texts in Python (as git's ``-M`` scores them), so that files git does not track yet count too."""

from __future__ import annotations

from collections.abc import Mapping

_CHUNK = 64  # git's diffcore-delta hashes lines, and splits longer ones into 64-byte pieces


def _chunks(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.splitlines(keepends=True):
        for start in range(0, len(line), _CHUNK):
            piece = line[start : start + _CHUNK]
            counts[piece] = counts.get(piece, 0) + len(piece)
    return counts


def similarity(old: str, new: str) -> float:
    """How much of ``old`` is still in ``new``, as git scores a rename (0 to 1): the bytes of
    their common lines over the larger size."""
    larger = max(len(old), len(new))
    if larger == 0:
        return 1.0
    if min(len(old), len(new)) < larger / 2:
        return 0.0  # git skips these too: less than half could ever match
    new_chunks = _chunks(new)
    common = sum(min(size, new_chunks.get(piece, 0)) for piece, size in _chunks(old).items())
    return common / larger


def match_renames(gone: Mapping[str, str], added: Mapping[str, str]) -> dict[str, str]:
    """Which of the ``gone`` texts (by name) live on as one of the ``added`` ones: identical
    texts first, then the most similar pairs of at least 50 % (git's ``-M`` default). Done in
    Python, so files git does not track yet are followed too."""
    renames: dict[str, str] = {}
    by_text: dict[str, list[str]] = {}
    for name, text in sorted(added.items()):
        by_text.setdefault(text, []).append(name)
    for name, text in sorted(gone.items()):
        if by_text.get(text):
            renames[name] = by_text[text].pop(0)
    taken = set(renames.values())
    scored = sorted(
        (
            (score, old, new)
            for old, old_text in gone.items()
            if old not in renames
            for new, new_text in added.items()
            if new not in taken and (score := similarity(old_text, new_text)) >= 0.5
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    for _, old, new in scored:
        if old not in renames and new not in taken:
            renames[old] = new
            taken.add(new)
    return renames
