"""The grid and findings as plain text, selectable: for screen readers and copy-paste."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea


class TextDumpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Static(
            "Plain text of the grid and findings (select and copy; the same as synic run FILE --grid). escape closes.", id="dump-title"
        )
        yield TextArea(self.text, read_only=True, soft_wrap=False, id="dump-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
