"""Model-made traces edited by hand, as real captures differ: each edit shows where it should."""

from __future__ import annotations

from pathlib import Path

from synic_core.traces.check import CheckResult, check_trace
from synic_core.traces.load import TraceImport
from tests.support.traces import (
    attributions,
    block_cpu,
    exported,
    finding_keys,
    imported,
    join,
    model,
    restamp,
    save,
    split,
    trace_writers,
)

P5 = "l1vh-patch5-only-kexec"
V4 = "l1vh-v4-kexec"


def check(ti: TraceImport) -> CheckResult:
    return check_trace(ti.attributed, ti.actions, ti.config)


def messages(result: CheckResult) -> dict[int, str]:
    return {v.cpu: v.message for v in result.cpus}


def cpu_blocks(blocks: list[list[str]], cpu: int) -> list[int]:
    return [k for k, b in enumerate(blocks) if block_cpu(b) == cpu]


def test_two_writes_swapped_on_one_cpu_diverge_there_only(tmp_path: Path) -> None:
    header, blocks = split(exported(P5, stacks=False))
    k = cpu_blocks(blocks, 1)[7]  # CPU 1, write 8: SINT0 of mshv_init; write 9 is SINT5
    blocks[k], blocks[k + 1] = blocks[k + 1], blocks[k]
    ti = imported(save(tmp_path, join(header, restamp(blocks))), mshv="patch5-only")
    result = check(ti)
    said = messages(result)
    assert said[1] == (
        "CPU 1, write 8: an unattributed write set SINT5.masked=0 vector=0xf3; patch5-only writes SINT0.masked=0 vector=0xf3 here "
        "(MSHV: mshv_synic_cpu_init), and this one after it (swapped)"
    )
    assert all("conforms" in said[c] for c in (0, 2, 3))
    assert result.exit_code() == 1


def test_a_foreign_write_is_found_and_breaks_conformance(tmp_path: Path) -> None:
    header, blocks = split(exported(V4))
    k = cpu_blocks(blocks, 2)[6]  # CPU 2, write 7: the last MSHV init write (SINT5)
    foreign = [line.replace("40000092, value 200f3", "40000090, value 300f3") for line in blocks[2]]  # VMBus masks SINT0
    foreign = [line.replace("[000]", "[002]").replace("cpuhp/0-20", "cpuhp/2-34") for line in foreign]  # a VMBus stack, on CPU 2
    blocks.insert(k + 1, foreign)
    ti = imported(save(tmp_path, join(header, restamp(blocks))))
    assert finding_keys(ti.run.findings) == {("foreign_write", 2, "SINT0", "vmbus"): 1, ("pulled_from_under", 2, "SINT0", "vmbus"): 1}
    said = messages(check(ti))
    assert said[2].startswith("CPU 2, write 8: VMBus wrote SINT0.masked=1; v4 writes nothing here (it predicts SINT0 next)")


def test_a_gp_in_the_trace_is_an_observed_fault(tmp_path: Path) -> None:
    header, blocks = split(exported(V4))
    k = cpu_blocks(blocks, 3)[-1]  # CPU 3's last write: VMBus SCONTROL off
    blocks[k][0] += " #GP"
    ti = imported(save(tmp_path, join(header, blocks)))
    faults = [f for f in ti.run.findings if f.kind == "hypervisor_fault"]
    assert len(faults) == 1 and faults[0].cpu == 3 and faults[0].register == "SCONTROL"
    assert "faulted on the machine (#GP in the trace)" in faults[0].message and faults[0].assumption is None
    assert faults[0].cites.startswith("observed: the write_msr tracepoint") and "f1a9e67c1138" not in faults[0].cites
    said = messages(check(ti))
    assert said[3].startswith("CPU 3, write 14: VMBus wrote SCONTROL.enable=0, which faulted (#GP in the trace)")


def test_a_missing_write_leaves_its_run_unmatched_and_is_named(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, stacks=False))
    del blocks[cpu_blocks(blocks, 3)[2]]  # CPU 3 never writes SINT2 in hv_synic_init
    ti = imported(save(tmp_path, join(header, blocks)))
    writers = trace_writers(ti)
    cpu3 = [writers[r] for r in ti.attributed.per_cpu[3]]
    assert cpu3[:3] == [None, None, None]  # SIMP, SIEFP, SCONTROL: no longer VMBus's whole sequence
    said = messages(check(ti))
    assert said[3] == (
        "CPU 3, write 3: an unattributed write set SCONTROL.enable=1; v4 first writes SINT2.masked=0 vector=0xf3 "
        "(VMBus: hv_synic_init → hv_hyp_synic_enable_regs), missing from the trace"
    )


def test_interleaved_cpus_change_nothing(tmp_path: Path) -> None:
    header, blocks = split(exported(P5, stacks=False))
    by_cpu = [[b for b in blocks[:16] if block_cpu(b) == c] for c in range(4)]
    interleaved = [by_cpu[c][i] for i in range(4) for c in range(4)] + blocks[16:]  # hv_synic_init on all CPUs at once
    ti = imported(save(tmp_path, join(header, restamp(interleaved))), mshv="patch5-only")
    assert [a.action for a in ti.actions] == ["vmbus_load", "mshv_init", "kexec"]
    assert finding_keys(ti.run.findings) == finding_keys(model(P5).findings)
    assert check(ti).conforms


def test_out_of_order_lines_are_taken_by_timestamp(tmp_path: Path) -> None:
    header, blocks = split(exported(P5))
    blocks[20], blocks[30] = blocks[30], blocks[20]  # file order broken, timestamps unchanged
    ti = imported(save(tmp_path, join(header, blocks)))
    assert ti.trace.stats.out_of_order >= 1
    assert finding_keys(ti.run.findings) == finding_keys(model(P5).findings)


def test_headers_comments_other_events_and_other_msrs_are_counted_not_kept(tmp_path: Path) -> None:
    header, blocks = split(exported(V4))
    noise = [
        "# a comment someone added",
        "",
        "CPU 2 is empty",
        "          <idle>-0       [001] d..2.   100.400000: sched_switch: prev_comm=swapper/1 prev_pid=0 ==> next_comm=x next_pid=5",
        "          insmod-77      [000] .....   100.400001: read_msr: 40000083, value 0",
        "          insmod-77      [000] .....   100.400002: write_msr: 40000001, value 1",
        "          insmod-77      [000] .....   100.400003: write_msr: 40000084, value 0",
    ]
    ti = imported(save(tmp_path, join(header + noise, blocks)))
    st = ti.trace.stats
    assert (st.eom, st.other_msrs, st.other_events) == (1, 1, {"other events": 1, "read_msr": 1})
    assert st.problems == {"unrecognised": 1} and st.first["unrecognised"] == len(header) + 3
    assert len(ti.attributed.order) == sum(len(s.writes) for s in model(V4).history)


def test_a_cpu_that_never_appears_diverges_from_its_first_write(tmp_path: Path) -> None:
    header, blocks = split(exported(V4))
    kept = [b for b in blocks if block_cpu(b) != 3]
    ti = imported(save(tmp_path, join(header, kept)))
    assert ti.config.cpus == 4  # from the header's #P:4
    said = messages(check(ti))
    assert said[3].startswith("CPU 3, write 1: the trace has no write on this CPU; v4 predicts SIMP.enable=1 next (VMBus:")


def test_trace_cmd_stacks_attribute_too(tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported(P5, layout="trace-cmd")))
    assert attributions(ti) == {"stack"} and ti.attributed.source[0] == "hv_hyp_synic_enable_regs"


HAND_WRITTEN = """\
# tracer: nop
#
#           TASK-PID     CPU#  ||||  TIMESTAMP  FUNCTION
#              | |         |   ||||     |         |
 kworker/u8:1-my job-42  [001] d..1  50.000001: write_msr: 40000093, value 10000
 kworker/u8:1-my job-42  [001] d..1  50.000002: <stack trace>
 => native_write_msr+0x4/0x30
 => hv_synic_disable_regs+0x55/0x120
 => hv_synic_cleanup+0x1a/0x80
          modprobe-901   [000] ....  50.000003: write_msr: 40000095, value b00f3
          modprobe-901   [000] ....  50.000004: <stack trace>
 => native_write_msr+0x4/0x30
 => mshv_synic_cpu_exit+0x99/0x200
          modprobe-901   [000] ....  50.000005: write_msr: 40000090, value 300f3
          modprobe-901   [000] ....  50.000006: <stack trace>
 => native_write_msr+0x4/0x30
 => some_other_path+0x1/0x2
          modprobe-901   [000] ....  50.000007: write_msr: 4000009f, value 10000
"""


def test_a_hand_written_ftrace_is_attributed_by_its_stacks(tmp_path: Path) -> None:
    ti = imported(save(tmp_path, HAND_WRITTEN))
    att = ti.attributed
    assert [att.writes.tasks[att.writes.task[i]] for i in att.order] == ["kworker/u8:1-my job", "modprobe", "modprobe", "modprobe"]
    assert trace_writers(ti) == ["vmbus", "mshv", None, None]
    assert attributions(ti) == {"stack", "unknown"}
    assert att.source[:2] == ["hv_synic_disable_regs", "mshv_synic_cpu_exit"]  # the innermost identifying frame wins
    assert att.writes.stacks[att.writes.stack[att.order[0]]][1] == "hv_synic_disable_regs+0x55/0x120"  # offsets kept


def test_the_inspector_stack_keeps_offsets_and_bolds_the_deciding_frame(tmp_path: Path) -> None:
    from synic_core.traces.session import trace_write
    from tui.state.describe import stack_text

    ti = imported(save(tmp_path, HAND_WRITTEN))
    text = stack_text(trace_write(ti, ti.run, 0, 0))
    assert "=> hv_synic_disable_regs+0x55/0x120" in text.plain
    bold = [text.plain[span.start : span.end] for span in text.spans if span.style == "bold"]
    assert "\n  => hv_synic_disable_regs+0x55/0x120" in bold


def test_kvm_host_writes_are_the_hypervisors(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, "kvm"))
    blocks.insert(0, [blocks[0][0].replace("host 0", "host 1").replace("data 0x8000001", "data 0x0")])
    ti = imported(save(tmp_path, join(header, restamp(blocks))))
    assert trace_writers(ti)[0] == "hypervisor" and "host" in attributions(ti)
    assert not [f for f in ti.run.findings if f.cpu == 0 and f.step == 0]
    result = check(ti)
    assert result.conforms  # the VMM's write is not compared with the guest's drivers
    assert [v.trace_writes for v in result.cpus] == [14] * 4 and len(ti.attributed.per_cpu[0]) == 15


def test_a_crash_on_one_cpu_comes_back_as_crash_kexec(tmp_path: Path) -> None:
    from synic_core.traces.export import export_text
    from tests.support.sessions import run

    session = run("l1vh", "v4", ("vmbus_load", "mshv_init", ("crash_kexec", [1])))
    ti = imported(save(tmp_path, export_text(session)))
    assert [(a.action, a.cpus) for a in ti.actions] == [("vmbus_load", [0, 1, 2, 3]), ("mshv_init", [0, 1, 2, 3]), ("crash_kexec", [1])]
    assert ti.attributed.source[-1] == "hv_hyp_synic_disable_regs"
    assert finding_keys(ti.run.findings) == finding_keys(session.findings)
    assert check(ti).conforms


def test_an_rmmod_task_makes_a_teardown_a_module_unload(tmp_path: Path) -> None:
    from synic_core.traces.export import export_text
    from tests.support.sessions import run

    session = run("l1vh", "mainline", ("vmbus_load", "mshv_init", "mshv_cleanup", "vmbus_unload"))
    header, blocks = split(export_text(session, stacks=False))
    blocks = [[b[0].replace(f"cpuhp/{block_cpu(b)}-", "rmmod-")] if k >= 40 else b for k, b in enumerate(blocks)]
    ti = imported(save(tmp_path, join(header, blocks)), mshv="mainline")
    assert [a.action for a in ti.actions] == ["vmbus_load", "mshv_init", "mshv_cleanup", "vmbus_unload"]
    assert check(ti).conforms
    plain = imported(save(tmp_path, export_text(session, stacks=False), "plain.txt"), mshv="mainline")
    assert [a.action for a in plain.actions][-1] == "kexec"  # without a hint a machine-wide teardown is taken for a kexec
    stale = [f for f in plain.run.findings if f.kind == "stale_state"]
    assert stale and all(f.assumption and "taken for a kexec" in f.assumption for f in stale)


def test_lost_events_are_reported(tmp_path: Path) -> None:
    header, blocks = split(exported(V4))
    blocks.insert(10, ["CPU:2 [LOST 123 EVENTS]"])
    ti = imported(save(tmp_path, join(header, blocks)))
    assert ti.trace.stats.problems == {"lost_events": 1}


def test_trace_cmd_dropped_events_and_its_version_line_are_recognised(tmp_path: Path) -> None:
    header, blocks = split(exported(V4, layout="trace-cmd"))
    blocks.insert(10, ["CPU:2 [123 EVENTS DROPPED]"])
    blocks.insert(20, ["CPU:0 [EVENTS DROPPED]"])
    ti = imported(save(tmp_path, join(["version = 6", *header], blocks)))
    assert ti.trace.stats.problems == {"lost_events": 2} and ti.trace.stats.first["lost_events"] > 1
    assert ti.trace.stats.headers == len(header) + 1
