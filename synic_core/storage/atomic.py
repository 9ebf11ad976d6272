"""Atomic file writes: a temporary file beside the target, fsync, rename over the target, fsync the directory.

After `write_atomic` (or `write_bytes_atomic`) returns, the new content is on disk; if the process
dies at any moment before, the target holds its old content or the new one, never a torn mix.

- A new file gets the permissions the user's umask gives (0666 & ~umask), not the 0600 of a
  temporary file; a replaced file keeps its mode (and its owner, where allowed).
- A symlinked target is written through: the link stays, the file it points to gets the content.
- Something that is not a regular file (a directory, a device such as /dev/null, a FIFO) is never
  replaced: OSError.
- A file with several hard links is rewritten in place, so that every link sees the new content
  (a rename would split them); that one case cannot be atomic.
- Temporary files are named `.NAME.synic-save-PID-RANDOM.tmp`; ones a killed process left behind
  (its PID is gone) are removed by the next save into the same directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Final

from synic_core.system.process import umask

TEMP_MARK: Final = ".synic-save-"
_LEFTOVER = re.compile(r"^\..*\.synic-save-(\d+)-[0-9a-f]+\.tmp$")
_MAX_STEM: Final = 180  # bytes of the target's name kept in the temporary name (names are limited to 255)
_IN_PROGRESS: set[str] = set()  # temporary files this process is writing now (never leftovers)


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically; OSError (old file untouched) when it cannot."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically (see the module docstring); OSError (old file untouched) when it cannot."""
    target = Path(os.path.realpath(path))  # through symlinks: the link stays a link
    folder = target.parent
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):  # never replace /dev/null, a FIFO or a directory
        raise OSError(errno.EINVAL, "not a regular file (a directory, device, FIFO or socket); left as it is", str(target))
    remove_leftovers(folder)
    if existing is not None and existing.st_nlink > 1:
        _rewrite_in_place(target, data)
        return
    tmp = folder / temp_name(target.name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    _IN_PROGRESS.add(tmp.name)
    try:
        try:
            if existing is not None:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode))
                with contextlib.suppress(OSError):
                    os.fchown(fd, existing.st_uid, existing.st_gid)
            else:
                os.fchmod(fd, 0o666 & ~umask())
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        _IN_PROGRESS.discard(tmp.name)
    fsync_directory(folder)


def temp_name(name: str) -> str:
    stem = name.encode("utf-8")[:_MAX_STEM].decode("utf-8", "ignore")
    return f".{stem}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _rewrite_in_place(target: Path, data: bytes) -> None:
    """Hard links share one inode: write into it so every name sees the new content."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(folder: Path) -> None:
    """Make a rename in `folder` durable (where the platform lets a directory be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
            os.fsync(fd)
    finally:
        os.close(fd)


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files of saves whose process is gone (killed mid-save); the ones removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = _LEFTOVER.match(entry.name)
        if not found or entry.name in _IN_PROGRESS or not entry.is_file(follow_symlinks=False) or _alive(int(found.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # not in _IN_PROGRESS: left by an earlier process that had our PID
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process (or an odd number): leave its file alone
    return True
