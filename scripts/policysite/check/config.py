"""Rules on the site's settings: what ``policysite init`` leaves as an example must be the
organisation's own before anything is published (mail would go out from a stranger's address,
and links would point at a site that is not theirs)."""

from __future__ import annotations

import re

from policysite.check.findings import Finding, finding
from policysite.config import CONFIG_FILE, Settings
from policysite.worktree import read_policy_file

# The example values of the mkdocs.yml that `policysite init` writes (site_skeleton/mkdocs.yml
# holds them; tests/test_init.py keeps the two the same), and what each one is.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "site_url": ("https://policies.example.com/", "address of the site"),
    "sender_email": ("privacy@example.com", "address notices are sent from"),
    "postal_address": ("Street 1, 0000 City, Country", "postal address every notice shows"),
}

# Every message these rules print, by rule. {names} are filled in; {{ and }} print one brace.
MESSAGES: dict[str, str] = {
    "config-placeholder": (
        "'{key}' still has the example value {value} that `policysite init` wrote; set the "
        "{what} before anything is published."
    ),
}


def check_placeholders(settings: Settings, publishing: bool) -> list[Finding]:
    """Each setting still at its example value, once a version is (or is about to be)
    published; none before, when the site is still being set up."""
    if not publishing:
        return []
    values = {
        "site_url": settings.site_url,
        "sender_email": settings.sender_email,
        "postal_address": settings.postal_address,
    }
    left = [key for key, (example, _) in PLACEHOLDERS.items() if values[key] == example]
    if not left:
        return []
    text = read_policy_file(settings, CONFIG_FILE)
    findings = []
    for key in left:
        example, what = PLACEHOLDERS[key]
        line = next(
            (n for n, row in enumerate(text.splitlines(), 1) if re.match(rf"\s*{key}\s*:", row)),
            1,
        )
        findings.append(
            finding(
                MESSAGES,
                "config-placeholder",
                CONFIG_FILE,
                line,
                key=key,
                value=example,
                what=what,
            )
        )
    return findings
