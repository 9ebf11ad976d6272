"""The explorer: completeness of deduplication, symmetry, shortest counterexamples, the CLI."""

from __future__ import annotations

import itertools
import json
from collections.abc import Hashable
from pathlib import Path

import pytest

from synic_core import SessionConfig
from synic_core.cli import main
from synic_core.explore.reference import candidate_moves, explore, state_key, step_from
from synic_core.model.findings import explored
from synic_core.model.state import MachineState
from synic_core.scenarios.scenario import parse_scenario, replay
from synic_core.versions.registry import session_config


def naive(config: SessionConfig, depth: int, any_order: bool = False) -> tuple[set[Hashable], dict[str, int]]:
    """Every sequence of moves, no deduplication: (distinct keys seen, kind -> shortest length)."""
    root = MachineState.reset(config.partition_spec, config.cpus, config.channel_cpus)
    keys: set[Hashable] = {state_key(root)}
    shortest: dict[str, int] = {}
    frontier = [root]
    for level in range(1, depth + 1):
        nxt = []
        for state in frontier:
            for move in candidate_moves(state, any_order, symmetry=False):
                new, step = step_from(config, state, move)
                if not any_order and not step.kernel_order:
                    continue
                for f in filter(explored, step.findings):
                    shortest.setdefault(f.kind, level)
                keys.add(state_key(new))
                nxt.append(new)
        frontier = nxt
    return keys, shortest


def test_guest_one_cpu_depth_one_by_hand() -> None:
    # from reset: vmbus_load (new state), crash_kexec (kdump flag: new state); vmbus_unload, mshv_init and
    # mshv_cleanup are refused, but none of them applies (nothing loaded, no MSHV on a guest), so none is a
    # finding; kexec of an idle machine changes nothing; CPU 0 is never offlined (x86 refuses it).
    r = explore(session_config(partition="guest", cpus=1), depth=1)
    assert r.states == 3 and r.levels == [2]
    assert r.transitions == 6 and set(r.found) == set()  # the four module actions, kexec, crash_kexec


@pytest.mark.parametrize(("partition", "mshv"), [("l1vh", "patch5-only"), ("l1vh", "v4"), ("root", "v4"), ("nested_root", "v3")])
def test_dedup_finds_every_state_and_kind_the_naive_search_finds(partition: str, mshv: str) -> None:
    config = session_config(partition=partition, mshv=mshv, cpus=2)
    keys, shortest = naive(config, 4)
    r = explore(config, 4)
    assert r.states == len(keys)
    assert {k: len(c.steps) for k, c in r.found.items()} == shortest


def test_dedup_and_symmetry_keep_what_vmbus_channels_on_other_cpus_make_reachable() -> None:
    config = session_config(partition="l1vh", mshv="v4", cpus=3, channel_cpus=(1,))
    keys, shortest = naive(config, 4)
    r = explore(config, 4)
    assert r.states == len(keys)
    assert {k: len(c.steps) for k, c in r.found.items()} == shortest


def test_the_explorer_never_offlines_cpu0_nor_moves_its_channels() -> None:
    state = MachineState.reset(session_config().partition_spec, 4, (0, 1))
    moves = candidate_moves(state, any_order=False)
    assert ("cpu_offline", (0,)) not in moves and ("move_channels", (0,)) not in moves
    assert ("cpu_offline", (1,)) in moves and ("cpu_offline", (2,)) in moves  # CPU 1 holds a channel: not like CPU 2
    assert ("move_channels", (1,)) in moves


def test_symmetry_reduces_states_but_not_what_is_reachable() -> None:
    config = session_config(partition="l1vh", mshv="mainline", cpus=3)
    with_sym = explore(config, 4)
    without = explore(config, 4, symmetry=False)
    assert with_sym.states < without.states
    assert {k: len(c.steps) for k, c in with_sym.found.items()} == {k: len(c.steps) for k, c in without.found.items()}


def test_counterexamples_are_shortest_and_replay() -> None:
    config = session_config(partition="l1vh", mshv="patch5-only", cpus=2)
    r = explore(config, 4)
    fault = r.found["hypervisor_fault"]
    assert [a for a, _ in fault.steps] == ["vmbus_load", "mshv_init", "kexec"]
    _, shortest = naive(config, len(fault.steps) - 1)
    assert "hypervisor_fault" not in shortest  # nothing shorter exists
    for c in r.found.values():
        session = replay(parse_scenario(c.scenario(config), "counterexample"))
        assert c.kind in {f.kind for f in filter(explored, session.history[-1].findings)}


def test_v4_cannot_reach_a_hypervisor_fault() -> None:
    r = explore(session_config(partition="l1vh", mshv="v4", cpus=2), 6)
    assert "hypervisor_fault" not in r.found and "foreign_write" not in r.found


def test_any_order_is_labelled() -> None:
    config = session_config(partition="l1vh", mshv="v4", cpus=2)
    r = explore(config, 3, any_order=True)
    assert "hypervisor_fault" not in explore(config, 3).found
    assert any(not c.kernel_order for c in r.found.values())


def test_interrupt_returns_partial_result() -> None:
    calls = itertools.count()

    def stop(level: int, states: int, transitions: int) -> None:
        if next(calls) == 1:
            raise KeyboardInterrupt

    r = explore(session_config(partition="l1vh", mshv="mainline", cpus=2), 6, progress=stop)
    assert not r.complete and len(r.levels) == 2 and r.found


def test_cli_explore_json_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cx"
    code = main(["explore", "--partition", "l1vh", "--mshv", "patch5-only", "--cpus", "2", "--depth", "4", "--json", "--out", str(out)])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counterexamples"]["hypervisor_fault"]["length"] == 3
    assert main(["run", str(out / "hypervisor_fault.json"), "--json"]) == 1
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["summary"]["fault"] > 0


def test_cli_explore_v4_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--mshv", "v4", "--depth", "3"]) == 1  # stale_state after a crash is an error
    out = capsys.readouterr().out
    assert "hypervisor_fault" in out.split("not reachable")[1]


def test_cli_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--all", "--depth", "3", "--cpus", "1"]) == 1  # faults are reachable in some rows
    out = capsys.readouterr().out
    assert "l1vh" in out and "patch5-only" in out and "HF hypervisor_fault" in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--depth", "0"], "--depth 0"),
        (["--depth", "x"], "--depth x"),
        (["--cpus", "9"], "at most 8 CPUs"),
        (["--cpus", "0-3"], "start at 1"),
        (["--cpus", "4-2"], "runs backwards"),
        (["--cpus", "1-99"], "at most 8 CPUs"),
        (["--cpus", "2-"], "--cpus 2-"),
        (["--exhaustive", "--depth", "5"], "--exhaustive"),
        (["--max-memory", "1"], "at least"),
        (["--max-memory", "1e12"], "available"),
        (["--max-memory", "lots"], "megabytes"),
        (["--jobs", "0"], "--jobs"),
        (["--all", "--out", "x"], "--out"),
    ],
)
def test_cli_explore_bad_input_is_one_line_and_exit_2(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
