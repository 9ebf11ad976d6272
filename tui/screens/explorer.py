"""Explorer screen: search every kernel order for the current settings on N CPUs (1-4), to the
fixpoint (a proof) or to a depth bound, in a worker thread with progress; then the same for every
MSHV version, each with its proof status. Enter loads a shortest counterexample into the grid."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from synic_core import SessionConfig
from synic_core.explore.fast import Status, default_memory_limit_mb, search
from synic_core.explore.reference import Counterexample, ExploreResult, verdict
from synic_core.model.findings import KINDS, SEVERITY_RANK
from synic_core.reports.formatting import cpu_ranges
from synic_core.versions.registry import known_names, session_config
from tui.state.describe import severity_style
from tui.themes import VARIABLES
from tui.widgets.option_list import PagedOptionList

DEPTH = 6  # the bound of a bounded search
MAX_CPUS = 4  # 4 CPUs to the fixpoint take about half a minute; more belongs in `synic explore`
DEFAULT_CPUS = 2


def intro_text(c: SessionConfig) -> Text:
    """What the screen does and its keys, as the footer names them (N-1, N+1); the settings are never markup."""
    text = Text()
    text.append("Explorer", "bold")
    text.append(f" — every kernel order of actions on {c.partition}, mshv {c.mshv}, {c.hypervisor}: ")
    text.append("the shortest sequence per finding kind. ")
    keys = (("enter", " loads one into the grid · "), ("1", "–"), ("4", " or "), ("-", "/"), ("+", " (N-1/N+1) set the CPUs · "))
    for key, what in keys:
        text.append(key, "bold")
        text.append(what)
    text.append("b", "bold")
    text.append(" exhaustive (a proof) or bounded.")
    return text


class ExplorerScreen(ModalScreen[dict[str, Any] | None]):
    """Dismisses with the chosen counterexample as a scenario dict, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "close"),
        Binding("enter", "load", "load into the grid", priority=True),
        Binding("1", "cpus(1)", "1 CPU", show=False),
        Binding("2", "cpus(2)", "2 CPUs", show=False),
        Binding("3", "cpus(3)", "3 CPUs", show=False),
        Binding("4", "cpus(4)", "4 CPUs", show=False),
        Binding("minus", "fewer", "N-1"),  # the intro says "1–4 or -/+ (N-1/N+1) set the CPUs"
        Binding("plus,equals_sign", "more", "N+1"),
        Binding("b", "toggle_bound", "exhaustive/bounded"),
    ]
    # Below 100×36 the explorer takes the whole screen (no dashboard in its margins) so that every line reads whole.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    DEFAULT_CSS = """
    ExplorerScreen { align: center middle; }
    ExplorerScreen > * { width: 90%; max-width: 110; }
    ExplorerScreen.-narrow, ExplorerScreen.-short { background: $background; }
    ExplorerScreen.-narrow > *, ExplorerScreen.-short > * { width: 100%; max-width: 100%; }
    #explorer-title { height: auto; background: $panel; padding: 0 1; }
    #explorer-mode { height: 1; padding: 0 1; }
    #explorer-progress { height: 1; padding: 0 1; }
    #explorer-status { height: auto; padding: 0 1; color: $text-muted; }
    #explorer-unreachable { height: auto; padding: 0 1; }
    #explorer-list { height: 1fr; min-height: 3; }
    #explorer-detail { height: auto; min-height: 3; background: $surface; padding: 0 1; }
    #explorer-versions { height: auto; padding: 0 1; }
    """

    def __init__(self, config: SessionConfig) -> None:
        super().__init__()
        self.base = config
        self.cpus = min(config.cpus, DEFAULT_CPUS)
        self.exhaustive = True
        self.result: ExploreResult | None = None
        self.shown: list[Counterexample] = []
        self.versions: dict[str, ExploreResult] = {}

    @property
    def config(self) -> SessionConfig:
        b = self.base
        return session_config(partition=b.partition, mshv=b.mshv, hypervisor=b.hypervisor, cpus=self.cpus, auto_eoi=b.auto_eoi)

    @property
    def depth(self) -> int | None:
        return None if self.exhaustive else DEPTH

    def compose(self) -> ComposeResult:
        c = self.base
        yield Static(intro_text(c), id="explorer-title")
        yield Static("", id="explorer-mode")
        yield ProgressBar(total=None, show_eta=False, id="explorer-progress")
        yield Static("", id="explorer-status")
        yield Static("", id="explorer-unreachable")
        yield PagedOptionList(id="explorer-list")
        yield Static("", id="explorer-detail")
        yield Static("", id="explorer-versions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.restart()

    # -- choosing N and the bound ---------------------------------------------------------------
    def action_cpus(self, n: int) -> None:
        n = max(1, min(MAX_CPUS, n))
        if n != self.cpus:
            self.cpus = n
            self.restart()

    def action_fewer(self) -> None:
        self.action_cpus(self.cpus - 1)

    def action_more(self) -> None:
        self.action_cpus(self.cpus + 1)

    def action_toggle_bound(self) -> None:
        self.exhaustive = not self.exhaustive
        self.restart()

    def restart(self) -> None:
        self.result, self.shown, self.versions = None, [], {}
        self.query_one(OptionList).clear_options()
        bound = "exhaustive: to the fixpoint (a proof)" if self.exhaustive else f"bounded: {DEPTH} steps (not a proof)"
        self.query_one("#explorer-mode", Static).update(f"[b]{self.cpus}[/b] CPU{'s' * (self.cpus != 1)} · {bound}")
        self.query_one(ProgressBar).update(total=None if self.exhaustive else DEPTH, progress=0)
        self.query_one("#explorer-detail", Static).update("searching…")
        self.query_one("#explorer-unreachable", Static).update("")
        self.query_one("#explorer-versions", Static).update("")
        self.search(self.config, self.depth)

    # -- the search, in a thread ----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="explore")
    def search(self, config: SessionConfig, depth: int | None) -> None:
        worker = get_current_worker()
        limit = default_memory_limit_mb()

        def progress(s: Status) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, s)

        result = search(config, depth, progress=progress, stop=lambda: worker.is_cancelled, memory_limit_mb=limit)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show, result)
        for name in (config.mshv, *(v for v in known_names() if v != config.mshv)):
            if worker.is_cancelled:
                return
            other = session_config(partition=config.partition, mshv=name, hypervisor=config.hypervisor, cpus=config.cpus)
            r = result if name == config.mshv else search(other, depth, stop=lambda: worker.is_cancelled, memory_limit_mb=limit)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._version_done, name, r)

    def _progress(self, s: Status) -> None:
        bar = self.query_one(ProgressBar)
        if self.depth is not None:
            bar.update(progress=s.depth - 1 + s.expanded / max(s.frontier, 1))
        rate = s.states / s.elapsed if s.elapsed else 0.0
        self.query_one("#explorer-status", Static).update(
            f"depth {s.depth}: {s.states:,} states · frontier {s.frontier:,} · {rate:,.0f} states/s · {s.rss_mb:,.0f} MB"
        )

    def _show(self, result: ExploreResult) -> None:
        self.result = result
        self.shown = sorted(result.found.values(), key=lambda c: (-SEVERITY_RANK[KINDS[c.kind].severity], c.kind))
        bar = self.query_one(ProgressBar)
        bar.update(total=100, progress=100)
        options = self.query_one(OptionList)
        options.clear_options()
        for c in self.shown:
            sev = KINDS[c.kind].severity
            options.add_option(
                Option(f"[{severity_style(sev, VARIABLES)}]{sev:<8}[/] {c.kind:<18} {len(c.steps)} step{'s' * (len(c.steps) != 1)}")
            )
        self.query_one("#explorer-status", Static).update(self._proof(result))
        missing = [k for k in KINDS if k not in result.found]
        where = f"any sequence on {self.cpus} CPU{'s' * (self.cpus != 1)} (proved)" if result.fixpoint else "this search (not a proof)"
        self.query_one("#explorer-unreachable", Static).update(f"Not reachable by {where}: {', '.join(missing) or 'none'}.")
        self.query_one("#explorer-detail", Static).update("Enter loads the highlighted sequence." if self.shown else "Nothing to load.")
        if self.shown:
            options.highlighted = 0

    def _proof(self, r: ExploreResult) -> str:
        counts = f"{r.states:,} states, {r.transitions:,} transitions, {r.elapsed:.1f} s"
        if r.fixpoint:
            return f"[green]fixpoint at depth {r.diameter}[/]: every sequence of any length explored ({counts})"
        if r.stopped:
            return f"[yellow]no proof: stopped at depth {len(r.levels)} ({r.stopped})[/] ({counts})"
        return f"[yellow]bounded: not a proof[/] ({counts})"

    def _version_done(self, name: str, r: ExploreResult) -> None:
        self.versions[name] = r
        text = Text()
        text.append("hypervisor faults, per MSHV version", "bold")
        text.append(" (same partition, profile and CPUs):")
        for v in known_names():  # a patch file's name: never markup
            if v in self.versions:
                mark = "→" if v == self.base.mshv else " "
                text.append(f"\n{mark} {v:<12} {verdict(self.versions[v])}")
        self.query_one("#explorer-versions", Static).update(text)

    # -- choosing a counterexample --------------------------------------------------------------
    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.result is None or event.option_index >= len(self.shown):
            return
        c = self.shown[event.option_index]
        seq = " → ".join(f"{a} [{cpu_ranges(cpus)}]" for a, cpus in c.steps)
        self.query_one("#explorer-detail", Static).update(Text(f"{seq}\n{c.message}"))

    @on(OptionList.OptionSelected)
    def action_load(self) -> None:
        options = self.query_one(OptionList)
        if self.result is None or options.highlighted is None or options.highlighted >= len(self.shown):
            return
        self.workers.cancel_group(self, "explore")
        self.dismiss(self.shown[options.highlighted].scenario(self.result.config))

    def action_close(self) -> None:
        self.workers.cancel_group(self, "explore")
        self.dismiss(None)
