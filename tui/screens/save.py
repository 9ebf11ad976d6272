"""Save-as dialog. Replacing a file this session did not write, or one that changed on disk since,
takes a second enter: the first one says why. The dialog writes the file itself (through `write`),
so a failed write is explained in place and the dialog stays open for another name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.widgets import Input

from tui.screens.path_dialog import PathDialog

Write = Callable[[Path], str | None]  # writes the file; returns why it could not, or None when written


def no_conflict(path: Path) -> str | None:
    return None


class SaveScreen(PathDialog[Path]):
    """Dismisses with the path written, or None when cancelled."""

    def __init__(self, title: str, default: str, write: Write, conflict: Callable[[Path], str | None] = no_conflict) -> None:
        super().__init__(title, default)
        self.write = write
        self.conflict = conflict
        self._confirming: Path | None = None  # the path the user was warned about

    def submit(self, text: str, path: Path) -> None:
        why = self.conflict(path)
        if why and path != self._confirming:
            self._confirming = path
            self.show_message(f"{why} Enter again to replace it, or change the name.", warning=True)
            return
        error = self.write(path)
        if error is not None:
            self._confirming = None
            self.show_message(error)
            return
        self.dismiss(path)

    @on(Input.Changed)
    def _edited(self) -> None:
        if self._confirming is not None:
            self._confirming = None
            self.show_message("")
