"""Notices and translations of the policy (issue 14, item 5): a reader whose language has a
translation of the announced version gets links into it (``/nb/privacy/…``); otherwise links to
the source, with a sentence in their language saying so. Delivered by real SMTP (aiosmtpd)."""

from __future__ import annotations

import re
import textwrap
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from policysite.cli import main
from tests.conftest import GitRepo
from tests.notify.conftest import SmtpServer, write_subscribers

NB_2 = """
---
title: Personvernerklæring
translates: "2.0"
---
Innledning.

## Opplysninger vi samler inn {#data}

Vi samler inn navnet ditt og e-postadressen din.

## Informasjonskapsler og sporing {#cookies}

Vi bruker informasjonskapsler.

## Dine rettigheter {#rights}

Du kan be om en kopi av opplysningene dine.
"""


def send(
    site: GitRepo, tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Send the notice of privacy 2.0 to one en and one nb reader; their plain texts by locale."""
    addresses = write_subscribers(tmp_path / "people.csv", 2)
    runner = CliRunner()
    result = runner.invoke(
        main, ["-C", str(site.path), "subscribers", "import", str(tmp_path / "people.csv")]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("POLICYSITE_SMTP_URL", smtp.url)
    result = runner.invoke(main, ["-C", str(site.path), "notify", "--send"])
    assert result.exit_code == 0, result.output
    texts = {}
    for received in smtp.recorder.messages:
        message = received.message
        part = message.get_body(("plain",))
        assert isinstance(part, EmailMessage)
        locale = "en" if received.recipients[0] == addresses[0] else "nb"
        assert message["Content-Language"] == locale
        texts[locale] = str(part.get_content())
    return texts


def links(text: str) -> list[str]:
    return re.findall(r"https://\S+", text)


def test_a_reader_with_a_translation_of_the_version_gets_its_pages(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.write("policies/privacy.nb.md", textwrap.dedent(NB_2).lstrip())
    site.commit("privacy 2.0 in Norwegian")

    texts = send(site, tmp_path, smtp_server, monkeypatch)

    # 2.0 is upcoming (2026-03-20): the text is on its version page, in Norwegian.
    nb = links(texts["nb"])
    assert "https://policies.example.com/nb/privacy/versions/2.0/" in nb
    assert "https://policies.example.com/nb/privacy/changes/2.0/" in nb
    assert "https://policies.example.com/nb/privacy/versions/2.0/#rights" in nb
    assert all("/nb/" in link for link in nb)
    assert "engelsk" not in texts["nb"]
    assert all("/nb/" not in link for link in links(texts["en"]))
    assert "https://policies.example.com/privacy/versions/2.0/" in links(texts["en"])


def test_a_reader_without_one_gets_the_source_and_is_told_so(
    site: GitRepo, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = NB_2.replace('translates: "2.0"', 'translates: "1.0"').replace(
        "## Dine rettigheter {#rights}", "## Gammelt avsnitt {#old}"
    )
    site.write("policies/privacy.nb.md", textwrap.dedent(stale).lstrip())
    site.commit("privacy 1.0 in Norwegian, late")

    texts = send(site, tmp_path, smtp_server, monkeypatch)

    nb = links(texts["nb"])
    assert nb and all("/nb/" not in link for link in nb)
    assert "https://policies.example.com/privacy/versions/2.0/" in nb
    assert (
        "Lenkene nedenfor går til teksten på engelsk, fordi den ikke er oversatt til norsk "
        "for denne versjonen." in " ".join(texts["nb"].split())
    )
