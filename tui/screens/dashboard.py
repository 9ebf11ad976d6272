"""The dashboard: the grid, the side panels, playback write by write, time travel, lessons, presenter mode.

A Screen with its own bindings (from the command table); the App around it only keeps settings,
themes and the command palette. Every simulation decision is made by `synic_core`. This screen
composes the parts and dispatches keys to them: the session and what happens to it are
`SessionController` (pure) run by `SessionActions`, playback and time travel `Player`, the panels
`Sidebar` and `StatusBar` (redrawn by `DashboardBase`), lessons `LessonRunner`, files `SessionFiles`.
"""

from __future__ import annotations

from pathlib import Path

from textual import events, on
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Static

from synic_core import Session, StepResult
from synic_core.model.actions import ACTIONS
from synic_core.model.columns import columns_for
from synic_core.model.registers import BANK_TITLES
from synic_core.model.vocabulary import ActionName
from synic_core.scenarios.lesson import Lesson
from synic_core.traces.session import READ_ONLY, TraceSession
from tui.commands import bindings
from tui.palette import SynicCommands
from tui.screens.dashboard_base import DashboardBase
from tui.screens.lesson_runner import LessonRunner
from tui.screens.player import Player
from tui.screens.session_actions import SessionActions
from tui.screens.session_files import NOT_SAVED, SessionFiles
from tui.serve.files import Serving
from tui.state.display import Display
from tui.state.exports import Exported
from tui.state.playback import PRESENTER_SPEED, Playback
from tui.state.session_controller import SessionController
from tui.widgets.grid import SynicGrid
from tui.widgets.panels import FindingsPanel
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_bar import StatusBar

LESSON_ACTIONS = frozenset({"lesson_next", "lesson_prev"})
SIM_ACTIONS = frozenset({"sim", "toggle_online"})
SAVE_ACTION = ("export", ("session",))
MIN_SIZE = (60, 14)
NARROW = 110  # below this width the panels go under the grid


class DashboardScreen(DashboardBase):
    """A live grid of CPUs × SynIC register fields; actions play back one MSR write at a time."""

    BINDINGS = bindings("dashboard")
    COMMANDS = {SynicCommands}

    def __init__(
        self,
        session: Session,
        *,
        instant: bool = False,
        lesson: Lesson | None = None,
        opened: Path | None = None,
        manual_ticks: bool = False,
        serving: Serving | None = None,
    ) -> None:
        super().__init__()
        self.controller = SessionController(session, opened)
        self.view = Display(session)
        self.playback = Playback(instant=instant)
        self.actions: SessionActions = SessionActions(self)
        self.player: Player = Player(self)
        self.lessons: LessonRunner = LessonRunner(self)
        self.files = SessionFiles(self, serving)
        self._told_off_screen = False  # the hint about columns off to the right is given once
        self._before_presenter: tuple[bool, int] | None = None  # instant and speed before presenter mode
        self._initial_lesson = lesson
        self._manual_ticks = manual_ticks  # tests call tick() themselves: no wall clock
        self.set_reactive(DashboardScreen.instant, instant)

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(self.view, self.playback)
        with Horizontal(id="main"):
            yield SynicGrid(self.view, columns_for(self.session.config.partition_spec), id="grid")
            yield Sidebar(self.view, id="sidebar")
        yield Static(id="caption")
        yield Static(f"The terminal is too small for SynIC Lab: it needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_panels(rebuild_trace=True))
        if not self._manual_ticks:
            self.player.start_clock()
        self.grid.focus()
        self.refresh_panels(rebuild_trace=True)
        self.files.say_when_cut(self.session)
        if self._initial_lesson is not None:
            self.lessons.start(self._initial_lesson)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "too-small")
        self.set_class(width < NARROW, "narrow")

    # -- reactives ------------------------------------------------------------------------
    def watch_paused(self, paused: bool) -> None:
        self.playback.paused = paused
        if not paused and self.view.playing:
            self.player.resume()
        self.refresh_status()

    def watch_instant(self, instant: bool) -> None:
        self.playback.instant = instant
        if instant and self._ready:
            self.player.finish()
        self.refresh_status()

    def watch_speed_index(self, index: int) -> None:
        self.playback.speed_index = index
        self.refresh_status()

    def watch_presenter(self, presenter: bool) -> None:
        """Big cells, no side panels, a caption, animated playback; a lesson then plays by itself."""
        self.set_class(presenter, "presenter")
        self.sidebar.display = not presenter
        self.grid.set_large(presenter)
        if presenter:
            self._before_presenter = (self.instant, self.speed_index)
            self.instant = False
            self.speed_index = PRESENTER_SPEED
            self.lessons.schedule_autoplay()
        elif self._before_presenter is not None:  # back to the playback the user had chosen
            (self.instant, self.speed_index), self._before_presenter = self._before_presenter, None
        self.refresh_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what works now: a lesson's keys during a lesson; a trace's writes are read, not made."""
        if action in LESSON_ACTIONS:
            return self.lessons.lesson is not None
        if self.why_disabled(action, parameters) is not None:
            return None  # shown dimmed: a trace session replays what a machine did
        return True

    def why_disabled(self, action: str, parameters: tuple[object, ...]) -> tuple[str, str] | None:
        """(title, message) of a toast saying why an action does nothing in this session, or None when it works."""
        if not isinstance(self.session, TraceSession):
            return None
        if action in SIM_ACTIONS:
            return "Cannot apply", READ_ONLY[0].upper() + READ_ONLY[1:]
        if (action, parameters) == SAVE_ACTION:
            return "Not saved", NOT_SAVED
        return None

    def say_disabled(self, action: str, parameters: tuple[object, ...]) -> None:
        """A disabled action's key (or palette entry) still says why nothing happens."""
        why = self.why_disabled(action, parameters)
        if why is not None:
            self.notify(why[1], severity="warning", title=why[0], markup=False, timeout=10)

    def on_key(self, event: events.Key) -> None:
        """An action's key in a trace session (shown disabled) still says why nothing happens."""
        for binding in self._bindings.key_to_bindings.get(event.key, []):
            _, name, parameters = parse_action(binding.action)
            if self.why_disabled(name, parameters) is not None:
                self.say_disabled(name, parameters)
                return

    # -- actions on the simulation --------------------------------------------------------
    def action_sim(self, name: ActionName) -> None:
        self.lessons.leave()
        self.player.finish()
        cpus = [self.grid.cursor_cpu] if ACTIONS[name].target == "one" else self.grid.chosen_cpus()
        self.actions.apply(name, cpus, then=self._say_moved if name == "move_channels" else None)

    def _say_moved(self, step: StepResult) -> None:
        """M writes no MSR, so the grid may not change: say what moved, or why nothing did."""
        if step.notes:
            said = "; ".join(step.notes)
            self.notify(f"{said[0].upper()}{said[1:]}.", title="Move channels", markup=False)
        self._say_refusals(step)

    def action_toggle_online(self) -> None:
        self.lessons.leave()
        cpus = self.grid.chosen_cpus()
        online = {self.view.cpus[c].online for c in cpus}
        if online == {True, False}:
            self.notify("The chosen CPUs are partly online and partly offline; choose one kind.", severity="warning")
            return
        self.player.finish()
        self.actions.apply("cpu_offline" if online == {True} else "cpu_online", cpus, then=self._say_refusals)

    def _say_refusals(self, step: StepResult) -> None:
        """Why a CPU stayed online (x86 never offlines CPU 0; a CPU holding a VMBus channel is refused)."""
        for f in step.findings:
            if f.kind == "refused":
                self.notify(f.message, severity="warning", title="CPU stays online", markup=False)

    def action_undo(self) -> None:
        if not self.actions.busy():
            self.lessons.leave()
            self.player.finish()
            self.actions.undo()

    def action_redo(self) -> None:
        if not self.actions.busy():
            self.lessons.leave()
            self.player.finish()
            self.actions.redo()

    # -- playback and time travel ---------------------------------------------------------
    def action_finish(self) -> None:
        self.player.finish()

    def action_toggle_pause(self) -> None:
        if not self.view.playing:
            if not self.player.play_from_here(paused=False):
                self.notify("Nothing to play: this is the present ([ { go back).")
            return
        self.paused = not self.paused

    def action_step_write(self) -> None:
        if not self.view.playing and not self.player.play_from_here(paused=True):
            self.notify("Nothing to play: this is the present ([ { go back).")
            return
        self.paused = True
        self.player.advance(1)

    def action_speed(self, delta: int) -> None:
        self.playback.change_speed(delta)
        self.instant = False
        self.speed_index = self.playback.speed_index

    def action_toggle_instant(self) -> None:
        self.instant = not self.instant

    def action_travel_write(self, delta: int) -> None:
        self.player.travel(self.view.position + delta)

    def action_travel_step(self, delta: int) -> None:
        self.player.travel_step(delta)

    # -- panels ---------------------------------------------------------------------------
    @on(SynicGrid.ColumnsOffScreen, "#grid")
    def _columns_off_screen(self, event: SynicGrid.ColumnsOffScreen) -> None:
        """Say once where the columns that do not fit are (the nested bank beside the side panels, at 120 columns)."""
        if self._told_off_screen or not self._ready:
            return
        self._told_off_screen = True
        banks = {c.bank for c in event.columns}
        what = f"Columns of the {BANK_TITLES['l0']} bank" if banks == {"l0"} else f"{len(event.columns)} register columns"
        self.notify(f"{what} are off to the right: → scrolls there, w hides the side panels.", timeout=6, markup=False)

    @on(SynicGrid.CursorMoved, "#grid")
    def _cursor_moved(self) -> None:
        self._refresh_inspector()
        self.sidebar.follow_cpu(self.grid.cursor_cpu)

    @on(FindingsPanel.FindingChosen)
    def _finding_chosen(self, event: FindingsPanel.FindingChosen) -> None:
        """The cursor goes to the group's first cell; the list keeps its place (the inspector is `n` away)."""
        f = event.finding
        if f.cpu is not None:
            self.grid.move_to(f.cpu, self.grid.column_of(f.bank, f.register, f.field))

    def action_search_findings(self) -> None:
        self.sidebar.open_search(reveal=not self.presenter)

    def action_select_all(self) -> None:
        """Every online CPU, whichever panel has the focus: the actions use the grid's selection."""
        self.grid.action_select_all()

    def action_back_to_grid(self) -> None:
        """escape from a side panel (the search field handles its own first: it clears and goes back to the list)."""
        self.grid.focus()

    def action_toggle_sidebar(self) -> None:
        self.sidebar.toggle()

    def action_trace_component(self) -> None:
        self.sidebar.cycle_trace_component()
        self.action_panel("trace")

    def action_trace_cpu(self) -> None:
        self.sidebar.toggle_trace_cpu(self.grid.cursor_cpu)
        self.action_panel("trace")

    def action_presenter(self) -> None:
        self.presenter = not self.presenter

    # -- lessons, files and other screens -------------------------------------------------
    def action_lesson_next(self) -> None:
        self.lessons.next()

    def action_lesson_prev(self) -> None:
        self.lessons.previous()

    def action_lessons(self) -> None:
        self.lessons.choose()

    def action_open_file(self) -> None:
        self.files.open()

    def action_export(self, kind: Exported, then_quit: bool = False) -> None:
        self.files.export(kind, then_quit)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_bits(self) -> None:
        from tui.screens.bits import BitsScreen

        col = self.grid.column
        self.app.push_screen(BitsScreen(self.view, col.bank, col.register, self.grid.cursor_cpu))

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.session.config, patch_files=self.files.serving is None), self.actions.apply_settings)

    def action_text_dump(self) -> None:
        from synic_core.reports.text_grid import text_grid
        from tui.screens.text_dump import TextDumpScreen

        self.player.finish()
        self.app.push_screen(TextDumpScreen(text_grid(self.session, predicted=self.view.outcome_unknown)))

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        self.player.finish()
        self.app.push_screen(CompareScreen(self.session))

    def action_explore(self) -> None:
        from tui.screens.explorer import ExplorerScreen

        self.app.push_screen(ExplorerScreen(self.session.config), self.actions.open_scenario)

    # -- replacing the session ------------------------------------------------------------
    def set_setting(self, name: str, value: str | int) -> None:
        """The palette's "MSHV version: v4" and the like."""
        self.actions.set_setting(name, value)

    def action_request_quit(self) -> None:
        """Quit, asking once when steps would be lost."""
        self.files.quit()
