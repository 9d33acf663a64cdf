"""A Change as the JSON of ``policysite diff --format json`` (the schema in DESIGN.md)."""

from __future__ import annotations

from typing import Any

from policysite.model import Change, Version


def render_json(change: Change) -> dict[str, Any]:
    """``{"policy", "from", "to", "stats", "sections"}``; every section, unchanged ones too."""
    return {
        "policy": change.policy,
        "from": _version(change.old),
        "to": _version(change.new),
        "stats": {
            "words_added": change.words_added,
            "words_removed": change.words_removed,
            "sections_changed": len(change.changed),
        },
        "sections": [
            {
                "anchor": section.anchor,
                "title": section.title,
                "old_title": section.old_title,
                "status": section.status,
                "words_added": section.words_added,
                "words_removed": section.words_removed,
            }
            for section in change.sections
        ],
    }


def _version(version: Version) -> dict[str, Any]:
    return {
        "version": version.label,
        "effective": version.effective.isoformat(),
        "commit": version.commit or None,  # None: the working tree, not a commit
    }
