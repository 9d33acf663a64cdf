"""The notice mail: golden .eml per locale, safe filling of per-recipient fields, Chromium."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysite.config import load_settings
from policysite.notify.announce import build_notice
from policysite.notify.compose import (
    TEMPLATE_DIR,
    Composer,
    MailTemplate,
    Recipient,
    clean_header_text,
)
from policysite.versions import find_policy, load_policies
from tests.conftest import REPO_ROOT, GitRepo
from tests.notify.conftest import MKDOCS
from tests.pr_fixture import make_two_policy_pr

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "notify"
DATE = "Sun, 01 Mar 2026 09:00:00 +0000"
TODAY = dt.date(2026, 3, 1)


def template_for(site: GitRepo, locale: str, label: str = "2.0") -> MailTemplate:
    settings_ = load_settings(site.path)
    policy = load_policies(settings_, as_of=TODAY)[0]
    notice = build_notice(settings_, policy, policy.get(label))  # type: ignore[arg-type]
    composer = Composer(site.path / TEMPLATE_DIR, settings_.locales)
    return composer.build(notice, locale, today=TODAY)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    ("locale", "recipient"),
    [
        ("en", Recipient("ola@example.com", "Ola Nordmann", "en", "Europe/Oslo", "<t.1@x.com>")),
        (
            "nb",
            Recipient(
                "kari@example.org", "Kåri Ø. Nordmann", "nb", "America/New_York", "<t.2@x.com>"
            ),
        ),
    ],
)
def test_golden_eml(site: GitRepo, locale: str, recipient: Recipient) -> None:
    data = template_for(site, locale).render(recipient, DATE)
    golden = GOLDEN / f"{locale}.eml"
    if os.environ.get("POLICYSITE_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert data == golden.read_bytes()
    # Every line within RFC 5322's recommended 78 characters (QP keeps bodies at 76).
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_notice_lists_the_diff_engines_sections_with_deep_links(site: GitRepo) -> None:
    settings_ = load_settings(site.path)
    policy = load_policies(settings_, as_of=TODAY)[0]
    notice = build_notice(settings_, policy, policy.versions[1])
    site_url = "https://policies.example.com/privacy/"
    # 2.0 is upcoming: its sections are read on its own page (tests/notify/test_links.py).
    upcoming = f"{site_url}versions/2.0/"
    assert [(s.anchor, s.title, s.status, s.url, s.old_title) for s in notice.sections] == [
        ("data", "Data we collect", "modified", f"{upcoming}#data", None),
        ("cookies", "Cookies and tracking", "retitled", f"{upcoming}#cookies", "Cookies"),
        ("old", "Old section", "removed", f"{site_url}versions/1.0/#old", None),
        ("rights", "Your rights", "added", f"{upcoming}#rights", None),
    ]
    assert notice.previous_version == "1.0"
    assert (notice.kind, notice.source_locale, notice.list_id) == (
        "change",
        "en",
        "privacy.policy-notices.example.com",
    )
    nb = notice.translations["nb"]
    assert (nb.title, nb.sections["rights"]) == ("Personvernerklæring", "Dine rettigheter")


def test_a_renamed_section_whose_words_changed_is_told_as_changed(git_repo: GitRepo) -> None:
    git_repo.write("mkdocs.yml", MKDOCS)
    make_two_policy_pr(git_repo)  # privacy 1.1: "Storage" renamed, and two years became one
    settings_ = load_settings(git_repo.path)
    privacy = find_policy(load_policies(settings_, as_of=TODAY), "privacy", settings_)
    notice = build_notice(settings_, privacy, privacy.versions[-1])
    assert [(s.anchor, s.status, s.old_title) for s in notice.sections] == [
        ("data", "modified", None),
        ("storage", "modified", "Storage"),
        ("transfers", "added", None),
    ]


def test_first_version_is_new_not_a_list_of_added_sections(site: GitRepo) -> None:
    settings_ = load_settings(site.path)
    policy = load_policies(settings_, as_of=TODAY)[0]
    notice = build_notice(settings_, policy, policy.versions[0])
    assert (notice.previous_version, notice.sections) == (None, ())
    message = parse(
        template_for(site, "en", "1.0").render(Recipient("ola@example.com", "Ola"), DATE)
    )
    assert message["Subject"] == "Our new Privacy Policy: version 1.0"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(
        "Dear Ola,\n\nThis is a notice about your agreement with Example.\n\nWe have introduced a "
        "new policy: our Privacy Policy, version 1.0. It\ntook effect on:"
    )
    assert "In short\n--------\n\nFirst version.\n" in text
    assert "Sections" not in text and "/changes/" not in text
    page = message.get_body(("html",)).get_content()
    assert "<h2" in page and "In short</h2>" in page
    assert "Sections" not in page and "/changes/" not in page


def test_locale_fallback(site: GitRepo) -> None:
    composer = Composer(site.path / TEMPLATE_DIR, ("en", "nb"))
    picks = [composer.pick_locale(tag) for tag in ("nb-NO", "no", "nn", "en_GB", "de", "", "NB")]
    assert picks == ["nb", "nb", "nb", "en", "en", "en", "nb"]


def test_missing_template_is_a_clear_error(site: GitRepo) -> None:
    (site.path / TEMPLATE_DIR / "nb" / "notice.html").unlink()
    with pytest.raises(Exception, match=r"mail template\(s\) missing: site_templates/email/nb/"):
        Composer(site.path / TEMPLATE_DIR, ("en", "nb"))


NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120
) | st.sampled_from(
    [
        "x\r\nBcc: victim@example.net",
        "<script>alert(1)</script>",
        'Ada "The Admin" O\'Hara',
        "=?utf-8?b?SGk=?=",
        "a\\b",
        "Zoë Ångström-Øvrebø " * 8,
        "\u2028Line\u2029Sep\x00\x1b",
    ]
)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, MailTemplate]:
    import shutil

    from tests.conftest import policy_text
    from tests.notify.conftest import BODY_1, BODY_2

    repo = GitRepo(tmp_path_factory.mktemp("site"))
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS)
    shutil.copytree(REPO_ROOT / "site_templates", repo.path / "site_templates")
    repo.write("changelog/privacy/1.0.md", "---\nmaterial: true\n---\nFirst.\n")
    repo.commit(policies__privacy_md=policy_text("1.0", "2025-01-01", BODY_1, "Privacy Policy"))
    repo.write("changelog/privacy/2.0.md", "---\nmaterial: true\n---\nSecond.\n")
    repo.commit(policies__privacy_md=policy_text("2.0", "2026-03-20", BODY_2, "Privacy Policy"))
    return {locale: template_for(repo, locale) for locale in ("en", "nb")}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES, locale=st.sampled_from(["en", "nb"]))
def test_any_name_is_one_header_and_escaped_html(
    templates: dict[str, MailTemplate], name: str, locale: str
) -> None:
    data = templates[locale].render(
        Recipient("someone@example.com", name, locale, "Asia/Tokyo", "<t.9@x.com>"), DATE
    )
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"]
    assert names == [
        b"From",
        b"Subject",
        b"To",
        b"Date",
        b"Message-ID",
        b"MIME-Version",
        b"Content-Language",
        b"Auto-Submitted",
        b"X-Auto-Response-Suppress",
        b"List-Id",
        b"Content-Type",
    ]
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    message = parse(data)
    to = message["To"].addresses
    assert [a.addr_spec for a in to] == ["someone@example.com"]
    cleaned = clean_header_text(name)
    shown = to[0].display_name
    if all(len(word.encode()) <= 40 for word in cleaned.split()):
        # Python reads the fold between encoded words as a space: words break after spaces.
        assert " ".join(shown.split()) == cleaned
    else:  # a very long run without spaces is cut inside; nothing is lost
        assert "".join(shown.split()) == "".join(cleaned.split())
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    if cleaned:
        assert cleaned in text
        assert html.escape(cleaned, quote=True) in page
    assert "<script" not in page


def test_chromium_renders_the_mail_with_its_links(site: GitRepo) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install chromium (.ci/run does)")
    name = "<script>window.pwned=1</script> Ola"
    data = template_for(site, "en").render(
        Recipient("ola@example.com", name, "en", "Europe/Oslo", "<t.1@x.com>"), DATE
    )
    page_html = parse(data).get_body(("html",)).get_content()
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 700, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.set_content(page_html)
            links = page.eval_on_selector_all(
                "a", "els => els.map(e => [e.textContent.trim(), e.href])"
            )
            heading = page.inner_text("h1")
            greeting = page.inner_text("p:nth-of-type(2)")
            pwned = page.evaluate("window.pwned === undefined")
            box = page.locator("a.button").bounding_box()
        finally:
            browser.close()
    base = "https://policies.example.com/privacy/"
    text, change = f"{base}versions/2.0/", f"{base}changes/2.0/"
    assert links == [
        ["Data we collect", f"{text}#data"],
        ["see the change", f"{change}#change-data"],
        ["Cookies and tracking", f"{text}#cookies"],
        ["see the change", f"{change}#change-cookies"],
        ["Old section", f"{base}versions/1.0/#old"],
        ["see the change", f"{change}#change-old"],
        ["Your rights", f"{text}#rights"],
        ["see the change", f"{change}#change-rights"],
        ["See every change", change],
        ["Read the full Privacy Policy", text],
        ["privacy@example.com", "mailto:privacy@example.com"],
    ]
    assert heading == "Changes to our Privacy Policy: version 2.0"
    assert greeting == f"Dear {name},"  # shown as text, never run
    assert pwned is True
    assert box is not None and box["width"] > 100 and box["height"] > 20
    assert requests == []  # inlined CSS, no images or fonts: nothing fetched


def test_fast_path_matches_a_stdlib_parse_of_every_part(site: GitRepo) -> None:
    data = template_for(site, "nb").render(
        Recipient("kari@example.org", "Kari", "nb", "", "<t.2@x.com>"), DATE
    )
    message = parse(data)
    assert message["Subject"] == "Endringer i vår Personvernerklæring: versjon 2.0"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Precedence"] is None  # a notice about an agreement is not bulk mail
    assert message["List-Id"] == "Privacy Policy <privacy.policy-notices.example.com>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    assert "\n    fredag 20. mars 2026\n" in text.replace("\r\n", "\n")
