"""Golden files: tests/golden/diff/<case>/{old.md,new.md} → expected.json, expected.html and
expected.txt (``policysite diff`` into a pipe: the words marked ``[-old-]{+new+}``).

One test per case. After a deliberate change of the output, rewrite the expected files with
``POLICYSITE_UPDATE_GOLDEN=1 pytest tests/test_diff_golden.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from policysite.diff import compare
from policysite.model import Version, parse_document
from policysite.render.html import render_html
from policysite.render.json import render_json
from policysite.render.text import redline_lines, render_words

GOLDEN = Path(__file__).parent / "golden" / "diff"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
UPDATE = os.environ.get("POLICYSITE_UPDATE_GOLDEN") == "1"


def read_version(case: str, side: str) -> Version:
    path = GOLDEN / case / f"{side}.md"
    text = path.read_text(encoding="utf-8")
    meta = parse_document(text, path.name).meta
    assert meta.version and meta.effective and meta.title
    date = dt.datetime.combine(meta.effective, dt.time(), tzinfo=dt.UTC)
    return Version(case, meta.version, meta.effective, side, date, path.name, text, meta.title)


def check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_every_case_of_the_issue_is_here() -> None:
    assert CASES == [
        "deleted-list-item",
        "inserted-section",
        "moved-paragraph",
        "privacy-1.0-1.1",
        "retitled-heading",
        "reworded-sentence",
        "table-cell",
        "unicode-norwegian",
    ]


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    change = compare(read_version(case, "old"), read_version(case, "new"))

    check(GOLDEN / case / "expected.json", json.dumps(render_json(change), indent=2) + "\n")
    check(GOLDEN / case / "expected.html", render_html(change))
    text = render_words(redline_lines(change, "https://example.com/"))
    check(GOLDEN / case / "expected.txt", text)
