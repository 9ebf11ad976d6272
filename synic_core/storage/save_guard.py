"""Saves that never clobber someone else's file without asking.

The guard remembers the identity of every file this session opened or wrote (inode, size and
modification time, as editors do). Saving over a file that changed on disk since then, or over
an existing file this session never saw, is a conflict: the caller asks once more before writing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

Stamp = tuple[int, int, int]  # (inode, size, mtime in ns)


def stamp(path: Path) -> Stamp | None:
    """The identity of the file `path` names (through symlinks, as saves write through them); None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class SaveGuard:
    known: dict[Path, Stamp] = field(default_factory=dict)

    def remember(self, path: Path) -> None:
        """Call after opening or writing `path`: this is the version the session knows."""
        current = stamp(path)
        if current is not None:
            self.known[path.resolve()] = current

    def conflict(self, path: Path) -> str | None:
        """Why writing `path` now could lose someone's work, or None when it cannot."""
        current = stamp(path)
        if current is None:
            return None
        known = self.known.get(path.resolve())
        if known is None:
            return f"{path} already exists."
        if known != current:
            return f"{path} changed on disk since this session opened or saved it (another program wrote it)."
        return None

    def conflicts(self, *paths: Path) -> str | None:
        """Why writing any of `paths` (e.g. an SVG and the PNG beside it) could lose someone's work; None when none can."""
        reasons = [reason for reason in map(self.conflict, paths) if reason]
        return " ".join(reasons) or None
