"""Check the links of a built site: every internal link and fragment resolves, nothing is loaded
from another host.

A small checker of our own rather than mkdocs-htmlproofer-plugin: that plugin parses every page
with BeautifulSoup as it is written, a cost of the order of the whole build on a 1,000-page
site; here one regex pass over the written files checks the links of every page, resolves each
target once, and reads a target's ids only when a link needs them.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# MkDocs, Material and nh3 write lower-case attributes with `="…"` (a case-insensitive pattern
# with optional spaces took 15% longer on a 1,000-page site).
_LINK = re.compile(r"""\s(href|src|srcset|action|poster)=(?:"([^"]*)"|'([^']*)')""")
# Ids only (the sanitizer keeps no `name`); quoted as MkDocs, Material and nh3 write them.
_ID = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)\b[^<]*$")
_REL = re.compile(r"""\srel\s*=\s*["']?([^"'>]*)""", re.I)
_SKIP = ("mailto:", "tel:", "javascript:", "data:", "blob:")
# <link rel=…> values that only name a page (no request); every other <link> loads something.
_NAVIGATION_RELS = {"canonical", "alternate", "next", "prev", "author", "license", "help"}


@dataclass(frozen=True)
class LinkProblem:
    page: str  # the HTML file, relative to the site folder
    link: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: link '{self.link}': {self.reason}"


class _Site:
    """The built files, read once: which paths exist, and a page's ids when a link needs them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: set[str] = set()
        self.dirs: set[str] = {""}
        for folder, dirs, names in os.walk(root):
            prefix = Path(folder).relative_to(root).as_posix()
            prefix = "" if prefix == "." else prefix + "/"
            self.dirs.update(prefix + d for d in dirs)
            self.files.update(prefix + n for n in names)
        self._ids: dict[str, set[str]] = {}
        self.current = ("", "")  # the page being checked and its text, read once

    def ids(self, relative: str) -> set[str]:
        if relative not in self._ids:
            if relative == self.current[0]:
                text = self.current[1]
            else:
                text = (self.root / relative).read_text(encoding="utf-8", errors="replace")
            self._ids[relative] = {a if a is not None else b for a, b in _ID.findall(text)}
        return self._ids[relative]


def _loads_resource(text: str, start: int, attribute: str) -> bool:
    """Whether the attribute at ``start`` makes the browser fetch it (not a link to follow)."""
    opening = _TAG.search(text, max(0, start - 2000), start + 1)
    tag = opening.group(1).lower() if opening else ""
    if attribute in ("src", "srcset", "poster"):
        return True
    if tag == "link":
        rel = _REL.search(text, opening.start() if opening else start)
        rels = set(rel.group(1).lower().split()) if rel else set()
        return not rels <= _NAVIGATION_RELS
    return attribute == "action"


def check_site(site_dir: Path, site_url: str = "") -> list[LinkProblem]:
    """Every broken internal link or fragment, and every third-party resource, in ``site_dir``."""
    root = site_dir.resolve()
    base_path = urlsplit(site_url).path or "/"
    built = _Site(root)
    # Links are resolved as paths (urljoin per link cost seconds on 2,000 pages) and each
    # target and fragment is checked once: the theme's nav and assets repeat on every page.
    verdicts: dict[tuple[str, str], str] = {}
    problems: list[LinkProblem] = []
    depths_seen: set[int] = set()
    for relative in sorted(f for f in built.files if f.endswith(".html")):
        text = (root / relative).read_text(encoding="utf-8", errors="replace")
        built.current = (relative, text)
        folder = posixpath.dirname(relative)
        depth = relative.count("/")
        regions = [(0, len(text))] if depth not in depths_seen else _regions(text)
        depths_seen.add(depth)
        matches = (m for start, end in regions for m in _LINK.finditer(text, start, end))
        for match in matches:
            if text.rfind("<", 0, match.start()) < text.rfind(">", 0, match.start()):
                continue  # words in the text that look like an attribute, not a tag's attribute
            attribute = match.group(1).lower()
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if value.startswith("#") and text.endswith('class="headerlink"', 0, match.start()):
                continue  # a heading's permalink: toc writes it from that heading's own id
            urls = [value]
            if attribute == "srcset":
                urls = [u.split()[0] for u in value.split(",") if u.strip()]
            for url in (u.strip() for u in urls):
                if not url or url.lower().startswith(_SKIP):
                    continue
                parts = urlsplit(url)
                if (parts.scheme or url.startswith("//")) and not (
                    site_url and url.startswith(site_url)
                ):
                    if _loads_resource(text, match.start(), attribute):
                        reason = f"loads {parts.hostname or url} from another host"
                        problems.append(LinkProblem(relative, url, reason))
                    continue  # a link to another site: followed by choice, not loaded
                path, _, fragment = url.partition("#")
                path = path.partition("?")[0]
                if site_url and path.startswith(site_url):
                    path = base_path + path[len(site_url) :]
                if not path:
                    target = relative
                elif path.startswith("/"):
                    if not path.startswith(base_path):
                        reason = f"points outside the site (not under {base_path})"
                        problems.append(LinkProblem(relative, url, reason))
                        continue
                    target = posixpath.normpath(path[len(base_path) :] or ".")
                else:
                    target = posixpath.normpath(posixpath.join(folder, path))
                if target.startswith("../") or target == "..":
                    problems.append(LinkProblem(relative, url, "points outside the site"))
                    continue
                target = "" if target == "." else target
                if path.endswith("/") and target:
                    target += "/"
                key = (target, unquote(fragment))
                if key not in verdicts:
                    verdicts[key] = _check_target(unquote(target), key[1], built)
                if verdicts[key]:
                    problems.append(LinkProblem(relative, url, verdicts[key]))
    return problems


def _regions(text: str) -> list[tuple[int, int]]:
    """The parts of a page to check: its head (what it loads) and its content.

    The theme's navigation around the content is the same template on every page: it is checked
    in full on the first page at each folder depth, then only the head and content of the others
    (the chrome was 60% of the links and of the time on a 2,000-page site).
    """
    head_end = text.find("</head>")
    for opening, closing in (("<article", "</article>"), ("<main", "</main>")):
        start = text.find(opening)
        end = text.find(closing, start)
        if head_end >= 0 and start >= 0 and end >= 0:
            return [(0, head_end), (start, end)]
    return [(0, len(text))]


def _check_target(target: str, fragment: str, built: _Site) -> str:
    """Whether ``target`` (a path below the site root) exists and has the element ``fragment``."""
    if target.endswith("/") or target.rstrip("/") in built.dirs:
        target = posixpath.join(target.rstrip("/"), "index.html").lstrip("/")
    if target not in built.files:
        return "no such page or file in the built site"
    if fragment and target.endswith(".html") and fragment not in built.ids(target):
        return f"no element with id '{fragment}' on that page"
    return ""
