"""``policysite init``: a new policy site for another organisation, ready to build and check.

The files come from ``site_skeleton/`` beside this module (names without their leading dot, so
that git and packaging treat them as plain files). This repository's own workflows, pre-commit
hook and EDITING.md are the same files, rendered for it (tests/test_init.py holds them equal).

Nothing is published by init: the sample policy is an unpublished draft, on its own branch
(``DRAFT_BRANCH``) in a new repository, or left unstaged in an existing one, so that the
organisation's real text becomes its version 1.0 through a pull request like any other.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from policysite.config import today
from policysite.errors import PolicySiteError
from policysite.history import (
    commit_files,
    find_repository,
    init_repository,
    stage_files,
    switch_branch,
)

SKELETON = "site_skeleton"
# The sample policy and its note: the draft, kept off main until the organisation's text is in.
DRAFT_FILES = ("policies/privacy.md", "changelog/privacy/1.0.md")
DRAFT_BRANCH = "first-policy"
# Where each skeleton file goes: a leading dot restored, the rest as it is.
_DOTTED = {
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "github": ".github",
}
INSTALL_IN_SITE = "python -m pip install -r requirements.txt"
CHECK_IN_SITE = "policysite check"


@dataclass
class InitResult:
    """What ``create_site`` did, for the CLI to tell."""

    root: Path
    files: list[Path] = field(default_factory=list)
    commit: str | None = None
    repository: Path | None = None

    def summary(self) -> list[str]:
        lines = [f"Created {len(self.files)} files in {self.root}."]
        if self.commit:
            lines.append(
                f"Started a git repository there: main has the site, with nothing published; "
                f"the sample privacy policy is an unpublished draft on the branch {DRAFT_BRANCH}."
            )
        else:
            lines.append(
                f"{self.root} is inside the git repository {self.repository}: the site's files "
                "are staged (git add) for you to review and commit; the sample privacy policy "
                "is an unpublished draft, left unstaged."
            )
        lines.append("Next: the checklist in README.md (settings, GitHub, the first version).")
        return lines


def skeleton() -> Traversable:
    """The folder of template files shipped with policysite."""
    return resources.files("policysite").joinpath(SKELETON)


def render(text: str, values: dict[str, str]) -> str:
    """Fill ``@@NAME@@`` placeholders (they never clash with YAML or GitHub's ``${{ }}``)."""
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    return text


def skeleton_files() -> dict[str, str]:
    """Every skeleton file by its path in a new site (dots restored), as template text."""
    files: dict[str, str] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            name = _DOTTED.get(item.name, item.name) if not prefix else item.name
            if item.is_dir():
                walk(item, f"{prefix}{name}/")
            elif not item.name.endswith((".pyc", ".pyo")):
                files[f"{prefix}{name}"] = item.read_text(encoding="utf-8")

    walk(skeleton(), "")
    return files


def default_templates() -> Path | None:
    """policysite's default site_templates/ (the mail; this site's theme), where this install
    has it.

    A wheel carries them inside the package (pyproject's force-include); an editable install
    of this repository finds them at its top level, beside scripts/.
    """
    packaged = Path(str(resources.files("policysite"))) / "site_templates"
    source_tree = Path(__file__).resolve().parents[2] / "site_templates"
    return next((folder for folder in (packaged, source_tree) if folder.is_dir()), None)


def create_site(
    root: Path,
    *,
    name: str | None = None,
    site_url: str = "https://policies.example.com/",
    on: dt.date | None = None,
) -> InitResult:
    """Write a new site into ``root`` (new or empty of our files) and make it a valid record.

    Refuses to overwrite anything. Outside a git repository it runs ``git init`` and commits;
    inside one it stages the files for the editor to review.
    """
    root = root.resolve()
    name = name or root.name.replace("-", " ").replace("_", " ").title()
    values = {
        "NAME": name,
        "SITE_URL": site_url if site_url.endswith("/") else site_url + "/",
        "TODAY": (on or today()).isoformat(),
        "INSTALL": INSTALL_IN_SITE,
        "CHECK": CHECK_IN_SITE,
    }
    planned = {root / relative: render(text, values) for relative, text in skeleton_files().items()}
    planned[root / "site_templates" / "README.md"] = _TEMPLATES_README
    planned[root / "policies" / ".gitkeep"] = ""  # main's policies folder, before the first
    copies: dict[Path, Path] = {}
    templates = default_templates()
    if templates:  # the mail; the theme's look (logo, colours) is the organisation's own
        for source in sorted((templates / "email").rglob("*")):
            if source.is_file() and "__pycache__" not in source.parts:
                copies[root / "site_templates" / source.relative_to(templates)] = source
    existing = sorted(p for p in [*planned, *copies] if p.exists())
    if existing:
        shown = ", ".join(str(p.relative_to(root)) for p in existing[:5])
        raise PolicySiteError(
            f"{root} already has {shown}{' …' if len(existing) > 5 else ''}; init only creates "
            "a new site. Choose an empty folder (or a new name)."
        )
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    for path, source in copies.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
    written = sorted([*planned, *copies])
    draft = [root / relative for relative in DRAFT_FILES]
    site = [path for path in written if path not in draft]
    result = InitResult(root, written, repository=find_repository(root))
    if result.repository is None:
        init_repository(root)
        result.commit = commit_files(root, site, "Policy site created by policysite init")
        switch_branch(root, DRAFT_BRANCH, create=True)
        commit_files(root, draft, "The sample privacy policy: a draft to replace with yours")
        switch_branch(root, "main")
        result.repository = root
    else:
        stage_files(root, site)
    return result


_TEMPLATES_README = """\
# site_templates

Your changes to how the site and the notice mail look:

- `email/`: the notice mail's templates (see its README);
- `overrides/`: your logo and colours. Put `logo.svg` (and `favicon.svg`) in
  `overrides/assets/` and your colours in `overrides/assets/brand.css`, then, in mkdocs.yml,
  remove the `#` before the `custom_dir:`, `logo:`, `favicon:` and `extra_css:` lines. The
  theme is Material for MkDocs: its palette settings are documented at
  https://squidfunk.github.io/mkdocs-material/setup/changing-the-colors/.

A file you do not add here keeps policysite's default.
"""
