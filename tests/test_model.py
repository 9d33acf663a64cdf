"""Front matter a careless editor writes: one clear error naming the line, never a crash later."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysite.errors import PolicyError
from policysite.model import (
    Document,
    FrontMatter,
    _published_body,
    key_line,
    next_label,
    parse_document,
    policy_id,
    same_publication,
    title_from_id,
)


def error_of(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_document(text, "policies/terms.md")
    return caught.value.message


def test_a_label_too_long_for_a_url_is_refused_naming_its_line() -> None:
    label = "1" + "0" * 299
    text = f'---\ntitle: Terms\nversion: "{label}"\neffective: 2026-01-01\n---\nText.\n'

    assert error_of(text) == (
        "policies/terms.md:3: 'version' is 300 characters long; a label names a folder and a "
        'URL of the site, so keep it to 40 at most, e.g. "2.0" or "2026-03".'
    )


def test_a_label_of_forty_characters_is_accepted() -> None:
    label = "1." + "2" * 38
    text = f'---\nversion: "{label}"\neffective: 2026-01-01\n---\n'

    assert parse_document(text, "policies/terms.md").meta.version == label


def test_an_effective_moment_is_refused_instead_of_cut_to_the_day() -> None:
    text = '---\nversion: "2"\neffective: 2026-01-01 23:30:00\n---\nText.\n'

    assert error_of(text) == (
        "policies/terms.md:3: 'effective' is a day, not a moment: 2026-01-01 23:30:00 has a "
        "time of day, which policysite would ignore; write the day alone, e.g. effective: "
        "2026-01-01 (versions switch over at midnight UTC)."
    )


def test_a_retired_moment_is_refused() -> None:
    text = '---\nversion: "2"\neffective: 2026-01-01\nretired: 2026-02-01T10:00:00Z\n---\n'

    assert error_of(text) == (
        "policies/terms.md:4: 'retired' is a day, not a moment: 2026-02-01 10:00:00+00:00 has "
        "a time of day; write the day alone, e.g. retired: 2026-02-01."
    )


@pytest.mark.parametrize(
    ("label", "following"),
    [
        ("1.1", "1.2"),
        ("3", "4"),
        ("v3", "v4"),
        ("2024-09", "2024-10"),
        ("1.09", "1.10"),
        ("draft", "draft.1"),
    ],
)
def test_next_label_counts_up_the_last_number(label: str, following: str) -> None:
    assert next_label(label) == following


def test_names_from_paths() -> None:
    assert policy_id("legal/cookie-policy.md") == "legal/cookie-policy"
    assert title_from_id("legal/cookie_policy") == "Cookie policy"


def test_key_line_looks_only_inside_the_front_matter() -> None:
    text = "---\ntitle: T\nversion: '1'\n---\nversion: in the body\n"

    assert (key_line(text, "version"), key_line(text, "effective")) == (3, 1)


KEYS = st.sampled_from(["title", "version", "effective", "retired", "anchor_aliases", "other"])
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            '"1.0"',
            "1.0",
            "2026-02-30",
            "2026-01-01",
            "2026-01-01 10:00:00",
            "[a, b]",
            "{a: b}",
            "yes",
            "null",
            "'x",
            '"x',
            "- a",
            ": :",
            "!!python/object:os.system",
            "&a",
            "*a",
            "",
        ]
    ),
)
FRONT_MATTER = st.lists(st.tuples(KEYS, VALUES), max_size=6).map(
    lambda pairs: "---\n" + "".join(f"{k}: {v}\n" for k, v in pairs) + "---\nBody.\n"
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(FRONT_MATTER, st.text(max_size=200)))
def test_any_front_matter_is_read_or_refused_with_a_line_in_the_file(text: str) -> None:
    try:
        document = parse_document(text, "policies/p.md")
    except PolicyError as exc:
        for problem in getattr(exc, "problems", [exc]):
            assert problem.path == "policies/p.md"
            assert 1 <= (problem.line or 1) <= max(text.count("\n") + 1, 1)
    else:
        assert document.meta.version is None or isinstance(document.meta.version, str)
        assert document.meta.effective is None or type(document.meta.effective) is dt.date


# Bodies made of words, the whitespace the rules change and keep, comments and fences.
_BODY_PARTS = ["a", "b", "ab", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\xa0", "<!--", "-->"]
_BODIES = st.lists(st.sampled_from([*_BODY_PARTS, "```", "x <!-- c --> y"]), max_size=12).map(
    "".join
)


@given(_BODIES, _BODIES)
@settings(max_examples=2000)
def test_same_publication_is_the_comparison_of_published_bodies(a: str, b: str) -> None:
    """The cheap tests same_publication tries first (the first differing characters, the count
    of visible ones, the words) never decide otherwise than comparing the published bodies."""
    meta = FrontMatter(title="T")
    expected = _published_body(a) == _published_body(b)
    assert same_publication(Document(meta, a, 1), Document(meta, b, 1)) == expected


def test_same_publication_tells_an_edit_from_whitespace() -> None:
    meta = FrontMatter(title="T")
    text = "# Title\n\nWe keep your data.  \nFor a year.\n"
    assert same_publication(Document(meta, text, 1), Document(meta, text + "\n\n", 1))
    assert not same_publication(
        Document(meta, text, 1), Document(meta, text.replace("keep", "sell"), 1)
    )
    assert not same_publication(
        Document(meta, text, 1), Document(FrontMatter(title="Other"), text, 1)
    )
