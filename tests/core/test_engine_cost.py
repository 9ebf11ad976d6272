"""Bounded cost per step: the missing-enable rule visits the CPUs a step changed, not every CPU it targets.

Work is counted, never timed (speed lives in `make bench`).
"""

from __future__ import annotations

import random

import pytest

from synic_core import Session
from synic_core.model.actions import ACTIONS
from synic_core.model.checks import Checker
from synic_core.model.partitions import PARTITIONS
from synic_core.model.session import ActionError
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config


@pytest.fixture
def visited(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The CPU list of every missing-enable check, in order."""
    calls: list[list[int]] = []
    real = Checker.missing_enable

    def recording(self: Checker, cpus: list[int]) -> object:
        calls.append(list(cpus))
        return real(self, cpus)

    monkeypatch.setattr(Checker, "missing_enable", recording)
    return calls


def test_a_step_that_changes_nothing_checks_no_cpu(visited: list[list[int]]):
    s = Session(session_config(cpus=4096))
    s.apply("vmbus_load")
    s.apply("vmbus_load")  # already live everywhere: no write, no CPU changed
    s.apply("vmbus_unload", [7])
    assert [len(cpus) for cpus in visited] == [4096, 0, 1]
    assert visited[2] == [7]


def test_kexec_checks_the_cpus_it_tore_down_not_every_online_cpu(visited: list[list[int]]):
    s = Session(session_config(partition="nested_root", mshv="v3", cpus=4096))
    s.apply("vmbus_load", [3, 1])
    s.apply("mshv_init", [2, 3])
    s.apply("kexec")
    assert visited == [[3, 1], [2, 3], [1, 2, 3]]  # in the order the action names them
    assert [f.cpu for f in s.history[1].findings if f.kind == "missing_enable"] == [2, 2, 2, 3, 3, 3]


@pytest.mark.parametrize("partition", list(PARTITIONS))
def test_an_unchanged_cpu_never_has_a_missing_enable_to_report(partition: str):
    """Why checking only changed CPUs is exact: after every step, a check of every CPU finds nothing new and forgets nothing."""
    rng = random.Random(partition)
    for mshv in BUILTIN_NAMES:
        s = Session(session_config(partition=partition, mshv=mshv, cpus=4))
        while len(s.history) < 40:
            cpus = rng.sample(range(4), rng.randint(1, 4)) if rng.random() < 0.5 else None
            try:
                s.apply(rng.choice(list(ACTIONS)), cpus)
            except ActionError:
                continue
            state = s.state.copy()
            assert Checker(s.config.partition_spec, state, len(s.history)).missing_enable(list(range(4))) == []
            assert state.missing == s.state.missing
