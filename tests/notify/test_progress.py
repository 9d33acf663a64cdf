"""What a run shows while it sends (issue 12, item 5): a bar on a terminal, and in a CI log,
which is no terminal, one line every few seconds."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from rich.console import Console

from policysite.cli import main
from policysite.notify.progress import LogLines, describe
from policysite.notify.send import DeliveryReport


def test_a_log_gets_a_line_every_few_seconds_with_the_counts_and_rate() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    now = [100.0]
    lines = LogLines(console, "privacy 2.0", 5000, every=5.0, clock=lambda: now[0])
    report = DeliveryReport("privacy", "2.0")
    for second in range(1, 13):  # 500 rows recorded every second, one of them failed at 3 s
        now[0] = 100.0 + second
        report.sent += 500 - (second == 3)
        report.failed += second == 3
        lines.advance(500, report)
    assert out.getvalue().splitlines() == [
        "privacy 2.0: 2,500 of 5,000 (50 %): 2,499 sent, 1 failed, 500/s, about 5 s left",
        "privacy 2.0: 5,000 of 5,000 (100 %): 4,999 sent, 1 failed, 500/s",
    ]


def test_describe_says_what_is_left() -> None:
    report = DeliveryReport("privacy", "2.0", sent=10, cancelled=2)
    assert describe(12, 100, report, 2.0) == (
        "12 of 100 (12 %): 10 sent, 0 failed, 2 cancelled, 6/s, about 15 s left"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["notify", "report"],
        ["notify", "status"],
    ],
)
def test_every_new_command_has_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: policysite " + " ".join(command) in result.output


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["notify"], "--short-notice"),
        (["subscribers", "import"], "--bounces"),
        (["notify", "report"], "--pseudonymous"),
        (["notify", "report"], "--verify"),
    ],
)
def test_every_new_option_has_an_example(command: list[str], option: str) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    lines = result.output.split("Options:", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(option + " "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("-")), None)
    assert "Example:" in " ".join(lines[start:end]), option


def test_an_option_of_notify_before_a_subcommand_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["notify", "--send", "--version", "2.0", "report"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: --version, --send: an option of notify itself, not of notify report; give the "
        "subcommand's own options after its name."
    )
