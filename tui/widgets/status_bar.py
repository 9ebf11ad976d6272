"""The two lines above the grid: the session's summary with what plays (or what a worker computes), and the timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Static

from tui.state.describe import status_line, timeline
from tui.state.display import Display
from tui.state.playback import Playback


class StatusBar(Vertical):
    """`#status` and `#timeline`, drawn from the display and the playback; `working` says what a worker computes.

    Setting `working` (the screen does when a worker starts or ends) redraws both lines; the screen calls `show()`
    after playback moved the display on."""

    DEFAULT_CSS = "StatusBar { height: auto; }"

    working: var[str] = var("")  # what a worker computes, with the actions queued behind it ("" when idle)

    def __init__(self, view: Display, playback: Playback, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.playback = playback

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="timeline")

    def watch_working(self) -> None:
        self.show()

    def show(self) -> None:
        if not self.is_mounted:
            return
        palette = self.app.theme_variables
        playing = self.working or self.playback.label(self.view)
        self.query_one("#status", Static).update(status_line(self.view, playing, palette))
        self.query_one("#timeline", Static).update(timeline(self.view, self.playback.travelling, palette))
