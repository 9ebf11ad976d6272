"""The help screen: the keys first (from the command table, with the user's keymap), then the
Markdown help text shipped with the app."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown, Static

from synic_core.system.package import package_version
from tui.commands import COMMANDS, key_label
from tui.keymap import effective_keys

HELP_FILE = Path(__file__).resolve().parent.parent / "help.md"
KEYS_NOTE = (
    "ctrl+p opens the command palette: every command above, and the settings. Rebind a key by its id in the config file (README, Config)."
)


KEY_GLYPHS = {"slash": "/"}  # key_label (tui/commands.py) has the other names


def shown_keys(keys: list[str]) -> str:
    """The keys as the footer and README write them: `/`, not Textual's name `slash`."""
    return key_label(",".join(KEY_GLYPHS.get(k, k) for k in keys))


def keys_markdown(user_keys: dict[str, str] | None = None) -> str:
    """The keys as they are bound now, as Markdown: the command table with the user's keymap applied.

    One table for every group (a group is a bold row), so the columns line up from top to bottom."""
    keys = effective_keys(user_keys or {})
    lines = ["## Keys", "", "| key | what it does | id |", "|---|---|---|"]
    group = None
    for c in COMMANDS:
        if c.group != group:
            group = c.group
            lines.append(f"| **{group}** | | |")
        lines.append(f"| `{shown_keys(keys[c.id])}` | {c.description} | `{c.id}` |")
    lines += ["", KEYS_NOTE.replace("ctrl+p", "`ctrl+p`").replace("Config", "*Config*")]
    return "\n".join(lines)


def keys_table(user_keys: dict[str, str] | None = None) -> Table:
    """The same keys as one aligned table: key, what it does (wrapped), id; a bold row starts each group."""
    keys = effective_keys(user_keys or {})
    table = Table(box=None, expand=True, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("key", no_wrap=True, style="bold")
    table.add_column("what it does", ratio=1)
    table.add_column("id", no_wrap=True, style="dim")
    group = None
    for c in COMMANDS:
        if c.group != group:
            if group is not None:
                table.add_row()
            group = c.group
            table.add_row(Text(group, style="bold underline"))
        table.add_row(Text(shown_keys(keys[c.id])), Text(c.description), Text(c.id))
    return table


def help_markdown() -> str:
    """The prose that follows the keys."""
    return HELP_FILE.read_text("utf-8")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static(Text(f"SynIC Lab {package_version()} — keys (the guide follows below)", style="bold"), id="help-title")
            yield Static(keys_table(getattr(self.app, "user_keys", None)), id="help-keys")
            yield Static(Text(KEYS_NOTE, style="italic"), id="help-note")
            yield Markdown(help_markdown(), id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()
