"""A modal that asks for a file path, prefilled; problems are shown in place, under the input.

The field completes paths as you type (the suggestion is shown dimmed; → or end accepts it)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Footer, Input, Label

T = TypeVar("T")
SUFFIXES = (".json", ".toml")  # what scenarios, sessions and lessons are written in


def path_completion(value: str, suffixes: Iterable[str] = SUFFIXES) -> str | None:
    """`value` completed to the first directory or file (with one of `suffixes`) it starts;
    directories end in `/` so the next completion goes inside. None when nothing matches."""
    if not value or "\n" in value:
        return None
    head, slash, stem = value.rpartition("/")
    folder = Path(os.path.expanduser(head + "/")) if head else Path("/" if slash else ".")
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    wanted = tuple(suffixes)
    for entry in entries:
        if not entry.name.startswith(stem) or entry.name == stem or (entry.name.startswith(".") and not stem.startswith(".")):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir or entry.name.endswith(wanted):
            prefix = value[: len(value) - len(stem)]
            return prefix + entry.name + ("/" if is_dir else "")
    return None


class PathSuggester(Suggester):
    """Completes paths in the current directory, or in the one typed so far."""

    def __init__(self, suffixes: Iterable[str] = SUFFIXES) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # the disk changes: never cached
        self.suffixes = tuple(suffixes)

    async def get_suggestion(self, value: str) -> str | None:
        return path_completion(value, self.suffixes)


class PathDialog(ModalScreen[T | None], Generic[T]):
    """Subclasses decide what enter does with the path (`submit`); escape always cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "cancel")]
    PROMPT = "File (→ completes, enter confirms, escape cancels):"

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(classes="path-box"):
            yield Label(self.title_text, classes="path-title", markup=False)
            yield Label(self.PROMPT, markup=False)
            yield Input(self.default, classes="path-input", suggester=self.suggester())
            yield Label("", classes="path-message", markup=False)
            yield from self.more()
        yield Footer()

    def suggester(self) -> Suggester | None:
        return PathSuggester(suffixes=("",))  # any file: saves and exports have their own suffixes

    def more(self) -> ComposeResult:
        """Widgets under the message (the open dialog lists the built-ins)."""
        yield from ()

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
