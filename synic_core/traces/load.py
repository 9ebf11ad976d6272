"""One call from a trace file to its writes, attribution, inferred actions and findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import compress
from pathlib import Path

from synic_core.model.config import MAX_CPUS, SessionConfig
from synic_core.model.partitions import PARTITIONS
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import TraceFormat
from synic_core.reports.formatting import cpus_text, plural
from synic_core.traces.attribute import WRITERS, Attributed, attribute
from synic_core.traces.dmesg import LogReader
from synic_core.traces.formats import MSR_OF_SLOT, SLOTS
from synic_core.traces.infer import TraceAction, channel_cpus, infer_actions
from synic_core.traces.log_match import match_log
from synic_core.traces.parse import ParsedTrace, parse_trace, read_log
from synic_core.traces.reading import LOG_TEXT, TraceError
from synic_core.traces.replay import TraceRun, replay_trace
from synic_core.versions.registry import get, session_config, use

SHARED_REGISTERS = ("SCONTROL", "SIMP", "SIEFP")
"""The registers VMBus programs where it runs; where MSHV writes them and VMBus writes nothing, it is the root."""
DASHBOARD_WRITES_KEPT = 20_000
"""Writes the dashboard plays (each kept with its state for time travel: a few seconds to open, a key answered at once);
`synic trace FILE` judges every write of any trace."""


@dataclass(slots=True)
class TraceImport:
    trace: ParsedTrace
    config: SessionConfig
    attributed: Attributed
    actions: list[TraceAction]
    run: TraceRun
    partition_guessed: bool
    partition_why: str = ""
    """How the partition was chosen: "given", "guessed from the trace: …" or "default: …"."""


_NESTED = bytes(int(bank == "l0") for bank, _ in SLOTS) + bytes(256 - len(SLOTS))
"""slot -> 1 for the nested (L0) bank's slots: a window's slots translated by it and searched in C, not a loop a write."""


def _first_nested(trace: ParsedTrace) -> int | None:
    found = bytes(trace.writes.slot).translate(_NESTED).find(1)
    return None if found < 0 else found


def _refuse_nested(trace: ParsedTrace, nested: int, chosen: str) -> TraceError:
    w = trace.writes
    register = SLOTS[w.slot[nested]][1]
    return TraceError(
        f"{trace.path}: line {w.line[nested]}: MSR {MSR_OF_SLOT[w.slot[nested]]:#x} is {register} of the nested (L0) bank, "
        f"but partition {chosen} has no nested bank (expected --partition nested_root)"
    )


def _writers(att: Attributed) -> tuple[int, set[str]]:
    """(VMBus's writes, the registers MSHV writes) in an attribution."""
    vmbus, mshv = WRITERS.index("vmbus"), WRITERS.index("mshv")
    slots = att.writes.slot if att.in_order else map(att.writes.slot.__getitem__, att.order)
    mshv_slots = set(compress(slots, map(mshv.__eq__, att.writer)))
    return att.writer.count(vmbus), {SLOTS[slot][1] for slot in mshv_slots}


def guess_partition(
    trace: ParsedTrace, version: MshvVersion, made: dict[str, Attributed] | None = None, *, final: bool = True
) -> tuple[str, str]:
    """(partition, why) from the trace alone: the nested bank → nested_root; MSHV writing the shared
    registers with no VMBus write at all → root; VMBus writes → l1vh; otherwise the default, l1vh.
    The attributions it makes are left in `made` (by partition), to be used again."""
    made = {} if made is None else made
    if _first_nested(trace) is not None:
        return "nested_root", "guessed from the trace: it writes the nested (L0) bank"
    made["l1vh"] = attribute(trace, PARTITIONS["l1vh"], version, final=final)
    if _writers(made["l1vh"])[0]:
        return "l1vh", "guessed from the trace: VMBus writes the SynIC"
    made["root"] = attribute(trace, PARTITIONS["root"], version, final=final)
    _, mshv = _writers(made["root"])
    shared = [r for r in SHARED_REGISTERS if r in mshv]
    if shared:
        return "root", f"guessed from the trace: MSHV writes {'/'.join(shared)} and VMBus writes nothing"
    return "l1vh", "default: nothing in the trace tells the partition"


def choose_partition(
    trace: ParsedTrace,
    partition: str | None,
    version: MshvVersion | None = None,
    made: dict[str, Attributed] | None = None,
    *,
    final: bool = True,
) -> tuple[str, str]:
    """(partition, why): `--partition`, else guessed from the trace; a nested write elsewhere is bad input. The guess's
    attributions are left in `made` (`final`: as `attribute` takes it)."""
    chosen, why = (partition, "given") if partition else guess_partition(trace, version or get("v4"), made, final=final)
    nested = _first_nested(trace)
    if nested is not None and "l0" not in PARTITIONS[chosen].banks:
        raise _refuse_nested(trace, nested, chosen)
    return chosen, why


def several_guests(trace: ParsedTrace) -> str | None:
    """Why a KVM host trace cannot be judged as one guest, or None: several VMM processes (by tgid), or threads that
    write the same vCPU (without the tgid column, each vCPU thread of one VMM writes only its own vCPU)."""
    guests = trace.guests
    if trace.guest is not None or len(guests) < 2:
        return None
    if not any(g.tgid for g in guests):
        owners: dict[int, int] = {}
        shared = [cpu for g in guests for cpu in g.cpus if owners.setdefault(cpu, g.pid) != g.pid]
        if not shared:
            return None  # one VMM, one thread per vCPU
    named = ", ".join(f"PID {g.pid} ({cpus_text(sorted(g.cpus), 'vCPU')}, {plural(g.writes, 'write')})" for g in guests[:8])
    more = f" and {len(guests) - 8} more" if len(guests) > 8 else ""
    return f"{trace.path}: several guests in this host trace: {named}{more}; choose one with --guest PID"


def guest_format_error(trace: ParsedTrace, guest: int | None) -> None:
    if guest is not None and not trace.spec.has_guests:
        raise TraceError(f"{trace.path}: --guest {guest}: a {trace.format} trace holds one machine (expected a KVM host's trace)")


def kernel_log(path: str | Path) -> LogReader:
    """`--dmesg LOG`: a file without one kernel log line (a README, an empty file) is bad input, not a log that names no fault."""
    log = read_log(path)
    if not log.kernel_lines:
        raise TraceError(
            f"--dmesg {path}: no kernel log line in it (expected {LOG_TEXT}: lines with printk's [seconds] stamp, "
            "journalctl's 'kernel:' tag or the 'Linux version' banner)"
        )
    return log


def import_trace(
    path: str | Path,
    partition: str | None = None,
    mshv: str | None = None,
    hypervisor: str | None = None,
    fmt: TraceFormat | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    dmesg: str | Path | None = None,
    guest: int | None = None,
    cpus: int | None = None,
    keep: int | None = None,
) -> TraceImport:
    """Read, attribute, infer and judge a trace whole; `dmesg` is the kernel log that shows which writes faulted; `keep`:
    the writes kept and judged (the rest counted; default parse.MAX_WRITES_KEPT, from a pipe STREAM_WRITES_KEPT)."""
    trace = parse_trace(path, fmt, progress, guest=guest, cpus=cpus, keep=keep)
    guest_format_error(trace, guest)
    mixed = several_guests(trace)
    if mixed:
        raise TraceError(mixed)
    if trace.log is not None:
        match_log(trace, trace.log)
    if dmesg is not None:
        match_log(trace, kernel_log(dmesg))
    version = use(mshv) if mshv else "v4"
    made: dict[str, Attributed] = {}  # attributions the guess made: the chosen partition's is used again
    chosen, why = choose_partition(trace, partition, get(version), made)
    config = session_config(partition=chosen, cpus=min(trace.ncpus, MAX_CPUS), mshv=version, hypervisor=hypervisor or trace.spec.profile)
    att = made.pop(chosen, None) or attribute(trace, config.partition_spec, config.version)
    made.clear()  # the guess's attribution for another partition: not kept through the replay
    actions = infer_actions(att.segments)
    config = replace(config, channel_cpus=channel_cpus(actions))  # the model replays the refusals the trace shows
    return TraceImport(trace, config, att, actions, replay_trace(att, actions, config), partition is None, why)
