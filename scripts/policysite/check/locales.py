"""Rules on note translations: a material version's notice goes to readers in every locale, so
its note should be in each (``changelog/<policy>/<version>.<locale>.md``); a locale listed in
``required_locales`` must have it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from policysite.check.findings import Finding, finding
from policysite.config import Settings
from policysite.languages import language_name
from policysite.model import Note, Policy
from policysite.worktree import read_all_notes

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    "note-translation-missing": (
        'version "{version}" is material, so readers in {language} get its notice, but there '
        "is no {path}: their mail gives the summary in {source} with a sentence saying so. Add "
        "{path} with the note in {language} (`title:` between --- lines gives the policy's "
        "name in it)."
    ),
    "note-translation-required": (
        'version "{version}" is material and required_locales in mkdocs.yml lists {locale}, '
        "but there is no {path}; add it with the note in {language} (`title:` between --- "
        "lines gives the policy's name in it)."
    ),
    "note-translation-orphan": (
        'is a translation of the note of version "{version}", but there is no {note}; add '
        "that note (in {source}), or rename or delete this file."
    ),
}


class _Labelled(Protocol):
    """A version the site will publish, as the check pipeline knows it."""

    @property
    def policy(self) -> str: ...

    @property
    def version(self) -> str: ...


def check_translations(
    settings: Settings,
    notes: Mapping[tuple[str, str], Note],
    published: Iterable[Policy],
    versions: Iterable[_Labelled],
) -> list[Finding]:
    """Every material version new in this change (in ``versions``, not in ``published``) has
    its note in each locale (a warning; an error for ``required_locales``); every translation
    has a note to translate."""
    known = {(p.id, v.label) for p in published for v in p.versions}
    new = [(e.policy, e.version) for e in versions if (e.policy, e.version) not in known]
    translations = read_all_notes(settings).translations
    source = _name(settings.locales[0])
    findings: list[Finding] = []
    for policy, version in new:
        note = notes.get((policy, version))
        if note is None or not note.material:
            continue
        for locale in settings.locales[1:]:
            found = translations.get((policy, version, locale))
            if found is not None and found.summary:
                continue
            required = locale in settings.required_locales
            findings.append(
                finding(
                    MESSAGES,
                    "note-translation-required" if required else "note-translation-missing",
                    note.path,
                    1,
                    "error" if required else "warning",
                    version=version,
                    locale=locale,
                    language=_name(locale),
                    source=source,
                    path=f"{settings.changelog_dir}/{policy}/{version}.{locale}.md",
                )
            )
    for (policy, version, _), found in sorted(translations.items()):
        if (policy, version) not in notes:
            findings.append(
                finding(
                    MESSAGES,
                    "note-translation-orphan",
                    found.path,
                    1,
                    "warning",
                    version=version,
                    note=f"{settings.changelog_dir}/{policy}/{version}.md",
                    source=source,
                )
            )
    return findings


def _name(locale: str) -> str:
    """A locale's name in English (``nb`` → ``Norwegian Bokmål``), as the check speaks."""
    return language_name(locale)
