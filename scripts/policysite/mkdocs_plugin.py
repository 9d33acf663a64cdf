"""The MkDocs plugin: a thin shell that hands the library's pages to MkDocs.

``site/`` makes every page and file as plain data; here they become MkDocs files
(``on_files``), get their header and banners (``on_page_markdown``) and are sanitized
(``on_page_content``); the link check of the written HTML comes last (``on_post_build``).
Only this module knows MkDocs.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from policysite import site as site_lib
from policysite import urls
from policysite.config import Settings, settings_from_config, today
from policysite.markdown_render import gfm_extensions
from policysite.model import Policy
from policysite.sanitize import SanitizeCache, theme_text
from policysite.site.foreign import rewrite_foreign_links
from policysite.site.linkcheck import LinkChecker
from policysite.site.text import DEFAULT_LANGUAGE, rebase_links, site_locale
from policysite.site.translations import feed_title, script_strings
from policysite.versions import load_policies
from policysite.worktree import policy_files, refuse_symlinks

log = logging.getLogger("mkdocs.plugins.policysite")
_HTML_LANG = re.compile(r'<html lang="[^"]*"')


class PolicySiteConfig(Config):  # type: ignore[no-untyped-call]
    changelog_dir = c.Type(str, default="changelog")
    notice_days = c.Type(int, default=30)
    announce_window_days = c.Type(int, default=30)
    locales = c.ListOfItems(c.Type(str), default=["en", "nb"])
    ignore_commits = c.ListOfItems(c.Type(str), default=[])
    service_name = c.Type(str, default="")
    sender_name = c.Type(str, default="")
    sender_email = c.Type(str, default="")
    postal_address = c.Type(str, default="")
    required_locales = c.ListOfItems(c.Type(str), default=[])
    notice_wording = c.Type(dict, default={})
    notifications = c.Type(bool, default=True)
    pdf = c.Type(bool, default=True)
    include = c.ListOfItems(c.Type(str), default=["**/*.md"])
    exclude = c.ListOfItems(c.Type(str), default=[])
    markdown = c.Choice(("python", "gfm"), default="python")
    link_base = c.Optional(c.Type(str))
    show_missing_notes = c.Type(bool, default=True)
    adopted_at = c.Optional(c.Type(str))
    binding_locales = c.ListOfItems(c.Type(str), default=[])
    binding_statement = c.Type(dict, default={})
    policies_dir = c.Optional(c.Type(str))


class PolicySitePlugin(BasePlugin[PolicySiteConfig]):  # type: ignore[no-untyped-call]
    settings: Settings | None = None
    pages: dict[str, site_lib.SitePage] | None = None
    sources: dict[str, str] | None = None  # built HTML file → the Markdown it came from
    cleaner: SanitizeCache | None = None
    links: LinkChecker | None = None
    written: frozenset[str] | set[str] = frozenset()  # every file of the site, as written
    theme_languages: frozenset[str] = frozenset()  # the languages the theme has words for
    as_adopted: frozenset[str] = frozenset()  # built pages of texts as they were adopted
    serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path or ".").parent.resolve()
        raw = {
            "docs_dir": Path(config.docs_dir).relative_to(root).as_posix(),
            "site_dir": _relative(config.site_dir, root),
            "site_url": config.site_url,
            "site_name": config.site_name,
            "plugins": [{"policysite": dict(self.config)}],
        }
        self.settings = settings_from_config(root, raw)
        # Banners are admonitions, the header line takes a class, every heading a permalink.
        for extension in ("attr_list", "admonition", "toc"):
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        config.mdx_configs.setdefault("toc", {}).setdefault("permalink", True)
        # Our templates (the 404 page) after the site's custom_dir and before the theme's own.
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(site_lib.THEME_DIR))
        if self.settings.markdown == "gfm":  # GitHub's lists, bare URLs and task lists
            config.markdown_extensions.extend(gfm_extensions())
        config.extra_css.append(site_lib.STYLESHEET)
        config.extra_javascript.append(site_lib.SCRIPT)
        return config

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.settings is not None
        if self.settings.changelog_path.is_dir():
            server.watch(str(self.settings.changelog_path))
        if self.settings.policies_apart:
            # The policies folder and each folder of a policy, not what lies below: at the top
            # of a repository that is .git/, .policysite/ (the build's own caches) and the rest.
            folders = {"", *(posixpath.dirname(p) for p in policy_files(self.settings))}
            for folder in sorted(folders):
                server.watch(str(self.settings.docs_path / folder), recursive=False)
        return server

    def on_files(self, files: Files, *, config: Any) -> Files:
        settings = self.settings
        assert settings is not None
        refuse_symlinks(settings)
        policies = load_policies(settings, as_of=today())
        if settings.policies_apart:
            self._add_policy_files(files, config)
        self._set_aside_policy_files(files, policies, config)
        options = site_lib.SiteOptions(
            site_name=config.site_name,
            site_url=settings.site_url,
            directory_urls=config.use_directory_urls,
            docs_dir=settings.docs_dir,
            changelog_dir=settings.changelog_dir,
            home=files.get_file_from_path(urls.HOME_PAGE) is None,
            drafts=self._drafts(policies) if self.serving else {},
            language=self._language(config),
            pdf=settings.pdf,
            show_missing_notes=settings.show_missing_notes,
        )
        site = site_lib.load_site(settings, policies, options)
        self.cleaner = SanitizeCache(site_lib.cache_folder(settings, "sanitize"))
        self.links = LinkChecker(settings.site_url)
        self.pages = {page.path: page for page in site.pages}
        self.as_adopted = as_adopted_pages(policies)
        for page in site.pages:
            level = InclusionLevel.INCLUDED if page.in_nav else InclusionLevel.NOT_IN_NAV
            content = page.front_matter() + page.markdown
            files.append(File.generated(config, page.path, content=content, inclusion=level))
        for item in site.files + site_lib.assets():
            files.append(File.generated(config, item.path, content=item.text))
        self.sources = {f.dest_uri: f.src_uri for f in files.documentation_pages()}
        self.written = {f.dest_uri for f in files}
        return files

    @staticmethod
    def _language(config: Any) -> str:
        """The theme's language (Material's ``theme.language``): the site writes dates in it."""
        language = str(config.theme.get("language") or DEFAULT_LANGUAGE)
        site_locale(language)  # an unknown one fails here, naming the setting
        return language

    def _add_policy_files(self, files: Files, config: Any) -> None:
        """The policies folder is not MkDocs' docs_dir (``policies_dir``): hand MkDocs its
        policy files and home page as if they were there (a policy's pages come from history;
        ``serve`` previews an uncommitted one as it is). Nothing else of the folder is read."""
        assert self.settings is not None
        folder = str(self.settings.docs_path)
        sources = policy_files(self.settings)
        if (self.settings.docs_path / urls.HOME_PAGE).is_file():
            sources.append(urls.HOME_PAGE)
        for source in sources:
            if files.get_file_from_path(source) is None:  # docs_dir's own home page wins
                files.append(File(source, folder, config.site_dir, config.use_directory_urls))

    def _set_aside_policy_files(self, files: Files, policies: list[Policy], config: Any) -> None:
        assert self.settings is not None
        folders = {config.docs_dir, str(self.settings.docs_path)}
        ours = {
            file.src_uri: file
            for file in files
            if file.generated_by is None  # not the theme's files, nor ours
            and file.src_dir in folders
            and not file.inclusion.is_excluded()  # type: ignore[no-untyped-call]
        }
        for item in site_lib.set_aside(self.settings, policies, ours, serving=self.serving):
            files.remove(ours[item.source])
            if item.warning:
                log.warning(item.warning)

    def _drafts(self, policies: list[Policy]) -> dict[str, str]:
        assert self.settings is not None
        drafts, skipped = site_lib.read_drafts(self.settings, policies)
        for message in skipped:
            log.warning(f"draft preview skipped: {message}")
        return drafts

    def _page(self, page: Any) -> site_lib.SitePage | None:
        if self.pages is None or page.file.generated_by is None:
            return None
        return self.pages.get(page.file.src_uri)

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        prefix, suffix = "partials/languages/", ".html"
        self.theme_languages = frozenset(
            name[len(prefix) : -len(suffix)]
            for name in env.list_templates(filter_func=lambda n: n.startswith(prefix))
            if name.endswith(suffix)
        )
        return env

    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        ours = self._page(page)
        if ours is not None and ours.lang in self.theme_languages:
            # The theme's own words in the page's language (theme/partials/language.html).
            page.meta["policysite_language"] = ours.lang
        return context

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        ours = self._page(page)
        if ours is None:  # the site's own home page: its links to folder pages, as ours
            return rebase_links(markdown, page.file.src_uri, page.file.src_uri)
        return ours.header + "\n" + markdown if ours.header else markdown

    def on_page_content(self, html_text: str, *, page: Any, config: Any, files: Any) -> str:
        # Every page is an editor's text, the home page too; titles the theme writes raw.
        page.title = theme_text(page.title) if page.title else page.title
        if isinstance(page.meta.get("title"), str):
            page.meta["title"] = theme_text(page.meta["title"])
        assert self.cleaner is not None
        ours = self._page(page)
        cleaned = self.cleaner.sanitize_html(html_text)
        settings = self.settings
        if settings is not None and settings.link_base:
            base_path = urlsplit(settings.site_url).path or "/"
            cleaned = rewrite_foreign_links(
                cleaned, page.file.dest_uri, self.written, settings.link_base, base_path
            )
        return cleaned + (ours.aliases_script() if ours else "")

    @event_priority(-100)  # last, so the link check sees the page as it is written
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        ours = self._page(page)
        # A translation's pages offer its language's feed (site/translations.translated_feeds).
        lang = ours.lang if ours else ""
        feed = urls.feed_href(page.url, lang)
        title = feed_title(config.site_name, lang or "en")
        head = [
            f'<link rel="alternate" type="application/atom+xml" '
            f'title="{html.escape(title)}" href="{html.escape(feed)}">'
        ]
        if ours and not ours.indexable:
            head.append('<meta name="robots" content="noindex">')
        # What the site's script writes, in the page's language (site/translations.STRINGS).
        head.append(script_strings(ours.lang if ours and ours.lang else self._language(config)))
        output = output.replace("</head>", "\n".join(head) + "\n</head>", 1)
        if ours and ours.lang:  # a translation's page: its language, not the theme's
            output = _HTML_LANG.sub(f'<html lang="{html.escape(ours.lang)}"', output, count=1)
        if self.links is not None:
            self.links.add_page(page.file.dest_uri, output)
        return output

    def on_post_template(self, output_content: str, *, template_name: str, config: Any) -> str:
        """The 404 page (a template, not a page) carries the script's words too: in the site's
        language, and in each translation's (for a missing address under /nb/)."""
        if template_name != "404.html" or "</head>" not in output_content:
            return output_content
        source = self._language(config)
        blocks = [script_strings(source)]
        locales = self.settings.locales if self.settings else ()
        for locale in locales[1:]:
            blocks.append(script_strings(locale, f"policysite-strings-{locale}"))
        return output_content.replace("</head>", "\n".join(blocks) + "\n</head>", 1)

    def on_post_build(self, *, config: Any) -> None:
        if self.cleaner is not None:
            self.cleaner.save()
        links = self.links or LinkChecker(self.settings.site_url if self.settings else "")
        link_base = self.settings.link_base if self.settings else None
        foreign = grandfathered = 0
        for problem in links.check(Path(config.site_dir)):
            source = (self.sources or {}).get(problem.page)
            where = f"{source} (built as {problem.page})" if source else problem.page
            message = f"link in the built site: {where}: link '{problem.link}': {problem.reason}"
            rooted = problem.link.startswith("/") and not problem.link.startswith("//")
            foreign += rooted
            # A text as it was adopted cannot be edited (a published version never changes):
            # what its authors left broken (an anchor they never made, a file renamed since) is
            # reported, not fatal. A path into the site it came from is not excused: setting
            # link_base sends those to their site, so they fail the build until it is set.
            if source in self.as_adopted and not (rooted and link_base is None):
                grandfathered += 1
                log.info(f"broken {message} (in a text as adopted)")
            else:
                log.warning(f"broken {message}")
        if foreign and link_base is None:
            log.warning(
                f"{foreign} of these links are paths (/…) with no page here: if they are pages "
                "of the site the texts came from, set `link_base:` (that site's origin, e.g. "
                "https://docs.example.com) under the policysite plugin in mkdocs.yml, and they "
                "go there."
            )
        if grandfathered:
            log.info(
                f"{grandfathered} broken links are in texts as they were adopted (before "
                "adopted_at); the first edit of a text is held to the link check."
            )


def as_adopted_pages(policies: list[Policy]) -> frozenset[str]:
    """The pages (in the docs tree) that show a text as it was adopted: its version page, its
    change page, and the policy's own page while it shows that text."""
    pages: set[str] = set()
    for policy in policies:
        for version in policy.versions:
            if version.as_adopted:
                pages.add(urls.version_page(policy.id, version.label))
                pages.add(urls.change_page(policy.id, version.label))
                if version is policy.shown:
                    pages.add(urls.policy_page(policy.id))
    return frozenset(pages)


def _relative(folder: str, root: Path) -> str:
    """A folder of the config (MkDocs makes them absolute) relative to mkdocs.yml's folder."""
    try:
        return Path(folder).relative_to(root).as_posix()
    except ValueError:
        return folder  # outside the site: it can hold no policy
