"""A group of findings on several CPUs is explained by one sentence that is true for each CPU in it."""

from __future__ import annotations

import itertools
import re

import pytest

from synic_core.model.findings import Finding, make_finding
from synic_core.reports.formatting import cpu_ranges, grouped_findings
from tests.support.sessions import run

PARTITIONS = ("root", "nested_root", "l1vh", "guest")
VERSIONS = ("mainline", "patch5-only", "v1", "v3", "v4")
SEQUENCES = (
    ("vmbus_load", "mshv_init", "kexec"),
    ("vmbus_load", "mshv_init", "crash_kexec"),
    ("mshv_init", "vmbus_load", "vmbus_unload", "mshv_cleanup"),
    ("vmbus_load", "mshv_init", "kexec", "vmbus_load", "mshv_init", "crash_kexec"),
)


def crash_kexec_findings() -> list[Finding]:
    return run("l1vh", "v4", ("vmbus_load", "mshv_init", "crash_kexec")).findings


def test_one_cpus_frame_does_not_stand_for_the_group() -> None:
    """The reported case: each CPU's SIRBP page has its own frame; the group names CPU 0's as an example."""
    groups = [g for g in grouped_findings(crash_kexec_findings()) if g[0].kind == "stale_state" and g[0].register == "SIRBP"]
    assert len(groups) == 1
    _first, count, cpus, message = groups[0]
    assert (count, cpus) == (4, "0-3")
    assert "of CPUs 0-3" not in message  # the old text: CPU 0's page relabelled as the group's
    assert "frame 0x8008 (mshv page for SIRBP of CPU 0, live) on CPU 0" in message
    assert message.endswith("; likewise on CPUs 1-3, each with its own values.")


def test_a_message_that_differs_only_by_cpu_names_the_group() -> None:
    groups = {(g[0].kind, g[0].register): g for g in grouped_findings(crash_kexec_findings())}
    assert groups["stale_state", "SINT0"][3] == "The kdump kernel inherits SINT0 unmasked on CPUs 0-3 with no driver loaded that owns it."


def finding(cpu: int, message: str, assumption: str | None = "default") -> Finding:
    return make_finding("stale_state", message, step=2, assumption=assumption, cpu=cpu, register="SIRBP", bank="l1")


def test_cpu_numbers_are_matched_whole() -> None:
    """CPU 1's sentence must not be rewritten inside "CPU 10", and a second mention of the CPU is a per-CPU value."""
    group = [finding(1, "X on CPU 1."), finding(10, "X on CPU 10.")]
    assert [g[3] for g in grouped_findings(group)] == ["X on CPUs 1,10."]
    group = [finding(0, "page of CPU 0 on CPU 0."), finding(1, "page of CPU 1 on CPU 1.")]
    assert [g[3] for g in grouped_findings(group)] == ["page of CPU 0 on CPU 0; likewise on CPU 1, each with its own values."]


def test_different_assumptions_are_not_merged() -> None:
    """The group shows its first finding's assumption: it must hold for every CPU of the group."""
    group = [finding(0, "X on CPU 0.", assumption="strict profile"), finding(1, "X on CPU 1.", assumption=None)]
    assert [(g[1], g[0].assumption is None) for g in grouped_findings(group)] == [(1, False), (1, True)]


def shape(message: str) -> str:
    return re.sub(r"\bCPUs? [0-9][0-9,-]*", "CPU #", message)


@pytest.mark.parametrize(("partition", "version"), list(itertools.product(PARTITIONS, VERSIONS)))
def test_every_group_sentence_is_true_for_each_cpu(partition: str, version: str) -> None:
    """Either each finding's sentence is the group's with its own CPU, or the group quotes one and names the others."""
    for actions in SEQUENCES:
        findings = run(partition, version, actions).findings
        for first, count, cpus, message in grouped_findings(findings):
            members = [
                f
                for f in findings
                if (f.step, f.kind, f.register, f.field, f.component, f.bank, f.assumption)
                == (first.step, first.kind, first.register, first.field, first.component, first.bank, first.assumption)
            ]
            assert len(members) == count
            if count == 1:
                assert message == first.message
            elif "; likewise on CPU" in message:
                example, _, rest = message.partition("; likewise on ")
                assert example + "." == first.message
                others = rest.removeprefix("CPUs ").removeprefix("CPU ").removesuffix(", each with its own values.")
                assert others == cpu_ranges(f.cpu for f in members[1:] if f.cpu is not None)
            else:
                assert f"CPUs {cpus}" in message
                for f in members:
                    assert message.replace(f"CPUs {cpus}", f"CPU {f.cpu}") == f.message, (partition, version, actions)
                    assert shape(f.message) == shape(message)
