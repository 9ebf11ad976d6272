"""Hostile input: whatever a scenario or lesson file contains, the outcome is exit 0, 1 or 2 with a
message, never a traceback (hypothesis, bounded so the suite stays fast)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synic_core.cli import main
from synic_core.inputs.bad_input import InputError
from synic_core.scenarios.lesson import load_lesson
from tests.support.hostile import json_trees, scenario_shaped

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_file(tmp_path, name: str, data: bytes, capsys) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data)
    code = main(["run", str(path), "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def check_outcome(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith("synic: ") and len(err.strip().splitlines()) == 1 and out == ""
    else:
        report = json.loads(out)
        assert code == int(report["summary"]["error"] + report["summary"]["fault"] > 0)


@FUZZ
@given(tree=json_trees)
def test_random_json_trees(tmp_path_factory, capsys: pytest.CaptureFixture[str], tree) -> None:
    check_outcome(*run_file(tmp_path_factory.mktemp("j"), "s.json", json.dumps(tree).encode(), capsys))


@FUZZ
@given(data=scenario_shaped)
def test_scenario_shaped_json(tmp_path_factory, capsys: pytest.CaptureFixture[str], data) -> None:
    text = json.dumps(data, default=str)
    check_outcome(*run_file(tmp_path_factory.mktemp("s"), "s.json", text.encode(), capsys))


@FUZZ
@given(blob=st.binary(max_size=200))
def test_random_bytes(tmp_path_factory, capsys: pytest.CaptureFixture[str], blob) -> None:
    code, out, err = run_file(tmp_path_factory.mktemp("b"), "s.json", blob, capsys)
    check_outcome(code, out, err)


@FUZZ
@given(text=st.text(max_size=200))
def test_random_toml_text(tmp_path_factory, capsys: pytest.CaptureFixture[str], text) -> None:
    check_outcome(*run_file(tmp_path_factory.mktemp("t"), "s.toml", text.encode(), capsys))


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float) and not (isinstance(v, float) and math.isinf(v)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(str(v))


@FUZZ
@given(data=scenario_shaped)
def test_scenario_shaped_toml(tmp_path_factory, capsys: pytest.CaptureFixture[str], data) -> None:
    lines = [f"{k} = {toml_value(v)}" for k, v in data.items() if k != "steps" and v is not None]
    for step in data.get("steps") or [] if isinstance(data.get("steps"), list) else []:
        lines.append("[[steps]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in step.items() if v is not None]
    check_outcome(*run_file(tmp_path_factory.mktemp("m"), "s.toml", "\n".join(lines).encode(), capsys))


@FUZZ
@given(data=st.one_of(scenario_shaped, json_trees))
def test_random_lesson_files(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("l") / "lesson.json"
    path.write_text(json.dumps(data, default=str))
    try:
        lesson = load_lesson(str(path))
    except InputError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert lesson.steps and all(s.note for s in lesson.steps)
