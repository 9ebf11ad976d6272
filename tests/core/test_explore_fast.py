"""The fast explorer against the reference search (`explore.explore`): the same states, transitions,
levels, reachable kinds and shortest lengths on every partition x version x profile."""

from __future__ import annotations

import pytest

from synic_core.explore.fast import Status, search
from synic_core.explore.reference import ExploreResult, explore
from synic_core.model.findings import explored
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.scenarios.scenario import parse_scenario, replay
from synic_core.versions.names import BUILTIN_NAMES as VERSION_NAMES
from synic_core.versions.registry import session_config

CONFIGS = [(p, v, h) for p in PARTITION_NAMES for v in VERSION_NAMES for h in PROFILE_NAMES]


def summary(r: ExploreResult) -> tuple[int, int, list[int], dict[str, int], bool]:
    return r.states, r.transitions, r.levels, {k: len(c.steps) for k, c in r.found.items()}, r.fixpoint


@pytest.mark.parametrize(("partition", "mshv", "hv"), CONFIGS)
def test_same_answers_as_the_reference_on_every_configuration(partition: str, mshv: str, hv: str) -> None:
    for cpus, depth in ((1, 8), (2, 5)):
        config = session_config(partition=partition, mshv=mshv, hypervisor=hv, cpus=cpus)
        assert summary(search(config, depth)) == summary(explore(config, depth)), (cpus, depth)


@pytest.mark.parametrize(("partition", "mshv", "hv"), CONFIGS[::3])
def test_same_answers_with_orders_the_kernel_cannot_produce(partition: str, mshv: str, hv: str) -> None:
    config = session_config(partition=partition, mshv=mshv, hypervisor=hv, cpus=3)
    assert summary(search(config, 3, any_order=True)) == summary(explore(config, 3, any_order=True))


@pytest.mark.parametrize(("mshv", "channel_cpus"), [("v4", (1,)), ("patch5-only", (0, 2)), ("mainline", (1, 2))])
def test_same_answers_with_vmbus_channels_on_other_cpus(mshv: str, channel_cpus: tuple[int, ...]) -> None:
    config = session_config(partition="l1vh", mshv=mshv, cpus=3, channel_cpus=channel_cpus)
    fast, ref = search(config, 6), explore(config, 6)
    assert summary(fast) == summary(ref)
    assert "refused" in fast.found  # a CPU holding a channel: the rolled-back offline
    for c in fast.found.values():  # a counterexample replays where it was found: with the same channels
        session = replay(parse_scenario(c.scenario(config), "counterexample"))
        assert session.config.channel_cpus == channel_cpus and c.kind in {f.kind for f in filter(explored, session.history[-1].findings)}


@pytest.mark.parametrize(("partition", "mshv"), [("l1vh", "v4"), ("l1vh", "patch5-only"), ("nested_root", "v3"), ("root", "mainline")])
def test_same_fixpoint_as_the_reference(partition: str, mshv: str) -> None:
    config = session_config(partition=partition, mshv=mshv, cpus=2)
    fast, ref = search(config), explore(config, 100)
    assert fast.fixpoint and ref.fixpoint
    assert summary(fast) == summary(ref)
    assert fast.diameter == len(ref.levels)


def test_three_cpus_l1vh_v4_matches_the_published_counts() -> None:
    # the counts the reference search measures at its fixpoint (issue 14 measured 24550, 230247, 25 while the model
    # still let CPU 0 go offline before VMBus connected; x86 never offlines it: issue 24)
    r = search(session_config(partition="l1vh", mshv="v4", cpus=3))
    assert (r.states, r.transitions, r.diameter, r.fixpoint) == (6543, 61574, 22, True)
    assert "hypervisor_fault" not in r.found


def test_counterexamples_are_real_kernel_orders_that_replay() -> None:
    config = session_config(partition="l1vh", mshv="patch5-only", cpus=3)
    r = search(config)
    assert r.fixpoint
    fault = r.found["hypervisor_fault"]
    assert [a for a, _ in fault.steps] == ["vmbus_load", "mshv_init", "kexec"]  # the breadth-first search's first shortest path
    for c in r.found.values():
        assert c.kernel_order
        session = replay(parse_scenario(c.scenario(config), "counterexample"))
        assert c.kind in {f.kind for f in filter(explored, session.history[-1].findings)}


def test_a_bounded_run_is_not_a_proof() -> None:
    r = search(session_config(partition="l1vh", mshv="v4", cpus=2), 4)
    assert not r.fixpoint and r.complete and r.levels[-1] > 0 and r.stopped is None


def test_stop_and_interrupt_keep_what_was_found() -> None:
    statuses: list[Status] = []

    def progress(s: Status) -> None:
        statuses.append(s)
        if s.level_done and s.depth == 4:
            raise KeyboardInterrupt

    r = search(session_config(partition="l1vh", mshv="patch5-only", cpus=2), progress=progress)
    assert not r.complete and r.stopped == "interrupted" and not r.fixpoint
    assert len(r.levels) == 4 and "hypervisor_fault" in r.found
    assert statuses[-1].states == r.states

    stopped = search(session_config(partition="l1vh", mshv="v4", cpus=3), stop=lambda: True)
    assert stopped.stopped == "stopped" and not stopped.fixpoint


def test_memory_limit_stops_cleanly() -> None:
    r = search(session_config(partition="l1vh", mshv="v4", cpus=3), memory_limit_mb=1)
    assert r.stopped == "memory limit" and not r.fixpoint and not r.complete


def test_running_out_of_room_is_a_clean_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    from synic_core.explore import fast as explore_fast

    monkeypatch.setattr(explore_fast, "FIELD_MASK", 3)  # as if the packed state could hold only 4 signatures
    r = search(session_config(partition="l1vh", mshv="v4", cpus=2))
    assert r.stopped == "out of memory" and not r.fixpoint and not r.complete


@pytest.mark.parametrize(
    ("partition", "mshv", "any_order"),
    [("l1vh", "v4", False), ("l1vh", "patch5-only", False), ("l1vh", "mainline", True), ("nested_root", "v3", False)],
)
def test_a_forked_helper_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch, partition: str, mshv: str, any_order: bool) -> None:
    from synic_core.explore import fast as explore_fast

    monkeypatch.setattr(explore_fast, "PARALLEL_MIN", 1)  # every level split with a helper process
    config = session_config(partition=partition, mshv=mshv, cpus=3)
    depth = 4 if any_order else None
    assert summary(search(config, depth, any_order=any_order, jobs=2)) == summary(search(config, depth, any_order=any_order))


def test_stopping_mid_level_leaves_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from synic_core.explore import fast as explore_fast

    monkeypatch.setattr(explore_fast, "PARALLEL_MIN", 1)
    monkeypatch.setattr(explore_fast, "CHECK_EVERY", 16)
    helpers: list[int] = []
    fork_helper = explore_fast._fork_helper

    def recording(*args: object, **kwargs: object) -> tuple[int, int] | None:
        got = fork_helper(*args, **kwargs)  # type: ignore[arg-type]
        if got is not None:
            helpers.append(got[0])
        return got

    monkeypatch.setattr(explore_fast, "_fork_helper", recording)
    calls = iter(range(1000))
    r = search(session_config(partition="l1vh", mshv="v4", cpus=3), jobs=2, stop=lambda: next(calls) > 40)
    assert r.stopped == "stopped" and helpers
    for pid in helpers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: not running, not a zombie
