"""Settings: partition type, MSHV version, hypervisor profile, CPU count (starts a new session)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select

from synic_core import SessionConfig
from synic_core.inputs.bad_input import InputError, one_line
from synic_core.model.config import MAX_CPUS
from synic_core.model.partitions import PARTITIONS
from synic_core.model.profiles import PROFILES
from synic_core.versions.registry import known, session_config, use


class SettingsScreen(ModalScreen[SessionConfig | None]):
    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+a", "apply", "apply", priority=True)]  # also in a text field

    def __init__(self, config: SessionConfig, patch_files: bool = True) -> None:
        super().__init__()
        self.config = config
        self.patch_files = patch_files  # False in a served session: nothing of the server is read

    def compose(self) -> ComposeResult:
        """A compact grid (label, one-line field) in a box that scrolls: Apply and Cancel fit 80×24."""
        c = self.config
        with VerticalScroll(id="settings-box"):
            yield Label("Settings: Apply replays the steps (other partition/CPUs: a new session)", id="settings-title")
            with Grid(id="settings-grid"):
                yield Label("Partition")
                yield Select(
                    [(f"{k} — {p.title}", k) for k, p in PARTITIONS.items()],
                    value=c.partition,
                    allow_blank=False,
                    compact=True,
                    id="partition",
                )
                yield Label("MSHV version")
                yield Select(
                    [(Text(f"{k} — {v.title}"), k) for k, v in known().items()],  # a patch file's title: never markup
                    value=c.mshv,
                    allow_blank=False,
                    compact=True,
                    id="mshv",
                )
                if self.patch_files:
                    yield Label("or patch file")
                    yield Input(placeholder="a .toml/.json patch file (synic versions)", compact=True, id="patch")
                yield Label("Hypervisor")
                yield Select(
                    [(f"{k} — {p.title}", k) for k, p in PROFILES.items()],
                    value=c.hypervisor,
                    allow_blank=False,
                    compact=True,
                    id="hypervisor",
                )
                yield Label(f"CPUs 1..{MAX_CPUS}")
                yield Input(str(c.cpus), type="integer", compact=True, id="cpus")
            yield Label("", id="settings-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Cancel", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#partition", Select).focus()

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted, "#cpus")
    @on(Input.Submitted, "#patch")
    def action_apply(self) -> None:
        try:
            config = session_config(
                partition=str(self.query_one("#partition", Select).value),
                mshv=self.chosen_version(),
                hypervisor=str(self.query_one("#hypervisor", Select).value),
                cpus=int(self.query_one("#cpus", Input).value or 0),
            )
        except (ValueError, InputError) as exc:  # a patch file's problem is one line naming the file and the field
            self.query_one("#settings-error", Label).update(Text(one_line(str(exc)), style="red"))
            return
        self.dismiss(config)

    def chosen_version(self) -> str:
        """The patch file when one is given (read, checked and registered now), else the version chosen."""
        patch = self.query("#patch").first(Input).value.strip() if self.patch_files else ""
        return use(patch) if patch else str(self.query_one("#mshv", Select).value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
