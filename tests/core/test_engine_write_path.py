"""The engine's one write path: a session without the finding rules (`synic trace --check`'s) writes exactly what a
session with them writes, and the profile is spared only the SINT writes its vector rule lets through."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synic_core.model.actions import ACTION_NAMES
from synic_core.model.config import SessionConfig
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILES, SINT_PASSES, VECTOR_FIELD, Profile
from synic_core.model.registers import REGISTERS, SINT_REGISTERS
from synic_core.model.session import ActionError, Session
from synic_core.model.vocabulary import ActionName
from synic_core.model.writes import StepResult
from synic_core.scenarios.scenario import builtin_names, load_builtin
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config
from tests.support.sessions import state_snapshot, write_facts

MISSING = 7
"""state_snapshot's missing-enable memory: the rules' own, so the one part a session without them leaves alone."""


def judged_and_unjudged(config: SessionConfig) -> tuple[Session, Session]:
    return Session(config, keep_history=False), Session(config, keep_history=False, judge=False)


def assert_same_step(judged: Session, unjudged: Session, action: ActionName, cpus: list[int] | None) -> None:
    """Both sessions apply the action (or both refuse its CPUs): the same writes, refusals and machine."""
    outcomes: list[StepResult | ActionError] = []
    for session in (judged, unjudged):
        try:
            outcomes.append(session.apply(action, cpus))
        except ActionError as exc:
            outcomes.append(exc)
    a, b = outcomes
    if isinstance(a, ActionError) or isinstance(b, ActionError):
        assert str(a) == str(b)
        return
    assert [write_facts(w) for w in b.writes] == [write_facts(w) for w in a.writes]
    assert [f for f in a.findings if f.kind == "refused"] == b.findings
    assert (b.cpus, b.refused, b.notes, b.kernel_order) == (a.cpus, a.refused, a.notes, a.kernel_order)
    before, after = state_snapshot(judged.state), state_snapshot(unjudged.state)
    assert before[:MISSING] + before[MISSING + 1 :] == after[:MISSING] + after[MISSING + 1 :]


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_scenario_writes_the_same_without_the_rules(name: str) -> None:
    scenario = load_builtin(name)
    judged, unjudged = judged_and_unjudged(scenario.config())
    for step in scenario.steps:
        assert_same_step(judged, unjudged, step.action, step.cpus)
    assert unjudged.applied == len(scenario.steps)


CPUS = 3
steps = st.lists(
    st.tuples(st.sampled_from(ACTION_NAMES), st.none() | st.lists(st.integers(0, CPUS - 1), min_size=1, max_size=CPUS, unique=True)),
    max_size=14,
)


@settings(max_examples=120, deadline=None)
@given(
    partition=st.sampled_from(PARTITION_NAMES),
    mshv=st.sampled_from(BUILTIN_NAMES),
    hypervisor=st.sampled_from(tuple(PROFILES)),
    auto_eoi=st.booleans(),
    actions=steps,
)
def test_any_actions_write_the_same_without_the_rules(
    partition: str, mshv: str, hypervisor: str, auto_eoi: bool, actions: list[tuple[ActionName, list[int] | None]]
) -> None:
    config = session_config(partition=partition, mshv=mshv, hypervisor=hypervisor, cpus=CPUS, auto_eoi=auto_eoi)
    judged, unjudged = judged_and_unjudged(config)
    for action, cpus in actions:
        assert_same_step(judged, unjudged, action, cpus)


@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
@pytest.mark.parametrize("register", sorted(SINT_REGISTERS))
def test_a_sint_value_passes_the_vector_rule_exactly_when_it_has_a_passing_bit(profile: Profile, register: str) -> None:
    """The engine asks the profile about a SINT write only without a SINT_PASSES bit (or after an SCONTROL drop):
    for every vector, masked or not, with the other fields set or clear, the profile's answer is the shortcut's."""
    others = [0, *(f.mask for f in REGISTERS[register].fields if f.name not in ("vector", "masked"))]
    masked = REGISTERS[register].field("masked").mask
    for vector in range(1 << VECTOR_FIELD.width):
        for bits in (0, masked):
            for other in others:
                value = vector | bits | other
                assert (profile.rejects(register, value, False) is None) == bool(value & SINT_PASSES), hex(value)
