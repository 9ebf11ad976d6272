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
            parts.append(kept_text(self.kept_sessions, self.kept_steps))
        parts.append(choices_text(bool(self.steps), self.kept_sessions if self.kept_steps else 0))
        return " ".join(parts)


def kept_text(sessions: int, steps: int) -> str:
    """The earlier sessions kept for `z` that hold unsaved steps: one, or several with their total."""
    if sessions == 1:
        return f"An earlier session (kept for z) has {steps_text(steps)} never saved."
    return f"{sessions} earlier sessions (kept for z) have steps that were never saved ({steps} in all)."


def choices_text(this_session: bool, kept_sessions: int) -> str:
    """What each key does. `s` saves only the session on screen: the earlier ones are reached with `z`."""
    if this_session:
        lost = {0: "", 1: "; the earlier session's steps are then lost"}.get(kept_sessions, "; the earlier sessions' steps are then lost")
        return f"s saves this session first (as a scenario you can reopen with synic FILE{lost}), q quits anyway, escape stays."
    if kept_sessions == 1:
        return "escape stays (z, undo, goes back to it; ctrl+s then saves it), q quits anyway."
    return "escape stays (z, undo, goes back to them one at a time, the latest first; ctrl+s saves the one on screen), q quits anyway."
