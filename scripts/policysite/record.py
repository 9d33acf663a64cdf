"""The published record: what the site deployed, read back so that ``check --record`` can hold
history to it.

Every build writes ``versions.json`` (``versions.version_record``): each version's text hash,
changelog-note hash and material flag. The copy the live site serves is the record of what
readers have seen. The publish job reads it before it deploys and refuses a history that
changes one of those values, so nobody keeps a record file by hand. This module owns that read
(a file, or the site over HTTP); ``check.published`` holds the rules.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policysite.errors import PolicySiteError

_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_BYTES = 50 * 1024 * 1024  # a versions.json of 100,000 versions is about 40 MiB
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Published:
    """One version as the deployed site lists it. ``note_sha256`` is None in a record written
    before notes were hashed (or for a version without a note); ``material`` None without one.

    A translation's entry has its ``locale``, and ``version`` is the source version it
    translates (``translates``): it has no label of its own."""

    policy: str
    version: str
    sha256: str
    note_sha256: str | None = None
    material: bool | None = None
    locale: str | None = None


class RecordUnavailable(PolicySiteError):
    """The record could not be read; ``absent`` when there is none yet (HTTP 404)."""

    def __init__(self, reason: str, *, absent: bool = False) -> None:
        self.absent = absent
        super().__init__(reason)


def read_record(source: str) -> list[Published]:
    """The versions a deployed ``versions.json`` lists: ``source`` is its URL or a file."""
    if source.startswith(("https://", "http://")):
        data = _fetch(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise RecordUnavailable(exc.strerror or str(exc)) from None
    return parse_record(data)


def _fetch(url: str) -> bytes:
    request = urllib.request.Request(
        url, headers={"User-Agent": "policysite", "Cache-Control": "no-cache"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise RecordUnavailable(f"HTTP {exc.code}", absent=exc.code in (404, 410)) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RecordUnavailable(str(reason)) from None
    if len(data) > MAX_BYTES:
        raise RecordUnavailable(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return data


def parse_record(data: bytes) -> list[Published]:
    """The entries of a ``versions.json``; RecordUnavailable when it is not one."""
    try:
        items: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordUnavailable(f"not JSON: {exc}") from None
    if not isinstance(items, list):
        raise RecordUnavailable("not a versions.json: it is not a list of versions")
    record = []
    for number, item in enumerate(items, start=1):
        entry = _entry(item)
        if entry is None:
            raise RecordUnavailable(
                f"not a versions.json: entry {number} lacks policy, version (a translation: "
                "locale and translates) or a sha256"
            )
        record.append(entry)
    return record


def _entry(item: Any) -> Published | None:
    if not isinstance(item, dict):
        return None
    policy, version, sha = item.get("policy"), item.get("version"), item.get("sha256")
    note, material = item.get("note_sha256"), item.get("material")
    if "locale" in item:
        locale, version = item.get("locale"), item.get("translates")
        if not (isinstance(locale, str) and isinstance(policy, str) and isinstance(version, str)):
            return None
        if not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
            return None
        return Published(policy, version, sha, locale=locale)
    if not (isinstance(policy, str) and isinstance(version, str) and isinstance(sha, str)):
        return None
    if not _SHA256.fullmatch(sha):
        return None
    return Published(
        policy,
        version,
        sha,
        note if isinstance(note, str) and _SHA256.fullmatch(note) else None,
        material if isinstance(material, bool) else None,
    )
