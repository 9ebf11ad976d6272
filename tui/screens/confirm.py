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


def steps_text(n: int) -> str:
    return f"{n} step{'s that were' if n != 1 else ' that was'}"


class ConfirmQuitScreen(ModalScreen[QuitChoice | None]):
    """The session has steps that were never saved: save them, quit anyway, or stay."""

    BINDINGS = [
        Binding("s", "dismiss('save')", "save first"),
        Binding("q", "dismiss('quit')", "quit anyway"),
        Binding("escape", "dismiss(None)", "stay"),
    ]

    def __init__(self, steps: int, kept_sessions: int = 0, kept_steps: int = 0) -> None:
        super().__init__()
        self.steps = steps
        self.kept_sessions, self.kept_steps = kept_sessions, kept_steps

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "save first" saves this session: not offered when only earlier sessions hold unsaved steps."""
        return not (action == "dismiss" and parameters == ("save",) and not self.steps)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text("Quit SynIC Lab?", style="bold"))
            yield Static(Text(self.message()))
        yield Footer()

    def message(self) -> str:
        parts = []
        if self.steps:
            parts.append(f"This session has {steps_text(self.steps)} never saved.")
        if self.kept_steps:
            one = self.kept_sessions == 1
            earlier = "An earlier session (kept for z) has" if one else f"{self.kept_sessions} earlier sessions (kept for z) have"
            parts.append(f"{earlier} {steps_text(self.kept_steps)} never saved.")
        if self.steps:
            parts.append("s saves this session first (as a scenario you can reopen with synic FILE), q quits anyway, escape stays.")
        else:
            parts.append("escape stays (z, undo, goes back to it; ctrl+s then saves it), q quits anyway.")
        return " ".join(parts)
