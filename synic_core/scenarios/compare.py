"""Run the same steps under two MSHV versions (or two hypervisor profiles) and say what differs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from synic_core.inputs.bad_input import InputError
from synic_core.model.findings import KIND_NAMES
from synic_core.model.profiles import PROFILES
from synic_core.model.registers import registers_in_bank
from synic_core.model.session import Session
from synic_core.scenarios.scenario import Scenario, replay, with_settings
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file


@dataclass(frozen=True, slots=True)
class Side:
    label: str
    session: Session

    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(KIND_NAMES, 0)
        for f in self.session.findings:
            counts[f.kind] += 1
        return counts


@dataclass(frozen=True, slots=True)
class Difference:
    bank: str
    register: str
    a: int
    b: int
    cpus: tuple[int, ...]


def parse_pair(spec: str) -> tuple[str, str, str]:
    """ "mainline,v4" -> ("mshv", "mainline", "v4"); "strict,lenient" -> ("hypervisor", ...)."""
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) == 2:
        a, b = parts
        if all(v in BUILTIN_NAMES or looks_like_file(v) for v in (a, b)):
            return "mshv", a, b
        if a in PROFILES and b in PROFILES:
            return "hypervisor", a, b
    raise InputError(
        f"--compare: expected two MSHV versions ({', '.join(BUILTIN_NAMES)}, or patch files) or two hypervisor "
        f"profiles ({', '.join(PROFILES)}) separated by a comma, got {spec!r}"
    )


def variant(scenario: Scenario, field: str, value: str, source: str) -> Session:
    return replay(with_settings(scenario, {field: value}, source), source)


def compare(scenario: Scenario, spec: str, source: str = "scenario") -> tuple[Side, Side, list[Difference]]:
    field, a, b = parse_pair(spec)
    sessions = [variant(scenario, field, v, f"{source} ({field} {v})") for v in (a, b)]
    left, right = (Side(getattr(s.config, field), s) for s in sessions)
    return left, right, differences(left.session, right.session)


def differences(a: Session, b: Session) -> list[Difference]:
    """Final register values that differ, grouped by (bank, register, value a, value b)."""
    groups: dict[tuple[str, str, int, int], list[int]] = defaultdict(list)
    for bank in a.state.banks:
        for reg in registers_in_bank(bank):
            for cpu in range(a.state.ncpus):
                va, vb = a.state.get(cpu, bank, reg), b.state.get(cpu, bank, reg)
                if va != vb:
                    groups[(bank, reg, va, vb)].append(cpu)
    return [Difference(bank, reg, va, vb, tuple(cpus)) for (bank, reg, va, vb), cpus in groups.items()]


def compare_dict(left: Side, right: Side, diffs: list[Difference]) -> dict[str, Any]:
    return {
        "a": {"label": left.label, "summary": left.session.summary(), "kinds": left.kinds()},
        "b": {"label": right.label, "summary": right.session.summary(), "kinds": right.kinds()},
        "differences": [{"bank": d.bank, "register": d.register, "a": d.a, "b": d.b, "cpus": list(d.cpus)} for d in diffs],
    }
