"""The typed vocabulary names exactly what the tables define: a new row needs its name, and vice versa."""

from __future__ import annotations

from typing import get_args

from synic_core.model.actions import ACTIONS
from synic_core.model.findings import KINDS, SEVERITIES
from synic_core.model.partitions import COMPONENTS, PARTITIONS
from synic_core.model.profiles import PROFILES
from synic_core.model.registers import MSR_BASE
from synic_core.model.sequences import CONDITIONS, FRAME_RULES, SLOTS
from synic_core.model.vocabulary import (
    ActionName,
    Bank,
    Component,
    ConditionName,
    FindingKindName,
    FrameRuleName,
    PartitionName,
    ProfileName,
    SequenceName,
    Severity,
)


def test_every_closed_set_matches_its_table() -> None:
    assert set(get_args(ActionName)) == set(ACTIONS)
    assert set(get_args(FindingKindName)) == set(KINDS)
    assert get_args(Severity) == SEVERITIES
    assert set(get_args(Component)) == set(COMPONENTS)
    assert set(get_args(Bank)) == set(MSR_BASE)
    assert set(get_args(PartitionName)) == set(PARTITIONS)
    assert set(get_args(ProfileName)) == set(PROFILES)
    assert set(get_args(SequenceName)) == set(SLOTS)
    assert set(get_args(ConditionName)) == set(CONDITIONS)
    assert set(get_args(FrameRuleName)) == set(FRAME_RULES)


def test_every_action_row_carries_its_runner() -> None:
    for name, spec in ACTIONS.items():
        assert spec.name == name
        assert spec.run.__name__ == name  # one table: title, target, source and the code that runs it


def test_the_explorer_order_is_the_table_grouped_by_how_it_chooses_cpus() -> None:
    from synic_core.explore.reference import ACTION_ORDER, EXPLORE_GROUPS, MODULE_ACTIONS

    chosen = [a for a in ACTIONS.values() if a.explore is not None]
    assert tuple(a.name for g in EXPLORE_GROUPS for a in chosen if a.explore == g) == ACTION_ORDER
    assert tuple(a.name for a in ACTIONS.values() if a.explore == "together") == MODULE_ACTIONS


def test_every_action_row_is_consistent_with_itself() -> None:
    for spec in ACTIONS.values():
        assert (spec.explore == "together") == (spec.scope == "module"), spec.name  # module callbacks run on every online CPU
        assert (spec.explore == "reboot") <= (spec.target == "one"), spec.name
        assert spec.boots_new_kernel == (spec.scope in ("machine", "crash")), spec.name
