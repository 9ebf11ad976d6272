"""The dashboard as its parts see it: where its state lives and how it is redrawn.

`DashboardScreen` hands itself to its parts (`SessionActions`, `Player`, `LessonRunner`, `SessionFiles`).
They type it as `DashboardBase`, which imports none of them (each part is a protocol here), so the
screen imports its parts and no part imports the screen: the import graph stays acyclic.
"""

from __future__ import annotations

from typing import Protocol

from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from synic_core import Session, StepResult
from synic_core.model.columns import columns_for
from synic_core.model.vocabulary import ActionName
from synic_core.scenarios.lesson import Lesson
from tui.state.describe import inspector
from tui.state.display import Display
from tui.state.lesson_text import caption
from tui.state.playback import Playback
from tui.state.session_controller import SessionController, Then
from tui.widgets.grid import SynicGrid
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_bar import StatusBar


class Actions(Protocol):
    """`SessionActions`, as the other parts use it."""

    def apply(self, name: ActionName, cpus: list[int], then: Then | None = None) -> None: ...
    def busy(self) -> bool: ...
    def open_session(self, session: Session) -> None: ...
    def next_pending(self) -> None: ...
    def set_setting(self, name: str, value: str | int) -> None: ...


class Playing(Protocol):
    """`Player`, as the other parts use it."""

    def play(self, step: StepResult) -> None: ...
    def finish(self) -> None: ...
    def show_present(self) -> None: ...


class Lessons(Protocol):
    """`LessonRunner`, as the other parts use it."""

    lesson: Lesson | None
    pos: int

    def start(self, lesson: Lesson) -> None: ...
    def leave(self) -> None: ...
    def schedule_autoplay(self) -> None: ...


class DashboardBase(Screen[None]):
    """The session (`controller`), what is shown of it (`view`, `playback`), the parts, the panels and their redraw."""

    presenter: var[bool] = var(False)
    paused: var[bool] = var(False)
    instant: var[bool] = var(False)
    speed_index: var[int] = var(Playback().speed_index)

    controller: SessionController
    view: Display
    playback: Playback
    actions: Actions
    player: Playing
    lessons: Lessons
    _ready = False  # the panels exist (watchers may fire earlier)

    @property
    def session(self) -> Session:
        return self.controller.session

    @property
    def grid(self) -> SynicGrid:
        return self.query_one("#grid", SynicGrid)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    def show_session(self) -> None:
        """The controller's session, freshly loaded: a new display for the grid and the panels."""
        self.refresh_bindings()  # a trace session has no actions to offer
        self.view = Display(self.session)
        self.query_one(StatusBar).view = self.sidebar.view = self.view
        self.grid.load(self.view, columns_for(self.session.config.partition_spec))
        self.refresh_panels(rebuild_trace=True)

    def refresh_status(self) -> None:
        if not self._ready:
            return
        bar = self.query_one(StatusBar)
        bar.working = self.controller.status
        bar.show()
        if self.presenter:
            self.query_one("#caption", Static).update(caption(self.lessons.lesson, self.lessons.pos))

    def refresh_panels(self, findings: bool = True, rebuild_trace: bool = False, inspector: bool = True, now: bool = True) -> None:
        """Status every time; the findings list at most every FINDINGS_PERIOD while playing."""
        self.refresh_status()
        if findings:
            self.sidebar.show_findings(now)
        if rebuild_trace:
            self.sidebar.rebuild_trace()
        if inspector:
            self._refresh_inspector()

    def _refresh_inspector(self) -> None:
        grid = self.grid
        self.sidebar.show_inspector(inspector(self.view, grid.cursor_cpu, grid.column, self.app.theme_variables))

    def action_panel(self, name: str) -> None:
        """Show a side panel (in presenter mode only switch the tab: the panels stay hidden)."""
        self.sidebar.show_tab(name, reveal=not self.presenter)
