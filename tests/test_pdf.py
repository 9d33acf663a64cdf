"""The PDF of each version: built by a real ``mkdocs build`` with WeasyPrint, read back with
Debian's poppler-utils (pdftotext, pdfinfo, pdftoppm), no mocks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import http.server
import json
import re
import subprocess
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from policysite.config import settings_from_config
from policysite.errors import ConfigError
from policysite.site.pdf import (
    PdfCache,
    PdfFacts,
    absolute_links,
    font_files,
    local_fetcher,
    pdf_html,
)
from policysite.site.redlines import RedlineLinks
from tests.conftest import GitRepo, policy_text
from tests.site_support import Served, build_site, videxio_site

PDF = "privacy/versions/1.1/privacy-1.1.pdf"
TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def videxio(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return videxio_site(tmp_path_factory.mktemp("pdf-site"))


def poppler(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True).stdout


def record(site: Served, label: str) -> dict[str, object]:
    records = json.loads((site.site_dir / "versions.json").read_text(encoding="utf-8"))
    return next(r for r in records if r["policy"] == "privacy" and r["version"] == label)


def test_every_page_carries_the_facts_in_its_footer(videxio: Served) -> None:
    pdf = videxio.site_dir / PDF
    facts = record(videxio, "1.1")
    url = f"{videxio.url}privacy/versions/1.1/"
    pages = int(re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", pdf), re.M).group(1))  # type: ignore[union-attr]

    assert pages > 1
    for page in range(1, pages + 1):
        text = poppler("pdftotext", "-layout", "-f", str(page), "-l", str(page), pdf, "-")
        footer = [line.strip() for line in text.strip().splitlines()[-3:]]
        assert footer[0].startswith("Privacy Policy · version 1.1 · effective November 29, 2026")
        assert footer[0].endswith(f"Page {page} of {pages}")
        assert footer[1:3] == [f"sha256 {facts['sha256']}", url]


def test_the_text_is_the_version_and_its_metadata_names_it(videxio: Served) -> None:
    pdf = videxio.site_dir / PDF
    facts = record(videxio, "1.1")
    url = f"{videxio.url}privacy/versions/1.1/"
    text = " ".join(poppler("pdftotext", pdf, "-").split())

    assert "Version 1.1 · effective November 29, 2026" in text
    # 1.1 corrected "as wells a" (1.0) to "as well as"; the PDF of 1.0 keeps the old words.
    assert "covers the Videxio service, as well as Videxio branded products" in text
    old = " ".join(
        poppler("pdftotext", videxio.site_dir / "privacy/versions/1.0/privacy-1.0.pdf", "-").split()
    )
    assert "covers the Videxio service, as wells a Videxio branded products" in old
    info = poppler("pdfinfo", pdf)
    assert "Title:           Privacy Policy — version 1.1\n" in info
    assert (
        f"Subject:         Privacy Policy, version 1.1, effective 2026-11-29; text sha256 "
        f"{facts['sha256']}; {url}\n"
    ) in info
    custom = poppler("pdfinfo", "-custom", pdf)
    assert f"policysha256:    {facts['sha256']}\n" in custom
    assert f"policyurl:       {url}\n" in custom
    assert "policyversion:   1.1\n" in custom
    assert "policyeffective: 2026-11-29\n" in custom
    assert "Tagged:          yes\n" in info  # structure for screen readers
    # PDF/A-3b, as its XMP says; every font embedded.
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in poppler("pdfinfo", "-meta", pdf)
    fonts = poppler("pdffonts", pdf).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)


def test_a_page_renders_to_an_image_with_text_on_it(videxio: Served, tmp_path: Path) -> None:
    """Page 1 rendered to PNG, and as grey pixels: a blank page would be all white."""
    pdf = videxio.site_dir / PDF
    poppler(
        "pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", pdf, tmp_path / "page"
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    poppler(
        "pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", pdf, tmp_path / "page"
    )
    width, height, pixels = read_pgm((tmp_path / "page.pgm").read_bytes())
    dark = sum(1 for value in pixels if value < 128)
    assert (width, height) == (331, 468)  # A4 at 40 dpi
    assert 0.01 < dark / len(pixels) < 0.5


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary PGM (P5) as width, height and 8-bit grey pixels."""
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    return width, height, fields[4][: width * height]


def test_the_version_page_and_the_versions_list_link_the_pdf(videxio: Served) -> None:
    version = (videxio.site_dir / "privacy/versions/1.1/index.html").read_text(encoding="utf-8")
    listing = (videxio.site_dir / "privacy/versions/index.html").read_text(encoding="utf-8")

    assert '<a class="policysite-pdf" href="privacy-1.1.pdf">This version as a PDF</a>' in version
    assert re.findall(r'<a href="([^"]+\.pdf)">PDF</a>', listing) == [
        "1.1/privacy-1.1.pdf",
        "1.0/privacy-1.0.pdf",
    ]


NB_PDF = "nb/privacy/versions/1.1/privacy-1.1.nb.pdf"


def test_the_norwegian_translation_has_its_own_pdf_in_norwegian(videxio: Served) -> None:
    """privacy.nb.md (of 1.1) as a PDF: its text, in Norwegian around it (heading, footer,
    page numbers), saying which text is binding, with the translation's own sha256 and page;
    linked from the Norwegian version page and versions list; none for 1.0 (not translated)."""
    pdf = videxio.site_dir / NB_PDF
    records = json.loads((videxio.site_dir / "versions.json").read_text(encoding="utf-8"))
    (facts,) = [r for r in records if r.get("locale") == "nb" and r["translates"] == "1.1"]
    url = f"{videxio.url}nb/privacy/versions/1.1/"
    text = " ".join(poppler("pdftotext", pdf, "-").split())

    assert text.startswith("Personvernerklæring Versjon 1.1 · gjelder fra 29. november 2026 ")
    assert "Oversettelse til informasjon; den engelske teksten gjelder." in text
    assert f"På nett: {url} Tekstens sha256: {facts['sha256']}" in text
    assert "Videxio er en merkevaretjeneste som eies og drives av Pexip AS." in text
    pages = int(re.search(r"^Pages:\s+(\d+)$", poppler("pdfinfo", pdf), re.M).group(1))  # type: ignore[union-attr]
    last = poppler("pdftotext", "-layout", "-f", str(pages), "-l", str(pages), pdf, "-")
    footer = [line.strip() for line in last.strip().splitlines()[-3:]]
    assert footer[0].startswith("Personvernerklæring · versjon 1.1 · gjelder fra 29. november")
    assert footer[0].endswith(f"Side {pages} av {pages}")
    assert footer[1:3] == [f"sha256 {facts['sha256']}", url]
    custom = poppler("pdfinfo", "-custom", pdf)
    assert f"policysha256:    {facts['sha256']}\n" in custom
    assert f"policyurl:       {url}\n" in custom
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in poppler("pdfinfo", "-meta", pdf)
    assert not (videxio.site_dir / "nb/privacy/versions/1.0/privacy-1.0.nb.pdf").exists()

    version = (videxio.site_dir / "nb/privacy/versions/1.1/index.html").read_text("utf-8")
    listing = (videxio.site_dir / "nb/privacy/versions/index.html").read_text("utf-8")
    assert '<a class="policysite-pdf" href="privacy-1.1.nb.pdf">Denne versjonen som PDF</a>' in (
        version
    )
    assert re.findall(r'<a href="([^"]+\.pdf)">PDF</a>', listing) == ["1.1/privacy-1.1.nb.pdf"]


def test_pdf_false_makes_no_pdf_and_no_link(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.write(
        "mkdocs.yml",
        """
        site_name: Test policies
        site_url: https://example.com/
        docs_dir: policies
        theme:
          name: material
          font: false
        plugins:
          - policysite:
              pdf: false
        """,
    )
    git_repo.commit(policies__privacy_md=policy_text("1.0", "2020-01-01", "## A {#a}\n\nText.\n"))

    site = build_site(git_repo.path, tmp_path / "out", "https://example.com/", TODAY)

    assert list(site.rglob("*.pdf")) == []
    assert ".pdf" not in (site / "privacy/versions/index.html").read_text(encoding="utf-8")
    assert not (git_repo.path / ".policysite/cache/pdf").exists()


FACTS = PdfFacts(
    "Privacy <b>Policy</b>",
    "2.0",
    dt.date(2027, 1, 1),
    "ab" * 32,
    "https://example.com/privacy/versions/2.0/",
    dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC),
)


def test_the_document_fed_to_weasyprint_is_sanitized() -> None:
    hostile = (
        '<p onclick="x()">Words <a href="javascript:alert(1)">link</a></p>'
        "<script>alert(1)</script><style>body{background:url(https://evil.example/x)}</style>"
        '<img src="https://tracker.example/pixel.png"><iframe src="https://evil.example/"></iframe>'
    )

    document = pdf_html(FACTS, hostile)

    body = document[document.index("<body>") :]
    for payload in ("onclick", "javascript:", "<script", "<style", "tracker.example", "<iframe"):
        assert payload not in body
    assert "Privacy &lt;b&gt;Policy&lt;/b&gt;" in body  # a title is text, never markup
    assert "<title>Privacy &lt;b&gt;Policy&lt;/b&gt; — version 2.0</title>" in document


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"p { color: red }")

    def log_message(self, format: str, *args: object) -> None:
        pass


@functools.cache
def counting_server() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_weasyprint_fetches_nothing_but_the_fonts() -> None:
    """A stylesheet, an image and a font on a (local) server, and a file that is no font: the
    fetcher refuses each, and the server sees no request."""
    from weasyprint import HTML

    base = counting_server()
    _Counting.requests.clear()
    fonts = [path.resolve() for path in font_files().values()]
    fetcher = local_fetcher(fonts)
    document = (
        f'<html><head><link rel="stylesheet" href="{base}/style.css">'
        f"<style>@font-face {{ font-family: X; src: url({base}/font.ttf) }}"
        f"body {{ font-family: X; background: url(file:///etc/hostname) }}</style></head>"
        f'<body><p>Text</p><img src="{base}/pixel.png"></body></html>'
    )

    pdf = HTML(string=document, url_fetcher=fetcher).write_pdf()

    assert pdf.startswith(b"%PDF")
    assert _Counting.requests == []
    assert sorted(fetcher.refused) == sorted(
        [f"{base}/style.css", f"{base}/font.ttf", "file:///etc/hostname", f"{base}/pixel.png"]
    )
    font = fonts[0].as_uri()
    assert fetcher.fetch(font).read(4) in (b"\x00\x01\x00\x00", b"true", b"OTTO")


def test_the_cache_renders_a_version_once_and_keeps_only_what_a_build_used(
    tmp_path: Path,
) -> None:
    body = "## Data {#data}\n\nWe keep your name.\n"
    first = PdfCache(tmp_path)
    pdf = first.pdf(FACTS, body)
    again = first.pdf(FACTS, body)
    assert (first.hits, first.misses, pdf) == (1, 1, again)
    first.save()

    later = PdfCache(tmp_path)  # the next build: same facts and text → from disk
    assert later.pdf(FACTS, body) == pdf
    later.pdf(dataclasses.replace(FACTS, label="2.1"), body)  # a new label is a new PDF
    later.pdf(FACTS, body + "More.\n")  # so is a new text
    assert (later.hits, later.misses) == (1, 2)
    later.save()
    assert len(list(tmp_path.glob("*.pdf"))) == 3

    last = PdfCache(tmp_path)
    last.pdf(FACTS, body)
    last.save()  # the other two were not used by this build: removed
    assert (last.hits, len(list(tmp_path.glob("*.pdf")))) == (1, 1)


def test_pdf_must_be_true_or_false(tmp_path: Path) -> None:
    config = {"plugins": [{"policysite": {"pdf": "no"}}]}

    with pytest.raises(ConfigError) as raised:
        settings_from_config(tmp_path, config)

    assert raised.value.message == (
        "mkdocs.yml: plugin 'policysite': 'pdf' must be true or false, not 'no'."
    )
    assert settings_from_config(tmp_path, {"plugins": ["policysite"]}).pdf is True


def test_links_in_the_text_lead_to_the_site_and_anchors_stay_in_the_pdf() -> None:
    """Written relative to policies/legal/privacy.md; the PDF is of version 2.0."""
    links = RedlineLinks(
        "legal/privacy/versions/2.0.md",
        "legal/privacy.md",
        "legal/privacy.md",
        "legal/privacy.md",
        "legal/privacy.md",
    )
    facts = dataclasses.replace(
        FACTS, page_url="https://example.com/legal/privacy/versions/2.0/", links=links
    )
    body = (
        '<p><a href="#retention">retention</a>, <a href="cookies.md#consent">consent</a>, '
        '<a href="../terms.md">terms</a>, <a href="https://example.org/x?a=1&amp;b=2">law</a>, '
        '<a href="mailto:privacy@example.com">mail</a></p>'
    )

    assert absolute_links(facts, body) == (
        '<p><a href="#retention">retention</a>, '
        '<a href="https://example.com/legal/cookies/#consent">consent</a>, '
        '<a href="https://example.com/terms/">terms</a>, '
        '<a href="https://example.org/x?a=1&amp;b=2">law</a>, '
        '<a href="mailto:privacy@example.com">mail</a></p>'
    )
