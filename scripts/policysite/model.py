"""The content model: policies, versions, sections and their front matter.

Knows nothing of git, MkDocs or email: every function here takes text and returns our own
dataclasses, so each rule can be tested on a string.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import yaml

from policysite import selection
from policysite.errors import PolicyError, PolicyProblems
from policysite.files import text_sha256
from policysite.languages import is_language

try:  # libyaml's parser is ~10× faster; it matters when reading thousands of commits.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Status = Literal["current", "archived", "upcoming", "retired"]
# What a version does to its policy: brings it in, changes it, or withdraws it (``retired:``).
Kind = Literal["new", "change", "retirement"]

_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ANCHOR_ID = re.compile(r"^[^\s#{}]+$")
MAX_LABEL = 40  # a label is a folder name and a URL segment (a 300-character one broke builds)
FRONT_MATTER_KEYS = ("title", "version", "effective", "anchor_aliases", "retired", "translates")


@dataclass(frozen=True)
class FrontMatter:
    """The validated front matter of one policy text."""

    title: str | None = None
    version: str | None = None
    effective: dt.date | None = None
    anchor_aliases: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    retired: dt.date | None = None  # the day the policy is withdrawn (its archive stays)
    translates: str | None = None  # a translation: the label of the source version it renders


@dataclass(frozen=True)
class Document:
    """A policy text split into front matter and Markdown body."""

    meta: FrontMatter
    body: str
    body_line: int  # 1-based line of the body's first line in the file

    # What ``same_publication`` compares, worked out once per text (each text of a history is
    # compared with the one before and the one after).

    @cached_property
    def shown(self) -> tuple[object, ...]:
        """The front matter the site shows."""
        return _shown(self.meta)

    @cached_property
    def has_comment(self) -> bool:
        """Whether the body has an HTML comment (the sanitizer removes them).

        Most bodies have no ``<`` at all, which ``in`` looks for at memory speed: 0.1 µs in a
        7 KB body of bench/adopt.py, where looking for the four characters took 3.6 µs."""
        return "<" in self.body and "<!--" in self.body

    @cached_property
    def visible(self) -> int | None:
        """The count of the body's characters that are not white space (see ``_visible``)."""
        return _visible(self.body)


@dataclass(frozen=True)
class Section:
    """The part of a policy from one heading to the next, keyed by the heading's anchor."""

    anchor: str  # "" for the text before the first heading
    title: str
    level: int  # 0 for the preamble, 1–6 for headings
    line: int  # 1-based line of the heading in the body
    text: str  # the Markdown of the section, heading line included
    explicit: bool = False  # the anchor was written as {#id}


@dataclass(frozen=True)
class Note:
    """A changelog note: ``changelog/<policy>/<version>.md``."""

    policy: str
    version: str
    material: bool
    summary: str
    path: str
    sha256: str = ""  # of the note's whole text: the published record keeps it


@dataclass(frozen=True)
class Version:
    """One published text of a policy."""

    policy: str
    label: str
    effective: dt.date
    commit: str
    date: dt.datetime  # when the commit landed on the main branch (committer date)
    path: str  # the file's path (relative to the repository) at that commit
    text: str  # the whole file, front matter included
    title: str
    anchor_aliases: dict[str, str] = field(default_factory=dict)
    adopted: bool = False  # no `version` in front matter: labelled by the commit date
    retired: dt.date | None = None  # `retired:` in front matter: the policy ends that day
    body_offset: int | None = None  # where the body starts in ``text``, when already parsed
    note: Note | None = None
    status: Status = "archived"
    # "new" for a policy's first version, "retirement" for the one that first sets `retired:`.
    kind: Kind = "change"
    markdown: str = "python"  # the site's Markdown flavour (`markdown:`), which the text is in
    # Published at or before the adoption of the repository (`adopted_at`): written under the
    # rules of the site it came from, so a broken link in it is reported, not fatal.
    as_adopted: bool = False

    @cached_property
    def sha256(self) -> str:
        """Of ``text`` encoded as UTF-8 (the published record keeps it).

        Worked out when first asked for (versions.json, the PDF, the redline cache): adopt
        and the versions table never need it (hashing 900 texts took about 4 ms of the 50 ms
        of Python in bench/adopt.py's adopt + versions)."""
        return text_sha256(self.text)

    @property
    def material(self) -> bool | None:
        """True/False from the changelog note; None when the note is missing."""
        return self.note.material if self.note else None

    @property
    def body(self) -> str:
        """The Markdown after the front matter (sliced, not parsed again, when known)."""
        if self.body_offset is not None:
            return self.text[self.body_offset :]
        return parse_document(self.text, self.path, self.commit).body

    @property
    def body_line(self) -> int:
        """The line of the file its body starts on, so messages name the file's own lines."""
        offset = (
            self.body_offset if self.body_offset is not None else len(self.text) - len(self.body)
        )
        return self.text.count("\n", 0, offset) + 1


@dataclass(frozen=True)
class Policy:
    """A policy and every published version of it, oldest first."""

    id: str
    path: str
    versions: tuple[Version, ...]
    translations: tuple[Translation, ...] = ()

    @property
    def title(self) -> str:
        return self.versions[-1].title if self.versions else self.id

    @property
    def current(self) -> Version | None:
        return next((v for v in reversed(self.versions) if v.status == "current"), None)

    @property
    def shown(self) -> Version | None:
        """The version the policy's page shows: the current one, or the last of a retired one."""
        return next(
            (v for v in reversed(self.versions) if v.status in ("current", "retired")), None
        )

    @property
    def upcoming(self) -> tuple[Version, ...]:
        return tuple(v for v in self.versions if v.status == "upcoming")

    def get(self, label: str) -> Version | None:
        return next((v for v in self.versions if v.label == label), None)

    def translation(self, locale: str) -> Translation | None:
        return next((t for t in self.translations if t.locale == locale), None)


TranslationStatus = Literal["current", "stale", "upcoming"]


@dataclass(frozen=True)
class Rendering:
    """One revision of a translation: its text at a commit, and the source version it renders
    (``translates:``). A translation has no label of its own: it is named by that version."""

    policy: str
    locale: str
    translates: str
    commit: str
    date: dt.datetime
    path: str
    text: str
    title: str
    body_offset: int
    # Against the source's current version: the same (current), an earlier one (stale: the
    # reader is told, and sent to the source), or one not in force yet (upcoming).
    status: TranslationStatus = "current"

    @property
    def body(self) -> str:
        return self.text[self.body_offset :]

    @property
    def body_line(self) -> int:
        return self.text.count("\n", 0, self.body_offset) + 1

    @cached_property
    def sha256(self) -> str:
        """Of ``text`` encoded as UTF-8, worked out when first asked for (as ``Version``'s)."""
        return text_sha256(self.text)


@dataclass(frozen=True)
class Translation:
    """``policies/<policy>.<locale>.md``: a policy in another language, revision by revision
    (oldest first), each tied to the source version it translates."""

    policy: str
    locale: str
    path: str  # relative to the repository, at its last revision
    relative: str  # in the policies folder: ``privacy.nb.md``
    revisions: tuple[Rendering, ...]

    @property
    def latest(self) -> Rendering:
        return self.revisions[-1]

    def of(self, label: str) -> Rendering | None:
        """The last revision that translates source version ``label``, if any."""
        return next((r for r in reversed(self.revisions) if r.translates == label), None)

    def as_of(self, policy: Policy, label: str) -> Rendering | None:
        """What a reader of this language gets for source version ``label``: its translation,
        else the last revision translating an earlier version (stale), else None."""
        order = {v.label: i for i, v in enumerate(policy.versions)}
        wanted = order.get(label)
        if wanted is None:
            return None
        found = [
            (order[r.translates], index, r)
            for index, r in enumerate(self.revisions)
            if order.get(r.translates, wanted + 1) <= wanted
        ]
        return max(found, key=lambda item: item[:2])[2] if found else None


def translation_name(relative: str) -> tuple[str, str] | None:
    """``privacy.nb.md`` → ("privacy", "nb"): a file whose name ends in a language tag before
    ``.md`` is a translation; None for any other file (``terms.v2.md`` is a policy)."""
    stem = relative.removesuffix(".md")
    base, dot, suffix = stem.rpartition(".")
    if not dot or not base or base.endswith("/") or not is_language(suffix):
        return None
    return policy_id(base + ".md"), suffix


def key_line(text: str, key: str) -> int:
    """1-based line of ``key:`` in a file's front matter; 1 when absent (or no front matter)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return 1


def next_label(label: str) -> str:
    """The label after ``label``: its last number plus one ("1.1" → "1.2", "v3" → "v4")."""
    match = re.search(r"(\d+)(?!.*\d)", label)
    if not match:
        return f"{label}.1"
    number = str(int(match.group(1)) + 1).zfill(len(match.group(1)))
    return label[: match.start()] + number + label[match.end() :]


def policy_id(relative_path: str) -> str:
    """A policy's id from its path in the policies folder: ``legal/terms.md`` → ``legal/terms``,
    ``privacy/index.md`` → ``privacy`` (see ``selection``)."""
    return selection.policy_id(relative_path)


# Whitespace Python-Markdown (and GitHub) render alike: a line's trailing spaces (two or more
# are a hard break, so they become two), blank-line runs, and blank lines at either end. Inside
# fenced code every space counts, so a body with a fence keeps its blank-line runs.
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n)+")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def same_publication(a: Document, b: Document) -> bool:
    """Whether two texts publish the same: the front matter the site shows, and the bodies up
    to whitespace the renderer ignores and HTML comments the sanitizer removes. A commit that
    changes only other front matter (``topics:``, ``redirect_from:``) or a comment is no
    version."""
    if a.shown != b.shown:
        return False
    if a.body == b.body:
        return True
    if (
        not a.has_comment
        and not b.has_comment
        and (
            _other_character_first(a.body, b.body)
            or _differ(a.visible, b.visible)
            or a.body.split() != b.body.split()
        )
    ):
        # Other words: no whitespace rule can make them equal. Each test is cheaper than the
        # next, and all are cheaper than the rules, which were half of reading 900 versions
        # (bench/adopt.py); the first decides most edits.
        return False
    return _published_body(a.body) == _published_body(b.body)


_RULED = " \t\r\n"  # the characters the whitespace rules change (``_published_body``)


def _other_character_first(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` first differ by two characters no whitespace rule changes.

    The rules only add or remove the characters of ``_RULED``, so the others keep their order:
    after a common start, two such characters that differ mean the texts publish other words.
    The first difference is found by halving (slices compared at memory speed), where counting
    every character of both texts cost more than the rest of the comparison.
    """
    low, high = 0, min(len(a), len(b))  # a[:low] == b[:low]; the common start is ≤ high
    while low < high:
        middle = (low + high + 1) // 2
        if a.startswith(b[low:middle], low):
            low = middle
        else:
            high = middle - 1
    if low >= len(a) or low >= len(b):
        return False  # one is the start of the other: what follows decides, not this test
    return a[low] not in _RULED and b[low] not in _RULED


def _visible(body: str) -> int | None:
    """How many characters of ``body`` are not white space (the rules change only those); None
    for a body with tabs or carriage returns (counting those too cost more than it saved)."""
    if "\t" in body or "\r" in body:
        return None
    return len(body) - body.count(" ") - body.count("\n")


def _differ(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and a != b


def _shown(meta: FrontMatter) -> tuple[object, ...]:
    aliases = tuple(sorted(meta.anchor_aliases.items()))
    return (meta.title, meta.version, meta.effective, meta.retired, aliases)


def _published_body(body: str) -> str:
    """The body up to what renders alike (see ``same_publication``)."""
    body = body.replace("\r\n", "\n")
    body = _TRAILING.sub(lambda m: "  " if m.group().count(" ") >= 2 else "", body)
    if "```" not in body and "~~~" not in body:
        # HTML comments: the sanitizer removes them from every page (nh3 strip_comments), so
        # a commit that only adds one ("<!-- localization update -->") publishes nothing.
        # Inside a code block one is text, hence only in a body without fences.
        body = _BLANK_RUNS.sub("\n\n", _COMMENT.sub("", body))
    return body.strip("\n")


def title_from_id(policy: str) -> str:
    """The title of a policy without one: ``legal/cookie-policy`` → ``Cookie policy``."""
    return policy.rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").capitalize()


# Valid front matter by its text: most commits leave a file's front matter as it was, and
# reading it again was a fifth of reading 900 adopted versions (bench/adopt.py). Only valid
# front matter is kept: an error names the file and line it is found in, each time.
_known_meta: dict[str, FrontMatter] = {}


def parse_document(text: str, path: str, commit: str | None = None) -> Document:
    """Split a policy file into validated front matter and body.

    A file without front matter is valid: it is a policy adopted as it is (no version label).
    """
    match = _FENCE.match(text)
    if not match:
        if text.startswith("---"):
            raise PolicyError(
                "front matter starts with '---' but has no closing '---' line; add it after the "
                "last setting.",
                path=path,
                line=1,
                commit=commit,
            )
        return Document(FrontMatter(), text, 1)
    raw = match.group(1) or ""
    body = text[match.end() :]
    body_line = text.count("\n", 0, match.end()) + 1
    known = _known_meta.get(raw)
    if known is not None:
        return Document(known, body, body_line)
    data = _simple_front_matter(raw)
    if data is None:
        data = load_front_matter(raw, path, commit)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(
            "front matter must be `key: value` lines (title, version, effective).",
            path=path,
            line=2,
            commit=commit,
        )
    meta = _validate_meta(data, text, path, commit)
    if len(_known_meta) >= 4096:
        _known_meta.clear()
    _known_meta[raw] = meta
    return Document(meta, body, body_line)


# The front matter policies use is a few `key: value` lines. Reading those without the YAML
# machinery halves the Python cost of reading 2,000 commits (bench/history.py); anything this
# does not recognise as surely plain text, a quoted string or a date goes to PyYAML.
_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):[ \t]+(.*?)[ \t]*")
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff"
_DOUBLE_QUOTED = re.compile(rf'"([^"\\{_CONTROL}]*)"')
_SINGLE_QUOTED = re.compile(rf"'([^'{_CONTROL}]*)'")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_TEXT = re.compile(rf"[A-Za-z\u00c0-\u024f][^:#\[\]{{}},\\'\"`|>&*!%@{_CONTROL}]*")
_SITE_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")  # `/articles/terms`: plain text to YAML too
_LIST_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):")
_LIST_ITEM = re.compile(r"( *)-[ ]+(.*?)[ \t]*")
_YAML_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "none"}


def _simple_front_matter(raw: str) -> dict[str, Any] | None:
    """Front matter made only of simple ``key: value`` lines, and ``key:`` lines followed by
    ``- value`` items (an adopted repository's ``topics:``, ``redirect_from:``), or None to let
    PyYAML decide."""
    data: dict[str, Any] = {}
    items: list[Any] | None = None  # the list being read, after a `key:` line
    indent = ""  # its items' indentation: YAML reads a deeper `-` line as part of the value
    for line in raw.splitlines():
        item = _LIST_ITEM.fullmatch(line)
        if item is not None and items is not None and (not items or item.group(1) == indent):
            indent = item.group(1)
            value = _simple_value(item.group(2))
            if value is None:
                return None
            items.append(value)
            continue
        if items is not None and not items:
            return None  # `key:` alone is null in YAML, or a nested mapping: PyYAML's call
        items = None
        key_only = _LIST_KEY.fullmatch(line)
        match = key_only or _SIMPLE_LINE.fullmatch(line)
        if not match or match.group(1) in data or match.group(1).lower() in _YAML_WORDS:
            return None
        if key_only:
            items = data[key_only.group(1)] = []
            continue
        value = _simple_value(match.group(2))
        if value is None:
            return None
        data[match.group(1)] = value
    return None if items is not None and not items else data


def _simple_value(value: str) -> Any:
    """A plain or quoted text or an ISO date as YAML reads it; None when it may be more."""
    if quoted := _DOUBLE_QUOTED.fullmatch(value) or _SINGLE_QUOTED.fullmatch(value):
        return quoted.group(1)
    if _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if (_PLAIN_TEXT.fullmatch(value) and value.lower() not in _YAML_WORDS) or _SITE_PATH.fullmatch(
        value
    ):
        return value
    return None


def load_front_matter(raw: str, path: str, commit: str | None = None) -> Any:
    """PyYAML's reading of front matter (which starts on line 2), as one clear error if bad."""
    try:
        return yaml.load(raw, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyError(
            f"front matter is not valid YAML ({problem}); fix the syntax, e.g. `key: value`, "
            "and quote values that contain ': '.",
            path=path,
            line=mark.line + 2 if mark is not None else 2,
            commit=commit,
        ) from None
    except ValueError as exc:  # YAML reads 2026-02-30 as a date, and the calendar refuses it
        line = next(
            (
                number
                for number, text in enumerate(raw.splitlines(), start=2)
                if (found := re.search(r"\d{4}-\d{1,2}-\d{1,2}", text)) and not _is_date(found[0])
            ),
            2,
        )
        raise PolicyError(
            f"front matter has a date that does not exist ({exc}); write a real day as "
            "YYYY-MM-DD, e.g. 2026-03-01.",
            path=path,
            line=line,
            commit=commit,
        ) from None


def _is_date(text: str) -> bool:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _validate_meta(data: dict[str, Any], text: str, path: str, commit: str | None) -> FrontMatter:
    """Check every setting and report all that are wrong at once (PolicyProblems for several)."""
    problems: list[PolicyError] = []

    def fail(key: str, message: str) -> None:
        problems.append(PolicyError(message, path=path, line=key_line(text, key), commit=commit))

    title = data.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        fail("title", f"'title' must be text, not {title!r}; e.g. `title: Privacy Policy`.")

    version = data.get("version")
    if "version" in data:
        if isinstance(version, bool) or not isinstance(version, str | int | float):
            fail(
                "version",
                f"'version' must be a label in quotes, e.g. version: \"1.1\"; got {version!r}.",
            )
        elif not isinstance(version, str):
            fail(
                "version",
                f"'version' must be quoted text: YAML reads {version!r} as a number "
                f'(1.10 would become 1.1); write version: "{version}".',
            )
        elif not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z._-]*", version):
            fail(
                "version",
                f"'version' {version!r} must be letters, digits, '.', '_' or '-' (it is part of "
                'a URL), starting with a letter or digit; e.g. "1.1".',
            )
        elif len(version) > MAX_LABEL:
            fail(
                "version",
                f"'version' is {len(version)} characters long; a label names a folder and a URL "
                f'of the site, so keep it to {MAX_LABEL} at most, e.g. "2.0" or "2026-03".',
            )

    translates = data.get("translates")
    if "translates" in data and (not isinstance(translates, str) or not translates.strip()):
        fail(
            "translates",
            "'translates' must be the label, in quotes, of the source version this text "
            f'translates, e.g. translates: "1.1"; got {translates!r}.',
        )

    effective = data.get("effective")
    if "effective" in data:
        if isinstance(effective, dt.datetime):
            fail(
                "effective",
                f"'effective' is a day, not a moment: {data['effective']} has a time of day, "
                "which policysite would ignore; write the day alone, e.g. "
                f"effective: {effective.date().isoformat()} (versions switch over at midnight "
                "UTC).",
            )
        effective = _parse_date(effective)
        if effective is None:
            fail(
                "effective",
                f"'effective' must be a date written YYYY-MM-DD, not {data['effective']!r}; "
                "e.g. effective: 2018-05-25.",
            )
    elif version is not None:
        fail(
            "version",
            "has a 'version' but no 'effective' date; add `effective: YYYY-MM-DD` (the day this "
            "version takes effect).",
        )

    aliases = data.get("anchor_aliases") or {}
    if not isinstance(aliases, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _ANCHOR_ID.match(k) and _ANCHOR_ID.match(v)
        for k, v in aliases.items()
    ):
        fail(
            "anchor_aliases",
            "'anchor_aliases' must map an old anchor to the anchor it now lands on, "
            "e.g. `anchor_aliases: {cookie-policy: cookies}` (no '#').",
        )
    retired = None
    if "retired" in data:
        retired = _parse_date(data["retired"]) if not isinstance(data["retired"], bool) else None
        if isinstance(data["retired"], dt.datetime):
            fail(
                "retired",
                f"'retired' is a day, not a moment: {data['retired']} has a time of day; write "
                f"the day alone, e.g. retired: {data['retired'].date().isoformat()}.",
            )
        elif retired is None:
            fail(
                "retired",
                f"'retired' must be the date the policy is withdrawn, written YYYY-MM-DD, not "
                f"{data['retired']!r}; e.g. retired: 2027-01-01.",
            )
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise PolicyProblems(problems)  # type: ignore[arg-type]
    extra = {k: v for k, v in data.items() if k not in FRONT_MATTER_KEYS}
    return FrontMatter(
        title=title.strip() if isinstance(title, str) else None,
        version=version,
        effective=effective,
        anchor_aliases=dict(aliases),
        extra=extra,
        retired=retired,
        translates=translates.strip() if isinstance(translates, str) else None,
    )


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_note(text: str, policy: str, version: str, path: str) -> Note:
    """Parse a changelog note: front matter ``material: true|false``, body = the summary."""
    match = _FENCE.match(text)
    if not match:
        raise PolicyError(
            "has no front matter; start it with ---, `material: true` or `material: false`, ---.",
            path=path,
            line=1,
        )
    data = load_front_matter(match.group(1) or "", path) or {}
    material = data.get("material") if isinstance(data, dict) else None
    if not isinstance(material, bool):
        raise PolicyError(
            f"'material' must be true or false, not {material!r}: true when the change affects "
            "users' rights or how their data is used (they are notified), false for editorial "
            "fixes.",
            path=path,
            line=2,
        )
    return Note(policy, version, material, text[match.end() :].strip(), path, text_sha256(text))


def with_status(versions: list[Version], as_of: dt.date) -> list[Version]:
    """Mark the latest version in effect on ``as_of`` current, later ones upcoming.

    A version whose status is already the right one is kept as it is: most are "archived", as
    built, and copying each of them was a sixth of turning 1,700 revisions into versions
    (bench/adopt.py)."""
    current = None
    for index, version in enumerate(versions):
        if version.effective <= as_of:
            current = index
    result = []
    for index, version in enumerate(versions):
        status: Status
        if index == current:
            # The last text of a policy that was withdrawn on or before as_of applies no more.
            retired = version.retired is not None and version.retired <= as_of
            status = "retired" if retired and index == len(versions) - 1 else "current"
        elif version.effective > as_of and (current is None or index > current):
            status = "upcoming"
        else:
            status = "archived"
        result.append(version if version.status == status else replace(version, status=status))
    return result


SectionStatus = Literal["added", "removed", "modified", "retitled", "moved", "unchanged"]
BlockOp = Literal["equal", "insert", "delete", "replace", "move"]


@dataclass(frozen=True)
class Segment:
    """A run of words in a redline: unchanged, inserted or deleted."""

    op: Literal["equal", "insert", "delete"]
    text: str
    # The same words as inline HTML (links, emphasis kept). A segment that is not the first of
    # its block starts with a space when its first word is not glued to the word before, so
    # joining the accepted (or rejected) segments and stripping gives the block's text.
    html: str = ""


@dataclass(frozen=True)
class BlockChange:
    """One rendered block (heading, paragraph, list item, table cell …) in the redline.

    ``kind`` is the HTML tag of the block (``h2``, ``p``, ``li``, ``td`` …). ``segments`` is the
    word-level redline for a replaced block; for an inserted, deleted, moved or equal block it
    is one segment of the whole text.

    A moved block appears twice in a Change but its text once: ``op="move"`` with ``move_from``
    set where it now is (its segments: the text, with any edits as insert/delete), and
    ``op="move"`` with ``move_to`` set and no segments where it was. Both ends share
    ``move_id``.
    """

    op: BlockOp
    kind: str
    segments: tuple[Segment, ...]
    old_html: str = ""
    new_html: str = ""
    # Where the block sits, to rebuild lists and tables around it: the opening tags of its
    # containers (outermost first), how many of them it shares with the block before it in the
    # redline (which may come from the other version), and the block element's attributes (ids
    # left out).
    parents: tuple[str, ...] = ()
    shared: int = 0
    attrs: str = ""
    words_added: int = 0
    words_removed: int = 0
    move_id: int = 0
    move_from: str | None = None  # at the new position: the anchor of the section it left
    move_to: str | None = None  # at the old position: the anchor of the section it went to


@dataclass(frozen=True)
class SectionChange:
    """What happened to one section between two versions, keyed by its anchor."""

    anchor: str  # the anchor in the new version (the old one for a removed section)
    title: str  # the title in the new version (the old one for a removed section)
    old_title: str | None  # the title in the old version; None for an added section
    status: SectionStatus
    words_added: int = 0
    words_removed: int = 0
    old_anchor: str | None = None  # set when matched to an old section with another anchor
    retitled: bool = False  # the heading text changed (status may still say modified/moved)
    level: int = 2
    blocks: tuple[BlockChange, ...] = ()
    # Its place among the sections of the old and of the new text (None where it is absent).
    # ``Change.sections`` is in the new text's order; a moved section is there once, at its
    # new place, and renderers show a pointer at ``old_index``.
    old_index: int | None = None
    new_index: int | None = None


@dataclass(frozen=True)
class Change:
    """Two versions of a policy compared: the value every rendering (html, md, text, json) takes."""

    policy: str
    old: Version
    new: Version
    sections: tuple[SectionChange, ...]

    @property
    def changed(self) -> tuple[SectionChange, ...]:
        return tuple(s for s in self.sections if s.status != "unchanged")

    @property
    def words_added(self) -> int:
        return sum(s.words_added for s in self.sections)

    @property
    def words_removed(self) -> int:
        return sum(s.words_removed for s in self.sections)

    @property
    def reverse(self) -> bool:
        """True when ``old`` is the later version (a diff asked for backwards)."""
        return self.old.effective > self.new.effective or (
            self.old.effective == self.new.effective and self.old.date > self.new.date
        )
