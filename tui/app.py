"""SynIC Lab dashboard: the grid, the side panels, playback of actions write by write.

The app renders and dispatches; every simulation decision is made by `synic_core`.
"""

from __future__ import annotations

from pathlib import Path

from textual import events, on
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Markdown, Static, TabbedContent, TabPane

from synic_core import ActionError, Session, SessionConfig, StepResult
from synic_core.actions import ACTIONS
from synic_core.columns import columns_for
from synic_core.lesson import Lesson, load_lesson
from synic_core.save_guard import SaveGuard

from .commands import COMMANDS, bindings
from .describe import LEGEND, inspector, status_line, timeline
from .display import Display
from .launch import Opened, open_file
from .lesson_text import lesson_markdown
from .palette import SynicCommands
from .themes import HIGH_CONTRAST, PALETTES
from .widgets.grid import SynicGrid
from .widgets.panels import FindingsPanel, Inspector, Legend, TracePanel

MAIN_SCREEN_ACTIONS = {c.action.split("(")[0] for c in COMMANDS if c.scope == "app" and c.action != "quit"}
SPEEDS = (2, 5, 10, 20, 50, 200)  # MSR writes per second
DEFAULT_SPEED = 3
TICK = 1 / 30
MAX_PLAYBACK_SECONDS = 4.0  # long actions speed up so they never take longer than this
PRESENTER_SPEED = 1  # index into SPEEDS: 5 writes/s, easy to follow on a projector
PRESENTER_PAUSE = 3.0  # seconds between lesson steps when presenter mode plays a lesson by itself
FINDINGS_PERIOD = 0.25  # seconds between findings-list rebuilds during playback
MIN_SIZE = (60, 14)
NARROW = 110  # below this width the panels go under the grid


class SynicApp(App[None]):
    """A live grid of CPUs × SynIC register fields; actions play back one MSR write at a time."""

    TITLE = "SynIC Lab"
    CSS_PATH = "synic.tcss"
    BINDINGS = bindings("app")
    COMMANDS = App.COMMANDS | {SynicCommands}

    def __init__(
        self,
        session: Session | None = None,
        *,
        instant: bool = False,
        lesson: Lesson | None = None,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        config_problems: list[str] | None = None,
        opened: Path | None = None,
    ) -> None:
        super().__init__()
        self.opened = opened  # the scenario file this session came from: the default place to save it
        self.saves = SaveGuard()
        if opened is not None:
            self.saves.remember(opened)
        self._theme_name = theme
        self.user_keys = dict(keymap or {})  # command id -> keys, from the user config (checked by tui.keymap)
        self._config_problems = config_problems or []
        self.lesson: Lesson | None = None
        self.lesson_pos = 0
        self.presenter = False
        self.presenter_pause = PRESENTER_PAUSE
        self._initial_lesson = lesson
        self.session = session or Session(SessionConfig())
        self.view = Display(self.session)
        self.speed_index = DEFAULT_SPEED
        self.instant = instant
        self.paused = False
        self._budget = 0.0
        self._timer: Timer | None = None
        self._findings_timer: Timer | None = None
        self._findings_dirty = False

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="timeline")
        with Horizontal(id="main"):
            yield SynicGrid(self.view, columns_for(self.session.config.partition_spec), id="grid")
            with Vertical(id="sidebar"), TabbedContent(id="tabs", initial="findings"):
                with TabPane("Findings", id="findings"):
                    yield FindingsPanel(id="findings-list")
                with TabPane("Trace", id="trace"):
                    yield TracePanel(id="trace-log")
                with TabPane("Inspector", id="inspector"):
                    yield Inspector(id="inspector-text")
                with TabPane("Legend", id="legend"):
                    yield Legend(LEGEND, id="legend-text")
                with TabPane("Lesson", id="lesson"):
                    yield Markdown("No lesson. Press **L** to choose one.", id="lesson-text")
        yield Static(id="caption")
        yield Static(f"The terminal is too small for SynIC Lab: it needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.", id="too-small")
        yield Footer()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The $synic-* colours for dark or light themes (a theme may set its own)."""
        return dict(PALETTES[self.current_theme.dark])

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_panels(rebuild_trace=True))
        self.register_theme(HIGH_CONTRAST)
        if self._theme_name:
            self.theme = self._theme_name
        if self.user_keys:
            self.set_keymap(self.user_keys)
        if self._config_problems:
            self.notify(
                "\n".join([*self._config_problems, "synic config checks it."]),
                title="Config ignored: using the defaults",
                severity="warning",
                timeout=20,
                markup=False,
            )
        self._timer = self.set_interval(TICK, self._tick, pause=True)
        self.query_one(SynicGrid).focus()
        self.refresh_panels(rebuild_trace=True)
        if self._initial_lesson is not None:
            self.start_lesson(self._initial_lesson)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        main = self.screen_stack[0] if self.screen_stack else self.screen
        main.set_class(width < MIN_SIZE[0] or height < MIN_SIZE[1], "too-small")
        main.set_class(width < NARROW, "narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On another screen (help, bits, settings, compare) only that screen's keys and quit work."""
        on_main = self.screen is self.screen_stack[0] if self.screen_stack else True
        return on_main or action not in MAIN_SCREEN_ACTIONS

    @property
    def grid(self) -> SynicGrid:
        return self.query_one(SynicGrid)

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

    def apply(self, name: str, cpus: list[int]) -> StepResult | None:
        try:
            step = self.session.apply(name, cpus)
        except ActionError as exc:
            self.notify(f"{ACTIONS[name].title}: {exc.detail}", severity="error", title="Cannot apply")
            return None
        for note in step.notes:
            if note.startswith("not an order"):
                self.notify(note, severity="warning", title=ACTIONS[name].title)
        self.play(step)
        return step

    def action_undo(self) -> None:
        self.leave_lesson()
        self.finish_playback()
        if self.session.undo() is None:
            self.notify("Nothing to undo.")
        self._show_session_state()

    def action_redo(self) -> None:
        self.leave_lesson()
        self.finish_playback()
        step = self.session.redo()
        if step is None:
            self.notify("Nothing to redo.")
            return
        self.play(step)

    def _show_session_state(self) -> None:
        self.view.show_final()
        self.grid.invalidate()
        self.refresh_panels(rebuild_trace=True)

    # -- playback -------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return float(SPEEDS[self.speed_index])

    def play(self, step: StepResult) -> None:
        self.view.begin(step)
        self.grid.invalidate()
        self.paused = False
        self._budget = 0.0
        if self.instant or not step.writes:
            self.finish_playback()
        else:
            assert self._timer is not None
            self._timer.resume()
        self.refresh_panels(rebuild_trace=True)

    def _tick(self) -> None:
        if not self.view.playing or self.paused:
            return
        rate = max(self.speed, self.view.total / MAX_PLAYBACK_SECONDS)
        self._budget += rate * TICK
        n = int(self._budget)
        if n:
            self._budget -= n
            self.advance(n)

    def advance(self, n: int) -> None:
        step, start, previous = self.view.step, self.view.pos, self.view.last
        assert step is not None
        changed, revealed, done = self.view.advance(n)
        self.query_one(TracePanel).add(step.index, step.writes[start : self.view.pos])
        if done:
            assert self._timer is not None
            self._timer.pause()
            self.grid.invalidate()  # driver flags and online state change at the end of an action
            self._schedule_autoplay()
        else:
            self.grid.refresh_cells(changed, previous)
        cursor_touched = done or any(c[0] == self.grid.cursor_cpu for c in changed)
        self.refresh_panels(findings=bool(revealed) or done, inspector=cursor_touched, now=done)

    def finish_playback(self) -> None:
        """Play the current step to its end and come back to the present (from time travel)."""
        if self.view.playing:
            self.advance(self.view.total)
        if not self.view.at_present:
            self._show_session_state()

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
        if self._timer is not None:
            self._timer.pause()
        self.paused = True
        previous = self.view.last
        if step is not None:
            self.view.show_upto(step)
        else:
            self.view.seek(position)
        self.grid.invalidate()
        self.grid.refresh_cells(set(), previous)
        self.refresh_panels(rebuild_trace=True)

    def action_finish(self) -> None:
        self.finish_playback()

    def action_toggle_pause(self) -> None:
        if not self.view.playing:
            self.notify("Nothing is playing.")
            return
        self.paused = not self.paused
        if not self.paused and self._timer is not None:
            self._timer.resume()
        self.refresh_panels(findings=False)

    def action_step_write(self) -> None:
        if self.view.playing:
            self.paused = True
            self.advance(1)

    def action_speed(self, delta: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        self.instant = False
        self.notify(f"Playback: {SPEEDS[self.speed_index]} writes/s", timeout=1.5)
        self.refresh_panels(findings=False)

    def action_toggle_instant(self) -> None:
        self.instant = not self.instant
        self.notify("Playback: instant" if self.instant else f"Playback: {SPEEDS[self.speed_index]} writes/s", timeout=1.5)
        if self.instant:
            self.finish_playback()

    # -- panels ---------------------------------------------------------------------------
    def refresh_panels(self, findings: bool = True, rebuild_trace: bool = False, inspector: bool = True, now: bool = True) -> None:
        """Status every time; the findings list at most every FINDINGS_PERIOD while playing."""
        speed = "instant" if self.instant else f"{SPEEDS[self.speed_index]}/s"
        self.query_one("#status", Static).update(status_line(self.view, speed, self.paused, self.theme_variables))
        self.query_one("#timeline", Static).update(timeline(self.view, self.theme_variables))
        if self.presenter:
            self.query_one("#caption", Static).update(self.caption())
        if findings:
            self._findings_dirty = True
            if now:
                self._flush_findings()
            elif self._findings_timer is None:
                self._findings_timer = self.set_timer(FINDINGS_PERIOD, self._flush_findings)
        if rebuild_trace:
            self.query_one(TracePanel).rebuild(self._played_writes())
        if inspector:
            self._refresh_inspector()

    def _flush_findings(self) -> None:
        self._findings_timer = None
        if self._findings_dirty:
            self._findings_dirty = False
            self.query_one(FindingsPanel).show(self.view.findings)

    def _played_writes(self) -> list[tuple[int, list]]:
        out = [(step.index, step.writes) for step in self.session.history[: self.view.upto]]
        if self.view.step is not None:
            out.append((self.view.step.index, self.view.step.writes[: self.view.pos]))
        return out

    def _refresh_inspector(self) -> None:
        grid = self.grid
        self.query_one(Inspector).update(inspector(self.view, grid.cursor_cpu, grid.column, self.theme_variables))

    @on(SynicGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self._refresh_inspector()
        trace = self.query_one(TracePanel)
        if trace.cpu is not None:
            trace.cpu = self.grid.cursor_cpu
            trace.rebuild(self._played_writes())

    @on(FindingsPanel.FindingChosen)
    def _finding_chosen(self, event: FindingsPanel.FindingChosen) -> None:
        f = event.finding
        if f.cpu is None:
            return
        col = self.grid.column_of(f.bank, f.register, f.field)
        self.grid.move_to(f.cpu, col)
        self.query_one(TabbedContent).active = "inspector"

    def action_panel(self, name: str) -> None:
        """Show a side panel (in presenter mode only switch the tab: the panels stay hidden)."""
        if not self.presenter:
            self.query_one("#sidebar").display = True
        self.query_one(TabbedContent).active = name

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display

    def action_trace_component(self) -> None:
        trace = self.query_one(TracePanel)
        order = [None, "vmbus", "mshv"]
        trace.component = order[(order.index(trace.component) + 1) % len(order)]
        trace.rebuild(self._played_writes())
        self.action_panel("trace")

    def action_trace_cpu(self) -> None:
        trace = self.query_one(TracePanel)
        trace.cpu = None if trace.cpu is not None else self.grid.cursor_cpu
        trace.rebuild(self._played_writes())
        self.action_panel("trace")

    # -- presenter mode -------------------------------------------------------------------
    def action_presenter(self) -> None:
        """Big cells, no side panels, a caption, animated playback; a lesson then plays by itself."""
        self.presenter = not self.presenter
        self.screen_stack[0].set_class(self.presenter, "presenter")
        self.query_one("#sidebar").display = not self.presenter
        self.grid.set_large(self.presenter)
        if self.presenter:
            self.instant = False
            self.speed_index = PRESENTER_SPEED
            self._schedule_autoplay()
        self.refresh_panels(findings=False)

    def _schedule_autoplay(self) -> None:
        if self.presenter and self.lesson is not None and self.lesson_pos < len(self.lesson.steps):
            self.set_timer(self.presenter_pause, self._autoplay_next)

    def _autoplay_next(self) -> None:
        if self.presenter and self.lesson is not None and not self.view.playing:
            self.action_lesson_next()

    def caption(self) -> str:
        if self.lesson is not None:
            if self.lesson_pos == 0:
                return f"{self.lesson.title} — {self.lesson.intro}"
            return f"{self.lesson_pos}/{len(self.lesson.steps)} {self.lesson.steps[self.lesson_pos - 1].note}"
        return "Presenter mode: P to leave. Keys as usual; playback is animated."

    # -- opening, saving and exporting ----------------------------------------------------
    def action_open_file(self) -> None:
        from .screens.open import OpenScreen

        self.finish_playback()
        default = str(self.opened) if self.opened else ""
        self.push_screen(
            OpenScreen("Open a scenario file, a saved session, a lesson file or a built-in scenario by name", default, open_file),
            self._opened,
        )

    def _opened(self, opened: Opened | None) -> None:
        if opened is None:
            return
        if opened.lesson is not None:
            self.start_lesson(opened.lesson)
            self.opened = None
            self.notify(
                f"{len(opened.lesson.steps)} steps: > plays the next one, < goes back",
                title=f"Lesson: {opened.lesson.title or opened.lesson.name or 'from file'}",
                markup=False,
            )
            return
        session, path = opened.session, opened.path
        self.leave_lesson()
        self.open_session(session)
        self.opened = path
        if path is not None:
            self.saves.remember(path)
        c = session.config
        self.notify(
            f"{c.partition}, mshv {c.mshv}, {c.hypervisor}, {c.cpus} CPUs, {len(session.history)} steps (z undoes them one by one)",
            title=f"Opened {path or 'built-in scenario'}",
            markup=False,
        )

    def action_export(self, kind: str) -> None:
        from .exports import EXPORTS
        from .screens.save import SaveScreen

        self.finish_playback()
        spec = EXPORTS[kind]
        default = str(self.opened.with_suffix(".json")) if kind == "session" and self.opened else spec.default
        self.push_screen(SaveScreen(spec.title, default, self.saves.conflict), lambda path: self._write_export(kind, path))

    def _write_export(self, kind: str, path: Path | None) -> None:
        from .exports import write_export

        if path is None:
            return
        try:
            written = write_export(self, kind, path)
        except OSError as exc:
            self.notify(
                f"Could not write {path}: {exc.strerror or exc}. Any previous file is unchanged.",
                severity="error",
                title="Not saved",
                timeout=8,
            )
            return
        for path in written:
            self.saves.remember(path)
        self.notify(f"Wrote {', '.join(map(str, written))}", title="Saved")

    # -- lessons --------------------------------------------------------------------------
    def start_lesson(self, lesson: Lesson) -> None:
        self.open_session(Session(lesson.config()))
        self.lesson, self.lesson_pos = lesson, 0
        self._show_lesson()

    def leave_lesson(self) -> None:
        """Any other action leaves the lesson; the state stays, so exploring goes on from here."""
        if self.lesson is not None:
            self.lesson = None
            self.query_one("#lesson-text", Markdown).update(
                "You left the lesson; everything you see is yours to explore. Press **L** for a lesson."
            )

    def _show_lesson(self) -> None:
        assert self.lesson is not None
        self.query_one("#lesson-text", Markdown).update(lesson_markdown(self.lesson, self.lesson_pos))
        self.action_panel("lesson")
        if self.presenter:
            self.query_one("#caption", Static).update(self.caption())

    def action_lesson_next(self) -> None:
        if self.lesson is None:
            self.notify("No lesson running: press L to choose one.")
            return
        if self.lesson_pos >= len(self.lesson.steps):
            self.notify("That was the last step. Keep exploring, or press L for another lesson.")
            return
        self.finish_playback()
        step = self.lesson.steps[self.lesson_pos]
        cpus = step.cpus or (self.session.resolve_cpus(step.action, None))
        if self.apply(step.action, cpus) is not None:
            self.lesson_pos += 1
        self._show_lesson()

    def action_lesson_prev(self) -> None:
        if self.lesson is None or self.lesson_pos == 0:
            return
        self.finish_playback()
        self.session.undo()
        self.lesson_pos -= 1
        self._show_session_state()
        self._show_lesson()

    def action_lessons(self) -> None:
        from .screens.lessons import LessonsScreen

        self.push_screen(LessonsScreen(self.lesson is not None), self._lesson_chosen)

    def _lesson_chosen(self, name: str | None) -> None:
        from .screens.lessons import LEAVE

        if name == LEAVE:
            self.leave_lesson()
        elif name:
            self.start_lesson(load_lesson(name))

    # -- screens --------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_bits(self) -> None:
        from .screens.bits import BitsScreen

        col = self.grid.column
        self.push_screen(BitsScreen(self.view, col.bank, col.register, self.grid.cursor_cpu))

    def action_settings(self) -> None:
        from .screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.session.config), self.apply_settings)

    def action_text_dump(self) -> None:
        from synic_core.text_grid import text_grid

        from .screens.text_dump import TextDumpScreen

        self.finish_playback()
        self.push_screen(TextDumpScreen(text_grid(self.session)))

    def action_compare(self) -> None:
        from .screens.compare import CompareScreen

        self.finish_playback()
        self.push_screen(CompareScreen(self.session))

    def action_explore(self) -> None:
        from .screens.explorer import ExplorerScreen

        self.push_screen(ExplorerScreen(self.session.config), self.open_scenario)

    def open_scenario(self, data: dict | None) -> None:
        """Replay a scenario (a counterexample, a lesson step list) into a new session."""
        if data is None:
            return
        from synic_core.scenario import ScenarioError, parse_scenario, replay

        try:
            session = replay(parse_scenario(data, data.get("name", "scenario")))
        except ScenarioError as exc:
            self.notify(str(exc), severity="error", title="Cannot open")
            return
        self.open_session(session)
        self.notify(data.get("title", "Scenario loaded"))

    def open_session(self, session: Session) -> None:
        self.finish_playback()
        self.session = session
        self.view = Display(session)
        self.grid.load(self.view, columns_for(session.config.partition_spec))
        self.refresh_panels(rebuild_trace=True)

    def apply_settings(self, config: SessionConfig | None) -> None:
        """Start a new session with other settings (the old history is dropped; undo does not cross it)."""
        if config is None or config == self.session.config:
            return
        self.open_session(Session(config))
        self.notify(f"New session: {config.partition}, mshv {config.mshv}, {config.hypervisor}, {config.cpus} CPUs")

    def set_setting(self, name: str, value: str | int) -> None:
        fields = {
            "partition": self.session.config.partition,
            "mshv": self.session.config.mshv,
            "hypervisor": self.session.config.hypervisor,
            "cpus": self.session.config.cpus,
        }
        fields[name] = value
        self.apply_settings(SessionConfig(**fields))  # type: ignore[arg-type]


HELP_PATH = Path(__file__).with_name("help.md")
