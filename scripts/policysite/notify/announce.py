"""Which versions are announced, and what the notice says about each.

A material version (changelog ``material: true``) is announced once: when it is upcoming or
took effect within ``announce_window_days``. Older ones are reported as skipped, so adopting a
long history never mails everyone about 2018; ``--version`` forces one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policysite import urls
from policysite.config import Settings
from policysite.diff import compare
from policysite.errors import ConfigError, NotFoundError, PolicySiteError
from policysite.model import Change, Policy, SectionChange, Version
from policysite.notify.compose import Notice, NoticeLinks, NoticeSection, NoticeText
from policysite.render import text_edited
from policysite.versions import find_policy, find_version
from policysite.worktree import NoteTranslation, read_note_translations


@dataclass(frozen=True)
class Candidate:
    """A material version and what ``notify`` does with it."""

    policy: Policy
    version: Version
    action: str  # announce | skip | done
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.policy.id, self.version.label)


def plan_versions(
    settings: Settings,
    policies: list[Policy],
    announced: set[tuple[str, str]],
    today: dt.date,
    *,
    policy: str | None = None,
    version: str | None = None,
    material_only: bool = True,
) -> list[Candidate]:
    """Every material version of the chosen policies, each with announce / skip / done.

    ``announced`` are the (policy, version) already done. With ``material_only`` False every
    published version counts (``webhooks send``: the application hears of each one), by the
    same rule of what is new and what is too old.
    """
    chosen = [find_policy(policies, policy, settings)] if policy else policies
    if version is not None:
        return [_forced(chosen, version, announced, settings)]
    found: list[Candidate] = []
    for item in chosen:
        for candidate in item.versions:
            if material_only and candidate.material is not True:
                continue
            key = (item.id, candidate.label)
            age = (today - candidate.effective).days
            if key in announced:
                found.append(Candidate(item, candidate, "done", "already announced"))
            elif age > settings.announce_window_days:
                found.append(
                    Candidate(
                        item,
                        candidate,
                        "skip",
                        f"took effect {age} days ago, more than announce_window_days "
                        f"({settings.announce_window_days}); force it with --version "
                        f"{candidate.label}",
                    )
                )
            else:
                found.append(Candidate(item, candidate, "announce", _timing(candidate, today)))
    return found


def _forced(
    policies: list[Policy], label: str, announced: set[tuple[str, str]], settings: Settings
) -> Candidate:
    holders = [p for p in policies if p.get(label) is not None]
    if not holders:
        if len(policies) == 1:
            find_version(policies[0], label)  # raises with the labels that exist
        raise NotFoundError(f"no policy has a version '{label}'.")
    if len(holders) > 1:
        names = ", ".join(p.id for p in holders)
        raise NotFoundError(
            f"several policies have a version '{label}' ({names}); choose one with --policy."
        )
    item = holders[0]
    version = find_version(item, label)
    if version.material is None:
        raise NotFoundError(
            f"version {label} of '{item.id}' has no changelog note; add "
            f"{settings.changelog_dir}/{item.id}/{label}.md with `material: true` to announce it."
        )
    if not version.material:
        raise PolicySiteError(
            f"version {label} of '{item.id}' is editorial (material: false in "
            f"{settings.changelog_dir}/{item.id}/{label}.md); only material versions are "
            "announced."
        )
    if (item.id, label) in announced:
        return Candidate(item, version, "done", "already announced")
    return Candidate(item, version, "announce", "forced with --version")


def _timing(version: Version, today: dt.date) -> str:
    days = (version.effective - today).days
    if days > 0:
        return f"upcoming: takes effect in {days} days"
    if days == 0:
        return "takes effect today"
    return f"took effect {-days} days ago"


def previous_version(policy: Policy, version: Version) -> Version | None:
    """The version published just before ``version``; None for the first."""
    index = policy.versions.index(version)
    return policy.versions[index - 1] if index > 0 else None


def change_for(policy: Policy, version: Version) -> Change | None:
    """What ``version`` changed from the version before it; None for a policy's first version."""
    previous = previous_version(policy, version)
    return compare(previous, version) if previous is not None else None


def notice_kind(version: Version, previous: Version | None) -> str:
    """What the notice announces: ``new`` (a policy's first version), ``retirement`` (the
    version that sets or moves ``retired:``) or ``change``."""
    if previous is None:
        return "new"
    if version.retired is not None and version.retired != previous.retired:
        return "retirement"
    return "change"


def build_notice(settings: Settings, policy: Policy, version: Version) -> Notice:
    """The facts one announcement's mail states, with the site's links, from the policy's
    versions as of the day they were loaded (their status says which one is in force)."""
    locales = tuple(t.locale for t in policy.translations if t.of(version.label) is not None)
    return notice_for(settings, version, change_for(policy, version), page_locales=locales)


def notice_for(
    settings: Settings,
    version: Version,
    change: Change | None,
    translations: dict[str, NoteTranslation] | None = None,
    page_locales: tuple[str, ...] = (),
) -> Notice:
    """The notice for ``version``, given what changed from the version before it.

    ``change`` is None (or compares with no text at all) for a policy's first version: the
    mail then says the policy is new instead of listing every section as added. Links are
    those that resolve on the day the mail is read (see ``urls.mail_text_url``): the text of
    ``version`` on its own page unless it is in force (``version.status``) today; a removed
    section in the previous version's page, which keeps it; each change on the change page.
    ``translations`` (by locale) default to the note translations in the working tree. The
    one place a notice is made, for ``notify`` and for the preview a pull request gets.
    ``page_locales``: the locales whose translation renders ``version``; their readers get
    links into it (``/nb/privacy/…``).
    """
    missing = [
        name
        for name, value in (
            ("site_url", settings.site_url),
            ("sender_name", settings.sender_name),
            ("sender_email", settings.sender_email),
            ("postal_address", settings.postal_address),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"the notice mail needs {', '.join(missing)}: set site_url at the top of mkdocs.yml "
            "and sender_name, sender_email, postal_address under the policysite plugin.",
            path="mkdocs.yml",
        )
    site, pid, label = settings.site_url, version.policy, version.label
    in_force = version.status == "current"
    previous = change.old if change is not None and change.old.text else None
    sections: tuple[NoticeSection, ...] = ()
    links = {locale: _links(site, version, change, previous, locale) for locale in page_locales}
    if change is not None and previous is not None:
        source = _links(site, version, change, previous, "")
        sections = tuple(
            NoticeSection(
                anchor=section.anchor,
                title=section.title,
                status=_mail_status(section),
                url=source.sections[section.anchor][0],
                old_title=section.old_title if section.retitled else None,
                change_url=source.sections[section.anchor][1],
            )
            for section in change.changed
        )
    if translations is None:
        translations = read_note_translations(settings, pid, label)
    return Notice(
        policy=pid,
        policy_title=version.title,
        version=label,
        previous_version=previous.label if previous else None,
        effective=version.effective,
        summary=version.note.summary if version.note else "",
        sections=sections,
        policy_url=urls.mail_text_url(site, pid, label, in_force=in_force),
        change_url=urls.change_url(site, pid, label),
        site_name=settings.site_name,
        service_name=settings.service_name or settings.site_name,
        sender_name=settings.sender_name,
        sender_email=settings.sender_email,
        postal_address=settings.postal_address,
        kind=notice_kind(version, previous),
        retired=version.retired,
        source_locale=settings.locales[0],
        translations={
            locale: NoticeText(found.title, found.summary, found.sections)
            for locale, found in sorted(translations.items())
        },
        wording=settings.notice_wording,
        list_id=urls.list_id(pid, message_domain(settings)),
        links=links,
    )


def _links(
    site: str, version: Version, change: Change | None, previous: Version | None, locale: str
) -> NoticeLinks:
    """A notice's links into the pages of ``locale`` ("" for the source's): those that
    resolve on the day the mail is read (see ``urls.mail_text_url``)."""
    pid, label = version.policy, version.label
    in_force = version.status == "current"
    sections: dict[str, tuple[str, str]] = {}
    for section in change.changed if change is not None and previous is not None else ():
        # A removed section is only in the previous text: its archived page keeps it.
        url = (
            urls.mail_text_url(
                site, pid, previous.label, section.anchor, in_force=False, locale=locale
            )
            if section.status == "removed" and previous is not None
            else urls.mail_text_url(
                site, pid, label, section.anchor, in_force=in_force, locale=locale
            )
        )
        change_url = urls.change_section_url(site, pid, label, section.anchor, locale=locale)
        sections[section.anchor] = (url, change_url)
    return NoticeLinks(
        urls.mail_text_url(site, pid, label, in_force=in_force, locale=locale),
        urls.change_url(site, pid, label, locale=locale),
        sections,
    )


def _mail_status(section: SectionChange) -> str:
    """The status a reader is told: a renamed or moved section whose words changed is changed.

    The diff calls a section ``retitled`` (or ``moved``) even when its text changed too; a
    notice that says only "renamed" would hide a change of substance.
    """
    edited = section.status in ("retitled", "moved") and text_edited(section)
    return "modified" if edited else section.status


def message_domain(settings: Settings) -> str:
    """The right-hand side of the notices' Message-IDs: the sender's domain."""
    return settings.sender_email.rpartition("@")[2] or "policysite.invalid"
