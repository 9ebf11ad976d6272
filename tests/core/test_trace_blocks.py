"""The reader takes a write, its stack event and its frames as one match: the same writes and stacks come back
whatever the read boundaries, and a stack event of another CPU never joins the write before it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from synic_core.model.registers import MSR_TABLE
from synic_core.traces import parse, reading
from synic_core.traces.formats import FORMATS, MAX_LINE_BYTES, SLOT_OF
from synic_core.traces.parse import ParsedTrace, parse_trace
from tests.support.traces import exported, join, save, split


def columns(trace: ParsedTrace) -> list[tuple[int, int, int, int, str, tuple[str, ...]]]:
    w = trace.writes
    return [(w.line[i], w.cpu[i], w.slot[i], w.value[i], w.tasks[w.task[i]], w.stacks[w.stack[i]]) for i in range(len(w))]


@pytest.mark.parametrize("layout", ["ftrace", "trace-cmd"])
@pytest.mark.parametrize("chunk", [1, 37, 700])
def test_stacks_cut_by_a_read_come_back_whole(layout: str, chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(tmp_path, exported("l1vh-patch5-only-kexec", layout=layout))  # type: ignore[arg-type]
    whole = parse_trace(path)
    monkeypatch.setattr(reading, "CHUNK_BYTES", chunk)
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


def _payload(line: str, payload: str) -> str:
    return re.sub(r"(write_msr:\s+)\S+, value \S+( #GP)?", lambda m: m[1] + payload, line)


UNUSUAL: list[tuple[str, object]] = [  # (what, how a write block is changed): each write line goes to the general path
    ("x2APIC ICR write with its stack (a tracefs trace without a filter)", lambda b: [_payload(b[0], "830, value 2b"), *b[1:]]),
    ("TSC deadline write", lambda b: [_payload(b[0], "6e0, value 1c9c380")]),
    ("EOM", lambda b: [_payload(b[0], "40000084, value 0"), *b[1:]]),
    ("SVERSION", lambda b: [_payload(b[0], "40000081, value 1")]),
    ("an MSR in capitals", lambda b: [_payload(b[0], "4000009A, value 10"), *b[1:]]),
    ("a tab", lambda b: [_payload(b[0], "40000090,\tvalue 10"), *b[1:]]),
    ("a CPU beyond the model", lambda b: [re.sub(r"\[\d+\]", "[5000]", line, count=1) for line in b]),
    ("the record-tgid column", lambda b: [re.sub(r"-(\d+)(\s+)\[", r"-\1 (\1)\2[", b[0], count=1), *b[1:]]),
    ("a value wider than 64 bits", lambda b: [_payload(b[0], "40000090, value 1" + "0" * 16)]),
]


def mixed(layout: str) -> tuple[str, int]:
    """A trace of common writes with the unusual ones of UNUSUAL among them (each a copy of the write block before it,
    changed), a value in capitals and a write out of time order; and how many write lines that makes for the general path."""
    header, blocks = split(exported("l1vh-patch5-only-kexec", layout=layout))  # type: ignore[arg-type]
    out = []
    for k, block in enumerate(blocks):
        out.append(block)
        if k % 7 == 3 and k // 7 < len(UNUSUAL):
            out.append(UNUSUAL[k // 7][1](block))  # type: ignore[operator]
    out[5] = [_payload(out[5][0], "40000090, value 1A0F3"), *out[5][1:]]
    out[9] = [re.sub(r"100\.5000\d\d", "100.400000", out[9][0]), *out[9][1:]]
    return join(header, out), len(UNUSUAL)


@pytest.mark.parametrize("layout", ["ftrace", "trace-cmd"])
def test_unusual_writes_among_common_ones_read_as_line_by_line(layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other MSRs, EOM, SVERSION and odd write lines go to the general path one line each; the SynIC writes around them
    stay on the fast path, and the whole reads as the general path reads it one line at a time."""
    text, unusual = mixed(layout)
    path = save(tmp_path, text)
    general = parse.TraceReader(str(path), "ftrace")
    for lineno, line in enumerate(text.encode().split(b"\n")[:-1], 1):
        general.feed(lineno, line)
    by_line = general.finish()
    seen: list[int] = []
    write = parse.TraceReader._write

    def general_path_write(self: parse.TraceReader, lineno: int, *args: Any) -> None:
        seen.append(lineno)
        write(self, lineno, *args)

    monkeypatch.setattr(parse.TraceReader, "_write", general_path_write)
    fast = parse_trace(path, "ftrace")
    assert len(seen) == unusual  # the common writes, more than 80 of them, took the fast path
    assert every_column(fast) == every_column(by_line) and len(fast.writes) > 80
    assert (fast.writes.tasks, fast.writes.stacks) == (by_line.writes.tasks, by_line.writes.stacks)
    fast.stats.bytes = 0  # the general path alone reads no bytes
    assert fast.stats == by_line.stats
    st = fast.stats
    assert (st.other_msrs, st.eom, st.read_only, st.out_of_order) == (2, 1, 1, 1)
    assert st.problems == {"cpu_range": 1, "too_wide": 1}


def every_column(trace: ParsedTrace) -> list[tuple[int, tuple[object, ...]]]:
    """Each write's line and every other column (its task and stack as the names they stand for)."""
    w = trace.writes
    return [
        (w.line[i], (w.ts[i], w.cpu[i], w.slot[i], w.value[i], w.flags[i], w.tasks[w.task[i]], w.pid[i], w.stacks[w.stack[i]]))
        for i in range(len(w))
    ]


@pytest.mark.parametrize("before", [0, 1, 2047, 2048, 2049, 4095, 4096])
def test_an_overlong_line_inside_a_block_is_counted_and_lines_near_the_limit_are_not(before: int, tmp_path: Path) -> None:
    """One line longer than MAX_LINE_BYTES among common writes, wherever it falls in the block read, is skipped and
    counted; a line of MAX_LINE_BYTES and one of more than half of it are read (as headers)."""
    header, blocks = split(exported("l1vh-patch5-only-kexec", layout="trace-cmd"))
    limit = MAX_LINE_BYTES
    long_lines = ["#" + "x" * (before - 1)] if before else []
    long_lines += ["#" + "x" * (limit - 1), "#" + "y" * (limit // 2 + 1), "#" + "z" * limit]  # the last is overlong
    whole = parse_trace(save(tmp_path, join(header, blocks), "plain.txt"))
    cut = parse_trace(save(tmp_path, join(header, [*blocks[:40], long_lines, *blocks[40:]])))
    before_them = len(header) + sum(map(len, blocks[:40]))
    overlong_line = before_them + len(long_lines)
    assert cut.stats.problems == {"overlong": 1} and cut.stats.first == {"overlong": overlong_line}
    assert cut.stats.headers == whole.stats.headers + len(long_lines) - 1
    moved = [(line + len(long_lines) if line > before_them else line, rest) for line, rest in every_column(whole)]
    assert every_column(cut) == moved and cut.stats.lines == whole.stats.lines + len(long_lines)


def test_the_fast_path_takes_exactly_the_registers_a_write_changes_as_the_kernel_prints_them() -> None:
    payload = re.compile(FORMATS["ftrace"].common or b"")
    for msr in MSR_TABLE:
        for text in (f"{msr:x}", f"{msr:X}", f"0{msr:x}"):
            taken = payload.fullmatch(f"{text}, value 1\n".encode()) is not None
            assert taken == (text == f"{msr:x}" and msr in SLOT_OF), text
    assert payload.fullmatch(b"40000090, value " + b"f" * 16 + b" #GP\n")
    assert not payload.fullmatch(b"40000090, value 1" + b"0" * 16 + b"\n")  # wider than 64 bits: the general path says so


def test_a_pid_wider_than_32_bits_is_a_malformed_event_not_a_crash(tmp_path: Path) -> None:
    header, blocks = split(exported("l1vh-patch5-only-kexec", layout="trace-cmd"))
    blocks[3] = [re.sub(r"-\d+(\s+)\[", r"-99999999999\1[", line, count=1) for line in blocks[3]]
    trace = parse_trace(save(tmp_path, join(header, blocks)))
    assert trace.stats.problems == {"truncated": 1} and len(trace.writes) == 79


@pytest.mark.parametrize("layout", ["ftrace", "trace-cmd"])
def test_a_write_line_that_is_not_utf8_is_counted_as_the_general_path_counts_it(layout: str, tmp_path: Path) -> None:
    """A task name is any bytes (prctl(PR_SET_NAME)): a write line that is not UTF-8 is skipped and counted whether the
    fast path or the general path meets it, not taken by one and dropped by the other."""
    text = exported("l1vh-patch5-only-kexec", layout=layout, stacks=False).encode().replace(b"cpuhp/1-", b"cpu\xe9p/1-")  # type: ignore[arg-type]
    path = save(tmp_path, text)
    general = parse.TraceReader(str(path), "ftrace")
    for lineno, line in enumerate(text.split(b"\n")[:-1], 1):
        general.feed(lineno, line)
    by_line = general.finish()
    fast = parse_trace(path, "ftrace")
    assert every_column(fast) == every_column(by_line)
    fast.stats.bytes = 0  # the general path alone reads no bytes
    assert fast.stats == by_line.stats
    assert fast.stats.problems == {"not_utf8": text.count(b"cpu\xe9p/1-")} and len(fast.writes) == 80 - text.count(b"cpu\xe9p/1-")
