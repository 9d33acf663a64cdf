"""Helpers for the site tests: a generated policy repository, real MkDocs builds, a local server.

Builds are memoized per process so the whole suite builds each site once, whichever test module
asks first.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

from tests.conftest import REPO_ROOT, GitRepo, policy_text

TODAY = "2030-06-01"  # the synthetic site's "today": privacy 6.0 (2031-01-01) is upcoming

PRIVACY = [
    (
        "1.0",
        "2020-01-01",
        {},
        """
        ## Data we collect {#data}

        We collect your name and email address.

        ## Cookie policy {#cookie-policy}

        We use cookies to remember your settings.

        ## How long we keep data {#retention}

        We keep data for five years.
        """,
    ),
    (
        "2.0",
        "2021-01-01",
        {},
        """
        ## Data we collect {#data}

        We collect your name, email address and phone number.

        ## Cookie policy {#cookie-policy}

        We use cookies to remember your settings.

        ## How long we keep data {#retention}

        We keep data for five years.
        """,
    ),
    (
        "3.0",
        "2022-01-01",
        {"cookie-policy": "cookies"},
        """
        ## Data we collect {#data}

        We collect your name, email address and phone number.

        ## Cookies {#cookies}

        We use cookies to remember your settings and to count visits.

        ## How long we keep data {#retention}

        We keep data for five years.
        """,
    ),
    (
        "4.0",
        "2023-01-01",
        {"cookie-policy": "cookies"},
        """
        ## Data we collect {#data}

        We collect your name, email address and phone number.

        ## Cookies {#cookies}

        We use cookies to remember your settings and to count visits.

        ## How long we keep data {#storage}

        We keep data for five years.
        """,
    ),
    (
        "5.0",
        "2024-01-01",
        {"cookie-policy": "cookies"},
        """
        ## Data we collect {#data}

        We collect your name, email address and phone number.

        ## Cookies {#cookies}

        We use cookies to remember your settings and to count visits.

        ## How long we keep data {#storage}

        We keep data for five years.

        ## Your rights {#rights}

        You may ask for a copy of your data.
        """,
    ),
    (
        "6.0",
        "2031-01-01",
        {"cookie-policy": "cookies"},
        """
        ## Data we collect {#data}

        We collect your name, email address and phone number.

        ## Cookies {#cookies}

        We use cookies to remember your settings and to count visits.

        ## How long we keep data {#storage}

        We keep data for two years.

        ## Your rights {#rights}

        You may ask for a copy of your data, or that we delete it.
        """,
    ),
]


def _aliases(aliases: dict[str, str]) -> str:
    if not aliases:
        return ""
    return "anchor_aliases:\n" + "".join(f"  {k}: {v}\n" for k, v in aliases.items())


def _with_aliases(text: str, aliases: dict[str, str]) -> str:
    return text.replace("\n---\n", "\n" + _aliases(aliases) + "---\n", 1) if aliases else text


def _terms(n: int) -> str:
    rules = "".join(f"Rule {i} applies.\n\n" for i in range(2, n + 1))
    payment = "You pay every month." if n < 4 else "You pay every month, in advance."
    return (
        f"## Use of the service {{#use}}\n\nBe kind.\n\n{rules}"
        f"## Payment {{#payment}}\n\n{payment}\n"
    )


def _cookies(n: int) -> str:
    raw = ""
    if n == 2:  # raw HTML that must never reach a page as it is
        raw = (
            '<p onclick="steal()">Raw paragraph.</p>\n\n<script>alert("x")</script>\n\n'
            '<img src="https://tracker.example.com/pixel.gif" onerror="alert(1)" alt="pixel">\n\n'
        )
    return (
        f"## What cookies are {{#what}}\n\nSmall files in your browser (revision {n}).\n\n"
        f"{raw}## Which we use {{#which}}\n\nOnly the ones we need.\n"
    )


def make_synthetic_repo(path: Path) -> GitRepo:
    """3 policies × 6 versions: renamed anchors (with and without alias), a renamed file, an
    upcoming version, a missing changelog note, raw HTML, a nested policy id."""
    repo = GitRepo(path)
    path.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    repo.write(
        "mkdocs.yml",
        """
        site_name: Example policies
        site_url: https://example.com/
        docs_dir: policies
        theme:
          name: material
          font: false
          palette:
            - media: "(prefers-color-scheme: light)"
              scheme: default
            - media: "(prefers-color-scheme: dark)"
              scheme: slate
        markdown_extensions:
          - attr_list
          - admonition
          - toc:
              permalink: true
        plugins:
          - search
          - policysite
        """,
    )
    for n in range(1, 7):
        version, effective, aliases, body = PRIVACY[n - 1]
        privacy = policy_text(version, effective, body, title="Privacy Policy")
        repo.write("policies/privacy.md", _with_aliases(privacy, aliases))
        if version != "4.0":  # 4.0 has no changelog note
            material = "true" if n % 2 else "false"
            repo.write(
                f"changelog/privacy/{version}.md",
                f"---\nmaterial: {material}\n---\nPrivacy change number {n}.\n",
            )
        cookies = policy_text(f"{n}", f"202{n - 1}-06-01", _cookies(n), title="Cookie Policy")
        repo.write("policies/legal/cookies.md", cookies)
        repo.write(f"changelog/legal/cookies/{n}.md", "---\nmaterial: false\n---\nCookies.\n")
        if n == 3:  # the terms file is renamed, and edited in the same commit
            repo.git("mv", "policies/tos.md", "policies/terms.md")
        terms = policy_text(f"{n}", f"202{n - 1}-03-01", _terms(n), title="Terms of Service")
        repo.write("policies/terms.md" if n >= 3 else "policies/tos.md", terms)
        repo.write(f"changelog/terms/{n}.md", f"---\nmaterial: true\n---\nTerms {n}.\n")
        repo.commit(f"version {n}")
    return repo


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for a block (builds read POLICYSITE_TODAY, SOURCE_DATE_EPOCH)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_site(
    root: Path, site_dir: Path, site_url: str, today: str, *, strict: bool = True
) -> Path:
    """``mkdocs build`` of the site in ``root`` into ``site_dir``, in this process."""
    with environment(POLICYSITE_TODAY=today, NO_MKDOCS_2_WARNING="1"):
        config = load_config(
            config_file=str(root / "mkdocs.yml"),
            site_dir=str(site_dir),
            site_url=site_url,
            strict=strict,
        )
        build(config)
    return site_dir


@dataclass
class Served:
    """A built site and the local server that serves it at its ``site_url``."""

    root: Path  # the policy repository
    site_dir: Path
    url: str


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does: its own 404.html for a missing page."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(site_dir: Path) -> str:
    """Serve ``site_dir`` on 127.0.0.1 (a thread for the session); its URL."""
    site_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


@functools.cache
def synthetic_site(workdir: Path) -> Served:
    """The generated 3 × 6 repository, built once and served on 127.0.0.1."""
    repo = make_synthetic_repo(workdir / "repo")
    site_dir = workdir / "site"
    url = serve(site_dir)
    build_site(repo.path, site_dir, url, TODAY)
    return Served(repo.path, site_dir, url)


@functools.cache
def preview_site(workdir: Path) -> Served:
    """This repository's own site built for its real address (policies.videxio.com) and served
    on 127.0.0.1, as a preview host serves it: any request to the real address leaves the origin."""
    site_dir = workdir / "preview"
    url = serve(site_dir)
    build_site(REPO_ROOT, site_dir, "https://policies.videxio.com/", "2026-12-01")
    return Served(REPO_ROOT, site_dir, url)


@functools.cache
def videxio_site(workdir: Path) -> Served:
    """This repository's own site (privacy 1.0 and 1.1), built once and served on 127.0.0.1."""
    site_dir = workdir / "videxio"
    url = serve(site_dir)
    build_site(REPO_ROOT, site_dir, url, "2026-12-01")
    return Served(REPO_ROOT, site_dir, url)
