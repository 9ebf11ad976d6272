"""A modal that asks for a file path, prefilled; problems are shown in place, under the input."""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

T = TypeVar("T")


class PathDialog(ModalScreen[T | None], Generic[T]):
    """Subclasses decide what enter does with the path (`submit`); escape always cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="path-box"):
            yield Label(f"[b]{self.title_text}[/b]", classes="path-title")
            yield Label("File (enter to confirm, escape to cancel):")
            yield Input(self.default, classes="path-input")
            yield Label("", classes="path-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.show_message("expected a file name")
            return
        self.submit(text, Path(text).expanduser())

    def submit(self, text: str, path: Path) -> None:
        raise NotImplementedError

    def show_message(self, message: str, warning: bool = False) -> None:
        label = self.query_one(".path-message", Label)
        label.set_class(warning, "-warning")
        label.update(message)
