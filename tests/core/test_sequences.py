"""Each driver sequence writes the registers in the kernel's order (facts §5–§8)."""

import pytest

from synic_core import Session
from synic_core.versions.registry import session_config
from tests.support.sessions import order, run

VMBUS_INIT = [("vmbus", r) for r in ("SIMP", "SIEFP", "SINT2", "SCONTROL")]
VMBUS_CLEANUP = [("vmbus", r) for r in ("SINT2", "SIMP", "SIEFP", "SCONTROL")]
MSHV_MAINLINE_INIT = [("mshv", r) for r in ("SIMP", "SIEFP", "SIRBP", "SINT0", "SINT5", "SCONTROL")]
MSHV_MAINLINE_EXIT = [("mshv", r) for r in ("SINT0", "SINT5", "SIRBP", "SIEFP", "SIMP", "SCONTROL")]


def test_vmbus_init_order_and_values() -> None:
    s = run("l1vh", "v4", ["vmbus_load"], cpus=2)
    assert order(s.history[0]) == VMBUS_INIT
    sint2 = s.state.get(0, "l1", "SINT2")
    assert sint2 == 0x200F3  # vector 0xF3, unmasked, AutoEOI
    assert s.state.get(0, "l1", "SCONTROL") == 1
    simp = s.state.get(0, "l1", "SIMP")
    assert simp & 1 and simp >> 12 != 0  # enabled at a Linux-allocated page
    assert simp >> 12 != s.state.get(1, "l1", "SIMP") >> 12  # per-CPU pages


def test_vmbus_cleanup_order_clears_the_frames_on_l1vh() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "vmbus_unload"], cpus=2)
    assert order(s.history[1], cpu=1) == VMBUS_CLEANUP
    assert s.state.get(1, "l1", "SIMP") == 0 and s.state.get(1, "l1", "SIEFP") == 0
    assert s.state.get(1, "l1", "SINT2") == 0x300F3


@pytest.mark.parametrize("version", ["mainline", "patch5-only"])
def test_mshv_pre_series_init_and_exit_order(version) -> None:
    s = run("l1vh", version, ["vmbus_load", "mshv_init", "mshv_cleanup"], cpus=2)
    assert order(s.history[1]) == MSHV_MAINLINE_INIT
    assert order(s.history[2]) == MSHV_MAINLINE_EXIT


def test_sint_values_written_by_mshv() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init"], cpus=1)
    assert s.state.get(0, "l1", "SINT0") == 0x200F3
    assert s.state.get(0, "l1", "SINT5") == 0xA00F3


@pytest.mark.parametrize("version", ["v1", "v3", "v4"])
def test_series_on_l1vh_leaves_vmbus_registers_alone(version) -> None:
    s = run("l1vh", version, ["vmbus_load", "mshv_init", "mshv_cleanup"], cpus=1)
    assert order(s.history[1]) == [("mshv", "SIRBP"), ("mshv", "SINT0"), ("mshv", "SINT5")]
    assert order(s.history[2]) == [("mshv", "SINT0"), ("mshv", "SINT5"), ("mshv", "SIRBP")]


def test_series_allocates_and_frees_the_l1vh_sirbp_page() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init"], cpus=1)
    frame = s.state.get(0, "l1", "SIRBP") >> 12
    assert frame and s.state.get(0, "l1", "SIRBP") & 1
    assert not s.state.pages[frame].freed
    s.apply("mshv_cleanup")
    assert s.state.get(0, "l1", "SIRBP") == 0
    assert s.state.pages[frame].freed


def test_mainline_maps_whatever_sirbp_holds_on_l1vh() -> None:
    s = run("l1vh", "mainline", ["vmbus_load", "mshv_init"], cpus=1)
    assert s.state.get(0, "l1", "SIRBP") == 1  # enabled at frame 0


@pytest.mark.parametrize("version", ["mainline", "patch5-only", "v1", "v3", "v4"])
def test_root_mshv_manages_everything(version) -> None:
    s = run("root", version, ["mshv_init"], cpus=1)
    assert order(s.history[0]) == MSHV_MAINLINE_INIT
    # the hypervisor provided the frames; MSHV only sets the enable bits
    assert s.state.get(0, "l1", "SIMP") >> 12 == 0x100000


@pytest.mark.parametrize(
    ("version", "touches_shared"), [("mainline", True), ("patch5-only", True), ("v1", True), ("v3", False), ("v4", False)]
)
def test_nested_root_versions(version, touches_shared) -> None:
    s = run("nested_root", version, ["vmbus_load", "mshv_init"], cpus=1)
    assert {w.bank for w in s.history[0].writes} == {"l0"}  # VMBus writes the NESTED copies
    assert {w.bank for w in s.history[1].writes} == {"l1"}  # MSHV writes the non-nested registers
    regs = [r for _, r in order(s.history[1])]
    assert ("SIMP" in regs) is touches_shared


def test_crash_kexec_leaves_scontrol_enabled_on_the_panic_cpu_only() -> None:
    s = run("l1vh", "v4", ["vmbus_load", ("crash_kexec", [1])], cpus=2)
    assert order(s.history[1], cpu=1) == [("vmbus", "SINT2"), ("vmbus", "SIMP"), ("vmbus", "SIEFP")]
    assert s.state.get(1, "l1", "SCONTROL") == 1
    assert s.state.get(0, "l1", "SIMP") & 1  # the other CPU keeps its state
    assert not s.history[1].writes or all(w.cpu == 1 for w in s.history[1].writes)


def test_kexec_order_notifier_then_vmbus_per_cpu() -> None:
    s = run("l1vh", "v4", cpus=2)
    kexec = s.history[2]
    comps = [w.component for w in kexec.writes]
    assert comps == ["mshv"] * 6 + ["vmbus"] * 8  # all MSHV exits (notifier) before hv_machine_shutdown
    assert [w.cpu for w in kexec.writes[:6]] == [0, 0, 0, 1, 1, 1]


def test_v4_evaluates_vmbus_exists_at_call_time() -> None:
    s = Session(session_config(partition="l1vh", mshv="v4", cpus=1))
    s.apply("mshv_init")  # no VMBus yet: MSHV manages SIMP/SIEFP/SCONTROL itself
    assert ("mshv", "SCONTROL") in order(s.history[0])
    assert not s.history[0].kernel_order
