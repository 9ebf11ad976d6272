"""Explorer screen: search every kernel order for the current settings on N CPUs (1-4), to the
fixpoint (a proof) or to a depth bound, or on every number of CPUs at once (`a`, `every_n`), in a
worker thread with progress; then the same for every MSHV version, each with its proof status.
Enter loads a shortest counterexample into the grid, with the CPU count it needs."""

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
from synic_core.explore import every_n as every
from synic_core.explore.every_n import EveryNResult, every_n
from synic_core.explore.fast import Status, default_memory_limit_mb, search
from synic_core.explore.reference import Counterexample, ExploreResult, verdict
from synic_core.model.findings import KINDS, SEVERITY_RANK
from synic_core.reports.formatting import cpu_ranges
from synic_core.versions.registry import known_names, session_config, with_version
from tui.state.describe import severity_style
from tui.themes import VARIABLES
from tui.widgets.option_list import PagedOptionList

DEPTH = 6  # the bound of a bounded search
MAX_CPUS = 4  # 4 CPUs to the fixpoint take about half a minute; more belongs in `synic explore`
DEFAULT_CPUS = 2


def channels_words(kept: tuple[int, ...], session: tuple[int, ...]) -> str:
    """` · VMBus channels on CPU 0,2` unless they are on CPU 0 alone (the default); the session's channel CPUs
    that the search leaves out (beyond its CPU count) are named."""
    beyond = [c for c in session if c not in kept]
    left_out = f" (CPU {','.join(map(str, beyond))} beyond the CPU count: left out)" if beyond else ""
    where = f"CPU {','.join(map(str, kept))}" if kept else "no CPU"
    return "" if kept == session == (0,) else f" · VMBus channels on {where}{left_out}"


def intro_text(c: SessionConfig) -> Text:
    """What the screen does and its keys, as the footer names them (N-1, N+1); the settings are never markup."""
    text = Text()
    text.append("Explorer", "bold")
    text.append(f" — every kernel order of actions on {c.partition}, mshv {c.mshv}, {c.hypervisor}: ")
    text.append("the shortest sequence per finding kind. ")
    keys = (
        ("enter", " loads one into the grid · "),
        ("1", "–"),
        ("4", " or "),
        ("-", "/"),
        ("+", " (N-1/N+1) set the CPUs, "),
        ("a", " every CPU count · "),
    )
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
        Binding("a", "every_count", "every CPU count"),
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
        self.every_count = False  # `a`: every number of CPUs (N = 1 explicitly, N >= 2 by abstraction)
        self.result: ExploreResult | None = None
        self.every: EveryNResult | None = None  # the result in every-CPU-count mode
        self.shown: list[Counterexample] = []
        self.versions: dict[str, ExploreResult] = {}
        self.every_versions: dict[str, EveryNResult] = {}

    @property
    def config(self) -> SessionConfig:
        b = self.base
        channels = tuple(c for c in b.channel_cpus if c < self.cpus)  # the session's, on the CPUs explored
        cpus = self.cpus
        if self.every_count:  # every channel CPU of the session, as `synic explore --cpus all` keeps them
            channels, cpus = b.channel_cpus, max((2, *(c + 1 for c in b.channel_cpus)))
        return session_config(
            partition=b.partition, mshv=b.mshv, hypervisor=b.hypervisor, cpus=cpus, auto_eoi=b.auto_eoi, channel_cpus=channels
        )

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
        if n != self.cpus or self.every_count:
            self.cpus = n
            self.every_count = False
            self.restart()

    def action_every_count(self) -> None:
        if not self.every_count:
            self.every_count = True
            self.restart()

    def action_fewer(self) -> None:
        self.action_cpus(self.cpus - 1)

    def action_more(self) -> None:
        self.action_cpus(self.cpus + 1)

    def action_toggle_bound(self) -> None:
        self.exhaustive = not self.exhaustive
        self.every_count = False  # a bound is not a proof for every CPU count: back to N CPUs
        self.restart()

    def restart(self) -> None:
        self.result, self.every, self.shown, self.versions, self.every_versions = None, None, [], {}, {}
        self.query_one(OptionList).clear_options()
        bound = "exhaustive: to the fixpoint (a proof)" if self.exhaustive else f"bounded: {DEPTH} steps (not a proof)"
        channels = channels_words(self.config.channel_cpus, self.base.channel_cpus)
        mode = f"[b]{self.cpus}[/b] CPU{'s' * (self.cpus != 1)}{channels} · {bound}"
        if self.every_count:
            k = every.holders(self.config)  # CPUs besides 0 holding channels: no machine below k + 1 CPUs
            how = f"N ≥ {k + 1} by abstraction" if k else "N = 1 explicitly, N ≥ 2 by abstraction"
            mode = f"[b]every number of CPUs[/b]{channels} · {how} (a proof)"
        self.query_one("#explorer-mode", Static).update(mode)
        self.query_one(ProgressBar).update(total=None if self.exhaustive else DEPTH, progress=0)
        self.query_one("#explorer-detail", Static).update("searching…")
        self.query_one("#explorer-status", Static).update("")
        self.query_one("#explorer-unreachable", Static).update("")
        self.query_one("#explorer-versions", Static).update("")
        if self.every_count:
            self.search_every(self.config)
        else:
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
            other = with_version(config, name)  # the same CPUs, channels and auto-EOI
            r = result if name == config.mshv else search(other, depth, stop=lambda: worker.is_cancelled, memory_limit_mb=limit)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._version_done, name, r)

    @work(thread=True, exclusive=True, group="explore")
    def search_every(self, config: SessionConfig) -> None:
        worker = get_current_worker()
        limit = default_memory_limit_mb()
        result = every_n(config, stop=lambda: worker.is_cancelled, memory_limit_mb=limit)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_every, result)
        for name in (config.mshv, *(v for v in known_names() if v != config.mshv)):
            if worker.is_cancelled:
                return
            other = with_version(config, name)
            r = result if name == config.mshv else every_n(other, stop=lambda: worker.is_cancelled, memory_limit_mb=limit)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._every_version_done, name, r)

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
        self._list(list(result.found.values()), {})
        self.query_one("#explorer-status", Static).update(self._proof(result))
        missing = [k for k in KINDS if k not in result.found]
        where = f"any sequence on {self.cpus} CPU{'s' * (self.cpus != 1)} (proved)" if result.fixpoint else "this search (not a proof)"
        self.query_one("#explorer-unreachable", Static).update(f"Not reachable by {where}: {', '.join(missing) or 'none'}.")

    def _show_every(self, result: EveryNResult) -> None:
        self.every = result
        self._list([w.example for w in result.found.values()], {k: w.cpus for k, w in result.found.items()}, result)
        style = "green" if result.proved else "yellow"
        status = Text(every.proof_line(result), style=style)
        status.append(f" ({result.elapsed:.1f} s)", style="")
        if result.locality is not None:  # the model's own words, never markup
            status.append(f"\n{result.locality}", style="")
        if result.spurious:
            status.append(f"\n{result.spurious} abstract counterexample(s) replayed on no CPU count: spurious, not listed", style="")
        renumbered = every.renumbering(result)
        if renumbered:
            status.append(f"\n{renumbered}", style="")
        self.query_one("#explorer-status", Static).update(status)
        unreachable = f"Not reachable on any {every.cpu_counts(result)} (proved): {', '.join(result.unreachable) or 'none'}."
        self.query_one("#explorer-unreachable", Static).update(unreachable if result.proved else "")

    def _list(self, found: list[Counterexample], cpus: dict[str, int], over_n: EveryNResult | None = None) -> None:
        """The counterexamples, worst first; in every-CPU-count mode `cpus` gives each one's CPU count and
        `over_n` the smallest N that reaches its kind (`≤ N` where that is an upper bound)."""
        self.shown = sorted(found, key=lambda c: (-SEVERITY_RANK[KINDS[c.kind].severity], c.kind))
        self.query_one(ProgressBar).update(total=100, progress=100)
        options = self.query_one(OptionList)
        options.clear_options()
        for c in self.shown:
            sev = KINDS[c.kind].severity
            on = f" · {cpus[c.kind]} CPU{'s' * (cpus[c.kind] != 1)}" if c.kind in cpus else ""
            if over_n is not None and c.kind in over_n.smallest:
                smallest = over_n.smallest_text(c.kind)
                on += f" · reached from {smallest} CPU{'s' * (smallest != '1')}"
            steps = f"{len(c.steps)} step{'s' * (len(c.steps) != 1)}"
            options.add_option(Option(f"[{severity_style(sev, VARIABLES)}]{sev:<8}[/] {c.kind:<18} {steps}{on}"))
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
        self._versions({v: verdict(x) for v, x in self.versions.items()}, "CPUs")

    def _every_version_done(self, name: str, r: EveryNResult) -> None:
        self.every_versions[name] = r
        self._versions({v: every.verdict(x) for v, x in self.every_versions.items()}, "every CPU count")

    def _versions(self, verdicts: dict[str, str], over: str) -> None:
        text = Text()
        text.append("hypervisor faults, per MSHV version", "bold")
        text.append(f" (same partition, profile and {over}):")
        for v in known_names():  # a patch file's name: never markup
            if v in verdicts:
                mark = "→" if v == self.base.mshv else " "
                text.append(f"\n{mark} {v:<12} {verdicts[v]}")
        self.query_one("#explorer-versions", Static).update(text)

    # -- choosing a counterexample --------------------------------------------------------------
    def _config_of(self, c: Counterexample) -> SessionConfig | None:
        """The configuration a counterexample runs on (in every-CPU-count mode, with its own CPU count)."""
        if self.every_count:
            return self.every.config_for(c.kind) if self.every is not None else None
        return self.result.config if self.result is not None else None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index >= len(self.shown):
            return
        c = self.shown[event.option_index]
        config = self._config_of(c)
        if config is None:
            return
        seq = " → ".join(f"{a} [{cpu_ranges(cpus)}]" for a, cpus in c.steps)
        on = f"on {config.cpus} CPU{'s' * (config.cpus != 1)}: " if self.every_count else ""
        detail = Text(f"{on}{seq}\n{c.message}")
        if self.every_count and self.every is not None and not self.every.smallest_exact(c.kind):
            n = self.every.smallest[c.kind]
            detail.append(f"\nreached from ≤ {n} CPUs: an upper bound; fewer CPUs may reach it too (docs/explorer.md)")
        self.query_one("#explorer-detail", Static).update(detail)

    @on(OptionList.OptionSelected)
    def action_load(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or options.highlighted >= len(self.shown):
            return
        c = self.shown[options.highlighted]
        config = self._config_of(c)
        if config is None:
            return
        self.workers.cancel_group(self, "explore")
        self.dismiss(c.scenario(config))

    def action_close(self) -> None:
        self.workers.cancel_group(self, "explore")
        self.dismiss(None)
