"""The help screen: the Markdown help text shipped with the app, and the keys from the command table."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ..commands import COMMANDS, key_label

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"


def keys_markdown() -> str:
    lines = ["## Keys", ""]
    group = None
    for c in COMMANDS:
        if c.group != group:
            group = c.group
            lines += ["", f"**{group}**", "", "| key | what it does |", "|---|---|"]
        lines.append(f"| `{key_label(c.key)}` | {c.description} |")
    lines += ["", "`ctrl+p` opens the command palette: every command above, and the settings."]
    return "\n".join(lines)


def help_markdown() -> str:
    return HELP_FILE.read_text("utf-8") + "\n\n" + keys_markdown()


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Markdown(help_markdown(), id="help-text")
