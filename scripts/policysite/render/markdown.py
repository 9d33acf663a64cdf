"""Changes as GitHub-flavoured Markdown: the summary comment on a pull request.

Per policy: the version change, material or editorial (from the changelog note), the effective
date and the notice it gives (given ``today``), a table of the changed sections linked to their
anchors on the site, and the redline of each changed section in a collapsible ``<details>``
block. GitHub strips classes, so the redline here has no screen-reader labels; ``<ins>`` and
``<del>`` still read as inserted and deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from policysite.config import Settings
from policysite.model import Change, Version, parse_document
from policysite.render import describe_status, direction, section_title, section_url
from policysite.render.html import render_blocks

# GitHub refuses comments over 65,536 characters; past this the redlines are left out.
MAX_COMMENT_CHARS = 60_000


def render_markdown(
    changes: Sequence[Change], settings: Settings | None = None, *, today: dt.date | None = None
) -> str:
    """One comment for every policy a pull request changes.

    With ``today``, each effective date says how far off it is, and a material version the
    notice its readers get against the site's ``notice_days``.
    """
    if not changes:
        return "No policy text changed.\n"
    site_url = settings.site_url if settings else ""
    changelog_dir = settings.changelog_dir if settings else "changelog"
    notice_days = settings.notice_days if settings else 30
    summaries = [
        _summary(change, site_url, changelog_dir, _effective(change, today, notice_days))
        for change in changes
    ]
    redlines = [_redlines(change) for change in changes]
    full = "\n".join(s + r for s, r in zip(summaries, redlines, strict=True))
    if len(full) <= MAX_COMMENT_CHARS:
        return full
    note = (
        "_The redlines are too long for a comment; run `policysite diff POLICY --format html` "
        "to see them._\n"
    )
    return "\n".join(summaries) + "\n" + note


def _summary(change: Change, site_url: str, changelog_dir: str, effective: str) -> str:
    new = change.new
    lines = [f"### {_escape(new.title)} (`{change.policy}`): {_escape(direction(change))}", ""]
    label = _front_matter_version(new)
    if new.material is True:
        kind = "**Material change**: subscribers will be notified"
    elif new.material is False:
        kind = "Editorial change (not material)"
    elif label and label == _front_matter_version(change.old):
        kind = (
            f'**Version label unchanged** ("{_escape(label)}") though the text changed: give it '
            f"a new `version:` and a note in `{changelog_dir}/{change.policy}/`"
        )
    else:
        note = f"{changelog_dir}/{change.policy}/{label or new.label}.md"
        kind = f"**No changelog note**: add `{note}`"
    changed = change.changed
    lines.append(
        f"{kind} · {effective} · {len(changed)} of "
        f"{len(change.sections)} sections changed · +{change.words_added} "
        f"−{change.words_removed} words"
    )
    lines.append("")
    if not changed:
        lines.append("No changes in the text.")
        return "\n".join(lines) + "\n"
    lines.append("| Section | Change | Words |")
    lines.append("|---|---|---|")
    for section in changed:
        title = _escape(section_title(section))
        url = section_url(site_url, change, section)
        if url:
            cell = f"[{title}]({url})"
        elif section.anchor:
            cell = f"{title} (`#{section.anchor}`)"
        else:
            cell = title
        words = f"+{section.words_added} −{section.words_removed}"
        lines.append(f"| {cell} | {_escape(describe_status(section))} | {words} |")
    return "\n".join(lines) + "\n"


def _effective(change: Change, today: dt.date | None, notice_days: int) -> str:
    """``effective 2021-07-01, 30 days' notice (at least 30)``: the date, and how far off it is.

    Notice is owed for a material version of a policy that existed before (as ``check`` holds
    it); a shortfall is in bold, since the check fails on it.
    """
    new = change.new
    text = f"effective {new.effective.isoformat()}"
    if today is None:
        return text
    days = (new.effective - today).days
    if new.material is not True or not change.old.text:
        when = "today" if days == 0 else f"in {_days(days)}" if days > 0 else f"{_days(-days)} ago"
        return f"{text} ({when})"
    if days >= notice_days:
        return f"{text}, {_notice(days)} (at least {notice_days})"
    if days > 0:
        return f"{text}, **only {_notice(days)} (at least {notice_days} required)**"
    when = "takes effect today" if days == 0 else f"took effect {_days(-days)} ago"
    return f"{text}, **no notice: it {when} (at least {notice_days} days required)**"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _notice(days: int) -> str:
    return "1 day's notice" if days == 1 else f"{days} days' notice"


def _front_matter_version(version: Version) -> str | None:
    return parse_document(version.text, version.path).meta.version if version.text else None


def _redlines(change: Change) -> str:
    titles = {s.anchor: section_title(s) for s in change.sections}
    parts = [""]
    for section in change.changed:
        summary = f"{section_title(section)} — {describe_status(section)}"
        parts.append("<details>")
        parts.append(f"<summary>{_html_escape(summary)}</summary>")
        parts.append("")
        # No blank line inside: GitHub would end the HTML block there and read Markdown.
        parts.append(render_blocks(section, titles, labels=False).replace("\n\n", "\n"))
        parts.append("")
        parts.append("</details>")
        parts.append("")
    return "\n".join(parts)


def _escape(text: str) -> str:
    """Text for a Markdown table cell or heading: no table pipes, links or emphasis."""
    for char in "\\`*_[]|<>":
        text = text.replace(char, "\\" + char)
    return text


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
