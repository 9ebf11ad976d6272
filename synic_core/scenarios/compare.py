"""Run the same steps under two MSHV versions (or two hypervisor profiles) and say what differs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from synic_core.inputs.bad_input import InputError
from synic_core.model.columns import Column
from synic_core.model.findings import KIND_NAMES, SEVERITY_RANK, Finding
from synic_core.model.profiles import PROFILES
from synic_core.model.registers import REGISTERS, registers_in_bank
from synic_core.model.session import Session
from synic_core.model.vocabulary import FindingKindName, Severity
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


def replay_under(scenario: Scenario, settings: Mapping[str, object], source: str) -> Session:
    """These steps replayed under other settings (a version, a profile): `synic run --compare`, the compare screen and
    the dashboard's Settings all replay through here. Seconds at 4096 CPUs: a screen runs it in a worker."""
    return replay(with_settings(scenario, dict(settings), source), source)


def compare(scenario: Scenario, spec: str, source: str = "scenario") -> tuple[Side, Side, list[Difference]]:
    field, a, b = parse_pair(spec)
    sessions = [replay_under(scenario, {field: v}, f"{source} ({field} {v})") for v in (a, b)]
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


Which = Literal["left", "right"]
_SIDES: tuple[tuple[Which, Which], ...] = (("left", "right"), ("right", "left"))
_FindingKey = tuple[FindingKindName, int, str | None, str | None, str | None]  # kind, step, bank, register, field


@dataclass(frozen=True, slots=True)
class OneSided:
    """Findings of one kind, step and register that only one side has, on these CPUs (none: not about a CPU)."""

    side: Which
    severity: Severity
    kind: FindingKindName
    step: int
    cpus: tuple[int, ...]
    where: str
    bank: str | None = None
    register: str | None = None


def _by_key(findings: list[Finding]) -> dict[_FindingKey, set[int | None]]:
    groups: dict[_FindingKey, set[int | None]] = defaultdict(set)
    for f in findings:
        groups[(f.kind, f.step, f.bank, f.register, f.field)].add(f.cpu)
    return groups


def finding_differences(left: list[Finding], right: list[Finding]) -> list[OneSided]:
    """Which findings differ: per (kind, step, register field), the CPUs only one side has it on.

    Ordered by severity (worst first), then step, so the cause comes before its consequences."""
    severity = {f.kind: f.severity for f in (*left, *right)}
    groups: dict[Which, dict[_FindingKey, set[int | None]]] = {"left": _by_key(left), "right": _by_key(right)}
    out: list[OneSided] = []
    for key in groups["left"].keys() | groups["right"].keys():
        kind, step, bank, register, field = key
        where = f"{register}.{field} ({bank})" if register else (bank or "")
        for side, other in _SIDES:
            only = groups[side].get(key, set()) - groups[other].get(key, set())
            if only:
                cpus = tuple(sorted(c for c in only if c is not None))
                out.append(OneSided(side, severity[kind], kind, step, cpus, where, bank, register))
    out.sort(key=lambda d: (-SEVERITY_RANK[d.severity], d.step, d.kind, d.where, d.side))
    return out


CellMark = Literal["differs", "writer"]
"""How a grid cell differs from the other side's: its value or its findings (`≠`), or only its last writer (`≈`)."""
Cell = tuple[int, int]  # (cpu, column index)


@dataclass(frozen=True, slots=True)
class CellDifference:
    """Cells of one column whose shown value (`what` "value": `left`/`right` are the field's values) or only last
    writer (`what` "writer": the writers) differs between the sides, alike on each of these CPUs."""

    what: Literal["value", "writer"]
    column: int
    left: int | str
    right: int | str
    cpus: tuple[int, ...]

    @property
    def mark(self) -> CellMark:
        return "differs" if self.what == "value" else "writer"


@dataclass(frozen=True, slots=True)
class GridComparison:
    """What the compare screen shows, from one rule so that the grid, the list and the title agree.

    A cell (a CPU's column) is marked `differs` when the field it shows has another value on the other side, or when
    a finding on its register is on one side only; otherwise `writer` when only the register's last writer differs.
    `findings` and `cells` are the list's rows: each marked cell is covered by a row of its mark, and each row covers
    only cells with its mark (a finding row: every column of its register on its CPUs; a value or writer row: its
    column on its CPUs). `unplaced` are the finding rows no cell shows (no CPU, or a register without a column)."""

    findings: list[OneSided]
    cells: list[CellDifference]
    marks: dict[Cell, CellMark]
    unplaced: list[OneSided]

    def count(self, mark: CellMark) -> int:
        return sum(1 for m in self.marks.values() if m == mark)

    @property
    def rows(self) -> int:
        return len(self.findings) + len(self.cells)


def compare_grids(left: Session, right: Session, columns: list[Column]) -> GridComparison:
    """Compare two sessions' final states and findings over the grid's columns (see `GridComparison`)."""
    findings = finding_differences(left.findings, right.findings)
    by_register: dict[tuple[str | None, str | None], list[int]] = defaultdict(list)
    for i, c in enumerate(columns):
        by_register[(c.bank, c.register)].append(i)
    marks: dict[Cell, CellMark] = {}
    for d in findings:
        marks.update(((cpu, i), "differs") for i in by_register.get((d.bank, d.register), ()) for cpu in d.cpus)
    unplaced = [d for d in findings if not d.cpus or (d.bank, d.register) not in by_register]
    rows: dict[tuple[Literal["value", "writer"], int, int | str, int | str], list[int]] = defaultdict(list)
    a, b = left.state, right.state
    for i, c in enumerate(columns):
        field = REGISTERS[c.register].field(c.field)
        for cpu in range(min(a.ncpus, b.ncpus)):
            va, vb = field.get(a.get(cpu, c.bank, c.register)), field.get(b.get(cpu, c.bank, c.register))
            wa, wb = a.last_writer(cpu, c.bank, c.register), b.last_writer(cpu, c.bank, c.register)
            if va != vb:
                rows[("value", i, va, vb)].append(cpu)
                marks[(cpu, i)] = "differs"
            elif wa != wb and (cpu, i) not in marks:
                rows[("writer", i, wa, wb)].append(cpu)
                marks[(cpu, i)] = "writer"
    cells = [CellDifference(what, i, va, vb, tuple(cpus)) for (what, i, va, vb), cpus in rows.items()]
    return GridComparison(findings, cells, marks, unplaced)
