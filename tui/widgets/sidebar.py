"""The side panels beside the grid: findings (with their filter and search), trace, inspector, legend, lesson.

The sidebar keeps its panels up to date from the display it is given: the findings list at most every
FINDINGS_PERIOD while playing, the trace only while it is visible (rebuilt when it is shown again).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Markdown, Static, TabbedContent, TabPane, Tabs

from synic_core import Write
from tui.state.describe import LEGEND
from tui.state.display import Display
from tui.widgets.panels import FindingsPanel, FindingsSearch, Inspector, Legend, TracePanel

FINDINGS_PERIOD = 0.25  # seconds between findings-list rebuilds during playback
NO_LESSON = "No lesson. Press **L** to choose one."


class Sidebar(Vertical):
    """Tabs of panels; `view` is the display they describe (the screen sets it when the session changes)."""

    def __init__(self, view: Display, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self._trace_dirty = False
        self._findings_timer: Timer | None = None
        self._findings_dirty = False

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs", initial="findings"):
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
                yield Markdown(NO_LESSON, id="lesson-text")

    def on_mount(self) -> None:
        self.query_one(TabbedContent).query_one(Tabs).can_focus = False  # tab goes straight to a panel

    # -- tabs -----------------------------------------------------------------------------
    def show_tab(self, name: str, reveal: bool = True) -> None:
        """Bring a panel to the front (`reveal`: show the sidebar too; presenter mode keeps it hidden)."""
        if reveal:
            self.display = True
        self.query_one(TabbedContent).active = name
        if name == "trace" and self._trace_dirty:
            self.rebuild_trace()

    def toggle(self) -> None:
        self.display = not self.display
        self._trace_shown()

    @on(TabbedContent.TabActivated, "#tabs")
    def _trace_shown(self) -> None:
        if self._trace_dirty and self.trace_visible:
            self.rebuild_trace()

    # -- findings -------------------------------------------------------------------------
    def show_findings(self, now: bool = True) -> None:
        """The findings list follows the display: at once, or at most every FINDINGS_PERIOD while playing."""
        self._findings_dirty = True
        if now:
            self._flush_findings()
        elif self._findings_timer is None:
            self._findings_timer = self.set_timer(FINDINGS_PERIOD, self._flush_findings)

    def _flush_findings(self) -> None:
        self._findings_timer = None
        if self._findings_dirty:
            self._findings_dirty = False
            view = self.view
            self.query_one(FindingsPanel).show(view.findings, view.upto + (view.step is not None), view.outcome_unknown)

    @on(FindingsPanel.FilterChanged)
    def _findings_filter_changed(self, event: FindingsPanel.FilterChanged) -> None:
        self.query_one("#findings-filter", Static).update(event.summary)

    def open_search(self, reveal: bool = True) -> None:
        self.show_tab("findings", reveal)
        search = self.query_one("#findings-search", Input)
        search.display = True
        search.focus()

    @on(FindingsPanel.SearchRequested)
    def _search_requested(self) -> None:
        self.open_search(reveal=self.display)

    @on(Input.Changed, "#findings-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_one(FindingsPanel).search_text = event.value.strip()

    @on(Input.Submitted, "#findings-search")
    def _search_done(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value.strip())
        self.query_one(FindingsPanel).focus()

    # -- trace ----------------------------------------------------------------------------
    @property
    def trace_visible(self) -> bool:
        return bool(self.display) and self.query_one(TabbedContent).active == "trace"

    def add_trace(self, step: int, writes: list[Write]) -> None:
        """Writes just played: onto the trace if it is seen, else it is rebuilt when shown (writing unseen lines is slow)."""
        if self.trace_visible:
            self.query_one(TracePanel).add(step, writes)
        else:
            self._trace_dirty = True

    def rebuild_trace(self) -> None:
        self._trace_dirty = False
        trace = self.query_one(TracePanel)
        trace.rebuild(self._played_writes())
        self.query_one("#trace-filter", Static).update(trace.filter_label())

    def _played_writes(self) -> list[tuple[int, list[Write]]]:
        view = self.view
        out = [(step.index, step.writes) for step in view.session.history[: view.upto]]
        if view.step is not None:
            out.append((view.step.index, view.step.writes[: view.pos]))
        return out

    def cycle_trace_component(self) -> None:
        self.query_one(TracePanel).cycle_component()
        self.rebuild_trace()

    def toggle_trace_cpu(self, cpu: int) -> None:
        trace = self.query_one(TracePanel)
        trace.cpu = None if trace.cpu is not None else cpu
        self.rebuild_trace()

    def follow_cpu(self, cpu: int) -> None:
        """The trace filtered to a CPU follows the grid's cursor."""
        trace = self.query_one(TracePanel)
        if trace.cpu is not None:
            trace.cpu = cpu
            self.rebuild_trace()

    # -- inspector and lesson -------------------------------------------------------------
    def show_inspector(self, text: Text) -> None:
        self.query_one(Inspector).update(text)

    def show_lesson(self, markdown: str) -> None:
        self.query_one("#lesson-text", Markdown).update(markdown)
