"""The built-site link check: internal links and fragments resolve, nothing loads from elsewhere."""

from __future__ import annotations

from pathlib import Path

from policysite.site.linkcheck import LinkChecker, LinkProblem, check_site


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_broken_links_fragments_and_third_party_resources(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "index.html": (
                '<link rel="stylesheet" href="assets/a.css">'
                '<link rel="canonical" href="https://example.com/docs/">'
                '<link rel="stylesheet" href="https://fonts.example/f.css">'
                '<a href="a/">a</a> <a href="a/#x">x</a> <a href="a/#y">y</a>'
                '<a href="missing/">m</a> <a href="#top">t</a> <a href="#nope">n</a>'
                '<a href="https://elsewhere.example/">fine: a link, not a load</a>'
                '<img src="//cdn.example/p.gif"> <a href="mailto:a@b.c">mail</a>'
                '<p>text that says src="https://x.example/" is not a tag</p>'
                '<a href="https://example.com/docs/a/#x">own site</a>'
                '<a href="../../outside">o</a> <a href="/docs/.">root</a> <span id="top"></span>'
            ),
            "a/index.html": '<h2 id="x">X</h2><a href="../">home</a><a href="/docs/a/">abs</a>',
            "assets/a.css": "",
        },
    )
    assert check_site(site, "https://example.com/docs/") == [
        LinkProblem(
            "index.html", "https://fonts.example/f.css", "loads fonts.example from another host"
        ),
        LinkProblem("index.html", "a/#y", "no element with id 'y' on that page"),
        LinkProblem("index.html", "missing/", "no such page or file in the built site"),
        LinkProblem("index.html", "#nope", "no element with id 'nope' on that page"),
        LinkProblem("index.html", "//cdn.example/p.gif", "loads cdn.example from another host"),
        LinkProblem("index.html", "../../outside", "points outside the site"),
    ]


def test_pages_handed_over_as_written_are_not_read_again(tmp_path: Path) -> None:
    site = write(
        tmp_path,
        {
            "index.html": '<a href="a/#x">x</a>',
            "a/index.html": "on disk: overwritten below",
            "404.html": '<a href="gone/">g</a>',  # not handed over: read from the folder
        },
    )
    checker = LinkChecker("https://example.com/")
    checker.add_page("a/index.html", '<h2 id="x">X</h2><a href="#y">y</a>')
    checker.add_page("empty/index.html", '<a href="nowhere/">not written, not checked</a>')
    assert checker.check(site) == [
        LinkProblem("404.html", "gone/", "no such page or file in the built site"),
        LinkProblem("a/index.html", "#y", "no element with id 'y' on that page"),
    ]


def test_an_a_name_is_a_fragment_target_as_a_browser_reads_it(tmp_path: Path) -> None:
    """GitHub's policies link ``#only-with-a-search-warrant`` to ``<a name=…></a>``: a browser
    goes there, so the check counts it, handed over or read from disk, either quote."""
    page = (
        '<a href="#only-with-a-search-warrant">w</a> <a href="#single">s</a> '
        '<a href="#meta">not a target</a>'
        '<li><a name="only-with-a-search-warrant"></a>Only with a search warrant</li>'
        "<li><a class=\"x\" name='single'></a></li>"
        '<meta name="meta" content="a meta name is no target">'
    )
    site = write(tmp_path, {"index.html": page})
    expected = [LinkProblem("index.html", "#meta", "no element with id 'meta' on that page")]
    assert check_site(site) == expected
    checker = LinkChecker()
    checker.add_page("index.html", page)
    assert checker.check(site) == expected
