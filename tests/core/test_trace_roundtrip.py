"""Export a built-in scenario, import it back: the same writes, faults, writers, actions and findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.scenarios.scenario import builtin_names
from synic_core.traces.check import check_trace
from synic_core.traces.reading import TraceError
from tests.support.traces import (
    attributions,
    exported,
    finding_keys,
    imported,
    model,
    model_rows,
    model_writers,
    save,
    trace_rows,
    trace_writers,
)

WITH_WRITES = ["l1vh-patch5-only-kexec", "l1vh-mainline-kexec", "l1vh-v4-kexec", "l1vh-v4-offline-busy-cpu", "root-v4-kexec"]


@pytest.mark.parametrize("name", WITH_WRITES)
@pytest.mark.parametrize("layout", ["ftrace", "trace-cmd"])
def test_the_same_writes_and_faults_come_back(name: str, layout: str, tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported(name, layout=layout)))  # type: ignore[arg-type]
    assert trace_rows(ti) == model_rows(model(name))
    assert ti.trace.stats.problems == {} and ti.trace.format == "ftrace"


@pytest.mark.parametrize("name", WITH_WRITES)
def test_stacks_name_every_writer(name: str, tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported(name)))
    assert attributions(ti) == {"stack"}
    assert trace_writers(ti) == model_writers(model(name))


@pytest.mark.parametrize("name", WITH_WRITES)
def test_without_stacks_every_writer_is_inferred_by_its_sequence(name: str, tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported(name, stacks=False)))
    assert attributions(ti) == {"inferred"}
    assert trace_writers(ti) == model_writers(model(name))


@pytest.mark.parametrize("name", WITH_WRITES)
@pytest.mark.parametrize("stacks", [True, False])
def test_the_same_actions_and_findings_come_back(name: str, stacks: bool, tmp_path: Path) -> None:
    session = model(name)
    scenario_config = session.config
    ti = imported(save(tmp_path, exported(name, stacks=stacks)), partition=scenario_config.partition, mshv=scenario_config.mshv)
    assert [a.action for a in ti.actions] == [s.action for s in session.history]
    assert finding_keys(ti.run.findings) == finding_keys(session.findings)


@pytest.mark.parametrize("name", WITH_WRITES)
def test_a_trace_conforms_to_the_version_that_made_it(name: str, tmp_path: Path) -> None:
    config = model(name).config
    ti = imported(save(tmp_path, exported(name, stacks=False)), partition=config.partition, mshv=config.mshv)
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert result.conforms, [v.message for v in result.cpus]


def test_kvm_trace_comes_back_with_guest_cpus_and_no_fault_marks(tmp_path: Path) -> None:
    name = "l1vh-patch5-only-kexec"
    ti = imported(save(tmp_path, exported(name, "kvm")), mshv="patch5-only")
    assert ti.trace.format == "kvm" and ti.config.hypervisor == "lenient"  # KVM emulates the SynIC leniently
    assert [r[:4] for r in trace_rows(ti)] == [r[:4] for r in model_rows(model(name))]
    assert not any(r[4] for r in trace_rows(ti))
    assert attributions(ti) == {"inferred"}
    assert check_trace(ti.attributed, ti.actions, ti.config).conforms  # faults are not visible from the host


def test_nested_root_trace_picks_the_nested_partition(tmp_path: Path) -> None:
    from synic_core.traces.export import export_text
    from tests.support.sessions import run

    session = run("nested_root", "v4", cpus=2)
    ti = imported(save(tmp_path, export_text(session)))
    assert ti.config.partition == "nested_root" and ti.partition_guessed
    assert trace_rows(ti) == model_rows(session)
    assert finding_keys(ti.run.findings) == finding_keys(session.findings)


def test_findings_on_inferred_writers_say_the_writer_was_inferred(tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported("l1vh-patch5-only-kexec", stacks=False)), mshv="patch5-only")
    foreign = [f for f in ti.run.findings if f.kind == "foreign_write"]
    assert foreign and all("inferred writer" in (f.assumption or "") and "mshv_synic_cpu_exit" in (f.assumption or "") for f in foreign)
    with_stacks = imported(save(tmp_path, exported("l1vh-patch5-only-kexec"), "s.txt"), mshv="patch5-only")
    assert not any("inferred writer" in (f.assumption or "") for f in with_stacks.run.findings)


@pytest.mark.parametrize("name", builtin_names())
@pytest.mark.parametrize("stacks", [True, False])
def test_every_builtin_comes_back_without_partition(name: str, stacks: bool, tmp_path: Path) -> None:
    session = model(name)
    path = save(tmp_path, exported(name, stacks=stacks))
    if not any(step.writes for step in session.history):
        with pytest.raises(TraceError, match="no SynIC MSR write"):
            imported(path, mshv=session.config.mshv)
        return
    ti = imported(path, mshv=session.config.mshv)  # no --partition: guessed from the trace
    assert ti.config.partition == session.config.partition, ti.partition_why
    assert ti.partition_why.startswith("guessed from the trace")
    traced = [s for s in session.history if s.writes]  # a step that writes nothing (x86 refusing CPU 0) leaves no trace
    assert [a.action for a in ti.actions] == [s.action for s in traced]
    assert finding_keys(ti.run.findings) == finding_keys([f for s in traced for f in s.findings])
    result = check_trace(ti.attributed, ti.actions, ti.config)
    assert result.conforms, [v.message for v in result.cpus]


def test_a_root_trace_checked_as_l1vh_names_the_field_that_differs(tmp_path: Path) -> None:
    ti = imported(save(tmp_path, exported("root-v4-kexec")), partition="l1vh", mshv="v4")
    assert ti.partition_why == "given"
    messages = [v.message for v in check_trace(ti.attributed, ti.actions, ti.config).cpus if v.divergence]
    assert messages
    for message in messages:
        said, predicted = message.split("; ", 1)
        assert said.split("wrote ", 1)[1] not in predicted  # the two halves differ in what they show
        assert "frame=" in message
