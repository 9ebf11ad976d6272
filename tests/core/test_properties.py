"""Model properties over random action sequences, on every partition x version x profile."""

from __future__ import annotations

from contextlib import suppress

from hypothesis import given, settings
from hypothesis import strategies as st

from synic_core import ActionError, Session, SessionConfig
from synic_core.model.actions import ACTION_NAMES
from synic_core.model.partitions import COMPONENTS, PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.scenarios.scenario import replay, session_scenario
from synic_core.versions.names import BUILTIN_NAMES as VERSION_NAMES
from synic_core.versions.registry import session_config
from tests.support.sessions import state_snapshot

PROPS = settings(max_examples=150, deadline=None)

configs = st.builds(
    session_config,
    partition=st.sampled_from(PARTITION_NAMES),
    mshv=st.sampled_from(VERSION_NAMES),
    hypervisor=st.sampled_from(PROFILE_NAMES),
    cpus=st.integers(1, 4),
)
moves = st.lists(
    st.tuples(st.sampled_from(ACTION_NAMES), st.one_of(st.none(), st.lists(st.integers(0, 3), min_size=1, max_size=3))), max_size=10
)


def play(config: SessionConfig, actions) -> Session:
    s = Session(config)
    for action, cpus in actions:
        with suppress(ActionError):  # an offline or out-of-range CPU: refused before anything changes
            s.apply(action, cpus)
    return s


@PROPS
@given(config=configs, actions=moves)
def test_undo_restores_the_exact_previous_state(config, actions) -> None:
    s = Session(config)
    before = []
    for action, cpus in actions:
        snap = state_snapshot(s.state)
        try:
            s.apply(action, cpus)
        except ActionError:
            assert state_snapshot(s.state) == snap  # a refused application changes nothing
            continue
        before.append(snap)
    while before:
        s.undo()
        assert state_snapshot(s.state) == before.pop()


@PROPS
@given(config=configs, actions=moves)
def test_replay_of_a_saved_session_is_deterministic(config, actions) -> None:
    s = play(config, actions)
    again = replay(session_scenario(s))
    assert again.findings == s.findings
    assert [h.writes for h in again.history] == [h.writes for h in s.history]
    assert state_snapshot(again.state) == state_snapshot(s.state)


@PROPS
@given(config=configs, actions=moves)
def test_every_write_belongs_to_exactly_one_component_and_its_bank(config, actions) -> None:
    s = play(config, actions)
    partition = config.partition_spec
    for step in s.history:
        for w in step.writes:
            assert w.component in COMPONENTS
            from_vmbus_code = w.source.startswith("hv_")
            assert from_vmbus_code == (w.component == "vmbus")  # the kernel function names its driver
            expected_bank = partition.vmbus_bank if w.component == "vmbus" else "l1"
            assert w.bank == expected_bank
            assert 0 <= w.new < 2**64 and 0 <= w.old < 2**64
            if w.rejected:
                assert w.new == w.old and any(f.kind == "hypervisor_fault" and f.write == w.index for f in step.findings)


@PROPS
@given(config=configs, actions=moves)
def test_findings_point_at_real_writes_and_explain_themselves(config, actions) -> None:
    s = play(config, actions)
    for step in s.history:
        for f in step.findings:
            assert f.message.endswith(".") and f.cites
            if f.write is not None:
                w = step.writes[f.write]
                assert (w.cpu, w.bank, w.register) == (f.cpu, f.bank, f.register)
