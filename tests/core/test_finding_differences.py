"""`finding_differences`: which findings only one side of a comparison has, per CPU (the compare screen's list)."""

from __future__ import annotations

from dataclasses import replace

from synic_core import Session
from synic_core.model.columns import Column, columns_for
from synic_core.model.findings import make_finding
from synic_core.model.registers import STATE_INDEX
from synic_core.scenarios.compare import CellMark, GridComparison, compare_grids, finding_differences, replay_under
from synic_core.scenarios.scenario import session_scenario
from synic_core.versions.registry import session_config


def kexec_session(mshv: str) -> Session:
    session = Session(session_config(mshv=mshv, cpus=4))
    for action in ("vmbus_load", "mshv_init", "kexec"):
        session.apply(action, session.resolve_cpus(action, None))
    return session


def test_finding_differences_per_cpu() -> None:
    left = kexec_session("patch5-only").findings
    stale = next(f for f in left if f.kind == "stale_state")
    right = [f for f in left if not (f.kind == "hypervisor_fault" and f.cpu == 2)] + [replace(stale, cpu=7)]
    diffs = finding_differences(left, right)
    assert [(d.side, d.kind, d.step, d.cpus) for d in diffs] == [("left", "hypervisor_fault", 2, (2,))] * 3 + [
        ("right", "stale_state", 2, (7,))
    ]
    assert diffs[-1].where == f"{stale.register}.{stale.field} (l1)"
    assert finding_differences(left, list(left)) == []


def test_replay_under_changes_only_the_setting_asked_for() -> None:
    """The one replay-under-settings: the same steps, the other version; the session replayed is untouched."""
    original = kexec_session("patch5-only")
    replayed = replay_under(session_scenario(original), {"mshv": "v4"}, "these steps")
    assert replayed.config.mshv == "v4" and original.config.mshv == "patch5-only"
    assert [s.action for s in replayed.history] == [s.action for s in original.history]
    assert replayed.config.hypervisor == original.config.hypervisor and replayed.config.cpus == original.config.cpus
    faults = [len([f for f in s.findings if f.kind == "hypervisor_fault"]) for s in (original, replayed)]
    assert faults[0] > 0 and faults[1] == 0  # v4 cleans up before kexec: no fault (as `--compare patch5-only,v4` says)


def covered(cmp: GridComparison, columns: list[Column]) -> dict[CellMark, set[tuple[int, int]]]:
    """The cells the rows name, by mark: a finding row every column of its register on its CPUs, a cell row its column."""
    out: dict[CellMark, set[tuple[int, int]]] = {"differs": set(), "writer": set()}
    for d in cmp.findings:
        out["differs"] |= {(cpu, i) for i, c in enumerate(columns) if (c.bank, c.register) == (d.bank, d.register) for cpu in d.cpus}
    for cell in cmp.cells:
        out[cell.mark] |= {(cpu, cell.column) for cpu in cell.cpus}
    return out


def marked(cmp: GridComparison, mark: CellMark) -> set[tuple[int, int]]:
    return {cell for cell, m in cmp.marks.items() if m == mark}


def test_the_marks_the_rows_and_the_counts_come_from_one_rule() -> None:
    left, right = kexec_session("v4"), kexec_session("patch5-only")
    columns = columns_for(left.config.partition_spec)
    simp = next(i for i, c in enumerate(columns) if c.register == "SIMP")
    sint0 = next(i for i, c in enumerate(columns) if c.register == "SINT0")
    # only the last writer of CPU 1's SINT0 differs (value and findings alike): the one case ≈ stands for
    right.state.writer["l1"][1][STATE_INDEX["SINT0"]] = "vmbus"
    right.state.writer["l1"][1][STATE_INDEX["SIMP"]] = "reset"  # SIMP differs already (findings): it stays ≠
    cmp = compare_grids(left, right, columns)
    assert cmp.marks[(1, sint0)] == "writer" and cmp.marks[(1, simp)] == "differs" and (0, sint0) not in cmp.marks
    assert [(c.what, c.column, c.left, c.right, c.cpus) for c in cmp.cells if c.what == "writer"] == [
        ("writer", sint0, "mshv", "vmbus", (1,))
    ]
    rows = covered(cmp, columns)
    assert rows["differs"] == marked(cmp, "differs") and rows["writer"] == marked(cmp, "writer")
    assert cmp.count("differs") == len(marked(cmp, "differs")) > 0 and cmp.count("writer") == 1
    assert cmp.rows == len(cmp.findings) + len(cmp.cells) and not cmp.unplaced


def test_a_finding_no_cell_shows_is_counted_apart() -> None:
    """A refused action names a CPU, not a register: its row is listed, marks no cell, and is counted as unplaced."""
    left, right = kexec_session("v4"), kexec_session("v4")
    columns = columns_for(left.config.partition_spec)
    assert compare_grids(left, right, columns).rows == 0
    left.history[0].findings.append(make_finding("refused", "CPU 1 stayed online.", step=0, cpu=1, component="vmbus"))
    cmp = compare_grids(left, right, columns)
    assert [d.kind for d in cmp.unplaced] == ["refused"] and cmp.rows == 1 and cmp.marks == {}
