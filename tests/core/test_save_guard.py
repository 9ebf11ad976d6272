"""The save guard: what counts as "changed on disk since we saw it"."""

from __future__ import annotations

import os
from pathlib import Path

from synic_core.storage.save_guard import SaveGuard


def remembered(path: Path, text: str = "{}") -> SaveGuard:
    """A guard that has seen `path` just after this session wrote `text` there."""
    path.write_text(text)
    guard = SaveGuard()
    guard.remember(path)
    return guard


def test_a_new_file_is_no_conflict(tmp_path: Path) -> None:
    assert SaveGuard().conflict(tmp_path / "new.json") is None


def test_an_existing_unknown_file_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{}")
    assert "already exists" in (SaveGuard().conflict(path) or "")


def test_a_remembered_file_is_no_conflict_until_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    guard = remembered(path)
    assert guard.conflict(path) is None
    assert guard.conflict(tmp_path / "." / "s.json") is None  # the same file by another spelling


def test_same_size_replacement_by_rename_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    guard = remembered(path, '{"a": 1}')
    other = tmp_path / "other"
    other.write_text('{"a": 2}')  # same size
    st = path.stat()
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))  # even the same mtime: the inode differs
    other.replace(path)
    assert "changed on disk" in (guard.conflict(path) or "")


def test_an_in_place_edit_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    guard = remembered(path, '{"a": 1}')
    with path.open("a") as fh:
        fh.write(" ")
    assert "changed on disk" in (guard.conflict(path) or "")


def test_a_deleted_file_is_no_conflict(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    guard = remembered(path)
    path.unlink()
    assert guard.conflict(path) is None
