"""`finding_differences`: which findings only one side of a comparison has, per CPU (the compare screen's list)."""

from __future__ import annotations

from dataclasses import replace

from synic_core import Session
from synic_core.scenarios.compare import finding_differences, replay_under
from synic_core.scenarios.scenario import session_scenario
from synic_core.versions.registry import session_config


def kexec_session(mshv: str) -> Session:
    session = Session(session_config(mshv=mshv, cpus=4))
    for action in ("vmbus_load", "mshv_init", "kexec"):
        session.apply(action, session.resolve_cpus(action, None))
    return session


def test_finding_differences_per_cpu() -> None:
    left = kexec_session("patch5-only").findings
    stale = next(f for f in left if f.kind == "stale_state")
    right = [f for f in left if not (f.kind == "hypervisor_fault" and f.cpu == 2)] + [replace(stale, cpu=7)]
    diffs = finding_differences(left, right)
    assert [(d.side, d.kind, d.step, d.cpus) for d in diffs] == [("left", "hypervisor_fault", 2, (2,))] * 3 + [
        ("right", "stale_state", 2, (7,))
    ]
    assert diffs[-1].where == f"{stale.register}.{stale.field} (l1)"
    assert finding_differences(left, list(left)) == []


def test_replay_under_changes_only_the_setting_asked_for() -> None:
    """The one replay-under-settings: the same steps, the other version; the session replayed is untouched."""
    original = kexec_session("patch5-only")
    replayed = replay_under(session_scenario(original), {"mshv": "v4"}, "these steps")
    assert replayed.config.mshv == "v4" and original.config.mshv == "patch5-only"
    assert [s.action for s in replayed.history] == [s.action for s in original.history]
    assert replayed.config.hypervisor == original.config.hypervisor and replayed.config.cpus == original.config.cpus
    faults = [len([f for f in s.findings if f.kind == "hypervisor_fault"]) for s in (original, replayed)]
    assert faults[0] > 0 and faults[1] == 0  # v4 cleans up before kexec: no fault (as `--compare patch5-only,v4` says)
