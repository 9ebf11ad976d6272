"""Save-as dialog. Replacing a file this session did not write, or one that changed on disk since,
takes a second enter: the first one says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.widgets import Input

from .path_dialog import PathDialog


class SaveScreen(PathDialog[Path]):
    def __init__(self, title: str, default: str, conflict: Callable[[Path], str | None] = lambda path: None) -> None:
        super().__init__(title, default)
        self.conflict = conflict
        self._confirming: Path | None = None  # the path the user was warned about

    def submit(self, text: str, path: Path) -> None:
        why = self.conflict(path)
        if why and path != self._confirming:
            self._confirming = path
            self.show_message(f"{why} Enter again to replace it, or change the name.", warning=True)
            return
        self.dismiss(path)

    @on(Input.Changed)
    def _edited(self) -> None:
        if self._confirming is not None:
            self._confirming = None
            self.show_message("")
