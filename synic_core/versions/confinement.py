"""Where the paths inside a file may lead: anywhere on a terminal, only into `--files DIR` in a served tab.

A scenario names its patch file (`mshv`, `mshv_file`), a patch file its base (`based_on`); each
is a path relative to the file that names it. In a dashboard served to a browser, those paths are
chosen by whoever wrote the file, so they must not read other files of the server: `confine(DIR)`
makes every such path resolve (symlinks followed) inside DIR, or be refused with one line that
names neither the target nor the server's directories. `confine(None)` (served without `--files`)
refuses every file; built-in version names always work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from synic_core.inputs.bad_input import InputError


@dataclass(frozen=True, slots=True)
class Confinement:
    root: Path | None  # the real directory files must stay in; None: no file at all


_current: list[Confinement] = []
"""The confinement in force (the last one), empty on a terminal."""

REFUSED = "refused: a file opened in a served dashboard may name only built-in versions or files in the shared directory"


def confine(root: Path | None) -> None:
    """From now on in this process, file paths lead only into `root` (a served tab calls it once, at start)."""
    _current[:] = [Confinement(None if root is None else root.resolve())]


@contextmanager
def confined(root: Path | None) -> Iterator[None]:
    """`confine(root)` for the length of a block (tests, and anything that must not leave it set)."""
    saved = list(_current)
    confine(root)
    try:
        yield
    finally:
        _current[:] = saved


def is_confined() -> bool:
    return bool(_current)


def file_path(text: str, directory: Path | None) -> Path:
    """The path a file field names (relative to `directory`), or InputError(REFUSED) when it leads out of the confinement."""
    if not _current:
        path = Path(text).expanduser()
        return directory / path if directory is not None and not path.is_absolute() else path
    root = _current[-1].root
    path = Path(text)
    if root is None or text.startswith("~") or path.is_absolute():
        raise InputError(REFUSED)
    real = ((directory or root) / path).resolve()
    if not real.is_relative_to(root):
        raise InputError(REFUSED)
    return real


def shown_path(file: str) -> str:
    """A file's path as a served tab may show or save it: relative to the shared directory (no server path)."""
    if not _current or _current[-1].root is None:
        return file
    root = _current[-1].root
    path = Path(file)
    return path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else path.name
