"""`--check`'s model replay keeps no history: a session that only moves forward gives the same steps in one machine's memory."""

from __future__ import annotations

import gc
import tracemalloc

from synic_core.model.session import Session
from synic_core.model.vocabulary import ActionName
from synic_core.traces.check import CheckResult, replay_actions
from synic_core.traces.infer import TraceAction
from synic_core.versions.registry import session_config
from tests.support.sessions import state_snapshot

CYCLE: tuple[ActionName, ...] = ("vmbus_load", "mshv_init", "kexec", "vmbus_load", "mshv_init", "crash_kexec")
KEXEC_CYCLE: tuple[ActionName, ...] = ("vmbus_load", "mshv_init", "kexec")


def config(cpus: int = 16):
    return session_config(mshv="v4", partition="l1vh", cpus=cpus)


def test_a_session_without_history_applies_the_same_steps_and_keeps_none() -> None:
    kept, forward = Session(config()), Session(config(), keep_history=False)
    for action in CYCLE * 3:
        a, b = kept.apply(action), forward.apply(action)
        assert (b.index, b.cpus, b.writes, b.findings, b.refused) == (a.index, a.cpus, a.writes, a.findings, a.refused)
        assert state_snapshot(forward.state) == state_snapshot(kept.state)
    assert forward.applied == kept.applied == len(CYCLE) * 3
    assert forward.history == [] and forward.checkpoints() == [0] and not forward.can_undo()
    assert len(kept.checkpoints()) > 1  # the same steps with history take checkpoints: the forward session took none
    assert forward.state_before(forward.applied) is forward.state


def actions(cycles: int) -> list[TraceAction]:
    one = [TraceAction(a, [0], [], "test") for a in KEXEC_CYCLE]
    return one * cycles


def replay_memory(cycles: int) -> tuple[int, int]:
    """(the model's writes, the bytes held while the last action's writes are taken) for `cycles` of load, init and
    kexec on 64 CPUs: what the replay keeps of the actions before the last is in it."""
    result, writes, held = CheckResult("v4", "strict"), 0, 0
    tracemalloc.start()
    try:
        for _ in replay_actions(actions(cycles), config(64), result):
            writes += 1
            if len(result.replayed) == 3 * cycles and not held:
                result.replayed.clear()  # the report's list of the actions applied: one entry an action, the rest must not grow
                gc.collect()  # garbage the paused collector left (collector_paused) is not memory held
                held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held and not result.notes
    return writes, held


def test_the_check_replay_holds_the_same_memory_for_ten_times_the_actions() -> None:
    replay_memory(1)  # the model's tables and caches, built on first use, are not what is measured
    few_writes, few = replay_memory(4)
    many_writes, many = replay_memory(40)
    assert many_writes == 10 * few_writes
    # with history, 36 more cycles keep their findings and a checkpoint of the 64-CPU machine every few steps
    assert many - few < 4 * 1024, f"{few} bytes after 4 cycles, {many} after 40"
