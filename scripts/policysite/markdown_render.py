"""Policy Markdown → HTML exactly as the site renders it.

The one place that lists the Python-Markdown extensions: the redline, the mail and the site's
own pages use this list, and a test holds it equal to ``markdown_extensions`` in mkdocs.yml, so
the ids and blocks a diff or a mail shows are the ones the published page has.
"""

from __future__ import annotations

import html
import re
import threading
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from mdx_breakless_lists.mdx_breakless_lists import BreaklessLists

# Same order and options as mkdocs.yml's `markdown_extensions` (tests/test_markdown_render.py).
MARKDOWN_EXTENSIONS: tuple[str, ...] = (
    "attr_list",
    "def_list",
    "tables",
    "fenced_code",
    "admonition",
    "toc",
)

# Python-Markdown tries every inline pattern on every run of text and every block processor on
# every block, and most of them cannot match a policy (no backtick, "<", "&", "!!!" or "]:"):
# they were half the time a 4,000-word policy took to render. Each processor below cannot match
# a text without one of the strings of each of its sets, and every text Python-Markdown works on
# is made of the source's characters in the source's order (it drops STX and ETX first, and so
# do we), so a converter without the processors a source cannot use renders it alike. Keyed by
# name *and* regular expression (or class): a Python-Markdown whose processor differs keeps it.
_INLINE_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("backtick", r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)"): ("`",),
    ("escape", r"\\(.)"): ("\\",),
    ("reference", r"(?<!\!)\["): ("[",),
    ("link", r"(?<!\!)\["): ("[",),
    ("image_link", r"\!\["): ("!", "["),
    ("image_reference", r"\!\["): ("!", "["),
    ("short_reference", r"(?<!\!)\["): ("[",),
    ("short_image_ref", r"\!\["): ("!", "["),
    ("autolink", r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>"): ("<",),
    ("automail", r"<([^<> !]+@[^@<> ]+)>"): ("<",),
    (
        "html",
        r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'"""
        r"""|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
        r"""!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""",
    ): ("<",),
    ("entity", r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)"): ("&",),
    ("em_strong", r"\*|_"): ("*_",),
}
_BLOCK_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("admonition", r"""(?:^|\n)!!! ?([\w\-]+(?: +[\w\-]+)*)(?: +"(.*?)")? *(?:\n|$)"""): ("!!!",),
    (
        "reference",
        r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*"""
        r"""|\((.*)\)[ ]*)?$""",
    ): ("]:",),
    ("quote", r"(^|\n)[ ]{0,3}>[ ]?(.*)"): (">",),
    ("deflist", r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)"): (":",),
    # Indented text in a dd or after a dl: only the deflist processor above makes those.
    ("defindent", "DefListIndentProcessor"): (":",),
}

# `markdown: gfm` (adopted repositories written for GitHub): lists right after a paragraph
# (mdx_breakless_lists; mdx_better_lists, the maintained alternative, also changes nesting and
# list separation away from GitHub's rules), bare URLs as links (pymdownx.magiclink), task lists
# (pymdownx.tasklist). GitHub's tables are `tables` above. The plugin adds these to MkDocs.
GFM_EXTENSIONS: tuple[str, ...] = ("mdx_breakless_lists", "pymdownx.magiclink", "pymdownx.tasklist")
FLAVOURS = ("python", "gfm")


class GfmLists(Extension):  # type: ignore[misc]  # Python-Markdown has no type hints
    """mdx_breakless_lists, run after fenced_code (priority 25) has set code blocks aside, so it
    adds no blank line inside a fence (it registers itself at 27, before them)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        BreaklessLists().extendMarkdown(md)
        processor = md.preprocessors["breakless_lists"]
        md.preprocessors.deregister("breakless_lists")
        md.preprocessors.register(processor, "breakless_lists", 24)


def gfm_extensions() -> list[str | Extension]:
    """The extensions `markdown: gfm` adds, as Python-Markdown (and MkDocs) take them."""
    return [GfmLists(), *GFM_EXTENSIONS[1:]]


# One converter per thread and per set of processors left out: making one costs as much as
# rendering a short section, and a redline renders the changed parts of a text (below).
_converters = threading.local()


def extension_configs() -> dict[str, dict[str, Any]]:
    """The options of the extensions above (toc: permalinks, Unicode slugs as MkDocs makes)."""
    return {"toc": {"permalink": True, "slugify": slugify_unicode}}


def extensions(flavour: str = "python") -> list[str | Extension]:
    """The extensions of a Markdown flavour (``markdown:`` in the settings)."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown Markdown flavour {flavour!r}")
    return [*MARKDOWN_EXTENSIONS, *(gfm_extensions() if flavour == "gfm" else ())]


def new_markdown(flavour: str = "python") -> markdown.Markdown:
    """A Python-Markdown converter configured as the site's."""
    return markdown.Markdown(extensions=extensions(flavour), extension_configs=extension_configs())


def unneeded_processors(md: markdown.Markdown, body: str) -> tuple[list[str], list[str]]:
    """Names of ``md``'s inline patterns and block processors that cannot match ``body``."""
    text = body.replace("\x02", "").replace("\x03", "")
    return (
        _unneeded(md.inlinePatterns, _INLINE_NEEDS, text),
        _unneeded(md.parser.blockprocessors, _BLOCK_NEEDS, text),
    )


def _unneeded(registry: Any, needs: dict[tuple[str, str], tuple[str, ...]], text: str) -> list[str]:
    return sorted(
        name
        for (name, shape), sets in needs.items()
        if name in registry
        and _shape(registry[name]) == shape
        and not all(any(string in text for string in strings) for strings in sets)
    )


def _shape(processor: object) -> str:
    """A processor's regular expression, or its class name when it has none."""
    pattern = getattr(processor, "pattern", None)  # an inline processor's
    if pattern is None:
        compiled = getattr(processor, "RE", None)  # a block processor's
        pattern = compiled.pattern if compiled is not None else type(processor).__name__
    return str(pattern)


def markdown_to_html(body: str, flavour: str = "python") -> str:
    """Render a policy body (front matter already removed) to the site's HTML.

    The HTML a new converter makes, faster (``_INLINE_NEEDS``). Safe from several threads.
    """
    cache: dict[tuple[str, ...], markdown.Markdown] | None = getattr(_converters, "cache", None)
    if cache is None:
        cache = _converters.cache = {}
    full = cache.get((flavour,))
    if full is None:
        full = cache[(flavour,)] = new_markdown(flavour)
    inline, block = unneeded_processors(full, body)
    key = (flavour, *inline, "/", *block)
    md = cache.get(key)
    if md is None:
        md = cache[key] = new_markdown(flavour)
        for name in inline:
            md.inlinePatterns.deregister(name)
        for name in block:
            md.parser.blockprocessors.deregister(name)
    return str(md.reset().convert(body))


# A line that starts with "#" after a blank line: Python-Markdown begins a new top-level block
# there, and no block processor that could take it (heading, table, admonition) looks at what
# came before. So the text from there on renders the same alone, heading ids aside (below).
_PART_START = re.compile(r"\n[ \t]*\n(?=#)")
# What makes one part of a text depend on another: reference definitions, fenced code and raw
# HTML (read over the whole text, across blank lines), toc's [TOC] marker, old Mac line ends.
_WHOLE_TEXT_MARKS = ("]:", "```", "~~~", "<", "[TOC]", "\r")
_ID = re.compile(r' id="([^"]*)"')


def independent_parts(body: str) -> list[str]:
    """``body`` cut before headings where a part begins that Python-Markdown renders the same alone.

    ``[body]`` when something in it reaches across parts. Rendered part by part, the unchanged
    sections of two versions are rendered once. One difference remains: toc makes heading ids
    unique over the whole text ("cookies_1"), so the caller compares ``ids_of`` the parts.
    """
    if any(mark in body for mark in _WHOLE_TEXT_MARKS):
        return [body]
    starts = [0, *(match.end() for match in _PART_START.finditer(body))]
    return [body[start:end] for start, end in zip(starts, [*starts[1:], len(body)], strict=True)]


def ids_of(rendered: str) -> list[str]:
    """Every ``id`` of Python-Markdown's HTML (and anything in the text that looks like one)."""
    return [html.unescape(found) for found in _ID.findall(rendered)]
