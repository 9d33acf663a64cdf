"""The one allow-list every string passes on its way to a reader: site pages, mail, redlines, feed,
PDFs; and ``terminal_text`` for what ``policysite diff`` prints on a terminal.

Policy texts are Markdown written by editors, and Markdown lets raw HTML through. What reaches a
reader keeps the document's structure (headings with their ids for deep links, lists, tables,
``<ins>``/``<del>``, the theme's permalinks and our banners) and loses anything active: scripts,
event handlers, forms, frames, styles other than a table cell's alignment, and images or media
from another host (a third-party request is a tracker).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import nh3

from policysite.files import write_atomic

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS) | {"section", "tfoot"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir"},
    # `name`: a fragment target browsers still go to (GitHub's texts use `<a name="x"></a>`).
    "a": {"href", "hreflang", "name"},
    "img": {"alt", "src", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "align", "style"},
    "td": {"colspan", "rowspan", "align", "style"},
    "ol": {"start"},
    "time": {"datetime"},
    "ins": {"datetime", "cite"},
    "del": {"datetime", "cite"},
}
ALLOWED_ATTRIBUTE_PREFIXES = frozenset({"data-policysite-"})  # our scripts' hooks
URL_SCHEMES = frozenset(nh3.ALLOWED_URL_SCHEMES)  # http, https, mailto, tel, …: never script
_URL_ATTRIBUTES = {"href", "src"}
_OTHER_HOST = re.compile(r"^\s*(?:[a-z]+:)?//", re.I)


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute in ("id", "name") and value.startswith(("__", "md-")):
        return None  # would clobber the theme's own elements (Material's #__config …)
    if attribute in _URL_ATTRIBUTES and element != "a" and _OTHER_HOST.match(value):
        return None  # an image or media from another host: a third-party request
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    generic_attribute_prefixes=set(ALLOWED_ATTRIBUTE_PREFIXES),
    filter_style_properties={"text-align"},
    url_schemes=set(URL_SCHEMES),
    link_rel=None,
    strip_comments=True,
)


def sanitize_html(html_text: str) -> str:
    """``html_text`` with anything active removed (scripts, handlers, forms, iframes).

    Headings keep their ids (deep links), so do the theme's permalinks and our banners.
    """
    return _CLEANER.clean(html_text)


def theme_text(text: str) -> str:
    """Text for the places the theme writes without escaping (a page's title in ``<title>``, the
    header, the navigation, its ``<h1>``): no tag can start in it.

    ``&`` stays as it is ("Terms & Conditions" is valid HTML text), because the theme escapes
    the same title again in its ``aria-label``s, where ``&amp;`` would be read out.
    """
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# As a browser reads a URL: tabs and newlines anywhere are dropped, leading spaces and control
# characters too (WHATWG URL), so "java&#x09;script:" is "javascript:".
_URL_NOISE = re.compile(r"[\t\n\r]")
_LEADING = re.compile(r"^[\x00-\x20]+")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def url_scheme(url: str) -> str | None:
    """The scheme a browser sees in ``url`` (lower case), entities decoded; None if relative."""
    seen = _LEADING.sub("", _URL_NOISE.sub("", html.unescape(url)))
    found = _URL_SCHEME.match(seen)
    return found.group(1).lower() if found else None


def url_allowed(url: str) -> bool:
    """Whether the sanitizer keeps ``url`` in a link: relative, or a scheme on the allow-list
    (``javascript:``, ``data:``, ``vbscript:`` and the like are removed)."""
    scheme = url_scheme(url)
    return scheme is None or scheme in URL_SCHEMES


class SanitizeCache:
    """Sanitized HTML by the digest of the HTML that went in, kept on disk between builds.

    A rebuild sanitizes only the pages whose HTML changed (nh3 on every page of a 2,000-page
    site cost 0.3 s a build). Entries are valid for this allow-list and this nh3 only; the file
    keeps the pages of the last build and nothing else.
    """

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "pages.json" if folder else None
        self.hits = 0
        self.misses = 0
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(getattr(nh3, "__version__", "").encode())
        self._fingerprint = digest.hexdigest()[:16]
        self._entries: dict[str, str] = {}
        self._used: dict[str, str] = {}
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("fingerprint") == self._fingerprint:
                    self._entries = {str(k): str(v) for k, v in data["entries"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                pass  # unreadable: sanitize again and overwrite it

    def sanitize_html(self, html_text: str) -> str:
        """``sanitize_html(html_text)``, from the cache when the same HTML was sanitized before."""
        key = hashlib.blake2b(html_text.encode(), digest_size=16).hexdigest()
        clean = self._entries.get(key)
        if clean is None:
            self.misses += 1
            clean = sanitize_html(html_text)
        else:
            self.hits += 1
        self._used[key] = clean
        return clean

    def save(self) -> None:
        """Write the pages of this build (and only those) if anything changed."""
        if self.path is None or (not self.misses and self._used.keys() == self._entries.keys()):
            return
        data = {"fingerprint": self._fingerprint, "entries": self._used}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False))


# Control characters (C0 but tab and newline, DEL, C1) start terminal escape sequences: ESC [,
# and the one-byte CSI \x9b. Bidirectional overrides and isolates reorder what a reader sees
# ("Trojan Source", CVE-2021-42574): a deleted word could show as another.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """``text`` safe to print on a terminal: no control character (so no escape sequence) and
    no bidirectional override; tabs and newlines kept."""
    return _TERMINAL_UNSAFE.sub("", text)
