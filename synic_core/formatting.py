"""Small text formatters shared by the CLI, reports and the dashboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .findings import Finding


def cpu_ranges(cpus: Iterable[int]) -> str:
    """[0, 1, 2, 5] -> "0-2,5"."""
    nums = sorted(set(cpus))
    parts: list[str] = []
    start = prev = None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:  # type: ignore[operator]
            prev = n
        else:
            parts.append(_span(start, prev))  # type: ignore[arg-type]
            start = prev = n
    if start is not None:
        parts.append(_span(start, prev))  # type: ignore[arg-type]
    return ",".join(parts)


def _span(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def summary_line(counts: dict[str, int]) -> str:
    """The status counts, written exactly as `faults N  errors N  warnings N` (plus info)."""
    return f"faults {counts['fault']}  errors {counts['error']}  warnings {counts['warning']}  info {counts['info']}"


def grouped_findings(findings: list[Finding]) -> Iterator[tuple[Finding, int, str, str]]:
    """Findings that differ only by CPU, as one: (first, count, CPU ranges, message naming the CPUs)."""
    groups: dict[tuple[object, ...], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.step, f.kind, f.bank, f.register, f.field, f.component, f.owner)].append(f)
    for group in groups.values():
        first = group[0]
        cpus = cpu_ranges(g.cpu for g in group if g.cpu is not None)
        message = first.message
        if len(group) > 1 and first.cpu is not None:
            message = message.replace(f"CPU {first.cpu}", f"CPUs {cpus}", 1)
        yield first, len(group), cpus, message
