"""A pull request that changes two policies: the case for the PR summary and its golden file.

``main`` publishes privacy 1.0 and terms 1.0; the branch ``pr`` (checked out) proposes privacy
1.1, a material change with exactly 30 days' notice (a section reworded, one retitled with its
anchor kept, one added), and terms 1.1, an editorial fix. Every check passes, so the summary is
about the text alone. Today is ``TODAY`` (set ``POLICYSITE_TODAY``). Commit dates are fixed
(not the clock's), so every output made from this history is the same on every run.
"""

from __future__ import annotations

from tests.conftest import GitRepo, policy_text

TODAY = "2021-06-01"

PRIVACY_1_0 = """
## Data we collect {#data}

We collect your name and email address when you register.

## Storage {#storage}

We keep your data for two years after your last login.

## Cookies {#cookies}

We use cookies to keep you signed in. See [storage](#storage).
"""

PRIVACY_1_1 = """
## Data we collect {#data}

We collect your name, email address and phone number when you register.

## How long we keep your data {#storage}

We keep your data for one year after your last login.

## Cookies {#cookies}

We use cookies to keep you signed in. See [storage](#storage).

## Transfers outside the EU {#transfers}

Our support provider processes your data in the United States under standard contractual
clauses.
"""

TERMS_1_0 = """
## Using the service {#use}

You may use the the service for lawful purposes only.

## Liability {#liability}

We are liable only as the law requires.
"""

TERMS_1_1 = TERMS_1_0.replace("the the service", "the service")


def note(material: bool, summary: str) -> str:
    return f"---\nmaterial: {'true' if material else 'false'}\n---\n{summary}\n"


def make_two_policy_pr(repo: GitRepo) -> None:
    """Build the history described above in ``repo`` (an empty site on ``main``)."""
    repo.write("changelog/privacy/1.0.md", note(True, "First version."))
    repo.write("changelog/terms/1.0.md", note(True, "First version."))
    repo.write("policies/terms.md", policy_text("1.0", "2020-01-01", TERMS_1_0, title="Terms"))
    repo.commit(
        "privacy 1.0, terms 1.0",
        date="2019-12-02 09:00:00 +0000",
        policies__privacy_md=policy_text("1.0", "2020-01-01", PRIVACY_1_0),
    )
    repo.commit("main moves on", date="2019-12-02 09:05:00 +0000")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("policies/privacy.md", policy_text("1.1", "2021-07-01", PRIVACY_1_1))
    repo.write(
        "changelog/privacy/1.1.md",
        note(
            True,
            "We now collect your phone number, keep your data for one year instead of two, and "
            "say where it is transferred outside the EU.",
        ),
    )
    repo.write("policies/terms.md", policy_text("1.1", "2021-06-01", TERMS_1_1, title="Terms"))
    repo.write("changelog/terms/1.1.md", note(False, "A doubled word removed."))
    repo.commit("privacy 1.1 (material), terms 1.1 (editorial)", date="2021-05-31 15:00:00 +0000")
