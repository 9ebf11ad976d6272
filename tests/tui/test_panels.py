"""The side panels in a user's hands: every finding reachable, nothing clipped, everything scrolls."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from textual.widgets import Input

from synic_core import Session, StepResult
from synic_core.model.vocabulary import ActionName
from synic_core.versions.registry import session_config
from tui.state.display import Display
from tui.widgets.panels import FindingsPanel, Inspector, ScrollingText, TracePanel

from .conftest import make_app, notifications, open_in_dialog, settle

SIZE = (120, 40)


async def test_a_wrapped_finding_keeps_its_last_line() -> None:
    """A finding's message wrapped over several lines used to lose the last one ('…on this' without 'VP.')."""
    for size in ((80, 24), (120, 40), (200, 60)):
        app = make_app("patch5-only")
        async with app.run_test(size=size) as pilot:
            await pilot.press("a", "v", "m", "k")
            await pilot.pause()
            panel = app.query_one(FindingsPanel)
            first = panel.shown[0].message.split()[-1]  # "VP."
            lines = panel.render_lines(panel.scrollable_content_region.reset_offset)
            visible = " ".join(s.text for s in lines)
            assert first in visible, (size, visible[:400])


async def test_at_4096_cpus_the_faults_lead_the_list() -> None:
    app = make_app("patch5-only", cpus=4096)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k")  # typed at once: the actions queue behind the one being computed
        await settle(app)
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load", "mshv_init", "kexec"]
        panel = app.query_one(FindingsPanel)
        faults = [g for g in panel.shown if g.first.kind == "hypervisor_fault"]
        assert faults and panel.shown[0] is faults[0]  # visible without scrolling
        assert sum(g.count for g in faults) == 12288 and faults[0].cpus == "0-4095"
        assert sum(g.count for g in panel.shown) == len(app.dashboard.view.findings)  # nothing capped


async def test_filter_by_severity_and_kind_and_search() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k")
        panel = app.query_one(FindingsPanel)
        panel.focus()
        total = len(panel.shown)
        kinds = {g.first.kind for g in panel.shown}
        await pilot.press("f", "f")  # errors and faults: "error or worse"
        await pilot.pause()
        assert "error or worse" in str(app.query_one("#findings-filter").render())
        await pilot.press("f")  # faults only
        await pilot.pause()
        assert panel.shown and all(g.first.severity == "fault" for g in panel.shown)
        assert "faults only" in str(app.query_one("#findings-filter").render())
        await pilot.press("f", "K")  # all severities, first kind
        await pilot.pause()
        assert len({g.first.kind for g in panel.shown}) == 1 and len(panel.shown) < total
        assert f"{panel.kind} only" in str(app.query_one("#findings-filter").render())
        await pilot.press(*["K"] * len(kinds))  # past the last kind, round to "all kinds" again
        await pilot.pause()
        assert len(kinds) > 1 and panel.kind is None and len(panel.shown) == total
        await pilot.press("slash")
        await pilot.pause()
        search = app.query_one("#findings-search", Input)
        assert search.display and search.has_focus
        await pilot.press(*"SIRBP", "enter")
        await pilot.pause()
        assert panel.shown and all("SIRBP" in g.first.register or "SIRBP" in g.message for g in panel.shown if g.first.register)
        assert panel.has_focus  # enter goes back to the list, the filter stays


async def test_slash_from_the_grid_opens_the_search() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k", "slash", *"dangling")
        await pilot.pause()
        panel = app.query_one(FindingsPanel)
        assert panel.shown and {g.first.kind for g in panel.shown} == {"dangling_page"}


async def test_tab_reaches_each_panel_and_it_scrolls() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "v", "m", "k", "right", "right", "right", "right", "right", "n")
        await pilot.pause()
        inspector = app.query_one(Inspector)
        await pilot.press("tab")
        await pilot.pause()
        assert inspector.has_focus  # straight from the grid to the panel, not the tab bar
        assert inspector.max_scroll_y > 0  # at 80x24 the inspector is longer than its pane
        await pilot.press("end")
        await pilot.pause()
        assert inspector.scroll_y == inspector.max_scroll_y


async def test_inspector_shows_the_newest_finding_first() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "k", *["right"] * 5, "n")  # SINT2: a fault at kexec, after earlier findings
        await pilot.pause()
        text = app.query_one(Inspector).text()
        steps = [int(part.split()[0]) for part in text.split("step ")[1:] if part.split()[0].isdigit()]
        assert steps and steps == sorted(steps, reverse=True)


async def test_the_trace_filter_is_named_on_screen() -> None:
    app = make_app("patch5-only")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m", "e")
        await pilot.pause()
        label = str(app.query_one("#trace-filter").render())
        assert "VMBus only" in label and "all CPUs" in label
        await pilot.press("r")
        await pilot.pause()
        assert "CPU 0" in str(app.query_one("#trace-filter").render())
        assert app.query_one(TracePanel).cpu == 0


@pytest.fixture
def applied_on_main_thread(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each `Session.apply` call: whether it ran on the main (event-loop) thread."""
    threads: list[bool] = []
    real = Session.apply

    def recording(self: Session, action: ActionName, cpus: list[int] | None = None) -> StepResult:
        threads.append(threading.current_thread() is threading.main_thread())
        return real(self, action, cpus)

    monkeypatch.setattr(Session, "apply", recording)
    return threads


async def test_a_large_action_is_computed_off_the_event_loop(applied_on_main_thread: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """At 4096 CPUs kexec takes seconds to compute: a worker thread does it, so keys are answered meanwhile."""
    threads = applied_on_main_thread
    release = threading.Event()
    recording = Session.apply

    def held(self: Session, action: ActionName, cpus: list[int] | None = None) -> StepResult:
        release.wait(timeout=60)  # the worker computes for as long as the test looks at the status line
        return recording(self, action, cpus)

    monkeypatch.setattr(Session, "apply", held)
    app = make_app("patch5-only", cpus=4096)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await pilot.pause()
        assert "computing VMBus load on 4096 CPUs" in str(app.query_one("#status").render())
        assert not app.dashboard.session.history  # still computing, and the keys were answered
        release.set()
        await settle(app)
        assert threads == [False] and app.dashboard.session.history


async def test_nested_root_columns_scroll_with_a_sticky_cpu_column_and_a_hint() -> None:
    app = make_app("v4", partition="nested_root")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "m")
        grid = app.dashboard.grid
        header = grid.render_line(0).text
        assert header.rstrip().endswith("›")  # more columns to the right, and the header says so
        await pilot.press(*["right"] * (len(grid.columns) - 1))
        await pilot.pause()
        assert grid.scroll_offset.x > 0 and grid.scroll_offset.x % grid.cell_w == 0  # whole columns: headers over cells
        header, row = grid.render_line(0).text, grid.render_line(2).text
        assert header.startswith(" CPU ‹") and row.startswith("▸    0")  # the CPU column stays
        assert "SINT5'" in header


async def test_a_clean_run_closes_the_story_and_the_legend_explains_what_the_grid_shows() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(FindingsPanel)
        assert "No findings yet." in str(panel.get_option_at_index(0).prompt)
        await pilot.press("a", "v", "m", "k")
        await pilot.pause()
        assert "every write was made by the register's owner" in str(panel.get_option_at_index(0).prompt)
        legend = app.query_one("#legend-text", ScrollingText).text()
        assert "background" in legend and "written last" in legend and "≠" in legend
        assert " i " not in legend  # the grid never shows an info glyph


async def test_status_line_keeps_its_priorities_and_speed_keys_make_no_toasts() -> None:
    app = make_app("patch5-only", instant=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        status = str(app.query_one("#status").render())
        assert "playing" in status and "step 0" in status  # playback and the step come before the settings
        assert "any action returns to now" not in str(app.query_one("#timeline").render())  # playing is not time travel
        await pilot.press("p")
        assert "paused" in str(app.query_one("#status").render())
        await pilot.press("plus", "plus", "minus")
        await pilot.pause()
        assert not notifications(app)  # the status line says the speed; no toast per press


async def test_page_down_moves_a_whole_screen() -> None:
    app = make_app("v4", cpus=256)
    async with app.run_test(size=SIZE) as pilot:
        grid = app.dashboard.grid
        await pilot.press("pagedown")
        assert grid.cursor_cpu == grid.visible_rows > 1


async def test_a_large_report_is_written_in_the_background(tmp_path: Path) -> None:
    app = make_app("v4", cpus=4096)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v")
        await settle(app)
        await pilot.press("J")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "big.json")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, type(app.dashboard))  # the dialog closed: the writing goes on in a worker
        await settle(app)
        assert json.loads((tmp_path / "big.json").read_text())["scenario"]["cpus"] == 4096
        assert any("Wrote" in str(n.message) for n in notifications(app))


async def test_a_large_scenario_is_replayed_in_the_background_when_opened(tmp_path: Path, applied_on_main_thread: list[bool]) -> None:
    threads = applied_on_main_thread
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"partition": "l1vh", "cpus": 4096, "mshv": "v4", "steps": [{"action": "vmbus_load"}]}))
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(big))
        await settle(app)
        assert app.dashboard.session.config.cpus == 4096 and len(app.dashboard.session.history) == 1
        assert threads == [False]  # replayed off the event loop


def test_the_status_line_numbers_the_step_shown_as_the_timeline_does() -> None:
    from tui.state.describe import status_line, timeline
    from tui.themes import VARIABLES

    session = Session(session_config(cpus=2))
    display = Display(session)
    assert "│ no step yet ·" in status_line(display, "20/s", VARIABLES).plain
    for action in ("vmbus_load", "mshv_init", "kexec"):
        session.apply(action)
    display.show_final()
    assert "│ step 2 ·" in status_line(display, "20/s", VARIABLES).plain and " 2:kexec ✓" in timeline(display, False, VARIABLES).plain
    display.show_upto(1)  # time travel: the status follows what is shown
    assert "│ step 0 ·" in status_line(display, "20/s", VARIABLES).plain
    display.begin(session.history[1])  # playing step 1
    assert "│ step 1 ·" in status_line(display, "20/s", VARIABLES).plain


def test_the_timeline_marks_a_refused_step_apart_and_the_legend_says_so() -> None:
    from tui.state.describe import LEGEND, timeline
    from tui.themes import VARIABLES

    session = Session(session_config(cpus=2))
    session.apply("vmbus_load")
    assert session.apply("cpu_offline", [0]).refused  # x86 never offlines CPU 0
    display = Display(session)
    display.show_final()
    line = timeline(display, False, VARIABLES).plain
    assert " 0:vmbus_load ✓" in line and " 1:cpu_offline ✗" in line and "cpu_offline ✓" not in line
    assert "✓ step played  ✗ step refused" in LEGEND
