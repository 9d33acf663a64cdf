"""The subscriber importer on generated files (hypothesis): what it reads back, and how it fails.

- Any bytes in a CSV or JSON Lines file give records or one SubscriberFileError, never another
  exception (a traceback at the command line).
- A file written from records reads back as those records; a column or key left out reads back
  as "not given" (None), so the store leaves that stored value alone.
- A bad row is reported with the line it starts on, and no problem repeats an address.
"""

from __future__ import annotations

import csv
import io
import json
import string
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policysite.notify.store import SubscriberRecord
from policysite.notify.subscribers import (
    FIELDS,
    SubscriberFileError,
    describe_problems,
    read_subscribers,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
addresses = st.builds(
    lambda local, dots, host, tld: f"{'.'.join([local, *dots])}@{host}.{tld}",
    _label,
    st.lists(_label, max_size=2),
    _label.filter(lambda s: not s.isdigit()),
    st.sampled_from(["com", "org", "no", "example"]),
)
# Names as the importer keeps them: no control characters, whitespace already collapsed.
names = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60).map(
    lambda s: " ".join(s.split())
)
locales = st.sampled_from(["", "en", "nb", "en-GB", "de", "pt-BR"])
zones = st.sampled_from(["", "Europe/Oslo", "Asia/Tokyo", "America/New_York", "UTC"])
statuses = st.sampled_from(["active", "inactive"])


@st.composite
def people(draw: st.DrawFn) -> tuple[list[str], list[SubscriberRecord]]:
    """Records with distinct addresses, and the optional columns the file will carry."""
    columns = draw(st.lists(st.sampled_from(FIELDS[1:]), unique=True))
    emails = draw(st.lists(addresses, min_size=1, max_size=8, unique=True))
    records = []
    for email in emails:
        values = {
            "name": draw(names),
            "locale": draw(locales),
            "timezone": draw(zones),
            "status": draw(statuses),
        }
        records.append(SubscriberRecord(email, **{k: values[k] for k in columns}))
    return ["email", *columns], records


def write_csv(path: Path, columns: list[str], records: list[SubscriberRecord]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for record in records:
        writer.writerow([getattr(record, c) for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_jsonl(path: Path, columns: list[str], records: list[SubscriberRecord]) -> None:
    lines = [json.dumps({c: getattr(r, c) for c in columns}) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@FUZZ
@given(people(), st.sampled_from(["csv", "jsonl"]))
def test_a_file_reads_back_as_the_records_it_was_written_from(
    data: tuple[list[str], list[SubscriberRecord]], kind: str
) -> None:
    columns, records = data
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"people.{kind}"
        (write_csv if kind == "csv" else write_jsonl)(path, columns, records)
        result = read_subscribers(path)
    assert result.problems == []
    assert result.records == records
    for record in result.records:
        for column in FIELDS:
            assert (getattr(record, column) is None) == (column not in columns)


@FUZZ
@given(people(), st.integers(min_value=0, max_value=8), st.sampled_from(["csv", "jsonl"]))
def test_a_bad_row_is_reported_at_its_line_without_an_address(
    data: tuple[list[str], list[SubscriberRecord]], position: int, kind: str
) -> None:
    columns, records = data
    if "timezone" not in columns:
        columns = [*columns, "timezone"]
    records = [
        SubscriberRecord(r.email, r.name, r.locale, r.timezone or "", r.status) for r in records
    ]
    position = min(position, len(records))
    bad = SubscriberRecord("zed.secret@example.org", None, None, "Mars/Olympus", None)
    records.insert(position, bad)
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"people.{kind}"
        (write_csv if kind == "csv" else write_jsonl)(path, columns, records)
        lines = path.read_text(encoding="utf-8").split("\n")
        result = read_subscribers(path)
    assert [p.message for p in result.problems] == [
        "time zone 'Mars/Olympus' is not an IANA time zone name; use e.g. Europe/Oslo"
    ]
    line = result.problems[0].line
    assert "zed.secret@example.org" in lines[line - 1]  # the line the bad row starts on
    report = describe_problems(str(path), result.problems)
    assert not any(r.email in report for r in records)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["people.csv", "people.jsonl", "people.txt"]))
@example(b"email\n\x00a@b.com\n", "people.csv")
@example(b'\xef\xbb\xbfemail,name\n"a@b.com,x\n', "people.csv")
@example(b'{"email": "a@b.com", "status": 1e999}\n', "people.jsonl")
@example(b'{"email": "a@b.com"} {"x": 1}\n', "people.jsonl")
@example(b"email,name\na@b.com,\xed\xa0\x80\n", "people.csv")
@example(b"email,name\na@b.com," + b"x" * 140_000 + b"\n", "people.csv")  # over csv's limit
@example(b'email,name\na@b.com,"' + b"x" * 140_000, "people.csv")
def test_any_bytes_give_records_or_one_clear_error(data: bytes, name: str) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = read_subscribers(path)
        except SubscriberFileError as exc:
            assert exc.message.startswith(str(path))
            return
    assert result.rows >= len(result.records)
    for problem in result.problems:
        assert problem.line >= 1 and problem.message


_json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(["", " ", "active", "Inactive", "nb", "Europe/Oslo", "Ola"]),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@FUZZ
@given(addresses, st.dictionaries(st.sampled_from(FIELDS[1:]), _json_values))
@example("a@example.com", {"status": False})
@example("a@example.com", {"status": 0})
@example("a@example.com", {"status": []})
@example("a@example.com", {"status": {}})
def test_a_json_value_of_any_type_is_stored_as_given_or_an_error_naming_the_line(
    email: str, row: dict[str, object]
) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "people.jsonl"
        path.write_text("\n" + json.dumps({"email": email, **row}) + "\n", encoding="utf-8")
        result = read_subscribers(path)
    if any(value is not None and not isinstance(value, str) for value in row.values()):
        assert [p.line for p in result.problems] == [2]
        assert result.records == []
        return
    if result.problems:  # text that is no locale, time zone or status
        assert [p.line for p in result.problems] == [2]
        return
    (record,) = result.records
    for field in FIELDS[1:]:
        value = row.get(field)
        if value is None or (field == "status" and not str(value).strip()):
            assert getattr(record, field) is None
    assert record.status in (None, "active", "inactive")
