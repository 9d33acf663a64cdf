"""A Change as plain text: the changed sections, their titles, counts and deep links.

For the plain-text part of a change notice and for ``policysite diff`` in a terminal.
"""

from __future__ import annotations

from policysite.model import Change
from policysite.render import describe, direction, section_title, section_url, word_counts


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
