"""`synic explore --cpus all` agrees with the explicit searches: on every configuration, on the example
patch files and on a patch that faults only with two CPUs or more (N = 1..3 here; N = 4 in the `slow`
file that `make bench` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.explore.every_n import every_n, proof_line
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config, use
from tests.support.every_n import NEEDS_TWO_CPUS, assert_agrees

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = [(p, v, h) for p in PARTITION_NAMES for v in BUILTIN_NAMES for h in PROFILE_NAMES]
EXAMPLES = sorted((ROOT / "examples" / "patches").glob("*.toml"))


@pytest.mark.parametrize(("partition", "mshv", "hypervisor"), CONFIGS, ids=["-".join(c) for c in CONFIGS])
def test_every_configuration_agrees_with_the_explicit_searches(partition: str, mshv: str, hypervisor: str) -> None:
    config = session_config(mshv=mshv, partition=partition, cpus=2, hypervisor=hypervisor)
    assert_agrees(every_n(config, check=False), range(1, 4))


def test_there_are_forty_configurations() -> None:
    assert len(CONFIGS) == 40


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("partition", ["l1vh", "nested_root"])
def test_example_patch_files_agree(path: Path, partition: str) -> None:
    config = session_config(mshv=use(str(path)), partition=partition, cpus=2)
    assert_agrees(every_n(config, check=False), range(1, 4))


def test_a_fault_that_needs_two_cpus_is_found_with_its_cpu_count(tmp_path: Path) -> None:
    patch = tmp_path / "needs-two-cpus.toml"
    patch.write_text(NEEDS_TWO_CPUS, "utf-8")
    config = session_config(mshv=use(str(patch)), partition="l1vh", cpus=2)
    result = every_n(config)
    assert_agrees(result, range(1, 4))
    fault = result.found["hypervisor_fault"]
    assert fault.cpus == 2 and result.smallest["hypervisor_fault"] == 2
    assert "hypervisor_fault" not in result.one_cpu.found


CHANNELS = [((0, 1), "l1vh", "v4"), ((0, 1), "l1vh", "mainline"), ((0, 1), "nested_root", "v3"), ((1,), "guest", "v4")]


@pytest.mark.parametrize(("channels", "partition", "mshv"), CHANNELS)
def test_a_channel_on_another_cpu_agrees_too(channels: tuple[int, ...], partition: str, mshv: str) -> None:
    """CPU 1 holds VMBus channels: offlining it is refused (MSHV exit, VMBus -EBUSY, MSHV again) until they move."""
    config = session_config(mshv=mshv, partition=partition, cpus=2, channel_cpus=channels)
    result = every_n(config)
    assert result.first_n == 2 and not result.one_cpu.found
    assert_agrees(result, range(2, 4))


@pytest.mark.parametrize(("partition", "mshv"), [("guest", "v4"), ("nested_root", "v4")])
def test_two_cpus_holding_channels_agree_from_three_cpus(partition: str, mshv: str) -> None:
    config = session_config(mshv=mshv, partition=partition, cpus=3, channel_cpus=(0, 1, 2))
    result = every_n(config, check=False)
    assert result.first_n == 3 and "from 3 (2 CPUs besides CPU 0 holding VMBus channels)" in proof_line(result)
    assert_agrees(result, range(3, 5))


def test_the_refused_offline_and_its_rollback_are_reached() -> None:
    config = session_config(mshv="v4", partition="l1vh", cpus=2, channel_cpus=(0, 1))
    refused = every_n(config).found["refused"]
    assert [a for a, _ in refused.example.steps] == ["vmbus_load", "cpu_offline"] and "-EBUSY" in refused.example.message


def test_v4_on_l1vh_never_faults_on_any_number_of_cpus() -> None:
    result = every_n(session_config(mshv="v4", partition="l1vh", cpus=2))
    assert result.proved and "hypervisor_fault" in result.unreachable


def test_patch5_only_faults_in_three_steps_on_one_cpu() -> None:
    result = every_n(session_config(mshv="patch5-only", partition="l1vh", cpus=2))
    fault = result.found["hypervisor_fault"]
    assert (fault.length, fault.cpus) == (3, 1)
    assert [a for a, _cpus in fault.example.steps] == ["vmbus_load", "mshv_init", "kexec"]


@pytest.mark.parametrize(("partition", "mshv"), [("root", "v4"), ("guest", "mainline"), ("guest", "v4")])
def test_any_order_agrees_too(partition: str, mshv: str) -> None:
    config = session_config(mshv=mshv, partition=partition, cpus=2)
    assert_agrees(every_n(config, any_order=True, check=False), range(1, 4), any_order=True)


def test_the_abstraction_is_exact_on_two_cpus() -> None:
    """With no summarised CPU the abstract states are the 2-CPU machine's: the same count as the explicit search."""
    from synic_core.explore.every_n import Abstraction
    from synic_core.explore.fast import Model, search

    config = session_config(mshv="v4", partition="l1vh", cpus=2)
    absn = Abstraction(config, False, Model(config))
    seen = {absn.roots()[0]}
    frontier = list(seen)
    while frontier:
        nxt = []
        for s in frontier:
            for move in absn.moves(s):
                new, _kinds, kernel = absn.apply(s, move)
                if kernel and new not in seen:
                    seen.add(new)
                    nxt.append(new)
        frontier = nxt
    assert len(seen) == search(config, None).states


def test_a_path_no_cpu_count_realises_is_spurious_never_a_finding(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """On guest, stale_state needs 2 CPUs: if its abstract path replayed on no CPU count, it is counted and not decided."""
    from synic_core.cli import main
    from synic_core.explore import every_n as module

    monkeypatch.setattr(module, "_follow", lambda *args: None)
    result = every_n(session_config(mshv="v4", partition="guest", cpus=2), check=False)
    assert "stale_state" not in result.found and "stale_state" in result.undecided
    assert "stale_state" not in result.unreachable and result.spurious >= 1
    assert set(result.found) == set(result.one_cpu.found)
    main(["explore", "--partition", "guest", "--cpus", "all"])
    out = capsys.readouterr().out
    assert "replayed on no CPU count: spurious, not reported; not decided: stale_state" in out
    proved = next(line for line in out.splitlines() if line.startswith("not reachable on any number of CPUs"))
    assert "stale_state" not in proved and "│ stale_state" not in out


def test_the_memory_limit_stops_the_abstract_search_without_a_proof() -> None:
    from synic_core.cli.explore_every_n import exit_code

    result = every_n(session_config(mshv="v4", partition="l1vh", cpus=2), check=False, memory_limit_mb=1)
    assert result.stopped == "memory limit" and not result.proved and result.unreachable == []
    assert exit_code([result]) == 2
