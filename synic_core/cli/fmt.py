"""Small text formatters shared by the CLI, reports and the dashboard."""

from __future__ import annotations

from collections.abc import Iterable


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
