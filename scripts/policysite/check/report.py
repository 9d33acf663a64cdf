"""The formats of a ``check`` report: text for people, GitHub workflow annotations, the review
comments of a pull request (``github-review``), JSON.

The GitHub formats link each finding to its entry in EDITING.md's message reference, and the
review offers each certain fix as GitHub's one-click ``suggestion`` (the lines as they should
read) or as a link to GitHub's "new file" page, filled in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from policysite.check.findings import Edit, Finding, NewFile, Report

GUIDE = "EDITING.md"
# Longer links are refused by browsers and servers on the way; such a file is offered as text.
MAX_URL = 8000


@dataclass(frozen=True)
class Links:
    """Where the output points: the guide's message reference, and GitHub's pages for the pull
    request's ``branch`` of ``repo`` (owner/name). Without a repository, links are relative and
    new files are shown as text."""

    server: str = "https://github.com"
    repo: str = ""
    branch: str = ""
    base_branch: str = "main"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Links:
        """The pull request GitHub Actions runs for (``GITHUB_REPOSITORY``, ``GITHUB_HEAD_REF``
        and ``GITHUB_BASE_REF``); local runs get relative links."""
        return cls(
            environ.get("GITHUB_SERVER_URL") or "https://github.com",
            environ.get("GITHUB_REPOSITORY", ""),
            environ.get("GITHUB_HEAD_REF", ""),
            environ.get("GITHUB_BASE_REF") or environ.get("GITHUB_REF_NAME") or "main",
        )

    def guide(self, rule: str) -> str:
        """The entry of ``rule`` in the message reference."""
        if not self.repo:
            return f"{GUIDE}#{rule}"
        return f"{self.server}/{self.repo}/blob/{quote(self.base_branch, safe='/')}/{GUIDE}#{rule}"

    def new_file(self, file: NewFile) -> str | None:
        """GitHub's "new file" page on the branch, filled in; None when it cannot be a link."""
        if not (self.repo and self.branch):
            return None
        query = urlencode({"filename": file.path, "value": file.content}, quote_via=quote)
        url = f"{self.server}/{self.repo}/new/{quote(self.branch, safe='/')}?{query}"
        return url if len(url) <= MAX_URL else None

    def published(self, path: str) -> str | None:
        """The file as the base branch has it (the text a deleted policy is restored from)."""
        if not self.repo:
            return None
        return f"{self.server}/{self.repo}/blob/{quote(self.base_branch, safe='/')}/{path}"


def _count(number: int, word: str) -> str:
    plural = {"policy": "policies"}.get(word, word + "s")
    return f"{number} {word if number == 1 else plural}"


def summary_line(report: Report) -> str:
    """The last line of a run: the count of problems, or what passed."""
    if report.findings:
        counts = f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}"
        return f"policysite check: {counts} (compared with {report.base})."
    return (
        f"policysite check: all rules pass ({_count(report.policies, 'policy')}, "
        f"{_count(report.versions, 'version')}, compared with {report.base})."
    )


def format_text(report: Report) -> str:
    """``file:line: error: message`` per finding, then a count."""
    lines = [f"{f.path}:{f.line}: {f.severity}: {f.message}" for f in report.findings]
    return "\n".join([*lines, summary_line(report)])


def escape_data(value: str) -> str:
    """``value`` escaped for the message of a GitHub workflow command."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report, links: Links | None = None) -> str:
    """GitHub Actions workflow commands: one annotation per finding (with the link to its entry
    in the guide), then the count."""
    links = links or Links()
    lines = [
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},"
        f"title={_escape_property('policysite check: ' + f.rule)}::"
        f"{escape_data(f.message + chr(10) + 'See ' + links.guide(f.rule))}"
        for f in report.findings
    ]
    return "\n".join([*lines, summary_line(report)])


def format_github_review(report: Report, links: Links | None = None) -> str:
    """A pull-request review as JSON for GitHub's API: ``body``, ``event`` and ``comments``
    (``path``, ``line``, ``side``, ``body``), one comment per line the findings are about.

    A finding with an ``Edit`` sits on the edited line with a ``suggestion`` block: every edit
    of that line applied, so one click fixes them all. A comment on a line outside the pull
    request's diff is GitHub's to refuse: the workflow moves those into the review's body.
    """
    links = links or Links()
    groups: dict[tuple[str, int, str], list[Finding]] = {}
    for item in report.findings:
        if item.edit is not None:
            where = (item.edit.path, item.edit.line, "RIGHT")
        else:
            where = (item.path, item.line, "LEFT" if item.gone else "RIGHT")
        groups.setdefault(where, []).append(item)
    comments: list[dict[str, object]] = []
    for (path, line, side), found in sorted(groups.items()):
        comment: dict[str, object] = {"path": path, "line": line, "side": side}
        first = min((f.edit.first for f in found if f.edit and f.edit.first), default=None)
        if first is not None:
            comment.update(start_line=first, start_side=side)
        comment["body"] = _comment(found, links)
        comments.append(comment)
    body = summary_line(report)
    if report.findings:
        body += (
            " Each comment says what to change; where it shows a suggested change, **Commit "
            "suggestion** makes it."
        )
    review = {
        "event": "COMMENT",
        "body": body,
        "errors": report.errors,
        "warnings": report.warnings,
        "comments": comments,
    }
    return json.dumps(review, indent=2, ensure_ascii=False)


def _comment(found: list[Finding], links: Links) -> str:
    parts = []
    for item in found:
        head = "**Error**" if item.severity == "error" else "**Warning**"
        parts.append(f"{head} ([`{item.rule}`]({links.guide(item.rule)})): {item.message}")
        parts.extend(_offer(file, item, links) for file in _by_path(item.files))
    edits = [item.edit for item in found if item.edit is not None]
    if edits:
        parts.append("```suggestion\n" + "\n".join(_edited(edits)) + "\n```")
    return "\n\n".join(parts)


def _by_path(files: tuple[NewFile, ...]) -> list[tuple[NewFile, ...]]:
    grouped: dict[str, list[NewFile]] = {}
    for file in files:
        grouped.setdefault(file.path, []).append(file)
    return [tuple(group) for group in grouped.values()]


def _offer(files: tuple[NewFile, ...], item: Finding, links: Links) -> str:
    """A file to create: one link per way of filling it in, or its content as text."""
    path = files[0].path
    urls = [(file, links.new_file(file)) for file in files]
    if all(url is not None for _, url in urls):
        made = " · ".join(f"[{file.label or 'create it'}]({url})" for file, url in urls)
        return f"Create `{path}` in one click: {made}."
    published = links.published(path) if item.gone else None
    if published is not None:
        return (
            f"Create `{path}` again with [its published text]({published}), changing its front "
            "matter as above."
        )
    return f"Create `{path}` with:\n\n```markdown\n{files[0].content.rstrip(chr(10))}\n```"


def _edited(edits: list[Edit]) -> list[str]:
    """The lines that replace one line, with every edit of it applied."""
    line = edits[0].original
    after: list[str] = []
    for edit in edits:
        if edit.replace is not None:
            line = edit.replace
        after.extend(a for a in edit.after if a not in after)
    return [line, *after]


def format_json(report: Report) -> str:
    """``{"base", "errors", "warnings", "findings": [{severity, file, line, rule, message}]}``."""
    return json.dumps(
        {
            "base": report.base,
            "errors": report.errors,
            "warnings": report.warnings,
            "findings": [
                {
                    "severity": f.severity,
                    "file": f.path,
                    "line": f.line,
                    "rule": f.rule,
                    "message": f.message,
                }
                for f in report.findings
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
