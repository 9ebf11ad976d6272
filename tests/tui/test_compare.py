"""Compare mode: the same steps under two versions or profiles, in the app and headless."""

from __future__ import annotations

import json

import pytest

from synic_core.cli import main
from tui.screens.compare import CompareScreen
from tui.widgets.grid import SynicGrid

from .conftest import make_app

SIZE = (160, 44)


def differing_cells(grid: SynicGrid) -> int:
    return sum(
        grid._differs(
            cpu,
            i,
            col,
            grid._fields[i].get(grid.display_state.value(cpu, col.bank, col.register)),
            grid.display_state.severity(cpu, col.bank, col.register),
        )
        for cpu in range(grid.ncpus)
        for i, col in enumerate(grid.columns)
    )


async def test_compare_screen_marks_differences_and_switches() -> None:
    app = make_app("v4")
    async with app.run_test(size=SIZE) as pilot:
        for key in ("a", "v", "m", "k", "d"):
            await pilot.press(key)
            await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert "mshv v4" in str(screen.query_one("#left-head").render())
        right = str(screen.query_one("#right-head").render())
        assert "mshv mainline" in right and "errors 28" in right
        left_grid = screen.query_one("#left-grid", SynicGrid)
        assert differing_cells(left_grid) > 0
        await pilot.press("tab")
        await pilot.pause()
        assert screen.other == "patch5-only" and "faults 12" in str(screen.query_one("#right-head").render())
        await pilot.press("h")
        await pilot.pause()
        assert screen.field == "hypervisor" and screen.other == "lenient"
        assert differing_cells(left_grid) == 0  # v4 behaves the same under both profiles
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


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
