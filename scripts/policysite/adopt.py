"""`policysite adopt`: read an existing policy repository and write the settings that publish it
as it is.

It finds the policies (a file per policy, or a folder per policy with ``index.md``), the folder
that holds them (the top of the repository too: then MkDocs gets a docs_dir of its own, since
it refuses the folder of mkdocs.yml, and the plugin reads the policies from ``policies_dir: .``),
the Markdown flavour the texts are written in and the origin their foreign
links point to where the repository says it, then writes ``mkdocs.yml`` (atomically; an existing
one only when asked) and tells what the site will publish and what ``check`` says of today's
texts. The commit it adopts is recorded (``adopted_at``): history before it is grandfathered.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policysite.config import CONFIG_FILE, Settings, settings_from_config
from policysite.errors import ConfigError, PolicySiteError, each_problem
from policysite.files import decode_text, write_atomic
from policysite.history import read_tree, shared_reads
from policysite.model import parse_document
from policysite.selection import Selection

# A line that starts a list right after a line of a paragraph: a list on GitHub, run-on text
# in Python-Markdown (which needs a blank line first).
_LIST_LINE = re.compile(r"\n[ ]{0,3}(?:[*+-]|\d+[.)])[ ]+\S")
_TEXT_LINE = re.compile(r"[^\s>#|*+\-\d]")  # how a line of a paragraph starts
# A bare URL: ``http(s)://`` not glued to a word nor inside a link, an autolink or an attribute
# (``_bare_url`` checks the character before). The pattern starts with a literal, which the
# regex engine finds fast; a lookbehind first made it try every position of every text.
_URL = re.compile(r"https?://[^\s)<>\]]")
_NOT_BEFORE_URL = "(<[\"'="
_ROOT_LINK = re.compile(r"\]\((/[^)\s]*)")
_JEKYLL_URL = re.compile(r"^url:\s*[\"']?(https?://[^\s\"'/]+)", re.M)
_HUGO_URL = re.compile(r"^baseURL\s*[:=]\s*[\"']?(https?://[^\s\"'/]+)", re.M)
# MkDocs' docs_dir when the policies are at the top of the repository: MkDocs needs a folder
# beside mkdocs.yml, and this one holds only KEEP_FILE (a dotfile, which MkDocs never publishes).
SITE_DOCS_DIR = "site_docs"
KEEP_FILE = ".gitkeep"
KEEP_TEXT = (
    "MkDocs' docs_dir for this site (see mkdocs.yml), written by `policysite adopt`. The policies\n"
    "stay at the top of the repository (the plugin's `policies_dir: .`); MkDocs needs a folder\n"
    "of its own beside mkdocs.yml, so keep this one. An index.md here would be the home page;\n"
    "nothing else here is published.\n"
)


@dataclass(frozen=True)
class AdoptedPolicy:
    """A policy as the adopted site will publish it."""

    id: str
    path: str  # relative to the repository
    versions: int
    first: dt.date | None
    last: dt.date | None


@dataclass
class Adoption:
    """What ``adopt`` found in a repository, and the settings that publish it."""

    root: Path
    commit: str
    docs_dir: str  # the policies folder, relative to the repository ("" for its top)
    layout: str  # "a file per policy", "a folder per policy", or both
    markdown: str
    link_base: str | None
    exclude: list[str]
    policies: list[AdoptedPolicy] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # Markdown files that are not policies
    problems: list[str] = field(default_factory=list)
    check: Counter[str] = field(default_factory=Counter)  # "error: rule" → count
    check_lines: list[str] = field(default_factory=list)

    @property
    def at_top(self) -> bool:
        """The policies are at the top of the repository (MkDocs gets SITE_DOCS_DIR)."""
        return not self.docs_dir

    @property
    def site_docs_dir(self) -> str:
        """MkDocs' docs_dir: the policies folder, or at the top a folder of MkDocs' own."""
        return SITE_DOCS_DIR if self.at_top else self.docs_dir

    def options(self) -> dict[str, Any]:
        """The plugin's settings this adoption writes."""
        top = {"policies_dir": "."} if self.at_top else {}
        return top | {
            "include": ["**/*.md"],
            "exclude": self.exclude,
            "markdown": self.markdown,
            "link_base": self.link_base,
            "show_missing_notes": False,
            "notifications": False,
            # The original site had no PDF per version; `pdf: true` adds them (slower builds).
            "pdf": False,
            "adopted_at": self.commit,
        }

    def config(self, site_name: str) -> dict[str, Any]:
        """The mkdocs.yml this adoption writes, as data."""
        return {
            "site_name": site_name,
            "docs_dir": self.site_docs_dir,
            "plugins": ["search", {"policysite": self.options()}],
        }

    def _exclude_docs(self) -> str:
        """MkDocs' own list of the Markdown files that are not policies (a README beside an
        index.md would otherwise be a page of its own, or conflict with it)."""
        if not self.exclude or self.at_top:  # at the top, MkDocs' folder holds none of them
            return ""
        return "exclude_docs: |\n" + "".join(f"  /{path}\n" for path in self.exclude)

    def config_text(self, site_name: str) -> str:
        """The mkdocs.yml this adoption writes: the site's Markdown extensions as the plugin
        renders them (toc's slugify is a Python name, which plain YAML data cannot hold)."""
        options = yaml.safe_dump(
            {"policysite": self.options()}, sort_keys=False, allow_unicode=True
        )
        return (
            f"# Written by `policysite adopt` at commit {self.commit[:12]}: this repository's "
            "policies published as they are.\n"
            + yaml.safe_dump(
                {"site_name": site_name, "docs_dir": self.site_docs_dir},
                sort_keys=False,
                allow_unicode=True,
            )
            + "strict: true\nuse_directory_urls: true\n"
            + self._exclude_docs()
            # The plugin checks every link of the pages as written, and tells a broken link in
            # a text as adopted from one in a text edited since; MkDocs' own check cannot.
            + "validation:\n  links:\n    not_found: info\n"
            "theme:\n  name: material\n  font: false\n"
            "markdown_extensions:\n"
            "  - attr_list\n  - def_list\n  - tables\n  - fenced_code\n  - admonition\n"
            "  - toc:\n      permalink: true\n"
            "      slugify: !!python/name:markdown.extensions.toc.slugify_unicode\n"
            "plugins:\n  - search\n  - " + options.replace("\n", "\n    ").rstrip() + "\n"
        )


_TOP_CONFIG = {"docs_dir": SITE_DOCS_DIR, "plugins": [{"policysite": {"policies_dir": "."}}]}


def read_adoption(root: Path, docs_dir: str | None, site_name: str) -> Adoption:
    """``find_adoption`` then ``survey``: what ``policysite adopt`` says, its git reads through
    one ``cat-file`` (HEAD's files are the last texts of the history read next)."""
    with shared_reads():
        adoption = find_adoption(root, docs_dir)
        survey(adoption, site_name)
    return adoption


def find_adoption(root: Path, docs_dir: str | None = None) -> Adoption:
    """Look at the repository at ``root`` (its HEAD commit) and decide how to publish it."""
    # At the top of the repository, the site's own folders (the changelog, MkDocs' docs_dir, the
    # built site, …) are set aside as the written mkdocs.yml will set them aside.
    rule = settings_from_config(root, _TOP_CONFIG).selection
    tree = read_tree(root, "HEAD", lambda path: path.endswith(".md") or _is_site_config(path))
    top = tree.top
    here = root.resolve().relative_to(top).as_posix()
    prefix = "" if here == "." else here + "/"
    markdown = {
        path[len(prefix) :]: data
        for path, data in tree.files.items()
        if path.startswith(prefix) and path.endswith(".md")
    }
    candidates = sorted(p for p in markdown if rule.is_policy(p))
    folder = docs_dir.strip("/") if docs_dir else _common_folder(candidates)
    folder = "" if folder == "." else folder
    if folder:
        rule = Selection()  # in a folder of its own, the site's folders are beside it
        inside = {
            p[len(folder) + 1 :]: data for p, data in markdown.items() if p.startswith(folder + "/")
        }
    else:
        inside = markdown
    policies = [p for p in sorted(inside) if rule.is_policy(p)]
    if not policies:
        where = f"{folder}/" if folder else "the repository"
        raise ConfigError(
            f"found no policy (.md file) in {where}; name the folder with --docs-dir."
        )
    folders = sum(p.endswith("/index.md") for p in policies)
    layout = (
        "a folder per policy (<policy>/index.md)"
        if folders == len(policies)
        else "a file per policy"
        if folders == 0
        else "a file per policy and a folder per policy"
    )
    texts = {p: _body(inside[p], f"{folder}/{p}") for p in policies}
    gfm = any(_list_after_text(t) or _bare_url(t) for t in texts.values())
    foreign = sum(len(_ROOT_LINK.findall(t)) for t in texts.values())
    link_base = _link_base({p: d for p, d in tree.files.items() if _is_site_config(p)})
    adoption = Adoption(
        root=root,
        commit=tree.commit,
        docs_dir=folder,
        layout=layout,
        markdown="gfm" if gfm else "python",
        link_base=link_base if foreign else None,
        exclude=sorted(
            p for p in inside if p not in policies and p != "index.md" and not _aside(rule, p)
        ),
        left_out=_left_out(rule, inside, policies),
    )
    if foreign and link_base is None:
        adoption.problems.append(
            f"{foreign} links start with / (paths on the site the texts came from) and lead "
            "nowhere here; set `link_base:` to that site's origin (e.g. https://docs.example.com) "
            "so they go there."
        )
    return adoption


def _aside(rule: Selection, path: str) -> bool:
    return rule.is_set_aside(posixpath.dirname(path))


def _left_out(rule: Selection, paths: Iterable[str], policies: list[str]) -> list[str]:
    """The Markdown files that are not policies, a folder that holds none (``.github/``, the
    changelog) named once for all its files."""
    found: set[str] = set()
    for path in paths:
        if path in policies:
            continue
        parts = path.split("/")
        folders = ("/".join(parts[: n + 1]) for n in range(len(parts) - 1))
        aside = next((f for f in folders if rule.is_set_aside(f)), None)
        found.add(f"{aside}/" if aside else path)
    return sorted(found)


def _list_after_text(body: str) -> bool:
    """Whether a list starts right after a line of a paragraph: a list on GitHub, run-on text
    in Python-Markdown. (List lines are few: finding them first was 10× faster than one
    pattern for both lines, which tried every line of every text.)"""
    for found in _LIST_LINE.finditer(body):
        start = body.rfind("\n", 0, found.start()) + 1
        if _TEXT_LINE.match(body, start) is not None:
            return True
    return False


def _bare_url(body: str) -> bool:
    """Whether ``body`` has a bare URL (GitHub links it; Python-Markdown leaves it as text)."""
    found = _URL.search(body)
    while found is not None:
        before = body[found.start() - 1] if found.start() else " "
        if before not in _NOT_BEFORE_URL and not (before.isalnum() or before == "_"):
            return True
        found = _URL.search(body, found.start() + 1)
    return False


def _is_site_config(path: str) -> bool:
    return path in ("CNAME", "_config.yml", "config.toml", "hugo.toml", "config.yaml")


def _body(data: bytes, path: str) -> str:
    """The Markdown of a policy file without its front matter ("" when it cannot be read)."""
    try:
        return parse_document(decode_text(data, path), path).body
    except PolicySiteError:
        return ""


def _common_folder(paths: list[str]) -> str:
    """The folder holding every policy file ("" for the top of the repository). Its own
    ``index.md`` is the home page; a lone folder page (``terms/index.md``) is the policy the
    folder names, so its parent holds it."""
    folders = [posixpath.dirname(p) for p in paths]
    if not paths or not all(folders):
        return ""
    common = posixpath.commonpath(folders)
    if paths == [f"{common}/index.md"]:
        common = posixpath.dirname(common)
    return common


def _link_base(configs: dict[str, bytes]) -> str | None:
    """The site's origin where the repository says it: a Jekyll or Hugo setting, or CNAME."""
    for path, pattern in (
        ("_config.yml", _JEKYLL_URL),
        ("config.toml", _HUGO_URL),
        ("hugo.toml", _HUGO_URL),
    ):
        found = pattern.search(configs.get(path, b"").decode("utf-8", "replace"))
        if found:
            return found.group(1)
    cname = configs.get("CNAME", b"").decode("utf-8", "replace").strip()
    return f"https://{cname}" if re.fullmatch(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}", cname) else None


def settings_for(adoption: Adoption, site_name: str) -> Settings:
    """The settings the written mkdocs.yml will give."""
    return settings_from_config(adoption.root.resolve(), adoption.config(site_name))


def survey(adoption: Adoption, site_name: str) -> None:
    """Fill in what the site will publish (versions per policy) and what ``check`` says."""
    from policysite.check import check_site
    from policysite.versions import load_policies

    settings = settings_for(adoption, site_name)
    try:
        policies = load_policies(settings, notes=False)
    except PolicySiteError as exc:
        adoption.problems.extend(str(problem) for problem in each_problem(exc))
        policies = []
    for policy in policies:
        versions = policy.versions
        adoption.policies.append(
            AdoptedPolicy(
                policy.id,
                policy.path,
                len(versions),
                versions[0].date.date() if versions else None,
                versions[-1].date.date() if versions else None,
            )
        )
    try:
        report = check_site(settings)
    except PolicySiteError as exc:
        adoption.problems.append(f"check could not run: {exc}")
        return
    for finding in report.findings:
        adoption.check[f"{finding.severity}: {finding.rule}"] += 1
        if finding.severity == "error" and len(adoption.check_lines) < 20:
            adoption.check_lines.append(f"{finding.path}:{finding.line}: {finding.message}")


def write_config(adoption: Adoption, site_name: str, *, overwrite: bool) -> Path:
    """Write mkdocs.yml (atomically); an existing one only with ``overwrite``."""
    path = adoption.root / CONFIG_FILE
    if path.exists() and not overwrite:
        raise ConfigError(
            "exists already; adopt writes a new one only with --overwrite (keep a copy of yours "
            "first), or add the `policysite` plugin with the settings printed above to it.",
            path=CONFIG_FILE,
        )
    write_atomic(path, adoption.config_text(site_name))
    keep = adoption.root / adoption.site_docs_dir / KEEP_FILE
    if adoption.at_top and not keep.parent.is_dir():
        write_atomic(keep, KEEP_TEXT)
    return path


def summary(adoption: Adoption) -> list[str]:
    """What ``adopt`` prints: the settings, each policy, the problems, and check's counts."""
    total = sum(p.versions for p in adoption.policies)
    where = f"in {adoption.docs_dir}/" if adoption.docs_dir else "at the top of the repository"
    lines = [
        f"Policies {where}: {len(adoption.policies)}, {adoption.layout}; "
        f"{total} versions (one a day at most; commits that change only front matter the "
        "site does not show are none).",
        f"Markdown: {adoption.markdown}"
        + (
            " (lists without a blank line before them, or bare URLs)"
            if adoption.markdown == "gfm"
            else ""
        ),
        f"Foreign links go to: {adoption.link_base or 'nowhere (no link_base)'}",
        f"Adopted at commit {adoption.commit[:12]}: history before it is grandfathered by check.",
    ]
    if adoption.at_top:
        lines.append(
            f"MkDocs' docs_dir: {SITE_DOCS_DIR}/ (MkDocs needs a folder beside mkdocs.yml; it "
            f"holds only {KEEP_FILE}), the policies stay where they are (policies_dir: .)."
        )
    lines += [
        "",
    ]
    width = max((len(p.id) for p in adoption.policies), default=6)
    lines.append(f"  {'Policy':<{width}}  Versions  First       Last")
    for policy in adoption.policies:
        first = policy.first.isoformat() if policy.first else "-"
        last = policy.last.isoformat() if policy.last else "-"
        lines.append(f"  {policy.id:<{width}}  {policy.versions:>8}  {first}  {last}")
    if adoption.left_out:
        lines += ["", f"Not policies (left out): {', '.join(adoption.left_out)}"]
    if adoption.problems:
        lines += ["", "Problems:"] + [f"  - {problem}" for problem in adoption.problems]
    if adoption.check:
        counts = ", ".join(f"{count} {key}" for key, count in sorted(adoption.check.items()))
        lines += ["", f"check on today's texts: {counts}"]
        lines += [f"  {line}" for line in adoption.check_lines]
    else:
        lines += ["", "check on today's texts: no problem."]
    return lines
