"""The dashboard: the grid, the side panels, playback write by write, time travel, lessons, presenter mode.

A Screen with its own bindings (from the command table); the App around it only keeps settings,
themes and the command palette. Every simulation decision is made by `synic_core`; this screen
renders and dispatches.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from time import monotonic
from typing import NamedTuple

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Markdown, Static, TabbedContent, TabPane, Tabs

from synic_core import ActionError, Session, SessionConfig, StepResult, Write
from synic_core.inputs.bad_input import InputError
from synic_core.model.actions import ACTIONS
from synic_core.model.columns import columns_for
from synic_core.model.registers import BANK_TITLES
from synic_core.scenarios.lesson import Lesson, load_lesson
from synic_core.scenarios.scenario import builtin_names, parse_scenario, replay, session_scenario, with_settings
from synic_core.storage.save_guard import SaveGuard
from synic_core.traces.session import READ_ONLY, TraceSession
from synic_core.versions.registry import session_config
from tui.commands import bindings
from tui.palette import SynicCommands
from tui.screens.open import lesson_choices
from tui.serve.files import Serving, list_files
from tui.state.describe import LEGEND, inspector, opened_trace, status_line, timeline
from tui.state.display import Display
from tui.state.exports import EXPORTS, Exported, export_paths, write_export
from tui.state.lesson_text import caption, lesson_markdown
from tui.state.opening import Opened, open_file, served_open
from tui.state.playback import PRESENTER_SPEED, TICK, Playback
from tui.widgets.grid import SynicGrid
from tui.widgets.panels import FindingsPanel, FindingsSearch, Inspector, Legend, TracePanel

BACKGROUND_CPUS = 256  # from this many CPUs an action is computed in a worker thread
LESSON_ACTIONS = frozenset({"lesson_next", "lesson_prev"})
SIM_ACTIONS = frozenset({"sim", "toggle_online"})
PRESENTER_PAUSE = 3.0  # seconds between lesson steps when presenter mode plays a lesson by itself
MAX_TICK = 0.25  # a stalled frame plays at most this much time at once
FINDINGS_PERIOD = 0.25  # seconds between findings-list rebuilds during playback
MIN_SIZE = (60, 14)
NARROW = 110  # below this width the panels go under the grid


class Kept(NamedTuple):
    """A session another one replaced, as it was: `z` on an empty history brings it back."""

    session: Session
    opened: Path | None
    saved: object  # its last saved step


def unsaved_after(history: Sequence[object], saved: object) -> int:
    """Steps after the last saved one (all of them when none was saved)."""
    if not history or history[-1] is saved:
        return 0
    done = next((i + 1 for i, step in enumerate(history) if step is saved), 0)
    return len(history) - done


class DashboardScreen(Screen[None]):
    """A live grid of CPUs × SynIC register fields; actions play back one MSR write at a time."""

    BINDINGS = bindings("dashboard")
    COMMANDS = {SynicCommands}

    presenter: var[bool] = var(False)
    paused: var[bool] = var(False)
    instant: var[bool] = var(False)
    speed_index: var[int] = var(Playback().speed_index)

    def __init__(
        self,
        session: Session,
        *,
        instant: bool = False,
        lesson: Lesson | None = None,
        opened: Path | None = None,
        manual_ticks: bool = False,
        serving: Serving | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.session = session
        self.view = Display(session)
        self.playback = Playback(instant=instant)
        self.opened = opened  # the scenario file this session came from: the default place to save it
        self.saves = SaveGuard()
        if opened is not None:
            self.saves.remember(opened)
        self.previous: list[Kept] = []  # sessions this one replaced: undo goes back to them
        self._saved: object = None  # the last step saved (or opened); steps after it would be lost
        self._quit_after_save = False  # the last step when the session was opened or saved (None: nothing saved)
        self.lesson: Lesson | None = None
        self.lesson_pos = 0
        self.presenter_pause = PRESENTER_PAUSE
        self._told_off_screen = False  # the hint about columns off to the right is given once
        self._before_presenter: tuple[bool, int] | None = None  # instant and speed before presenter mode
        self._initial_lesson = lesson
        self._manual_ticks = manual_ticks  # tests call tick() themselves: no wall clock
        self.serving = serving  # in a visitor's browser: no file of the server is written or offered
        self._ready = False  # panels exist (watchers may fire earlier)
        self._timer: Timer | None = None
        self._last_tick = 0.0
        self._trace_dirty = False
        self._through = False  # playing on from a past position: each step's end begins the next, up to the present
        self._pending: list[tuple[str, list[int], Callable[[StepResult], None] | None]] = []
        self.computing = ""  # what a worker is computing ("" when idle): shown in the status line
        self._findings_timer: Timer | None = None
        self._findings_dirty = False
        self.set_reactive(DashboardScreen.instant, instant)

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="timeline")
        with Horizontal(id="main"):
            yield SynicGrid(self.view, columns_for(self.session.config.partition_spec), id="grid")
            with Vertical(id="sidebar"), TabbedContent(id="tabs", initial="findings"):
                with TabPane("Findings", id="findings"):
                    yield Static(id="findings-filter", classes="panel-label", markup=False)
                    yield FindingsSearch(id="findings-search")
                    yield FindingsPanel(id="findings-list")
                with TabPane("Trace", id="trace"):
                    yield Static(id="trace-filter", classes="panel-label", markup=False)
                    yield TracePanel(id="trace-log")
                with TabPane("Inspector", id="inspector"):
                    yield Inspector(id="inspector-text")
                with TabPane("Legend", id="legend"):
                    yield Legend(LEGEND, id="legend-text")
                with TabPane("Lesson", id="lesson"), VerticalScroll(id="lesson-scroll", can_focus=True):
                    yield Markdown("No lesson. Press **L** to choose one.", id="lesson-text")
        yield Static(id="caption")
        yield Static(f"The terminal is too small for SynIC Lab: it needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_panels(rebuild_trace=True))
        if not self._manual_ticks:
            self._timer = self.set_interval(TICK, self._timer_tick, pause=True)
        self.query_one("#tabs", TabbedContent).query_one(Tabs).can_focus = False  # tab goes straight to a panel
        self.grid.focus()
        self.refresh_panels(rebuild_trace=True)
        if self._initial_lesson is not None:
            self.start_lesson(self._initial_lesson)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "too-small")
        self.set_class(width < NARROW, "narrow")

    @property
    def grid(self) -> SynicGrid:
        return self.query_one("#grid", SynicGrid)

    # -- reactives ------------------------------------------------------------------------
    def watch_paused(self, paused: bool) -> None:
        self.playback.paused = paused
        if not paused and self._timer is not None and self.view.playing:
            self._last_tick = monotonic()
            self._timer.resume()
        self.refresh_status()

    def watch_instant(self, instant: bool) -> None:
        self.playback.instant = instant
        if instant and self._ready:
            self.finish_playback()
        self.refresh_status()

    def watch_speed_index(self, index: int) -> None:
        self.playback.speed_index = index
        self.refresh_status()

    def watch_presenter(self, presenter: bool) -> None:
        """Big cells, no side panels, a caption, animated playback; a lesson then plays by itself."""
        self.set_class(presenter, "presenter")
        self.query_one("#sidebar").display = not presenter
        self.grid.set_large(presenter)
        if presenter:
            self._before_presenter = (self.instant, self.speed_index)
            self.instant = False
            self.speed_index = PRESENTER_SPEED
            self._schedule_autoplay()
        elif self._before_presenter is not None:  # back to the playback the user had chosen
            (self.instant, self.speed_index), self._before_presenter = self._before_presenter, None
        self.refresh_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what works now: a lesson's keys during a lesson; a trace's writes are read, not made."""
        if action in LESSON_ACTIONS:
            return self.lesson is not None
        if action in SIM_ACTIONS and isinstance(self.session, TraceSession):
            return None  # shown dimmed: a trace session replays what a machine did
        return True

    def on_key(self, event: events.Key) -> None:
        """An action's key in a trace session (shown disabled) still says why nothing happens."""
        if not isinstance(self.session, TraceSession):
            return
        actions = {b.action.split("(")[0] for b in self._bindings.key_to_bindings.get(event.key, [])}
        if actions & SIM_ACTIONS:
            self.notify(READ_ONLY[0].upper() + READ_ONLY[1:], severity="warning", title="Cannot apply", markup=False)

    # -- actions on the simulation --------------------------------------------------------
    def action_sim(self, name: str) -> None:
        self.leave_lesson()
        self.finish_playback()
        cpus = [self.grid.cursor_cpu] if ACTIONS[name].target == "one" else self.grid.chosen_cpus()
        self.apply(name, cpus)

    def action_toggle_online(self) -> None:
        self.leave_lesson()
        cpus = self.grid.chosen_cpus()
        online = {self.view.cpus[c].online for c in cpus}
        if online == {True, False}:
            self.notify("The chosen CPUs are partly online and partly offline; choose one kind.", severity="warning")
            return
        self.finish_playback()
        self.apply("cpu_offline" if online == {True} else "cpu_online", cpus)

    def apply(self, name: str, cpus: list[int], then: Callable[[StepResult], None] | None = None) -> None:
        """Compute the action (in a worker thread on a large machine, so input never waits), then play it.

        Actions asked for while one is computed wait their turn, in order (typing `a v m k` quickly works)."""
        if self.computing:
            self._pending.append((name, cpus, then))
            self.refresh_status()
            return
        if self.session.config.cpus < BACKGROUND_CPUS:
            self._applied(name, self._compute(name, cpus), then)
            return
        spec = ACTIONS[name]
        where = f"reboot CPU {cpus[0]}" if spec.target == "one" else f"{len(cpus)} CPU{'s' if len(cpus) != 1 else ''}"
        self.computing = f"computing {spec.title} on {where}…"
        self.refresh_status()
        self.run_worker(lambda: self._compute_in_thread(name, cpus, then), thread=True, group="apply", exit_on_error=False)

    def _compute(self, name: str, cpus: list[int]) -> StepResult | ActionError:
        try:
            return self.session.apply(name, cpus)
        except ActionError as exc:
            return exc

    def _compute_in_thread(self, name: str, cpus: list[int], then: Callable[[StepResult], None] | None) -> None:
        result = self._compute(name, cpus)
        self.app.call_from_thread(self._applied, name, result, then)

    def _applied(self, name: str, result: StepResult | ActionError, then: Callable[[StepResult], None] | None) -> None:
        self.computing = ""
        if isinstance(result, ActionError):
            self.notify(f"{ACTIONS[name].title}: {result.detail}", severity="error", title="Cannot apply", markup=False)
            self._pending.clear()  # the actions after it were chosen expecting it to apply
            self.refresh_status()
            return
        for note in result.notes:
            if note.startswith("not an order"):
                self.notify(note, severity="warning", title=ACTIONS[name].title, markup=False)
        self.play(result)
        if then is not None:
            then(result)
        self._next_pending()

    def _next_pending(self) -> None:
        """Actions typed while something was computed or written run now, in order."""
        if self._pending:
            self.finish_playback()
            self.apply(*self._pending.pop(0))

    def busy(self) -> bool:
        """An action is still being computed: the session must not change under it (say so, once per key)."""
        if self.computing:
            self.notify(f"Still {self.computing}", timeout=2, markup=False)
        return bool(self.computing)

    def action_undo(self) -> None:
        if self.busy():
            return
        self.leave_lesson()
        self.finish_playback()
        if self.session.undo() is None:
            if self.previous:
                self._restore_previous()
                return
            self.notify("Nothing to undo.")
        self.show_session_state()

    def _restore_previous(self) -> None:
        session, opened, saved = self.previous.pop()
        self._load(session)
        self.opened, self._saved = opened, saved  # what was unsaved there still is
        c = session.config
        self.notify(
            f"Back to the previous session: {c.partition}, mshv {c.mshv}, {c.hypervisor}, {len(session.history)} steps", markup=False
        )

    def action_redo(self) -> None:
        if self.busy():
            return
        self.leave_lesson()
        self.finish_playback()
        step = self.session.redo()
        if step is None:
            self.notify("Nothing to redo.")
            return
        self.play(step)

    def show_session_state(self) -> None:
        self.playback.travelling = False
        self.view.show_final()
        self.grid.invalidate()
        self.refresh_panels(rebuild_trace=True)

    # -- playback -------------------------------------------------------------------------
    def play(self, step: StepResult) -> None:
        self._through = False
        self.view.begin(step)
        self.grid.invalidate()
        self.playback.start()
        self.paused = False
        if self.instant or not step.writes:
            self.finish_playback()
        elif self._timer is not None:
            self._last_tick = monotonic()
            self._timer.resume()
        self.refresh_panels(rebuild_trace=True)

    def _timer_tick(self) -> None:
        """Play what the real elapsed time allows, so a slow frame makes playback skip ahead, not fall behind."""
        now = monotonic()
        elapsed, self._last_tick = min(now - self._last_tick, MAX_TICK), now
        self.tick(elapsed)

    def tick(self, seconds: float = TICK) -> None:
        """One timer tick (tests call it directly: playback never depends on the wall clock)."""
        if not self.view.playing:
            return
        n = self.playback.tick(seconds, self.view.total)
        if n:
            self.advance(n)

    def advance(self, n: int) -> None:
        step, start, previous = self.view.step, self.view.pos, self.view.last
        assert step is not None
        changed, revealed, done = self.view.advance(n)
        if self._trace_visible():
            self.query_one(TracePanel).add(step.index, step.writes[start : self.view.pos])
        else:
            self._trace_dirty = True  # rebuilt when the trace is shown: writing lines nobody sees is the slow part
        if done and self._play_on():
            self.grid.invalidate()
            self.refresh_panels(rebuild_trace=True)
            return
        if done:
            if self._timer is not None:
                self._timer.pause()
            self.grid.invalidate()  # driver flags and online state change at the end of an action
            self._schedule_autoplay()
        else:
            self.grid.refresh_cells(changed, previous)
        cursor_touched = done or any(c[0] == self.grid.cursor_cpu for c in changed)
        self.refresh_panels(findings=bool(revealed) or done, inspector=cursor_touched, now=done)

    def _play_on(self) -> bool:
        """Playing on from the past: begin the next step where one ended (False at the present)."""
        history = self.session.history
        if not self._through or self.view.upto >= len(history):
            self._through = False
            return False
        self.view.begin(history[self.view.upto])
        return True

    def play_from_here(self, paused: bool) -> bool:
        """Play the history on from the position shown (after time travel; a trace from its start when at its end).
        False when there is nothing after it."""
        view, history = self.view, self.session.history
        if view.playing or not history:
            return False
        if view.at_present:
            if not isinstance(self.session, TraceSession):
                return False
            view.show_upto(0)  # a trace session opens at its end: play it from its first write
        self._through = True
        view.begin(history[view.upto])
        self.grid.invalidate()
        self.playback.start()
        self.playback.travelling = True
        self.paused = paused
        if not paused and self._timer is not None:
            self._last_tick = monotonic()
            self._timer.resume()
        self.refresh_panels(rebuild_trace=True)
        return True

    def finish_playback(self) -> None:
        """Play the current step to its end and come back to the present (from time travel)."""
        self._through = False
        if self.view.playing:
            self.advance(self.view.total)
        if not self.view.at_present:
            self.show_session_state()

    def action_finish(self) -> None:
        self.finish_playback()

    def action_toggle_pause(self) -> None:
        if not self.view.playing:
            if not self.play_from_here(paused=False):
                self.notify("Nothing to play: this is the present ([ { go back).")
            return
        self.paused = not self.paused

    def action_step_write(self) -> None:
        if not self.view.playing and not self.play_from_here(paused=True):
            self.notify("Nothing to play: this is the present ([ { go back).")
            return
        self.paused = True
        self.advance(1)

    def action_speed(self, delta: int) -> None:
        self.playback.change_speed(delta)
        self.instant = False
        self.speed_index = self.playback.speed_index

    def action_toggle_instant(self) -> None:
        self.instant = not self.instant

    # -- time travel ----------------------------------------------------------------------
    def action_travel_write(self, delta: int) -> None:
        self._travel(self.view.position + delta)

    def action_travel_step(self, delta: int) -> None:
        """Mid-step, go to that step's start (back) or end (forward); between steps, move one step."""
        view = self.view
        if view.step is not None:
            target = view.step.index + (1 if delta > 0 else 0)
        else:
            target = max(0, min(len(self.session.history), view.upto + delta))
        self._travel(step=target)

    def _travel(self, position: int = 0, step: int | None = None) -> None:
        self._through = False
        if self._timer is not None:
            self._timer.pause()
        self.paused = True
        self.playback.travelling = True
        previous = self.view.last
        if step is not None:
            self.view.show_upto(step)
        else:
            self.view.seek(position)
        self.grid.invalidate()
        self.grid.refresh_cells(set(), previous)
        self.refresh_panels(rebuild_trace=True)

    # -- panels ---------------------------------------------------------------------------
    def refresh_status(self) -> None:
        if not self._ready:
            return
        palette = self.app.theme_variables
        queued = f" (+{len(self._pending)} queued)" if self._pending else ""
        playback = self.computing + queued if self.computing else self.playback.label(self.view)
        self.query_one("#status", Static).update(status_line(self.view, playback, palette))
        self.query_one("#timeline", Static).update(timeline(self.view, self.playback.travelling, palette))
        if self.presenter:
            self.query_one("#caption", Static).update(caption(self.lesson, self.lesson_pos))

    def refresh_panels(self, findings: bool = True, rebuild_trace: bool = False, inspector: bool = True, now: bool = True) -> None:
        """Status every time; the findings list at most every FINDINGS_PERIOD while playing."""
        self.refresh_status()
        if findings:
            self._findings_dirty = True
            if now:
                self._flush_findings()
            elif self._findings_timer is None:
                self._findings_timer = self.set_timer(FINDINGS_PERIOD, self._flush_findings)
        if rebuild_trace:
            self._rebuild_trace()
        if inspector:
            self._refresh_inspector()

    def _flush_findings(self) -> None:
        self._findings_timer = None
        if self._findings_dirty:
            self._findings_dirty = False
            self.query_one(FindingsPanel).show(self.view.findings, self.view.upto + (self.view.step is not None))

    def _played_writes(self) -> list[tuple[int, list[Write]]]:
        out = [(step.index, step.writes) for step in self.session.history[: self.view.upto]]
        if self.view.step is not None:
            out.append((self.view.step.index, self.view.step.writes[: self.view.pos]))
        return out

    def _refresh_inspector(self) -> None:
        grid = self.grid
        self.query_one(Inspector).update(inspector(self.view, grid.cursor_cpu, grid.column, self.app.theme_variables))

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
        trace = self.query_one(TracePanel)
        if trace.cpu is not None:
            trace.cpu = self.grid.cursor_cpu
            self._rebuild_trace()

    def _trace_visible(self) -> bool:
        return bool(self.query_one("#sidebar").display) and self.query_one(TabbedContent).active == "trace"

    def _rebuild_trace(self) -> None:
        self._trace_dirty = False
        trace = self.query_one(TracePanel)
        trace.rebuild(self._played_writes())
        self.query_one("#trace-filter", Static).update(trace.filter_label())

    @on(FindingsPanel.FindingChosen)
    def _finding_chosen(self, event: FindingsPanel.FindingChosen) -> None:
        """The cursor goes to the group's first cell; the list keeps its place (the inspector is `n` away)."""
        f = event.finding
        if f.cpu is None:
            return
        col = self.grid.column_of(f.bank, f.register, f.field)
        self.grid.move_to(f.cpu, col)

    @on(FindingsPanel.FilterChanged)
    def _findings_filter_changed(self, event: FindingsPanel.FilterChanged) -> None:
        self.query_one("#findings-filter", Static).update(event.summary)

    @on(FindingsPanel.SearchRequested)
    def action_search_findings(self) -> None:
        self.action_panel("findings")
        search = self.query_one("#findings-search", Input)
        search.display = True
        search.focus()

    @on(Input.Changed, "#findings-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_one(FindingsPanel).search_text = event.value.strip()

    @on(Input.Submitted, "#findings-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value.strip())
        self.query_one(FindingsPanel).focus()

    def action_select_all(self) -> None:
        """Every online CPU, whichever panel has the focus: the actions use the grid's selection."""
        self.grid.action_select_all()

    def action_back_to_grid(self) -> None:
        """escape from a side panel (the search field handles its own first: it clears and goes back to the list)."""
        self.grid.focus()

    def action_panel(self, name: str) -> None:
        """Show a side panel (in presenter mode only switch the tab: the panels stay hidden)."""
        if not self.presenter:
            self.query_one("#sidebar").display = True
        self.query_one(TabbedContent).active = name
        if name == "trace" and self._trace_dirty:
            self._rebuild_trace()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        self._trace_shown()

    @on(TabbedContent.TabActivated, "#tabs")
    def _trace_shown(self) -> None:
        if self._trace_dirty and self._trace_visible():
            self._rebuild_trace()

    def action_trace_component(self) -> None:
        self.query_one(TracePanel).cycle_component()
        self._rebuild_trace()
        self.action_panel("trace")

    def action_trace_cpu(self) -> None:
        trace = self.query_one(TracePanel)
        trace.cpu = None if trace.cpu is not None else self.grid.cursor_cpu
        self._rebuild_trace()
        self.action_panel("trace")

    def action_presenter(self) -> None:
        self.presenter = not self.presenter

    def _schedule_autoplay(self) -> None:
        if self.presenter and self.lesson is not None and self.lesson_pos < len(self.lesson.steps):
            self.set_timer(self.presenter_pause, self.autoplay_next)

    def autoplay_next(self) -> None:
        """Presenter mode with a lesson: play its next step (called by a timer after each pause)."""
        if self.presenter and self.lesson is not None and not self.view.playing:
            self.action_lesson_next()

    # -- lessons --------------------------------------------------------------------------
    def start_lesson(self, lesson: Lesson) -> None:
        self.open_session(Session(lesson.config()))
        self.lesson, self.lesson_pos = lesson, 0
        self._show_lesson()
        self.refresh_bindings()  # the footer shows the lesson's keys

    def leave_lesson(self) -> None:
        """Any other action leaves the lesson; the state stays, so exploring goes on from here."""
        if self.lesson is not None:
            self.lesson = None
            self.refresh_bindings()
            self.query_one("#lesson-text", Markdown).update(
                "You left the lesson; everything you see is yours to explore. Press **L** for a lesson."
            )

    def _show_lesson(self) -> None:
        assert self.lesson is not None
        self.query_one("#lesson-text", Markdown).update(lesson_markdown(self.lesson, self.lesson_pos))
        self.action_panel("lesson")
        self.refresh_status()

    def action_lesson_next(self) -> None:
        if self.lesson is None:
            self.notify("No lesson running: press L to choose one.")
            return
        if self.lesson_pos >= len(self.lesson.steps):
            self.notify("That was the last step. Keep exploring, or press L for another lesson.")
            return
        if self.busy():
            return
        self.finish_playback()
        step = self.lesson.steps[self.lesson_pos]
        cpus = step.cpus or (self.session.resolve_cpus(step.action, None))
        self.apply(step.action, cpus, then=self._lesson_step_played)
        self._show_lesson()

    def _lesson_step_played(self, _step: StepResult) -> None:
        self.lesson_pos += 1
        self._show_lesson()

    def action_lesson_prev(self) -> None:
        if self.lesson is None or self.lesson_pos == 0 or self.busy():
            return
        self.finish_playback()
        self.session.undo()
        self.lesson_pos -= 1
        self.show_session_state()
        self._show_lesson()

    def action_lessons(self) -> None:
        from tui.screens.lessons import LessonsScreen

        self.app.push_screen(LessonsScreen(self.lesson is not None), self._lesson_chosen)

    def _lesson_chosen(self, name: str | None) -> None:
        from tui.screens.lessons import LEAVE

        if name == LEAVE:
            self.leave_lesson()
        elif name:
            self.start_lesson(load_lesson(name))

    # -- opening, saving and exporting ----------------------------------------------------
    def action_open_file(self) -> None:
        from tui.screens.open import OpenScreen

        self.finish_playback()
        if self.serving is not None:
            files = self.serving.files
            offered = [*builtin_names(), *lesson_choices(), *([f.name for f in list_files(files)] if files else [])]
            title = "Open a built-in scenario or lesson" + (", or a file the teacher shared" if files else "")
            self.app.push_screen(OpenScreen(title, "", lambda name: served_open(name, files), offered), self._opened)
            return
        default = str(self.opened) if self.opened else ""
        title = "Open a scenario, a saved session, a lesson, a patch file, a real trace (write_msr text) or a built-in scenario by name"
        self.app.push_screen(OpenScreen(title, default, open_file), self._opened)

    def _opened(self, opened: Opened | None) -> None:
        if opened is None:
            return
        if opened.lesson is not None:
            self.start_lesson(opened.lesson)
            self.opened = None
            title = f"Lesson: {opened.lesson.title or opened.lesson.name or 'from file'}"
            self.notify(f"{len(opened.lesson.steps)} steps: > plays the next one, < goes back", title=title, markup=False)
            return
        if opened.version is not None:  # a patch file: these steps under its version, as Settings would
            self.set_setting("mshv", opened.version)
            return
        session, path = opened.session, opened.path
        self.leave_lesson()
        self.open_session(session)
        self.opened = path
        if path is not None:
            self.saves.remember(path)
        self._say_opened(session, path)
        for notice in opened.notices:
            self.notify(notice, severity="warning", markup=False, timeout=10)

    def _say_opened(self, session: Session, path: Path | None) -> None:
        if isinstance(session, TraceSession):
            title, message = opened_trace(session)
            self.notify(message, title=title, markup=False, timeout=10)
            return
        c = session.config
        self.notify(
            f"{c.partition}, mshv {c.mshv}, {c.hypervisor}, {c.cpus} CPUs, {len(session.history)} steps (z undoes them one by one)",
            title=f"Opened {path or 'built-in scenario'}",
            markup=False,
        )

    def action_export(self, kind: Exported, then_quit: bool = False) -> None:
        from tui.screens.save import SaveScreen

        self.finish_playback()
        self._quit_after_save = then_quit  # quitting asked to save first: leave once the session is saved
        spec = EXPORTS[kind]
        if self.serving is not None:
            self._download(kind)
            return
        default = str(self.opened.with_suffix(".json")) if kind == "session" and self.opened else spec.default
        # a screenshot shows the dashboard as it was when asked for, not the dialog over it
        shot = self.app.export_screenshot(title="SynIC Lab") if kind == "svg" else ""
        self.app.push_screen(
            SaveScreen(
                spec.title,
                default,
                lambda path: self._write_export(kind, path, shot),
                lambda path: self.saves.conflicts(*export_paths(kind, path)),  # a screenshot's PNG too
            )
        )

    def _write_export(self, kind: Exported, path: Path, shot: str = "") -> str | None:
        """The save dialog's writer: None when written, else why not (the dialog shows it and stays open).

        A report of a large machine takes seconds to build: it is written by a worker thread, the
        status line says so, and the result is told when it is done (actions typed meanwhile wait)."""
        if kind in ("json", "markdown") and self.session.config.cpus >= BACKGROUND_CPUS and not self.computing:
            self.computing = f"writing {path.name}…"
            self.refresh_status()
            self.run_worker(lambda: self._export_in_thread(kind, path), thread=True, group="export", exit_on_error=False)
            return None
        try:
            written = write_export(self.session, kind, path, lambda: shot)
        except OSError as exc:
            return f"Could not write {path}: {exc.strerror or exc}. Any previous file is unchanged."
        self._exported(kind, path, written)
        return None

    def _export_in_thread(self, kind: Exported, path: Path) -> None:
        try:
            result: list[Path] | OSError = write_export(self.session, kind, path, lambda: "")
        except OSError as exc:
            result = exc
        self.app.call_from_thread(self._exported_in_background, kind, path, result)

    def _exported_in_background(self, kind: Exported, path: Path, result: list[Path] | OSError) -> None:
        self.computing = ""
        if isinstance(result, OSError):
            message = f"Could not write {path}: {result.strerror or result}. Any previous file is unchanged."
            self.notify(message, severity="error", title="Not saved", timeout=8, markup=False)
        else:
            self._exported(kind, path, result)
        self.refresh_status()
        self._next_pending()

    def _exported(self, kind: Exported, path: Path, written: list[Path]) -> None:
        for done in written:
            self.saves.remember(done)
        no_png = " (no PNG: pip install 'synic-lab[screenshots]' adds one)" if kind == "svg" and len(written) == 1 else ""
        self.notify(f"Wrote {', '.join(map(str, written))}{no_png}", title="Saved", markup=False)
        if kind == "session":
            self._session_saved(path)

    def _download(self, kind: Exported) -> None:
        """Served: the file goes to the visitor's browser as a download; nothing is written on the server."""
        spec = EXPORTS[kind]
        shot = self.app.export_screenshot(title="SynIC Lab") if kind == "svg" else ""
        text = spec.render(self.session, lambda: shot)
        self.app.deliver_text(io.StringIO(text), save_filename=spec.default, mime_type=spec.mime_type)
        self.notify(f"{spec.default} is on its way to your browser as a download.", title="Download", markup=False)
        if kind == "session":
            self._saved = self.session.history[-1] if self.session.history else None
            if self._quit_after_save:
                self.app.exit()

    def _session_saved(self, path: Path) -> None:
        """The next save offers the same file; nothing is unsaved; a quit that asked to save goes on."""
        self.opened = path
        self._saved = self.session.history[-1] if self.session.history else None
        if self._quit_after_save:
            self.app.exit()

    # -- other screens --------------------------------------------------------------------
    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_bits(self) -> None:
        from tui.screens.bits import BitsScreen

        col = self.grid.column
        self.app.push_screen(BitsScreen(self.view, col.bank, col.register, self.grid.cursor_cpu))

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen(self.session.config, patch_files=self.serving is None), self.apply_settings)

    def action_text_dump(self) -> None:
        from synic_core.reports.text_grid import text_grid
        from tui.screens.text_dump import TextDumpScreen

        self.finish_playback()
        self.app.push_screen(TextDumpScreen(text_grid(self.session)))

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        self.finish_playback()
        self.app.push_screen(CompareScreen(self.session))

    def action_explore(self) -> None:
        from tui.screens.explorer import ExplorerScreen

        self.app.push_screen(ExplorerScreen(self.session.config), self.open_scenario)

    # -- replacing the session ------------------------------------------------------------
    def open_scenario(self, data: dict[str, object] | None) -> None:
        """Replay a scenario (a counterexample, a lesson step list) into a new session."""
        if data is None:
            return
        try:
            session = replay(parse_scenario(data, str(data.get("name", "scenario"))))
        except InputError as exc:
            self.notify(str(exc), severity="error", title="Cannot open", markup=False)
            return
        self.open_session(session)
        self.notify(str(data.get("title", "Scenario loaded")), markup=False)

    def open_session(self, session: Session) -> None:
        """Show another session; the one it replaces is kept, and `z` on an empty history brings it back."""
        if self.busy():
            return
        self.finish_playback()
        if self.session.history:
            self.previous.append(Kept(self.session, self.opened, self._saved))
            n = len(self.session.history)
            self.notify(f"The previous session ({n} step{'s' if n != 1 else ''}) is kept: z brings it back.", timeout=4)
        self._load(session)

    def _load(self, session: Session) -> None:
        self.session = session
        self.refresh_bindings()  # a trace session has no actions to offer
        self.view = Display(session)
        self._saved = session.history[-1] if session.history else None
        self.grid.load(self.view, columns_for(session.config.partition_spec))
        self.refresh_panels(rebuild_trace=True)

    @property
    def unsaved_steps(self) -> int:
        """Steps added since the session was opened or saved (0 when nothing would be lost)."""
        return unsaved_after(self.session.history, self._saved)

    @property
    def unsaved_kept(self) -> tuple[int, int]:
        """(sessions, steps): the earlier sessions kept for `z` that have steps never saved."""
        counts = [n for n in (unsaved_after(k.session.history, k.saved) for k in self.previous) if n]
        return len(counts), sum(counts)

    def apply_settings(self, config: SessionConfig | None) -> None:
        """Other settings. Same partition and CPUs: replay these steps under the new version or profile."""
        if config is None or config == self.session.config:
            return
        old = self.session.config
        if self.session.history and (config.partition, config.cpus) == (old.partition, old.cpus):
            settings = {"mshv": config.mshv, "hypervisor": config.hypervisor}
            try:
                replayed = replay(with_settings(session_scenario(self.session), settings, "these steps"), "these steps")
            except InputError as exc:
                self.notify(f"These steps do not replay under {config.mshv}/{config.hypervisor}: {exc}", severity="warning", markup=False)
            else:
                self.open_session(replayed)
                self.notify(f"Replayed {len(replayed.history)} steps under mshv {config.mshv}, {config.hypervisor}.", markup=False)
                return
        self.open_session(Session(config))
        self.notify(f"New session: {config.partition}, mshv {config.mshv}, {config.hypervisor}, {config.cpus} CPUs")

    def action_request_quit(self) -> None:
        """Quit, asking once when steps would be lost."""
        from tui.screens.confirm import ConfirmQuitScreen

        kept_sessions, kept_steps = self.unsaved_kept
        if not self.unsaved_steps and not kept_steps:
            self.app.exit()
            return
        self.app.push_screen(ConfirmQuitScreen(self.unsaved_steps, kept_sessions, kept_steps), self._quit_chosen)

    def _quit_chosen(self, choice: str | None) -> None:
        if choice == "quit":
            self.app.exit()
        elif choice == "save":
            self.action_export("session", then_quit=True)

    def set_setting(self, name: str, value: str | int) -> None:
        fields: dict[str, object] = {"partition": self.session.config.partition, "mshv": self.session.config.mshv}
        fields |= {"hypervisor": self.session.config.hypervisor, "cpus": self.session.config.cpus, name: value}
        self.apply_settings(session_config(**fields))  # type: ignore[arg-type]  # palette values are table names
