"""`synic explore --cpus all` on the command line: the proof line, JSON, counterexamples that `synic run`
replays with their CPU count, the matrix, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synic_core.cli import main


def test_v4_is_proved_fault_free_for_every_cpu_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--partition", "l1vh", "--mshv", "v4", "--cpus", "all"]) == 1  # stale_state is an error
    out = capsys.readouterr().out
    assert "proved for every number of CPUs: N = 1 explicitly (24 states), N ≥ 2 by abstraction (2,400 abstract states)" in out
    assert "hypervisor_fault" in out.split("not reachable on any number of CPUs (proved, in this model)")[1]


HOLDERS = "number of CPUs from 2 (1 CPU besides CPU 0 holding VMBus channels)"


def test_channel_cpus_are_named_and_the_summary_covers_the_proved_range(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--cpus", "all", "--channel-cpus", "1"])
    out = capsys.readouterr().out
    assert out.startswith("synic explore: l1vh / v4 / strict, every number of CPUs (VMBus channels on CPU 1), kernel orders only")
    assert f"proved for every {HOLDERS}:" in out
    assert f"not reachable on any {HOLDERS} (proved, in this model): " in out and "on any number of CPUs (" not in out
    main(["explore", "--cpus", "all", "--channel-cpus", "1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["channel_cpus"] == [1] and data["proof"].startswith(f"proved for every {HOLDERS}:")


def test_channel_cpus_beyond_two_cpus_are_all_kept(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--cpus", "all", "--channel-cpus", "1-2", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["channel_cpus"] == [1, 2]
    assert data["proof"].startswith("proved for every number of CPUs from 3 (2 CPUs besides CPU 0 holding VMBus channels)")


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--mshv", "patch5-only", "--cpus", "all", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["cpus"] == "all" and data["fixpoint"] is True and data["spurious"] == 0
    assert data["proof"].startswith("proved for every number of CPUs: N = 1 explicitly")
    assert data["reachable"]["hypervisor_fault"] == 3 and data["reachable"]["stale_state"] == 2
    stale = data["counterexamples"]["stale_state"]
    assert stale["cpus"] == 2 and stale["steps"][0] == {"action": "vmbus_load", "cpus": [0, 1]}
    assert stale["scenario"]["cpus"] == 2 and data["smallest_cpus"]["stale_state"] == 1
    assert "hypervisor_fault" not in data["unreachable"] and "foreign_write" not in data["unreachable"]


def test_the_counterexample_replays_with_synic_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["explore", "--mshv", "patch5-only", "--cpus", "all", "--out", str(tmp_path)])
    capsys.readouterr()
    fault = json.loads((tmp_path / "hypervisor_fault.json").read_text("utf-8"))
    assert fault["cpus"] == 1 and len(fault["steps"]) == 3
    stale = json.loads((tmp_path / "stale_state.json").read_text("utf-8"))
    assert stale["cpus"] == 2
    main(["run", str(tmp_path / "hypervisor_fault.json"), "--json"])
    run = json.loads(capsys.readouterr().out)
    assert any(f["kind"] == "hypervisor_fault" for f in run["findings"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cpus", "all", "--depth", "4"], "a --depth bound is not a proof"),
        (["--cpus", "all-4"], "`all` already covers every CPU count"),
        (["--cpus", "2,all"], "`all` already covers every CPU count"),
    ],
)
def test_all_with_a_bound_or_a_count_is_one_line_exit_2(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and words in lines[0]
