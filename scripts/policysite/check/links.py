"""Rules on links and raw HTML: relative links land on a page and an anchor of the site, and
raw HTML comes from a small allow-list with nothing that runs code in a reader's browser."""

from __future__ import annotations

import difflib
import functools
import html.parser
import posixpath
import re
from urllib.parse import unquote

from policysite.check.drafts import Draft
from policysite.check.findings import Finding, finding
from policysite.config import Settings
from policysite.model import policy_id
from policysite.sanitize import url_allowed

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    # --- links ------------------------------------------------------------------------------
    "link-missing-page": (
        "links to '{target}', but there is no {path}; fix the file name (pages: {known})."
    ),
    "link-missing-file": (
        "links to '{target}', but there is no {path}; add the file or fix the link."
    ),
    "link-missing-anchor": (
        "links to '{target}', but {page} has no heading with anchor '#{fragment}'{hint}."
    ),
    "link-outside": (
        "links to '{target}', which is outside {docs_dir} and not part of the site; link to "
        "a page of the site or to a full https:// address."
    ),
    "link-absolute": (
        "links to the site path '{target}'; link to the Markdown file instead (e.g. "
        "cookies.md#consent), so that the link is checked and works in every version."
    ),
    "link-not-markdown": (
        "links to '{target}'; link to the Markdown file instead (e.g. cookies.md#consent), so "
        "that the site and this check can follow it."
    ),
    # --- raw HTML ---------------------------------------------------------------------------
    "html-executable": (
        "<{tag}> can run code or load content in readers' browsers; remove it (a policy is "
        "text: write it in Markdown)."
    ),
    "html-tag": (
        "raw HTML <{tag}> is not allowed in a policy; write it in Markdown (allowed tags: "
        "{allowed})."
    ),
    "html-event": (
        "attribute {attribute}= runs code in readers' browsers; remove it (a policy is text)."
    ),
    "html-attribute": (
        "attribute {attribute}= on <{tag}> is not allowed; remove it (allowed: {allowed})."
    ),
    "link-executable": (
        "link to '{target}' would run code in the reader's browser; link to a page or a "
        "https:// address instead."
    ),
}


# The raw HTML a policy may hold: an editorial rule, narrower than what the sanitizer keeps
# (sanitize.ALLOWED_TAGS; tests hold the one inside the other). Whether a link or attribute
# would run code is the sanitizer's call: sanitize.url_allowed.
ALLOWED_TAGS = tuple(
    [
        "a",
        "abbr",
        "b",
        "br",
        "code",
        "del",
        "details",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "p",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "u",
    ]
)
ALLOWED_ATTRIBUTES = ("id", "class", "title", "href", "lang", "dir", "open")
# `<a name="x"></a>`: the old fragment target, which browsers still go to (adopted texts).
ALLOWED_ON = {"a": ("name",)}
EXECUTABLE_TAGS = frozenset(
    [
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "meta",
        "link",
        "style",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "svg",
        "math",
        "template",
        "noscript",
    ]
)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\\]|\\.|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"
)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
# A comment as a browser ends it: "<!-->" and "<!--->" are whole (empty) comments, so
# "<!--><script>…</script>-->" runs the script; an unclosed comment runs to the end.
_COMMENT = re.compile(r"<!--(?:-?>|.*?--!?>|.*\Z)", re.DOTALL)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)/?>")
_ATTR_LIST = re.compile(r"\{:?[ \t]*([^{}\n]*=[^{}\n]*)\}")
_URL_ATTRIBUTES = frozenset(
    ["href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "cite"]
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def markdown_prose(body: str) -> str:
    """``body`` with code blocks and code spans blanked out (same length, same lines)."""
    lines = body.splitlines(keepends=True)
    fence: str | None = None
    out = []
    for line in lines:
        opened = _FENCE.match(line)
        if fence:
            if line.lstrip(" ").startswith(fence):
                fence = None
            out.append(re.sub(r"[^\n]", " ", line))
        elif opened:
            fence = opened.group(1)
            out.append(re.sub(r"[^\n]", " ", line))
        else:
            out.append(line)
    return _CODE_SPAN.sub(_blank, "".join(out))


def _prose(draft: Draft) -> tuple[str, int]:
    body, first = (
        (draft.document.body, draft.document.body_line)
        if draft.document
        else (
            draft.text,
            1,
        )
    )
    return markdown_prose(body), first


# Raw HTML a link can land on: `<a name="x">` (the old fragment target, in adopted texts) and
# any element's `id="x"`.
_HTML_TARGET = re.compile(
    r"""<a\s[^>]*?\bname=["']([^"']+)["']|<[a-zA-Z][^>]*?\sid=["']([^"']+)["']"""
)


@functools.lru_cache(maxsize=256)
def _html_targets(prose: str) -> frozenset[str]:
    return frozenset(a or b for a, b in _HTML_TARGET.findall(prose))


def _line_of(text: str, offset: int, first: int) -> int:
    return first + text.count("\n", 0, offset)


def check_links(settings: Settings, draft: Draft, drafts: dict[str, Draft]) -> list[Finding]:
    """Relative links and #fragments must land on a page and an anchor of the site."""
    prose, first = _prose(draft)
    targets: list[tuple[str, int]] = []
    for pattern in (_INLINE_LINK, _REFERENCE):
        for match in pattern.finditer(prose):
            targets.append((match.group(1).strip("<>"), match.start(1)))
    findings = []
    for raw, offset in sorted(targets, key=lambda t: t[1]):
        line = _line_of(prose, offset, first)
        found = _check_target(settings, draft, drafts, raw, line)
        if found:
            findings.append(found)
    return findings


def _check_target(
    settings: Settings, draft: Draft, drafts: dict[str, Draft], raw: str, line: int
) -> Finding | None:
    target = unquote(raw)
    if not url_allowed(target):
        return finding(MESSAGES, "link-executable", draft.path, line, target=raw)
    if _SCHEME.match(target) or target.startswith("//"):
        return None  # an outside address: not ours to check
    path, _, fragment = target.partition("#")
    path = path.partition("?")[0]
    if path.startswith("/"):
        if settings.link_base:
            return None  # a path on the site the texts came from: the site links it there
        return finding(MESSAGES, "link-absolute", draft.path, line, "warning", target=raw)
    folder = posixpath.dirname(settings.in_policies(draft.path))
    if path:
        resolved = posixpath.normpath(posixpath.join(folder, path))
        if resolved.startswith("../") or resolved == "..":
            return finding(
                MESSAGES,
                "link-outside",
                draft.path,
                line,
                target=raw,
                docs_dir=settings.policies_folder,
            )
        if not resolved.endswith(".md"):
            if path.endswith("/") or "." not in posixpath.basename(path):
                if settings.link_base:
                    return None  # a page of the site the texts came from (link_base)
                return finding(
                    MESSAGES, "link-not-markdown", draft.path, line, "warning", target=raw
                )
            if not (settings.docs_path / resolved).is_file():
                return finding(
                    MESSAGES,
                    "link-missing-file",
                    draft.path,
                    line,
                    target=raw,
                    path=settings.policy_path(resolved),
                )
            return None
        page = drafts.get(policy_id(resolved))
        if page is None:
            if resolved == "index.md" or (settings.docs_path / resolved).is_file():
                return None  # the home page (generated when absent) or a plain page
            known = ", ".join(f"{pid}.md" for pid in sorted(drafts)) or "none"
            return finding(
                MESSAGES,
                "link-missing-page",
                draft.path,
                line,
                target=raw,
                path=settings.policy_path(resolved),
                known=known,
            )
    else:
        page = draft
    if not fragment or fragment in page.resolvable or fragment in _html_targets(_prose(page)[0]):
        return None
    close = difflib.get_close_matches(fragment, sorted(page.anchors), n=1)
    hint = (
        f"; did you mean '#{close[0]}'"
        if close
        else f"; its anchors: {', '.join(sorted(page.anchors)) or 'none'}"
    )
    return finding(
        MESSAGES,
        "link-missing-anchor",
        draft.path,
        line,
        target=raw,
        page=page.path,
        fragment=fragment,
        hint=hint,
    )


class _AttributeReader(html.parser.HTMLParser):
    """Reads the attributes of one start tag the way a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = attrs

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes = attrs


def _attributes(tag_text: str) -> list[tuple[str, str | None]]:
    reader = _AttributeReader()
    reader.feed(tag_text)
    reader.close()
    return reader.attributes


def check_html(draft: Draft) -> list[Finding]:
    """Raw HTML only from a small allow-list, and nothing that runs code."""
    prose, first = _prose(draft)
    prose = _COMMENT.sub(_blank, prose)
    findings: list[Finding] = []
    allowed_tags = ", ".join(ALLOWED_TAGS)
    allowed_attributes = ", ".join(ALLOWED_ATTRIBUTES)
    for match in _TAG.finditer(prose):
        line = _line_of(prose, match.start(), first)
        closing, tag = match.group(1), match.group(2).lower()
        if tag in EXECUTABLE_TAGS:
            if not closing:
                findings.append(finding(MESSAGES, "html-executable", draft.path, line, tag=tag))
            continue
        if tag not in ALLOWED_TAGS:
            if not closing:
                findings.append(
                    finding(MESSAGES, "html-tag", draft.path, line, tag=tag, allowed=allowed_tags)
                )
            continue
        if closing:
            continue
        for name, value in _attributes(match.group(0)):
            findings.extend(
                _check_attribute(draft, line, tag, name, value or "", allowed_attributes)
            )
    for match in _ATTR_LIST.finditer(prose):
        line = _line_of(prose, match.start(), first)
        for name, value in _attributes(f"<x {match.group(1)}>"):
            if name.startswith("on") or (name in _URL_ATTRIBUTES and not url_allowed(value or "")):
                findings.extend(_check_attribute(draft, line, "x", name, value or "", ""))
    return findings


def _check_attribute(
    draft: Draft, line: int, tag: str, name: str, value: str, allowed: str
) -> list[Finding]:
    if name.startswith("on"):
        return [finding(MESSAGES, "html-event", draft.path, line, attribute=name)]
    if name in _URL_ATTRIBUTES and not url_allowed(value):
        return [finding(MESSAGES, "link-executable", draft.path, line, target=value)]
    if name not in ALLOWED_ATTRIBUTES and name not in ALLOWED_ON.get(tag, ()):
        return [
            finding(
                MESSAGES,
                "html-attribute",
                draft.path,
                line,
                attribute=name,
                tag=tag,
                allowed=allowed,
            )
        ]
    return []
