"""Pick a lesson (or leave the current one)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from synic_core.scenarios.lesson import lesson_names, load_lesson, short_name
from tui.widgets.option_list import PagedOptionList

LEAVE = "__leave__"


class LessonsScreen(ModalScreen[str | None]):
    """Dismisses with a lesson name, LEAVE, or None."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "close")]

    def __init__(self, in_lesson: bool) -> None:
        super().__init__()
        self.in_lesson = in_lesson

    def compose(self) -> ComposeResult:
        yield Static("[b]Lessons[/b] — each plays its steps on the grid, with a note per step.", id="lessons-title")
        options = [Option(Text(f"{i + 1}. {load_lesson(n).title}"), id=n) for i, n in enumerate(lesson_names())]  # file text: never markup
        if self.in_lesson:
            options.append(Option("Leave the lesson and keep exploring from here", id=LEAVE))
        yield PagedOptionList(*options, id="lessons-list")
        yield Footer()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


__all__ = ["LEAVE", "LessonsScreen", "short_name"]
