"""Bad traces: skipped with a count and the first line, or one line naming the file (and line) with exit 2; never a traceback."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.traces.parse import parse_trace
from synic_core.traces.reading import TraceError
from tests.support.traces import exported, imported, join, save, split

V4 = "l1vh-v4-kexec"


def one_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["trace", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


def test_lines_that_are_not_utf8_are_counted_with_their_first_line(tmp_path: Path) -> None:
    text = exported(V4).encode()
    lines = text.split(b"\n")
    lines.insert(8, b"  evil-1 [000] ..... 100.1: write_msr: 40000083, value \xff\xfe")
    ti = imported(save(tmp_path, b"\n".join(lines)))
    assert ti.trace.stats.problems == {"not_utf8": 1} and ti.trace.stats.first["not_utf8"] == 9


def test_truncated_and_too_wide_events_are_counted(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, stacks=False))
    blocks.append(["         cpuhp/0-20      [000] ..... 200.000000: write_msr: 40000083, val"])
    blocks.append(["         cpuhp/0-20      [000] ..... 200.000001: write_msr: 40000083, value 1ffffffffffffffff"])
    ti = imported(save(tmp_path, join(header, blocks)))
    assert ti.trace.stats.problems == {"truncated": 1, "too_wide": 1}
    assert ti.trace.stats.first == {"truncated": len(header) + len(blocks) - 1, "too_wide": len(header) + len(blocks)}


def test_the_summary_names_what_was_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, blocks = split(exported(V4, stacks=False))
    blocks.append(["         cpuhp/0-20      [000] ..... 200.000000: write_msr: 40000083, val"])
    assert main(["trace", str(save(tmp_path, join(header, blocks)))]) == 0
    expected = f"skipped: 1 line a SynIC event cut short or malformed (first at line {len(header) + len(blocks)})"
    out = capsys.readouterr().out
    assert expected + "\n  a SynIC write lost in a skipped line can change what is inferred below" in out


def test_a_nested_msr_on_a_partition_without_it_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, blocks = split(exported(V4, stacks=False))
    blocks[5][0] = blocks[5][0].replace("write_msr: 40000082", "write_msr: 40001082")
    path = save(tmp_path, join(header, blocks))
    err = one_error(capsys, str(path), "--partition", "l1vh")
    assert err == (
        f"synic: {path}: line {len(header) + 6}: MSR 0x40001082 is SIEFP of the nested (L0) bank, but partition l1vh has no "
        "nested bank (expected --partition nested_root)"
    )
    assert imported(path).config.partition == "nested_root"  # without --partition the nested bank decides


def test_a_trace_without_synic_writes_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(
        tmp_path,
        "# tracer: nop\n  bash-1 [000] ..... 1.000000: sched_switch: a ==> b\n  bash-1 [000] ..... 1.1: write_msr: 40000084, value 0\n",
    )
    err = one_error(capsys, str(path))
    assert err.startswith(f"synic: {path}: no SynIC MSR write in 3 lines") and "1 EOM write," in err


def test_no_synic_write_names_what_the_trace_held_instead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        "  bash-1 [000] ..... 1.000001: write_msr: 40000084, value 0",
        "  bash-1 [000] ..... 1.000002: write_msr: 40000084, value 0",
        "  bash-1 [001] ..... 1.000003: read_msr: 40000083, value 1001",
        "  bash-1 [001] ..... 1.000004: write_msr: 40000001, value 1",
        "  bash-1 [001] ..... 1.000005: write_msr: 40000081, value 1",
    ]
    err = one_error(capsys, str(save(tmp_path, "\n".join(lines) + "\n")))
    assert "in 5 lines" in err and "2 EOM writes" in err and "1 read_msr" in err
    assert "1 write to other MSRs" in err and "1 write to the read-only SVERSION" in err


def test_a_binary_file_is_said_not_to_be_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_error(capsys, str(save(tmp_path, bytes(range(256)) * 64, "blob.bin")))
    assert "not a text file" in err and "no SynIC MSR write" not in err


def test_a_few_nul_bytes_near_the_start_are_one_skipped_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A serial console capture prints NULs now and then: a line of them is skipped and counted, the trace is read."""
    header, blocks = split(exported(V4, stacks=False))
    text = join(header[:1], []) + "\x00" * 64 + "\n" + join(header[1:], blocks)
    assert main(["trace", str(save(tmp_path, text.encode()))]) == 0
    out = capsys.readouterr().out
    assert "56 SynIC writes" in out and "1 line neither an event, a stack frame, a kernel log line nor a header (first at line 2)" in out


def test_an_empty_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no SynIC MSR write in 0 lines" in one_error(capsys, str(save(tmp_path, "")))


def test_a_binary_trace_dat_is_pointed_to_trace_cmd_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(tmp_path, b"\x17\x08\x44tracing6\x00" + bytes(range(256)), "trace.dat")
    assert "trace-cmd report -i" in one_error(capsys, str(path))


def test_a_fifo_and_a_directory_are_refused_without_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "a FIFO (named pipe), not a regular file" in one_error(capsys, str(fifo))
    assert "a directory, not a regular file" in one_error(capsys, str(tmp_path))
    assert "No such file" in one_error(capsys, str(tmp_path / "missing.txt"))


def test_a_cpu_beyond_the_model_is_counted(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, "kvm"))
    blocks.append([blocks[0][0].replace("vcpu_id 0", "vcpu_id 5000")])
    assert imported(save(tmp_path, join(header, blocks))).trace.stats.problems == {"cpu_range": 1}


def test_memory_stays_bounded_on_a_big_trace_with_a_huge_line(tmp_path: Path) -> None:
    """24 MB of other events and one 4 MB line without a newline: the reader holds neither."""
    path = tmp_path / "big.txt"
    line = b"          <idle>-0       [001] d..2.   100.400000: sched_switch: prev_comm=swapper/1 prev_pid=0 ==> next_comm=x\n"
    with path.open("wb") as f:
        f.write(exported(V4).encode())
        chunk = line * 10_000
        for _ in range(24_000_000 // len(chunk)):
            f.write(chunk)
        f.write(b"x" * (4 << 20))
    seen: list[int] = []
    tracemalloc.start()
    try:
        trace = parse_trace(path, progress=lambda done, writes: seen.append(done))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert trace.stats.problems == {"overlong": 1} and trace.stats.other_events["other events"] > 200_000
    assert peak < 4 << 20, f"peak {peak:,} bytes"
    assert seen[-1] == path.stat().st_size and len(seen) > 3  # the progress callback followed the reading


def test_the_other_format_is_counted_not_mixed(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, stacks=False))
    _, kvm_blocks = split(exported(V4, "kvm"))
    ti = imported(save(tmp_path, join(header, blocks + kvm_blocks[:3])))
    assert ti.trace.format == "ftrace" and ti.trace.stats.problems == {"other_format": 3}
    forced = imported(save(tmp_path, join(header, blocks + kvm_blocks[:3]), "b.txt"), fmt="kvm")
    assert forced.trace.format == "kvm" and len(forced.attributed.order) == 3


def test_trace_error_is_a_one_line_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="no SynIC MSR write"):
        parse_trace(save(tmp_path, "\n\n"))


def test_a_forced_format_that_matches_nothing_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_error(capsys, str(save(tmp_path, exported(V4, "kvm"))), "--format", "ftrace")
    assert "56 SynIC events of the other format were skipped (check --format)" in err
