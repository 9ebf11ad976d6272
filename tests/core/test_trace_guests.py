"""Writes nobody claims are judged; a KVM host trace's guest is sized by its vCPUs and never mixed with another guest."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.traces.check import check_trace
from synic_core.traces.reading import TraceError
from tests.support.traces import block_cpu, exported, imported, join, restamp, save, split

V4 = "l1vh-v4-kexec"
UNATTRIBUTED_SCONTROL_OFF = {
    "ftrace": "         insmod-3001    [001] ..... 100.000000: write_msr: 40000080, value 0",
    "kvm": "qemu-system-x86-4321  [002] 100.000000: kvm_hv_synic_set_msr: vcpu_id 1 msr 0x40000080 data 0x0 host 0",
}


def with_scontrol_cleared(fmt: str) -> str:
    """VMBus loaded on CPUs 0-3, then a write with no stack clears SCONTROL on CPU 1 (VMBus still live there)."""
    header, blocks = split(exported(V4, fmt, "trace-cmd" if fmt == "kvm" else "ftrace", stacks=False))  # type: ignore[arg-type]
    loaded = 16  # vmbus_load: 4 writes on each of 4 CPUs
    assert all(block_cpu(b) == k // 4 for k, b in enumerate(blocks[:loaded]))
    blocks.insert(loaded, [UNATTRIBUTED_SCONTROL_OFF[fmt]])
    return join(header, restamp(blocks))


@pytest.mark.parametrize("fmt", ["ftrace", "kvm"])
def test_an_unattributed_write_that_clears_scontrol_under_live_vmbus_is_an_error(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = save(tmp_path, with_scontrol_cleared(fmt))
    ti = imported(path, partition="l1vh")
    pulled = [f for f in ti.run.findings if f.kind == "pulled_from_under" and f.cpu == 1 and f.step == 0]
    assert len(pulled) == 1 and pulled[0].severity == "error" and pulled[0].component is None
    assert pulled[0].message == "An unattributed writer disabled SCONTROL on CPU 1 while VMBus is still live and uses it."
    assert pulled[0].assumption is not None and "names no writer" in pulled[0].assumption
    assert main(["trace", str(path), "--partition", "l1vh"]) == 1
    assert "errors 0" not in capsys.readouterr().out


def kvm_trace(host_cpus: int = 8) -> tuple[list[str], list[list[str]]]:
    header, blocks = split(exported(V4, "kvm", "trace-cmd"))
    assert header == ["cpus=4"]
    return [f"cpus={host_cpus}"], blocks


def test_a_kvm_guest_has_as_many_cpus_as_vcpu_ids_not_the_hosts_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, blocks = kvm_trace(8)
    path = save(tmp_path, join(header, blocks))
    ti = imported(path)
    assert ti.trace.ncpus == ti.config.cpus == 4 and ti.trace.host_cpus == 8
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert [v.cpu for v in result.cpus] == [0, 1, 2, 3] and result.conforms  # no invented divergence on CPUs 4-7
    assert main(["trace", str(path), "--check"]) == 0
    assert "cpus 4 (the host's header says 8: not the guest's)" in capsys.readouterr().out


def test_cpus_overrides_the_count(tmp_path: Path) -> None:
    header, blocks = kvm_trace(8)
    ti = imported(save(tmp_path, join(header, blocks)), cpus=6)
    assert ti.config.cpus == 6


def test_two_guests_in_one_host_trace_are_named_and_never_mixed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header, blocks = kvm_trace(8)
    other = [[line.replace("qemu-system-x86-4321", "qemu-system-x86-5555") for line in b] for b in blocks[:16]]
    path = save(tmp_path, join(header, restamp(blocks + other)))
    with pytest.raises(TraceError) as refused:
        imported(path)
    assert str(refused.value) == (
        f"{path}: several guests in this host trace: PID 4321 (vCPUs 0-3, 56 writes), PID 5555 (vCPUs 0-3, 16 writes); "
        "choose one with --guest PID"
    )
    assert main(["trace", str(path), "--check"]) == 2
    one = imported(path, guest=4321)
    assert len(one.trace.writes) == 56 and one.trace.stats.other_guests == 16
    assert check_trace(one.attributed, one.actions, one.config).conforms
    assert main(["trace", str(path), "--guest", "4321", "--check"]) == 0
    assert "left out: 16 writes of other guests (--guest chose one)" in capsys.readouterr().out


def test_the_tgid_column_tells_guests_apart_when_each_vcpu_has_its_thread(tmp_path: Path) -> None:
    """QEMU runs each vCPU in its own thread: without the tgid column, threads that each write one vCPU are one guest."""
    header, blocks = kvm_trace(8)
    threads = [[b[0].replace("-4321 ", f"-{4400 + block_cpu(b)} ")] for b in blocks]
    assert len(imported(save(tmp_path, join(header, threads))).trace.guests) == 4  # four threads, one guest
    tgid = [[b[0].replace("-4321 ", "-4321 ( 4321) ")] for b in blocks]
    ti = imported(save(tmp_path, join(header, tgid), "tgid.txt"))
    assert [(g.pid, g.tgid) for g in ti.trace.guests] == [(4321, True)]


def test_a_guest_that_is_not_in_the_trace_is_bad_input(tmp_path: Path) -> None:
    header, blocks = kvm_trace(8)
    path = save(tmp_path, join(header, blocks))
    with pytest.raises(TraceError, match="no SynIC write of guest 9 \\(expected --guest with one of the PIDs in the trace: 4321\\)"):
        imported(path, guest=9)


def test_guest_is_only_for_a_host_trace(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="--guest 5: a ftrace trace holds one machine \\(expected a KVM host's trace\\)"):
        imported(save(tmp_path, exported(V4)), guest=5)


def test_a_binary_log_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = save(tmp_path, b"\x7fELF\x00\x00", "dmesg.bin")
    assert main(["trace", str(save(tmp_path, exported(V4))), "--dmesg", str(log)]) == 2
    assert capsys.readouterr().err == (
        f"synic: --dmesg {log}: not a text file (it holds NUL bytes); expected the text of a kernel log (dmesg, journalctl -k, "
        "a serial console)\n"
    )
