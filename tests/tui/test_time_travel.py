"""Time travel: back and forward one MSR write or one step; grid, findings and inspector follow."""

from __future__ import annotations

from synic_core.model.findings import SEVERITY_RANK
from tui.widgets.panels import TracePanel

from .conftest import make_app

SIZE = (120, 40)
FAULT = SEVERITY_RANK["fault"]


async def press(pilot, *keys):
    for k in keys:
        await pilot.press(k)
        await pilot.pause()


async def test_back_one_write_at_a_time_to_before_the_first_fault() -> None:
    app = make_app("patch5-only", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "k")
        view = app.dashboard.view
        kexec = app.dashboard.session.history[2]
        first_fault = min(f.write for f in kexec.findings if f.kind == "hypervisor_fault" and f.write is not None)
        total = view.boundaries()[-1]
        assert view.position == total and view.at_present
        back = total - (view.boundaries()[2] + first_fault)
        await press(pilot, *["left_square_bracket"] * back)
        # the causing write is undone: no fault shown, the cell is not marked, SINT2 is still unmasked
        assert view.counts()["fault"] == 0 and view.severity(0, "l1", "SINT2") < FAULT
        assert view.value(0, "l1", "SINT2") == 0x200F3
        line = str(app.query_one("#timeline").render())
        assert line.startswith(f" ◀ write {view.position}/{total}, any action returns to now")  # first: a narrow terminal keeps it
        await press(pilot, "right_square_bracket")
        assert view.counts()["fault"] == 1 and view.severity(0, "l1", "SINT2") == FAULT
        from tui.widgets.panels import FindingsPanel

        assert app.query_one(FindingsPanel).shown[0].first.kind == "hypervisor_fault"  # the most severe first
        await press(pilot, "right_curly_bracket")  # to the end of kexec
        assert view.at_present and view.counts()["fault"] == 6


async def test_step_keys_and_the_grid_state() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m")
        await press(pilot, "left_curly_bracket")  # after step 0: VMBus live, MSHV not
        assert app.dashboard.view.upto == 1 and app.dashboard.view.cpus[0].vmbus and not app.dashboard.view.cpus[0].mshv
        assert app.dashboard.view.value(0, "l1", "SINT0") == 0x10000
        await press(pilot, "left_curly_bracket", "left_curly_bracket")  # clamps at the start
        assert app.dashboard.view.upto == 0 and not app.dashboard.view.cpus[0].vmbus
        await press(pilot, "right_square_bracket")  # the first write of step 0
        assert app.dashboard.view.playing and app.dashboard.view.pos == 1 and app.dashboard.view.last == (0, "l1", "SIMP")
        await press(pilot, "right_curly_bracket")
        assert app.dashboard.view.upto == 1 and not app.dashboard.view.playing


async def test_an_action_in_the_past_returns_to_the_present_first() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "left_curly_bracket", "left_square_bracket", "k")
        assert [s.action for s in app.dashboard.session.history] == ["vmbus_load", "mshv_init", "kexec"]
        assert app.dashboard.view.at_present and "faults 0  errors 0" in str(app.query_one("#status").render())


async def test_trace_follows_time_travel() -> None:
    app = make_app("v4", cpus=2)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "a", "v", "m", "t")
        trace = app.query_one("#trace-log", TracePanel)
        assert len(trace.lines) == 8 + 6
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert len(trace.lines) == 8 + 4
