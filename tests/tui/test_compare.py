"""Compare mode: the same steps under two versions or profiles, in the app and headless."""

from __future__ import annotations

import json

import pytest

from synic_core.cli import main
from tui.screens.compare import CompareScreen
from tui.widgets.grid import SynicGrid

from .conftest import make_app, until

SIZE = (160, 44)


def differing_cells(grid: SynicGrid) -> int:
    return len(grid.compare_marks)


async def test_compare_screen_marks_differences_and_switches() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(app, pilot)
        assert "mshv v4" in str(screen.query_one("#left-head").render())
        right = str(screen.query_one("#right-head").render())
        assert "mshv mainline" in right and "errors 28" in right
        left_grid = screen.query_one("#left-grid", SynicGrid)
        assert differing_cells(left_grid) > 0
        await pilot.press("tab")
        await settle(app, pilot)
        assert screen.other == "patch5-only" and "faults 12" in str(screen.query_one("#right-head").render())
        await pilot.press("h")
        await settle(app, pilot)
        assert screen.field == "hypervisor" and screen.other == "lenient"
        assert differing_cells(left_grid) == 0  # v4 behaves the same under both profiles
        assert not screen.query_one("#compare-list").display
        assert "no cell differs: the same values, last writers and findings under hypervisor strict and lenient" in str(
            screen.query_one("#compare-list-title").render()
        )
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


async def open_compare(app, pilot, keys: tuple[str, ...] = ("a", "v", "m", "k", "d")) -> CompareScreen:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    return screen


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (136, 40), (160, 44)])
async def test_heads_are_one_line_and_grids_never_scroll_sideways_when_they_fit(size: tuple[int, int]) -> None:
    app = make_app("patch5-only", cpus=512)  # long counts: "faults 1536  errors 4096  warnings 1536  info 0"
    async with app.run_test(size=size) as pilot:
        screen = await open_compare(app, pilot)
        left, right = screen.query_one("#left-grid", SynicGrid), screen.query_one("#right-grid", SynicGrid)
        for head in screen.query(".compare-head"):
            assert head.region.height == 1
        if not screen.has_class("narrow"):
            assert left.region.y == right.region.y  # the two grids start on the same row
        for grid in (left, right):
            assert grid.virtual_size.width <= grid.region.width
            assert not grid.show_horizontal_scrollbar
        assert screen.has_class("narrow") == (size[0] < 136)


async def test_the_keys_are_in_the_footer_not_in_a_cut_help_line() -> None:
    from textual.widgets._footer import FooterKey

    app = make_app("v4")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(app, pilot)
        assert not screen.query("#compare-help")
        shown = {key.description for key in screen.query(FooterKey)}
        assert {"back", "next version", "versions/profiles", "findings list"} <= shown


async def test_the_findings_that_differ_are_listed_by_kind_step_cpus_and_register() -> None:
    from textual.widgets import DataTable

    app = make_app("patch5-only")
    async with app.run_test(size=(160, 44)) as pilot:
        screen = await open_compare(app, pilot)
        table = screen.query_one("#compare-list", DataTable)
        rows = [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert rows[0] == ("≠ patch5-only", "hypervisor_fault", "2 kexec", "0-3", "SIEFP.enable (l1)")
        assert ("≠ mainline", "stale_state", "2 kexec", "0-3", "SINT5.masked (l1)") in rows
        assert ("≠ both", "value ●|○", "end", "0-3", "SINT2.masked (l1)") in rows  # patch5-only's refused unmask
        title = str(screen.query_one("#compare-list-title").render())
        assert f"{len(rows)} rows" in title and f"≠ {differing_cells(screen.query_one('#left-grid', SynicGrid))} cells" in title
        await pilot.press("f")  # the list takes the keys, f again gives them back to the grid
        assert table.has_focus
        await pilot.press("f")
        assert screen.query_one("#left-grid").has_focus
        await pilot.press("h")  # strict against lenient: the faults are strict's alone
        await settle(app, pilot)
        rows = [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        assert ("≠ strict", "hypervisor_fault") in {row[:2] for row in rows}
        assert all(row[0] == "≠ strict" for row in rows if row[1] == "hypervisor_fault")


async def test_the_other_side_is_computed_in_a_worker_and_tab_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from synic_core.scenarios.compare import replay_under as real
    from tui.screens import compare

    release = threading.Event()
    computed: list[str] = []

    def slow(scenario, settings, source):
        release.wait(timeout=10)  # seconds at 4096 CPUs: here as long as the test wants
        computed.extend(settings.values())
        return real(scenario, settings, source)

    monkeypatch.setattr(compare, "replay_under", slow)
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("a", "v", "m", "k", "d"):
            await pilot.press(key)
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)  # open at once, the replay still running
        assert "computing…" in str(screen.query_one("#right-head").render())
        assert screen.query_one("#right-grid").loading
        await pilot.press("tab", "tab")  # answered while the replay runs
        await pilot.pause()
        assert screen.other == "v1" and "mshv v1  computing…" in str(screen.query_one("#right-head").render())
        assert len([w for w in app.workers if w.group == "compare" and not w.is_finished]) == 1  # no pile of replays
        release.set()
        for _ in range(3):
            await settle(app, pilot)
        assert computed == ["mainline", "v1"]  # patch5-only, chosen and left behind meanwhile, never computed
        assert "mshv v1  faults" in str(screen.query_one("#right-head").render())
        assert not screen.query_one("#right-grid").loading
        await pilot.press("h")  # profiles, then versions again: mainline comes from the cache, no replay
        await settle(app, pilot)
        await pilot.press("h")
        await pilot.pause()
        assert screen.other == "mainline" and computed.count("mainline") == 1
        assert "mshv mainline  faults" in str(screen.query_one("#right-head").render())


def test_run_compare_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--compare", "patch5-only,v4"]) == 1
    out = capsys.readouterr().out
    assert "hypervisor_fault ≠" in out and "Final register values that differ" in out
    assert main(["run", "l1vh-patch5-only-kexec", "--compare", "patch5-only,v4", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)["compare"]
    assert data["a"]["kinds"]["hypervisor_fault"] == 12 and data["b"]["kinds"]["hypervisor_fault"] == 0
    sint2 = next(d for d in data["differences"] if d["register"] == "SINT2")
    assert sint2 == {"bank": "l1", "register": "SINT2", "a": 0x200F3, "b": 0x300F3, "cpus": [0, 1, 2, 3]}


def test_run_compare_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--compare", "strict,lenient", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)["compare"]
    assert data["a"]["summary"]["fault"] == 12 and data["b"]["summary"]["fault"] == 0


def test_run_compare_bad_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-v4-kexec", "--compare", "v4"]) == 2
    assert "--compare: expected two MSHV versions" in capsys.readouterr().err


async def test_the_footer_is_composed_again_when_the_comparison_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the grid is loading its bindings are not active; a footer composed then must follow once it is done."""
    import threading

    from textual.widgets._footer import FooterKey

    from synic_core.scenarios.compare import replay_under
    from tui.screens import compare

    release = threading.Event()

    def held(*args: object) -> object:
        release.wait(timeout=60)
        return replay_under(*args)  # type: ignore[arg-type]

    def footer() -> list[str]:
        return [key.action for key in app.screen.query(FooterKey)]

    def wanted() -> list[str]:
        actions = [b.binding.action for b in app.screen.active_bindings.values() if b.binding.show]
        return [*dict.fromkeys(actions), "command_palette"]

    monkeypatch.setattr(compare, "replay_under", held)
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "v", "d")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen) and footer() == wanted(), "the footer, computing")
        loading = footer()
        release.set()
        await app.workers.wait_for_complete()
        await until(pilot, lambda: footer() == wanted(), "the footer of the loaded grid")
        assert footer() != loading  # the grid's own escape comes first once it is active


def grid_marks(grid: SynicGrid) -> dict[str, set[tuple[int, int]]]:
    """The compare glyph each cell shows (the fifth character of ' ●V!≠'), read from the drawn rows."""
    out: dict[str, set[tuple[int, int]]] = {"≠": set(), "≈": set()}
    for cpu in range(grid.ncpus):
        text = grid._row_strip(cpu, grid.styles_cache()).text
        for i in range(len(grid.columns)):
            glyph = text[grid.label_w + i * grid.cell_w + 4]
            if glyph != " ":
                out[glyph].add((cpu, i))
    return out


def cpus_of(text: str) -> list[int]:
    return [cpu for part in text.split(",") if part != "—" for cpu in range(int(part.split("-")[0]), int(part.split("-")[-1]) + 1)]


def listed_marks(grid: SynicGrid, rows: list[tuple[str, ...]]) -> dict[str, set[tuple[int, int]]]:
    """The cells the list's rows name: a finding's every column of its register, a value or writer row its column."""
    out: dict[str, set[tuple[int, int]]] = {"≠": set(), "≈": set()}
    for side, _kind, _step, cpus, where in rows:
        name, bank = where.split(" (")
        register, field = name.split(".", 1)
        for i, col in enumerate(grid.columns):
            if (col.bank, col.register) == (bank.rstrip(")"), register) and (not side.endswith(" both") or col.field == field):
                out[side[0]] |= {(cpu, i) for cpu in cpus_of(cpus)}
    return out


def only_writer_differs(real):
    """The other side with CPU 1's SINT0 written last by VMBus: its value and findings stay alike, only the letter differs."""
    from synic_core.model.registers import STATE_INDEX

    def replay(scenario, settings, source):
        session = real(scenario, settings, source)
        session.state.writer["l1"][1][STATE_INDEX["SINT0"]] = "vmbus"
        return session

    return replay


@pytest.mark.parametrize(("mshv", "tabs", "writer_only"), [("patch5-only", 0, False), ("v4", 1, False), ("v4", 1, True)])
async def test_the_grid_marks_the_list_and_the_title_agree(
    mshv: str, tabs: int, writer_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rule: ≠ where a cell's value or findings differ, ≈ where only its last writer does; every marked cell is in
    a row of its mark, every row names only cells with its mark, and the title counts what the grids show."""
    import re

    from textual.widgets import DataTable

    from synic_core.scenarios.compare import replay_under
    from tui.screens import compare

    if writer_only:
        monkeypatch.setattr(compare, "replay_under", only_writer_differs(replay_under))
    app = make_app(mshv)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_compare(app, pilot)
        for _ in range(tabs):
            await pilot.press("tab")
            await settle(app, pilot)
        left, right = screen.query_one("#left-grid", SynicGrid), screen.query_one("#right-grid", SynicGrid)
        table = screen.query_one("#compare-list", DataTable)
        rows = [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
        shown = grid_marks(left)
        assert shown == grid_marks(right) and shown["≠"]
        assert listed_marks(left, rows) == shown
        assert bool(shown["≈"]) == writer_only
        title = str(screen.query_one("#compare-list-title").render())
        counts = re.search(r"≠ (\d+) cells: value or findings · ≈ (\d+) cells: last writer only · (\d+) rows", title)
        assert counts is not None, title
        assert (int(counts[1]), int(counts[2]), int(counts[3])) == (len(shown["≠"]), len(shown["≈"]), len(rows))
