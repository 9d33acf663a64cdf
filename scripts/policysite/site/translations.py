"""The site in each translation's language: ``/nb/privacy/``, its versions, its change pages
(the redline between the translations of two source versions), ``/nb/`` and ``/nb/changes/``.

A page shows the translation of the version it is about; when the translation is of an earlier
version, a banner says so and links the source's text ("stale"). Every translated page says
which text is binding. The language switcher links each page to the same page in the other
languages (the script keeps the reader's section: anchors are the same, see check/translations).
The site's own words come from ``STRINGS`` (English for a locale it lacks); dates are Babel's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policysite import render, urls
from policysite.languages import language_name
from policysite.model import Rendering, Translation, Version
from policysite.site.feed import FeedEntry, feed_order, write_feed
from policysite.site.pages import PolicyContext, SitePage
from policysite.site.pdf import PdfWords
from policysite.site.redlines import RedlineCache, RedlineLinks
from policysite.site.text import banner, format_date, kind_of, md, rebase_links
from policysite.urls import page_link as link

# The site's own words per language; {names} are filled in. A locale missing here reads English.
# ``js.`` keys are what policysite.js writes (each page carries its language's: script_strings);
# ``redline.`` keys are the redline's words in that language (English: render.WORDS).
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "version": "Version {label}",
        "effective": "effective {date}",
        "what_changed": "What changed",
        "all_versions": "All versions",
        "binding": "Translation for information; the {source} text prevails.",
        "both_binding": "The {language} and the {source} texts are equally binding.",
        "binding_title": "Translation",
        "stale_title": "This translation is behind",
        "stale": (
            "This translation is of version {translated}. Version {label}, in force since "
            "{date}, is available in [{source}]({url}). [What changed since version "
            "{translated}]({changes})."
        ),
        "version_stale": (
            "This translation is of version {translated}; version {label} itself is available "
            "in [{source}]({url})."
        ),
        "upcoming_title": "Not in effect yet",
        "upcoming": "This translation is of version {label}, which takes effect on {date}.",
        "archived_title": "Archived version",
        "archived": "This version applied from {start}; the current version is {current}.",
        "current_title": "Current version",
        "current": "This is the version in force since {date}.",
        "versions_intro": "Every version of the {title} translated into {language}, newest first.",
        "read": "Read",
        "pdf": "PDF",
        "pdf_link": "This version as a PDF",
        # What a PDF says around the text: the English of site/pdf.PdfWords, written once there.
        **{
            f"pdf.{field.name}": field.default
            for field in dataclasses.fields(PdfWords)
            if field.name != "statement" and isinstance(field.default, str)
        },
        "untranslated": "not translated; [in {source}]({url})",
        "change_summary": "Summary",
        "change_redline": "Redline of the translation",
        "change_source": "[The changes in {source}]({url}), section by section.",
        "change_untranslated": (
            "The translation did not change with this version: it is of version {translated}. "
            "[The changes in {source}]({url})."
        ),
        "first_version": "First version, effective {date}",
        "from_to": "From version {old} to version {new}",
        "home_title": "Policies",
        "home_table": "| Policy | Version | In force since | Translation |",
        "status_current": "current",
        "status_stale": "of version {translated}",
        "status_upcoming": "of upcoming version {translated}",
        "changes_title": "All changes",
        "all_changes": "Every change to every policy",
        "changes_feed": "Also as an [Atom feed]({url}).",
        "feed_title": "{site}: changes",
        "feed_entry": "{title} {label} ({kind}), effective {date}",
        "no_summary": "No summary was published for this version.",
        "languages": "Languages",
        "kind.material": "material",
        "kind.editorial": "editorial",
        "kind.none": "no note",
        "changes_table": "| Effective | Policy | Version | Kind |",
        # What policysite.js writes (the page carries them: script_strings).
        "js.load_error": "The version tools could not load: {error}",
        "js.in_force_label": "Show the policy in force on ",
        "js.show": "Show",
        "js.none_in_force": (
            "No version of this policy was in force on {date}; the first took effect on {first}."
        ),
        "js.compare_label": "Compare version ",
        "js.compare_with": " with ",
        "js.compare": "Compare",
        "js.not_a_version": (
            "Version {version} is not a version of this policy; choose two from the lists."
        ),
        "js.choose_two": "Choose two different versions.",
        "js.comparing": "Comparing…",
        "js.compare_error": "Could not compare: {error}",
        "js.version_section": "Version {version}: {title}",
        "js.compare_summary": (
            "From version {from} to version {to}: {passages} changed, {added} added, "
            "{removed} removed."
        ),
        "js.passages.one": "{n} passage",
        "js.passages.other": "{n} passages",
        "js.words.one": "{n} word",
        "js.words.other": "{n} words",
        "js.previous_change": "Previous change",
        "js.next_change": "Next change",
        "js.show_unchanged": "Show the unchanged text too",
        "js.keys": "or keys {k} and {j}",
        "js.counter": "Change {n} of {total}",
        "js.versions_of": "Versions of the {title}",
        "js.no_such_version": (
            "There is no version {version} of this policy. These are its versions, newest first:"
        ),
        "js.its_versions": "These are the versions of this policy, newest first:",
        "js.version": "Version {version}",
        "js.effective": ", effective {date}",
        "js.status.current": "current",
        "js.status.upcoming": "upcoming",
        "js.status.retired": "retired",
        "js.filter_policy": "Policy ",
        "js.all_policies": "All policies",
        "js.filter_kind": " Kind ",
        "js.all_kinds": "All kinds",
        "js.showing": "Showing {shown} of {total} versions.",
    },
    "nb": {
        "version": "Versjon {label}",
        "effective": "gjelder fra {date}",
        "what_changed": "Hva er endret",
        "all_versions": "Alle versjoner",
        "binding": "Oversettelse til informasjon; den {source_lower}e teksten gjelder.",
        "both_binding": "Den norske og den {source_lower}e teksten er like bindende.",
        "binding_title": "Oversettelse",
        "stale_title": "Denne oversettelsen er ikke oppdatert",
        "stale": (
            "Denne oversettelsen er av versjon {translated}. Versjon {label}, som gjelder fra "
            "{date}, finnes på [{source_lower}]({url}). [Hva er endret siden versjon "
            "{translated}]({changes})."
        ),
        "version_stale": (
            "Denne oversettelsen er av versjon {translated}; selve versjon {label} finnes på "
            "[{source_lower}]({url})."
        ),
        "upcoming_title": "Gjelder ikke ennå",
        "upcoming": "Denne oversettelsen er av versjon {label}, som gjelder fra {date}.",
        "archived_title": "Arkivert versjon",
        "archived": "Denne versjonen gjaldt fra {start}; gjeldende versjon er {current}.",
        "current_title": "Gjeldende versjon",
        "current": "Dette er versjonen som har gjeldt siden {date}.",
        "versions_intro": "Alle versjoner av {title} oversatt til norsk, nyeste først.",
        "read": "Les",
        "pdf": "PDF",
        "pdf_link": "Denne versjonen som PDF",
        "pdf.heading": "Versjon {label} · gjelder fra {date}",
        "pdf.footer": "{title} · versjon {label} · gjelder fra {date}",
        "pdf.document": "{title} — versjon {label}",
        "pdf.online": "På nett:",
        "pdf.sha256": "Tekstens sha256:",
        "pdf.pages": "Side {page} av {pages}",
        "untranslated": "ikke oversatt; [på {source_lower}]({url})",
        "change_summary": "Sammendrag",
        "change_redline": "Endringer i oversettelsen",
        "change_source": "[Endringene på {source_lower}]({url}), avsnitt for avsnitt.",
        "change_untranslated": (
            "Oversettelsen ble ikke endret med denne versjonen: den er av versjon {translated}. "
            "[Endringene på {source_lower}]({url})."
        ),
        "first_version": "Første versjon, gjelder fra {date}",
        "from_to": "Fra versjon {old} til versjon {new}",
        "home_title": "Retningslinjer",
        "home_table": "| Retningslinje | Versjon | Gjelder fra | Oversettelse |",
        "status_current": "oppdatert",
        "status_stale": "av versjon {translated}",
        "status_upcoming": "av kommende versjon {translated}",
        "changes_title": "Alle endringer",
        "all_changes": "Alle endringer i alle retningslinjer",
        "changes_feed": "Også som [Atom-feed]({url}).",
        "feed_title": "{site}: endringer",
        "feed_entry": "{title} {label} ({kind}), gjelder fra {date}",
        "no_summary": "Det ble ikke publisert noe sammendrag for denne versjonen.",
        "languages": "Språk",
        "kind.material": "vesentlig",
        "kind.editorial": "redaksjonell",
        "kind.none": "uten merknad",
        "changes_table": "| Gjelder fra | Retningslinje | Versjon | Type |",
        "js.load_error": "Versjonsverktøyene kunne ikke lastes: {error}",
        "js.in_force_label": "Vis retningslinjen som gjaldt ",
        "js.show": "Vis",
        "js.none_in_force": (
            "Ingen versjon av denne retningslinjen gjaldt {date}; den første gjaldt fra {first}."
        ),
        "js.compare_label": "Sammenlign versjon ",
        "js.compare_with": " med ",
        "js.compare": "Sammenlign",
        "js.not_a_version": (
            "Versjon {version} er ikke en versjon av denne retningslinjen; velg to fra listene."
        ),
        "js.choose_two": "Velg to forskjellige versjoner.",
        "js.comparing": "Sammenligner…",
        "js.compare_error": "Kunne ikke sammenligne: {error}",
        "js.version_section": "Versjon {version}: {title}",
        "js.compare_summary": (
            "Fra versjon {from} til versjon {to}: {passages} endret, {added} lagt til, "
            "{removed} fjernet."
        ),
        "js.passages.one": "{n} tekstbit",
        "js.passages.other": "{n} tekstbiter",
        "js.words.one": "{n} ord",
        "js.words.other": "{n} ord",
        "js.previous_change": "Forrige endring",
        "js.next_change": "Neste endring",
        "js.show_unchanged": "Vis også teksten som ikke er endret",
        "js.keys": "eller tastene {k} og {j}",
        "js.counter": "Endring {n} av {total}",
        "js.versions_of": "Versjoner av {title}",
        "js.no_such_version": (
            "Det finnes ingen versjon {version} av denne retningslinjen. Dette er versjonene, "
            "nyeste først:"
        ),
        "js.its_versions": "Dette er versjonene av denne retningslinjen, nyeste først:",
        "js.version": "Versjon {version}",
        "js.effective": ", gjelder fra {date}",
        "js.status.current": "gjeldende",
        "js.status.upcoming": "kommende",
        "js.status.retired": "opphevet",
        "js.filter_policy": "Retningslinje ",
        "js.all_policies": "Alle retningslinjer",
        "js.filter_kind": " Type ",
        "js.all_kinds": "Alle typer",
        "js.showing": "Viser {shown} av {total} versjoner.",
        # The redline's words (render.WORDS has them in English).
        "redline.status.added": "lagt til",
        "redline.status.removed": "fjernet",
        "redline.status.modified": "endret",
        "redline.status.retitled": "ny tittel",
        "redline.status.moved": "flyttet",
        "redline.status.unchanged": "uendret",
        "redline.was_title": "het «{title}»",
        "redline.anchor_was": "ankeret var #{anchor}",
        "redline.words.one": "{n} ord",
        "redline.words.other": "{n} ord",
        "redline.count_added": "{count} lagt til",
        "redline.count_removed": "{count} fjernet",
        "redline.paragraph.one": "{n} avsnitt",
        "redline.paragraph.other": "{n} avsnitt",
        "redline.list_item.one": "{n} listepunkt",
        "redline.list_item.other": "{n} listepunkter",
        "redline.table_cell.one": "{n} tabellcelle",
        "redline.table_cell.other": "{n} tabellceller",
        "redline.block.one": "{n} blokk",
        "redline.block.other": "{n} blokker",
        "redline.moved_here": "{count} flyttet hit",
        "redline.moved_away": "{count} flyttet bort",
        "redline.punctuation_only": "bare tegnsetting eller formatering",
        "redline.introduction": "Innledning (før første overskrift)",
        "redline.reverse": "omvendt: fra den senere versjonen tilbake til den tidligere",
        "redline.versions": "Versjoner {direction}.",
        "redline.section_moved": "Delen «{title}» stod her; den er flyttet {where}.",
        "redline.below": "lenger ned",
        "redline.above": "lenger opp",
        "redline.moved_to": "Flyttet til {link}.",
        "redline.moved_from": "Flyttet hit fra {link}:",
        "redline.inserted": "satt inn",
        "redline.deleted": "slettet",
        "redline.unchanged.p.one": "{n} uendret avsnitt",
        "redline.unchanged.p.other": "{n} uendrede avsnitt",
        "redline.unchanged.list.one": "{n} uendret liste",
        "redline.unchanged.list.other": "{n} uendrede lister",
        "redline.unchanged.table.one": "{n} uendret tabell",
        "redline.unchanged.table.other": "{n} uendrede tabeller",
        "redline.unchanged.pre.one": "{n} uendret kodeblokk",
        "redline.unchanged.pre.other": "{n} uendrede kodeblokker",
        "redline.unchanged.passage.one": "{n} uendret tekstbit",
        "redline.unchanged.passage.other": "{n} uendrede tekstbiter",
        "redline.and": " og ",
        "redline.hidden_items.one": "{n} uendret listepunkt eller tabellrad skjult i denne delen",
        "redline.hidden_items.other": (
            "{n} uendrede listepunkter eller tabellrader skjult i denne delen"
        ),
    },
}


def redline_words(locale: str) -> dict[str, str]:
    """The words a redline says things in, in ``locale`` (English for one ``STRINGS`` lacks)."""
    prefix = "redline."
    strings = STRINGS.get(locale, {})
    return render.WORDS | {k[len(prefix) :]: v for k, v in strings.items() if k.startswith(prefix)}


def feed_title(site_name: str, locale: str) -> str:
    """A feed's title in ``locale`` (English for one ``STRINGS`` lacks)."""
    return STRINGS.get(locale, STRINGS["en"])["feed_title"].format(site=site_name)


def script_strings(locale: str, element_id: str = "policysite-strings") -> str:
    """What policysite.js writes, in ``locale``, as the ``<script type="application/json"
    id="policysite-strings">`` block every page carries (the redline's "inserted"/"deleted"
    labels too, so the browser's comparison says what the change pages say)."""
    prefix = "js."
    strings = STRINGS["en"] | STRINGS.get(locale, {})
    words = redline_words(locale)
    found = {k[len(prefix) :]: v for k, v in strings.items() if k.startswith(prefix)}
    found |= {"inserted": words["inserted"], "deleted": words["deleted"]}
    text = json.dumps(found, ensure_ascii=False, sort_keys=True)
    # Nothing in it may end the script element ("</script>") or start a comment in it.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{html.escape(element_id)}">{text}</script>'


@dataclass(frozen=True)
class Language:
    """One translation language of the site, as its pages speak it."""

    locale: str
    source: str  # the source's locale (the site's language)
    binding: bool = False  # the translation is binding beside the source
    statement: str = ""  # what its pages say of the binding text (mkdocs.yml), else STRINGS

    def t(self, key: str, **values: str) -> str:
        strings = STRINGS.get(self.locale, STRINGS["en"])
        source = language_name(self.source, self.locale)
        values = {
            "source": source[:1].upper() + source[1:],
            "source_lower": source,
            "language": language_name(self.locale, self.locale),
            **values,
        }
        return strings.get(key, STRINGS["en"][key]).format(**values)

    def date(self, day: dt.date) -> str:
        return format_date(day, self.locale)

    def pdf_words(self) -> PdfWords:
        """What a translation's PDF says around its text, in this language; the placeholders
        of each (title, label, date) are filled in by the PDF."""
        strings = STRINGS.get(self.locale, STRINGS["en"])
        return PdfWords(
            **{k.removeprefix("pdf."): v for k, v in strings.items() if k.startswith("pdf.")},
            statement=self.statement or self.t("both_binding" if self.binding else "binding"),
        )

    def binding_statement(self) -> str:
        if self.statement:
            return md(self.statement)
        return self.t("both_binding" if self.binding else "binding")


# A version's note in a language (``changelog/<policy>/<v>.<locale>.md``), by (policy, v, locale).
Notes = Mapping[tuple[str, str, str], str]


def translated_pages(
    contexts: Iterable[PolicyContext],
    languages: Mapping[str, Language],
    cache: RedlineCache,
    notes: Notes,
) -> list[SitePage]:
    """Every page of every translation language, and its home and changes pages."""
    built: list[SitePage] = []
    by_locale = _by_locale(contexts, languages)
    for pairs in by_locale.values():
        for context, translation in pairs:
            built += _policy_pages(
                context, translation, languages[translation.locale], cache, notes
            )
    for locale, pairs in by_locale.items():
        built.append(_home_page(pairs, languages[locale]))
        built.append(_changes_page(pairs, languages[locale]))
    return built


def translated_feeds(
    contexts: Iterable[PolicyContext], languages: Mapping[str, Language], notes: Notes
) -> list[tuple[str, str]]:
    """Each translation language's Atom feed, ``feed.<locale>.xml`` (path, text): the versions
    of the policies it translates, as ``/<locale>/changes/`` lists them, in its words; an entry
    links the version's change page in that language where it has one, else the source's."""
    feeds = []
    for locale, pairs in _by_locale(contexts, languages).items():
        language = languages[locale]
        titles, paged = _titles_and_pages(pairs)
        entries = []
        for version, context in _rows(pairs, feed=True):
            options = context.options
            exists = version.label in paged[context.pid]
            summary = _note(context, version, locale, notes)
            if summary is None and options.show_missing_notes:
                summary = language.t("no_summary")
            entries.append(
                FeedEntry(
                    urls.feed_entry_id(
                        options.site_url, context.pid, version.label, version.date.date(), locale
                    ),
                    language.t(
                        "feed_entry",
                        title=titles[context.pid],
                        label=version.label,
                        kind=_kind(language, version),
                        date=format_date(version.effective, locale, nowrap=False),
                    ),
                    urls.change_url(
                        options.site_url,
                        context.pid,
                        version.label,
                        options.directory_urls,
                        locale if exists else "",
                    ),
                    version.date,
                    kind_of(version).replace(" ", "-"),
                    summary,
                )
            )
        options = pairs[0][0].options
        alternate = urls.changes_url(options.site_url, options.directory_urls, locale)
        title = feed_title(options.site_name, locale)
        text = write_feed(title, options.site_name, options.site_url, alternate, entries, locale)
        feeds.append((urls.feed_file(locale), text))
    return feeds


def _titles_and_pages(
    pairs: list[tuple[PolicyContext, Translation]],
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Per policy, its title in the language and the versions with a page in it: each from the
    first version translated on (``Translation.as_of`` is not None), worked out once a policy,
    not once a row (``/<locale>/changes/`` and the feed list every version)."""
    titles, paged = {}, {}
    for context, translation in pairs:
        titles[context.pid] = _shown(translation, context).title
        order = {v.label: i for i, v in enumerate(context.policy.versions)}
        first = min(
            (order[r.translates] for r in translation.revisions if r.translates in order),
            default=len(order),
        )
        paged[context.pid] = frozenset(v.label for v in context.policy.versions[first:])
    return titles, paged


def _by_locale(
    contexts: Iterable[PolicyContext], languages: Mapping[str, Language]
) -> dict[str, list[tuple[PolicyContext, Translation]]]:
    """The policies each translation language has a translation of, by locale (sorted)."""
    by_locale: dict[str, list[tuple[PolicyContext, Translation]]] = {}
    for context in contexts:
        for translation in context.policy.translations:
            if translation.locale in languages and translation.revisions:
                by_locale.setdefault(translation.locale, []).append((context, translation))
    return dict(sorted(by_locale.items()))


def _rows(
    pairs: list[tuple[PolicyContext, Translation]], *, feed: bool = False
) -> list[tuple[Version, PolicyContext]]:
    """Every version of the translated policies, newest first: by effective date as
    ``/<locale>/changes/`` lists them, or by commit as a feed does (``feed``)."""
    rows = [(v, c) for c, _ in pairs for v in c.policy.versions]
    if feed:
        return sorted(rows, key=lambda r: feed_order(r[0]), reverse=True)
    return sorted(rows, key=lambda r: (r[0].effective, r[0].date, r[0].policy), reverse=True)


def _shown(translation: Translation, context: PolicyContext) -> Rendering:
    """What ``/nb/<policy>/`` shows: the translation of the version the source page shows, or
    of the last version before it; a translation only of upcoming versions shows its latest."""
    return translation.as_of(context.policy, context.shown.label) or translation.latest


def _as_version(rendering: Rendering, source: Version) -> Version:
    """A translation's revision as a Version of the source's label (for the redline engine)."""
    return dataclasses.replace(
        source,
        commit=rendering.commit,
        date=rendering.date,
        path=rendering.path,
        text=rendering.text,
        title=rendering.title,
        body_offset=rendering.body_offset,
        anchor_aliases={},
    )


def _switcher(page: str, targets: Mapping[str, str]) -> str:
    """Links to the same page in each language; the script carries the reader's anchor."""
    items = []
    for locale, target in targets.items():
        name = language_name(locale, locale)
        name = md(name[:1].upper() + name[1:])
        if target == page:
            items.append(f"**{name}**")
        else:
            attrs = f"{{ .policysite-language hreflang={locale} lang={locale} }}"
            items.append(f"[{name}]({link(page, target)}){attrs}")
    return " · ".join(items) + "\n{ .policysite-languages }\n"


def add_switchers(pages: list[SitePage], source: str, locales: Iterable[str]) -> list[SitePage]:
    """Every page that exists in more than one language gets the language switcher."""
    locales = sorted(set(locales))
    if not locales:
        return pages
    by_path = {p.path for p in pages}
    result = []
    for page in pages:
        base = page.path
        for locale in locales:
            if page.path.startswith(locale + "/"):
                base = page.path.removeprefix(locale + "/")
        targets = {source: base} | {
            locale: urls.localized(base, locale)
            for locale in locales
            if urls.localized(base, locale) in by_path
        }
        if len(targets) < 2 or base not in by_path:
            result.append(page)
            continue
        header = _switcher(page.path, targets) + ("\n" + page.header if page.header else "")
        result.append(dataclasses.replace(page, header=header))
    return result


def _header(language: Language, page: str, pid: str, label: str, effective: dt.date) -> str:
    locale = language.locale
    parts = [
        md(language.t("version", label=label)),
        md(language.t("effective", date=language.date(effective))),
        f"[{language.t('what_changed')}]({link(page, urls.change_page(pid, label, locale))})",
        f"[{language.t('all_versions')}]({link(page, urls.versions_page(pid, locale))})",
    ]
    return " · ".join(parts) + "\n{ .policysite-header }\n"


def _policy_pages(
    context: PolicyContext,
    translation: Translation,
    language: Language,
    cache: RedlineCache,
    notes: Notes,
) -> list[SitePage]:
    policy, pid, locale = context.policy, context.pid, language.locale
    shown = context.shown
    rendering = _shown(translation, context)
    page = urls.policy_page(pid, locale)
    header = _header(language, page, pid, shown.label, shown.effective)
    header += "\n" + banner("note", language.t("binding_title"), language.binding_statement())
    header += _status_banner(language, context, rendering, shown, page)
    pages = [
        SitePage(
            page,
            rendering.title,
            rebase_links(rendering.body, translation.relative, page),
            "policy",
            header=header,
            policy=pid,
            searchable=True,
            lang=locale,
        )
    ]
    translated: dict[str, Rendering] = {}
    for version in policy.versions:
        found = translation.as_of(policy, version.label)
        if found is None:
            continue
        translated[version.label] = found
        pages.append(_version_page(context, translation, language, version, found))
    pages.append(_versions_page(context, language, translated))
    for version in policy.versions:
        if version.label in translated:
            pages.append(
                _change_page(context, translation, language, version, translated, cache, notes)
            )
    return pages


def _status_banner(
    language: Language, context: PolicyContext, rendering: Rendering, shown: Version, page: str
) -> str:
    """The banner of a translation behind (or ahead of) the version the source page shows."""
    pid = context.pid
    if rendering.translates == shown.label:
        return ""
    translated = context.policy.get(rendering.translates)
    assert translated is not None
    if translated.effective > shown.effective:
        text = language.t(
            "upcoming", label=translated.label, date=language.date(translated.effective)
        )
        return "\n" + banner("info", language.t("upcoming_title"), text)
    text = language.t(
        "stale",
        translated=rendering.translates,
        label=shown.label,
        date=language.date(shown.effective),
        url=link(page, urls.policy_page(pid)),
        changes=_since(context, page, translated, shown),
    )
    return "\n" + banner("warning", language.t("stale_title"), text)


def _since(context: PolicyContext, page: str, old: Version, new: Version) -> str:
    """The translator's view: the source's redline from the version translated to ``new`` (the
    change page when they are next to each other, else the comparison of the two)."""
    if context.previous(new) is old:
        return link(page, urls.change_page(context.pid, new.label))
    versions = link(page, urls.versions_page(context.pid))
    return versions + urls.compare_query(old.label, new.label)


def _version_page(
    context: PolicyContext,
    translation: Translation,
    language: Language,
    version: Version,
    rendering: Rendering,
) -> SitePage:
    pid, locale = context.pid, language.locale
    page = urls.version_page(pid, version.label, locale)
    header = _header(language, page, pid, version.label, version.effective)
    header += "\n" + banner("note", language.t("binding_title"), language.binding_statement())
    current = urls.policy_page(pid, locale)
    if version.status == "upcoming":
        note = banner(
            "info",
            language.t("upcoming_title"),
            language.t("upcoming", label=version.label, date=language.date(version.effective)),
        )
    elif version is context.shown:
        note = banner(
            "success",
            language.t("current_title"),
            language.t("current", date=language.date(version.effective)),
        )
    else:
        shown = f"[{md(context.shown.label)}]({link(page, current)})"
        note = banner(
            "warning",
            language.t("archived_title"),
            language.t("archived", start=language.date(version.effective), current=shown),
        )
    if context.options.pdf and rendering.translates == version.label:
        pdf = link(page, urls.pdf_file(pid, version.label, locale))
        note += f"\n[{md(language.t('pdf_link'))}]({pdf}){{ .policysite-pdf }}\n"
    header += "\n" + note
    if rendering.translates != version.label:
        source = context.text_page(version)
        text = language.t(
            "version_stale",
            translated=rendering.translates,
            label=version.label,
            url=link(page, source),
        )
        header += "\n" + banner("warning", language.t("stale_title"), text)
    return SitePage(
        page,
        f"{rendering.title} {version.label}",
        rebase_links(rendering.body, translation.relative, page),
        "version",
        header=header,
        policy=pid,
        indexable=False,
        lang=locale,
    )


def _versions_page(
    context: PolicyContext, language: Language, translated: Mapping[str, Rendering]
) -> SitePage:
    pid, locale, policy = context.pid, language.locale, context.policy
    page = urls.versions_page(pid, locale)
    title = list(translated.values())[-1].title if translated else policy.title
    lines = [
        md(language.t("versions_intro", title=title)),
        "",
        _picker(context, language, translated),
    ]
    for version in reversed(policy.versions):
        found = translated.get(version.label)
        if found is None:
            where = language.t("untranslated", url=link(page, context.text_page(version)))
        else:
            target = (
                urls.policy_page(pid, locale)
                if version is context.shown
                else urls.version_page(pid, version.label, locale)
            )
            where = f"[{language.t('read')}]({link(page, target)})"
        change = link(page, urls.change_page(pid, version.label, locale if found else ""))
        pdf = ""
        if context.options.pdf and found is not None and found.translates == version.label:
            target = urls.pdf_file(pid, version.label, locale)
            pdf = f" · [{md(language.t('pdf'))}]({link(page, target)})"
        lines += [
            f"## {md(language.t('version', label=version.label))} "
            f"{{#{urls.version_anchor(version.label)}}}",
            "",
            f"{md(language.t('effective', date=language.date(version.effective)))} · {where} · "
            f"[{language.t('what_changed')}]({change}){pdf}",
            "",
        ]
    return SitePage(
        page,
        f"{title}: {language.t('all_versions')}",
        "\n".join(lines),
        "versions",
        policy=pid,
        lang=locale,
    )


def _picker(context: PolicyContext, language: Language, translated: Mapping[str, Rendering]) -> str:
    """The in-force and compare tools (policysite.js) over the versions translated as they are
    (not those that show an earlier version's translation): their records are in the page,
    since versions.json lists the source's versions."""
    pid, locale = context.pid, language.locale
    page = urls.versions_page(pid, locale)
    directory_urls = context.options.directory_urls
    records = [
        {
            "policy": pid,
            "version": version.label,
            "effective": version.effective.isoformat(),
            "status": version.status,
            "title": translated[version.label].title,
            "url": urls.page_url(_text_page(context, version, locale), directory_urls),
        }
        for version in context.policy.versions
        if version.label in translated and translated[version.label].translates == version.label
    ]
    pattern = urls.change_page(pid, "{version}", locale)
    change_url = urls.url_between(page, pattern, directory_urls)
    return (
        f'<div class="policysite-picker" data-policysite-policy="{html.escape(pid)}" '
        f'data-policysite-change-url="{html.escape(change_url)}" '
        f'data-policysite-versions="{html.escape(json.dumps(records, ensure_ascii=False))}">'
        "</div>\n"
    )


def _change_page(
    context: PolicyContext,
    translation: Translation,
    language: Language,
    version: Version,
    translated: Mapping[str, Rendering],
    cache: RedlineCache,
    notes: Notes,
) -> SitePage:
    """The redline between the translations of the version before and of this one."""
    pid, locale = context.pid, language.locale
    page = urls.change_page(pid, version.label, locale)
    previous = context.previous(version)
    new = translated[version.label]
    old = translated.get(previous.label) if previous is not None else None
    source_change = link(page, urls.change_page(pid, version.label))
    if previous is None:
        header = md(language.t("first_version", date=language.date(version.effective)))
    else:
        header = md(language.t("from_to", old=previous.label, new=version.label))
    lines = [
        f"## {md(language.t('change_summary'))}",
        "",
        _summary(context, version, language, notes),
        "",
    ]
    if new.translates != version.label:
        lines.append(
            language.t("change_untranslated", translated=new.translates, url=source_change)
        )
    else:
        lines.append(language.t("change_source", url=source_change))
        if old is not None and previous is not None and old.sha256 != new.sha256:
            links = RedlineLinks(
                page,
                _text_page(context, previous, locale),
                _text_page(context, version, locale),
                translation.relative,
                translation.relative,
                context.options.directory_urls,
            )
            _, redline = cache.redline(
                _as_version(old, previous),
                _as_version(new, version),
                links,
                redline_words(locale),
            )
            lines += ["", f"## {md(language.t('change_redline'))}", "", redline.strip()]
    return SitePage(
        page,
        f"{new.title} {version.label}: {language.t('what_changed')}",
        "\n".join(lines) + "\n",
        "change",
        header=header + "\n{ .policysite-header }\n",
        policy=pid,
        lang=locale,
    )


def _text_page(context: PolicyContext, version: Version, locale: str) -> str:
    if version is context.shown:
        return urls.policy_page(context.pid, locale)
    return urls.version_page(context.pid, version.label, locale)


def _summary(context: PolicyContext, version: Version, language: Language, notes: Notes) -> str:
    """The version's note for a change page in this language; else what the site says of a
    missing note, in this language (nothing with ``show_missing_notes: false``)."""
    note = _note(context, version, language.locale, notes)
    if note is not None:
        return note
    return f"*{md(language.t('no_summary'))}*" if context.options.show_missing_notes else ""


def _note(context: PolicyContext, version: Version, locale: str, notes: Notes) -> str | None:
    """The version's note in this language (``changelog/<policy>/<v>.<locale>.md``), else the
    source's; None without one."""
    translated = notes.get((context.pid, version.label, locale))
    if translated:
        return translated
    return version.note.summary if version.note is not None else None


def _home_page(pairs: list[tuple[PolicyContext, Translation]], language: Language) -> SitePage:
    locale = language.locale
    page = urls.home_page(locale)
    lines = [language.t("home_table"), "| --- | --- | --- | --- |"]
    for context, translation in pairs:
        rendering = _shown(translation, context)
        shown = context.shown
        status = {
            "current": language.t("status_current"),
            "stale": language.t("status_stale", translated=rendering.translates),
            "upcoming": language.t("status_upcoming", translated=rendering.translates),
        }[_status_against(context, rendering)]
        target = link(page, urls.policy_page(context.pid, locale))
        lines.append(
            f"| [{md(rendering.title)}]({target}) | {md(shown.label)} | "
            f"{md(language.date(shown.effective))} | {md(status)} |"
        )
    lines += ["", f"[{language.t('all_changes')}]({link(page, urls.changes_page(locale))})", ""]
    return SitePage(page, language.t("home_title"), "\n".join(lines), "home", lang=locale)


def _kind(language: Language, version: Version) -> str:
    """What its note says a version is (site/text.kind_of), in the page's language."""
    return language.t(
        {True: "kind.material", False: "kind.editorial", None: "kind.none"}[version.material]
    )


def _status_against(context: PolicyContext, rendering: Rendering) -> str:
    order = {v.label: i for i, v in enumerate(context.policy.versions)}
    here, shown = order[rendering.translates], order[context.shown.label]
    return "current" if here == shown else "stale" if here < shown else "upcoming"


def _changes_page(pairs: list[tuple[PolicyContext, Translation]], language: Language) -> SitePage:
    locale = language.locale
    page = urls.changes_page(locale)
    lines = [
        language.t("changes_feed", url=link(page, urls.feed_file(locale))),
        "",
        '<div class="policysite-changes-filter"></div>',
        "",
        language.t("changes_table"),
        "| --- | --- | --- | --- |",
    ]
    titles, paged = _titles_and_pages(pairs)
    for version, context in _rows(pairs):
        exists = version.label in paged[context.pid]
        target = link(page, urls.change_page(context.pid, version.label, locale if exists else ""))
        lines.append(
            f"| {md(language.date(version.effective))} | {md(titles[context.pid])} | "
            f"[{md(version.label)}]({target}) | {md(_kind(language, version))} |"
        )
    return SitePage(
        page, language.t("changes_title"), "\n".join(lines) + "\n", "changes", lang=locale
    )
