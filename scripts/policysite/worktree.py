"""The only reader of the working tree: policy files and changelog notes as they stand on disk.

What ``history.py`` is to git, this is to the checkout: drafts for ``check`` and ``mkdocs serve``,
notes for every version, with the same decoding limits as committed text (``files.decode_text``).
Returns plain data; parsing front matter is the model's job.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from policysite.config import Settings
from policysite.errors import NotFoundError, PolicyError, PolicySiteError, ProblemList
from policysite.files import decode_text, text_sha256
from policysite.model import Note, key_line, parse_document, parse_note, policy_id


@dataclass(frozen=True)
class WorkingText:
    """A policy file's text in the working tree."""

    policy: str
    path: str  # relative to the site root, e.g. policies/privacy.md
    text: str
    sha256: str


@dataclass(frozen=True)
class WorkingPolicies:
    """Every policy file on disk: the readable ones, and why the others cannot be read."""

    texts: dict[str, WorkingText]  # by policy id
    problems: list[PolicyError]
    unreadable: set[str]  # ids of policies whose file is there but cannot be read


def policy_files(settings: Settings) -> list[str]:
    """Every policy file under the policies folder (``settings.selection``), tracked or not
    (links left out: see ``symlinks``)."""
    select = settings.selection.is_read  # translations too
    return sorted(
        relative
        for relative, path in _walk(settings)
        if relative.endswith(".md")
        and path.is_file()
        and not path.is_symlink()
        and select(relative)
    )


def _walk(settings: Settings) -> Iterator[tuple[str, Path]]:
    """Every file and folder under the policies folder (relative path, path), but inside the
    folders that hold no policy (``Selection.is_set_aside``: .git, .venv, node_modules/, the
    changelog, …, which at the top of a repository are most of its files). os.walk does not
    enter linked folders."""
    folder = settings.docs_path
    selection = settings.selection
    for top, folders, files in os.walk(folder):
        here = Path(top)
        prefix = here.relative_to(folder).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        folders[:] = sorted(name for name in folders if not selection.is_set_aside(prefix + name))
        for name in sorted([*folders, *files]):
            yield prefix + name, here / name


def symlinks(settings: Settings) -> list[PolicyError]:
    """One error per symbolic link under the policies folder, file or folder, tracked or not.

    A link is never read or published: ``policies/passwd.txt -> /etc/passwd`` would put the
    build machine's file (in CI, perhaps its secrets) on the public site.
    """
    found: list[PolicyError] = []
    # Policies apart from MkDocs' docs_dir (the top of a repository): the plugin hands MkDocs
    # only the policy files, so a link elsewhere (a README -> docs/README.md) publishes nothing.
    select = settings.selection.is_read if settings.policies_apart else None
    for relative, path in _walk(settings):
        if path.is_symlink():
            if select is not None and not path.is_dir() and not select(relative):
                continue
            found.append(
                PolicyError(
                    f"is a symbolic link (to {os.readlink(path)}); the site publishes only "
                    f"files kept in {settings.policies_folder} themselves, never what a link "
                    "points to. Put the file itself there, or delete the link.",
                    path=path.relative_to(settings.root).as_posix(),
                )
            )
    return found


def refuse_symlinks(settings: Settings) -> None:
    """Stop (every link named at once) when the policies folder holds a symbolic link."""
    found = symlinks(settings)
    if found:
        raise found[0] if len(found) == 1 else ProblemList(list(found))


def read_policies(settings: Settings) -> WorkingPolicies:
    """Every policy file in the working tree as text; a file too large or not UTF-8 is a problem
    (its policy is neither a draft nor deleted)."""
    texts: dict[str, WorkingText] = {}
    problems: list[PolicyError] = symlinks(settings)
    unreadable: set[str] = set()
    for relative in policy_files(settings):
        path = settings.policy_path(relative)
        pid = policy_id(relative)
        try:
            text = decode_text((settings.docs_path / relative).read_bytes(), path)
        except PolicyError as exc:
            problems.append(exc)
            unreadable.add(pid)
            continue
        texts[pid] = WorkingText(pid, path, text, text_sha256(text))
    return WorkingPolicies(texts, problems, unreadable)


def read_policy_file(settings: Settings, path: str) -> str:
    """The text of one file of the repository (``path`` relative to the site root)."""
    try:
        data = (settings.root / path).read_bytes()
    except FileNotFoundError:
        raise NotFoundError(
            f"{path} is tracked by git but missing from the working tree; restore it "
            "(`git checkout -- FILE`) or delete it with `git rm`."
        ) from None
    return decode_text(data, path)


@dataclass(frozen=True)
class NoteTranslation:
    """``changelog/<policy>/<version>.<locale>.md``: a version's note in another language.

    Front matter is optional: ``title:`` gives the policy's name in that language and
    ``sections:`` (anchor: heading) the changed sections' headings; the body is the note.
    Whether the version is material is the note's own business, not a translation's.
    """

    policy: str
    version: str
    locale: str
    title: str | None
    summary: str
    path: str
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkingNotes:
    """Every changelog note on disk, by (policy, version); the ones that cannot be read."""

    notes: dict[tuple[str, str], Note]
    problems: list[PolicySiteError]
    translations: dict[tuple[str, str, str], NoteTranslation] = field(default_factory=dict)


def note_name(stem: str, locales: tuple[str, ...]) -> tuple[str, str | None]:
    """A note file's stem → (version, locale): ``2.0.nb`` is note 2.0 in ``nb`` when nb is one of
    the site's locales; any other stem (``2.0``, ``2026-03``) is the note of that version."""
    version, _, suffix = stem.rpartition(".")
    if version and suffix in locales:
        return version, suffix
    return stem, None


def read_all_notes(settings: Settings) -> WorkingNotes:
    """Every note under the changelog folder, parsed; a bad one is a problem, not a stop."""
    notes: dict[tuple[str, str], Note] = {}
    translations: dict[tuple[str, str, str], NoteTranslation] = {}
    problems: list[PolicySiteError] = []
    folder = settings.changelog_path
    if not folder.is_dir():
        return WorkingNotes(notes, problems)
    for file in sorted(folder.rglob("*.md")):
        policy = file.parent.relative_to(folder).as_posix()
        version, locale = note_name(file.stem, settings.locales)
        try:
            if locale is None:
                notes[policy, version] = _read_note(settings, file, policy)
            else:
                translations[policy, version, locale] = _read_translation(
                    settings, file, policy, version, locale
                )
        except PolicySiteError as exc:
            problems.append(exc)
    return WorkingNotes(notes, problems, translations)


def read_notes(settings: Settings, policy: str) -> dict[str, Note]:
    """The changelog notes of one policy, by version label; raises on the first bad one."""
    folder = settings.changelog_path / policy
    if not folder.is_dir():
        return {}
    return {
        file.stem: _read_note(settings, file, policy)
        for file in sorted(folder.glob("*.md"))
        if note_name(file.stem, settings.locales)[1] is None
    }


def read_note_translations(
    settings: Settings, policy: str, version: str
) -> dict[str, NoteTranslation]:
    """The translations of one version's note, by locale; raises on the first bad one."""
    folder = settings.changelog_path / policy
    found: dict[str, NoteTranslation] = {}
    for locale in settings.locales:
        file = folder / f"{version}.{locale}.md"
        if file.is_file():
            found[locale] = _read_translation(settings, file, policy, version, locale)
    return found


def _read_note(settings: Settings, file: Path, policy: str) -> Note:
    relative = file.relative_to(settings.root).as_posix()
    text = decode_text(file.read_bytes(), relative, limit=None)
    return parse_note(text, policy, file.stem, relative)


def _read_translation(
    settings: Settings, file: Path, policy: str, version: str, locale: str
) -> NoteTranslation:
    relative = file.relative_to(settings.root).as_posix()
    text = decode_text(file.read_bytes(), relative, limit=None)
    document = parse_document(text, relative)
    sections = document.meta.extra.get("sections") or {}
    if not isinstance(sections, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in sections.items()
    ):
        raise PolicyError(
            "'sections' must map a section's anchor to its heading in this language, e.g. "
            "`sections: {data: Opplysninger vi samler inn}`.",
            path=relative,
            line=key_line(text, "sections"),
        )
    summary = document.body.strip()
    title = document.meta.title
    return NoteTranslation(policy, version, locale, title, summary, relative, dict(sections))
