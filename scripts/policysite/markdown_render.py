"""Policy Markdown → HTML exactly as the site renders it.

The one place that lists the Python-Markdown extensions: the redline, the mail and the site's
own pages use this list, and a test holds it equal to ``markdown_extensions`` in mkdocs.yml, so
the ids and blocks a diff or a mail shows are the ones the published page has.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown.extensions.toc import slugify_unicode

# Same order and options as mkdocs.yml's `markdown_extensions` (tests/test_markdown_render.py).
MARKDOWN_EXTENSIONS: tuple[str, ...] = (
    "attr_list",
    "def_list",
    "tables",
    "fenced_code",
    "admonition",
    "toc",
)


def extension_configs() -> dict[str, dict[str, Any]]:
    """The options of the extensions above (toc: permalinks, Unicode slugs as MkDocs makes)."""
    return {"toc": {"permalink": True, "slugify": slugify_unicode}}


def new_markdown() -> markdown.Markdown:
    """A Python-Markdown converter configured as the site's."""
    return markdown.Markdown(
        extensions=list(MARKDOWN_EXTENSIONS), extension_configs=extension_configs()
    )


def markdown_to_html(body: str) -> str:
    """Render a policy body (front matter already removed) to the site's HTML.

    A new converter per call (0.4 ms) keeps this safe to use from several threads.
    """
    return str(new_markdown().convert(body))
