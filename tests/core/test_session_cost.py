"""Bounded cost: a session keeps per-step changes and a few checkpoints, not a machine copy per step.

Memory is measured with tracemalloc (deterministic), never with a clock.
"""

from __future__ import annotations

import gc
import io
import json
import random
import tracemalloc

import pytest

from synic_core import Session
from synic_core.inputs.bad_input import InputError
from synic_core.model import session as session_module
from synic_core.model.actions import ACTIONS
from synic_core.model.vocabulary import ActionName
from synic_core.reports.json_report import run_report, step_dict, step_json, stream_run, write_json_text
from synic_core.scenarios.scenario import parse_scenario, replay, session_scenario
from synic_core.scenarios.schema import first_duplicate
from synic_core.versions.registry import session_config
from tests.support.sessions import state_snapshot


def random_walk(s: Session, rng: random.Random, steps: int) -> list[tuple[object, ...]]:
    """Apply `steps` random actions that can apply; the snapshot before each one, then the final one."""
    seen = [state_snapshot(s.state)]
    while len(s.history) < steps:
        action = rng.choice(list(ACTIONS))
        try:
            s.apply(action)
        except Exception:
            continue
        seen.append(state_snapshot(s.state))
    return seen


@pytest.mark.parametrize("spacing", [1, 256, 10**9], ids=["checkpoint-every-step", "default", "no-checkpoints"])
@pytest.mark.parametrize("partition", ["l1vh", "nested_root", "root"])
def test_every_past_state_is_rebuilt_exactly(monkeypatch: pytest.MonkeyPatch, spacing: int, partition: str):
    monkeypatch.setattr(session_module, "MIN_CHECKPOINT_WRITES", spacing)
    monkeypatch.setattr(session_module, "CHECKPOINT_SPACING", 0 if spacing != 10**9 else 1)
    rng = random.Random(f"{partition}-{spacing}")
    s = Session(session_config(partition=partition, mshv="mainline", cpus=3))
    seen = random_walk(s, rng, 40)
    order = list(range(len(s.history))) + rng.sample(range(len(s.history)), len(s.history))
    for i in order:  # forwards, then jumping about
        assert state_snapshot(s.state_before(i)) == seen[i], i
    assert state_snapshot(s.state_before(len(s.history))) == seen[-1]
    for i in range(len(s.history), 0, -1):  # undo rebuilds each state in turn
        s.undo()
        assert state_snapshot(s.state) == seen[i - 1]
        assert state_snapshot(s.state_before(i - 1)) == seen[i - 1]
    for i in range(1, 11):
        s.redo()
        assert state_snapshot(s.state) == seen[i]


def test_undo_then_new_steps_keep_time_travel_right():
    rng = random.Random(7)
    s = Session(session_config(partition="l1vh", mshv="patch5-only", cpus=2))
    random_walk(s, rng, 30)
    for _ in range(12):
        s.undo()
    seen = [state_snapshot(s.state_before(i)) for i in range(len(s.history) + 1)]
    seen += random_walk(s, rng, 40)[1:]
    assert all(i <= len(s.history) for i in s.checkpoints())
    for i in range(len(s.history) + 1):
        assert state_snapshot(s.state_before(i)) == seen[i]


def test_the_returned_state_is_not_the_session_state():
    s = Session(session_config(cpus=2))
    s.apply("vmbus_load")
    s.apply("mshv_init")
    s.undo()
    s.apply("mshv_init")
    assert s.state_before(1) is not s.state
    with pytest.raises(IndexError):
        s.state_before(3)


def test_memory_grows_with_writes_not_with_steps_times_cpus():
    """200 refused steps on 4096 CPUs write nothing and must cost next to nothing (a copy each would be ~3 MB)."""
    s = Session(session_config(cpus=4096))
    tracemalloc.start()
    try:
        for _ in range(200):
            s.apply("vmbus_unload", [0])  # VMBus is not loaded: refused, no write
        quiet = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert all(step.refused and not step.writes for step in s.history)
    assert quiet < 1_000_000, quiet


def test_memory_per_write_is_bounded_on_a_big_machine():
    s = Session(session_config(cpus=1024))
    tracemalloc.start()
    try:
        for i in range(12):
            s.apply("vmbus_load" if i % 2 == 0 else "vmbus_unload")
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    writes = sum(len(step.writes) for step in s.history)
    assert writes == 12 * 4 * 1024
    assert used / writes < 400, used / writes  # the writes themselves, a little for checkpoints and pages
    assert len(s.checkpoints()) <= 1 + writes // (2 * 1024 * 21)


def test_freed_pages_nothing_refers_to_are_dropped():
    s = Session(session_config(partition="l1vh", mshv="v4", cpus=2))
    for _ in range(200):
        s.apply("vmbus_load")
        s.apply("mshv_init")
        s.apply("mshv_cleanup")
        s.apply("vmbus_unload")
    assert s.state.next_frame - 0x8000 >= 200 * 6  # 1200 pages were allocated over time
    assert len(s.state.pages) <= 64 + 2 * 6


def test_duplicate_cpu_check_is_linear_and_names_the_cpu():
    """A quadratic check of 50,000 entries would run for minutes; the message still names the first duplicate."""
    cpus = [*range(50_000), 7]
    assert first_duplicate(cpus) == 7
    with pytest.raises(InputError, match="CPU 3 is listed twice"):
        parse_scenario({"cpus": 4096, "steps": [{"action": "vmbus_load", "cpus": [*range(4096), 3]}]}, "big.json")


@pytest.mark.parametrize("partition", ["l1vh", "nested_root", "guest"])
def test_free_vmbus_pages_of_one_cpu_matches_the_scan_it_replaces(partition: str):
    s = Session(session_config(partition=partition, mshv="mainline", cpus=4))
    s.apply("vmbus_load")
    fast, scan = s.state.copy(), s.state.copy()
    fast.free_vmbus_pages(2)
    for key in [k for k in scan.vmbus_pages if k[0] == 2]:  # what actions._free_vmbus_pages does today
        scan.free(scan.vmbus_pages.pop(key))
    assert fast.vmbus_pages == scan.vmbus_pages
    assert len(fast.vmbus_pages) < len(s.state.vmbus_pages) or partition == "nested_root"  # a root's frames are the hypervisor's
    assert {f: p.freed for f, p in fast.pages.items()} == {f: p.freed for f, p in scan.pages.items()}


def test_steps_on_the_same_cpus_share_one_list():
    s = Session(session_config(cpus=4096))
    s.apply("vmbus_load")
    s.apply("vmbus_unload")
    s.apply("vmbus_load", [0, 1])
    assert s.history[0].cpus is s.history[1].cpus and s.history[2].cpus == [0, 1]


@pytest.mark.parametrize("cpus", [65, 4])
def test_json_of_a_big_machine_is_written_a_step_at_a_time_with_the_same_text(cpus: int):
    s = Session(session_config(partition="l1vh", mshv="patch5-only", cpus=cpus))
    for action in ("vmbus_load", "mshv_init", "vmbus_unload", "kexec", "vmbus_load"):
        s.apply(action)
    scenario = session_scenario(s)
    out = io.StringIO()
    stream_run(scenario, "session", out, writes=True)
    assert out.getvalue() == json.dumps(run_report(scenario, s)) + "\n"
    assert json.loads(out.getvalue())["summary"]["fault"] > 0


def test_replay_pauses_the_cycle_collector_and_leaves_it_as_it_was():
    seen: list[bool] = []
    scenario = parse_scenario({"cpus": 2, "steps": [{"action": "vmbus_load"}, {"action": "cpu_online", "cpus": [1]}]}, "bad.json")
    real_apply = Session.apply

    def watching(self: Session, action: ActionName, cpus: list[int] | None = None) -> object:
        seen.append(gc.isenabled())
        return real_apply(self, action, cpus)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Session, "apply", watching)
        with pytest.raises(InputError, match="already online"):  # bad input ends the replay early
            replay(scenario)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        replay(parse_scenario({"cpus": 2, "steps": [{"action": "vmbus_load"}]}, "ok.json"))
        assert not gc.isenabled()  # paused by the caller: the caller resumes it
    finally:
        gc.enable()


def test_steps_and_writes_encoded_directly_are_the_json_of_their_dicts():
    """Refused writes, two banks, findings, notes and kernel citations with non-ASCII arrows included."""
    steps = []
    for partition in ("l1vh", "nested_root"):
        s = Session(session_config(partition=partition, mshv="patch5-only", cpus=3))
        random_walk(s, random.Random(partition), 60)
        steps += s.history
    writes = [w for step in steps for w in step.writes]
    assert any(w.rejected for w in writes) and any(w.bank == "l0" for w in writes) and any(not w.source.isascii() for w in writes)
    assert [write_json_text(w) for w in writes] == [json.dumps(w.to_dict()) for w in writes]
    assert [step_json(step, True) for step in steps] == [json.dumps(step_dict(step)) for step in steps]
    assert [step_json(step, False) for step in steps] == [json.dumps(step_dict(step, False)) for step in steps]
