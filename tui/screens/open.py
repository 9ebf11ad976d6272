"""Open dialog: a scenario file, a saved session, a lesson file or a built-in scenario name.

The file is loaded and replayed before the dialog closes, so a bad file is explained in place
(the same one-line message as `synic run`) and the session on screen is untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from synic_core.scenario import ScenarioError, one_line

from ..opening import Opened
from .path_dialog import PathDialog


class OpenScreen(PathDialog[Opened]):
    def __init__(self, title: str, default: str, loader: Callable[[str], Opened]) -> None:
        super().__init__(title, default)
        self.loader = loader

    def submit(self, text: str, path: Path) -> None:
        try:
            opened = self.loader(str(path) if path.exists() else text)
        except ScenarioError as exc:
            self.show_message(one_line(str(exc)))
            return
        self.dismiss(opened)
