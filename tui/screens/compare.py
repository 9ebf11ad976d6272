"""Compare mode: the session's steps under two MSHV versions (or two profiles), side by side.

Replaying the steps under the other version takes seconds at 4096 CPUs, so it runs in a thread
worker: the screen answers keys at once, says "computing…" and shows the result when it lands
(a `tab` pressed meanwhile cancels the stale computation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from synic_core import Session
from synic_core.model.columns import COMPARE_GLYPH, WRITER_GLYPH, Column, columns_for
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.reports.formatting import cpu_ranges
from synic_core.scenarios.compare import CellDifference, GridComparison, compare_grids, replay_under
from synic_core.scenarios.scenario import session_scenario
from synic_core.versions.registry import known_names, session_config
from tui.state.describe import counts_text
from tui.state.display import Display
from tui.widgets.grid import SynicGrid

Field = Literal["mshv", "hypervisor"]
PANE_CHROME = 3  # the pane's border (2) and the grid's vertical scrollbar (1)
CACHED = 4  # computed other sides kept, so tab comes back to one at once


def default_other(mshv: str) -> str:
    return "mainline" if mshv != "mainline" else "v4"


@dataclass(frozen=True, slots=True)
class Computed:
    field: Field
    other: str
    left: Display
    right: Display
    comparison: GridComparison


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "back", priority=True),
        Binding("tab", "cycle", "next version", priority=True),
        Binding("h", "profiles", "versions/profiles"),
        Binding("f", "focus_list", "findings list"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.left_session = session
        self.field: Field = "mshv"
        self.other = default_other(session.config.mshv)
        self.computed: Computed | None = None  # what the panes show now
        self._left: Display | None = None
        self._cache: dict[tuple[Field, str], Computed] = {}
        self._computing: tuple[Field, str] | None = None  # what the running worker computes
        self._failed: dict[tuple[Field, str], str] = {}  # choices whose replay raised, with why

    def compose(self) -> ComposeResult:
        # the grids start on a one-CPU placeholder: building the real displays is part of the worker's job
        cfg = self.left_session.config
        placeholder = Display(Session(session_config(partition=cfg.partition, mshv=cfg.mshv, hypervisor=cfg.hypervisor, cpus=1)))
        columns = columns_for(cfg.partition_spec)
        with Horizontal(id="compare-panes"):
            for side in ("left", "right"):
                with Vertical(classes="compare-pane"):
                    yield Static(id=f"{side}-head", classes="compare-head", markup=False)
                    yield SynicGrid(placeholder, columns, id=f"{side}-grid")
        with Vertical(id="compare-findings"):
            yield Static(id="compare-list-title", markup=False)
            table: DataTable[Text] = DataTable(id="compare-list", cursor_type="row", zebra_stripes=True)
            table.add_columns("side", "kind", "step", "CPUs", "register")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        left = self.query_one("#left-grid", SynicGrid)
        left.focus()
        left.loading = True  # until the first computation brings the real displays
        self.rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Side by side only when both grids fit whole (stacked otherwise, so no pane scrolls sideways for a
        column); the panes get the rows their CPUs need, the list of differences the rest, at least 40%."""
        width, height = self.size
        grid = self.query_one("#left-grid", SynicGrid)
        narrow = width < 2 * (grid.virtual_size.width + PANE_CHROME)
        self.set_class(narrow, "narrow")
        pane = grid.virtual_size.height + PANE_CHROME  # border and head
        need = 2 * pane if narrow else pane
        avail = height - 1  # the footer
        rows = self.computed.comparison.rows if self.computed else 0
        wanted = 1 + (rows + 1 if rows else 0)  # title, header, rows
        reserve = min(wanted, max(6, int(avail * 0.4)))
        self.query_one("#compare-panes").styles.height = max(0, min(need, avail - reserve))

    # -- labels -----------------------------------------------------------------------------
    @property
    def mine(self) -> str:
        cfg = self.left_session.config
        return cfg.mshv if self.field == "mshv" else cfg.hypervisor

    def _head(self, label: str, display: Display | None, failed: str | None = None) -> Text:
        text = Text.assemble((f"{self.field} {label}", "bold"), "  ")
        if failed is not None:
            text.append(f"could not replay: {failed}", "red")
        elif display is None:
            text.append("computing…", "italic")
        else:
            text.append(counts_text(display))
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    # -- computing the other side -------------------------------------------------------------
    def rebuild(self) -> None:
        """Show the current choice: from the cache at once, else say "computing…" and compute it.

        One computation runs at a time; a choice made meanwhile is computed when it ends, so
        tabbing through the versions never starts a pile of replays."""
        self.query_one("#left-head", Static).update(self._head(self.mine, self._left))
        cached = self._cache.get((self.field, self.other))
        if cached is not None:
            self._show(cached)
            return
        failed = self._failed.get((self.field, self.other))
        if failed is not None:
            self.query_one("#right-head", Static).update(self._head(self.other, None, failed))
            self.query_one("#right-grid", SynicGrid).loading = False
            self.refresh_bindings()
            self.query_one("#compare-list-title", Static).update(f"Could not replay the steps under {self.field} {self.other}: {failed}")
            return
        self.query_one("#right-head", Static).update(self._head(self.other, None))
        self.query_one("#right-grid", SynicGrid).loading = True
        self.refresh_bindings()
        self.query_one("#compare-list-title", Static).update(f"Computing the steps under {self.field} {self.other}…")
        if self._computing is None:
            self._computing = (self.field, self.other)
            self._compute(self.field, self.other)

    @work(thread=True, group="compare", exit_on_error=False)
    def _compute(self, field: Field, other: str) -> Computed | None:
        left = self._left or Display(self.left_session)
        right_session = replay_under(session_scenario(self.left_session), {field: other}, "compare")
        comparison = compare_grids(self.left_session, right_session, columns_for(self.left_session.config.partition_spec))
        return Computed(field, other, left, Display(right_session), comparison)

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "compare" or not event.worker.is_finished:
            return
        choice, self._computing = self._computing, None
        computed = event.worker.result
        if event.state == WorkerState.ERROR and choice is not None:
            self._failed[choice] = str(event.worker.error)
        elif isinstance(computed, Computed):
            self._left = computed.left
            if len(self._cache) >= CACHED:
                self._cache.pop(next(iter(self._cache)))
            self._cache[(computed.field, computed.other)] = computed
        self.rebuild()  # the current choice: this result, or the next computation

    def _show(self, c: Computed) -> None:
        self.computed = c
        columns = columns_for(self.left_session.config.partition_spec)
        lgrid, rgrid = self.query_one("#left-grid", SynicGrid), self.query_one("#right-grid", SynicGrid)
        if lgrid.display_state is not c.left:
            lgrid.load(c.left, columns)
        rgrid.load(c.right, columns)
        lgrid.compare_marks = rgrid.compare_marks = c.comparison.marks  # one rule for both grids, the list and the title
        lgrid.invalidate()
        rgrid.invalidate()
        lgrid.loading = rgrid.loading = False
        self.refresh_bindings()  # a loading widget's keys are not active: the footer gets the grid's back
        self.query_one("#left-head", Static).update(self._head(self.mine, c.left))
        self.query_one("#right-head", Static).update(self._head(c.other, c.right))
        self._show_differences(c)
        self._fit()

    def _show_differences(self, c: Computed) -> None:
        """The rows behind the grids' marks: findings one side has (≠), then cells whose value (≠) or only last
        writer (≈) differs; the title counts the marked cells as the grids show them."""
        table: DataTable[Text] = self.query_one("#compare-list", DataTable)
        table.clear()
        history, cmp = self.left_session.history, c.comparison
        columns = columns_for(self.left_session.config.partition_spec)
        for d in cmp.findings:
            action = history[d.step].action if d.step < len(history) else ""
            side = self.mine if d.side == "left" else c.other
            table.add_row(
                Text(f"{COMPARE_GLYPH['differs']} {side}", style="bold"),
                Text(d.kind, style="bold" if d.severity == "fault" else ""),
                Text(f"{d.step} {action}"),
                Text(cpu_ranges(d.cpus) or "—"),
                Text(d.where),
            )
        for cell in cmp.cells:
            col = columns[cell.column]
            table.add_row(
                Text(f"{COMPARE_GLYPH[cell.mark]} both", style="bold"),
                Text(cell_change(cell, col)),
                Text("end"),
                Text(cpu_ranges(cell.cpus)),
                Text(f"{col.register}.{col.field} ({col.bank})"),
            )
        table.display = bool(cmp.rows)
        self.query_one("#compare-list-title", Static).update(self._list_title(c))

    def _list_title(self, c: Computed) -> str:
        cmp = c.comparison
        if not cmp.rows:
            return f"no cell differs: the same values, last writers and findings under {self.field} {self.mine} and {c.other}"
        unplaced = f", {len(cmp.unplaced)} not on a cell" if cmp.unplaced else ""
        return (
            f"≠ {cmp.count('differs')} cells: value or findings · ≈ {cmp.count('writer')} cells: last writer only · "
            f"{cmp.rows} rows{unplaced} (f)"
        )

    # -- keys ---------------------------------------------------------------------------------
    def action_cycle(self) -> None:
        names = known_names() if self.field == "mshv" else PROFILE_NAMES
        choices = [n for n in names if n != self.mine]
        self.other = choices[(choices.index(self.other) + 1) % len(choices)] if self.other in choices else choices[0]
        self.rebuild()

    def action_profiles(self) -> None:
        self.field = "hypervisor" if self.field == "mshv" else "mshv"
        cfg = self.left_session.config
        self.other = default_other(cfg.mshv) if self.field == "mshv" else next(p for p in PROFILE_NAMES if p != cfg.hypervisor)
        self.rebuild()

    def action_focus_list(self) -> None:
        table = self.query_one("#compare-list", DataTable)
        if table.has_focus or not table.display:
            self.query_one("#left-grid", SynicGrid).focus()
        else:
            table.focus()


def cell_change(cell: CellDifference, col: Column) -> str:
    """ "value ●|○" (the column's glyph, left|right) or "writer V|M"."""
    if cell.what == "value":
        return f"value {'●' if col.live(int(cell.left)) else '○'}|{'●' if col.live(int(cell.right)) else '○'}"
    return f"writer {WRITER_GLYPH.get(str(cell.left), '?')}|{WRITER_GLYPH.get(str(cell.right), '?')}"
