"""Markdown → sections keyed by stable anchors, exactly as the site's toc makes heading ids.

An explicit ``{#id}`` (attr_list) wins; otherwise the id is the slug Python-Markdown's toc
extension produces with the site's ``slugify_unicode`` (Unicode kept, as MkDocs is configured
in mkdocs.yml), with toc's ``_1``, ``_2`` suffixes for repeats.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from markdown.extensions.toc import slugify_unicode

from policysite.errors import PolicyError
from policysite.model import Section

Slugify = Callable[[str, str], str]

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_ATTR_LIST = re.compile(r"[ \t]*\{:?[ \t]*([^}]*)\}[ \t]*$")
_ATTR_ID = re.compile(r"(?:^|[ \t])#([^\s#{}]+)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|!?\[([^\]]*)\]\[[^\]]*\]")
_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~|`+)(.+?)\1")


def heading_plain_text(markdown_text: str) -> str:
    """The text toc slugifies: inline Markdown and tags removed, entities decoded."""
    text = _INLINE_LINK.sub(lambda m: m.group(1) or m.group(2) or "", markdown_text)
    previous = None
    while previous != text:
        previous = text
        text = _EMPHASIS.sub(r"\2", text)
    text = _TAG.sub("", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    return html.unescape(text).strip()


def _split_attrs(text: str) -> tuple[str, str | None]:
    """Heading text without a trailing attr_list, and the explicit id it sets (if any)."""
    match = _ATTR_LIST.search(text)
    if not match:
        return text, None
    found = _ATTR_ID.search(match.group(1))
    return text[: match.start()], found.group(1) if found else None


def split_sections(
    body: str,
    *,
    path: str = "<text>",
    slugify: Slugify = slugify_unicode,
    first_line: int = 1,
    strict: bool = True,
) -> list[Section]:
    """Split a Markdown body at headings (ATX and setext, not inside code fences).

    Returns the preamble (anchor "") if it has any text, then one section per heading.
    Raises PolicyError when two headings would get the same explicit anchor, unless ``strict``
    is False (``check`` then reports each repeat with its own line).
    """
    lines = body.splitlines(keepends=True)
    headings: list[tuple[int, int, str, str | None]] = []  # (index, level, title, explicit id)
    fence: str | None = None
    for index, line in enumerate(lines):
        stripped = line.rstrip("\r\n")
        if fence:
            if stripped.lstrip(" ").startswith(fence):
                fence = None
            continue
        opened = _FENCE_OPEN.match(stripped)
        if opened:
            fence = opened.group(1)
            continue
        atx = _ATX.match(stripped)
        if atx:
            text = _CLOSING_HASHES.sub("", atx.group(2) or "")
            title, explicit = _split_attrs(text)
            headings.append((index, len(atx.group(1)), title.strip(), explicit))
            continue
        setext = _SETEXT.match(stripped)
        if setext and index > 0 and _is_paragraph_line(lines[index - 1]):
            previous = lines[index - 1].rstrip("\r\n")
            title, explicit = _split_attrs(previous.strip())
            level = 1 if setext.group(1).startswith("=") else 2
            headings.append((index - 1, level, title.strip(), explicit))

    sections: list[Section] = []
    starts = [h[0] for h in headings]
    if not headings or any(line.strip() for line in lines[: starts[0] if starts else None]):
        end = starts[0] if starts else len(lines)
        sections.append(Section("", "", 0, first_line, "".join(lines[:end])))
    # toc reserves every explicit id first, so a generated slug never takes one.
    used: set[str] = {h[3] for h in headings if h[3]}
    explicit_seen: dict[str, int] = {}
    problems: list[str] = []
    for number, (index, level, title, explicit) in enumerate(headings):
        plain = heading_plain_text(title)
        line_no = first_line + index
        if explicit:
            anchor = explicit
            if anchor in explicit_seen:
                problems.append(
                    f"line {line_no}: anchor '#{anchor}' is used again (first on line "
                    f"{explicit_seen[anchor]}); give this heading its own {{#id}}"
                )
            explicit_seen[anchor] = line_no
        else:
            anchor = _unique(slugify(plain, "-"), used)
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        sections.append(
            Section(anchor, plain, level, line_no, "".join(lines[index:end]), bool(explicit))
        )
    if problems and strict:
        raise PolicyError("; ".join(problems) + ".", path=path, line=None)
    return sections


def _is_paragraph_line(line: str) -> bool:
    """A setext underline needs a paragraph line above it (not blank, a list item or heading)."""
    text = line.strip()
    if not text or text.startswith(("#", "-", "*", "+", ">", "|")):
        return False
    return not re.match(r"\d+[.)]\s", text)


_ID_COUNT = re.compile(r"^(.*)_([0-9]+)$")


def _unique(anchor: str, used: set[str]) -> str:
    """toc's rule for repeated ids: the second gets ``_1``, the third ``_2``."""
    while anchor in used or not anchor:
        match = _ID_COUNT.match(anchor)
        anchor = f"{match.group(1)}_{int(match.group(2)) + 1}" if match else f"{anchor}_1"
    used.add(anchor)
    return anchor
