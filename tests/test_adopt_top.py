"""Adopting a repository whose policies sit at its very top (``privacy.md`` beside README.md,
or ``privacy/index.md``): MkDocs gets a docs_dir of its own, the plugin reads the policies from
``policies_dir: .``, and the repository's and the site's own files are no policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policysite.config import load_settings
from policysite.errors import ConfigError
from policysite.selection import Selection
from tests.conftest import GitRepo
from tests.site_support import build_site
from tests.test_adopt import run_cli
from tests.test_hostile import environment, run

PRIVACY = "---\ntitle: Privacy Policy\n---\n# Privacy Policy\n\n## What we keep\n\n{}\n"
TERMS = "---\ntitle: Terms of Service\n---\n# Terms of Service\n\n## Use\n\n{}\n"
README = "# Our policies repository\n\nOpen a pull request to change a policy.\n"


def top_repo(repo: GitRepo, layout: str) -> dict[str, str]:
    """A policy repository kept the way many are: the policies at the top, beside the files a
    repository keeps. Commits: the start, an edit, a rename (the terms' file gets its name), an
    edit of the renamed file, and a commit that changes only front matter the site does not show.
    Returns the policies' paths at the end."""
    (repo.path / "mkdocs.yml").unlink()
    folder = layout == "folder"
    privacy = "privacy/index.md" if folder else "privacy.md"
    old_terms = "terms-of-service/index.md" if folder else "terms-of-service.md"
    terms = "terms/index.md" if folder else "terms.md"
    repo.write("README.md", README)
    repo.write("LICENSE.md", "CC-BY-4.0\n")
    repo.write("CONTRIBUTING.md", "# Contributing\n\nBe kind.\n")
    repo.write("_config.yml", "title: Acme policies\n")
    repo.write(".github/pull_request_template.md", "Describe the change.\n")
    repo.write(privacy, PRIVACY.format("We keep your e-mail address."))
    repo.write(old_terms, TERMS.format("Be nice."))
    repo.commit("start", date="2022-01-01T10:00:00+00:00")
    repo.write(privacy, PRIVACY.format("We keep your e-mail address and your name."))
    repo.commit("privacy: the name too", date="2022-02-01T10:00:00+00:00")
    (repo.path / terms).parent.mkdir(parents=True, exist_ok=True)
    repo.git("mv", old_terms, terms)
    if folder:
        (repo.path / "terms-of-service").rmdir()
    repo.commit("rename the terms", date="2022-03-01T10:00:00+00:00")
    repo.write(terms, TERMS.format("Be nice, and kind."))
    repo.commit("terms: kind too", date="2022-04-01T10:00:00+00:00")
    text = (repo.path / privacy).read_text()
    repo.write(
        privacy, text.replace("title: Privacy Policy\n", "title: Privacy Policy\ntopics: [x]\n")
    )
    repo.commit("topics", date="2022-05-01T10:00:00+00:00")
    return {"privacy": privacy, "terms": terms}


def html_pages(site_dir: Path) -> set[str]:
    return {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")}


PAGES = {
    "index.html",
    "404.html",
    "changes/index.html",
    *(
        f"{policy}/{page}"
        for policy, versions in (
            ("privacy", ("2022-01-01", "2022-02-01")),
            ("terms", ("2022-01-01", "2022-04-01")),
        )
        for page in (
            "index.html",
            "versions/index.html",
            *(f"versions/{v}/index.html" for v in versions),
            *(f"changes/{v}/index.html" for v in versions),
        )
    ),
}


@pytest.mark.parametrize("layout", ["file", "folder"])
def test_adopt_publishes_the_policies_at_the_top_of_a_repository(
    git_repo: GitRepo, tmp_path: Path, layout: str
) -> None:
    paths = top_repo(git_repo, layout)
    head = git_repo.git("rev-parse", "HEAD")

    code, output = run_cli(git_repo, "adopt")

    assert code == 0, output
    kind = "a folder per policy (<policy>/index.md)" if layout == "folder" else "a file per policy"
    assert output.splitlines() == [
        f"Policies at the top of the repository: 2, {kind}; 4 versions (one a day at most; "
        "commits that change only front matter the site does not show are none).",
        "Markdown: python",
        "Foreign links go to: nowhere (no link_base)",
        f"Adopted at commit {head[:12]}: history before it is grandfathered by check.",
        "MkDocs' docs_dir: site_docs/ (MkDocs needs a folder beside mkdocs.yml; it holds only "
        ".gitkeep), the policies stay where they are (policies_dir: .).",
        "",
        "  Policy   Versions  First       Last",
        "  privacy         2  2022-01-01  2022-02-01",
        "  terms           2  2022-01-01  2022-04-01",
        "",
        "Not policies (left out): .github/, CONTRIBUTING.md, LICENSE.md, README.md",
        "",
        "check on today's texts: no problem.",
        "Wrote mkdocs.yml; build the site with `mkdocs build`.",
    ]
    settings = load_settings(git_repo.path)
    assert (settings.docs_dir, settings.site_docs_dir, settings.adopted_at) == (
        "",
        "site_docs",
        head,
    )
    assert [p.name for p in (git_repo.path / "site_docs").iterdir()] == [".gitkeep"]
    git_repo.commit("adopt", date="2022-05-02T10:00:00+00:00")

    code, listed = run_cli(git_repo, "versions", "--format", "json")
    assert code == 0, listed
    found = [(r["policy"], r["version"], r["url"]) for r in json.loads(listed)]
    assert found == [
        ("privacy", "2022-01-01", "/privacy/versions/2022-01-01/"),
        ("privacy", "2022-02-01", "/privacy/"),
        ("terms", "2022-01-01", "/terms/versions/2022-01-01/"),
        ("terms", "2022-04-01", "/terms/"),
    ]
    code, checked = run_cli(git_repo, "check")
    assert code == 0, checked
    code, diff = run_cli(git_repo, "diff", "terms", "--color", "never")
    assert code == 0, diff
    assert "Be nice{+, and kind+}." in diff.splitlines(), diff
    code, audit = run_cli(git_repo, "versions", "--all", "--format", "json")
    assert code == 0, audit
    old_terms = paths["terms"].replace("terms", "terms-of-service")
    assert [(r["policy"], r["path"], r["version"]) for r in json.loads(audit)] == [
        ("privacy", paths["privacy"], "2022-01-01"),
        ("privacy", paths["privacy"], "2022-02-01"),
        ("privacy", paths["privacy"], None),  # the topics: commit is no version
        ("terms", old_terms, "2022-01-01"),  # the rename is followed
        ("terms", paths["terms"], None),  # the rename itself is no version
        ("terms", paths["terms"], "2022-04-01"),
    ]

    # Into the repository's own site/ as `mkdocs build` does, twice: the built site is set aside.
    for _ in range(2):
        site_dir = build_site(
            git_repo.path, git_repo.path / "site", "https://acme.example/", "2030-01-01"
        )
    assert html_pages(site_dir) == PAGES
    every = "\n".join(p.read_text(encoding="utf-8") for p in site_dir.rglob("*.html"))
    assert "Our policies repository" not in every and "CC-BY-4.0" not in every
    assert "Be kind." not in every and "Describe the change." not in every
    assert not [p for p in site_dir.rglob("*") if p.suffix in (".md", ".yml")]
    terms = (site_dir / "terms/index.html").read_text(encoding="utf-8")
    assert "Be nice, and kind." in terms
    first = (site_dir / "terms/versions/2022-01-01/index.html").read_text(encoding="utf-8")
    assert "Be nice." in first  # its text before the rename: history followed it


def test_the_changelog_and_the_sites_own_folders_at_the_top_are_no_policies(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    top_repo(git_repo, "file")
    assert run_cli(git_repo, "adopt")[0] == 0
    git_repo.write(
        "changelog/privacy/2022-02-01.md", "---\nmaterial: false\n---\nThe name is kept too.\n"
    )
    git_repo.write("site_templates/overrides/main.md", "# not a policy\n")
    git_repo.write("index.md", "# Acme's policies\n\nRead [the privacy policy](privacy.md).\n")
    git_repo.write("node_modules/pkg/README.md", "# a package\n")
    git_repo.write("node_modules/pkg/guide.md", "# a package's guide\n")
    (git_repo.path / "node_modules/.bin").mkdir()
    (git_repo.path / "node_modules/.bin/tool").symlink_to("../pkg/guide.md")
    (git_repo.path / "NOTICE.md").symlink_to("README.md")  # a repository's file: not published
    git_repo.commit("notes and tools", date="2022-05-03T10:00:00+00:00")

    code, listed = run_cli(git_repo, "versions", "--format", "json")
    assert code == 0, listed
    assert sorted({r["policy"] for r in json.loads(listed)}) == ["privacy", "terms"]
    assert run_cli(git_repo, "check")[0] == 0
    site_dir = build_site(git_repo.path, tmp_path / "built", "https://acme.example/", "2030-01-01")
    assert html_pages(site_dir) == PAGES
    change = (site_dir / "privacy/changes/2022-02-01/index.html").read_text(encoding="utf-8")
    assert "The name is kept too." in change  # the note is the version's, not a policy
    home = (site_dir / "index.html").read_text(encoding="utf-8")
    assert "Acme's policies" in home  # the folder's index.md
    assert 'href="privacy/"' in home

    code, output = run_cli(git_repo, "adopt", "--dry-run")
    assert code == 0, output
    assert (
        "Not policies (left out): .github/, CONTRIBUTING.md, LICENSE.md, README.md, "
        "changelog/, index.md, node_modules/, site_templates/"
    ) in output.splitlines()


def test_a_linked_policy_at_the_top_stops_the_build(git_repo: GitRepo, tmp_path: Path) -> None:
    top_repo(git_repo, "file")
    assert run_cli(git_repo, "adopt")[0] == 0
    (git_repo.path / "NOTICE.md").symlink_to("README.md")  # a repository's file: not published
    git_repo.commit("adopt", date="2022-05-02T10:00:00+00:00")
    env = environment(tmp_path)
    built = run(git_repo, env, "mkdocs", "build", "--strict", "-d", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert html_pages(tmp_path / "out") == PAGES

    (git_repo.path / "cookies.md").symlink_to("/etc/passwd")
    git_repo.commit("a link to a secret", date="2022-05-03T10:00:00+00:00")

    code, output = run_cli(git_repo, "check")
    assert code == 1
    assert "cookies.md:1: error: is a symbolic link (to /etc/passwd)" in output
    assert "only files kept in the repository themselves, never what a link points to" in output
    built = run(git_repo, env, "mkdocs", "build", "--strict", "-d", str(tmp_path / "again"))
    assert built.returncode == 1
    assert "cookies.md: is a symbolic link (to /etc/passwd)" in built.stderr
    assert "Traceback" not in built.stderr and "NOTICE.md" not in built.stderr


def test_selection_sets_the_sites_own_folders_aside() -> None:
    rule = Selection(set_aside=("changelog", "site_docs", "node_modules"))

    assert [
        p
        for p in (
            "privacy.md",
            "legal/terms.md",
            "terms/index.md",
            "changelog/privacy/1.0.md",
            "site_docs/index.md",
            "node_modules/x/guide.md",
            ".github/ISSUE_TEMPLATE/bug.md",
            "changelogs.md",
            "README.md",
        )
        if rule.is_policy(p)
    ] == ["privacy.md", "legal/terms.md", "terms/index.md", "changelogs.md"]
    assert rule.is_set_aside("changelog/privacy") and rule.is_set_aside(".venv")
    assert not rule.is_set_aside("") and not rule.is_set_aside("changelogs")


@pytest.mark.parametrize("value", ["../elsewhere", "/srv/policies", ""])
def test_policies_dir_must_be_a_folder_inside_the_repository(git_repo: GitRepo, value: str) -> None:
    git_repo.write(
        "mkdocs.yml",
        "site_name: x\ndocs_dir: site_docs\nplugins:\n  - policysite:\n"
        f"      policies_dir: '{value}'\n",
    )

    with pytest.raises(ConfigError) as raised:
        load_settings(git_repo.path)

    assert raised.value.message == "mkdocs.yml: " + (
        "plugin 'policysite': 'policies_dir' must be a folder inside the repository, relative to "
        f"mkdocs.yml (e.g. policies, or . for the top), not {value!r}."
    )


def test_a_site_without_policies_dir_reads_its_docs_dir_as_before(git_repo: GitRepo) -> None:
    settings = load_settings(git_repo.path)

    assert (settings.docs_dir, settings.site_docs_dir, settings.policies_apart) == (
        "policies",
        "policies",
        False,
    )
    assert settings.selection.set_aside == ()
