"""Rules on translations of a policy (``policies/<policy>.<locale>.md``): each is a file the site
can publish (a locale of ``locales``, a policy that exists, one file per language, no label of
its own, a ``translates:`` naming a published or pending source version), has exactly the
anchors of the source version it translates (so ``/nb/privacy/#storage`` and
``/privacy/#storage`` are one section), and keeps up with material source versions (a warning;
an error in ``required_locales``, or where the translation is binding too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policysite.check.drafts import Draft, KnownVersion
from policysite.check.findings import Finding, Severity, finding
from policysite.config import Settings
from policysite.errors import PolicyError, PolicySiteError
from policysite.languages import language_name
from policysite.model import Note, Policy, Section, key_line, translation_name
from policysite.sections import split_sections
from policysite.versions import duplicate_message, translation_meta_problem, translation_problem

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    "translation-file": "{detail}",
    "translation-anchor-missing": (
        "the {language} translation has no heading with anchor #{anchor}, which {source}:{at} "
        "has (version {version}: “{title}”); give the heading that translates it the same "
        "anchor, `{{#{anchor}}}`, so deep links land on the same section in both languages."
    ),
    "translation-anchor-extra": (
        "the heading anchor #{anchor} is not in {source} (version {version}); a translation has "
        "exactly the source's anchors: use the anchor of the source's heading this one "
        "translates, or remove the heading."
    ),
    "translation-anchor-implicit": (
        "the heading “{title}” has no `{{#anchor}}`; a translated heading would get another "
        "anchor than the source's, so write the source's anchor after it, e.g. `{{#{suggest}}}`."
    ),
    "translation-behind": (
        'version "{version}" of {source} is material, but this {language} translation still '
        'translates "{translates}": readers in {language} are shown the source instead, with a '
        'banner. Translate the changes and set translates: "{version}".'
    ),
    "translation-required": (
        'version "{version}" of {source} is material and required_locales in mkdocs.yml lists '
        "{locale}, but the {language} translation {state}; translate it and set translates: "
        '"{version}" in {path}.'
    ),
    "translation-binding": (
        "the {language} text is binding as well as the source (binding_locales in mkdocs.yml), "
        'so both must change together: {source} is now version "{version}", but {path} '
        '{state}; update it in this change and set translates: "{version}".'
    ),
}


@dataclass(frozen=True)
class TranslationDraft:
    """A translation file in the working tree: which policy and locale it is, and its parse."""

    draft: Draft
    policy: str
    locale: str


def split_drafts(
    settings: Settings, drafts: Mapping[str, Draft], policies: Iterable[str]
) -> tuple[dict[str, Draft], list[TranslationDraft], list[Finding]]:
    """The policy drafts, the translation drafts, and why a translation file cannot be one."""
    sources = {pid: d for pid, d in drafts.items() if translation_name(f"{pid}.md") is None}
    ids = set(sources) | set(policies)
    found: dict[tuple[str, str], TranslationDraft] = {}
    findings: list[Finding] = []
    for pid, draft in sorted(drafts.items()):
        if pid in sources:
            continue
        relative = settings.in_policies(draft.path)
        named = translation_problem(settings, relative, ids, draft.path)
        if isinstance(named, PolicyError):
            findings.append(_file_finding(named.detail, draft.path))
            continue
        policy, locale = named
        other = found.get((policy, locale))
        if other is not None:
            first = settings.in_policies(other.draft.path)
            findings.append(
                _file_finding(duplicate_message(settings, relative, first, locale), draft.path)
            )
            continue
        found[policy, locale] = TranslationDraft(draft, policy, locale)
    return sources, list(found.values()), findings


def _file_finding(detail: str, path: str) -> Finding:
    return finding(MESSAGES, "translation-file", path, 1, detail=detail)


def check_translation(
    settings: Settings,
    item: TranslationDraft,
    source: Draft | None,
    published: Policy | None,
) -> list[Finding]:
    """A translation's front matter and its anchor parity with the version it translates:
    the source draft's when it names the draft's label, else the published one's."""
    draft = item.draft
    document = draft.document
    if document is None or source is None:
        return []  # front matter already reported; a missing source is split_drafts' finding
    labels = [v.label for v in published.versions] if published else []
    pending = source.document.meta.version if source.document else None
    if pending and pending not in labels:
        labels.append(pending)
    meta = document.meta
    if source.document and pending is None and meta.translates is None and meta.version is None:
        return []  # adopted as it is: no labels to name, and no anchors to hold it to
    problem = translation_meta_problem(meta, labels, source.path)
    if problem is not None:
        message, key = problem
        line = key_line(draft.text, key)
        return [finding(MESSAGES, "translation-file", draft.path, line, detail=message)]
    translates = document.meta.translates
    assert translates is not None
    if translates == pending:
        sections = source.sections
    else:
        assert published is not None
        version = published.get(translates)
        assert version is not None
        sections = _sections(version.body, version.path, version.body_line)
    return _parity(settings, item, draft.sections, sections, source.path, translates)


def _sections(body: str, path: str, first_line: int) -> list[Section]:
    try:
        return split_sections(body, path=path, first_line=first_line, strict=False)
    except PolicySiteError:
        return []


def _parity(
    settings: Settings,
    item: TranslationDraft,
    translated: list[Section],
    source: list[Section],
    source_path: str,
    version: str,
) -> list[Finding]:
    """Every heading anchor of the source in the translation, explicit; none other."""
    draft = item.draft
    language = language_name(item.locale)
    theirs = {s.anchor: s for s in source if s.anchor}
    ours = {s.anchor: s for s in translated if s.anchor}
    findings: list[Finding] = []
    by_position = [s for s in source if s.anchor]
    for index, section in enumerate(s for s in translated if s.anchor):
        if not section.explicit and section.anchor not in theirs:
            suggest = by_position[index].anchor if index < len(by_position) else "anchor"
            findings.append(
                finding(
                    MESSAGES,
                    "translation-anchor-implicit",
                    draft.path,
                    section.line,
                    title=section.title,
                    suggest=suggest,
                )
            )
        elif section.anchor not in theirs:
            findings.append(
                finding(
                    MESSAGES,
                    "translation-anchor-extra",
                    draft.path,
                    section.line,
                    anchor=section.anchor,
                    source=source_path,
                    version=version,
                )
            )
    for anchor, section in theirs.items():
        if anchor not in ours:
            findings.append(
                finding(
                    MESSAGES,
                    "translation-anchor-missing",
                    draft.path,
                    _anchor_line(translated, section, draft),
                    language=language,
                    anchor=anchor,
                    source=source_path,
                    at=str(section.line),
                    version=version,
                    title=section.title,
                )
            )
    return findings


def _anchor_line(translated: list[Section], section: Section, draft: Draft) -> int:
    """Where the missing heading belongs: the translation's last line (or its first heading's)."""
    headings = [s.line for s in translated if s.anchor]
    return headings[-1] if headings else draft.text.count("\n") + 1


def check_left_behind(
    settings: Settings,
    translations: list[TranslationDraft],
    sources: Mapping[str, Draft],
    notes: Mapping[tuple[str, str], Note],
    published: Iterable[Policy],
    versions: Iterable[KnownVersion],
) -> list[Finding]:
    """Each source version new in this change that is material (or, for a binding locale, any
    new version) and that a translation does not translate yet: a warning, or an error for a
    locale in ``required_locales`` or ``binding_locales``."""
    known = {(p.id, v.label) for p in published for v in p.versions}
    new = [v for v in versions if (v.policy, v.version) not in known]
    by_policy: dict[str, dict[str, TranslationDraft]] = {}
    for item in translations:
        by_policy.setdefault(item.policy, {})[item.locale] = item
    findings: list[Finding] = []
    for version in new:
        note = notes.get((version.policy, version.version))
        source = sources.get(version.policy)
        if source is None:
            continue
        material = note is not None and note.material
        ours = by_policy.get(version.policy, {})
        for locale in settings.locales[1:]:
            found = ours.get(locale)
            meta = found.draft.document.meta if found and found.draft.document else None
            translates = meta.translates if meta else None
            if translates == version.version:
                continue
            path = (
                found.draft.path if found else settings.policy_path(f"{version.policy}.{locale}.md")
            )
            state = f'translates "{translates}"' if translates else "does not exist"
            values: dict[str, str] = {
                "version": version.version,
                "source": source.path,
                "language": language_name(locale),
                "locale": locale,
                "path": path,
                "state": state,
            }
            severity: Severity = "error"
            if locale in settings.binding_locales:
                rule = "translation-binding"
            elif not material:
                continue
            elif locale in settings.required_locales:
                rule = "translation-required"
            elif found is not None and translates is not None:
                rule, severity = "translation-behind", "warning"
                values["translates"] = translates
            else:
                continue
            findings.append(Finding(severity, path, 1, rule, MESSAGES[rule].format(**values)))
    return findings
