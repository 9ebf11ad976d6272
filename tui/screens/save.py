"""Save-as dialog: a path, prefilled; errors are shown in place and nothing is lost."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SaveScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box"):
            yield Label(f"[b]{self.title_text}[/b]")
            yield Label("File (enter to write, escape to cancel):")
            yield Input(self.default, id="save-path")
            yield Label("", id="save-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.show_error("expected a file name")
            return
        self.dismiss(Path(text).expanduser())

    def show_error(self, message: str) -> None:
        self.query_one("#save-error", Label).update(f"[red]{message}[/]")
