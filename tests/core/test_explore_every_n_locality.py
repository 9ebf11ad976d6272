"""The locality `--cpus all` relies on, checked on random machines (hypothesis), and the refusal when a
model breaks it (a count guard above 2, a second special CPU)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synic_core.cli import main
from synic_core.explore import locality
from synic_core.explore.every_n import every_n
from synic_core.explore.locality import LocalityError, check_locality, check_state, observable, small_machine, walk
from synic_core.model import actions
from synic_core.model.actions import Runner
from synic_core.model.engine import Engine
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.model.state import CpuState
from synic_core.model.vocabulary import ActionName
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    partition=st.sampled_from(PARTITION_NAMES),
    mshv=st.sampled_from(BUILTIN_NAMES),
    hypervisor=st.sampled_from(PROFILE_NAMES),
    ncpus=st.integers(3, 6),
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(0, 8),
)
def test_each_cpu_gets_the_result_the_small_machine_gives(partition: str, mshv: str, hypervisor: str, ncpus: int, seed: int, steps: int):
    """Every action (every order, every CPU) from a random reachable state at N = 3..6, each CPU but 0 tracked in turn."""
    config = session_config(mshv=mshv, partition=partition, cpus=ncpus, hypervisor=hypervisor)
    *_before, state = walk(config, random.Random(seed), ncpus, steps)
    check_state(config, state)


def test_the_class_is_every_per_cpu_fact() -> None:
    assert locality.OBSERVED == ("online", "vmbus", "mshv", "channels", "channels_home")
    assert observable(CpuState(online=True, vmbus=False, mshv=True, channels=True)) == (True, False, True, True, False)


def test_the_small_machine_keeps_cpu_0_the_tracked_cpu_and_one_cpu_per_class() -> None:
    config = session_config(mshv="v4", partition="l1vh", cpus=6)
    *_s, state = walk(config, random.Random(3), 6, 0)
    state.cpus[4].online = state.cpus[5].online = False
    kept = small_machine(config, state, tracked=2)
    assert kept.state.ncpus == 4  # CPU 0, CPU 2, one online (1, 3), one offline (4, 5)
    assert sorted(observable(c) for c in kept.state.cpus[2:]) == [(False,) * 5, (True, False, False, False, False)]
    with_company = small_machine(config, state, tracked=2, target=4)
    assert with_company.state.ncpus == 5 and with_company.slot[4] in (2, 3)


def _offline_needs_three_others(eng: Engine, cpus: list[int]) -> None:
    """A count guard above 2: offlining needs three other CPUs online."""
    for cpu in cpus:
        if len(eng.state.online_cpus()) <= 3:
            eng.refuse(f"CPU {cpu} stays online: fewer than three other CPUs are online.", applies=True, cpu=cpu)
            continue
        actions._offline_one(eng, cpu)


def _vmbus_load_special_cpu_1(eng: Engine, cpus: list[int]) -> None:
    """A second special CPU: VMBus refuses to start on CPU 1."""
    actions.vmbus_load(eng, [c for c in cpus if c != 1])


@pytest.mark.parametrize(("runner", "action"), [(_offline_needs_three_others, "cpu_offline"), (_vmbus_load_special_cpu_1, "vmbus_load")])
def test_a_cross_cpu_dependency_is_refused(monkeypatch: pytest.MonkeyPatch, runner: Runner, action: ActionName) -> None:
    monkeypatch.setitem(actions.ACTIONS, action, replace(actions.ACTIONS[action], run=runner))
    config = session_config(mshv="v4", partition="l1vh", cpus=2)
    with pytest.raises(LocalityError, match="cross-CPU dependency") as err:
        check_locality(config)
    assert f"after {action} on CPU" in str(err.value)
    result = every_n(config)
    assert result.locality is not None and not result.proved and not result.found


def test_the_command_refuses_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(actions.ACTIONS, "cpu_offline", replace(actions.ACTIONS["cpu_offline"], run=_offline_needs_three_others))
    assert main(["explore", "--cpus", "all"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "cross-CPU dependency" in lines[0] and "cpu_offline" in lines[0]
