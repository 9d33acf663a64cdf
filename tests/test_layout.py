"""The layout the README's module map promises: imports run one way, and each outside thing has
one owner (git: history/, MkDocs: the plugin, SMTP: notify/transport.py)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "policysite"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """What a module imports when it is loaded (imports inside functions are left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


FILES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
MODULES = {name: top_level_imports(path) for name, path in FILES.items()}


def test_the_imports_have_no_cycle() -> None:
    graph = {
        name: {other for other in imports if other in MODULES and other != name}
        for name, imports in MODULES.items()
    }
    # A package's __init__ may gather its own modules; a module must not reach back up.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            if other.startswith(name + "."):
                continue  # a package importing its own modules
            if state.get(other) == 1:
                cycles.append([*trail[trail.index(other) :], other])
            elif other not in state:
                visit(other, [*trail, other])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def owners_of(prefix: str) -> set[str]:
    return {
        name
        for name, imports in MODULES.items()
        if any(i == prefix or i.startswith(prefix + ".") for i in imports)
    }


def test_each_outside_thing_has_one_owner() -> None:
    assert owners_of("mkdocs") == {"policysite.mkdocs_plugin"}
    assert owners_of("smtplib") == {"policysite.notify.transport"}
    assert owners_of("httpx") == {"policysite.notify.webhook_transport"}
    assert owners_of("git") == set()  # GitPython is imported only where init writes
    runs_git = {name for name, path in FILES.items() if '"git"' in path.read_text()}
    assert runs_git <= {"policysite.history", "policysite.history.repository"}
