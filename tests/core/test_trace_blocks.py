"""The reader takes a write, its stack event and its frames as one match: the same writes and stacks come back
whatever the read boundaries, and a stack event of another CPU never joins the write before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.traces import parse
from synic_core.traces.parse import ParsedTrace, parse_trace
from tests.support.traces import exported, save


def columns(trace: ParsedTrace) -> list[tuple[int, int, int, int, str, tuple[str, ...]]]:
    w = trace.writes
    return [(w.line[i], w.cpu[i], w.slot[i], w.value[i], w.tasks[w.task[i]], w.stacks[w.stack[i]]) for i in range(len(w))]


@pytest.mark.parametrize("layout", ["ftrace", "trace-cmd"])
@pytest.mark.parametrize("chunk", [1, 37, 700])
def test_stacks_cut_by_a_read_come_back_whole(layout: str, chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, exported("l1vh-patch5-only-kexec", layout=layout))  # type: ignore[arg-type]
    whole = parse_trace(path)
    monkeypatch.setattr(parse, "CHUNK_BYTES", chunk)
    cut = parse_trace(path)
    assert columns(cut) == columns(whole)
    assert all(stack for *_, stack in columns(whole))
    assert (cut.stats.lines, cut.stats.stack_frames, cut.stats.writes) == (whole.stats.lines, whole.stats.stack_frames, whole.stats.writes)


INTERLEAVED = """cpus=2
         cpuhp/0-20    [000] 100.000010: write_msr:            40000083, value 8000001
         cpuhp/1-27    [001] 100.000011: write_msr:            40000083, value 8002001
         cpuhp/0-20    [000] 100.000012: kernel_stack:         <stack trace >
=> hv_synic_init (ffffffff8100100d)
         cpuhp/1-27    [001] 100.000013: kernel_stack:         <stack trace >
=> mshv_synic_cpu_init (ffffffff8100200d)
=> cpuhp_invoke_callback (ffffffff81002015)
"""


def test_a_stack_event_goes_to_the_last_write_of_its_own_cpu(tmp_path: Path) -> None:
    trace = parse_trace(save(tmp_path, INTERLEAVED))
    assert [(cpu, stack) for _, cpu, _, _, _, stack in columns(trace)] == [
        (0, ("hv_synic_init",)),
        (1, ("mshv_synic_cpu_init", "cpuhp_invoke_callback")),
    ]
    assert (trace.stats.lines, trace.stats.stack_frames) == (8, 3)


@pytest.mark.parametrize("keep", [1, 7, 40])
def test_the_cut_keeps_the_first_writes_and_counts_the_rest_per_cpu(keep: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, exported("l1vh-patch5-only-kexec", layout="trace-cmd"))
    whole = parse_trace(path)
    monkeypatch.setattr(parse, "MAX_WRITES_KEPT", keep)
    cut = parse_trace(path)
    assert columns(cut) == columns(whole)[:keep]
    rest = [cpu for _, cpu, *_ in columns(whole)[keep:]]
    assert cut.stats.not_kept == {cpu: rest.count(cpu) for cpu in set(rest)}
    assert (cut.stats.lines, cut.stats.stack_frames, cut.stats.writes) == (whole.stats.lines, whole.stats.stack_frames, whole.stats.writes)
