"""The one list of Markdown extensions equals the site's mkdocs.yml, so ids and blocks match."""

from __future__ import annotations

import yaml

from policysite.markdown_render import MARKDOWN_EXTENSIONS, extension_configs, markdown_to_html
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
