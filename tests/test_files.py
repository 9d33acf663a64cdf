"""Atomic writes: the whole file or nothing, with the mode a new file should have."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from policysite.files import write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomic_replaces_whole_file_with_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "a" / "policies.lock"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    umask = os.umask(0)
    os.umask(umask)
    assert mode(target) == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["policies.lock"]


def test_private_files_stay_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "notice.eml"
    write_atomic(target, b"To: someone\r\n", durable=True, private=True)
    assert mode(target) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    write_atomic(target, "old")
    with pytest.raises(TypeError):
        write_atomic(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
