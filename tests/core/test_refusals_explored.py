"""Which refusals the explorer reports: the kernel turning away an action that applies (a CPU holding a VMBus
channel, VMBus under mshv_root), never an action with nothing to act on (docs/explorer.md)."""

from __future__ import annotations

import json

import pytest

from synic_core import Session
from synic_core.cli import main
from synic_core.explore.fast import search
from synic_core.explore.reference import explore
from synic_core.model.findings import Finding, explored
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.vocabulary import ActionName
from synic_core.scenarios.scenario import parse_scenario, replay
from synic_core.versions.names import BUILTIN_NAMES
from synic_core.versions.registry import session_config

Step = ActionName | tuple[ActionName, list[int]]
REFUSALS: list[tuple[str, str, tuple[int, ...], list[Step], bool, str]] = [
    # partition, mshv, channel_cpus, steps (the last one is refused), applies?, words of the refusal
    ("l1vh", "v4", (0,), ["vmbus_unload"], False, "VMBus is not loaded"),
    ("l1vh", "v4", (0,), ["mshv_cleanup"], False, "MSHV is not loaded"),
    ("root", "v4", (0,), ["vmbus_load"], False, "does not run on a bare-metal root"),
    ("guest", "v4", (0,), ["mshv_init"], False, "-ENODEV"),
    ("l1vh", "v4", (0,), ["vmbus_load", ("crash_kexec", [0]), "mshv_init"], False, "kdump kernel"),
    ("l1vh", "v4", (0,), [("cpu_offline", [0])], False, "-EPERM"),
    ("l1vh", "v4", (0, 1), ["vmbus_load", ("move_channels", [0, 1])], False, "cannot move"),
    ("l1vh", "v4", (0,), ["vmbus_load", "mshv_init", "vmbus_unload"], True, "while mshv_root is loaded"),
    ("l1vh", "v4", (0, 1), ["vmbus_load", "mshv_init", ("cpu_offline", [1])], True, "-EBUSY"),
    ("guest", "mainline", (0, 1), ["vmbus_load", ("cpu_offline", [1])], True, "-EBUSY"),
]


def refusal(partition: str, mshv: str, channels: tuple[int, ...], steps: list[Step]) -> Finding:
    s = Session(session_config(partition=partition, mshv=mshv, cpus=2, channel_cpus=channels))
    for step in steps:
        action, cpus = step if isinstance(step, tuple) else (step, None)
        s.apply(action, cpus)
    last = s.history[-1]
    assert last.refused
    (found,) = [f for f in last.findings if f.kind == "refused"]
    return found


@pytest.mark.parametrize(("partition", "mshv", "channels", "steps", "applies", "words"), REFUSALS)
def test_each_refusal_says_whether_the_action_applied(
    partition: str, mshv: str, channels: tuple[int, ...], steps: list[Step], applies: bool, words: str
) -> None:
    f = refusal(partition, mshv, channels, steps)
    assert words in f.message
    assert f.inapplicable is not applies and explored(f) is applies


def test_only_refusals_are_ever_inapplicable() -> None:
    s = Session(session_config(partition="l1vh", mshv="patch5-only", cpus=2))
    for action in ("vmbus_load", "mshv_init", "kexec"):
        s.apply(action)
    assert s.findings and all(explored(f) for f in s.findings)


@pytest.mark.parametrize("partition", PARTITION_NAMES)
def test_every_refused_counterexample_ends_in_a_refusal_of_an_action_that_applies(partition: str) -> None:
    for mshv in BUILTIN_NAMES:
        for channels in ((0,), (0, 1)):
            config = session_config(partition=partition, mshv=mshv, cpus=2, channel_cpus=channels)
            r = search(config)
            assert r.fixpoint
            c = r.found.get("refused")
            vmbus = partition != "root"
            # a channel on CPU 1 blocks its offline where VMBus runs; v4's module dependency where VMBus and MSHV both load
            expected = vmbus and (channels == (0, 1) or (mshv == "v4" and partition in ("l1vh", "nested_root")))
            assert (c is not None) is expected, (mshv, channels)
            if c is None:
                continue
            last = replay(parse_scenario(c.scenario(config), "counterexample")).history[-1]
            assert any(f.kind == "refused" and not f.inapplicable for f in last.findings), (mshv, channels, c.steps)


def test_the_reference_search_counts_the_same_refusals() -> None:
    config = session_config(partition="guest", mshv="v4", cpus=2)
    assert "refused" not in explore(config, 8).found  # vmbus_unload and mshv_init from reset would be 1 step


def test_the_cli_reports_the_v4_module_dependency_not_an_unload_of_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explore", "--partition", "l1vh", "--mshv", "v4", "--cpus", "2", "--exhaustive"]
    assert main([*args, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    steps = [s["action"] for s in data["counterexamples"]["refused"]["scenario"]["steps"]]
    assert steps == ["vmbus_load", "mshv_init", "vmbus_unload"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "vmbus_load [0-1] → mshv_init [0-1] → vmbus_unload [0-1]" in out
    assert "│ refused           │ info     │ 1 " not in out


def test_the_cli_says_refused_is_unreachable_on_a_guest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--partition", "guest", "--mshv", "v4", "--cpus", "2", "--exhaustive", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "refused" in data["unreachable"] and "refused" not in data["counterexamples"]


def test_every_cpu_count_reports_the_same_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--partition", "l1vh", "--mshv", "v4", "--cpus", "all", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["reachable"]["refused"] == 3
    assert [s["action"] for s in data["counterexamples"]["refused"]["steps"]] == ["vmbus_load", "mshv_init", "vmbus_unload"]


def test_the_matrix_reports_no_refusal_of_an_action_that_does_not_apply(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--all", "--cpus", "2", "--exhaustive", "--json", "--jobs", "1"]) == 1
    rows = json.loads(capsys.readouterr().out)
    refused = {(r["partition"], r["mshv"]) for r in rows if "refused" in r["reachable"]}
    assert refused == {("l1vh", "v4"), ("nested_root", "v4")}
    assert all(r["reachable"]["refused"] == 3 for r in rows if "refused" in r["reachable"])


def test_synic_run_json_says_which_refusals_did_not_apply(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "guest-mshv-refused", "--json"]) == 0
    refused = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["kind"] == "refused"]
    assert refused and all(f["inapplicable"] is True for f in refused)
    assert main(["run", "l1vh-v4-offline-busy-cpu", "--json"]) == 0
    busy = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["kind"] == "refused"]
    assert any("-EBUSY" in f["message"] and f["inapplicable"] is False for f in busy)
