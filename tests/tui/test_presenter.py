"""Presenter mode: big cells, no side panels, a caption, and lessons that play by themselves."""

from __future__ import annotations

from synic_core.scenarios.lesson import load_lesson
from tui.app import SynicApp
from tui.state.playback import SPEEDS
from tui.widgets.grid import CELL_W, SynicGrid

SIZE = (120, 40)


async def test_presenter_mode_layout_and_speed() -> None:
    app = SynicApp(instant=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        grid = app.query_one(SynicGrid)
        assert app.dashboard.presenter and not app.query_one("#sidebar").display
        assert grid.cell_w > CELL_W and grid.row_h == 2
        assert not app.dashboard.instant and SPEEDS[app.dashboard.speed_index] == 5
        assert app.query_one("#caption").display
        await pilot.click(SynicGrid, offset=(grid.label_w + grid.cell_w * 2 + 1, 2 + 2 * 3))
        assert (grid.cursor_cpu, grid.cursor_col) == (3, 2)  # clicks map through the larger geometry
        await pilot.press("P")
        await pilot.pause()
        assert not app.dashboard.presenter and app.query_one("#sidebar").display and grid.cell_w == CELL_W
        assert app.dashboard.instant and SPEEDS[app.dashboard.speed_index] == 20  # the playback chosen before


async def test_leaving_presenter_mode_restores_the_speed_chosen_before() -> None:
    app = SynicApp(instant=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus", "plus")  # faster, twice
        await pilot.pause()
        chosen = app.dashboard.speed_index
        assert SPEEDS[chosen] > 20
        await pilot.press("P", "P")
        await pilot.pause()
        assert app.dashboard.speed_index == chosen and not app.dashboard.instant
        assert f"{SPEEDS[chosen]}/s" in str(app.dashboard.query_one("#status").render())


async def test_presenter_plays_a_lesson_by_itself() -> None:
    """Driven by hand: each playback tick and each autoplay timer, so no wall clock is involved."""
    lesson = load_lesson("ownership-l1vh")
    app = SynicApp(lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        await pilot.press("P")
        assert "Presenter" not in str(app.query_one("#caption").render())  # the lesson's intro, not the hint
        for _ in range(len(lesson.steps)):
            dash.lessons.autoplay_next()  # what the presenter's timer calls after each pause
            while dash.view.playing:
                dash.player.tick(1.0)
        await pilot.pause()
        assert dash.lessons.pos == len(lesson.steps)
        caption = str(app.query_one("#caption").render()).replace("\n", " ")
        assert lesson.steps[-1].note.replace("**", "")[:40] in caption
        assert (lesson.outro or "End of the lesson.").replace("**", "")[:30] in caption
