"""Asking once before work is lost: quitting with unsaved steps."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

QuitChoice = Literal["save", "quit"]


class ConfirmQuitScreen(ModalScreen[QuitChoice | None]):
    """The session has steps that were never saved: save them, quit anyway, or stay."""

    BINDINGS = [
        Binding("s", "dismiss('save')", "save first"),
        Binding("q", "dismiss('quit')", "quit anyway"),
        Binding("escape", "dismiss(None)", "stay"),
    ]

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text("Quit SynIC Lab?", style="bold"))
            yield Static(
                Text(
                    f"This session has {self.steps} step{'s that were' if self.steps != 1 else ' that was'} never saved. "
                    "s saves them first (as a scenario you can reopen with synic FILE), q quits anyway, escape stays."
                )
            )
        yield Footer()
