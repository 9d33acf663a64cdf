"""Which files of the policies folder are policies, and the policy each one is.

A policy is a Markdown file (``privacy.md``) or a folder's ``index.md`` (``privacy/index.md``,
as Jekyll and Hugo sites keep them); both are the policy ``privacy``. The top ``index.md`` is the
home page, a repository's own files (README, LICENSE, CONTRIBUTING, …) are never policies, and
a translation (``privacy.nb.md``, a locale of the site's) belongs to its policy. The site's own
folders, when they sit inside the policies folder (at the top of a repository: the changelog,
site_templates/, MkDocs' docs_dir, the built site, node_modules/), hold no policy. The settings
``include`` and ``exclude`` (globs as in .gitignore, relative to the policies folder) narrow the
rest. Pure: paths in, answers out, so git history and the working tree are read alike.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pathspec

DEFAULT_INCLUDE = ("**/*.md",)
# What a repository keeps beside its texts, in any folder and any case: never a policy.
REPOSITORY_FILES = frozenset(
    {
        "readme",
        "license",
        "licence",
        "contributing",
        "code_of_conduct",
        "code-of-conduct",
        "security",
        "changelog",
        "notice",
        "authors",
        "support",
        "governance",
        "maintainers",
        "pull_request_template",
        "issue_template",
    }
)
HOME_PAGE = "index.md"
# Folders of a policy site that are never policies, wherever the site's settings put the rest
# (the changelog, MkDocs' docs_dir, the built site): the mail and theme templates, npm's packages.
SITE_FOLDERS = ("site_templates", "node_modules")


def folders_inside(policies_dir: str, folders: Iterable[str]) -> tuple[str, ...]:
    """Those of ``folders`` (relative to the site root) that lie inside the policies folder
    ``policies_dir`` ("" for the top), relative to it: the site's own folders to set aside."""
    inside: list[str] = []
    for folder in folders:
        folder = posixpath.normpath(folder.strip("/"))
        if folder in (".", "") or folder == policies_dir or folder.startswith(".."):
            continue
        if not policies_dir:
            inside.append(folder)
        elif folder.startswith(policies_dir + "/"):
            inside.append(folder[len(policies_dir) + 1 :])
    return tuple(sorted(set(inside)))


@dataclass(frozen=True)
class Selection:
    """The rule that picks a site's policy files out of its policies folder."""

    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    locales: tuple[str, ...] = field(default=())
    # The site's own folders inside the policies folder (``folders_inside``): no policy there.
    set_aside: tuple[str, ...] = ()

    @cached_property
    def _include(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.include)

    @cached_property
    def _exclude(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.exclude)

    @cached_property
    def _answers(self) -> dict[str, bool]:
        # A history asks about the same few paths thousands of times; pathspec's matching was
        # a fifth of reading 900 versions (bench/adopt.py).
        return {}

    def is_policy(self, relative: str) -> bool:
        """Whether the file at ``relative`` (POSIX, inside the policies folder) is a policy."""
        answer = self._answers.get(relative)
        if answer is None:
            answer = self._answers[relative] = self._is_policy(relative)
        return answer

    def _is_policy(self, relative: str) -> bool:
        if not relative.endswith(".md") or relative == HOME_PAGE:
            return False
        parts = relative.split("/")
        if any(part.startswith(".") for part in parts):
            return False  # .github/…: a repository's machinery
        if self.is_set_aside(posixpath.dirname(relative)):
            return False  # changelog/privacy/1.0.md, site_templates/…: the site's own files
        stem = parts[-1][: -len(".md")]
        if stem.lower() in REPOSITORY_FILES:
            return False
        if self.translation_of(relative) is not None:
            return False
        return self._include.match_file(relative) and not self._exclude.match_file(relative)

    def is_set_aside(self, folder: str) -> bool:
        """Whether the folder ``folder`` (inside the policies folder, "" for itself) holds no
        policy at any depth: a hidden folder (.github, .venv) or one of the site's own."""
        if not folder:
            return False
        if any(part.startswith(".") for part in folder.split("/")):
            return True
        return any(folder == own or folder.startswith(own + "/") for own in self.set_aside)

    def is_read(self, relative: str) -> bool:
        """Whether the site reads this file's history: a policy, or a translation of one (the
        model pairs it with its policy, and names what is wrong with it)."""
        return self.is_policy(relative) or self.translation_of(relative) is not None

    def translation_of(self, relative: str) -> str | None:
        """The policy id ``privacy.nb.md`` translates (``privacy``), or None for a policy."""
        stem, dot, locale = relative.removesuffix(".md").rpartition(".")
        if dot and locale in self.locales and stem and not stem.endswith("/"):
            return policy_id(stem + ".md")
        return None


def policy_id(relative: str) -> str:
    """A policy's id from its path in the policies folder: ``legal/terms.md`` → ``legal/terms``,
    and a folder's own page ``privacy/index.md`` → ``privacy``."""
    stem = relative.removesuffix(".md")
    if stem.endswith("/index"):
        return stem[: -len("/index")]
    return stem
