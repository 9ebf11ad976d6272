"""Built-in scenarios are read without pydantic; these tests are what makes that safe.

Every built-in passes the schema a user's file goes through and reads the same both ways, and the
dataclasses the engine uses hold exactly the fields the schema checks, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import fields

import pytest

from synic_core.scenarios.lesson import Lesson
from synic_core.scenarios.scenario import Scenario, Step, builtin_data, builtin_names, load_builtin, parse_scenario
from synic_core.scenarios.schema import LessonSpec, LessonStepSpec, ScenarioSpec, StepSpec, checked, first_duplicate


@pytest.mark.parametrize("name", builtin_names())
def test_a_builtin_scenario_reads_the_same_with_and_without_the_schema(name: str) -> None:
    data = builtin_data(name)
    assert checked(data, name) == checked(checked(data, name), name)  # passes the schema (raises otherwise)
    assert load_builtin(name) == parse_scenario(data, name)
    assert load_builtin(name).dump() == parse_scenario(data, name).dump()


@pytest.mark.parametrize(
    ("model", "spec"),
    [(Scenario, ScenarioSpec), (Lesson, LessonSpec), (Step, StepSpec), (Step, LessonStepSpec)],
)
def test_the_dataclasses_hold_exactly_the_fields_the_schema_checks(model: type, spec: type[ScenarioSpec]) -> None:
    assert {f.name for f in fields(model)} - {"notices"} == set(spec.model_fields)


def test_defaults_are_the_same_in_the_dataclass_and_the_schema() -> None:
    assert Scenario().data() == ScenarioSpec().model_dump()


def test_the_schema_fills_defaults_a_trusted_read_leaves_to_the_dataclass() -> None:
    data = {"steps": [{"action": "vmbus_load"}]}
    assert Scenario.from_data(checked(data, "t")) == Scenario.from_data(data)


@pytest.mark.parametrize(("cpus", "twice"), [([], None), ([3, 1, 2], None), ([1, 5, 1, 5], 1), ([9, 4, 9, 4], 4)])
def test_first_duplicate_names_the_smallest_cpu_listed_twice(cpus: list[int], twice: int | None) -> None:
    assert first_duplicate(cpus) == twice
