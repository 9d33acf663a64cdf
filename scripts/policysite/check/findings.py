"""What the rules find: a ``Finding`` each, made from a message template, with the fix as
data where one is certain (an ``Edit`` of one line, a ``NewFile`` to create), and the ``Report``
of a run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from policysite.errors import PolicySiteError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Edit:
    """A fix of a file's lines, for a one-click suggestion: ``replace`` is what line ``line``
    (lines ``first`` to ``line``, when ``first`` is set) should say (None: keep it), ``after``
    the lines to add below."""

    path: str
    line: int
    original: str
    replace: str | None = None
    after: tuple[str, ...] = ()
    first: int | None = None


@dataclass(frozen=True)
class NewFile:
    """A file the fix creates, offered as GitHub's "new file" page filled in; ``label`` says
    what the link makes (e.g. "as a material change")."""

    path: str
    content: str
    label: str = ""


@dataclass(frozen=True)
class Finding:
    """One problem: where it is, how bad, and the message with the fix. ``gone`` says the file
    is deleted in the working tree (a review comment goes on its old lines)."""

    severity: Severity
    path: str
    line: int
    rule: str
    message: str
    edit: Edit | None = None
    files: tuple[NewFile, ...] = ()
    gone: bool = False


def finding(
    messages: Mapping[str, str],
    rule: str,
    file: str,
    line: int,
    severity: Severity = "error",
    *,
    edit: Edit | None = None,
    files: tuple[NewFile, ...] = (),
    gone: bool = False,
    **values: str,
) -> Finding:
    """A finding of ``rule`` at ``file``:``line``, its template from ``messages`` filled in.

    Each family of rules keeps its templates (``MESSAGES``) beside the rules; {names} are
    filled in, {{ and }} print one brace.
    """
    message = messages[rule].format(**values)
    return Finding(severity, file, max(line, 1), rule, message, edit, files, gone)


def line_edit(
    path: str,
    text: str,
    line: int,
    replace: str | None = None,
    after: tuple[str, ...] = (),
    first: int | None = None,
) -> Edit:
    """An ``Edit`` of line ``line`` (1-based; from ``first`` when given) of ``text``, the file
    at ``path``."""
    lines = text.splitlines()
    start = first or line
    original = "\n".join(lines[start - 1 : line]) if 0 < start <= line <= len(lines) else ""
    return Edit(path, line, original, replace, after, first)


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
