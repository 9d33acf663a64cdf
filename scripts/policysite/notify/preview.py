"""``notify --preview``: the notice a pull request's material versions would mail, as files.

For review before anything is published: the text and changelog notes come from the working
tree (the pull request, not merged yet), the comparison from ``changes.changes_since``, and the
mail from the notifier's own code (``announce.notice_for``, ``Composer``), addressed to a
sample person in each configured language. No database, no SMTP: nothing is stored or sent.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

import yaml

from policysite.changes import WORKING_TREE, changes_since
from policysite.config import (
    CONFIG_FILE,
    WORDING_KEYS,
    Settings,
    read_config_text,
    settings_from_config,
)
from policysite.errors import PolicyError, PolicySiteError
from policysite.files import write_atomic
from policysite.history import read_file_at
from policysite.history.repository import find_repository
from policysite.model import Change, Version, parse_document
from policysite.notify.announce import message_domain, notice_for
from policysite.notify.compose import TEMPLATE_DIR, Composer, Recipient, format_date_header

SAMPLE_NAME = "Kari Nordmann"
SAMPLE_EMAIL = "kari@example.com"


@dataclass(frozen=True)
class PreviewFile:
    """One file of the preview: its path inside the preview folder and its bytes."""

    relative: str
    data: bytes


@dataclass(frozen=True)
class PreviewPlan:
    """The material versions a pull request proposes, and why each other change is not one."""

    material: tuple[Change, ...]
    skipped: tuple[tuple[Change, str], ...]


def plan_preview(settings: Settings, base: str, policy: str | None = None) -> PreviewPlan:
    """Every policy whose working-tree text is a new, material version compared with ``base``."""
    material: list[Change] = []
    skipped: list[tuple[Change, str]] = []
    for change in changes_since(settings, base, policy):
        reason = _not_material(settings, change)
        if reason:
            skipped.append((change, reason))
        else:
            material.append(change)
    return PreviewPlan(tuple(material), tuple(skipped))


def _not_material(settings: Settings, change: Change) -> str:
    """Why this change is announced to nobody; "" when it is a material new version."""
    new = change.new
    note = f"{settings.changelog_dir}/{change.policy}/{new.label}.md"
    if not new.text:
        return "the policy is deleted"
    if new.label.endswith(f"({WORKING_TREE})"):
        return "the text changed but its version label did not"
    if new.material is None:
        return f"no changelog note ({note})"
    if not new.material:
        return f"editorial (material: false in {note})"
    return ""


def render_preview(
    settings: Settings, change: Change, *, today: dt.date, now: dt.datetime
) -> list[PreviewFile]:
    """The mail for ``change.new`` in every configured language: .eml, and its .html and .txt.

    The .eml is byte for byte what ``notify`` would send the sample person (same notice, same
    template, same fill); the .html and .txt are its two parts as a reader sees them.
    """
    change = replace(
        change, old=_as_published(change.old, today), new=_as_published(change.new, today)
    )
    notice = notice_for(settings, change.new, change)
    composer = Composer(settings.root / TEMPLATE_DIR, settings.locales)
    date = format_date_header(now)
    files: list[PreviewFile] = []
    for locale in composer.locales:
        stem = f"{change.policy}-{change.new.label}-{locale}"
        digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:20]
        recipient = Recipient(
            SAMPLE_EMAIL,
            SAMPLE_NAME,
            locale,
            "",
            f"<preview.{digest}@{message_domain(settings)}>",
        )
        data = composer.build(notice, locale, today=today).render(recipient, date)
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        files.append(PreviewFile(f"{stem}.eml", data))
        for kind in ("html", "plain"):
            part = message.get_body((kind,))
            assert isinstance(part, EmailMessage)
            text = part.get_content().replace("\r\n", "\n")
            extension = "txt" if kind == "plain" else kind
            files.append(PreviewFile(f"{stem}.{extension}", text.encode("utf-8")))
    return files


def _as_published(version: Version, today: dt.date) -> Version:
    """A working-tree or base version as ``notify`` will see it once merged: in force (the
    latest text) when its effective day has come, else upcoming; ``retired`` from its text."""
    retired = None
    if version.text:
        try:
            retired = parse_document(version.text, version.path).meta.retired
        except PolicyError:
            retired = None
    in_force = version.effective <= today
    return replace(version, status="current" if in_force else "upcoming", retired=retired)


WORDING_FILE = "notice-wording.md"


def wording_change(settings: Settings, base: str) -> list[str]:
    """The notice's legal wording (``notice_wording`` in mkdocs.yml) where it differs from
    ``base``, as Markdown lines for the pull request (empty: unchanged)."""
    top = find_repository(settings.root)
    if top is None:
        return []
    relative = (settings.root / CONFIG_FILE).resolve().relative_to(top.resolve()).as_posix()
    found = read_file_at(settings.root, base, [relative])
    before: dict[str, dict[str, str]] = {}
    if found.text is not None:
        try:
            config = read_config_text(found.text)
            before = settings_from_config(settings.root, config).notice_wording
        except (yaml.YAMLError, PolicySiteError, AttributeError):
            before = {}
    lines = []
    for locale in settings.locales:
        for key in WORDING_KEYS:
            old = before.get(locale, {}).get(key, "")
            new = settings.notice_wording.get(locale, {}).get(key, "")
            if old != new:
                shown = new or "(the template's neutral default)"
                lines.append(f"- **{locale} {key}**: {shown}")
    if not lines:
        return []
    return [
        "The legal wording of the notice mail changes (`notice_wording` in mkdocs.yml); every "
        "reader gets it with the next notice:",
        "",
        *lines,
    ]


def write_preview(folder: Path, files: list[PreviewFile]) -> list[Path]:
    """Write each file through a temporary file and a rename: none is ever seen half-written."""
    written = []
    for file in files:
        target = folder / file.relative
        try:
            write_atomic(target, file.data)
        except OSError as exc:
            raise PolicySiteError(
                f"cannot write the mail preview into {target.parent}: {exc.strerror}; choose "
                "another folder or fix its permissions."
            ) from None
        written.append(target)
    return written


def preview_mail(
    settings: Settings,
    folder: Path,
    base: str = "HEAD",
    policy: str | None = None,
    *,
    today: dt.date,
    now: dt.datetime | None = None,
) -> tuple[PreviewPlan, dict[str, list[Path]]]:
    """Plan, render every mail, then write them: a bad template or setting writes nothing.

    Returns the plan and, per material policy, the files written.
    """
    plan = plan_preview(settings, base, policy)
    moment = now or dt.datetime.now(dt.UTC)
    rendered = {
        change.policy: render_preview(settings, change, today=today, now=moment)
        for change in plan.material
    }
    wording = wording_change(settings, base)
    if wording:
        text = "\n".join(wording) + "\n"
        rendered[WORDING_FILE] = [PreviewFile(WORDING_FILE, text.encode("utf-8"))]
    return plan, {pid: write_preview(folder, files) for pid, files in rendered.items()}


def describe_preview(plan: PreviewPlan, written: dict[str, list[Path]], base: str) -> list[str]:
    """What the preview did, a line per policy, for the CLI (and a CI log)."""
    lines = [
        f"skip     {change.policy} {change.old.label} → {change.new.label}: {reason}"
        for change, reason in plan.skipped
    ]
    for path in written.get(WORDING_FILE, []):
        lines.append(f"wording  the notice's legal wording changes: {path}")
    for change in plan.material:
        names = ", ".join(str(path) for path in written.get(change.policy, []))
        lines.append(
            f"preview  {change.policy} {change.old.label} → {change.new.label} (material, "
            f"effective {change.new.effective}): {names}"
        )
    if not plan.material:
        nothing = "" if written else ", nothing written"
        lines.append(f"No material version since {base}: no notice mail to preview{nothing}.")
    return lines
