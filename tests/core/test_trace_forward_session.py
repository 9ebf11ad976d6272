"""`--check`'s model replay keeps no history and runs no finding rule: a session that only moves forward gives the same
writes in one machine's memory, and the comparison holds only the writes not compared yet."""

from __future__ import annotations

import gc
import tracemalloc

from synic_core.model.session import Session
from synic_core.model.vocabulary import ActionName
from synic_core.traces.check import KEPT_AFTER_DIVERGENCE, MAX_WAITING, Conformance
from synic_core.traces.infer import TraceAction
from synic_core.versions.registry import session_config
from tests.support.sessions import state_snapshot, write_facts

CYCLE: tuple[ActionName, ...] = ("vmbus_load", "mshv_init", "kexec", "vmbus_load", "mshv_init", "crash_kexec")
KEXEC_CYCLE: tuple[ActionName, ...] = ("vmbus_load", "mshv_init", "kexec")


def config(cpus: int = 16, mshv: str = "v4"):
    return session_config(mshv=mshv, partition="l1vh", cpus=cpus)


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


def test_a_session_without_the_rules_writes_the_same_and_finds_only_refusals() -> None:
    judged, unjudged = (Session(config(mshv="patch5-only"), keep_history=False, judge=judge) for judge in (True, False))
    found: set[str] = set()
    steps: tuple[ActionName, ...] = (*CYCLE, "vmbus_load", "mshv_init", "cpu_offline", "mshv_cleanup", "mshv_cleanup", "kexec")
    for action in steps * 2:
        cpus = [3] if action == "cpu_offline" else None
        a, b = judged.apply(action, cpus), unjudged.apply(action, cpus)
        assert [write_facts(w) for w in b.writes] == [write_facts(w) for w in a.writes]
        assert [f for f in a.findings if f.kind == "refused"] == b.findings
        assert (b.cpus, b.refused) == (a.cpus, a.refused)
        found |= {f.kind for f in a.findings}
        before, after = state_snapshot(judged.state), state_snapshot(unjudged.state)
        assert before[:7] + before[8:] == after[:7] + after[8:]  # all but the missing-enable memory, the rules' own
    assert {"refused", "stale_state", "hypervisor_fault"} <= found  # the rules had findings to leave out
    try:
        Session(config(), judge=False)
    except ValueError as exc:
        assert "keeps no history" in str(exc)
    else:
        raise AssertionError("a session with history and no rules was made")


def actions(cycles: int) -> list[TraceAction]:
    one = [TraceAction(a, [0], [], "test") for a in KEXEC_CYCLE]
    return one * cycles


NOBODY_WRITES_THIS = (0, 0x5A5A, 0, 0, 0, 1, 0)  # a trace write to SCONTROL of a value no version writes


def replay_memory(cycles: int) -> tuple[int, int]:
    """(the model's writes, the bytes held once the last action is replayed) for `cycles` of load, init and kexec on
    64 CPUs with a trace whose first write on each CPU is one the model never makes: every CPU diverges at once, and
    each keeps two of the model's writes, however many more it predicts."""
    conformance = Conformance(config(64))
    for cpu in range(64):
        conformance.run(cpu).trace.append(NOBODY_WRITES_THIS)
    tracemalloc.start()
    try:
        conformance.replay(actions(cycles - 1))
        conformance.result.replayed.clear()  # the report's list of the actions applied: one entry an action
        gc.collect()
        conformance.replay(actions(1))
        conformance.result.replayed.clear()
        gc.collect()  # garbage the paused collector left (collector_paused) is not memory held
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert not conformance.result.notes
    assert all(len(run.model) == KEPT_AFTER_DIVERGENCE and run.diverged and run.agreed == 0 for run in conformance.runs.values())
    return sum(run.predicted for run in conformance.runs.values()), held


def test_the_check_replay_holds_the_same_memory_for_ten_times_the_actions() -> None:
    replay_memory(2)  # the model's tables and caches, built on first use, are not what is measured
    few_writes, few = replay_memory(4)
    many_writes, many = replay_memory(40)
    assert many_writes == 10 * few_writes
    assert many - few < 4 * 1024, f"{few} bytes after 4 cycles, {many} after 40"


def test_a_side_with_nothing_to_compare_with_is_held_only_so_far() -> None:
    """A trace that never writes on a CPU the model writes on: the model's writes wait for the trace's, up to
    MAX_WAITING, then the CPU diverges there and only two are kept."""
    conformance = Conformance(config(2))
    conformance.replay([TraceAction("vmbus_load", [0], [], "test"), *actions(2000)])
    runs = conformance.runs
    assert runs[1].predicted > MAX_WAITING and runs[1].diverged and len(runs[1].model) == KEPT_AFTER_DIVERGENCE
    verdict = conformance.finish(2, 0, None).cpus[1]
    assert verdict.divergence == 1 and "the trace has no write here for the next 4,096 writes the model makes" in verdict.message
