"""The redline of each version against the one before, as the change pages show it.

A redline is raw HTML that MkDocs does not touch, so the links of the policy text inside it are
rewritten here to work from the change page (``RedlineLinks``). Redlines are kept on disk
(``RedlineCache``): a rebuild after one new version diffs one pair, not the whole history.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from policysite import blocks, markdown_render, model, render, sections, urls
from policysite import diff as diff_engine
from policysite.files import write_atomic
from policysite.model import Change, SectionChange, Version
from policysite.render import html as render_html_module

Redline = tuple[Change, str]
_CACHE_VERSION = "3"

# The code a redline depends on: a change to any of it invalidates the cached redlines.
_ENGINE_MODULES = (
    blocks,
    diff_engine,
    markdown_render,
    model,
    render,
    render_html_module,
    sections,
    urls,
    sys.modules[__name__],  # the link rewriting below
)
_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|//")


def redline_css() -> str:
    """The stylesheet the redline's classes need (screen-reader labels hidden, ins/del)."""
    return render_html_module.REDLINE_CSS


def engine_fingerprint(modules: Iterable[ModuleType] = _ENGINE_MODULES) -> str:
    """Changes when the engine's code does, so a cached redline never outlives its engine."""
    digest = hashlib.sha256(_CACHE_VERSION.encode())
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RedlineLinks:
    """Where a redline is shown, and where the texts it compares were written.

    ``#anchor`` goes to the section in that side's text (the old version's for deleted words,
    the new one's otherwise); ``other.md#x``, relative to the file the text was in, goes to that
    page's URL; a file (an image, a PDF) to its path from the change page's folder.
    """

    page: str  # the change page, e.g. "privacy/changes/1.1.md"
    old_text: str  # the page with the old version's text, e.g. "privacy/versions/1.0.md"
    new_text: str
    old_source: str  # the old version's file in the docs tree, e.g. "privacy.md"
    new_source: str
    directory_urls: bool = True

    def key(self) -> str:
        return "\0".join(
            (self.page, self.old_text, self.new_text, self.old_source, self.new_source)
        ) + ("\0/" if self.directory_urls else "\0.html")

    def relink(self, url: str, side: Literal["old", "new"]) -> str:
        text_page = self.old_text if side == "old" else self.new_text
        source = self.old_source if side == "old" else self.new_source
        if url.startswith("#"):
            return urls.url_between(self.page, text_page, self.directory_urls) + url
        if not url or url.startswith("/") or _URL_SCHEME.match(url):
            return url
        path, hashmark, fragment = url.partition("#")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if joined.endswith(".md"):
            target = urls.url_between(self.page, joined, self.directory_urls)
        else:
            target = posixpath.relpath(joined, urls.url_folder(self.page, self.directory_urls))
        return target + hashmark + fragment


class RedlineCache:
    """Redlines kept on disk, keyed by the sha256 of the two texts, for one engine's code.

    A redline whose texts have no links reads the same wherever it is shown, and is kept under
    the texts alone: a new version moves its predecessor off the policy page, and that pair was
    diffed again when the place was part of every key. One with links is kept under the texts
    and the place (``RedlineLinks``). One file for the site (reading 500 small files cost 0.3 s
    a build); written atomically through a temporary file and a rename, and only with the
    pairs the site still uses.
    """

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "redlines.json" if folder else None
        self.hits = 0
        self.misses = 0
        self._engine = engine_fingerprint()
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("engine") == self._engine:
                    self._entries = dict(data["entries"])
            except (ValueError, KeyError, TypeError, AttributeError):
                pass  # unreadable: diff again and overwrite it

    def redline(
        self,
        old: Version,
        new: Version,
        links: RedlineLinks | None = None,
        words: Mapping[str, str] | None = None,
    ) -> Redline:
        """``old`` → ``new`` as a Change (sections only) and its HTML redline.

        ``links`` says where the redline is shown, so the policy text's links resolve there;
        ``words`` are the redline's words in the page's language (``render.WORDS`` if not given).
        """
        texts = f"{old.sha256}\0{new.sha256}"
        if words is not None and words != render.WORDS:
            texts += "\0" + json.dumps(dict(words), sort_keys=True)
        anywhere = hashlib.sha256(texts.encode()).hexdigest()
        here = hashlib.sha256(f"{texts}\0{links.key() if links else ''}".encode()).hexdigest()
        for key in (anywhere, here):
            entry = self._entries.get(key)
            if entry is None:
                continue
            try:
                found = tuple(SectionChange(**s) for s in entry["sections"])
            except (KeyError, TypeError):
                break  # an entry from another layout: diff again
            self._used.add(key)
            self.hits += 1
            return Change(new.policy, old, new, found), str(entry["html"])
        self.misses += 1
        change = diff_engine.compare(old, new)
        relinked = False

        def relink(url: str, side: Literal["old", "new"]) -> str:
            nonlocal relinked
            relinked = True
            assert links is not None
            return links.relink(url, side)

        rendered = render_html_module.render_html(
            change, relink=relink if links else None, fold=True, words=words or render.WORDS
        )
        stored = [{k: v for k, v in asdict(s).items() if k != "blocks"} for s in change.sections]
        key = here if relinked else anywhere
        self._entries[key] = {"sections": stored, "html": rendered}
        self._used.add(key)
        return change, rendered

    def save(self) -> None:
        """Write the pairs used in this build (and only those) if anything changed."""
        if self.path is None or (not self.misses and set(self._entries) == self._used):
            return
        entries = {k: v for k, v in self._entries.items() if k in self._used}
        write_atomic(self.path, json.dumps({"engine": self._engine, "entries": entries}))
