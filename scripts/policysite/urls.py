"""Every public URL and fragment of the site: the one place its layout is spelled out.

    /                            home                   index.md
    /<policy>/                   the text it shows      <policy>.md
    /<policy>/versions/          every version          <policy>/versions/index.md
    /<policy>/versions/<v>/      one version's text     <policy>/versions/<v>.md
    /<policy>/changes/<v>/       what changed in <v>    <policy>/changes/<v>.md
    /changes/                    every change           changes/index.md
    /<policy>/versions/<v>/<name>-<v>.pdf   one version as a PDF (a file, not a page)
    /feed.xml  /versions.json
    /<locale>/…                  a translation's pages  <locale>/<policy>.md, <locale>/index.md …

A page is named by its Markdown file in the docs tree (what MkDocs, or any other engine, builds
from); ``page_url`` gives the URL such a file gets, with or without MkDocs'
``use_directory_urls``. Absolute URLs (mail, feed, versions.json, PR comments) are ``base`` +
that URL, where ``base`` is the site's ``site_url`` (ending in "/"), "/" for root-relative URLs,
or "" for URLs relative to the site's root. Inside a redline every id starts with ``change-``
(``#change-<anchor>``), so the redline can sit on a page beside the policy text.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from urllib.parse import quote, urlsplit

HOME_PAGE = "index.md"
CHANGES_PAGE = "changes/index.md"
FEED_FILE = "feed.xml"
VERSIONS_FILE = "versions.json"
CHANGE_PREFIX = "change-"  # the ids of a redline, e.g. id="change-cookies"


# --- pages in the docs tree ----------------------------------------------------------------------


def localized(path: str, locale: str = "") -> str:
    """A page of the site in a translation's language: ``nb/`` + the page (``nb/privacy.md``);
    the page itself for the source's language (``locale`` "")."""
    return f"{locale}/{path}" if locale else path


def policy_page(policy: str, locale: str = "") -> str:
    """The page with the text a policy shows (its current version): ``privacy.md``."""
    return localized(f"{policy}.md", locale)


def versions_page(policy: str, locale: str = "") -> str:
    """The list of a policy's versions: ``privacy/versions/index.md``."""
    return localized(f"{policy}/versions/index.md", locale)


def version_page(policy: str, label: str, locale: str = "") -> str:
    """One version's text: ``privacy/versions/1.0.md``."""
    return localized(f"{policy}/versions/{label}.md", locale)


def change_page(policy: str, label: str, locale: str = "") -> str:
    """What changed in a version, from the one before: ``privacy/changes/1.1.md``."""
    return localized(f"{policy}/changes/{label}.md", locale)


def home_page(locale: str = "") -> str:
    """The home page: ``index.md``, ``nb/index.md``."""
    return localized(HOME_PAGE, locale)


def changes_page(locale: str = "") -> str:
    """Every change: ``changes/index.md``, ``nb/changes/index.md``."""
    return localized(CHANGES_PAGE, locale)


def pdf_file(policy: str, label: str, locale: str = "") -> str:
    """A version's PDF in the site: ``privacy/versions/1.1/privacy-1.1.pdf`` (named by the last
    part of the policy's id, so a saved copy says what it is: ``legal/terms`` → ``terms-1.1``);
    its translation's ``nb/privacy/versions/1.1/privacy-1.1.nb.pdf``.

    In the version page's folder with directory URLs; without them the folder holds only it.
    """
    name = policy.rsplit("/", 1)[-1] + f"-{label}" + (f".{locale}" if locale else "")
    return localized(f"{policy}/versions/{label}/{name}.pdf", locale)


def page_url(path: str, directory_urls: bool = True) -> str:
    """The URL (relative to the site root) MkDocs gives the page at ``path``."""
    stem = path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        stem = stem.removesuffix("index")
        return stem if directory_urls else stem + "index.html"
    return stem + "/" if directory_urls else stem + ".html"


# --- links between pages -------------------------------------------------------------------------


def relative_path(target: str, start: str) -> str:
    """``posixpath.relpath`` for paths inside the docs tree, without its file-system calls
    (which cost half a second on a 2,000-page site)."""
    to = [p for p in target.split("/") if p and p != "."]
    here = [p for p in start.split("/") if p and p != "."]
    common = 0
    while common < min(len(to), len(here)) and to[common] == here[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


def page_link(source: str, target: str, anchor: str = "") -> str:
    """A relative Markdown link from one page of the tree to another (``.md``, as MkDocs wants)."""
    relative = relative_path(target, posixpath.dirname(source))
    return relative + (f"#{anchor}" if anchor else "")


def url_folder(page: str, directory_urls: bool = True) -> str:
    """The folder a relative URL on ``page`` is resolved from."""
    return posixpath.dirname(page_url(page, directory_urls)) or "."


def url_between(source: str, target: str, directory_urls: bool = True) -> str:
    """The relative URL (not a .md link) of the page ``target`` from the page ``source``."""
    relative = relative_path(
        page_url(target, directory_urls) or ".", url_folder(source, directory_urls)
    )
    return relative + "/" if directory_urls else relative


def feed_file(locale: str = "") -> str:
    """The feed's file: ``feed.xml``, a translation language's ``feed.nb.xml``.

    At the top of the site, not under ``nb/``: Material fetches ``sitemap.xml`` beside every
    ``<link rel="alternate">`` of a page, and there is one sitemap, at the top."""
    return f"feed.{locale}.xml" if locale else FEED_FILE


def feed_href(from_url: str, locale: str = "") -> str:
    """The feed's URL in the ``<head>`` of the page at ``from_url``, relative to that page.

    Never absolute: Material's script fetches ``sitemap.xml`` beside the URL of every ``<link
    rel="alternate">`` (to map pages for a language switch), so ``https://site/feed.xml`` made
    each page served on a preview host request the real site (issue 13)."""
    return "../" * from_url.count("/") + feed_file(locale)


# --- absolute URLs (mail, feed, versions.json, PR comments) ---------------------------------------


def policy_url(base: str, policy: str, locale: str = "") -> str:
    """``https://site/privacy/``: the policy's current text (``…/nb/privacy/`` in nb)."""
    return base + page_url(policy_page(policy, locale))


def versions_url(base: str, policy: str, locale: str = "") -> str:
    """``https://site/privacy/versions/``: every version, and the comparison of any two."""
    return base + page_url(versions_page(policy, locale))


def version_url(base: str, policy: str, label: str, locale: str = "") -> str:
    """``https://site/privacy/versions/1.0/``: one version's text, kept for good."""
    return base + page_url(version_page(policy, label, locale))


def change_url(
    base: str, policy: str, label: str, directory_urls: bool = True, locale: str = ""
) -> str:
    """``https://site/privacy/changes/1.1/``: what changed in that version."""
    return base + page_url(change_page(policy, label, locale), directory_urls)


def pdf_url(base: str, policy: str, label: str) -> str:
    """``https://site/privacy/versions/1.1/privacy-1.1.pdf``: a version as a PDF."""
    return base + pdf_file(policy, label)


def changes_url(base: str, directory_urls: bool = True, locale: str = "") -> str:
    """``https://site/changes/``: every change to every policy."""
    return base + page_url(localized(CHANGES_PAGE, locale), directory_urls)


def section_url(
    base: str, policy: str, anchor: str, *, version: str | None = None, locale: str = ""
) -> str:
    """A deep link to a section of the current text, or of the text of ``version``."""
    page = (
        version_url(base, policy, version, locale) if version else policy_url(base, policy, locale)
    )
    return f"{page}#{quote(anchor, safe='-._~')}" if anchor else page


def mail_text_url(
    base: str, policy: str, label: str, anchor: str = "", *, in_force: bool, locale: str = ""
) -> str:
    """Where a notice sends its reader for the text of version ``label`` (at ``anchor``).

    The policy's page while that version is the one in force on the day the mail goes out;
    otherwise the version's own page, which keeps exactly that text for good. An upcoming
    version's notice must not link ``/<policy>/#<anchor>``: until the effective date that page
    shows the old text, where a new section does not exist.
    """
    return section_url(base, policy, anchor, version=None if in_force else label, locale=locale)


def change_section_url(base: str, policy: str, label: str, anchor: str, locale: str = "") -> str:
    """One section's redline on a version's change page: ``…/privacy/changes/2.0/#change-data``
    (the page and its ids never change once the version is published)."""
    page = change_url(base, policy, label, locale=locale)
    return f"{page}#{quote(redline_id(anchor), safe='-._~')}"


def list_id(policy: str, domain: str) -> str:
    """The ``List-Id`` (RFC 2919) of a policy's notices: ``privacy.policy-notices.<domain>``."""
    label = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in policy)
    return f"{label.strip('-').lower() or 'policy'}.policy-notices.{domain}"


def foreign_url(link_base: str, path: str) -> str:
    """A link into the site the texts came from: ``link_base`` (an origin) and a root path."""
    return link_base.rstrip("/") + "/" + path.lstrip("/")


def feed_url(base: str, locale: str = "") -> str:
    """``https://site/feed.xml``; a translation language's ``https://site/feed.nb.xml``."""
    return base + feed_file(locale)


# --- ids ------------------------------------------------------------------------------------------


def redline_id(anchor: str, prefix: str = CHANGE_PREFIX) -> str:
    """The id of a section in a redline: ``change-<anchor>``; ``change`` for the preamble."""
    return f"{prefix}{anchor}" if anchor else prefix.rstrip("-") or "preamble"


def move_id(number: int, prefix: str = CHANGE_PREFIX, *, origin: bool = False) -> str:
    """The ids of a moved block in a redline: ``change-move-N`` where it is now, and
    ``change-move-N-from`` (``origin``) where it was."""
    return f"{prefix}move-{number}" + ("-from" if origin else "")


def redline_prefix(policy: str | None = None) -> str:
    """The id prefix of a redline: ``change-``, or ``change-<policy>-`` when several redlines
    share one page (their anchors could clash)."""
    return CHANGE_PREFIX if policy is None else f"{CHANGE_PREFIX}{policy}-"


def compare_query(old: str, new: str) -> str:
    """The versions page's comparison of two versions, in its address: ``?from=1.0&to=2.0``."""
    return f"?from={quote(old, safe='.-_~')}&to={quote(new, safe='.-_~')}"


def version_anchor(label: str) -> str:
    """A version's heading on the versions page: ``version-1.0``."""
    return f"version-{label}"


def feed_id(site_url: str, locale: str = "") -> str:
    """The Atom feed's id: its URL, or a URN for a site without ``site_url``."""
    if site_url:
        return feed_url(site_url, locale)
    return f"urn:policysite:feed:{locale}" if locale else "urn:policysite:feed"


def feed_entry_id(site_url: str, policy: str, label: str, day: dt.date, locale: str = "") -> str:
    """An Atom entry's id, stable across builds: a tag URI (RFC 4151) with the site's host and
    the day of the version's commit, or a URN for a site without ``site_url``; an entry of a
    translation language's feed ends in its locale (``…:privacy/1.1/nb``)."""
    host = urlsplit(site_url).hostname or ""
    if host:
        return f"tag:{host},{day.isoformat()}:{policy}/{label}" + (f"/{locale}" if locale else "")
    return f"urn:policysite:{policy}:{label}" + (f":{locale}" if locale else "")
