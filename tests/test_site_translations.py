"""The site per language (issue 14, item 3), built by MkDocs from a real repository: a source
and its Norwegian translation across three source versions, as of days before and after the
source's new version; the Videxio site's own translation in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from playwright.sync_api import Page, expect

from policysite.diff import compare
from policysite.render import WORDS
from policysite.render.html import render_html
from policysite.site.translations import STRINGS, redline_words, script_strings
from tests.conftest import GitRepo
from tests.site_support import Served, build_site, serve, videxio_site
from tests.test_diff import diff
from tests.test_site_browser import (  # noqa: F401 (the browser's fixtures)
    Visitor,
    browser_context_args,
    browser_type_launch_args,
    visitor,
)
from tests.translation_fixture import commit_translated_history

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "policysite"

MKDOCS = """
site_name: Example policies
site_url: https://example.com/
docs_dir: policies
theme:
  name: material
  font: false
  language: en
plugins:
  - search:
      lang: [en, "no"]
  - policysite:
      locales: [en, nb]
"""


def repository(path: Path) -> GitRepo:
    repo = GitRepo(path)
    path.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS)
    repo.write("changelog/privacy/1.1.nb.md", "---\ntitle: Personvern\n---\nDine rettigheter.\n")
    commit_translated_history(repo)
    return repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return repository(tmp_path_factory.mktemp("translated") / "repo")


def built(repo: GitRepo, tmp_path: Path, today: str) -> Path:
    return build_site(repo.path, tmp_path / f"site-{today}", "https://example.com/", today)


def article(site: Path, page: str) -> str:
    """The page's article as text, whitespace collapsed."""
    doc = lxml.html.parse(str(site / page)).getroot()
    return " ".join(doc.xpath("//article")[0].text_content().split())


def html_lang(site: Path, page: str) -> str:
    return str(lxml.html.parse(str(site / page)).getroot().get("lang"))


def test_the_translation_is_current_before_the_new_source_version(
    repo: GitRepo, tmp_path: Path
) -> None:
    site = built(repo, tmp_path, "2021-12-31")

    text = article(site, "nb/privacy/index.html")
    assert text.startswith(
        "Personvernerklæring English · Norsk bokmål Versjon 1.1 · gjelder fra 1. januar 2021 · "
        "Hva er endret · Alle versjoner Oversettelse Oversettelse til informasjon; den engelske "
        "teksten gjelder. Opplysninger vi samler inn"
    )
    assert "ikke oppdatert" not in text
    assert html_lang(site, "nb/privacy/index.html") == "nb"
    assert html_lang(site, "privacy/index.html") == "en"
    # 2.0 is upcoming: its Norwegian page is the translation of 1.1, and says so.
    upcoming = article(site, "nb/privacy/versions/2.0/index.html")
    assert (
        "Gjelder ikke ennå Denne oversettelsen er av versjon 2.0, som gjelder fra 1. januar "
        in (upcoming)
    )
    assert (
        "Denne oversettelsen er ikke oppdatert Denne oversettelsen er av versjon 1.1; selve "
        "versjon 2.0 finnes på engelsk." in upcoming
    )


def test_the_themes_own_words_are_in_the_pages_language(repo: GitRepo, tmp_path: Path) -> None:
    """Material's words (the skip link, search, what its script says) follow the page:
    Norwegian on /nb/ pages, English on the site's, in one build."""
    site = built(repo, tmp_path, "2021-12-31")

    def words(page: str) -> tuple[str, str, str]:
        doc = lxml.html.parse(str(site / page)).getroot()
        skip = " ".join(doc.xpath("//a[contains(@class, 'md-skip')]")[0].text_content().split())
        search = doc.xpath("//input[@name='query']")[0].get("placeholder")
        config = json.loads(doc.xpath("//script[@id='__config']")[0].text_content())
        return skip, search, config["translations"]["search.result.placeholder"]

    assert words("nb/privacy/index.html") == ("Gå til innhold", "Søk", "Skriv søkeord")
    assert words("nb/privacy/versions/1.1/index.html")[0] == "Gå til innhold"
    assert words("privacy/index.html") == ("Skip to content", "Search", "Type to start searching")
    not_found = lxml.html.parse(str(site / "404.html")).getroot()
    assert not_found.xpath("//input[@name='query']")[0].get("placeholder") == "Search"


def test_the_translation_is_stale_after_the_new_source_version(
    repo: GitRepo, tmp_path: Path
) -> None:
    site = built(repo, tmp_path, "2022-01-01")

    text = article(site, "nb/privacy/index.html")
    assert (
        "Denne oversettelsen er ikke oppdatert Denne oversettelsen er av versjon 1.1. Versjon "
        "2.0, som gjelder fra 1. januar 2022, finnes på engelsk. Hva er endret siden versjon 1.1."
        in text
    )
    page = lxml.html.parse(str(site / "nb/privacy/index.html")).getroot()
    banner = page.xpath("//div[contains(@class, 'policysite-banner')][contains(., 'oppdatert')]")
    hrefs = banner[0].xpath(".//a/@href")
    assert hrefs == ["../../privacy/", "../../privacy/changes/2.0/"]
    home = article(site, "nb/index.html")
    assert "Personvernerklæring 2.0 1. januar 2022 av versjon 1.1" in home
    assert article(site, "nb/changes/index.html").startswith(
        "Alle endringer English · Norsk bokmål Også som Atom-feed. Gjelder fra Retningslinje "
        "Versjon Type 1. januar 2022"
    )


def test_the_norwegian_feed_speaks_norwegian_and_links_norwegian_pages(
    repo: GitRepo, tmp_path: Path
) -> None:
    """/feed.nb.xml: every version, newest first, in Norwegian, each linking its Norwegian
    change page (2.0's says the translation is of 1.1 and links the English changes), with the
    Norwegian note where there is one; the Norwegian pages offer it in their <head>, the
    English ones the English feed."""
    site = built(repo, tmp_path, "2022-01-01")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = lxml.etree.parse(str(site / "feed.nb.xml")).getroot()

    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "nb"
    assert feed.findtext(f"{atom}title") == "Example policies: endringer"
    assert feed.findtext(f"{atom}id") == "https://example.com/feed.nb.xml"
    assert feed.find(f"{atom}link[@rel='alternate']").get("href") == (
        "https://example.com/nb/changes/"
    )
    entries = [
        (
            e.findtext(f"{atom}title"),
            e.find(f"{atom}link").get("href"),
            e.findtext(f"{atom}summary"),
            e.findtext(f"{atom}id").rsplit(":", 1)[1],
        )
        for e in feed.findall(f"{atom}entry")
    ]
    assert entries == [
        (
            "Personvernerklæring 2.0 (vesentlig), gjelder fra 1. januar 2022",
            "https://example.com/nb/privacy/changes/2.0/",
            "We collect your address, and say how long we keep data.",
            "privacy/2.0/nb",
        ),
        (
            "Personvernerklæring 1.1 (vesentlig), gjelder fra 1. januar 2021",
            "https://example.com/nb/privacy/changes/1.1/",
            "Dine rettigheter.",  # the Norwegian note (changelog/privacy/1.1.nb.md)
            "privacy/1.1/nb",
        ),
        (
            "Personvernerklæring 1.0 (vesentlig), gjelder fra 1. januar 2020",
            "https://example.com/nb/privacy/changes/1.0/",
            "First version.",
            "privacy/1.0/nb",
        ),
    ]

    def head_feed(page: str) -> tuple[str, str]:
        doc = lxml.html.parse(str(site / page)).getroot()
        (found,) = doc.xpath("//link[@type='application/atom+xml']")
        return found.get("title"), found.get("href")

    assert head_feed("nb/privacy/index.html") == (
        "Example policies: endringer",
        "../../feed.nb.xml",
    )
    assert head_feed("privacy/index.html") == ("Example policies: changes", "../feed.xml")
    english = (site / "feed.xml").read_text(encoding="utf-8")
    assert "Personvernerklæring" not in english and "Privacy 2.0" in english


def test_the_norwegian_redline_compares_the_translations(repo: GitRepo, tmp_path: Path) -> None:
    site = built(repo, tmp_path, "2022-01-01")

    page = lxml.html.parse(str(site / "nb/privacy/changes/1.1/index.html")).getroot()
    inserted = " ".join(" ".join(page.xpath("//article//ins//text()")).split())
    assert "Dine rettigheter" in inserted
    assert "Du kan spørre oss hva vi har lagret om deg." in inserted
    assert page.xpath("//article//del") == []
    assert "Sammendrag¶ Dine rettigheter." in article(site, "nb/privacy/changes/1.1/index.html")
    # 2.0 is not translated: its Norwegian change page sends the reader to the source's.
    untranslated = article(site, "nb/privacy/changes/2.0/index.html")
    assert "Oversettelsen ble ikke endret med denne versjonen: den er av versjon 1.1." in (
        untranslated
    )


def test_search_indexes_both_languages(repo: GitRepo, tmp_path: Path) -> None:
    site = built(repo, tmp_path, "2022-01-01")
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert re.search(r'"lang":\s*\["en",\s*"no"\]', index)
    assert '"location":"nb/privacy/"' in index.replace(" ", "")
    assert '"location":"nb/privacy/versions/1.1/"' not in index.replace(" ", "")


@pytest.fixture(scope="session")
def videxio(tmp_path_factory: pytest.TempPathFactory) -> Served:
    return videxio_site(tmp_path_factory.mktemp("videxio"))


def test_the_language_switcher_lands_on_the_same_section(
    visitor: Visitor,  # noqa: F811 (the fixture imported above)
    videxio: Served,
) -> None:
    page: Page = visitor.page
    url = videxio.url
    page.goto(url + "privacy/#storage")
    expect(page.locator("#storage")).to_be_in_viewport()
    page.locator("a.policysite-language", has_text="Norsk bokmål").click()
    expect(page).to_have_url(url + "nb/privacy/#storage")
    expect(page.locator("#storage")).to_have_text(re.compile("^3. Lagring av personopplysninger"))
    expect(page.locator("#storage")).to_be_in_viewport()
    assert page.locator("html").get_attribute("lang") == "nb"
    visitor.shot("nb-storage")
    # A reader who followed a heading's permalink goes back to that section.
    page.locator("#cookies a.headerlink").click()
    page.locator("a.policysite-language", has_text="English").click()
    expect(page).to_have_url(url + "privacy/#cookies")
    expect(page.locator("#cookies")).to_be_in_viewport()
    assert visitor.outside == []


def test_a_translation_two_versions_behind_links_the_comparison(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    text = (repo.path / "policies/privacy.md").read_text(encoding="utf-8")
    repo.write(
        "policies/privacy.md",
        text.replace('version: "2.0"', 'version: "3.0"').replace("2022-01-01", "2023-01-01")
        + "\nWe tell you when this changes.\n",
    )
    repo.write("changelog/privacy/3.0.md", "---\nmaterial: true\n---\nWe tell you.\n")
    repo.commit("privacy 3.0")

    site = built(repo, tmp_path, "2023-06-01")  # strict: every link of the page resolves

    page = lxml.html.parse(str(site / "nb/privacy/index.html")).getroot()
    banner = page.xpath("//div[contains(@class, 'policysite-banner')][contains(., 'oppdatert')]")
    assert banner[0].xpath(".//a/@href") == [
        "../../privacy/",
        "../../privacy/versions/?from=1.1&to=3.0",
    ]
    assert "Hva er endret siden versjon 1.1" in " ".join(banner[0].text_content().split())


# Words of the English strings the script and the redline write; none may be on an nb page's
# script-written text (Material's own "Search" and the like are the theme's, not ours).
ENGLISH = re.compile(
    r"\b(added|removed|inserted|deleted|modified|unchanged|previous|next|change|changes|show|"
    r"compare|comparing|with|version|versions|policy|policies|kind|kinds|all|showing|of|from|"
    r"words?|passages?|keys|and|or|the|too|text|effective|moved|here|paragraphs?)\b",
    re.IGNORECASE,
)


def norwegian(texts: list[str]) -> str:
    """The texts, joined, after asserting each is non-empty and has none of the English words."""
    for text in texts:
        assert text.strip(), texts
        assert not ENGLISH.findall(text), (ENGLISH.findall(text), text)
    return " | ".join(" ".join(t.split()) for t in texts)


@pytest.fixture(scope="module")
def served_translated(repo: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> str:
    site_dir = tmp_path_factory.mktemp("served-nb") / "site"
    url = serve(site_dir)
    build_site(repo.path, site_dir, url, "2022-01-01")
    return url


def test_the_script_and_the_redline_speak_norwegian_on_nb_pages(
    visitor: Visitor,  # noqa: F811 (the fixture imported above)
    served_translated: str,
) -> None:
    page: Page = visitor.page
    url = served_translated

    # The change page: the redline's status lines and screen-reader labels, and the tools.
    page.goto(url + "nb/privacy/changes/1.1/")
    tools = page.locator(".ps-tools")
    expect(tools).to_contain_text("Neste endring")
    page.keyboard.press("j")
    expect(page.locator(".ps-counter")).to_have_text(re.compile(r"^Endring 1 av \d+$"))
    statuses = page.locator(".ps-redline .ps-status").all_text_contents()
    labels = page.locator(".ps-redline .ps-sr").all_text_contents()
    said = norwegian([tools.inner_text(), *statuses, *labels])
    assert "Forrige endring" in said and "eller tastene k og j" in said
    assert statuses == ["Lagt til: 12 ord."]  # "Dine rettigheter" and its sentence
    assert set(labels) == {"satt inn: "}, labels

    # The versions page after a comparison in the browser (1.1 back to 1.0: no change page).
    page.goto(url + "nb/privacy/versions/?from=1.1&to=1.0")
    summary = page.locator(".policysite-compare-summary")
    expect(summary).to_have_text(
        re.compile(r"^Fra versjon 1\.1 til versjon 1\.0: \d+ tekstbite?r? endret, .* fjernet\.$")
    )
    forms = page.locator("form.policysite-inforce, form.policysite-compare").all_inner_texts()
    links = page.locator(".policysite-compare-link").all_text_contents()
    marks = page.locator(".policysite-compare-result .ps-sr").all_text_contents()
    said = norwegian([summary.inner_text(), *forms, *links, *marks])
    assert "Sammenlign versjon" in said and "Vis retningslinjen som gjaldt" in said
    assert set(marks) == {"slettet: "}, marks
    assert all(link.startswith("Versjon 1.0: ") for link in links), links  # none: all deleted
    page.fill("#policysite-date", "2019-06-01")
    page.locator("form.policysite-inforce button").click()
    message = page.locator(".policysite-inforce + .policysite-message")
    expect(message).to_have_text(
        "Ingen versjon av denne retningslinjen gjaldt 1.\u00a0juni\u00a02019; den første "
        "gjaldt fra 1.\u00a0januar\u00a02020."
    )
    norwegian([message.inner_text()])

    # /nb/changes/: the filter's labels, choices and count.
    page.goto(url + "nb/changes/")
    kind = page.locator("#policysite-filter-kind")
    kind.select_option(index=1)
    status = page.locator(".policysite-filter-status")
    expect(status).to_have_text(re.compile(r"^Viser \d+ av 3 versjoner\.$"))
    form = page.locator("form.policysite-filter").inner_text()
    said = norwegian([form, status.inner_text()])
    assert "Alle retningslinjer" in said and "Alle typer" in said
    assert visitor.outside == []


def test_every_string_the_script_and_the_redline_say_is_in_norwegian() -> None:
    script = (PACKAGE / "assets/policysite.js").read_text(encoding="utf-8")
    used = set(re.findall(r'\bt\("([\w.]+)"', script)) - {"status."}
    used |= {f"passages.{n}" for n in ("one", "other")} | {f"words.{n}" for n in ("one", "other")}
    used |= {f"status.{s}" for s in ("current", "upcoming", "retired")}  # t("status." + ...)
    english = {k.removeprefix("js.") for k in STRINGS["en"] if k.startswith("js.")}
    block = script_strings("nb")
    head = '<script type="application/json" id="policysite-strings">'
    assert block.startswith(head) and block.endswith("</script>")
    inner = block.removeprefix(head).removesuffix("</script>")
    assert "<" not in inner  # nothing in it can end the script element
    carried = json.loads(inner)
    assert used - {"inserted", "deleted"} == english  # each one used, none missing
    assert set(carried) == english | {"inserted", "deleted"}
    assert set(STRINGS["nb"]) == set(STRINGS["en"]) | {f"redline.{k}" for k in WORDS}
    for key, text in redline_words("nb").items():
        assert text != WORDS[key], key  # nothing left in English
    assert carried["deleted"] == "slettet" and carried["show"] == "Vis"


def test_the_redline_says_moves_folds_and_reverse_in_norwegian() -> None:
    paragraph = "We keep your data for as long as your account is open, then delete it"
    items = "\n".join(f"- Item {n}" for n in range(1, 5))
    change = diff(
        f"## A {{#a}}\n\n{paragraph}.\n\nStays.\n\nOne.\n\nTwo.\n\n{items}\n\n## B {{#b}}\n\n"
        "Other.\n\n## C {#c}\n\nGamma.\n",
        f"## C {{#c}}\n\nGamma.\n\n## A {{#a}}\n\nStays.\n\nOne.\n\nTwo.\n\n"
        f"{items.replace('Item 4', 'Item four')}\n\n## B {{#b}}\n\nOther.\n\n"
        f"{paragraph} within 30 days.\n",
    )
    reverse = compare(change.new, change.old)
    nb = redline_words("nb")
    folded = render_html(change, fold=True, words=nb)
    english = render_html(change, fold=True)

    root = lxml.html.fragment_fromstring(folded, create_parent="div")
    text = " ".join(root.text_content().split())
    assert "Flyttet hit fra A:" in text and "Flyttet til B." in text
    assert "C Flyttet. … 1 uendret avsnitt Gamma." in text
    assert "… 3 uendrede avsnitt Stays. One. Two." in text
    assert "uendrede listepunkter eller tabellrader skjult i denne delen" in text
    assert "Endret: 1 ord lagt til, 1 fjernet, 1 avsnitt flyttet bort." in text
    assert "Endret: 3 ord lagt til, 1 avsnitt flyttet hit." in text
    assert "Item slettet: 4satt inn: four" in text
    assert '<span class="ps-sr">satt inn: </span>' in folded
    assert text.endswith("Delen «C» stod her; den er flyttet lenger opp.")
    said = text.replace("Item", "").replace("We keep your data", "").replace("Other", "")
    for word in ("moved", "unchanged", "inserted", "deleted", "Modified", "paragraph", "Moved"):
        assert word not in said, word
    assert "Versjoner 2 → 1 (omvendt: fra den senere versjonen tilbake til den tidligere)." in (
        render_html(reverse, words=nb)
    )
    assert "Moved here from" in english and "unchanged paragraphs" in english  # English as before


def test_the_english_tools_of_a_translated_site_list_the_source_versions_only(
    visitor: Visitor,  # noqa: F811 (the fixture imported above)
    served_translated: str,
) -> None:
    # versions.json lists the translations too (with a locale); the pickers are the source's.
    page: Page = visitor.page
    page.goto(served_translated + "privacy/versions/")
    expect(page.locator("#policysite-from option")).to_have_count(3)  # after versions.json
    options = page.locator("#policysite-from option").all_text_contents()
    assert [o.split(" ")[0] for o in options] == ["2.0", "1.1", "1.0"], options
    expect(page.locator("label[for=policysite-from]")).to_have_text("Compare version ")
    page.goto(served_translated + "privacy/versions/9/")  # the 404 page
    expect(page.locator(".policysite-missing li")).to_have_count(3)
    expect(page.locator(".policysite-missing p").first).to_have_text(
        "There is no version 9 of this policy. These are its versions, newest first:"
    )


def test_a_missing_norwegian_address_lists_the_versions_in_norwegian(
    visitor: Visitor,  # noqa: F811 (the fixture imported above)
    served_translated: str,
) -> None:
    page: Page = visitor.page
    page.goto(served_translated + "nb/privacy/versions/9/")  # the 404 page
    box = page.locator(".policysite-missing")
    expect(box.locator("h2")).to_have_text("Versjoner av Personvernerklæring")
    expect(box.locator("p[lang=nb]")).to_have_text(
        "Det finnes ingen versjon 9 av denne retningslinjen. Dette er versjonene, nyeste først:"
    )
    items = box.locator("ul[lang=nb] li")
    expect(items).to_have_count(3)
    expect(items.first).to_have_text(
        "Versjon 2.0, gjelder fra 1.\u00a0januar\u00a02022 (gjeldende)"
    )
    norwegian(box.locator("[lang=nb]").all_inner_texts())
    hrefs = box.locator("ul a").evaluate_all("links => links.map(a => a.pathname)")
    assert hrefs[:2] == ["/privacy/", "/nb/privacy/"], hrefs  # 2.0 is not translated; 1.1 is
