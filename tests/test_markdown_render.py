"""The one list of Markdown extensions equals the site's mkdocs.yml, so ids and blocks match."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policysite.markdown_render import (
    MARKDOWN_EXTENSIONS,
    extension_configs,
    independent_parts,
    markdown_to_html,
    new_markdown,
    unneeded_processors,
)
from tests.conftest import REPO_ROOT


class _NameLoader(yaml.SafeLoader):
    """Reads ``!!python/name:module.function`` as the text ``module.function``."""


_NameLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix
)
_NameLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_extensions_are_those_of_mkdocs_yml() -> None:
    config = yaml.load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"), _NameLoader)
    site: dict[str, dict[str, object]] = {}
    for entry in config["markdown_extensions"]:
        if isinstance(entry, str):
            site[entry] = {}
        else:
            site.update(entry)
    ours = {
        name: {
            key: f"{value.__module__}.{value.__name__}" if callable(value) else value
            for key, value in extension_configs().get(name, {}).items()
        }
        for name in MARKDOWN_EXTENSIONS
    }
    assert list(site) == list(ours)
    assert site == ours


def test_headings_get_the_sites_ids_and_permalinks() -> None:
    html = markdown_to_html("## Personvern og blåbær\n\n## Cookies {#cookies}\n")
    assert html == (
        '<h2 id="personvern-og-blåbær">Personvern og blåbær<a class="headerlink" '
        'href="#personvern-og-blåbær" title="Permanent link">&para;</a></h2>\n'
        '<h2 id="cookies">Cookies<a class="headerlink" href="#cookies" '
        'title="Permanent link">&para;</a></h2>'
    )


# Texts that need each processor markdown_to_html may leave out, and texts that need none.
SAMPLES = [
    "Plain words.\n\n## Heading {#h}\n\n- a\n- b\n\n| A | B |\n|---|---|\n| 1 | 2 |\n",
    "*Emphasis*, __strong__, `code`, [a link](https://x.org), ![an image](i.png), a\\*b.",
    "Only _underscores_, __here__: no asterisk, [a] [b][] ![c].",
    "R&D &amp; &copy; <b>bold</b> <https://x.org> <me@x.org> and a break  \nhere.",
    "Term\n:   Definition\n\n    more of it\n\nTerm two\n:   Another",
    '!!! note "Title"\n    Inside.\n\n> quoted\n> ## quoted heading\n\n[ref]: https://x.org\n\n[x][ref]',
    "Split by STX: ]\x02: and !\x02!! note and *\x03*bold**",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_leaving_out_processors_a_text_cannot_use_changes_nothing(text: str) -> None:
    assert markdown_to_html(text) == new_markdown().convert(text)


PIECES = [*"ab1 \n\t*_`[]()!<>&#;:|-=.\\\x02", "!!! note", "]:", "    ", "\n\n", "## "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_renders_as_a_new_converter_renders_it(text: str) -> None:
    assert markdown_to_html(text) == new_markdown().convert(text)


def test_this_python_markdown_lets_a_plain_text_leave_out_every_optional_processor() -> None:
    # Fails when a Python-Markdown upgrade changes a processor: it is kept (the output stays
    # right), but the rendering is slower until _INLINE_NEEDS and _BLOCK_NEEDS learn it.
    assert unneeded_processors(new_markdown(), "Plain words, and more.") == (
        [
            *("autolink", "automail", "backtick", "em_strong", "entity", "escape", "html"),
            *("image_link", "image_reference", "link", "reference", "short_image_ref"),
            "short_reference",
        ],
        ["admonition", "defindent", "deflist", "quote", "reference"],
    )
    assert unneeded_processors(new_markdown(), SAMPLES[5] + SAMPLES[3] + SAMPLES[1]) == (
        [],
        [],
    )


def test_a_text_is_cut_before_headings_that_begin_a_block() -> None:
    body = "Intro\n\n## One\ntext\n## Two\n\n  \n# Three\n\n    ## code\n"
    assert independent_parts(body) == [
        "Intro\n\n",
        "## One\ntext\n## Two\n\n  \n",
        "# Three\n\n    ## code\n",
    ]
    for whole in (
        "a\n\n[r]: x\n\n## b",
        "```\n\n## b\n```",
        "<div>\n\n## b\n</div>",
        "[TOC]\n\n# b",
    ):
        assert independent_parts(whole) == [whole]
