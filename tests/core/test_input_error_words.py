"""Bad scenario and patch files in plain words: unknown keys named with what was expected, every problem shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from synic_core.cli import main
from synic_core.inputs.bad_input import InputError
from synic_core.inputs.input_errors import describe_validation_error
from synic_core.scenarios.schema import checked
from synic_core.versions.schema import parse_spec

SCENARIO_FIELDS = "name, title, description, partition, cpus, mshv, mshv_version, mshv_file, hypervisor, channel_cpus, steps"
PATCH_TOP = "(expected name, title, based_on, source, [version], [sequences.*])"


def scenario_error(data: dict[str, object]) -> str:
    with pytest.raises(InputError) as exc:
        checked(data, "s.json")
    return str(exc.value)


def patch_error(data: dict[str, object]) -> str:
    with pytest.raises(InputError) as exc:
        parse_spec(data, "p.toml")
    return str(exc.value)


def test_an_unknown_scenario_field_names_the_fields() -> None:
    err = scenario_error({"cpu": 4})
    assert err == f"s.json: cpu: not a field of a scenario (expected one of: {SCENARIO_FIELDS})"
    assert "Extra inputs" not in err


def test_an_unknown_step_field_names_the_step_fields() -> None:
    err = scenario_error({"steps": [{"action": "kexec", "cpu": [0]}]})
    assert err == "s.json: steps[0].cpu: not a field of a step (expected one of: action, cpus, note)"


def test_two_or_three_problems_are_all_shown() -> None:
    err = scenario_error({"cpus": "four", "steps": [{"action": "kexec", "speed": 1}]})
    assert err.count("; ") == 1 and "more problem" not in err
    assert "steps[0].speed: not a field of a step" in err and "cpus: Input should be a valid integer (got 'four')" in err
    err = scenario_error({"a": 1, "b": 2, "c": 3})
    assert [part.split(":")[0] for part in err.removeprefix("s.json: ").split("; ")] == ["a", "b", "c"]


def test_more_than_three_problems_show_three_and_a_count() -> None:
    err = scenario_error({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})
    assert err.startswith("s.json: a: not a field of a scenario") and err.endswith("; and 2 more problems")
    assert err.count("not a field") == 3
    assert scenario_error({"a": 1, "b": 2, "c": 3, "d": 4}).endswith("; and 1 more problem")


def test_a_rule_at_the_top_of_a_patch_file_belongs_in_the_version_table() -> None:
    err = patch_error({"name": "x", "based_on": "v4", "manages_shared": "always"})
    assert err == "p.toml: manages_shared: not a top-level key; it belongs in the [version] table"


def test_an_unknown_table_of_a_patch_file_lists_the_tables() -> None:
    err = patch_error({"name": "x", "based_on": "v4", "rules": {"manages_shared": "always"}})
    assert err == f"p.toml: rules: not a table of a patch file {PATCH_TOP}"
    err = patch_error({"name": "x", "based_on": "v4", "colour": 1})
    assert err == f"p.toml: colour: not a key of a patch file {PATCH_TOP}"


def test_a_sequence_at_the_top_of_a_patch_file_belongs_under_sequences() -> None:
    err = patch_error({"name": "x", "based_on": "v4", "mshv_exit": [{"register": "SINT0", "kind": "rmw"}]})
    assert err == "p.toml: mshv_exit: not a top-level key; a sequence belongs under [sequences] ([[sequences.mshv_exit]])"


def test_a_misspelt_rule_names_the_version_tables_keys() -> None:
    err = patch_error({"name": "x", "version": {"manage_shared": "always"}})
    assert err == (
        "p.toml: version.manage_shared: not a field of the [version] table "
        "(expected one of: manages_shared, notifier_on, sirbp_on_l1vh, vmbus_dependency)"
    )


def test_without_the_schema_an_extra_key_is_an_unknown_field() -> None:
    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int = 0

    with pytest.raises(ValidationError) as exc:
        Strict.model_validate({"b": 1})
    assert describe_validation_error(exc.value) == "b: unknown field"
    assert describe_validation_error(exc.value, Strict) == "b: not a field of this table (expected one of: a)"


def test_the_command_line_says_it_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "x"\nbased_on = "v4"\nmanages_shared = "always"\n')
    assert main(["versions", "show", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"synic: {path}: manages_shared: not a top-level key; it belongs in the [version] table"
