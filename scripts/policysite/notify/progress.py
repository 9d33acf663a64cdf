"""How a run shows its progress: a live bar on a terminal, a line every few seconds in a log.

A CI log is not a terminal: a live bar there prints nothing until the end (or a line per
redraw), so a run of an hour looks hung. There the run writes one plain line every
``LOG_EVERY`` seconds, and one when it ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from policysite.notify.send import DeliveryReport

LOG_EVERY = 5.0  # seconds between two progress lines in a log

Advance = Callable[[int, DeliveryReport], None]


def describe(done: int, total: int, report: DeliveryReport, elapsed: float) -> str:
    """``1,200 of 5,000 (24 %): 1,198 sent, 2 failed, 310/s, about 12 s left``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    share = f" ({100 * done // total} %)" if total else ""
    line = f"{done:,} of {total:,}{share}: {report.sent:,} sent, {report.failed:,} failed"
    if report.cancelled:
        line += f", {report.cancelled:,} cancelled"
    line += f", {rate:,.0f}/s"
    if rate > 0 and done < total:
        line += f", about {(total - done) / rate:,.0f} s left"
    return line


class LogLines:
    """A line every ``every`` seconds (and at the end) for a log that is not a terminal."""

    def __init__(
        self,
        console: Console,
        label: str,
        total: int,
        *,
        every: float = LOG_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console, self.label, self.total = console, label, total
        self.every, self.clock = every, clock
        self.start = self.last = clock()
        self.done = 0

    def advance(self, count: int, report: DeliveryReport) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self.console.print(
                f"{self.label}: {describe(self.done, self.total, report, now - self.start)}",
                highlight=False,
            )


@contextmanager
def show_progress(console: Console, label: str, total: int) -> Iterator[Advance]:
    """Yield the ``advance(count, report)`` a delivery calls after each batch."""
    if not console.is_terminal:
        yield LogLines(console, label, total).advance
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeRemainingColumn(),
    )
    start = time.monotonic()
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total, counts="")
        done = 0

        def advance(count: int, report: DeliveryReport) -> None:
            nonlocal done
            done += count
            rate = done / max(time.monotonic() - start, 1e-9)
            counts = f"{report.sent:,} sent · {report.failed:,} failed · {rate:,.0f}/s"
            bar.update(task, advance=count, counts=counts)

        yield advance
