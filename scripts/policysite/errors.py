"""One hierarchy of expected failures.

Rooted at ``click.ClickException`` (as MkDocs does with ``Abort``) so that the CLI prints one
message and exits 1, never a traceback. Every message names the file (and commit, line where
known), what is wrong and how to fix it.
"""

from __future__ import annotations

import click


class PolicySiteError(click.ClickException):
    """An expected failure with a message a person can act on."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        commit: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.commit = commit
        self.detail = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
            if self.commit:
                where += f" (commit {self.commit[:12]})"
            where += ": "
        elif self.commit:
            where = f"commit {self.commit[:12]}: "
        return where + self.detail


class ConfigError(PolicySiteError):
    """mkdocs.yml or the plugin settings are wrong."""


class PolicyError(PolicySiteError):
    """A policy file (front matter, text, anchors) is wrong."""


class HistoryError(PolicySiteError):
    """The git repository or its history cannot give a trustworthy list of versions."""


class NotFoundError(PolicySiteError):
    """A policy, version or revision that was asked for does not exist."""


def each_problem(error: PolicySiteError) -> list[PolicySiteError]:
    """The single problems an error stands for: a ProblemList's, or the error itself."""
    return list(error.problems) if isinstance(error, ProblemList) else [error]


class ProblemList(PolicySiteError):
    """Several problems found at once: all are reported, then the command fails."""

    def __init__(self, problems: list[PolicySiteError]) -> None:
        self.problems = problems
        lines = [p.message for p in problems]
        if len(problems) > 1:
            lines.append(f"{len(problems)} problems found; fix them and run again.")
        super().__init__("\n".join(lines))


class PolicyProblems(ProblemList, PolicyError):
    """Several problems in one policy file: a PolicyError that still lists each one."""
