"""Saves: umask, fsync of file and directory, symlinks and hard links kept, crash leftovers cleaned, SIGKILL-proof."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synic_core.storage import atomic
from synic_core.storage.atomic import TEMP_MARK, remove_leftovers, write_atomic, write_bytes_atomic
from synic_core.storage.save_guard import SaveGuard
from synic_core.system.process import umask


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TEMP_MARK in p.name]


def test_a_new_file_gets_the_umask_permissions(tmp_path: Path, umask_027: None):
    write_atomic(tmp_path / "s.json", "{}")
    assert stat.S_IMODE((tmp_path / "s.json").stat().st_mode) == 0o640
    assert umask() == 0o027


def test_a_replaced_file_keeps_its_mode(tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text("old")
    path.chmod(0o604)
    write_atomic(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o604


def test_file_and_directory_are_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    synced: list[str] = []
    real = os.fsync

    def recording(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr("synic_core.storage.atomic.os.fsync", recording)
    write_atomic(tmp_path / "s.json", "{}")
    assert synced == ["file", "dir"]  # the content before the rename, the directory after it


def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "created.json")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "created.json").read_text() == "made"


def test_hard_links_keep_sharing_the_file(tmp_path: Path):
    a = tmp_path / "a.json"
    a.write_text("a much longer old content")
    b = tmp_path / "b.json"
    os.link(a, b)
    write_atomic(a, "new")
    assert b.read_text() == "new" and a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2
    assert leftovers(tmp_path) == []


def test_bytes_are_written_as_they_are(tmp_path: Path):
    data = bytes(range(256)) * 100
    write_bytes_atomic(tmp_path / "shot.png", data)
    assert (tmp_path / "shot.png").read_bytes() == data


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "s.json"
    path.write_text("old")

    def full_disk(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("synic_core.storage.atomic.os.write", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_atomic(path, "new")
    assert path.read_text() == "old" and leftovers(tmp_path) == []


def test_temporary_names_are_recognisable_and_fit(tmp_path: Path):
    name = atomic.temp_name("x" * 255)
    assert name.startswith(".x") and TEMP_MARK in name and name.endswith(".tmp") and len(name.encode()) <= 255


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    gone = tmp_path / f".s.json{TEMP_MARK}{dead.stdout.strip()}-abcd1234.tmp"
    gone.write_text("half")
    live = tmp_path / f".s.json{TEMP_MARK}{os.getppid()}-abcd1234.tmp"  # our parent is alive: a save in progress
    live.write_text("busy")
    other = tmp_path / ".s.json.tmp"  # not ours
    other.write_text("keep")
    assert remove_leftovers(tmp_path) == [gone]
    assert live.exists() and other.exists()


WRITER = textwrap.dedent(
    """
    import sys
    from synic_core.storage.atomic import write_atomic
    path = sys.argv[1]
    for i in range(1_000_000):
        write_atomic(path, ("A" if i % 2 else "B") * (200_000 + 100_000 * (i % 2)))
        print(i, flush=True)
    """
)


def complete(text: str) -> bool:
    return text in ("A" * 300_000, "B" * 200_000)


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_file(tmp_path: Path):
    """A saving process killed mid-save, 25 times: the file is always one complete version, and leftovers go."""
    path = tmp_path / "session.json"
    rng = random.Random(17)
    for _ in range(25):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 30)):  # let it finish a random number of saves, then kill it in the next
            proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert complete(path.read_text()), "torn file"
    write_atomic(path, "B" * 200_000)  # the next save removes what the killed ones left
    assert leftovers(tmp_path) == []


def test_the_save_guard_checks_an_export_and_the_png_beside_it(tmp_path: Path):
    svg, png = tmp_path / "shot.svg", tmp_path / "shot.png"
    guard = SaveGuard()
    assert guard.conflicts(svg, png) is None
    png.write_bytes(b"\x89PNG")
    assert "shot.png already exists" in (guard.conflicts(svg, png) or "")
    guard.remember(png)
    assert guard.conflicts(svg, png) is None


def test_the_save_guard_follows_a_symlink_like_the_save(tmp_path: Path):
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    real.write_text("{}")
    link.symlink_to(real)
    guard = SaveGuard()
    guard.remember(link)
    write_atomic(link, '{"a": 1}')
    assert "changed on disk" in (guard.conflict(link) or "")  # a save by someone else is still seen
    guard.remember(link)
    assert guard.conflict(link) is None


def test_a_device_or_fifo_behind_the_name_is_never_replaced(tmp_path: Path):
    link = tmp_path / "null.json"
    link.symlink_to("/dev/null")
    with pytest.raises(OSError, match="not a regular file"):
        write_atomic(link, "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and leftovers(Path("/dev")) == []
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        write_atomic(fifo, "x")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
