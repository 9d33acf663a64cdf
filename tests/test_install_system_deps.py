"""scripts/install-system-deps.sh, run against stand-ins for id, sudo and apt-get on a bare PATH.

Chromium is looked for at its fixed path (/usr/bin/chromium), so these runs ask for the other
names only; the real install of Chromium is what `make test` does on a machine without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "install-system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"


def stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def run(
    tmp_path: Path,
    *names: str,
    uid: int = 1000,
    sudo: str | None = None,
    have: tuple[str, ...] = (),
    venv: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The script with only ``have`` (and the stand-ins) on PATH; returns it and apt-get's calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    log.touch()
    stub(bin_dir, "id", f'[ "$1" = -u ] && echo {uid}')
    stub(bin_dir, "apt-get", f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {log}')
    stub(bin_dir, "python3", f"exit {0 if venv else 1}")
    for tool in ("env", "true"):
        os.symlink(shutil.which(tool) or f"/usr/bin/{tool}", bin_dir / tool)
    for tool in have:
        stub(bin_dir, tool, "exit 0")
    if sudo == "works":
        stub(bin_dir, "sudo", f'[ "$1" = -n ] || exit 1\nshift\necho "sudo $*" >> {log}\nexec "$@"')
    elif sudo == "asks for a password":
        stub(bin_dir, "sudo", 'echo "sudo: a password is required" >&2\nexit 1')
    result = subprocess.run(
        [BASH, str(SCRIPT), *names],
        env={"PATH": str(bin_dir), "PYTHON": "python3", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    return result, log.read_text(encoding="utf-8").splitlines()


def test_nothing_missing_does_nothing(tmp_path: Path) -> None:
    result, calls = run(tmp_path, "git", "make", "venv", "node", have=("git", "make", "node"))
    assert (result.returncode, result.stdout, result.stderr, calls) == (0, "", "", [])


@pytest.mark.parametrize("sudo", [None, "asks for a password"])
def test_neither_root_nor_sudo_names_the_packages_and_the_command(
    tmp_path: Path, sudo: str | None
) -> None:
    result, calls = run(tmp_path, "git", "make", "venv", "node", sudo=sudo, venv=False)
    assert result.returncode == 1
    assert calls == []
    assert result.stderr.splitlines() == [
        "policysite needs these Debian packages, which are missing: git make python3-venv nodejs.",
        "This is not root and sudo does not work without a password; as root, run:",
        "  apt-get update && apt-get install -y --no-install-recommends "
        "git make python3-venv nodejs",
    ]


def test_installs_through_sudo_when_it_works(tmp_path: Path) -> None:
    result, calls = run(tmp_path, "make", "node", sudo="works", have=("make",))
    assert result.returncode == 0, result.stderr
    assert calls == [
        "sudo true",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q",
        "apt-get update -q DEBIAN_FRONTEND=noninteractive",
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
        "--no-install-recommends nodejs",
        "apt-get install -y -q --no-install-recommends nodejs DEBIAN_FRONTEND=noninteractive",
    ]


def test_root_installs_directly(tmp_path: Path) -> None:
    result, calls = run(tmp_path, "git", "node", uid=0, have=("node",))
    assert result.returncode == 0, result.stderr
    assert calls == [
        "apt-get update -q DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y -q --no-install-recommends git DEBIAN_FRONTEND=noninteractive",
    ]


def test_venv_still_missing_after_the_install_says_which_python(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "venv", uid=0, venv=False)
    assert result.returncode == 1
    assert "python3 still has no ensurepip" in result.stderr


def test_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    result, calls = run(tmp_path, "chrome", uid=0)
    assert result.returncode == 2
    assert "unknown name 'chrome'" in result.stderr
    assert calls == []


def pdf_system(tmp_path: Path, *, libraries: tuple[str, ...], fonts: bool) -> dict[str, str]:
    """A stand-in for Debian's library and font folders, holding what is named."""
    lib = tmp_path / "usr-lib" / "x86_64-linux-gnu"
    lib.mkdir(parents=True)
    for name in libraries:
        (lib / name).touch()
    font_dir = tmp_path / "dejavu"
    font_dir.mkdir()
    if fonts:
        (font_dir / "DejaVuSerif.ttf").touch()
    return {"LIBDIR_GLOB": f"{tmp_path}/usr-lib/*-linux-gnu", "FONT_DIR": str(font_dir)}


def test_pdf_installs_pango_harfbuzz_and_the_fonts_that_are_missing(tmp_path: Path) -> None:
    system = pdf_system(tmp_path, libraries=("libpango-1.0.so.0",), fonts=False)

    result, calls = run(tmp_path, "pdf", "poppler", uid=0, env=system)

    assert result.returncode == 0, result.stderr
    assert calls == [
        "apt-get update -q DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y -q --no-install-recommends libpangoft2-1.0-0 libharfbuzz-subset0 "
        "fonts-dejavu-core poppler-utils DEBIAN_FRONTEND=noninteractive",
    ]


def test_pdf_and_poppler_present_do_nothing(tmp_path: Path) -> None:
    libraries = ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz-subset.so.0")
    system = pdf_system(tmp_path, libraries=libraries, fonts=True)

    result, calls = run(tmp_path, "pdf", "poppler", have=("pdftotext",), env=system)

    assert (result.returncode, result.stdout, result.stderr, calls) == (0, "", "", [])
