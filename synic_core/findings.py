"""Finding kinds (design §2.7): severity, the kernel behaviour each one models, and assumptions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TypedDict, Unpack

SEVERITIES = ("info", "warning", "error", "fault")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class FindingKind:
    name: str
    severity: str
    title: str
    cites: str
    assumption: str | None = None


_OWNERSHIP = "ownership established by 'mshv: limit SynIC management to MSHV-owned resources' (facts §8.3, §9)"

KINDS: dict[str, FindingKind] = {
    k.name: k
    for k in (
        FindingKind("foreign_write", "error", "a component changed a field it does not own", _OWNERSHIP),
        FindingKind(
            "redundant_write",
            "warning",
            "a component wrote a field it does not own, value unchanged",
            _OWNERSHIP,
            assumption="a redundant enable is probably a no-op for the hypervisor (Anirudh's v2 review, facts §8.2)",
        ),
        FindingKind(
            "hypervisor_fault",
            "fault",
            "the hypervisor rejected the write",
            "commit text of 'mshv: limit SynIC management…': VMBus then writes SynIC MSRs while SynIC is "
            "disabled, which the hypervisor does not tolerate (facts §7, §10)",
            assumption="strict profile: the real reaction is undocumented; the model drops the write and "
            "carries on, like the kernel's fixup for an unchecked MSR access (facts §12.1)",
        ),
        FindingKind(
            "pulled_from_under",
            "error",
            "a resource was switched off under a live user",
            "per-CPU teardown order 'VMBUS first, MSHV second, and the reverse on de-init' (facts §7, §8.3)",
        ),
        FindingKind(
            "stale_state",
            "error",
            "the new kernel inherited live SynIC state nobody owns",
            "patch 'mshv: clean up SynIC state on kexec for L1VH': the kexec'd kernel inherited stale "
            "unmasked SINTs and an enabled SIRBP pointing to freed memory (facts §7, §8.1)",
        ),
        FindingKind(
            "dangling_page",
            "error",
            "an enabled page register points at frame 0 or freed memory",
            "pre-series MSHV memremaps whatever frame SIRBP holds; the L1VH hypervisor provides none (facts §6.1, §8.1)",
            assumption="what the L1VH SIRBP MSR holds before the series is not stated; the model assumes 0 (facts §12.5)",
        ),
        FindingKind(
            "missing_enable",
            "warning",
            "a live component depends on a field nobody enabled",
            "v3/v4 leave SIMP/SIEFP/SCONTROL to VMBus whenever VMBus is active (facts §8.3, §9)",
            assumption="model inference: whether the L1 hypervisor pre-enables these on a nested root is "
            "not discussed anywhere (facts §12.2)",
        ),
        FindingKind("refused", "info", "the kernel refused the action", "the refusal paths in facts §5.1, §5.7, §6.3"),
    )
}
KIND_NAMES = tuple(KINDS)


class Where(TypedDict, total=False):
    """Where a finding happened and who was involved (every key optional)."""

    cpu: int | None
    bank: str | None
    register: str | None
    field: str | None
    component: str | None
    owner: str | None
    write: int | None


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: where it happened, who caused it, who owns the resource, and why it matters."""

    kind: str
    severity: str
    step: int
    cpu: int | None
    bank: str | None
    register: str | None
    field: str | None
    component: str | None
    owner: str | None
    message: str
    cites: str
    assumption: str | None = None
    write: int | None = None  # index of the causing write within its step

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def make_finding(kind: str, message: str, *, step: int, assumption: str | None = "default", **where: Unpack[Where]) -> Finding:
    """Build a finding of `kind`; the assumption defaults to the kind's own."""
    spec = KINDS[kind]
    return Finding(
        kind=kind,
        severity=spec.severity,
        step=step,
        message=message,
        cites=spec.cites,
        assumption=spec.assumption if assumption == "default" else assumption,
        cpu=where.get("cpu"),
        bank=where.get("bank"),
        register=where.get("register"),
        field=where.get("field"),
        component=where.get("component"),
        owner=where.get("owner"),
        write=where.get("write"),
    )


def summarize(findings: list[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


def worst(findings: list[Finding]) -> str | None:
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__, default=None)
