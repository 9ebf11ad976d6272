"""One call from a trace file to its writes, attribution, inferred actions and findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..config import SessionConfig
from ..partitions import PARTITIONS
from ..version_registry import use
from ..vocabulary import TraceFormat
from .attribute import Attributed, attribute
from .formats import MSR_OF_SLOT, SLOTS
from .infer import TraceAction, infer_actions
from .parse import ParsedTrace, TraceError, parse_trace
from .replay import TraceRun, replay_trace

DEFAULT_PROFILE: dict[TraceFormat, str] = {"ftrace": "strict", "kvm": "lenient"}
"""Inside an L1VH or root partition the strict profile; KVM emulates the SynIC leniently (arch/x86/kvm/hyperv.c)."""


@dataclass(slots=True)
class TraceImport:
    trace: ParsedTrace
    config: SessionConfig
    attributed: Attributed
    actions: list[TraceAction]
    run: TraceRun
    partition_guessed: bool


def _first_nested(trace: ParsedTrace) -> int | None:
    w = trace.writes
    return next((i for i in range(len(w)) if SLOTS[w.slot[i]][0] == "l0"), None)


def choose_partition(trace: ParsedTrace, partition: str | None) -> str:
    """`--partition`, else nested_root when the trace writes the nested bank, else l1vh; a nested write elsewhere is bad input."""
    nested = _first_nested(trace)
    chosen = partition or ("nested_root" if nested is not None else "l1vh")
    if nested is not None and "l0" not in PARTITIONS[chosen].banks:
        w = trace.writes
        register = SLOTS[w.slot[nested]][1]
        raise TraceError(
            f"{trace.path}: line {w.line[nested]}: MSR {MSR_OF_SLOT[w.slot[nested]]:#x} is {register} of the nested (L0) bank, "
            f"but partition {chosen} has no nested bank (expected --partition nested_root)"
        )
    return chosen


def import_trace(
    path: str | Path,
    partition: str | None = None,
    mshv: str | None = None,
    hypervisor: str | None = None,
    fmt: TraceFormat | None = None,
    progress: Callable[[int], None] | None = None,
) -> TraceImport:
    trace = parse_trace(path, fmt, progress)
    chosen = choose_partition(trace, partition)
    ncpus = max(trace.stats.ncpus_header or 0, max(trace.writes.cpu) + 1)
    config = SessionConfig(
        partition=chosen, cpus=min(ncpus, 4096), mshv=use(mshv) if mshv else "v4", hypervisor=hypervisor or DEFAULT_PROFILE[trace.format]
    )
    att = attribute(trace, config.partition_spec, config.version_spec)
    actions = infer_actions(att.segments)
    return TraceImport(trace, config, att, actions, replay_trace(att, actions, config), partition is None)
