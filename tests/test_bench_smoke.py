"""Every benchmark still runs: ``bench/<name>.py --smoke`` (tiny sizes, the same code paths).

Full sizes are `make bench`; here each benchmark must exit 0 and print its figures, at least one
ratio (``1.23×``), so a benchmark that rots fails the test suite, not the next person to run it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

BENCHMARKS = sorted((REPO_ROOT / "bench").glob("*.py"))
RATIO = re.compile(r"\d+\.\d+×")


def test_there_are_benchmarks() -> None:
    assert BENCHMARKS, "bench/*.py found nothing"


@pytest.mark.parametrize("bench", BENCHMARKS, ids=lambda path: path.name)
def test_benchmark_runs_in_smoke_mode(bench: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(bench), "--smoke"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert [line for line in result.stdout.splitlines() if RATIO.search(line)], output
