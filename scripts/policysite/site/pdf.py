"""A PDF of every version, for legal teams to file and send: made at build time with WeasyPrint.

``/privacy/versions/1.1/privacy-1.1.pdf`` (``urls.pdf_file``) holds the version's text as the
site renders it, sanitized like every page, in PDF/A-3b (archival: fonts embedded), tagged. Its
title, version, effective date, the sha256 of the text and the version page's URL are in the
document's metadata (title, subject, keywords, and one custom entry each) and in the footer of
every page, so a printed page still says which text it is.

Nothing is fetched: the fonts are Debian's DejaVu files (``fonts-dejavu-core``), named by path,
and ``LocalFetcher`` refuses every URL outside those files (a policy's image from another host,
a stylesheet, anything); a refused URL is logged and left out.

PDFs are kept on disk (``PdfCache``): a key holds everything that changes the output (the text's
hash and the facts in the footer, this module's code, the sanitizer's and the renderer's, the
WeasyPrint version and the fonts), so a build after a new version renders one PDF. WeasyPrint is
imported only when a PDF is rendered: a warm build never loads it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from policysite import markdown_render, sanitize
from policysite.errors import ConfigError
from policysite.files import write_atomic
from policysite.site.redlines import RedlineLinks

log = logging.getLogger("policysite.pdf")
# A link's opening tag as Python-Markdown writes it (attributes double-quoted), URL in group 2.
_HREF = re.compile(r'(<a\b[^<>]*?\shref=")([^"]*)(")')

PDF_VARIANT = "pdf/a-3b"
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONT_PACKAGE = "fonts-dejavu-core"
# (family, weight, style) → file in FONT_FOLDER
FONTS = {
    ("PolicySerif", "normal", "normal"): "DejaVuSerif.ttf",
    ("PolicySerif", "bold", "normal"): "DejaVuSerif-Bold.ttf",
    ("PolicySerif", "normal", "italic"): "DejaVuSerif-Italic.ttf",
    ("PolicySerif", "bold", "italic"): "DejaVuSerif-BoldItalic.ttf",
    ("PolicySans", "normal", "normal"): "DejaVuSans.ttf",
    ("PolicySans", "bold", "normal"): "DejaVuSans-Bold.ttf",
    ("PolicyMono", "normal", "normal"): "DejaVuSansMono.ttf",
}

STYLESHEET = """\
@page {
  size: A4;
  margin: 22mm 20mm 28mm 20mm;
  @bottom-left { content: element(pdf-footer); vertical-align: top; }
  @bottom-right { font: 8pt PolicySans; color: #333; vertical-align: top; }
}
html { font: 10.5pt/1.45 PolicySerif; color: #000; }
h1, h2, h3, h4, h5, h6 { font-family: PolicySans; line-height: 1.25;
  break-after: avoid; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; }
p, li { orphans: 3; widows: 3; }
a { color: inherit; text-decoration: underline; }
code, pre { font-family: PolicyMono; font-size: 9pt; }
pre { white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; }
th, td { border: 0.5pt solid #555; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
tr { break-inside: avoid; }
.pdf-facts { font-family: PolicySans; font-size: 9pt; margin: 0 0 6mm;
  padding-bottom: 3mm; border-bottom: 0.5pt solid #555; }
.pdf-facts p { margin: 0.5mm 0; }
.pdf-footer { position: running(pdf-footer); font: 7.5pt/1.35 PolicySans; color: #333;
  width: 130mm; overflow-wrap: anywhere; }
.headerlink { display: none; }
"""


@dataclass(frozen=True)
class PdfWords:
    """What a PDF says around the text, in its language ({title}, {label}, {date} filled in);
    a translation's also says which text is binding (``statement``)."""

    heading: str = "Version {label} · effective {date}"
    footer: str = "{title} · version {label} · effective {date}"
    document: str = "{title} — version {label}"
    online: str = "Online:"
    sha256: str = "Text sha256:"
    pages: str = "Page {page} of {pages}"
    statement: str = ""

    def page_numbers(self) -> str:
        """The CSS that writes "Page 2 of 5" in the bottom-right corner, in these words."""
        parts = []
        for piece in re.split(r"(\{page\}|\{pages\})", self.pages):
            if piece in ("{page}", "{pages}"):
                parts.append(f"counter({piece[1:-1]})")
            elif piece:
                parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
        return f"@page {{ @bottom-right {{ content: {' '.join(parts)}; }} }}\n"


@dataclass(frozen=True)
class PdfFacts:
    """What the PDF says about itself, in its metadata and on every page."""

    title: str
    label: str
    effective: dt.date
    sha256: str  # of the version's text, as versions.json publishes it
    page_url: str  # the version's page on the site (absolute with a site_url)
    created: dt.datetime  # the version's commit: a build of one commit makes the same PDF
    effective_text: str = ""  # the date as the site writes it; ISO 8601 when not given
    language: str = "en"  # the site's language (theme.language): the document's, for readers
    # Where the text was written and is shown, so its links to other pages and files resolve
    # (to absolute URLs: a PDF has no page around it); ``#anchor`` stays inside the PDF.
    links: RedlineLinks | None = None
    words: PdfWords = PdfWords()

    @property
    def shown_date(self) -> str:
        return self.effective_text or self.effective.isoformat()

    def key(self) -> str:
        return "\0".join(
            (self.title, self.label, self.effective.isoformat(), self.sha256, self.page_url)
        ) + (
            f"\0{self.created.isoformat()}\0{self.effective_text}\0{self.language}"
            f"\0{self.links.key() if self.links else ''}\0{self.words!r}"
        )


def font_files() -> dict[tuple[str, str, str], Path]:
    """The font files the PDF embeds; a clear error when Debian's package is missing."""
    found = {key: FONT_FOLDER / name for key, name in FONTS.items()}
    missing = sorted(str(path) for path in found.values() if not path.is_file())
    if missing:
        raise ConfigError(
            f"the PDFs need the DejaVu fonts, and {', '.join(missing)} is missing; install "
            f"them with `scripts/install-system-deps.sh pdf` (Debian: apt-get install "
            f"{FONT_PACKAGE}), or set `pdf: false` under the policysite plugin in mkdocs.yml."
        )
    return found


def _font_faces(fonts: dict[tuple[str, str, str], Path]) -> str:
    return "".join(
        f"@font-face {{ font-family: {family}; font-weight: {weight}; font-style: {style}; "
        f'src: url("{path.as_uri()}"); }}\n'
        for (family, weight, style), path in fonts.items()
    )


def pdf_html(facts: PdfFacts, body_html: str) -> str:
    """The document WeasyPrint renders: the facts, the text and the running footer.

    Everything from an editor (the title, the text) passes the one sanitizer; the document
    around it and its ``<meta>`` values are ours, escaped.
    """
    effective = facts.effective.isoformat()
    words = facts.words
    values = {"title": facts.title, "label": facts.label, "date": facts.shown_date}
    url = html.escape(facts.page_url)
    statement = f"<p><em>{html.escape(words.statement)}</em></p>" if words.statement else ""
    facts_block = (
        f'<div class="pdf-facts"><h1>{html.escape(facts.title)}</h1>'
        f"<p>{html.escape(words.heading.format(**values))}</p>{statement}"
        f'<p>{html.escape(words.online)} <a href="{url}">{url}</a></p>'
        f"<p>{html.escape(words.sha256)} {facts.sha256}</p></div>"
    )
    footer = (
        f'<div class="pdf-footer">{html.escape(words.footer.format(**values))}<br>'
        f"sha256 {facts.sha256}<br>{url}</div>"
    )
    content = sanitize.sanitize_html(footer + facts_block + body_html)
    created = facts.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {
        "description": (
            f"{facts.title}, version {facts.label}, effective {effective}; text sha256 "
            f"{facts.sha256}; {facts.page_url}"
        ),
        "keywords": f"version {facts.label}, effective {effective}, sha256 {facts.sha256}",
        "generator": "policysite",
        "dcterms.created": created,
        "dcterms.modified": created,
        "policy-version": facts.label,
        "policy-effective": effective,
        "policy-sha256": facts.sha256,
        "policy-url": facts.page_url,
    }
    head = "".join(
        f'<meta name="{name}" content="{html.escape(value)}">' for name, value in meta.items()
    )
    return (
        f'<!DOCTYPE html><html lang="{html.escape(facts.language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(words.document.format(**values))}</title>"
        f"{head}</head><body>{content}</body></html>"
    )


def allowed_files() -> frozenset[Path]:
    """The only files a PDF may load: its fonts."""
    return frozenset(path.resolve() for path in font_files().values())


@functools.cache
def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        """A URL fetcher that loads the PDF's own font files and refuses anything else."""

        def __init__(self, allowed: frozenset[Path]) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.allowed = allowed
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
            if path is None or parts.netloc not in ("", "localhost") or path not in self.allowed:
                self.refused.append(url)
                raise ValueError(f"policysite: {url} is not one of the PDF's own files")
            return super().fetch(url, headers)

    return LocalFetcher


def local_fetcher(allowed: Iterable[Path]) -> Any:
    """A WeasyPrint URL fetcher that refuses every URL but ``file:`` ones of ``allowed``."""
    return _fetcher_class()(frozenset(allowed))


def absolute_links(facts: PdfFacts, body_html: str) -> str:
    """The text's links as a reader of the PDF can follow them: ``other.md#x`` (written
    relative to the policy's file) as the absolute URL of that page, ``#x`` as it is."""
    links = facts.links
    if links is None:
        return body_html

    def absolute(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2))
        if url and not url.startswith("#"):
            url = urljoin(facts.page_url, links.relink(url, "new"))
        return match.group(1) + html.escape(url) + match.group(3)

    return _HREF.sub(absolute, body_html)


def render_pdf(facts: PdfFacts, body: str) -> bytes:
    """The PDF/A-3b of one version's Markdown ``body``."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = font_files()
    fetcher = local_fetcher(path.resolve() for path in fonts.values())
    document = pdf_html(facts, absolute_links(facts, markdown_render.markdown_to_html(body)))
    font_config = FontConfiguration()
    css = CSS(
        string=_font_faces(fonts) + STYLESHEET + facts.words.page_numbers(),
        font_config=font_config,
        url_fetcher=fetcher,
    )
    # No base_url: a relative link or image in the text resolves to nothing, so nothing loads.
    pdf = HTML(string=document, url_fetcher=fetcher).write_pdf(
        stylesheets=[css],
        font_config=font_config,
        pdf_variant=PDF_VARIANT,
        pdf_identifier=hashlib.md5(facts.key().encode(), usedforsecurity=False)
        .hexdigest()
        .encode(),
        custom_metadata=True,
        # Tagged: headings, lists and tables as structure for screen readers and reflow (cost:
        # +4 % render time, +30 % size on privacy 1.1, measured).
        pdf_tags=True,
    )
    for url in fetcher.refused:
        log.warning(f"PDF of {facts.title} {facts.label}: left out {url} (not a local file)")
    return bytes(pdf)


def renderer_fingerprint() -> str:
    """Changes with anything that changes a PDF but its facts and text: this code, the
    sanitizer's and the Markdown renderer's, WeasyPrint's version, the font files."""
    digest = hashlib.sha256()
    for module in (sys.modules[__name__], sanitize, markdown_render):
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in ("weasyprint", "pydyf", "nh3", "markdown", "pymdown-extensions"):
        try:
            digest.update(f"{package}={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none\0".encode())
    for name in sorted(FONTS.values()):
        path = FONT_FOLDER / name
        stat = path.stat() if path.is_file() else None
        digest.update(
            f"{name}:{stat.st_size if stat else 0}:{stat.st_mtime_ns if stat else 0}".encode()
        )
    return digest.hexdigest()[:16]


class PdfCache:
    """PDFs kept on disk, one file per key (the facts, the text, the renderer).

    A build reads the PDFs it needs from here and renders only the missing ones (a cold PDF
    of a 4,000-word policy takes seconds; ``bench/site.py``). Files a build did not use are
    removed by ``save``; each is written through a temporary file and a rename.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._fingerprint: str | None = None
        self._used: set[str] = set()

    def _key(self, facts: PdfFacts, body: str) -> str:
        if self._fingerprint is None:
            self._fingerprint = renderer_fingerprint()
        digest = hashlib.sha256(f"{self._fingerprint}\0{facts.key()}\0".encode())
        digest.update(body.encode("utf-8"))
        return digest.hexdigest()[:32]

    def pdf(self, facts: PdfFacts, body: str) -> bytes:
        """The PDF of a version, from the cache when nothing that shapes it changed."""
        key = self._key(facts, body)
        self._used.add(key)
        path = self.folder / f"{key}.pdf" if self.folder else None
        if path is not None and path.is_file():
            self.hits += 1
            return path.read_bytes()
        self.misses += 1
        data = render_pdf(facts, body)
        if path is not None:
            write_atomic(path, data)
        return data

    def save(self) -> None:
        """Remove the PDFs this build did not use (older renderers, rewritten history)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.glob("*.pdf"):
            if path.stem not in self._used:
                path.unlink(missing_ok=True)
