"""Every link of a notice resolves on the day it is read: the site is built as of that day and
each link of every part (HTML and text) in every locale must land on a page and an element id.

Issue 12, item 1: the mail of an upcoming version linked ``/privacy/#rights``, but until the
effective date ``/privacy/`` shows the old text, which has no ``#rights``.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from policysite.config import load_settings
from policysite.notify.announce import build_notice
from policysite.notify.compose import TEMPLATE_DIR, Composer, Recipient
from policysite.versions import load_policies
from tests.conftest import GitRepo, policy_text
from tests.notify.conftest import BODY_2
from tests.site_support import build_site

SITE_URL = "https://policies.example.com/"
DATE = "Sun, 01 Mar 2026 09:00:00 +0000"
_HREF = re.compile(r'\shref="([^"]*)"')
_URL = re.compile(r"https?://\S+")
_ID = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")


def mails(site: GitRepo, policy_id: str, label: str, day: dt.date) -> dict[str, EmailMessage]:
    """The notice of ``policy_id`` ``label`` as sent on ``day``, per locale."""
    settings = load_settings(site.path)
    policy = next(p for p in load_policies(settings, as_of=day) if p.id == policy_id)
    notice = build_notice(settings, policy, policy.get(label))  # type: ignore[arg-type]
    composer = Composer(site.path / TEMPLATE_DIR, settings.locales)
    found = {}
    for locale in settings.locales:
        data = composer.build(notice, locale, today=day).render(
            Recipient("ola@example.com", "Ola", locale, "", "<t.1@example.com>"), DATE
        )
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        found[locale] = message
    return found


def links_of(message: EmailMessage) -> list[tuple[str, str]]:
    """(part, link) for every link of both parts."""
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert isinstance(html_part, EmailMessage) and isinstance(text_part, EmailMessage)
    page = html_part.get_content()
    text = text_part.get_content()
    return [("html", link) for link in _HREF.findall(page)] + [
        ("text", link) for link in _URL.findall(text)
    ]


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content()).replace("\r\n", "\n")


def unresolved(site_dir: Path, link: str) -> str | None:
    """Why ``link`` does not resolve in the built site (None: it does)."""
    if link.startswith("mailto:"):
        return None
    if not link.startswith(SITE_URL):
        return "not a link into the site"
    parts = urlsplit(link)
    path = unquote(parts.path.removeprefix(urlsplit(SITE_URL).path))
    target = site_dir / path / "index.html" if path.endswith("/") or not path else site_dir / path
    if not target.is_file():
        return f"no page {target.relative_to(site_dir)}"
    if parts.fragment:
        ids = {a or b for a, b in _ID.findall(target.read_text(encoding="utf-8"))}
        if unquote(parts.fragment) not in ids:
            return f"no element id {parts.fragment!r} on {target.relative_to(site_dir)}"
    return None


def check_every_link(site: GitRepo, tmp_path: Path, policy: str, label: str, day: str) -> int:
    """Build the site as of ``day`` and check the notice sent that day; returns the links."""
    site_dir = build_site(site.path, tmp_path / f"site-{day}", SITE_URL, day)
    checked = 0
    for locale, message in mails(site, policy, label, dt.date.fromisoformat(day)).items():
        for part, link in links_of(message):
            problem = unresolved(site_dir, link)
            assert problem is None, f"{locale} {part} part: {link}: {problem}"
            checked += 1
    return checked


@pytest.mark.parametrize(
    "day",
    [
        "2026-03-01",  # sent during the notice period: /privacy/ still shows 1.0
        "2026-03-25",  # sent after 2.0 took effect (a late or forced notice)
    ],
)
def test_every_link_of_every_part_and_locale_resolves_on_the_send_day(
    site: GitRepo, tmp_path: Path, day: str
) -> None:
    # 4 sections: their text (HTML and text part) and their redline (HTML), the change page
    # and the full text (both parts), the sender's address: per locale 4·3 + 2·2 + 1 = 17.
    assert check_every_link(site, tmp_path, "privacy", "2.0", day) == 2 * 17


def test_the_check_catches_the_link_the_notice_used_to_have(site: GitRepo, tmp_path: Path) -> None:
    site_dir = build_site(site.path, tmp_path / "built", SITE_URL, "2026-03-01")
    assert unresolved(site_dir, f"{SITE_URL}privacy/versions/2.0/#rights") is None
    assert unresolved(site_dir, f"{SITE_URL}privacy/#rights") == (
        "no element id 'rights' on privacy/index.html"
    )
    assert unresolved(site_dir, f"{SITE_URL}privacy/versions/9.9/") == (
        "no page privacy/versions/9.9/index.html"
    )


def test_links_of_a_notice_sent_before_the_effective_date_still_resolve_after_it(
    site: GitRepo, tmp_path: Path
) -> None:
    """A notice is read days later: what it links on the send day is there after the switch."""
    site_dir = build_site(site.path, tmp_path / "later", SITE_URL, "2026-04-01")
    for message in mails(site, "privacy", "2.0", dt.date(2026, 3, 1)).values():
        for _, link in links_of(message):
            assert unresolved(site_dir, link) is None, link


def test_upcoming_links_go_to_the_version_page_and_current_ones_to_the_policy_page(
    site: GitRepo,
) -> None:
    settings = load_settings(site.path)
    base = f"{SITE_URL}privacy/"
    for day, text_page in (
        (dt.date(2026, 3, 1), f"{base}versions/2.0/"),
        (dt.date(2026, 3, 20), base),
    ):
        policy = load_policies(settings, as_of=day)[0]
        notice = build_notice(settings, policy, policy.versions[1])
        assert notice.policy_url == text_page
        assert [(s.url, s.change_url) for s in notice.sections] == [
            (f"{text_page}#data", f"{base}changes/2.0/#change-data"),
            (f"{text_page}#cookies", f"{base}changes/2.0/#change-cookies"),
            (f"{base}versions/1.0/#old", f"{base}changes/2.0/#change-old"),
            (f"{text_page}#rights", f"{base}changes/2.0/#change-rights"),
        ]


def test_a_retirement_and_a_new_policy_have_their_own_wording_and_links(
    site: GitRepo, tmp_path: Path
) -> None:
    """Issue 11, item 4: "will be withdrawn on …" and "we are introducing …"."""
    retiring = policy_text("3.0", "2026-03-20", BODY_2, "Privacy Policy").replace(
        "effective: 2026-03-20\n", "effective: 2026-03-20\nretired: 2026-05-01\n"
    )
    site.write("changelog/privacy/3.0.md", "---\nmaterial: true\n---\nThe service closes.\n")
    site.write("changelog/terms/1.0.md", "---\nmaterial: true\n---\nOur first terms.\n")
    site.write("changelog/terms/1.0.nb.md", "---\ntitle: Vilkår\n---\nVåre første vilkår.\n")
    site.commit(
        policies__privacy_md=retiring.replace('version: "2.0"', 'version: "3.0"'),
        policies__terms_md=policy_text("1.0", "2026-04-01", "## Use {#use}\n\nBe kind.\n", "Terms"),
    )
    day = "2026-03-02"
    retirement = mails(site, "privacy", "3.0", dt.date.fromisoformat(day))
    assert retirement["en"]["Subject"] == "Our Privacy Policy will be withdrawn"
    assert "\nOur Privacy Policy will be withdrawn on:\n\n    Friday, May 1, 2026\n" in (
        plain(retirement["en"])
    )
    assert "\nVår Privacy Policy trekkes tilbake fra og med:\n\n    fredag 1. mai 2026\n" in (
        plain(retirement["nb"])
    )
    new = mails(site, "terms", "1.0", dt.date.fromisoformat(day))
    assert new["en"]["Subject"] == "Our new Terms: version 1.0"
    assert "We are introducing a new policy: our Terms, version 1.0. It takes effect on: " in (
        " ".join(plain(new["en"]).split())
    )
    assert "Vi innfører en ny Vilkår, versjon 1.0. Den gjelder fra: " in (
        " ".join(plain(new["nb"]).split())
    )
    assert new["nb"]["Subject"] == "Vår nye Vilkår: versjon 1.0"
    assert check_every_link(site, tmp_path, "privacy", "3.0", day) > 0
    assert check_every_link(site, tmp_path, "terms", "1.0", day) > 0
