"""Finding kinds: severity, the kernel behaviour each one models, and assumptions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TypedDict, Unpack

from synic_core.model.profiles import STRICT_ASSUMPTION
from synic_core.model.vocabulary import Bank, FindingKindName, Severity, Writer

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error", "fault")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class FindingKind:
    name: FindingKindName
    severity: Severity
    title: str
    cites: str
    assumption: str | None = None


_OWNERSHIP = (
    "ownership established by 'mshv: limit SynIC management to MSHV-owned resources' "
    "(commit f1a9e67c1138; docs/kernel-facts.md#ownership-after-the-series)"
)
_ASSUMPTIONS = "docs/kernel-facts.md#open-questions-and-model-assumptions"

KINDS: dict[str, FindingKind] = {
    k.name: k
    for k in (
        FindingKind("foreign_write", "error", "a component changed a field it does not own", _OWNERSHIP),
        FindingKind(
            "redundant_write",
            "warning",
            "a component wrote a field it does not own, value unchanged",
            _OWNERSHIP,
            assumption="a redundant enable is probably a no-op for the hypervisor (Anirudh Rayabharam's review of v2, 2026-04-06)",
        ),
        FindingKind(
            "hypervisor_fault",
            "fault",
            "the hypervisor rejected the write",
            "commit text of 'mshv: limit SynIC management…': VMBus then writes SynIC MSRs while SynIC is "
            "disabled, which the hypervisor does not tolerate "
            "(commit f1a9e67c1138; docs/kernel-facts.md#hypervisor-behaviour)",
            assumption=STRICT_ASSUMPTION,  # the profile's own words: a refused write carries it
        ),
        FindingKind(
            "pulled_from_under",
            "error",
            "a resource was switched off under a live user",
            "per-CPU teardown order 'VMBUS first, MSHV second, and the reverse on de-init' "
            "([PATCH v4 1/3], 2026-04-27; docs/kernel-facts.md#kexec-order)",
        ),
        FindingKind(
            "stale_state",
            "error",
            "the new kernel inherited live SynIC state nobody owns",
            "patch 'mshv: clean up SynIC state on kexec for L1VH' (commit efe0fb8c3fe2): the kexec'd kernel inherited "
            "stale unmasked SINTs and an enabled SIRBP; freed memory where MSHV allocated the SIRBP page (the series), "
            "whatever frame it held where MSHV only mapped it (before the series) (docs/kernel-facts.md#kexec-order)",
        ),
        FindingKind(
            "dangling_page",
            "error",
            "an enabled page register points at frame 0 or freed memory",
            "pre-series MSHV memremaps whatever frame SIRBP holds; the L1VH hypervisor provides none "
            "(drivers/hv/mshv_synic.c before the series; commit efe0fb8c3fe2; docs/kernel-facts.md#mshv-before-the-series)",
            assumption=f"what the L1VH SIRBP MSR holds before the series is not stated; the model assumes 0 ({_ASSUMPTIONS})",
        ),
        FindingKind(
            "missing_enable",
            "warning",
            "a live component depends on a field nobody enabled",
            "v3/v4 leave SIMP/SIEFP/SCONTROL to VMBus whenever VMBus is active "
            "(commit f1a9e67c1138; docs/kernel-facts.md#ownership-after-the-series)",
            assumption="model inference: whether the L1 hypervisor pre-enables these on a nested root is "
            "not discussed anywhere (docs/kernel-facts.md#open-questions-and-model-assumptions)",
        ),
        FindingKind(
            "refused",
            "info",
            "the kernel refused the action",
            "the action stops before it writes any MSR, or a refused CPU offline rolls back (a module that is not loaded, a "
            "partition, kernel or CPU the code turns away, a CPU holding a VMBus channel, VMBus under mshv_root); each refusal "
            "cites the kernel function that refuses it where there is one; the explorer counts only refusals of actions that "
            "apply in that state (docs/explorer.md#what-refused-means-to-the-explorer, docs/kernel-facts.md#partition-types, "
            "docs/kernel-facts.md#when-vmbus-runs, docs/kernel-facts.md#cpu-hotplug-on-x86)",
        ),
    )
}
KIND_NAMES = tuple(KINDS)


class Where(TypedDict, total=False):
    """Where a finding happened and who was involved (every key optional)."""

    cpu: int | None
    bank: Bank | None
    register: str | None
    field: str | None
    component: Writer | None
    owner: Writer | None
    write: int | None


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: where it happened, who caused it, who owns the resource, and why it matters."""

    kind: FindingKindName
    severity: Severity
    step: int
    cpu: int | None
    bank: Bank | None
    register: str | None
    field: str | None
    component: Writer | None
    owner: Writer | None
    message: str
    cites: str
    assumption: str | None = None
    write: int | None = None  # index of the causing write within its step
    inapplicable: bool = False
    """A refusal of an action that does not apply in that state (see `explored`); False for every other finding."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def make_finding(
    kind: FindingKindName,
    message: str,
    *,
    step: int,
    assumption: str | None = "default",
    cites: str | None = None,
    inapplicable: bool = False,
    **where: Unpack[Where],
) -> Finding:
    """Build a finding of `kind`; the assumption and the citation default to the kind's own."""
    spec = KINDS[kind]
    return Finding(
        kind=kind,
        severity=spec.severity,
        step=step,
        message=message,
        cites=cites or spec.cites,
        assumption=spec.assumption if assumption == "default" else assumption,
        cpu=where.get("cpu"),
        bank=where.get("bank"),
        register=where.get("register"),
        field=where.get("field"),
        component=where.get("component"),
        owner=where.get("owner"),
        write=where.get("write"),
        inapplicable=inapplicable,
    )


def explored(f: Finding) -> bool:
    """Whether the explorer counts the finding: all but a refusal of an action that does not apply in that state.

    The kernel turning away an action it could run (a CPU holding a VMBus channel refusing its offline, VMBus
    unable to unload under mshv_root) depends on the order of actions, so it is a finding worth a counterexample.
    Declining an action that has nothing to act on (a module that is not loaded, a driver that does not run on
    this partition or in a kdump kernel, CPU 0's offline on x86) holds in any order and teaches nothing.
    """
    return not f.inapplicable


def summarize(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def worst(findings: list[Finding]) -> str | None:
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__, default=None)
