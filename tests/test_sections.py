"""Sections keyed by anchor, checked against the ids Python-Markdown's toc really makes."""

from __future__ import annotations

import re

import markdown
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from markdown.extensions.toc import slugify_unicode

from policysite.errors import PolicyError
from policysite.model import _simple_front_matter, parse_document
from policysite.sections import split_sections
from tests.conftest import REPO_ROOT


def toc_ids(body: str) -> list[str]:
    """Heading ids as the site renders them (attr_list + toc with slugify_unicode)."""
    md = markdown.Markdown(
        extensions=["attr_list", "tables", "fenced_code", "toc"],
        extension_configs={"toc": {"slugify": slugify_unicode, "permalink": True}},
    )
    html = md.convert(body)
    return re.findall(r'<h[1-6][^>]* id="([^"]*)"', html)


TRICKY = """
Intro paragraph before any heading.

# Personvernerklæring for Økonomi & Drift

## 1. The *type* of [data](https://example.com) we collect

```markdown
## Not a heading inside a fence
```

## Cookies {#cookies}

## Cookies

## Cookies

Setext title
------------

### `code` and <span>html</span> &amp; entities ###

## Repeat {: #custom .klass }

## cookies_1
"""


def test_anchors_equal_the_ids_the_site_renders() -> None:
    sections = split_sections(TRICKY)
    assert [s.anchor for s in sections if s.level] == toc_ids(TRICKY)
    assert sections[0].anchor == ""
    assert sections[0].text.strip() == "Intro paragraph before any heading."
    assert [s.anchor for s in sections if s.level] == [
        "personvernerklæring-for-økonomi-drift",
        "1-the-type-of-data-we-collect",
        "cookies",
        "cookies_1",
        "cookies_2",
        "setext-title",
        "code-and-html-entities",
        "custom",
        "cookies_3",
    ]


def test_privacy_policy_anchors_equal_the_rendered_ids() -> None:
    text = (REPO_ROOT / "policies/privacy.md").read_text(encoding="utf-8")
    document = parse_document(text, "policies/privacy.md")
    sections = split_sections(document.body, first_line=document.body_line)
    anchors = [s.anchor for s in sections]
    assert anchors == toc_ids(document.body)
    assert all(s.explicit for s in sections)
    assert {"commitment", "cookies", "storage", "third-parties", "your-rights"} <= set(anchors)
    cookies = next(s for s in sections if s.anchor == "cookies")
    assert text.splitlines()[cookies.line - 1].startswith("## 5. Cookies")
    assert cookies.title == "5. Cookies and similar technologies"


def test_section_text_runs_to_the_next_heading() -> None:
    body = "## A {#a}\n\none\n\n### B {#b}\n\ntwo\n"
    sections = split_sections(body)
    assert [(s.anchor, s.level, s.text) for s in sections] == [
        ("a", 2, "## A {#a}\n\none\n\n"),
        ("b", 3, "### B {#b}\n\ntwo\n"),
    ]


def test_duplicate_explicit_anchor_is_reported_with_lines() -> None:
    body = "## A {#same}\n\ntext\n\n## B {#same}\n"
    with pytest.raises(PolicyError) as info:
        split_sections(body, path="policies/p.md", first_line=5)
    assert info.value.format_message() == (
        "policies/p.md: line 9: anchor '#same' is used again (first on line 5); give this "
        "heading its own {#id}."
    )


# --- the front matter fast path must agree with PyYAML wherever it answers -------------------

_values = st.one_of(
    st.text(alphabet="abcæøå XYZ.-_:#'\"!&*[]{}019\\", min_size=0, max_size=12),
    st.sampled_from(
        [
            '"1.1"',
            "'1.0'",
            "2018-05-25",
            "2018-02-30",
            "yes",
            "No",
            "null",
            "on",
            "1.10",
            "~",
            "Privacy Policy",
            "a: b",
            "x #c",
            '"a\\"b"',
            "Personvern",
            "- x",
            "True",
            "2018-5-1",
        ]
    ),
)
_keys = st.sampled_from(["title", "version", "effective", "yes", "on", "x_1", "Title"])


@given(st.lists(st.tuples(_keys, _values), max_size=4))
def test_simple_front_matter_agrees_with_yaml(pairs: list[tuple[str, str]]) -> None:
    raw = "".join(f"{k}: {v}\n" for k, v in pairs)
    fast = _simple_front_matter(raw)
    if fast is None:
        return
    assert fast == (yaml.safe_load(raw) or {})


_lines = st.sampled_from(
    [
        "topics:",
        "redirect_from:",
        "  - legal",
        "  - /articles/terms",
        "- /site-policy/x",
        "    - deeper",
        "  - 1",
        "  - yes",
        "  - 2020-01-01",
        "  -  spaced ",
        "\t- tab",
        "title: Terms",
        "  nested: map",
    ]
)


@given(st.lists(_lines, max_size=6))
def test_simple_front_matter_with_lists_agrees_with_yaml(lines: list[str]) -> None:
    raw = "".join(f"{line}\n" for line in lines)
    fast = _simple_front_matter(raw)
    if fast is None:
        return
    assert fast == (yaml.safe_load(raw) or {})
