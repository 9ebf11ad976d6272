"""Repaint cost after one cell change, measured end to end in a headless app.

Each trial changes one cell, lets Textual refresh and composite (`pilot.pause()`), and counts the
process's CPU time (`time.process_time`), so idle waits inside the pause do not count. The same
trial without a change is the baseline that is subtracted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from synic_core import Session
from synic_core.model.columns import columns_for
from synic_core.model.registers import STATE_INDEX
from synic_core.versions.registry import session_config
from tui.state.display import Display
from tui.widgets.grid import SynicGrid

SIZE = (200, 60)
TRIALS = 40


class GridApp(App[None]):
    def __init__(self, cpus: int, partition: str = "nested_root") -> None:
        super().__init__()
        self.session = Session(session_config(partition=partition, cpus=cpus))
        self.view = Display(self.session)
        self.columns = columns_for(self.session.config.partition_spec)

    def compose(self) -> ComposeResult:
        yield SynicGrid(self.view, self.columns)

    def change(self, i: int) -> None:
        grid = self.query_one(SynicGrid)
        cpu = grid.scroll_offset.y + 5
        self.view.regs["l1"][cpu][STATE_INDEX["SIMP"]] ^= 1
        grid.refresh_cells({(cpu, "l1", "SIMP")})


class TableApp(App[None]):
    def __init__(self, cpus: int, columns: int) -> None:
        super().__init__()
        self.cpus, self.ncols = cpus, columns

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*(f"c{i}" for i in range(self.ncols)))
        for cpu in range(self.cpus):
            table.add_row(*(f"○V{cpu % 7}" for _ in range(self.ncols)))

    def change(self, i: int) -> None:
        self.query_one(DataTable).update_cell_at(Coordinate(5, 1), "●M!" if i % 2 else "○V ")


async def cpu_per_trial(app: App[None], change: Callable[[int], None] | None, scroll_to: int = 0) -> float:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if scroll_to:
            app.query_one(SynicGrid).scroll_to(y=scroll_to, animate=False)
            await pilot.pause()
        samples = []
        for i in range(TRIALS):
            start = time.process_time()
            if change:
                change(i)
            await pilot.pause()
            samples.append(time.process_time() - start)
        return statistics.median(samples)


async def repaint_cost(make: Callable[[], App[None]], scroll_to: int = 0) -> float:
    """Median CPU seconds of one change + repaint, minus an idle tick."""
    base = await cpu_per_trial(make(), None, scroll_to)
    app = make()
    busy = await cpu_per_trial(app, app.change, scroll_to)  # type: ignore[attr-defined]
    return max(busy - base, 1e-6)


def grid_vs_datatable() -> tuple[float, float]:
    cols = len(columns_for(Session(session_config(partition="nested_root")).config.partition_spec)) + 1
    grid = asyncio.run(repaint_cost(lambda: GridApp(256)))
    table = asyncio.run(repaint_cost(lambda: TableApp(256, cols)))
    return grid, table


def grid_4096_vs_64() -> tuple[float, float]:
    small = asyncio.run(repaint_cost(lambda: GridApp(64, "l1vh")))
    big = asyncio.run(repaint_cost(lambda: GridApp(4096, "l1vh"), scroll_to=3000))
    return big, small
