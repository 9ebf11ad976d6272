"""Faults as real kernels show them: no ` #GP` on a plain WRMSR, the `unchecked MSR access error` in the kernel log."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.traces.check import check_trace
from synic_core.traces.load import TraceImport
from synic_core.traces.replay import UNKNOWN_OUTCOME
from tests.support.traces import exported, imported, join, kernel_log, save, split, without_gp

P5 = "l1vh-patch5-only-kexec"


@pytest.fixture
def real_p5(tmp_path: Path) -> tuple[Path, list[list[str]], list[int]]:
    """patch5-only's kexec as a real kernel traces it: its refused writes carry no #GP."""
    header, blocks = split(exported(P5))
    blocks, faulted = without_gp(blocks)
    assert len(faulted) == 12
    return save(tmp_path, join(header, blocks)), blocks, faulted


def test_without_a_log_a_refused_write_is_unknown_not_went_through(real_p5: tuple[Path, list[list[str]], list[int]]) -> None:
    path, _, _ = real_p5
    ti = imported(path, mshv="patch5-only")
    predicted = [f for f in ti.run.findings if f.kind == "hypervisor_fault"]
    assert len(predicted) == 12 and all(UNKNOWN_OUTCOME in f.message and "went through" not in f.message for f in predicted)
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert result.conforms and result.faults == 0 and result.unknown == 12  # no false divergence: the trace cannot tell


def test_the_report_says_outcomes_are_unknown_and_how_to_see_them(
    real_p5: tuple[Path, list[list[str]], list[int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = real_p5
    assert main(["trace", str(path), "--check", "--mshv", "patch5-only"]) == 0
    out = capsys.readouterr().out
    assert "outcomes: unknown: a plain WRMSR is traced without #GP even when it faults; add --dmesg LOG" in out
    assert "12 writes the model refuses: the trace cannot tell whether they faulted (no #GP on a WRMSR); add --dmesg LOG" in out
    assert "\nconforms to patch5-only\n" in out


@pytest.mark.parametrize(("stamps", "caller"), [(True, False), (False, False), (True, True)])
def test_a_kexec_fault_with_its_log_is_an_observed_fault(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path, stamps: bool, caller: bool
) -> None:
    path, blocks, faulted = real_p5
    log = save(tmp_path, kernel_log(blocks, faulted, stamps=stamps, caller=caller), "dmesg.txt")
    ti = imported(path, mshv="patch5-only", dmesg=log)
    w = ti.trace.writes
    assert [i for i in range(len(w)) if w.faulted(i)] == [faulted[0]]  # the first refused write of the boot, no other
    assert w.log_line == {faulted[0]: 3}
    observed = [f for f in ti.run.findings if f.kind == "hypervisor_fault" and "faulted on the machine" in f.message]
    assert len(observed) == 1 and observed[0].cpu == 0 and observed[0].register == "SINT2"
    assert "the kernel log's unchecked MSR access error at line 3" in observed[0].message
    assert observed[0].cites.startswith("observed: the kernel log's 'unchecked MSR access error")
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert result.conforms and result.faults == 1 and result.unknown == 11 and result.log == "once"


def test_the_log_cli_names_the_kind_of_log(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, blocks, faulted = real_p5
    log = save(tmp_path, kernel_log(blocks, faulted), "dmesg.txt")
    assert main(["trace", str(path), "--dmesg", str(log), "--check", "--mshv", "patch5-only"]) == 1  # conforms, with a fault
    out = capsys.readouterr().out
    assert f"kernel log {log}: 1 unchecked WRMSR error on SynIC MSRs, 1 matched to writes" in out
    assert "it proves the first refused write of each boot; later writes stay unknown" in out
    assert "conforms to patch5-only; the trace shows 1 faulted write (#GP or the kernel log)" in out
    assert "11 writes the model refuses: the trace cannot tell whether they faulted (no #GP on a WRMSR); the kernel log names" in out
    assert "add --dmesg" not in out


def test_a_logged_fault_the_version_lets_through_is_a_divergence(real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path) -> None:
    """v4 (the fixed series) predicts no refused write: a log that names one shows the machine did not run v4."""
    header, blocks = split(exported("l1vh-v4-kexec"))
    k = next(k for k, b in enumerate(blocks) if "[003]" in b[0] and "40000080, value 0" in b[0])  # CPU 3's SCONTROL off
    path = save(tmp_path, join(header, blocks))
    log = save(tmp_path, kernel_log(blocks, [k]), "dmesg.txt")
    ti = imported(path, dmesg=log)
    said = [v.message for v in check_trace(ti.attributed, ti.actions, ti.config).cpus]
    assert said[3].startswith("CPU 3, write 14: VMBus wrote SCONTROL.enable=0, which faulted (the kernel log's line 3)")
    assert said[3].endswith("predicts it goes through")


def test_a_log_fault_that_matches_no_write_is_named(real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path) -> None:
    path, blocks, faulted = real_p5
    text = kernel_log(blocks, faulted).replace("tried to write 0x00000000000300f3", "tried to write 0x00000000000400f3")
    ti = imported(path, dmesg=save(tmp_path, text, "dmesg.txt"))
    assert [(f.line, f.msr, f.value) for f in ti.trace.unmatched] == [(3, 0x40000092, 0x400F3)]
    assert not any(ti.trace.writes.faulted(i) for i in range(len(ti.trace.writes)))


EVENT_COLUMNS = re.compile(r"^\s*(?P<task>.*?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S{1,6}\s+)?(?P<s>\d+)\.(?P<us>\d{6}):\s+(?P<rest>.*)$")


def latency_layout(line: str) -> str:
    """An event line as ftrace_dump_on_oops prints it: `TASK-PID CPU FLAGS USECSus : EVENT` (trace_output.c's latency
    layout: the CPU without brackets, the flags glued to it, microseconds and a delay mark)."""
    m = EVENT_COLUMNS.match(line)
    if m is None:
        return line  # a stack frame
    return f"{m['task'][:8]:>8}-{m['pid']:<7} {int(m['cpu']):>3}d..1 {int(m['s']) * 1_000_000 + int(m['us'])}us : {m['rest']}"


@pytest.mark.parametrize("layout", [str, latency_layout], ids=["trace-layout", "latency-layout"])
def test_a_serial_console_holds_the_trace_and_the_log_at_once(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path, layout: Callable[[str], str]
) -> None:
    """ftrace_dump_on_oops prints the trace on the console, where the kernel log's lines interleave with it."""
    _, blocks, faulted = real_p5
    log = kernel_log(blocks, faulted).splitlines()
    console = ["[  101.900000] Dumping ftrace buffer:", "[  101.900001] ---------------------------------"]
    for k, block in enumerate(blocks):
        console += [f"[  101.900002] {layout(line)}" for line in block]
        if k == faulted[0]:
            console += log[2:10]  # the fault and its call trace, printed as the write happened
    path = save(tmp_path, "\n".join(console) + "\n")
    ti = imported(path)
    w = ti.trace.writes
    assert len(w) == 80 and [i for i in range(len(w)) if w.faulted(i)] == [faulted[0]]
    assert ti.trace.stats.problems == {} and ti.trace.stats.log_lines == 10
    assert ti.trace.log is not None and ti.trace.log.kind == "once"


def test_the_gp_suffix_stays_an_observed_fault(tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported(P5)))
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert result.faults == 12 and result.unknown == 0 and result.log is None


@pytest.mark.parametrize(
    "edit",
    [
        lambda line: line.replace(" ..... ", " "),  # an older kernel with irq-info off: no flags column
        lambda line: line.replace(" ..... ", " d..1 "),  # a 4-character flags column
        lambda line: line.replace("cpuhp/", "kworker cpuhp-"),  # a task name with a space and a dash
        lambda line: re.sub(r"-(\d+)(\s+)\[", r"-\1 (\1)\2[", line, count=1),  # the record-tgid column
        lambda line: line + "\r",  # CRLF line ends
    ],
)
def test_every_layout_of_the_event_line_reads_the_same(edit: object, tmp_path: Path) -> None:
    text = exported(P5)
    expected = imported(save(tmp_path, text, "plain.txt"))
    edited = "".join(edit(line) + "\n" for line in text.splitlines())  # type: ignore[operator]
    ti = imported(save(tmp_path, edited, "edited.txt"))

    def columns(t: TraceImport) -> tuple[object, ...]:
        w = t.trace.writes
        return list(w.cpu), list(w.value), list(w.slot), list(w.flags), w.stacks

    assert columns(ti) == columns(expected) and len(ti.trace.writes) == 80
    assert ti.trace.stats.problems == {}


def test_other_events_are_no_kernel_log(tmp_path: Path) -> None:
    header, blocks = split(exported(P5))
    blocks.insert(3, ["          <idle>-0       [001] d..2.   100.400000: sched_switch: prev_comm=swapper/1 prev_pid=0 ==> next_comm=x"])
    ti = imported(save(tmp_path, join(header, blocks)))
    assert ti.trace.log is None and ti.trace.stats.other_events == {"other events": 1}


@pytest.mark.parametrize("text", ["", "# Notes\nThe unchecked MSR access error: WRMSR to 0x… line is printed once.\n"])
def test_a_dmesg_file_without_kernel_log_lines_is_bad_input(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path, _, _ = real_p5
    notes = save(tmp_path, text, "notes.md")
    assert main(["trace", str(path), "--dmesg", str(notes)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and f"--dmesg {notes}: no kernel log line in it (expected the text of a kernel log" in captured.err


@pytest.mark.parametrize("log", ["[    0.000000] Linux version 6.15.0\n", "Dec 06 12:00:01 host kernel: hv_vmbus: Vmbus version:5.3\n"])
def test_a_log_without_faults_never_says_no_fault_next_to_the_traces_own_gp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log: str
) -> None:
    gp = save(tmp_path, exported(P5))  # the refused writes carry #GP: the trace itself shows the faults
    clean = save(tmp_path, log, "dmesg.txt")
    assert main(["trace", str(gp), "--dmesg", str(clean), "--mshv", "patch5-only"]) == 1
    out = capsys.readouterr().out
    assert "faulted on the machine (#GP in the trace)" in out
    assert "no fault" not in out.replace("names no fault", "")
    assert "no unchecked MSR access error on SynIC MSRs in the log; the trace's #GP shows 12 faulted writes" in out


def test_a_trace_session_marks_each_refused_write_whose_outcome_is_unknown(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path
) -> None:
    """The dashboard's per-write fact: unknown without a sign, known (an observed fault) where the log names the write."""
    from synic_core.traces.session import TraceSession, TraceWrite, outcome_unknown

    path, blocks, faulted = real_p5
    for log, seen in ((None, 0), (save(tmp_path, kernel_log(blocks, faulted), "dmesg.txt"), 1)):
        session = TraceSession(imported(path, mshv="patch5-only", dmesg=log))
        writes = [w for s in session.history for w in s.writes if isinstance(w, TraceWrite)]
        assert sum(w.outcome_unknown for w in writes) == 12 - seen and sum(w.rejected for w in writes) == seen
        assert not any(w.outcome_unknown and w.rejected for w in writes)
        faults = [f for f in session.findings if f.kind == "hypervisor_fault"]
        predicted = [f for f in faults if outcome_unknown(session, f)]
        assert len(predicted) == 12 - seen and all(UNKNOWN_OUTCOME in f.message or "names no fault" in f.message for f in predicted)
        assert not any(outcome_unknown(session, f) for f in session.findings if f.kind != "hypervisor_fault")


def test_a_simulated_or_gp_traced_fault_is_never_an_unknown_outcome(tmp_path: Path) -> None:
    from synic_core.traces.session import TraceSession, outcome_unknown
    from tests.support.traces import model

    simulated = model(P5)
    assert not any(outcome_unknown(simulated, f) for f in simulated.findings)
    session = TraceSession(imported(save(tmp_path, exported(P5)), mshv="patch5-only"))  # the #GP a *_safe write shows
    faults = [f for f in session.findings if f.kind == "hypervisor_fault"]
    assert len(faults) == 12 and not any(outcome_unknown(session, f) for f in faults)


def test_the_listing_and_json_mark_a_write_whose_outcome_is_unknown(
    real_p5: tuple[Path, list[list[str]], list[int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The profile refuses 12 writes the trace shows without #GP: each is listed `~ outcome unknown` and its JSON row
    says so; with the log, the first is a fault and the other 11 stay unknown."""
    path, blocks, faulted = real_p5
    main(["trace", str(path), "--mshv", "patch5-only", "--writes"])
    assert capsys.readouterr().out.count("~ outcome unknown (the profile refuses it; no #GP, no log line)") == 12
    log = save(tmp_path, kernel_log(blocks, faulted), "dmesg.txt")
    main(["trace", str(path), "--mshv", "patch5-only", "--json", "--writes", "--dmesg", str(log)])
    rows = json.loads(capsys.readouterr().out)["writes"]
    assert sum(r["outcome_unknown"] for r in rows) == 11 and sum(r["faulted"] for r in rows) == 1
    assert not any(r["outcome_unknown"] and r["faulted"] for r in rows)
