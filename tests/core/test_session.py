"""Session behaviour: undo/redo, determinism, refusals, scale."""

import pytest

from synic_core import ActionError, Session
from synic_core.versions.registry import session_config
from tests.support.sessions import run, state_snapshot


def test_undo_restores_the_exact_previous_state_and_redo_replays() -> None:
    s = Session(session_config(partition="l1vh", mshv="patch5-only", cpus=3))
    states = [state_snapshot(s.state)]
    for a in ("vmbus_load", "mshv_init", "kexec"):
        s.apply(a)
        states.append(state_snapshot(s.state))
    findings = s.findings
    for i in range(3, 0, -1):
        s.undo()
        assert state_snapshot(s.state) == states[i - 1]
    assert s.undo() is None
    for i in range(1, 4):
        s.redo()
        assert state_snapshot(s.state) == states[i]
    assert s.findings == findings


def test_new_action_clears_redo() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init"])
    s.undo()
    assert s.can_redo()
    s.apply("mshv_init", [0])
    assert not s.can_redo()


def test_deterministic() -> None:
    a = run("l1vh", "mainline", cpus=8)
    b = run("l1vh", "mainline", cpus=8)
    assert a.findings == b.findings
    assert [s.writes for s in a.history] == [s.writes for s in b.history]


@pytest.mark.parametrize(
    ("action", "cpus", "field"),
    [
        ("warp", None, "action"),
        ("vmbus_load", [], "cpus"),
        ("vmbus_load", [4], "cpus"),
        ("vmbus_load", [1, 1], "cpus"),
        ("cpu_online", [0], "cpus"),
        ("kexec", [0, 1], "cpus"),
    ],
)
def test_invalid_actions_raise_and_leave_state_untouched(action, cpus, field) -> None:
    s = Session(session_config(cpus=4))
    before = state_snapshot(s.state)
    with pytest.raises(ActionError) as exc:
        s.apply(action, cpus)
    assert exc.value.field == field
    assert state_snapshot(s.state) == before and s.history == []


def test_root_has_no_vmbus() -> None:
    s = run("root", "v4", ["vmbus_load"])
    assert s.history[0].refused and s.history[0].writes == []


def test_v4_vmbus_cannot_unload_under_mshv() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init", "vmbus_unload"])
    step = s.history[2]
    assert step.refused and step.writes == [] and step.findings[0].assumption


def test_mainline_vmbus_unload_pulls_pages_from_under_mshv() -> None:
    s = run("l1vh", "mainline", ["vmbus_load", "mshv_init", "vmbus_unload"], cpus=1)
    kinds = {(f.kind, f.component) for f in s.history[2].findings}
    assert kinds == {("pulled_from_under", "vmbus"), ("missing_enable", "mshv")}


def test_cpu0_never_goes_offline_so_the_last_online_cpu_is_never_in_question() -> None:
    s = run("guest", "v4", [("cpu_offline", [0])], cpus=1)
    assert s.history[0].refused and s.state.cpus[0].online and "-EPERM" in s.findings[0].message


def test_kexec_brings_a_new_kernel_and_frees_old_pages() -> None:
    s = run("l1vh", "mainline", ["vmbus_load", "mshv_init", "kexec", "vmbus_load", "mshv_init"], cpus=1)
    assert s.state.boot == 1
    # mainline maps the stale SIRBP (frame 0) again in the new kernel
    assert any(f.kind == "dangling_page" for f in s.history[4].findings)
    old_pages = [p for p in s.state.pages.values() if p.boot == 0]
    assert old_pages and all(p.freed for p in old_pages)


def test_kdump_kernel_refuses_mshv() -> None:
    s = run("l1vh", "v4", ["vmbus_load", "mshv_init", ("crash_kexec", [0]), "mshv_init"], cpus=2)
    assert s.history[3].refused and "kdump" in s.history[3].findings[0].message
    stale = {f.register for f in s.history[2].findings if f.kind == "stale_state"}
    assert {"SINT0", "SINT5", "SIRBP", "SINT2"} <= stale  # CPU 1 kept everything


def test_nested_root_v4_flags_missing_enable_as_inference() -> None:
    s = run("nested_root", "v4", ["vmbus_load", "mshv_init"], cpus=1)
    missing = [f for f in s.findings if f.kind == "missing_enable"]
    assert {f.register for f in missing} == {"SCONTROL", "SIMP", "SIEFP"}
    assert all(f.assumption and "inference" in f.assumption for f in missing)
    s.apply("mshv_init", [0])  # already live: no new finding for the same condition
    assert not [f for f in s.history[-1].findings if f.kind == "missing_enable"]


def test_lenient_profile_accepts_teardown_after_scontrol_drop() -> None:
    s = run("l1vh", "patch5-only", hypervisor="lenient")
    assert s.summary()["fault"] == 0
    assert any(f.kind == "pulled_from_under" for f in s.findings)


def test_partial_cpu_sets_are_labelled() -> None:
    s = run("l1vh", "v4", [("vmbus_load", [0])])
    assert not s.history[0].kernel_order
    assert "every online CPU" in s.history[0].notes[0]


def test_4096_cpus() -> None:
    s = run("l1vh", "patch5-only", cpus=4096)
    assert s.summary()["fault"] == 4096 * 3
    assert len(s.history[2].writes) == 4096 * 10


def test_channel_cpus_default_to_cpu0_and_must_name_cpus_of_the_machine() -> None:
    assert session_config().channel_cpus == (0,)
    with pytest.raises(ValueError, match=r"channel_cpus: CPU 4 is out of range \(expected 0..3\)"):
        session_config(cpus=4, channel_cpus=(1, 4))
    with pytest.raises(ValueError, match="channel_cpus: a CPU is named twice"):
        session_config(channel_cpus=(1, 1))
