"""`synic trace FILE --dashboard`: a real trace played in the dashboard, with timestamps, tasks, attribution and stacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from synic_core.traces.session import TraceSession
from tests.support.traces import exported, save
from tui.app import SynicApp
from tui.cli import main
from tui.screens.dashboard import DashboardScreen
from tui.widgets.panels import FindingsPanel, Inspector, Legend, TracePanel, group_text

from .conftest import highlighted_command, notifications, plain_trace_app, trace_app, until

SIZE = (160, 44)


async def test_the_trace_opens_with_its_findings_and_refuses_new_actions(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert "faults 12" in str(app.query_one("#status").render())
        await pilot.press("a", "v")
        await pilot.pause()
        assert len(app.dashboard.session.history) == 3
        refusals = [n for n in notifications(app) if "read-only" in n.message]
        assert refusals and all(len(n.message) < 100 and "Press s" in n.message for n in refusals)
        status = str(app.query_one("#status").render())
        assert "trace trace.txt · " in status and status.index("trace trace.txt") < status.index("l1vh")
        assert "channels" not in status  # CPU 0, the default, goes unsaid (a trace's machine binds no channel itself)


def test_a_long_trace_name_leaves_the_settings_in_view(tmp_path: Path) -> None:
    """At 120 columns the status line keeps the CPU count and channels whatever the trace file is called."""
    from synic_core.traces.load import import_trace
    from tui.state.describe import TRACE_NAME_CHARS, status_line
    from tui.state.display import Display
    from tui.themes import VARIABLES

    name = "l1vh-v4-offline-busy-cpu.ftrace.captured-on-the-test-host.txt"
    display = Display(TraceSession(import_trace(save(tmp_path, exported("l1vh-v4-offline-busy-cpu"), name))))
    display.show_final()
    shown = status_line(display, "20/s", VARIABLES).plain
    assert "trace l1vh-v4…st.txt ·" in shown and len("l1vh-v4…st.txt") == TRACE_NAME_CHARS
    assert shown.index("channels on 0-1") + len("channels on 0-1") < 120  # the last column is the ellipsis


def test_a_trace_status_line_names_the_channel_cpus_its_rollbacks_show(tmp_path: Path) -> None:
    """An offline the trace shows rolled back means a channel was bound there: the status line names that CPU."""
    from synic_core.traces.load import import_trace
    from tui.state.describe import status_line
    from tui.state.display import Display
    from tui.themes import VARIABLES

    session = TraceSession(import_trace(save(tmp_path, exported("l1vh-v4-offline-busy-cpu"))))
    display = Display(session)
    display.show_final()
    assert "4 CPUs · channels on 0-1" in status_line(display, "20/s", VARIABLES).plain


async def test_time_travel_replays_the_trace_write_by_write(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        dash.view.seek(16 + 24 + 24)  # after MSHV's exit on every CPU, before VMBus's cleanup
        await pilot.pause()
        assert dash.view.value(2, "l1", "SCONTROL") == 0 and dash.view.value(2, "l1", "SINT2") == 0x200F3
        assert dash.view.counts()["fault"] == 0
        dash.view.seek(16 + 24 + 25)  # CPU 0's SINT2 mask: #GP in the trace
        assert dash.view.counts()["fault"] == 1 and dash.view.value(0, "l1", "SINT2") == 0x200F3


async def test_the_panels_show_timestamps_tasks_attribution_and_the_stack(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await pilot.pause()
        lines = [line.text for line in app.query_one(TracePanel).lines]
        assert any("101.500650 cpuhp/0" in line and "VMBus SINT2" in line and "stack" in line and "#GP" in line for line in lines)
        await pilot.press(*["right"] * 5, "n")  # CPU 0, SINT2
        await pilot.pause()
        text = app.query_one(Inspector).text()
        assert "write 17 on CPU 0" in text and "=> hv_hyp_synic_disable_regs" in text and "=> cpuhp_thread_fun" in text
        assert "the value before each write is the model's" in text


def test_synic_trace_dashboard_opens_the_trace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[SynicApp] = []
    monkeypatch.setattr(SynicApp, "run", lambda self, *a, **k: started.append(self))
    path = save(tmp_path, exported("l1vh-patch5-only-kexec"))
    assert main(["trace", str(path), "--dashboard", "--mshv", "patch5-only"]) == 0
    assert isinstance(started[0].dashboard.session, TraceSession)


def test_synic_trace_without_dashboard_still_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(tmp_path, exported("l1vh-v4-kexec"))
    assert main(["trace", str(path), "--check"]) == 0
    assert "conforms to v4" in capsys.readouterr().out


async def test_switching_the_version_replays_the_inferred_actions_and_z_returns(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        dash.set_setting("mshv", "v4")
        await pilot.pause()
        assert not isinstance(dash.session, TraceSession) and [s.action for s in dash.session.history] == [
            "vmbus_load",
            "mshv_init",
            "kexec",
        ]
        assert dash.view.counts()["fault"] == 0  # what v4 would have done with the same actions
        await pilot.press("z", "z", "z", "z")  # the replayed steps one by one, then back to the trace
        await pilot.pause()
        assert isinstance(dash.session, TraceSession) and dash.view.counts()["fault"] == 12


async def test_ctrl_o_opens_a_trace_read_only_and_never_saves_over_it(tmp_path: Path) -> None:
    from tui.state.opening import open_file

    path = save(tmp_path, exported("l1vh-v4-kexec", layout="trace-cmd"))
    opened = open_file(str(path))
    assert isinstance(opened.session, TraceSession) and opened.path is None and opened.lesson is None
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.dashboard.files.opened(opened)
        await pilot.pause()
        assert app.dashboard.session is opened.session and app.dashboard.controller.opened is None
        toast = notifications(app) and notifications(app)[-1]
        assert toast and toast.title == f"Opened trace {path.name} (read-only)"
        assert "56 SynIC writes on 4 CPUs, 3 inferred actions" in toast.message and "steps (z undoes" not in toast.message
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert "a real trace" in str(app.screen.title_text)  # type: ignore[attr-defined]


async def test_a_trace_longer_than_the_dashboard_plays_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard keeps each write's state for time travel, so it plays the first DASHBOARD_WRITES_KEPT writes; the
    toast says how many of how many, and that `synic trace FILE` judges them all."""
    from synic_core.traces import load
    from tui.state.opening import open_file

    monkeypatch.setattr(load, "DASHBOARD_WRITES_KEPT", 20)
    path = save(tmp_path, exported("l1vh-v4-kexec"))
    opened = open_file(str(path))
    assert isinstance(opened.session, TraceSession) and len(opened.session.imported.attributed.order) == 20
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.dashboard.files.opened(opened)
        await pilot.pause()
        toast = notifications(app)[-1]
        assert "the first 20 SynIC writes of 56 (synic trace FILE judges them all) on 4 CPUs" in toast.message


async def test_a_trace_the_dashboard_starts_on_says_at_once_that_it_plays_only_its_first_writes(tmp_path: Path) -> None:
    """`synic trace BIG --dashboard`: the toast says how many of how many, without opening anything."""
    from synic_core.traces.load import import_trace

    session = TraceSession(import_trace(save(tmp_path, exported("l1vh-v4-kexec")), keep=20))
    app = SynicApp(session, instant=True, manual_ticks=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "the first 20 SynIC writes of 56 (synic trace FILE judges them all)" in notifications(app)[-1].message
    whole = trace_app(tmp_path)
    async with whole.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not notifications(whole)  # a trace played whole is not announced: the dashboard shows it


def test_a_scenario_file_is_not_taken_for_a_trace(tmp_path: Path) -> None:
    from synic_core.traces.reading import looks_like_trace

    scenario = save(tmp_path, '{"partition": "l1vh", "description": "explains write_msr"}', "s.json")
    assert not looks_like_trace(scenario) and looks_like_trace(save(tmp_path, exported("l1vh-v4-kexec", "kvm"), "k.txt"))


async def test_ctrl_o_reads_a_trace_in_a_worker_while_the_dialog_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a big trace takes seconds: the dialog says so and the app keeps answering (the read is held here)."""
    import threading

    from tui.screens import session_files
    from tui.screens.open import OpenScreen
    from tui.state.opening import open_file

    from .conftest import make_app, open_in_dialog, until

    release = threading.Event()

    def held(name: str):
        assert release.wait(60), "never released"
        return open_file(name)

    monkeypatch.setattr(session_files, "open_file", held)
    path = save(tmp_path, exported("l1vh-v4-kexec"))
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await open_in_dialog(app, pilot, str(path))
        screen = app.screen
        assert isinstance(screen, OpenScreen)
        assert f"Reading the trace {path.name}" in str(screen.query_one(".path-message").render())
        release.set()
        await until(pilot, lambda: isinstance(app.dashboard.session, TraceSession), "the trace opened")
        assert not isinstance(app.screen, OpenScreen)


async def test_a_trace_plays_write_by_write_from_where_time_travel_left_it(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        await pilot.press("{", "{", "{", "{")
        await pilot.pause()
        assert dash.view.position == 0 and not dash.view.playing
        await pilot.press("p")
        await pilot.pause()
        assert dash.view.playing and not dash.paused
        dash.player.tick(0.2)  # a fraction of a second plays a few writes, not the step
        assert 0 < dash.view.position < 10
        while dash.view.playing:  # one step's end begins the next, up to the present
            dash.player.tick(1.0)
        assert dash.view.at_present and dash.view.position == sum(len(s.writes) for s in dash.session.history)
        assert not any("Nothing is playing" in str(n.message) for n in notifications(app))


async def test_p_at_the_end_of_a_trace_plays_it_from_its_start_and_dot_steps_one_write(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        dash = app.dashboard
        await pilot.press(".")
        await pilot.pause()
        assert dash.view.playing and dash.paused and dash.view.position == 1
        await pilot.press(".")
        await pilot.pause()
        assert dash.view.position == 2
        await pilot.press("p")
        await pilot.pause()
        dash.player.tick(1.0)
        assert dash.view.position > 2


async def test_at_120x40_a_faulted_row_shows_register_values_and_gp_and_is_marked_whole(tmp_path: Path) -> None:
    app = trace_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        panel = app.query_one(TracePanel)
        width = panel.scrollable_content_region.width
        faulted = [line for line in panel.lines if "#GP" in line.text]
        assert faulted and width > 0
        for line in faulted:
            assert line.text.index("#GP") + 3 <= width and "VMBus S" in line.text[:width]
            styles = [seg.style for seg in line if seg.text.strip()]
            assert all(style is not None and style.reverse for style in styles)  # the whole row, not the value alone


async def test_ctrl_s_refuses_to_save_a_trace_and_says_what_to_do_instead(tmp_path: Path) -> None:
    """Saving would keep only the guessed actions under a guessed version: they replay to other findings."""
    from textual.widgets._footer import FooterKey

    app = trace_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.screen.query(FooterKey)), "the footer drawn")
        save_key = next(k for k in app.screen.query(FooterKey) if k.key == "ctrl+s")
        assert save_key.has_class("-disabled")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)  # no save dialog
        told = notifications(app)[-1]
        assert told.title == "Not saved" and "reopen the trace file" in told.message.lower()
        assert "E (Markdown)" in told.message and "J (JSON)" in told.message
        assert not list(tmp_path.glob("*.json"))
        await pilot.press("ctrl+p")
        await pilot.press(*"save (")
        await until(pilot, lambda: highlighted_command(app).startswith("save"), "the palette's save hit")
        assert "(disabled)" in highlighted_command(app)
        await pilot.press("enter")
        await until(pilot, lambda: len([n for n in notifications(app) if n.title == "Not saved"]) == 2, "said again")
        assert isinstance(app.screen, DashboardScreen)


def cell(app: SynicApp, cpu: int, register: str) -> tuple[str, Style]:
    """The grid cell of a CPU's register (its first column) as drawn: its text and its style."""
    grid = app.dashboard.grid
    col = grid.column_of("l1", register)
    assert col is not None
    strip = grid._row_strip(cpu, grid.styles_cache())
    x = grid.label_w + col * grid.cell_w
    segment = next(seg for seg in strip if seg.text and x <= strip_offset(strip, seg) < x + grid.cell_w)
    assert segment.style is not None
    return segment.text, segment.style


def strip_offset(strip: Strip, target: Segment) -> int:
    offset = 0
    for seg in strip:
        if seg is target:
            return offset
        offset += seg.cell_length
    raise AssertionError("not in the strip")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_refused_write_the_trace_cannot_judge_is_drawn_as_outcome_unknown(tmp_path: Path, size: tuple[int, int]) -> None:
    """A plain WRMSR is traced the same whether it faulted or not: the grid, the findings, the inspector and the
    legend say "outcome unknown", never a fault, and the status line counts them apart."""
    app = plain_trace_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        grid = app.dashboard.grid
        unknown = grid.get_component_rich_style("synic-grid--unknown")
        fault = grid.get_component_rich_style("synic-grid--fault")
        assert unknown.bgcolor is not None and unknown.bgcolor != fault.bgcolor
        for cpu in range(4):
            for register in ("SIMP", "SIEFP", "SINT2"):  # VMBus's teardown writes after MSHV cleared SCONTROL
                text, style = cell(app, cpu, register)
                assert text.strip()[2] == "~" and style.bgcolor == unknown.bgcolor, (cpu, register, text)
            assert "X" not in grid._row_strip(cpu, grid.styles_cache()).text
        status = str(app.query_one("#status").render())
        assert "faults 12 (12 outcome unknown)" in status
        await pilot.press("f")
        await pilot.pause()
        groups = app.query_one(FindingsPanel).shown
        faults = [g for g in groups if g.first.kind == "hypervisor_fault"]
        assert len(faults) == 3 and all(g.predicted for g in faults)
        assert all(str(group_text(g, app.theme_variables)).startswith("~ outcome unknown hypervisor_fault") for g in faults)
        assert [g for g in groups if g.matches("outcome unknown")] == faults  # `/` finds them by what they are called
        await pilot.press(*["right"] * 5, "n")  # CPU 0, SINT2
        await pilot.pause()
        text = app.query_one(Inspector).text()
        assert "~ outcome unknown: the profile refuses this write, but the trace does not show whether it faulted" in text
        assert "~ outcome unknown hypervisor_fault" in text and "X fault" not in text
        assert "0x200f3→0x300f3 ~" in text  # the write's own line in the cell's history
        await pilot.press("l")
        await pilot.pause()
        assert "~  outcome unknown (a real trace)" in app.query_one(Legend).text()


async def test_with_the_kernel_log_the_write_it_names_stays_a_fault(tmp_path: Path) -> None:
    """The log prints the first refused write of a boot: that one is an observed fault (nothing changed), the rest
    stay unknown; played write by write, the observed fault never shows its value as written."""
    app = plain_trace_app(tmp_path, with_log=True)
    async with app.run_test(size=(120, 40)) as pilot:
        text, style = cell(app, 0, "SINT2")
        assert text.strip()[:3] == "●VX" and style.bgcolor == app.dashboard.grid.get_component_rich_style("synic-grid--fault").bgcolor
        assert [cell(app, cpu, "SINT2")[0].strip()[2] for cpu in (1, 2, 3)] == ["~"] * 3
        assert "faults 12 (11 outcome unknown)" in str(app.query_one("#status").render())
        dash = app.dashboard
        dash.view.seek(16 + 24 + 25)  # CPU 0's SINT2 mask: the write the log names
        await pilot.pause()
        assert dash.view.value(0, "l1", "SINT2") == 0x200F3 and dash.view.counts()["fault"] == 1
        assert dash.view.outcome_unknown_count() == 0
        await pilot.press("t")
        await pilot.pause()
        lines = [line.text for line in app.query_one(TracePanel).lines]
        assert any("0x300f3 #GP (log line 3)" in line for line in lines)


async def test_the_plain_text_view_says_outcome_unknown_too(tmp_path: Path) -> None:
    """G's text (for screen readers and copying) reads as the grid does: `~` and OUTCOME UNKNOWN, X only where seen."""
    from textual.widgets import TextArea

    from tui.screens.text_dump import TextDumpScreen

    app = plain_trace_app(tmp_path, with_log=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("G")
        await pilot.pause()
        assert isinstance(app.screen, TextDumpScreen)
        text = app.screen.query_one(TextArea).text
        rows = {int(line.split()[0]): line for line in text.splitlines()[2:6]}
        assert "on  VX" in rows[0] and "off V~" in rows[1] and "X" not in rows[1].split(None, 4)[-1]
        assert "~ outcome unknown" in text and "OUTCOME UNKNOWN hypervisor_fault step 2 CPUs 1-3 SINT2.masked" in text
        assert "FAULT hypervisor_fault step 2 CPUs 0 SINT2.masked by VMBus: VMBus's write of 0x300f3 to SINT2 on CPU 0 faulted" in text
        assert "faults 12 (11 outcome unknown)" in text.splitlines()[0]


async def test_compare_keeps_a_traces_unknown_outcomes_apart(tmp_path: Path) -> None:
    """d on a trace: its side still draws ~ and counts the predicted faults apart; the model's side has none."""
    from tui.screens.compare import CompareScreen
    from tui.widgets.grid import SynicGrid

    app = plain_trace_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.computed is not None, "the other side")
        screen = app.screen
        assert "faults 12 (12 outcome unknown)" in str(screen.query_one("#left-head").render())
        assert "outcome unknown" not in str(screen.query_one("#right-head").render())
        left = screen.query_one("#left-grid", SynicGrid)
        assert left._row_strip(0, left.styles_cache()).text.count("~") == 3  # SIMP, SIEFP, SINT2
