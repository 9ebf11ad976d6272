"""Explorer screen: search every kernel order for the current settings, in a worker thread, and
load a shortest counterexample into the grid."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from synic_core import SessionConfig
from synic_core.explore import Counterexample, ExploreResult, explore
from synic_core.findings import KINDS
from synic_core.formatting import cpu_ranges

from ..describe import severity_style
from ..themes import VARIABLES
from ..widgets.option_list import PagedOptionList

DEPTH = 6
MAX_CPUS = 2  # the search space grows fast with CPUs; 2 CPUs already show every kind here


class ExplorerScreen(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the chosen counterexample as a scenario dict, or None."""

    BINDINGS = [Binding("escape,q", "close", "close"), Binding("enter", "load", "load into the grid", show=True)]

    def __init__(self, config: SessionConfig) -> None:
        super().__init__()
        self.config = SessionConfig(
            partition=config.partition, mshv=config.mshv, hypervisor=config.hypervisor, cpus=min(config.cpus, MAX_CPUS)
        )
        self.result: ExploreResult | None = None
        self.shown: list[Counterexample] = []

    def compose(self) -> ComposeResult:
        c = self.config
        yield Static(
            f"[b]Explorer[/b] — every kernel order of actions up to {DEPTH} steps on {c.partition}, "
            f"mshv {c.mshv}, {c.hypervisor}, {c.cpus} CPUs. Shortest sequence per finding kind; "
            "[b]enter[/b] loads the highlighted one into the grid, [b]escape[/b] closes.",
            id="explorer-title",
        )
        yield ProgressBar(total=DEPTH, show_eta=False, id="explorer-progress")
        yield PagedOptionList(id="explorer-list")
        yield Static("", id="explorer-detail")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.search()

    @work(thread=True, exclusive=True, group="explore")
    def search(self) -> None:
        worker = get_current_worker()
        result = explore(
            self.config,
            DEPTH,
            progress=lambda level, states, _t: self.app.call_from_thread(self._progress, level, states),
            stop=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, result)

    def _progress(self, level: int, states: int) -> None:
        self.query_one(ProgressBar).update(progress=level)
        self.query_one("#explorer-detail", Static).update(f"depth {level}/{DEPTH}: {states} distinct states")

    def _show(self, result: ExploreResult) -> None:
        self.result = result
        self.shown = result.ordered()
        self.query_one(ProgressBar).update(progress=DEPTH)
        options = self.query_one(OptionList)
        options.clear_options()
        for c in self.shown:
            sev = KINDS[c.kind].severity
            options.add_option(Option(f"[{severity_style(sev, VARIABLES)}]{sev:<8}[/] {c.kind:<18} {len(c.steps)} steps"))
        missing = [k for k in KINDS if k not in result.found]
        self.query_one("#explorer-detail", Static).update(
            f"{result.states} states, {result.transitions} transitions. "
            f"Not reachable: {', '.join(missing) or 'none'}. Enter loads the highlighted sequence."
        )
        if self.shown:
            options.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.result is None or event.option_index >= len(self.shown):
            return
        c = self.shown[event.option_index]
        seq = " → ".join(f"{a} [{cpu_ranges(cpus)}]" for a, cpus in c.steps)
        self.query_one("#explorer-detail", Static).update(f"{seq}\n{c.message}")

    @on(OptionList.OptionSelected)
    def action_load(self) -> None:
        options = self.query_one(OptionList)
        if self.result is None or options.highlighted is None or options.highlighted >= len(self.shown):
            return
        self.dismiss(self.shown[options.highlighted].scenario(self.config))

    def action_close(self) -> None:
        self.workers.cancel_group(self, "explore")
        self.dismiss(None)
