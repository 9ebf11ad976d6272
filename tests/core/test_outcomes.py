"""Design §3: the expected outcomes, through the session API and through `synic run --json`."""

import json

import pytest

from synic_core import Session
from synic_core.cli import main
from synic_core.model.findings import SEVERITY_RANK
from synic_core.model.vocabulary import ActionName
from synic_core.versions.registry import session_config
from tests.support.sessions import kinds, run

SHARED = ("SIMP", "SIEFP", "SCONTROL")


def above_info(session):
    return [f for f in session.findings if SEVERITY_RANK[f.severity] > 0]


def test_row1_l1vh_mainline() -> None:
    s = run("l1vh", "mainline")
    found = kinds(s)
    for reg in SHARED:
        assert ("redundant_write", reg, "mshv") in found
    assert ("dangling_page", "SIRBP", "mshv") in found
    kexec = s.history[2]
    assert not [w for w in kexec.writes if w.component == "mshv"]  # no notifier on l1vh
    stale = {(f.register, f.cpu) for f in kexec.findings if f.kind == "stale_state"}
    assert stale == {(r, c) for r in ("SINT0", "SINT5", "SIRBP") for c in range(4)}
    assert s.summary()["fault"] == 0


def test_row2_l1vh_patch5_only() -> None:
    s = run("l1vh", "patch5-only")
    kexec = s.history[2]
    for reg in SHARED:
        assert ("foreign_write", reg, "mshv") in kinds(s, step=2)
        assert ("pulled_from_under", reg, "mshv") in kinds(s, step=2)
    faults = [f for f in kexec.findings if f.kind == "hypervisor_fault"]
    assert {f.cpu for f in faults} == {0, 1, 2, 3}
    assert {f.component for f in faults} == {"vmbus"}
    # each fault comes after MSHV cleared SCONTROL on that CPU
    for f in faults:
        assert f.write is not None
        cleared = [w.index for w in kexec.writes if w.cpu == f.cpu and w.register == "SCONTROL" and w.component == "mshv"]
        assert cleared and cleared[0] < f.write
        assert kexec.writes[f.write].rejected


def test_row3_l1vh_v4() -> None:
    s = run("l1vh", "v4")
    assert above_info(s) == []
    for cpu in range(4):
        regs = s.state.registers_dict(cpu, "l1")
        assert all(regs[f"SINT{n}"] & 0x10000 for n in range(16))
        assert all(regs[r] & 1 == 0 for r in ("SIMP", "SIEFP", "SIRBP", "SCONTROL"))


def test_row4_root_v4() -> None:
    s = run("root", "v4", ["mshv_init", "kexec"])
    assert above_info(s) == []
    init, kexec = s.history
    assert {w.register for w in init.writes if w.new & 1 and not w.old & 1} >= set(SHARED)
    assert {w.register for w in kexec.writes if w.old & 1 and not w.new & 1} >= set(SHARED)
    assert {w.component for w in init.writes + kexec.writes} == {"mshv"}


@pytest.mark.parametrize("version", ["mainline", "patch5-only", "v1", "v3", "v4"])
def test_row5_guest_refuses_mshv(version) -> None:
    s = run("guest", version, ["mshv_init"])
    before = s.state_before(0)
    step = s.history[0]
    assert step.refused and step.writes == []
    assert [f.kind for f in step.findings] == ["refused"]
    assert "hv_parent_partition" in step.findings[0].message
    assert s.state.regs == before.regs


def test_row6_x86_refuses_cpu0_offline_before_any_callback() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init", ("cpu_offline", [0])])
    step = s.history[2]
    assert step.writes == [] and step.refused
    assert [f.kind for f in step.findings] == ["refused"]
    assert "-EPERM" in step.findings[0].message and "arch_cpu_is_hotpluggable" in step.findings[0].cites
    assert s.state.cpus[0].online and s.state.cpus[0].mshv and s.state.cpus[0].vmbus


def busy_cpu_session(*steps: tuple[ActionName, list[int]]) -> Session:
    s = Session(session_config(partition="l1vh", mshv="v4", channel_cpus=(1,)))
    for action in ("vmbus_load", "mshv_init"):
        s.apply(action)
    for action, cpus in steps:
        s.apply(action, cpus)
    return s


def test_a_cpu_holding_a_channel_runs_mshv_exit_then_vmbus_refuses_and_cpuhp_rolls_mshv_back() -> None:
    s = busy_cpu_session(("cpu_offline", [1]))
    step = s.history[2]
    assert [(w.component, w.register) for w in step.writes] == [
        ("mshv", "SINT0"),
        ("mshv", "SINT5"),
        ("mshv", "SIRBP"),  # MSHV exit (later in the online order, so first in the offline order)
        ("mshv", "SIRBP"),
        ("mshv", "SINT0"),
        ("mshv", "SINT5"),  # rollback: MSHV init again
    ]
    (refusal,) = step.findings
    assert refusal.kind == "refused" and refusal.component == "vmbus" and "-EBUSY" in refusal.message
    assert (refusal.assumption or "").startswith("the kernel cannot move the channel itself")  # printed after "assumption:"
    assert s.state.cpus[1].online and s.state.cpus[1].mshv and s.state.cpus[1].vmbus
    assert s.summary()["fault"] == 0


def test_after_its_channels_moved_the_same_cpu_goes_offline_cleanly() -> None:
    s = busy_cpu_session(("move_channels", [1]), ("cpu_offline", [1]))
    move, offline = s.history[2], s.history[3]
    assert move.writes == [] and not move.findings and "now target CPU 0" in move.notes[0]
    assert [(w.component, w.register) for w in offline.writes][3:] == [
        ("vmbus", "SINT2"),
        ("vmbus", "SIMP"),
        ("vmbus", "SIEFP"),
        ("vmbus", "SCONTROL"),
    ]
    assert not offline.findings and not s.state.cpus[1].online
    assert [c.channels for c in s.state.cpus] == [True, False, False, False]


def test_channels_do_not_block_once_vmbus_is_disconnected_and_a_new_kernel_binds_them_again() -> None:
    s = busy_cpu_session(("move_channels", [1]), ("kexec", [0]))
    assert [c.channels for c in s.state.cpus] == [False, True, False, False]  # the session's channel_cpus
    s.apply("move_channels", [1])
    assert "VMBus is not connected" in s.history[-1].notes[0] and s.state.cpus[1].channels


def test_channels_cannot_move_when_every_online_cpu_is_chosen() -> None:
    s = busy_cpu_session(("move_channels", [0, 1, 2, 3]))
    assert s.history[-1].refused and s.state.cpus[1].channels


def test_other_cpus_go_offline_and_online_in_cpuhp_order() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init", ("cpu_offline", [2]), ("cpu_online", [2])])
    off, on = s.history[2], s.history[3]
    assert [w.component for w in off.writes] == ["mshv"] * 3 + ["vmbus"] * 4
    assert [w.component for w in on.writes] == ["vmbus"] * 4 + ["mshv"] * 3
    assert s.state.cpus[2].online


ROWS = {
    "l1vh-mainline-kexec": (1, {"redundant_write", "dangling_page", "stale_state"}),
    "l1vh-patch5-only-kexec": (1, {"foreign_write", "pulled_from_under", "hypervisor_fault"}),
    "l1vh-v4-kexec": (0, set()),
    "root-v4-kexec": (0, set()),
    "guest-mshv-refused": (0, {"refused"}),
    "l1vh-v4-offline-cpu0": (0, {"refused"}),
    "l1vh-v4-offline-busy-cpu": (0, {"refused"}),
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_rows_through_synic_run_json(name, capsys: pytest.CaptureFixture[str]) -> None:
    code, expected_kinds = ROWS[name]
    assert main(["run", name, "--json"]) == code
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"scenario", "steps", "findings", "final", "summary"}
    assert {f["kind"] for f in out["findings"]} >= expected_kinds
    assert sum(out["summary"].values()) == sum(f["count"] for f in out["findings"])
    assert out["steps"][0]["index"] == 0 and isinstance(out["steps"][0]["cpus"], list)
    assert set(out["final"]) == {str(c) for c in range(out["scenario"]["cpus"])}


def test_done_when_cpu0_offline_is_refused_with_no_write_and_a_channel_cpu_rolls_back(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "l1vh-v4-offline-cpu0", "--json"])
    offline = json.loads(capsys.readouterr().out)["steps"][2]
    assert offline["refused"] and offline["write_count"] == 0 and offline["cpus"] == [0]
    main(["run", "l1vh-v4-offline-busy-cpu", "--json", "--trace"])
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"]["channel_cpus"] == [1]
    writes = [(w["component"], w["register"], w["new"] >> 16 & 1) for w in out["steps"][2]["writes"]]
    assert writes == [
        ("mshv", "SINT0", 1),
        ("mshv", "SINT5", 1),
        ("mshv", "SIRBP", 0),
        ("mshv", "SIRBP", 0),
        ("mshv", "SINT0", 0),
        ("mshv", "SINT5", 0),
    ]
    assert out["final"]["1"]["online"] and out["final"]["1"]["channels"]


def test_json_shape_of_a_fault(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "l1vh-patch5-only-kexec", "--json", "--trace"])
    out = json.loads(capsys.readouterr().out)
    fault = next(f for f in out["findings"] if f["kind"] == "hypervisor_fault")
    assert fault["severity"] == "fault" and fault["step"] == 2 and fault["bank"] == "l1"
    assert fault["component"] == "vmbus" and fault["owner"] == "vmbus"
    assert fault["register"] == "SINT2" and fault["field"] == "masked"
    write = out["steps"][0]["writes"][0]
    assert write["register"] == "SIMP" and write["old"] == 0 and write["new"] & 1
    final = out["final"]["0"]
    assert final["online"] is True and final["vmbus"] is False
    assert final["registers"]["l1"]["SINT2"] == 0x200F3  # the mask write was refused
    assert out["summary"]["fault"] == 12


def test_human_output_names_findings_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec"]) == 1
    out = capsys.readouterr().out
    assert "hypervisor_fault" in out and "faults 12  errors" in out
    assert "assumption:" in out and "models:" in out


def test_trace_lists_every_write(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "l1vh-v4-kexec", "--trace"])
    out = capsys.readouterr().out
    assert "MSR writes" in out and "hv_synic_init" in out


def test_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("# SynIC Lab report") and "| 2 | `kexec` | 0 | 40 | 40 |" in out
    assert "on CPUs 0-3" in out and "*assumption:*" in out
    assert "| l1 | SINT2 | VMBus | `0x200f3` | 0-3 |" in out  # the mask write was refused


def test_plain_text_grid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "l1vh-patch5-only-kexec", "--grid"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].startswith("CPU  on V M  SCTRL.on")
    assert lines[2].split()[:5] == ["0", "+", ".", ".", "off"]  # CPU 0 online, no driver live after kexec
    assert "on  VX" in lines[2]  # SINT2 left unmasked by VMBus, its mask write refused: a fault
    assert "FAULT hypervisor_fault step 2 CPUs 0-3 SINT2.masked by VMBus" in out


def test_channel_cpus_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "l1vh-v4-kexec", "--channel-cpus", "1-2", "--json"])
    assert json.loads(capsys.readouterr().out)["scenario"]["channel_cpus"] == [1, 2]
    assert main(["run", "l1vh-v4-kexec", "--channel-cpus", "4"]) == 2
    assert "channel_cpus: CPU 4 is out of range (expected 0..3)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "l1vh-v4-kexec", "--channel-cpus", "1,1"])
    assert "expected each CPU once" in capsys.readouterr().err


def test_a_saved_session_keeps_its_channel_cpus_and_replays_the_same_refusal() -> None:
    from synic_core.scenarios.scenario import parse_scenario, replay, session_scenario

    s = busy_cpu_session(("cpu_offline", [1]))
    data = session_scenario(s).dump()
    assert data["channel_cpus"] == [1]
    again = replay(parse_scenario(data, "saved session"))
    assert again.config.channel_cpus == (1,) and again.history[2].refused
