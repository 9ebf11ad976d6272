"""What a served dashboard may open: the served flag and the one read-only directory of `synic serve --files DIR`.

`synic serve` passes both to every tab's app process (`python -m tui ...`) in its environment:

- `SYNICLAB_SERVED=1`: this dashboard runs for a browser visitor; saves and exports must go to the
  visitor as downloads, never onto the server's disk (`is_served()`).
- `SYNICLAB_FILES=/absolute/dir`: the directory whose scenario, session and lesson files a visitor
  may open, read-only (`files_dir()`); absent when the server was started without `--files`.

The app lists that directory with `list_files()` and turns a visitor's choice into a path with
`resolve_file()`, which refuses anything outside the directory, symlinks that lead out of it, and
anything that is not a regular file; the result goes to the usual loaders (which refuse oversized
or hostile files themselves).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import MAX_FILE_BYTES, kind_of

SERVED_VARIABLE: Final = "SYNICLAB_SERVED"
FILES_VARIABLE: Final = "SYNICLAB_FILES"
SUFFIXES: Final = (".json", ".toml")
MAX_LISTED: Final = 500
"""A directory with more files lists the first ones by name; a class needs a handful."""
MAX_DEPTH: Final = 3
"""Subdirectories are listed this deep (a/b/c.json)."""


class ServedFileError(InputError):
    """A visitor asked for a file they may not open; the message is one line, safe to show them."""


@dataclass(frozen=True, slots=True)
class ServedFile:
    name: str  # relative to the directory, with '/' separators: what the visitor sees and sends back
    size: int


def is_served(environ: Mapping[str, str] = os.environ) -> bool:
    """True in a dashboard started by `synic serve` for a browser tab."""
    return environ.get(SERVED_VARIABLE, "") == "1"


def files_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The `--files` directory of the server that started this tab, or None."""
    value = environ.get(FILES_VARIABLE, "")
    return Path(value) if value and is_served(environ) else None


def served_environment(files: Path | None) -> dict[str, str]:
    """The variables `synic serve` gives every tab's process."""
    env = {SERVED_VARIABLE: "1"}
    if files is not None:
        env[FILES_VARIABLE] = str(files)
    return env


def check_files_dir(path: str | Path) -> Path:
    """The `--files` argument as an absolute, symlink-free directory; ServedFileError when it is not one."""
    try:
        root = Path(path).expanduser().resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ServedFileError(f"--files {path}: no such directory ({getattr(exc, 'strerror', None) or exc})") from None
    if not root.is_dir():
        raise ServedFileError(f"--files {path}: expected a directory of scenario, session or lesson files")
    return root


def list_files(root: Path) -> list[ServedFile]:
    """Scenario-like files (.json, .toml) under `root`, sorted by name; symlinks are listed only when they stay inside."""
    real_root = root.resolve()
    found: list[ServedFile] = []
    pending: list[tuple[Path, int]] = [(real_root, 0)]
    while pending and len(found) < MAX_LISTED:
        folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                real = path.resolve(strict=True)
                st = os.stat(real)
            except (OSError, RuntimeError):
                continue
            if not real.is_relative_to(real_root):
                continue  # a symlink leading out
            if stat.S_ISDIR(st.st_mode) and not entry.is_symlink() and depth + 1 < MAX_DEPTH:
                pending.append((path, depth + 1))
            elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in SUFFIXES and st.st_size <= MAX_FILE_BYTES:
                found.append(ServedFile(path.relative_to(real_root).as_posix(), st.st_size))
    return sorted(found, key=lambda f: f.name)[:MAX_LISTED]


def resolve_file(root: Path, name: str) -> Path:
    """The real path of `name` inside `root`, or ServedFileError: nothing outside, no symlink escapes, regular files only."""
    shown = name if len(name) <= 80 else name[:77] + "..."
    relative = PurePosixPath(name)
    if not name or "\x00" in name or relative.is_absolute() or ".." in relative.parts or "\\" in name:
        raise ServedFileError(f"{shown!r}: not a file of the shared directory (expected a name from its list)")
    real_root = root.resolve()
    try:
        real = (real_root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        raise ServedFileError(f"{shown!r}: no such file in the shared directory") from None
    if not real.is_relative_to(real_root) or real == real_root:
        raise ServedFileError(f"{shown!r}: not a file of the shared directory (it leads outside it)")
    st = os.stat(real)
    kind = kind_of(st.st_mode)
    if kind is not None:
        raise ServedFileError(f"{shown!r}: cannot open it: it is {kind}, not a regular file")
    if real.suffix.lower() not in SUFFIXES:
        raise ServedFileError(f"{shown!r}: expected a .json or .toml file")
    return real


@dataclass(frozen=True, slots=True)
class Serving:
    """A dashboard in a visitor's browser: saves and exports are downloads; opening offers built-ins and `files`."""

    files: Path | None = None


def serving_from_environment(environ: Mapping[str, str] = os.environ) -> Serving | None:
    """What `synic serve` told this tab's process (None: a terminal session with the normal file dialogs)."""
    return Serving(files_dir(environ)) if is_served(environ) else None
