"""The help screen: the Markdown help text shipped with the app, and the keys from the command table."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

from ..commands import COMMANDS, key_label
from ..keymap import effective_keys

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"


def keys_markdown(user_keys: dict[str, str] | None = None) -> str:
    """The keys as they are bound now: the command table with the user's keymap applied."""
    keys = effective_keys(user_keys or {})
    lines = ["## Keys", ""]
    group = None
    for c in COMMANDS:
        if c.group != group:
            group = c.group
            lines += ["", f"**{group}**", "", "| key | what it does | id |", "|---|---|---|"]
        lines.append(f"| `{key_label(','.join(keys[c.id]))}` | {c.description} | `{c.id}` |")
    lines += [
        "",
        "`ctrl+p` opens the command palette: every command above, and the settings.",
        "Rebind a key by its id in the config file (see the README, *Config*).",
    ]
    return "\n".join(lines)


def help_markdown(user_keys: dict[str, str] | None = None) -> str:
    return HELP_FILE.read_text("utf-8") + "\n\n" + keys_markdown(user_keys)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Markdown(help_markdown(getattr(self.app, "user_keys", None)), id="help-text")
        yield Footer()
