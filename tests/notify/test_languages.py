"""Notes and titles per language, and the organisation's own wording (issue 12, items 2 and 3).

``changelog/<policy>/<version>.<locale>.md`` is the note of that version in that language (not
the note of a version "2.0.nb"); a reader gets it, or their own language's sentence saying the
summary is in English. The opening and footer come from mkdocs.yml, per locale.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage

import pytest

from policysite.config import load_settings
from policysite.errors import ConfigError, PolicyError
from policysite.notify.announce import build_notice
from policysite.notify.compose import TEMPLATE_DIR, Composer, Recipient
from policysite.versions import load_policies
from policysite.worktree import read_all_notes, read_note_translations, read_notes
from tests.conftest import GitRepo
from tests.notify.conftest import MKDOCS

TODAY = dt.date(2026, 3, 1)


def plain_mail(site: GitRepo, locale: str) -> str:
    settings = load_settings(site.path)
    policy = load_policies(settings, as_of=TODAY)[0]
    notice = build_notice(settings, policy, policy.versions[-1])
    data = (
        Composer(site.path / TEMPLATE_DIR, settings.locales)
        .build(notice, locale, today=TODAY)
        .render(Recipient("ola@example.com", "Ola", locale, "", "<t.1@x.com>"), "x")
    )
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return " ".join(str(part.get_content()).split())


def test_a_locale_suffix_names_a_translation_not_a_version(site: GitRepo) -> None:
    site.write("changelog/privacy/2.0.de.md", "---\nmaterial: false\n---\nde is no locale.\n")
    settings = load_settings(site.path)
    assert sorted(read_notes(settings, "privacy")) == ["1.0", "2.0", "2.0.de"]
    working = read_all_notes(settings)
    assert sorted(working.notes) == [("privacy", "1.0"), ("privacy", "2.0"), ("privacy", "2.0.de")]
    assert list(working.translations) == [("privacy", "2.0", "nb")]
    nb = read_note_translations(settings, "privacy", "2.0")["nb"]
    assert (nb.title, nb.path) == ("Personvernerklæring", "changelog/privacy/2.0.nb.md")
    assert nb.summary.startswith("Vi samler nå inn e-postadressen din")
    assert nb.sections["data"] == "Opplysninger vi samler inn"
    versions = load_policies(settings, as_of=TODAY)[0].versions
    assert [(v.label, v.note and v.note.path) for v in versions] == [
        ("1.0", "changelog/privacy/1.0.md"),
        ("2.0", "changelog/privacy/2.0.md"),
    ]


def test_a_title_only_translation_says_the_summary_is_in_english(site: GitRepo) -> None:
    site.write("changelog/privacy/2.0.nb.md", "---\ntitle: Personvernerklæring\n---\n")
    text = plain_mail(site, "nb")
    assert "Vi endrer vår Personvernerklæring. Versjon 2.0 erstatter" in text
    assert (
        "Hva som endres -------------- Sammendraget nedenfor finnes bare på engelsk. We now "
        "collect your e-mail address" in text
    )
    assert "Data we collect (endret)" in text  # no heading in Norwegian: the English one
    english = plain_mail(site, "en")
    assert "only available" not in english and "Personvernerklæring" not in english


def test_a_bad_sections_map_is_an_error_naming_the_file_and_line(site: GitRepo) -> None:
    site.write("changelog/privacy/2.0.nb.md", "---\ntitle: X\nsections: [data]\n---\nTekst.\n")
    with pytest.raises(PolicyError) as caught:
        read_note_translations(load_settings(site.path), "privacy", "2.0")
    assert (caught.value.path, caught.value.line) == ("changelog/privacy/2.0.nb.md", 3)
    assert "'sections' must map a section's anchor to its heading" in caught.value.message


def test_the_opening_and_footer_come_from_mkdocs_yml_per_locale(site: GitRepo) -> None:
    default_en = plain_mail(site, "en")
    assert "Dear Ola, This is a notice about your agreement with Example. We are" in default_en
    assert (
        "-- You receive this message because you have an account with Example. It is a "
        "service message about your agreement with us. This notice" in default_en
    )
    assert "the law" not in default_en and "legal notice" not in default_en
    site.write(
        "mkdocs.yml",
        MKDOCS
        + """      notice_wording:
        en:
          opening: Under section 9 of the {org} terms, we give you notice of a change to our
            {policy}.
          footer: "{org} must tell every account holder about this change (GDPR Art. 13)."
""",
    )
    text = plain_mail(site, "en")
    assert (
        "Dear Ola, Under section 9 of the Example terms, we give you notice of a change to our "
        "Privacy Policy. We are changing" in text
    )
    assert (
        "-- Example must tell every account holder about this change (GDPR Art. 13). This "
        "notice was sent" in text
    )
    # Norwegian keeps its neutral default, with the Norwegian title.
    assert "Hei Ola, Dette er et varsel om avtalen din med Example. Vi endrer vår " in (
        plain_mail(site, "nb")
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "notice_wording: {de: {footer: x}}",
            "'notice_wording' has sentences for 'de', which is not in 'locales' (en, nb)",
        ),
        (
            "notice_wording: {en: {closing: x}}",
            "'notice_wording' for 'en' must give text for opening and/or footer, not "
            "{'closing': 'x'}",
        ),
        (
            "required_locales: [nb, se]",
            "'required_locales' names se, which is not in 'locales' (en, nb); add it there or "
            "remove it here",
        ),
    ],
)
def test_bad_locale_settings_are_one_clear_error(site: GitRepo, options: str, message: str) -> None:
    site.write("mkdocs.yml", MKDOCS + f"      {options}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(site.path)
    assert caught.value.message == f"mkdocs.yml: plugin 'policysite': {message}."


def test_required_locales_are_read(site: GitRepo) -> None:
    site.write("mkdocs.yml", MKDOCS + "      required_locales: [nb]\n")
    assert load_settings(site.path).required_locales == ("nb",)
