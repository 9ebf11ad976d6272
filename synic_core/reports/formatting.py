"""Small text formatters shared by the CLI, reports and the dashboard."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synic_core.model.findings import Finding


def plural(n: int, noun: str, *, grouped: bool = True) -> str:
    """`1 write`, `2,048 writes`: the count (with thousands separators unless not `grouped`) and the noun agreeing with it.

    CPU counts are written ungrouped (`4096 CPUs`), as the settings and the kernel write them."""
    return (f"{n:,}" if grouped else str(n)) + f" {noun}" + ("" if n == 1 else "s")


def cpus_text(cpus: Sequence[int], noun: str = "CPU") -> str:
    """`CPU 0`, `CPUs 0-3` (`vCPUs 0-3` with another noun): the noun agreeing with the CPUs named."""
    return f"{noun}{'' if len(cpus) == 1 else 's'} {cpu_ranges(cpus)}"


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
    """Findings that differ only by CPU, as one: (first, count, CPU ranges, a message true of every CPU in it).

    Findings with different assumptions are never merged, so a group's assumption holds for each of its CPUs.
    """
    groups: dict[tuple[object, ...], list[Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.step, f.kind, f.bank, f.register, f.field, f.component, f.owner, f.assumption, f.inapplicable)].append(f)
    for group in groups.values():
        first = group[0]
        cpus = cpu_ranges(g.cpu for g in group if g.cpu is not None)
        yield first, len(group), cpus, group_message(group)


def group_message(group: list[Finding]) -> str:
    """One sentence for a group of findings on several CPUs, true for each of them.

    When the messages differ only by the CPU they name once ("on CPU 2"), that CPU becomes the
    group's CPUs. When they differ in anything else (each CPU's own page frame, a written value),
    the first CPU's sentence is given as an example and the others are named after it: one CPU's
    frame never stands for the whole group.
    """
    first = group[0]
    if len(group) == 1 or first.cpu is None:
        return first.message
    shape = _without_cpu(first)
    if shape.count(_CPU_SLOT) == 1 and all(_without_cpu(f) == shape for f in group[1:]):
        return shape.replace(_CPU_SLOT, f"CPUs {cpu_ranges(f.cpu for f in group if f.cpu is not None)}")
    others = cpu_ranges(f.cpu for f in group[1:] if f.cpu is not None and f.cpu != first.cpu)
    if not others:
        return first.message
    example = first.message.rstrip().removesuffix(".")
    return f"{example}; likewise on CPU{'s' if any(c in others for c in ',-') else ''} {others}, each with its own values."


_CPU_SLOT = "\x00CPU\x00"


_CPU_NAMED = re.compile(r"\bCPU (\d+)\b")


def _without_cpu(f: Finding) -> str:
    """The message with the finding's own CPU ("CPU 3", not "CPU 31") replaced by a slot."""
    own = str(f.cpu)
    return _CPU_NAMED.sub(lambda m: _CPU_SLOT if m.group(1) == own else m.group(0), f.message)
