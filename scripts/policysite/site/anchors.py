"""Old anchors and where their sections are now, so deep links in old mails keep working.

Two sources: the renames the diffs saw between versions, and a version's ``anchor_aliases``
front matter. A version page gets the aliases that no longer exist on it (the site's script
follows them).
"""

from __future__ import annotations

import functools

from policysite.model import Policy, Version
from policysite.sections import split_sections
from policysite.site.redlines import Redline


@functools.lru_cache(maxsize=4096)
def _anchors_of(body: str, path: str, first_line: int) -> frozenset[str]:
    sections = split_sections(body, path=path, first_line=first_line)
    return frozenset(s.anchor for s in sections if s.anchor)


def renames_by_version(policy: Policy, changes: dict[str, Redline]) -> dict[str, dict[str, str]]:
    """For each version: anchors of older versions that the diffs saw renamed → their anchor now.

    One pass over the history (not one per page): a rename is carried forward through later
    renames, and dropped when its section is removed.
    """
    mapping: dict[str, str] = {}
    result: dict[str, dict[str, str]] = {}
    for index, version in enumerate(policy.versions):
        if index:
            change, _ = changes[version.label]
            renamed = {s.old_anchor: s.anchor for s in change.sections if s.old_anchor and s.anchor}
            removed = {s.anchor for s in change.sections if s.status == "removed"}
            mapping = {
                old: renamed.get(now, now) for old, now in mapping.items() if now not in removed
            }
            mapping.update(renamed)
        result[version.label] = dict(mapping)
    return result


def anchor_aliases(renames: dict[str, str], version: Version) -> dict[str, str]:
    """Old anchors that no longer exist in ``version`` → the anchor that section has now.

    From the version's ``anchor_aliases`` and from ``renames`` (every rename the diffs found on
    the way from older versions), so deep links in old mails land on the renamed section.
    """
    mapping = {**renames, **version.anchor_aliases}
    if not mapping:
        return {}  # most versions: nothing renamed, so no need to read the text's anchors
    present = _anchors_of(version.body, version.path, version.body_line)
    return {
        old: now for old, now in sorted(mapping.items()) if old not in present and now in present
    }
