"""What the rules find: a ``Finding`` each, made from a message template, and the ``Report``
of a run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from policysite.errors import PolicySiteError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, how bad, and the message with the fix."""

    severity: Severity
    path: str
    line: int
    rule: str
    message: str


def finding(
    messages: Mapping[str, str],
    rule: str,
    file: str,
    line: int,
    severity: Severity = "error",
    **values: str,
) -> Finding:
    """A finding of ``rule`` at ``file``:``line``, its template from ``messages`` filled in.

    Each family of rules keeps its templates (``MESSAGES``) beside the rules; {names} are
    filled in, {{ and }} print one brace.
    """
    return Finding(severity, file, max(line, 1), rule, messages[rule].format(**values))


def from_error(error: PolicySiteError, rule: str = "front-matter") -> Finding:
    """A library error (bad front matter, an unreadable file) as a finding."""
    detail = error.detail
    if error.commit:
        detail = f"at commit {error.commit[:12]}: {detail}"
    return Finding("error", error.path or "", error.line or 1, rule, detail)


@dataclass(frozen=True)
class Report:
    """What one ``check`` run found."""

    base: str
    findings: tuple[Finding, ...]
    policies: int = 0
    versions: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")
