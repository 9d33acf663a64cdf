"""Check the links of a built site: every internal link and fragment resolves, nothing is loaded
from another host.

A small checker of our own rather than mkdocs-htmlproofer-plugin: that plugin parses every page
with BeautifulSoup as it is written, a cost of the order of the whole build on a 1,000-page
site; here one regex pass over each page as it is written notes its ids and links, then each
target and fragment is checked once against the files of the built site.
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
# Ids, quoted as MkDocs, Material and nh3 write them; and `<a name>`, the old fragment target
# a browser still goes to (adopted texts use it), which the sanitizer keeps.
_ID = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")
_A_NAME = re.compile(r"""<a\s[^>]*?\bname=(?:"([^"]*)"|'([^']*)')""", re.I)
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


Found = tuple[str, str, str | tuple[str, str]]  # page, link, a problem or (path, fragment)


class LinkChecker:
    """The links of a built site, noted page by page, then checked against the files at once.

    ``add_page`` notes a page's ids and links from its HTML as written: the MkDocs plugin hands
    over each page as it is built, so no page is read back from disk (re-reading 2,000 pages
    cost 2,000 file opens and 60 MB of reads). ``check`` reads the HTML files it was not given
    (the 404 page, static pages) and checks every link once per target and fragment.
    """

    def __init__(self, site_url: str = "") -> None:
        self.site_url = site_url
        self._found: dict[str, list[Found]] = {}
        self._ids: dict[str, set[str]] = {}
        self._depths: set[int] = set()

    def add_page(self, relative: str, text: str) -> None:
        """Note the ids and links of the HTML file ``relative`` (to the site folder)."""
        # ` id="…"`, as MkDocs, Material and nh3 write it: a split is 8× faster than _ID.
        self._ids[relative] = {p[: p.find('"')] for p in text.split(' id="')[1:] if '"' in p}
        if " name=" in text:
            self._ids[relative].update(a or b for a, b in _A_NAME.findall(text))
        depth = relative.count("/")
        regions = [(0, len(text))] if depth not in self._depths else _regions(text)
        self._depths.add(depth)
        self._found[relative] = _page_links(relative, text, regions, self.site_url)

    def check(self, site_dir: Path) -> list[LinkProblem]:
        """Every broken internal link or fragment, and every third-party resource."""
        built = _Site(site_dir.resolve(), self._ids)
        for relative in sorted(built.files):
            if relative.endswith(".html") and relative not in self._found:
                self.add_page(relative, built.text(relative))
        verdicts: dict[tuple[str, str], str] = {}
        problems: list[LinkProblem] = []
        for relative in sorted(self._found):
            if relative not in built.files:
                continue  # handed over but not written (MkDocs skips an empty page)
            for _, url, outcome in self._found[relative]:
                if isinstance(outcome, tuple):
                    if outcome not in verdicts:
                        target, fragment = outcome
                        verdicts[outcome] = _check_target(unquote(target), fragment, built)
                    outcome = verdicts[outcome]
                if outcome:
                    problems.append(LinkProblem(relative, url, outcome))
        return problems


class _Site:
    """The built files: which paths exist, and the ids of each page."""

    def __init__(self, root: Path, ids: dict[str, set[str]]) -> None:
        self.root = root
        self.files: set[str] = set()
        self.dirs: set[str] = {""}
        for folder, dirs, names in os.walk(root):
            prefix = Path(folder).relative_to(root).as_posix()
            prefix = "" if prefix == "." else prefix + "/"
            self.dirs.update(prefix + d for d in dirs)
            self.files.update(prefix + n for n in names)
        self._ids = ids
        self._all_ids: dict[str, set[str]] = {}

    def has_id(self, relative: str, fragment: str) -> bool:
        """Whether the page has an element with this id."""
        if fragment in self._ids.get(relative, ()):
            return True
        if relative not in self._all_ids:  # another spelling (single quotes, a line break)
            text = self.text(relative)
            found = _ID.findall(text) + _A_NAME.findall(text)
            self._all_ids[relative] = {a or b for a, b in found}
        return fragment in self._all_ids[relative]

    def text(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8", errors="replace")


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
    return LinkChecker(site_url).check(site_dir)


def _page_links(
    relative: str, text: str, regions: list[tuple[int, int]], site_url: str
) -> list[Found]:
    """The links of one page: each a problem found from the page alone, or the path and
    fragment it points to (checked once the whole site is read)."""
    # Links are resolved as paths: urljoin per link cost seconds on 2,000 pages.
    base_path = urlsplit(site_url).path or "/"
    folder = posixpath.dirname(relative)
    found: list[Found] = []
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
            if ":" in url or url.startswith("//"):  # only then can it name another host
                parts = urlsplit(url)
                if (parts.scheme or url.startswith("//")) and not (
                    site_url and url.startswith(site_url)
                ):
                    if _loads_resource(text, match.start(), attribute):
                        found.append(
                            (relative, url, f"loads {parts.hostname or url} from another host")
                        )
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
                    found.append((relative, url, reason))
                    continue
                target = posixpath.normpath(path[len(base_path) :] or ".")
            else:
                target = posixpath.normpath(posixpath.join(folder, path))
            if target.startswith("../") or target == "..":
                found.append((relative, url, "points outside the site"))
                continue
            target = "" if target == "." else target
            if path.endswith("/") and target:
                target += "/"
            found.append((relative, url, (target, unquote(fragment))))
    return found


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
    if fragment and target.endswith(".html") and not built.has_id(target, fragment):
        return f"no element with id '{fragment}' on that page"
    return ""
