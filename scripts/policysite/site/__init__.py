"""The pages and files of the public site, as plain data.

Versions in, pages out: the home page, each policy's current text, every version's text, the
versions list, a change page per version, ``/changes/``, ``versions.json`` and the Atom feed.
Pages are plain Markdown (with front matter) for MkDocs + Material, so another engine can build
the same tree: ``mkdocs_plugin.py`` only hands them over. Knows nothing of MkDocs internals.

    pages.py      the pages (dataclasses and one builder per kind of page)
    anchors.py    old anchors → where their sections are now (renames, anchor_aliases)
    redlines.py   each version's redline against the one before, cached on disk
    pdf.py        each version as a PDF (WeasyPrint), cached on disk
    feed.py       feed.xml and versions.json
    text.py       the Markdown the pages are written in
    linkcheck.py  the links of the built site
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policysite import urls
from policysite.config import Settings
from policysite.errors import ConfigError, PolicyError
from policysite.files import write_atomic
from policysite.model import Policy, Rendering, Version, parse_document, policy_id
from policysite.site import pages
from policysite.site.anchors import renames_by_version
from policysite.site.feed import atom_feed, versions_json
from policysite.site.pages import PolicyContext, SiteOptions, SitePage
from policysite.site.pdf import PdfCache, PdfFacts, PdfWords
from policysite.site.redlines import RedlineCache, RedlineLinks, redline_css
from policysite.site.text import format_date, rebase_links
from policysite.site.translations import (
    Language,
    Notes,
    add_switchers,
    translated_feeds,
    translated_pages,
)
from policysite.versions import translation_records, version_record
from policysite.worktree import read_all_notes, read_policies

__all__ = [
    "PdfCache",
    "RedlineCache",
    "RedlineLinks",
    "SetAside",
    "Site",
    "SiteFile",
    "SiteOptions",
    "SitePage",
    "build_site",
    "cache_folder",
    "export_tree",
    "load_site",
    "read_drafts",
    "rebase_links",
    "redline_css",
    "set_aside",
]

STYLESHEET = "assets/policysite.css"
THEME_DIR = Path(__file__).resolve().parent.parent / "theme"  # templates: the 404 page
SCRIPT = "assets/policysite.js"


@dataclass(frozen=True)
class SiteFile:
    """A file written as it is (``versions.json``, ``feed.xml``, a version's PDF)."""

    path: str
    text: str | bytes


@dataclass(frozen=True)
class Site:
    pages: tuple[SitePage, ...]
    files: tuple[SiteFile, ...]

    def page(self, path: str) -> SitePage:
        return next(p for p in self.pages if p.path == path)


def build_site(
    policies: Iterable[Policy],
    records: list[dict[str, object]],
    options: SiteOptions,
    cache: RedlineCache,
    pdfs: PdfCache | None = None,
    languages: Mapping[str, Language] | None = None,
    notes: Notes | None = None,
    source_locale: str = "en",
) -> Site:
    """Every page and file of the site for these policies (status decided by the caller);
    with ``options.pdf``, a PDF of every version too (from ``pdfs``, made when missing); the
    pages of their translations into ``languages`` (by locale; ``notes``: the notes in them)."""
    contexts: list[PolicyContext] = []
    for policy in policies:
        if not policy.versions:
            continue
        context = PolicyContext(policy, policy.shown or policy.versions[0], options)
        for old, new in zip(policy.versions, policy.versions[1:], strict=False):
            context.changes[new.label] = cache.redline(old, new, context.redline_links(old, new))
        context.renames = renames_by_version(policy, context.changes)
        contexts.append(context)
    built: list[SitePage] = []
    for context in contexts:
        built.append(pages.policy_page(context, options.drafts.get(context.pid)))
        built.append(pages.versions_page(context))
        for version in context.policy.versions:
            built.append(pages.version_page(context, version))
            built.append(pages.change_page(context, version))
    if options.home:
        built.append(pages.home_page(contexts, options))
    built.append(pages.changes_page(contexts, options))
    built += translated_pages(contexts, languages or {}, cache, notes or {})
    built = add_switchers(built, source_locale, (lang for lang in languages or {}))
    _check_unique(built, options.directory_urls)
    cache.save()
    versions = (v for c in contexts for v in c.policy.versions)
    feed = atom_feed(
        options.site_name,
        options.site_url,
        versions,
        options.directory_urls,
        options.language,
        options.show_missing_notes,
    )
    files: tuple[SiteFile, ...] = (
        SiteFile(urls.VERSIONS_FILE, versions_json(records)),
        SiteFile(urls.FEED_FILE, feed),
        *(
            SiteFile(path, text)
            for path, text in translated_feeds(contexts, languages or {}, notes or {})
        ),
    )
    if options.pdf:
        files += _pdf_files(contexts, options, pdfs or PdfCache(None), languages or {})
    return Site(tuple(built), files)


def _pdf_files(
    contexts: list[PolicyContext],
    options: SiteOptions,
    pdfs: PdfCache,
    languages: Mapping[str, Language],
) -> tuple[SiteFile, ...]:
    """A PDF of every version, and of every translation of a version (in its language, saying
    which text is binding), where its version page is."""
    made = []
    for context in contexts:
        for version in context.policy.versions:
            text, source = context.text_page(version), context.source(version)
            made.append(_pdf(pdfs, options, version, version, text, source))
        for translation in context.policy.translations:
            language = languages.get(translation.locale)
            if language is None:
                continue
            for version in context.policy.versions:
                rendering = translation.of(version.label)
                if rendering is None:
                    continue
                page = urls.version_page(context.pid, version.label, language.locale)
                made.append(
                    _pdf(pdfs, options, version, rendering, page, translation.relative, language)
                )
    pdfs.save()
    return tuple(made)


def _pdf(
    pdfs: PdfCache,
    options: SiteOptions,
    version: Version,
    text: Version | Rendering,
    text_page: str,
    source: str,
    language: Language | None = None,
) -> SiteFile:
    """The PDF of ``text``: ``version`` itself, or its translation into ``language`` (in that
    language's words around the text)."""
    locale = language.locale if language else ""
    path = urls.version_page(version.policy, version.label, locale)
    facts = PdfFacts(
        text.title,
        version.label,
        version.effective,
        text.sha256,
        (options.site_url or "/") + urls.page_url(path, options.directory_urls),
        text.date,
        format_date(version.effective, locale or options.language, nowrap=False),
        locale or options.language,
        RedlineLinks(path, text_page, text_page, source, source, options.directory_urls),
        language.pdf_words() if language else PdfWords(),
    )
    return SiteFile(
        urls.pdf_file(version.policy, version.label, locale), pdfs.pdf(facts, text.body)
    )


def _check_unique(built: list[SitePage], directory_urls: bool) -> None:
    seen: dict[str, str] = {}
    for page in built:
        url = urls.page_url(page.path, directory_urls)
        if url in seen:
            raise ConfigError(
                f"the site would have two pages at /{url} ({seen[url]} and {page.path}); "
                "rename the policy file whose name clashes (e.g. a policy called 'changes')."
            )
        seen[url] = page.path


def load_site(settings: Settings, policies: list[Policy], options: SiteOptions) -> Site:
    """``build_site`` with the site's records and its on-disk redline and PDF caches."""
    records = [version_record(settings, v) for p in policies for v in p.versions]
    records += [r for p in policies for r in translation_records(settings, p)]
    redlines = RedlineCache(cache_folder(settings, "redline"))
    pdfs = PdfCache(cache_folder(settings, "pdf"))
    languages = site_languages(settings, options.language)
    notes = {key: found.summary for key, found in read_all_notes(settings).translations.items()}
    return build_site(
        policies, records, options, redlines, pdfs, languages, notes, options.language
    )


def site_languages(settings: Settings, source: str) -> dict[str, Language]:
    """The translation languages of the site (``locales`` but ``source``, the language of the
    theme and of the policies themselves), as their pages speak."""
    return {
        locale: Language(
            locale,
            source,
            binding=locale in settings.binding_locales,
            statement=settings.binding_statement.get(locale, ""),
        )
        for locale in settings.locales
        if locale != source
    }


def cache_folder(settings: Settings, name: str) -> Path:
    """Where the build keeps one of its caches (redlines, sanitized pages, PDFs) between runs."""
    return settings.root / ".policysite" / "cache" / name


def assets() -> tuple[SiteFile, ...]:
    """The stylesheet (ours and the redline's in one file: one request and one ``<link>`` a page)
    and the script of the version tools, as the site serves them."""
    package = resources.files("policysite")
    css = package.joinpath(STYLESHEET).read_text(encoding="utf-8")
    script = package.joinpath(SCRIPT).read_text(encoding="utf-8")
    return SiteFile(STYLESHEET, redline_css() + "\n" + css), SiteFile(SCRIPT, script)


def read_drafts(settings: Settings, policies: Iterable[Policy]) -> tuple[dict[str, str], list[str]]:
    """Bodies of the policies whose file in the working tree differs from git (``serve``
    previews them), and why a draft could not be previewed."""
    working = read_policies(settings)
    skipped = [problem.message for problem in working.problems]
    drafts: dict[str, str] = {}
    for policy in policies:
        found = working.texts.get(policy.id)
        if found is None or not policy.versions or found.text == policy.versions[-1].text:
            continue
        try:
            drafts[policy.id] = parse_document(found.text, found.path).body
        except PolicyError as exc:
            skipped.append(exc.message)
    return drafts, skipped


@dataclass(frozen=True)
class SetAside:
    """A file of the policies folder the site does not publish as it is, and why (a warning,
    or "" when it is expected: a policy, whose text comes from git history)."""

    source: str  # relative to the policies folder
    warning: str


def set_aside(
    settings: Settings, policies: Iterable[Policy], sources: Iterable[str], *, serving: bool
) -> list[SetAside]:
    """Only what the policy model knows is published: a policy's text comes from history, not
    from its file; the home page stays. Any other file (an uncommitted draft, a stray .html or
    .svg) is left out and named; ``serve`` previews an uncommitted ``.md`` as it is."""
    ids = {p.id for p in policies}
    ids |= {policy_id(settings.in_policies(t.path)) for p in policies for t in p.translations}
    selection = settings.selection
    found: list[SetAside] = []
    for source in sources:
        if source == urls.HOME_PAGE:
            continue
        if not source.endswith(".md"):
            # An adopted repository's folder keeps its other files (images, a site's settings)
            # where they are: left out quietly; a site of ours is told to move them.
            warning = (
                ""
                if settings.adopt_mode
                else f"{settings.policy_path(source)} is not a policy (only .md files are), so "
                f"it is not published; move it out of {settings.policies_folder}."
            )
        elif policy_id(source) in ids:
            warning = ""
        elif not selection.is_policy(source) and selection.translation_of(source) is None:
            warning = ""  # a README, or a file the site's `exclude` names: not a policy
        elif serving:
            continue
        else:
            warning = (
                f"{settings.policy_path(source)} is not in git history, so it has no version and "
                "is not published; commit it to publish it."
            )
        found.append(SetAside(source, warning))
    return found


def export_tree(site: Site, folder: Path) -> None:
    """Write the site's pages (with their headers) and files as a plain docs tree."""
    for page in site.pages:
        write_atomic(folder / page.path, page.source())
    for item in site.files:
        write_atomic(folder / item.path, item.text)
