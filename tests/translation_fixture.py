"""A source policy and its Norwegian translation across three source versions, in real git.

1.0 (2020-01-01) and 1.1 (2021-01-01) are translated; 2.0 (2022-01-01, material, a new section
``#storage``) is not, so the translation is current before 2022 and stale from then on.
"""

from __future__ import annotations

import textwrap

from tests.conftest import GitRepo, policy_text

BODY_1_0 = """
## Data we collect {#data}

We collect your name.

## Cookies {#cookies}

We use cookies.
"""
BODY_1_1 = (
    BODY_1_0
    + """
## Your rights {#rights}

You may ask us what we hold about you.
"""
)
BODY_2_0 = (
    BODY_1_1.replace("your name.", "your name and your address.")
    + """
## Storage {#storage}

We keep your data for two years.
"""
)

NB_1_0 = """
## Opplysninger vi samler inn {#data}

Vi samler inn navnet ditt.

## Informasjonskapsler {#cookies}

Vi bruker informasjonskapsler.
"""
NB_1_1 = (
    NB_1_0
    + """
## Dine rettigheter {#rights}

Du kan spørre oss hva vi har lagret om deg.
"""
)


def translation_text(translates: str, body: str, title: str = "Personvernerklæring") -> str:
    """A translation file: ``title`` and ``translates:`` front matter, then the body."""
    return f'---\ntitle: {title}\ntranslates: "{translates}"\n---\n' + textwrap.dedent(body).lstrip(
        "\n"
    )


def note(material: bool, summary: str) -> str:
    return f"---\nmaterial: {'true' if material else 'false'}\n---\n{summary}\n"


def commit_translated_history(repo: GitRepo) -> list[str]:
    """Three source versions, the first two translated into nb; returns the three commits."""
    commits = []
    steps = [
        ("1.0", "2020-01-01", BODY_1_0, NB_1_0, "First version."),
        ("1.1", "2021-01-01", BODY_1_1, NB_1_1, "Your rights are set out."),
        (
            "2.0",
            "2022-01-01",
            BODY_2_0,
            None,
            "We collect your address, and say how long we keep data.",
        ),
    ]
    for label, effective, body, nb_body, summary in steps:
        repo.write("policies/privacy.md", policy_text(label, effective, body))
        repo.write(f"changelog/privacy/{label}.md", note(True, summary))
        if nb_body is not None:
            repo.write("policies/privacy.nb.md", translation_text(label, nb_body))
        commits.append(repo.commit(f"privacy {label}"))
    return commits
