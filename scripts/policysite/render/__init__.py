"""A ``Change`` four ways: html (the redline), markdown (a PR comment), text (mail), json.

Each renderer takes the one ``Change`` value that ``diff.compare`` returns; the words used for
statuses and counts live here so every rendering says the same thing.
"""

from __future__ import annotations

from policysite.model import Change, SectionChange, SectionStatus

STATUS_WORDS: dict[SectionStatus, str] = {
    "added": "added",
    "removed": "removed",
    "modified": "modified",
    "retitled": "retitled",
    "moved": "moved",
    "unchanged": "unchanged",
}


def section_title(section: SectionChange) -> str:
    """The section's title, or a stand-in for the text before the first heading."""
    return section.title or "Introduction (before the first heading)"


def word_counts(added: int, removed: int) -> str:
    """``3 words added, 1 removed`` — only the parts that are not zero; "" when both are."""
    parts = []
    if added:
        parts.append(f"{added} word{'s' if added != 1 else ''} added")
    if removed:
        noun = "" if added else f" word{'s' if removed != 1 else ''}"
        parts.append(f"{removed}{noun} removed")
    return ", ".join(parts)


def describe(section: SectionChange) -> str:
    """What happened to a section, in a line: ``retitled (was “3. Cookies”): 1 word added``."""
    head = STATUS_WORDS[section.status]
    if section.retitled and section.status != "retitled":
        head += ", retitled"
    if section.retitled and section.old_title is not None:
        head += f" (was “{section.old_title}”)"
    if section.old_anchor:
        head += f" (anchor was #{section.old_anchor})"
    counts = word_counts(section.words_added, section.words_removed)
    return f"{head}: {counts}" if counts else head


def direction(change: Change) -> str:
    """``1.0 → 1.1``, said to be backwards when the old version is the later one."""
    arrow = f"{change.old.label} → {change.new.label}"
    if change.reverse:
        arrow += " (reverse: from the later version back to the earlier)"
    return arrow


def section_url(base_url: str, change: Change, section: SectionChange) -> str | None:
    """Deep link to a section on the site: the policy page, or the old archive if removed."""
    if not base_url:
        return None
    base = base_url if base_url.endswith("/") else base_url + "/"
    if section.status == "removed":
        page = f"{change.policy}/versions/{change.old.label}/"
    else:
        page = f"{change.policy}/"
    return f"{base}{page}#{section.anchor}" if section.anchor else f"{base}{page}"
