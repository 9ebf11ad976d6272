"""Save-as dialog: a path, prefilled; problems are shown in place and nothing is lost.

Replacing a file this session did not write, or one that changed on disk since, takes a second
enter: the first one says why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SaveScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, title: str, default: str, conflict: Callable[[Path], str | None] = lambda path: None) -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.conflict = conflict
        self._confirming: Path | None = None  # the path the user was warned about

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box"):
            yield Label(f"[b]{self.title_text}[/b]")
            yield Label("File (enter to write, escape to cancel):")
            yield Input(self.default, id="save-path")
            yield Label("", id="save-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.show_error("expected a file name")
            return
        path = Path(text).expanduser()
        why = self.conflict(path)
        if why and path != self._confirming:
            self._confirming = path
            self.show_error(f"{why} Enter again to replace it, or change the name.", warning=True)
            return
        self.dismiss(path)

    @on(Input.Changed)
    def _edited(self) -> None:
        if self._confirming is not None:
            self._confirming = None
            self.show_error("")

    def show_error(self, message: str, warning: bool = False) -> None:
        label = self.query_one("#save-error", Label)
        label.set_class(warning, "-warning")
        label.update(message)
