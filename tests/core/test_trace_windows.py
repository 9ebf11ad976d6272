"""A trace judged in windows (`synic trace` and `--check` in bounded memory) says what the whole trace read at once says.

Every built-in scenario, its steps run four times over (each time a step cannot apply is left out) and exported four
ways (tracefs with and without stacks, trace-cmd with stacks, a KVM host's), is judged in windows of a few writes (so
that its actions run across many windows) and read whole: the report (findings,
actions, attribution, counts per CPU, the conformance verdict of every CPU) is the same, but the words that say how the
partition was guessed.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from synic_core.model.findings import summarize
from synic_core.model.session import ActionError, Session
from synic_core.model.vocabulary import TraceFormat, TraceLayout
from synic_core.scenarios.scenario import builtin_names, load
from synic_core.traces import check as check_module
from synic_core.traces import reading
from synic_core.traces import summary as summary_module
from synic_core.traces.check import check_trace
from synic_core.traces.export import export_text
from synic_core.traces.load import import_trace
from synic_core.traces.reading import TraceError
from synic_core.traces.report import trace_report
from synic_core.traces.stream import KEEP_ACTIONS, TraceOptions, judge_trace
from synic_core.traces.summary import summary_of
from tests.support.traces import join, kernel_log, save, split, without_gp

WAYS: list[tuple[TraceFormat, TraceLayout, bool]] = [
    ("ftrace", "ftrace", True),
    ("ftrace", "ftrace", False),
    ("ftrace", "trace-cmd", True),
    ("kvm", "ftrace", False),
]


def whole(path: Path, options: TraceOptions) -> dict[str, Any]:
    ti = import_trace(path, options.partition, options.mshv, dmesg=options.dmesg)
    WINDOWS.clear()
    check = check_trace(ti.attributed, ti.actions, ti.config) if options.check else None
    return comparable(trace_report(summary_of(ti), check))


def windowed(path: Path, options: TraceOptions, window: int) -> dict[str, Any]:
    summary, check = judge_trace(path, options, window=window)
    assert not summary.notes, summary.notes  # no window had to be judged whole, no CPU came late
    WINDOWS.append(summary.windows)
    return comparable(trace_report(summary, check))


WINDOWS: list[int] = []


def repeated(name: str, times: int = 4) -> Session:
    scenario = load(name)
    session = Session(scenario.config())
    for _ in range(times):
        for step in scenario.steps:
            with contextlib.suppress(ActionError):
                session.apply(step.action, step.cpus)
    return session


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    report["partition_from"] = report["partition_from"].split(":")[-1]  # "guessed from the trace's first N writes: ..."
    return report


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("way", WAYS, ids=lambda w: "-".join(map(str, w)))
def test_windows_say_what_the_whole_trace_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, way: tuple[TraceFormat, TraceLayout, bool]
) -> None:
    monkeypatch.setattr(reading, "CHUNK_BYTES", 700)  # a window is judged after a block read: blocks of a few lines
    fmt, layout, stacks = way
    path = save(tmp_path, export_text(repeated(name), fmt, layout, stacks))
    options = TraceOptions(check=True)
    try:
        expected = whole(path, options)
    except TraceError as exc:  # a scenario that writes nothing: the same one line
        with pytest.raises(TraceError) as windows:
            judge_trace(path, options, window=5)
        assert str(windows.value) == str(exc)
        return
    for window in (7, 24):
        assert windowed(path, options, window) == expected, f"window {window}"
    if len(expected["actions"]) > 2 * KEEP_ACTIONS:
        assert WINDOWS[0] >= 3, WINDOWS  # the actions ran across windows


def test_findings_and_actions_past_the_kept_ones_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The buggy version's kexec loop makes hundreds of findings a cycle: the first ones are kept whole, the rest counted
    by kind and severity, and the totals, the exit code and the report's counts are those of every finding; the inferred
    actions past the first ones are counted by name."""
    path = save(tmp_path, export_text(repeated("l1vh-mainline-kexec"), "ftrace", "ftrace", False))
    ti = import_trace(path)
    every = ti.run.findings
    monkeypatch.setattr(summary_module, "MAX_FINDINGS_KEPT", 25)
    monkeypatch.setattr(summary_module, "MAX_ACTIONS_KEPT", 5)
    monkeypatch.setattr(reading, "CHUNK_BYTES", 700)
    summary, _ = judge_trace(path, TraceOptions(), window=24)
    assert summary.findings == every[:25] and len(every) > 100
    assert sum(summary.not_kept.values()) == len(every) - 25
    assert summary.severities() == summarize(every) and summary.severities()["error"] > 0
    report = trace_report(summary, None)
    assert report["summary"] == summarize(every) and len(report["findings"]) == 25
    counted = {(r["kind"], r["severity"]): r["count"] for r in report["findings_not_kept"]}
    assert counted == dict(Counter((f.kind, f.severity) for f in every[25:]))
    assert [r["action"] for r in report["actions"]] == [a.action for a in ti.actions[:5]]
    assert report["actions_not_kept"] == dict(Counter(a.action for a in ti.actions[5:])) and len(ti.actions) > 8
    monkeypatch.setattr(check_module, "MAX_REPLAYED_KEPT", 4)
    _, check = judge_trace(path, TraceOptions(check=True), window=24)
    assert check is not None and len(check.replayed) == 4
    assert check.replayed_not_kept == len(ti.actions) - 4 - len(check.notes)  # each action applied, listed or counted


def faulting_boots(times: int = 3) -> tuple[list[str], list[list[str]], list[int]]:
    """patch5-only's kexec `times` over, as a real kernel traces it (no #GP): (header, blocks, the first refused write
    of each boot, the one a current kernel's log prints)."""
    header, blocks = split(export_text(repeated("l1vh-patch5-only-kexec", times)))
    blocks, faulted = without_gp(blocks)
    per_boot = len(faulted) // times
    assert per_boot == 12
    return header, blocks, faulted[::per_boot]


def test_a_log_of_several_boots_matches_across_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log without timestamps is matched in order: each boot's fault waits for the window its write is in."""
    monkeypatch.setattr(reading, "CHUNK_BYTES", 700)
    header, blocks, firsts = faulting_boots()
    path = save(tmp_path, join(header, blocks))
    log = save(tmp_path, "".join(kernel_log(blocks, [k], stamps=False) for k in firsts), "dmesg.txt")
    options = TraceOptions(mshv="patch5-only", dmesg=log, check=True)
    expected = whole(path, options)
    assert expected["log"]["matched"] == 3 and expected["check"]["faults"] == 3
    for window in (7, 24):
        assert windowed(path, options, window) == expected
        assert WINDOWS[-1] >= 3


def test_a_serial_console_of_several_boots_matches_across_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trace and log in one file: each fault line follows its write, in whatever window that write is."""
    monkeypatch.setattr(reading, "CHUNK_BYTES", 700)
    _, blocks, firsts = faulting_boots()
    console = ["[  101.900000] Dumping ftrace buffer:"]
    for k, block in enumerate(blocks):
        console += [f"[  101.900002] {line}" for line in block]
        if k in firsts:
            console += kernel_log(blocks, [k]).splitlines()[2:10]  # the fault and its call trace, as the write happened
    path = save(tmp_path, "\n".join(console) + "\n")
    options = TraceOptions(mshv="patch5-only", check=True)
    expected = whole(path, options)
    assert expected["log"]["matched"] == 3
    for window in (7, 24):
        assert windowed(path, options, window) == expected
        assert WINDOWS[-1] >= 3


def test_writes_out_of_time_order_are_judged_as_the_whole_trace_judges_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fifth pair of writes printed in the wrong order: a window lets go only of writes that come first both in
    time and in the file, so the sorted writes are judged as when the trace is read whole."""
    monkeypatch.setattr(reading, "CHUNK_BYTES", 700)
    header, blocks = split(export_text(repeated("l1vh-v4-kexec"), "ftrace", "ftrace", False))
    for k in range(0, len(blocks) - 1, 5):
        blocks[k], blocks[k + 1] = blocks[k + 1], blocks[k]
    path = save(tmp_path, join(header, blocks))
    options = TraceOptions(check=True)
    expected = whole(path, options)
    assert expected["read"]["out_of_order"] > 10
    for window in (7, 24):
        assert windowed(path, options, window) == expected
        assert WINDOWS[-1] >= 3
