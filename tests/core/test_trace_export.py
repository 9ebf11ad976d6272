"""`synic run --ftrace` / `--kvm-trace`: the model's writes in the exact text of the real tracepoints."""

from __future__ import annotations

import re

import pytest

from synic_core.cli import main
from synic_core.model.session import Session
from synic_core.scenarios.scenario import load, replay
from synic_core.traces.export import export_lines, export_text
from tests.support.sessions import run

FTRACE_EVENT = re.compile(r"^\s+(\S+)-(\d+)\s+\[(\d{3})\] \.\.\.\.\. (\d+\.\d{6}): write_msr: ([0-9a-f]+), value ([0-9a-f]+)( #GP)?$")
KVM_EVENT = re.compile(
    r"^\s+qemu-system-x86-4321\s+\[(\d{3})\] \.\.\.\.\. (\d+\.\d{6}): "
    r"kvm_hv_synic_set_msr: vcpu_id (\d+) msr 0x([0-9a-f]+) data 0x([0-9a-f]+) host 0$"
)


def writes(session: Session) -> list[tuple[int, int, int, bool]]:
    from synic_core.model.registers import REGISTERS

    return [(w.cpu, REGISTERS[w.register].address(w.bank), w.attempted, w.rejected) for s in session.history for w in s.writes]


def test_ftrace_export_has_one_event_per_write_with_gp_on_refused_writes() -> None:
    session = replay(load("l1vh-patch5-only-kexec"))
    events = [m for line in export_lines(session) if (m := FTRACE_EVENT.match(line))]
    got = [(int(m[3]), int(m[5], 16), int(m[6], 16), bool(m[7])) for m in events]
    assert got == writes(session)
    assert sum(1 for g in got if g[3]) == 12  # VMBus's SINT2/SIMP/SIEFP teardown on 4 CPUs, refused by the strict profile
    stamps = [float(m[4]) for m in events]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_ftrace_export_starts_with_the_tracefs_header_and_carries_stacks() -> None:
    lines = export_text(replay(load("l1vh-v4-kexec"))).splitlines()
    assert lines[0] == "# tracer: nop" and "#P:4" in lines[2]
    first_stack = lines.index(next(line for line in lines if line.endswith("<stack trace>")))
    assert lines[first_stack + 1 : first_stack + 3] == [" => hv_hyp_synic_enable_regs", " => hv_synic_init"]


def test_nested_root_vmbus_writes_use_the_nested_msrs() -> None:
    session = run("nested_root", "v4", ("vmbus_load",), cpus=2)
    msrs = {int(m[5], 16) for line in export_lines(session) if (m := FTRACE_EVENT.match(line))}
    assert msrs == {0x40001083, 0x40001082, 0x40001092, 0x40001080}


def test_kvm_export_names_the_guest_cpu_in_vcpu_id_and_has_no_stack() -> None:
    session = replay(load("l1vh-patch5-only-kexec"))
    lines = list(export_lines(session, "kvm"))
    events = [m for line in lines if (m := KVM_EVENT.match(line))]
    assert [(int(m[3]), int(m[4], 16), int(m[5], 16)) for m in events] == [w[:3] for w in writes(session)]
    assert any(int(m[1]) != int(m[3]) for m in events)  # the host CPU column is not the guest CPU
    assert not any("stack" in line or "=>" in line for line in lines)


def test_trace_cmd_layout_pads_the_event_and_prints_frame_addresses() -> None:
    lines = export_text(replay(load("l1vh-v4-kexec")), layout="trace-cmd").splitlines()
    assert lines[0] == "cpus=4"
    assert re.match(r"^\s+cpuhp/0-20\s+\[000\] 100\.500010: write_msr:\s+40000083, value 8000001$", lines[1])
    assert re.match(r"^=> hv_hyp_synic_enable_regs \([0-9a-f]{16}\)$", lines[3])


@pytest.mark.parametrize("flag", ["--ftrace", "--kvm-trace"])
def test_run_prints_the_trace(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-v4-kexec", flag]) == 0
    out = capsys.readouterr().out
    assert out == export_text(replay(load("l1vh-v4-kexec")), "kvm" if flag == "--kvm-trace" else "ftrace")
