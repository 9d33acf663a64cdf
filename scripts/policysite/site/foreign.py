"""Links into the site the texts came from ("foreign" links), on an adopted site.

An adopted policy links paths of the site it was published on (``/site-policy/…``,
``/articles/…``). Here they lead to no page: the link check fails the strict build on each.
With ``link_base: https://docs.example.com`` every link of a page that resolves to no file of
this site (but a link to a ``.md`` file: one between the repository's own files, which the link
check reports) goes to that origin instead: absolute, ``rel="noopener"``, and so outside the link
check (which follows this site's own links only).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Collection

from policysite import urls

_ANCHOR = re.compile(r"<a\s[^>]*>", re.I)
_HREF = re.compile(r"""\shref=(?:"([^"]*)"|'([^']*)')""", re.I)
_REL = re.compile(r"""\srel=(?:"([^"]*)"|'([^']*)')""", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def site_path(page: str, href: str, base_path: str = "/") -> str | None:
    """The path from the host's root that ``href`` on the page ``page`` (its file, e.g.
    ``privacy/index.html``) names; None for a link to another host, a fragment or a mail."""
    if not href or href.startswith(("#", "//")) or _SCHEME.match(href):
        return None
    path = href.partition("#")[0].partition("?")[0]
    if path.startswith("/"):
        return path
    return base_path + _normal(posixpath.join(posixpath.dirname(page), path))


def _normal(path: str) -> str:
    found = posixpath.normpath(path) if path else "."
    return "" if found == "." else found


def exists(path: str, files: Collection[str], base_path: str = "/") -> bool:
    """Whether a path from the host's root is a file of the built site, or a folder's page."""
    if not path.startswith(base_path):
        return False
    relative = _normal(path[len(base_path) :])
    return (
        not relative
        or relative in files
        or f"{relative}/index.html" in files
        or f"{relative}.html" in files
    )


def rewrite_foreign_links(
    text: str, page: str, files: Collection[str], link_base: str, base_path: str = "/"
) -> str:
    """``text`` (a page's HTML) with every link to no file of ``files`` sent to ``link_base``."""

    def rewrite(match: re.Match[str]) -> str:
        tag = match.group(0)
        found = _HREF.search(tag)
        if found is None:
            return tag
        href = html.unescape(found.group(1) if found.group(1) is not None else found.group(2))
        path = site_path(page, href, base_path)
        if path is None or path.endswith(".md") or exists(path, files, base_path):
            return tag  # a link to a Markdown file is between the repository's own files
        # A root-relative link keeps its spelling; a relative one is read from this page.
        rest = href[len(href.partition("#")[0].partition("?")[0]) :]
        target = urls.foreign_url(link_base, href if href.startswith("/") else path + rest)
        tag = tag[: found.start()] + f' href="{html.escape(target)}"' + tag[found.end() :]
        rel = _REL.search(tag)
        if rel is None:
            return tag[:-1].rstrip("/").rstrip() + ' rel="noopener">'
        values = set((rel.group(1) or rel.group(2) or "").split()) | {"noopener"}
        return tag[: rel.start()] + f' rel="{" ".join(sorted(values))}"' + tag[rel.end() :]

    return _ANCHOR.sub(rewrite, text)
