"""Rendered policy HTML → sections of blocks, each block a run of words with its formatting.

A block is what a reader sees as one unit: a heading, a paragraph, a list item, a table cell,
a definition. Each block keeps the opening tags of the containers around it (lists, tables,
admonitions) so a redline can rebuild the structure, and its words as tokens: the word, the
inline formatting around it (links, emphasis) and whether a space comes before it. Comparing
tokens instead of Markdown source makes line wrapping, list markers and blank lines no change,
and keeps ``{#id}`` out of heading text.
"""

from __future__ import annotations

import functools
import html
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import NamedTuple

from policysite.markdown_render import ids_of, independent_parts, markdown_to_html

# Inside a run without spaces: a word (letters and digits, with inner joiners so that
# "you’re", "e-mail", "1.1" and "privacy@videxio.com" stay one word), or one other character.
_WORDLIKE = re.compile(r"\w")
# The same, scanning text with HTML's white space between words (a no-break space is not white
# space here: it is part of the text, as the browser shows it): each token with the white space
# before it; white space at the end is left over.
_SCAN = re.compile(r"([ \t\n\r\f]*)(?:(\w+(?:[-'’.@/:]\w+)*)|([^\w \t\n\r\f]))")
_new = tuple.__new__

BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "td", "th", "pre", "hr"}
    | {"caption", "summary", "figcaption"}
)
CONTAINER_TAGS = frozenset(
    {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "blockquote", "div"}
    | {"details", "section", "figure", "article", "aside", "nav", "header", "footer", "main"}
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
VOID_TAGS = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "source", "wbr"})
# A paragraph directly inside these is their text: a loose list reads as a tight one.
_ITEM_TAGS = frozenset({"li", "dt", "dd", "td", "th"})


class Token(NamedTuple):
    """One word (or punctuation mark) of a block, as the reader sees it."""

    text: str  # the word; for a void element (<br>, <img>) its plain-text stand-in
    fmt: tuple[str, ...]  # opening tags of the inline elements around it, outermost first
    glue: bool  # no space before it
    raw: str = ""  # the HTML of a void element; "" for a word
    is_word: bool = False  # has a letter or digit (punctuation is not counted as a word)


# A token's fields by position, for map(): a block's tokens are scanned in C.
_FMT, _RAW, _IS_WORD = operator.itemgetter(1), operator.itemgetter(3), operator.itemgetter(4)


def _token(text: str, fmt: tuple[str, ...], glue: bool, raw: str = "") -> Token:
    return Token(text, fmt, glue, raw, bool(_WORDLIKE.search(text)))


@dataclass(frozen=True)
class Block:
    """One block of a rendered policy."""

    kind: str  # tag of the block element (p, li, h2, td …); "" for loose inline content
    attrs: str  # its attributes as HTML, without the id (` style="text-align: left;"`)
    element_id: str  # its id: for a heading, the section anchor
    parents: tuple[str, ...]  # opening tags of the containers around it, outermost first
    shared: int  # leading `parents` that are the same elements as around the previous block
    tokens: tuple[Token, ...]

    # Computed with the block: a comparison needs them for every block, and documents stay in
    # read_sections' cache (a site build compares each version with its neighbours).
    html: str = field(init=False, repr=False, compare=False)
    """The block's inner HTML, rebuilt from its tokens (white space normalised)."""
    text: str = field(init=False, repr=False, compare=False)
    key: str = field(init=False, repr=False, compare=False)
    """Equal for two blocks that render the same (a string: its hash is cached)."""
    words: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tokens, kind = self.tokens, self.kind
        text = _strip(tokens_text(tokens, pre=kind == "pre"), kind)
        if any(map(_FMT, tokens)) or any(map(_RAW, tokens)):
            markup = _strip(tokens_html(tokens, pre=kind == "pre"), kind)
        else:
            markup = html.escape(text, quote=False)  # what tokens_html makes of plain words
        # The dataclass is frozen: fill its fields past __setattr__.
        self.__dict__.update(
            text=text,
            html=markup,
            key=f"{kind}\0{self.attrs}\0{markup}",
            words=sum(map(_IS_WORD, tokens)),
        )


@dataclass(frozen=True, slots=True)
class RenderedSection:
    """The blocks from one top-level heading to the next, keyed by the heading's id."""

    anchor: str  # "" for the blocks before the first heading
    title: str
    level: int  # 0 for the preamble
    blocks: tuple[Block, ...]


def _strip(text: str, kind: str) -> str:
    """Without the separator before the first token (in code, only line breaks: not indents)."""
    return text.strip("\n") if kind == "pre" else text.strip()


def tokens_text(tokens: Sequence[Token], *, pre: bool = False) -> str:
    """Plain text of tokens, a space before each that is not glued to the one before."""
    separator = "\n" if pre else " "
    return "".join([t.text if t.glue else separator + t.text for t in tokens])


def tokens_html(tokens: Sequence[Token], *, pre: bool = False) -> str:
    """HTML of tokens: each run with the same formatting wrapped once in its inline tags."""
    if not any(token.fmt or token.raw for token in tokens):
        return html.escape(tokens_text(tokens, pre=pre), quote=False)
    parts: list[str] = []
    text: list[str] = []  # plain text of the current run, escaped once when it ends
    fmt: tuple[str, ...] = ()
    separator = "\n" if pre else " "
    for token in tokens:
        if token.fmt != fmt:
            if text:
                parts.append(html.escape("".join(text), quote=False))
                text = []
            common = 0
            while common < min(len(fmt), len(token.fmt)) and fmt[common] == token.fmt[common]:
                common += 1
            # The space before a token goes outside the tags it opens, inside the ones it shares.
            parts.extend(f"</{tag_name(start)}>" for start in reversed(fmt[common:]))
            if not token.glue:
                parts.append(separator)
            parts.extend(token.fmt[common:])
            fmt = token.fmt
        elif not token.glue:
            text.append(separator)
        if token.raw:
            if text:
                parts.append(html.escape("".join(text), quote=False))
                text = []
            parts.append(token.raw)
        else:
            text.append(token.text)
    if text:
        parts.append(html.escape("".join(text), quote=False))
    parts.extend(f"</{tag_name(start)}>" for start in reversed(fmt))
    return "".join(parts)


def tag_name(start: str) -> str:
    """The element name of an opening tag: ``<a href=…>`` → ``a``."""
    end = len(start) - 1
    for index in range(1, len(start)):
        if start[index] in " />":
            end = index
            break
    return start[1:end]


def start_tag(tag: str, attrs: Sequence[tuple[str, str | None]]) -> str:
    """An opening tag as HTML, ids left out (a redline must not repeat the policy's ids)."""
    if not attrs:
        return f"<{tag}>"
    text = "".join(
        f" {name}" if value is None else f' {name}="{html.escape(value)}"'
        for name, value in attrs
        if name != "id"
    )
    return f"<{tag}{text}>"


@dataclass(slots=True)
class _Open:
    tag: str
    start: str
    serial: int
    role: str  # container | block | inline | transparent


@dataclass(slots=True)
class _Builder:
    kind: str
    attrs: str
    element_id: str
    parents: tuple[str, ...]
    parent_serials: tuple[int, ...]
    serial: int  # of the block element; -1 for loose inline content
    tokens: list[Token]
    fmt: list[str]
    space: bool = False  # white space seen since the last token


class _Flattener(HTMLParser):
    """Collects blocks from the HTML Python-Markdown writes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.stack: list[_Open] = []
        self.current: _Builder | None = None
        self.serial = 0
        self.previous: tuple[int, ...] = ()  # serials of the elements around the last block
        self.skipping = 0  # depth inside a toc permalink (¶), which is chrome, not text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            self.skipping += tag not in VOID_TAGS
            return
        if tag == "a" and "headerlink" in (dict(attrs).get("class") or "").split():
            self.skipping = 1
            return
        self.serial += 1
        start = start_tag(tag, attrs)
        if tag in BLOCK_TAGS or tag in CONTAINER_TAGS:
            innermost = self.stack[-1] if self.stack else None
            if (
                tag == "p"
                and innermost is not None
                and innermost.role == "block"
                and innermost.tag in _ITEM_TAGS
                and self.current is not None
                and self.current.serial == innermost.serial
                and not self.current.tokens
            ):
                self.stack.append(_Open(tag, start, self.serial, "transparent"))
                return
            self._flush()
            if tag in CONTAINER_TAGS:
                self.stack.append(_Open(tag, start, self.serial, "container"))
                return
            self.current = self._builder(tag, start, dict(attrs).get("id") or "", self.serial)
            if tag in VOID_TAGS:
                self._flush()
            else:
                self.stack.append(_Open(tag, start, self.serial, "block"))
            return
        if tag in VOID_TAGS:
            builder = self._ensure_builder()
            alt = (dict(attrs).get("alt") or "") if tag == "img" else ""
            glue = not builder.space and bool(builder.tokens)
            builder.tokens.append(_token(alt, tuple(builder.fmt), glue, start))
            builder.space = False
            return
        self.stack.append(_Open(tag, start, self.serial, "inline"))
        if self.current is not None:
            self.current.fmt.append(start)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        if tag in VOID_TAGS:
            return
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                break
        else:
            return  # a stray end tag in raw HTML: nothing to close
        while len(self.stack) > index:
            element = self.stack.pop()
            if element.role == "inline":
                if self.current is not None and self.current.fmt:
                    self.current.fmt.pop()
            elif element.role in ("block", "container"):
                self._flush()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.current is None:
            if not data.strip(" \t\n\r\f"):
                return
            self._ensure_builder()
        builder = self.current
        assert builder is not None
        if builder.kind == "pre":
            self._add_lines(builder, data)
            return
        found = _SCAN.findall(data)
        if not found:
            builder.space = builder.space or bool(data)
            return
        fmt = tuple(builder.fmt)
        blank, word, other = found[0]
        glue = bool(builder.tokens) and not builder.space and not blank
        # tuple.__new__ skips NamedTuple's Python-level __new__: this runs per word.
        builder.tokens.append(_new(Token, (word or other, fmt, glue, "", bool(word))))
        builder.tokens.extend(
            [_new(Token, (w or o, fmt, not b, "", bool(w))) for b, w, o in found[1:]]
        )
        builder.space = data[-1] in " \t\n\r\f"

    def _add_lines(self, builder: _Builder, data: str) -> None:
        fmt = tuple(builder.fmt)
        for number, line in enumerate(data.split("\n")):
            glue = number == 0 and bool(builder.tokens)
            if line or not glue:
                builder.tokens.append(_token(line, fmt, glue))

    def _builder(self, tag: str, start: str, element_id: str, serial: int) -> _Builder:
        around = [o for o in self.stack if o.role in ("container", "block")]
        return _Builder(
            kind=tag,
            attrs=start[len(tag) + 1 : -1],
            element_id=element_id,
            parents=tuple(o.start for o in around),
            parent_serials=tuple(o.serial for o in around),
            serial=serial,
            tokens=[],
            fmt=[o.start for o in self.stack if o.role == "inline"],
        )

    def _ensure_builder(self) -> _Builder:
        if self.current is None:
            self.current = self._builder("", "<>", "", -1)
        return self.current

    def _flush(self) -> None:
        builder = self.current
        if builder is None:
            return
        self.current = None
        if builder.kind == "" and not builder.tokens:
            return
        shared = 0
        limit = min(len(builder.parent_serials), len(self.previous))
        while shared < limit and builder.parent_serials[shared] == self.previous[shared]:
            shared += 1
        if builder.kind == "pre":
            while builder.tokens and not builder.tokens[-1].text:
                builder.tokens.pop()  # the newline that ends every code block
        self.blocks.append(
            Block(
                builder.kind,
                builder.attrs,
                builder.element_id,
                builder.parents,
                shared,
                tuple(builder.tokens),
            )
        )
        self.previous = (*builder.parent_serials, builder.serial)

    def close(self) -> None:
        super().close()
        self._flush()


# The HTML Python-Markdown writes: text without "<", start tags with lower-case names and
# double-quoted attributes (" />" closing the empty ones), end tags. Anything else ("<!--", a
# raw "<script>", an upper-case tag) leaves the whole text to HTMLParser.
_PIECE = re.compile(
    r'([^<]+)|<([a-z][a-z0-9]*)((?: [a-z][-a-z0-9_.:]*="[^"<]*")*)( /)?>|</([a-z][a-z0-9]*)>|<'
)
_ATTRIBUTE = re.compile(r' ([a-z][-a-z0-9_.:]*)="([^"<]*)"')
# Elements whose content HTMLParser reads as raw text (CDATA_CONTENT_ELEMENTS and, in newer
# Pythons, RCDATA ones): not for the fast path.
_RAW_TEXT_TAGS = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
    | {"noscript", "plaintext"}
)


def _feed_markup(parser: _Flattener, rendered: str) -> bool:
    """Call the parser's handlers as ``HTMLParser.feed`` would, for the HTML of ``_PIECE``.

    False, part-way, when something else turns up. HTMLParser's own scanning was a quarter of
    the time of reading a rendered policy.
    """
    unescape = html.unescape
    for text, tag, attributes, empty, end in _PIECE.findall(rendered):
        if text:
            parser.handle_data(unescape(text))
        elif tag:
            if tag in _RAW_TEXT_TAGS:
                return False
            attrs: list[tuple[str, str | None]] = (
                [(name, unescape(value)) for name, value in _ATTRIBUTE.findall(attributes)]
                if attributes
                else []
            )
            if empty:
                parser.handle_startendtag(tag, attrs)
            else:
                parser.handle_starttag(tag, attrs)
        elif end:
            parser.handle_endtag(end)
        else:
            return False
    return True


def flatten(rendered: str) -> list[Block]:
    """The blocks of rendered HTML, in document order."""
    parser = _Flattener()
    if not _feed_markup(parser, rendered):
        parser = _Flattener()
        parser.feed(rendered)
    parser.close()
    return parser.blocks


def group_sections(blocks: Sequence[Block]) -> tuple[RenderedSection, ...]:
    """Split blocks at top-level headings; the heading's id is the section's anchor."""
    sections: list[RenderedSection] = []
    anchor, title, level = "", "", 0
    current: list[Block] = []
    for block in blocks:
        if block.kind in HEADING_TAGS and not block.parents:
            if current or level:
                sections.append(RenderedSection(anchor, title, level, tuple(current)))
            anchor, title, level = block.element_id, block.text, int(block.kind[1])
            current = []
        current.append(block)
    if current or level:
        sections.append(RenderedSection(anchor, title, level, tuple(current)))
    return tuple(sections)


@dataclass(frozen=True, slots=True)
class _Part:
    """The blocks of one of ``independent_parts``, and the ids they have."""

    blocks: tuple[Block, ...]
    ids: tuple[str, ...]


# toc's number for a repeated id ("cookies_1"); an explicit id may look the same.
_NUMBERED_ID = re.compile(r".*_[0-9]+$|$")


class _SectionReader:
    """``read_sections``: documents cached whole, and the parts of them that other texts share.

    Two versions of a policy share most of their sections. A text is cut into
    ``independent_parts``; the runs of parts not seen before are rendered (one Python-Markdown
    call a run: each call has a fixed cost) and the parts of every run are kept, so the next
    version renders only what changed. ``cache_clear()`` empties both caches: a cold run.
    """

    def __init__(self, documents: int = 128, parts: int = 2048) -> None:
        self._documents = functools.lru_cache(maxsize=documents)(self._read)
        self._parts: OrderedDict[tuple[str, str], _Part] = OrderedDict()
        self._size = parts
        self._lock = threading.Lock()

    def __call__(self, body: str, flavour: str = "python") -> tuple[RenderedSection, ...]:
        return self._documents(body, flavour)

    def cache_clear(self) -> None:
        self._documents.cache_clear()
        with self._lock:
            self._parts.clear()

    def _read(self, body: str, flavour: str) -> tuple[RenderedSection, ...]:
        texts = independent_parts(body)
        if len(texts) == 1:
            return group_sections(flatten(markdown_to_html(body, flavour)))
        with self._lock:
            known = [self._parts.get((flavour, text)) for text in texts]
            for text, part in zip(texts, known, strict=True):
                if part is not None:
                    self._parts.move_to_end((flavour, text))
        units: list[tuple[Sequence[Block], Sequence[str]]] = []
        start = 0
        while start < len(texts):
            part = known[start]
            if part is not None:
                units.append((part.blocks, part.ids))
                start += 1
                continue
            end = start + 1
            while end < len(texts) and known[end] is None:
                end += 1
            rendered = markdown_to_html("".join(texts[start:end]), flavour)
            blocks, ids = flatten(rendered), ids_of(rendered)
            units.append((blocks, ids))
            self._keep(flavour, texts[start:end], blocks, ids)
            start = end
        # Each unit has the ids it has alone. When no id is in two units, toc numbered no
        # heading differently for the whole text, and the units together are the whole.
        every = [i for _, ids in units for i in set(ids)]
        if len(every) != len(set(every)):
            return group_sections(flatten(markdown_to_html(body, flavour)))
        return group_sections([block for blocks, _ in units for block in blocks])

    def _keep(
        self, flavour: str, texts: Sequence[str], blocks: Sequence[Block], ids: Sequence[str]
    ) -> None:
        """Cache the blocks of each part of a run rendered together, when it is sure which."""
        if len(set(ids)) != len(ids) or any(_NUMBERED_ID.match(i) for i in ids):
            return  # toc may have numbered an id because of another part: not the part alone
        if len(ids) != sum(1 for block in blocks if block.element_id):
            return  # an id that is not a block's (inline, or text that looks like one)
        headed = [text.startswith("#") for text in texts]
        if any(
            starts and "|" in text.partition("\n")[0]
            for text, starts in zip(texts, headed, strict=True)
        ):
            return  # a part may begin with a table's header row ("#a | b"), not a heading
        cuts = [
            i for i, block in enumerate(blocks) if block.kind in HEADING_TAGS and not block.parents
        ]
        if len(cuts) != sum(headed) or (headed[0] and cuts[:1] != [0]):
            return  # a heading that does not begin a part (setext, no blank line before)
        if not headed[0]:
            cuts.insert(0, 0)
        with self._lock:
            for text, begin, end in zip(texts, cuts, [*cuts[1:], len(blocks)], strict=True):
                found = tuple(blocks[begin:end])
                key = (flavour, text)
                self._parts[key] = _Part(found, tuple(b.element_id for b in found if b.element_id))
                self._parts.move_to_end(key)
            while len(self._parts) > self._size:
                self._parts.popitem(last=False)


read_sections = _SectionReader()
"""A policy body (Markdown) as the site renders it, in sections of blocks.

Cached: a site build compares each version with the one before and after it.
"""
