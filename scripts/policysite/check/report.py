"""The formats of a ``check`` report: text for people, GitHub workflow annotations, JSON."""

from __future__ import annotations

import json

from policysite.check.findings import Report


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


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per finding, then the count."""
    lines = [
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},"
        f"title={_escape_property('policysite check: ' + f.rule)}::{escape_data(f.message)}"
        for f in report.findings
    ]
    return "\n".join([*lines, summary_line(report)])


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
