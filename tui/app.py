"""SynIC Lab: the App keeps settings, themes, the command palette and the screen stack.

The dashboard itself (grid, panels, playback, lessons, presenter mode) is `DashboardScreen`;
each dialog is a screen of its own with its own keys. The App only builds the first screen and
applies the user's theme and key bindings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from synic_core import Session
from synic_core.scenarios.lesson import Lesson
from synic_core.versions.registry import session_config
from tui.commands import bindings
from tui.screens.dashboard import DashboardScreen
from tui.serve.files import Serving
from tui.themes import HIGH_CONTRAST, PALETTES


class SynicApp(App[None]):
    """See who owns the Hyper-V SynIC: a live grid of CPUs × SynIC register fields."""

    TITLE = "SynIC Lab"
    CSS_PATH = "synic.tcss"
    BINDINGS = bindings("app")

    def __init__(
        self,
        session: Session | None = None,
        *,
        instant: bool = False,
        lesson: Lesson | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        config_problems: list[str] | None = None,
        notices: list[str] | None = None,
        opened: Path | None = None,
        manual_ticks: bool = False,
        serving: Serving | None = None,
    ) -> None:
        super().__init__()
        self.user_keys = dict(keymap or {})  # command id -> keys, from the user config (checked by tui.keymap)
        self._theme_name = theme
        self._config_problems = config_problems or []
        self._notices = notices or []  # about the file opened at launch, e.g. its patch file changed since the save
        dashboard = DashboardScreen(
            session or Session(session_config()), instant=instant, lesson=lesson, opened=opened, manual_ticks=manual_ticks, serving=serving
        )
        self._first = dashboard
        self.rescued: Path | None = None  # where an internal error saved the session

    @property
    def dashboard(self) -> DashboardScreen:
        return self._first

    def get_default_screen(self) -> DashboardScreen:
        return self._first

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The $synic-* colours for dark or light themes (a theme may set its own)."""
        return dict(PALETTES[self.current_theme.dark])

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own, minus its Screenshot: the dashboard's screenshot (S) asks before replacing and saves atomically."""
        return [command for command in super().get_system_commands(screen) if command.title != "Screenshot"]

    async def action_quit(self) -> None:
        """ctrl+q and the palette's Quit ask the dashboard, which asks first when steps are unsaved."""
        self.dashboard.action_request_quit()

    def _handle_exception(self, error: Exception) -> None:
        """An internal error still ends the app, but the session on screen is saved first (tui/rescue.py)."""
        from tui.rescue import rescue_session

        self.rescued = rescue_session(self.dashboard.session)
        super()._handle_exception(error)

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        if self._theme_name:
            self.theme = self._theme_name
        if self.user_keys:
            self.set_keymap(self.user_keys)
        for notice in self._notices:
            self.notify(notice, title="Opened with a note", severity="warning", timeout=20, markup=False)
        if self._config_problems:
            self.notify(
                "\n".join([*self._config_problems, "synic config checks it."]),
                title="Config ignored: using the defaults",
                severity="warning",
                timeout=20,
                markup=False,
            )
