"""Presenter mode: big cells, no side panels, a caption, and lessons that play by themselves."""

from __future__ import annotations

from synic_core.lesson import load_lesson
from tui.app import SPEEDS, SynicApp
from tui.widgets.grid import CELL_W, SynicGrid

SIZE = (120, 40)


async def test_presenter_mode_layout_and_speed():
    app = SynicApp(instant=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        grid = app.query_one(SynicGrid)
        assert app.presenter and not app.query_one("#sidebar").display
        assert grid.cell_w > CELL_W and grid.row_h == 2
        assert not app.instant and SPEEDS[app.speed_index] == 5
        assert app.query_one("#caption").display
        await pilot.click(SynicGrid, offset=(grid.label_w + grid.cell_w * 2 + 1, 2 + 2 * 3))
        assert (grid.cursor_cpu, grid.cursor_col) == (3, 2)  # clicks map through the larger geometry
        await pilot.press("P")
        await pilot.pause()
        assert not app.presenter and app.query_one("#sidebar").display and grid.cell_w == CELL_W


async def test_presenter_plays_a_lesson_by_itself():
    lesson = load_lesson("ownership-l1vh")
    app = SynicApp(lesson=lesson)
    app.presenter_pause = 0.05
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        app.speed_index = len(SPEEDS) - 1  # fast, so the test does not wait long
        for _ in range(100):
            await pilot.pause(0.1)
            if app.lesson_pos == len(lesson.steps) and not app.view.playing:
                break
        assert app.lesson_pos == len(lesson.steps)
        assert lesson.steps[-1].note[:40] in str(app.query_one("#caption").render()).replace("\n", " ")
