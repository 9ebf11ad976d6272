"""The explorer names the VMBus channel CPUs the user gave: `--cpus all` (which numbers the holders 1, 2, ...
in its counterexamples, and says so) and both matrices (`--all`, `--all --cpus all`), in text and JSON."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from synic_core.cli import main
from synic_core.cli.explore_every_n import matrix_row, print_matrix
from synic_core.explore.every_n import every_n, renumbering
from synic_core.versions.registry import session_config

RENUMBERED = "VMBus channels on CPU 2 as given: only how many CPUs besides CPU 0 hold them matters"


def test_every_cpu_count_names_the_cpu_given_and_how_the_counterexamples_number_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--partition", "l1vh", "--mshv", "v4", "--cpus", "all", "--channel-cpus", "2"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "synic explore: l1vh / v4 / strict, every number of CPUs (VMBus channels on CPU 2), kernel orders only"
    assert lines[2].startswith(RENUMBERED) and lines[2].endswith("number it CPU 1")
    assert "refused           │ info     │ 2     │ 2    │ 2      │ vmbus_load [0-1] → cpu_offline [1]" in "\n".join(lines)


def test_every_cpu_count_json_gives_both_numberings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--partition", "l1vh", "--mshv", "v4", "--cpus", "all", "--channel-cpus", "2", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["channel_cpus"] == [2] and data["counterexample_channel_cpus"] == [1]
    assert data["channel_cpus_renumbered"].startswith(RENUMBERED)
    assert data["counterexamples"]["refused"]["scenario"]["channel_cpus"] == [1]  # the scenario replays as numbered


def test_nothing_is_renumbered_when_the_holders_are_already_1_2(capsys: pytest.CaptureFixture[str]) -> None:
    r = every_n(session_config(partition="guest", mshv="v4", cpus=3, channel_cpus=(0, 1, 2)), check=False)
    assert r.asked_channels == r.config.channel_cpus == (0, 1, 2) and renumbering(r) is None
    assert main(["explore", "--partition", "guest", "--cpus", "all", "--channel-cpus", "1", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["channel_cpus_renumbered"] is None


def test_the_matrix_names_the_channel_cpus_given_or_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explore", "--all", "--exhaustive", "--cpus", "2", "--jobs", "1"]
    assert main(args) == 1
    assert "(2 CPUs, exhaustive, kernel orders, VMBus channels on CPU 0 (the default))" in " ".join(capsys.readouterr().out.split())
    assert main([*args, "--channel-cpus", "1,3"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "kernel orders, VMBus channels on CPU 1 (3 beyond the CPU count: left out))" in out
    assert main([*args, "--channel-cpus", "1,3", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 40 and all(r["channel_cpus"] == [1] for r in rows)
    assert all("refused" in r["reachable"] for r in rows if r["partition"] != "root")  # CPU 1's offline is refused


def test_the_every_cpu_count_matrix_names_them_too() -> None:
    """The 40-row matrix's rows and title (one row here: the whole matrix takes minutes with channels on CPU 2)."""
    r = every_n(session_config(partition="guest", mshv="v4", cpus=3, channel_cpus=(2,)))
    row = matrix_row(r)
    assert row["channel_cpus"] == [2] and row["counterexample_channel_cpus"] == [1] and row["reachable"]["refused"] == 2
    console = Console(file=io.StringIO(), width=200, record=True, color_system=None)
    print_matrix(console, [r], False, (2,))
    text = " ".join(console.export_text().split())
    assert "on any number of CPUs (kernel orders, VMBus channels on CPU 2)" in text
    assert "proof: ✓ = proved for every N ≥ 2 (by abstraction)" in text
    assert RENUMBERED in text


def test_a_single_run_names_the_channel_cpus_it_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--cpus", "2", "--channel-cpus", "0,1,5", "--depth", "2"]) == 1
    header = capsys.readouterr().out.splitlines()[0]
    assert header == (
        "synic explore: l1vh / v4 / strict, 2 CPUs (VMBus channels on CPU 0,1 (5 beyond the CPU count: left out)), "
        "depth 2, kernel orders only"
    )
    assert main(["explore", "--cpus", "2", "--channel-cpus", "3", "--depth", "2"]) == 1
    assert "2 CPUs (VMBus channels on no CPU (3 beyond the CPU count: left out))" in capsys.readouterr().out


def test_the_per_cpu_count_table_names_them_and_each_row_keeps_those_below_its_count(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explore", "--cpus", "1-3", "--channel-cpus", "2", "--exhaustive", "--jobs", "1"]
    assert main(args) == 1
    assert "exhaustive, VMBus channels on CPU 2 (each N keeps those below it)" in " ".join(capsys.readouterr().out.split())
    assert main([*args, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["channel_cpus"] == [2]
    assert [(r["cpus"], r["channel_cpus"]) for r in data["per_cpus"]] == [(1, []), (2, []), (3, [2])]
    assert [r["reachable"]["refused"] for r in data["per_cpus"]] == [3, 3, 2]  # VMBus under mshv_root; CPU 2's offline on 3
