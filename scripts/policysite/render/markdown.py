"""Changes as GitHub-flavoured Markdown: the summary comment on a pull request.

Per policy: what the change is (a new version, a new policy, a retirement, a deletion), material
or editorial (from the changelog note), the effective date and the notice it gives (given
``today``), a table of the changed sections linked to their anchors on the site, and the
redline of each changed section in a collapsible ``<details>`` block; then each note of a
published version the pull request changed. GitHub strips classes, so the redline here has no
screen-reader labels; ``<ins>`` and ``<del>`` still read as inserted and deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from policysite import urls
from policysite.changes import LeftBehind, NoteChange
from policysite.config import Settings
from policysite.languages import language_name
from policysite.model import Change, SectionChange, Version, parse_document
from policysite.render import describe_status, direction, section_title, section_url
from policysite.render.html import render_blocks

# GitHub refuses comments over 65,536 characters; past this the redlines are left out.
MAX_COMMENT_CHARS = 60_000


def render_markdown(
    changes: Sequence[Change],
    settings: Settings | None = None,
    *,
    today: dt.date | None = None,
    notes: Sequence[NoteChange] = (),
    behind: Sequence[LeftBehind] = (),
) -> str:
    """One comment for every policy a pull request changes, and every published note.

    With ``today``, each effective date says how far off it is, and a material version (or a
    retirement) the notice its readers get against the site's ``notice_days``.
    """
    edited = "\n".join(_note_change(item) for item in notes)
    if not changes:
        return "No policy text changed.\n" + ("\n" + edited if edited else "")
    site_url = settings.site_url if settings else ""
    changelog_dir = settings.changelog_dir if settings else "changelog"
    notice_days = settings.notice_days if settings else 30
    summaries = [
        _summary(change, site_url, changelog_dir, _effective(change, today, notice_days))
        for change in changes
    ]
    summaries[-1] += ("\n" + edited) if edited else ""
    summaries[-1] += _left_behind(behind, site_url)
    redlines = [_redlines(change) if change.new.text else "" for change in changes]
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
    if not new.text:  # the file is gone
        return (
            f"### {_escape(change.old.title)} (`{change.policy}`): deleted\n\n"
            "**Policy deleted**: its published versions stay on the site only if it is retired "
            "instead; the check says how (`policy-deleted`).\n"
        )
    added = not change.old.text
    head = f"new policy, version {new.label}" if added else direction(change)
    lines = [f"### {_escape(new.title)} (`{change.policy}`): {_escape(head)}", ""]
    changed = change.changed
    parts = [_kind(change, changelog_dir), effective]
    lines.append(" · ".join([*parts, _extent(change)] if changed else parts))
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
        lines.append(f"| {cell} | {_escape(describe_status(section))} | {_words(section)} |")
    return "\n".join(lines) + "\n"


def _left_behind(behind: Sequence[LeftBehind], site_url: str) -> str:
    """The translations the change leaves behind, each with the redline a translator needs."""
    if not behind:
        return ""
    lines = ["", "**Translations this change leaves behind**", ""]
    for item in behind:
        was = (
            f"translates {_escape(item.translates)}" if item.translates else "has no `translates:`"
        )
        line = (
            f"- `{item.path}` ({language_name(item.locale)}) {was}, not {_escape(item.version)}: "
            "its readers keep the older translation, with a banner sending them to the new text, "
            "until it is updated"
        )
        if item.translates and site_url:
            query = urls.compare_query(item.translates, item.version)
            line += f" ([what changed since {_escape(item.translates)}]"
            line += f"({urls.versions_url(site_url, item.policy)}{query}))"
        lines.append(line + ".")
    return "\n".join(lines) + "\n"


def _kind(change: Change, changelog_dir: str) -> str:
    """What the version is, and whether subscribers are told: from its kind and its note."""
    new = change.new
    label = _front_matter_version(new)
    if new.material is None:
        if label and label == _front_matter_version(change.old):
            return (
                f'**Version label unchanged** ("{_escape(label)}") though the text changed: give '
                f"it a new `version:` and a note in `{changelog_dir}/{change.policy}/`"
            )
        note = f"{changelog_dir}/{change.policy}/{label or new.label}.md"
        return f"**No changelog note**: add `{note}`"
    if not change.old.text:
        told = "subscribers will be told it is introduced" if new.material else "no notice mail"
        return f"**New policy**: {told}"
    if new.kind == "retirement":
        if new.material:
            return "**Retirement**: the policy is withdrawn; subscribers will be notified"
        return "**Retirement**, marked editorial: **nobody is told** the policy is withdrawn"
    if new.material:
        return "**Material change**: subscribers will be notified"
    return "Editorial change (not material)"


def _extent(change: Change) -> str:
    """How much of the text changed: sections and words, or what kind of change it is."""
    if not change.old.text:
        count, words = len(change.sections), change.words_added
        return f"{_plural(count, 'section')}, {_plural(words, 'word')}"
    changed = change.changed
    sections = f"{len(changed)} of {len(change.sections)} sections changed"
    if change.words_added == change.words_removed == 0:
        return f"{sections} · punctuation or formatting only"
    return f"{sections} · +{change.words_added} −{change.words_removed} words"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _words(section: SectionChange) -> str:
    if section.words_added == section.words_removed == 0 and section.status == "modified":
        return "punctuation only"
    return f"+{section.words_added} −{section.words_removed}"


def _note_change(item: NoteChange) -> str:
    """A note of a published version the pull request edited or deleted: what changed, and
    that the check refuses it."""
    title = f"### Changelog note of `{item.policy}` {_escape(item.version)}, already published"
    if item.new is None:
        what = f"**Deleted** (`{item.old.path}`)"
    elif item.new.material != item.old.material:
        was = "true" if item.old.material else "false"
        now = "true" if item.new.material else "false"
        what = f"**`material:` changed** from `{was}` to `{now}`"
    else:
        what = "**Summary edited**"
    return (
        f"{title}\n\n{what}: readers and the mail already had it as published, so the check "
        "refuses this (`note-changed`); say what is new in the next version's note.\n"
    )


def _effective(change: Change, today: dt.date | None, notice_days: int) -> str:
    """``effective 2021-07-01, 30 days' notice (at least 30)``: the date, and how far off it is.

    Notice is owed for a material version of a policy that existed before, and before a
    policy is withdrawn (as ``check`` holds it); a shortfall is in bold, since the check fails.
    """
    new = change.new
    text = f"effective {new.effective.isoformat()}"
    if new.kind == "retirement" and new.retired is not None:
        text += f", withdrawn on {new.retired.isoformat()}"
        if today is None:
            return text
        withdrawn = ("is withdrawn", "was withdrawn")
        return text + _notice_given((new.retired - today).days, notice_days, withdrawn)
    if today is None:
        return text
    days = (new.effective - today).days
    if new.material is not True or not change.old.text:
        when = "today" if days == 0 else f"in {_days(days)}" if days > 0 else f"{_days(-days)} ago"
        return f"{text} ({when})"
    return text + _notice_given(days, notice_days, ("takes effect", "took effect"))


def _notice_given(days: int, notice_days: int, event: tuple[str, str]) -> str:
    """``, 30 days' notice (at least 30)``, in bold when short; ``event`` says what happens
    (present, past): it "takes effect" or "is withdrawn"."""
    if days >= notice_days:
        return f", {_notice(days)} (at least {notice_days})"
    if days > 0:
        return f", **only {_notice(days)} (at least {notice_days} required)**"
    when = f"{event[0]} today" if days == 0 else f"{event[1]} {_days(-days)} ago"
    return f", **no notice: it {when} (at least {notice_days} days required)**"


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
