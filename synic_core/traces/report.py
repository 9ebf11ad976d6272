"""A trace import as plain data (`synic trace --json`) and as the sentences the CLI prints."""

from __future__ import annotations

import json
from typing import Any, TextIO

from synic_core.reports.formatting import cpus_text, plural
from synic_core.traces.attribute import ATTRIBUTIONS, WRITERS
from synic_core.traces.check import CheckResult
from synic_core.traces.formats import MSR_OF_SLOT, SLOTS
from synic_core.traces.load import TraceImport
from synic_core.traces.parse import OTHER_EVENTS, PROBLEMS, ParseStats
from synic_core.traces.summary import TraceSummary


def write_row(ti: TraceImport, rank: int) -> dict[str, Any]:
    att = ti.attributed
    w = att.writes
    i = att.order[rank]
    bank, register = SLOTS[w.slot[i]]
    return {
        "cpu": w.cpu[i],
        "write": att.position(rank),
        "line": w.line[i],
        "timestamp": w.ts[i],
        "task": w.tasks[w.task[i]],
        "msr": MSR_OF_SLOT[w.slot[i]],
        "bank": bank,
        "register": register,
        "old": ti.run.old[rank],
        "old_from_model": True,  # a trace records only the value written; the value before is the model's
        "value": w.value[i],
        "faulted": w.faulted(i),  # observed: #GP in the trace, or the kernel log names it; otherwise unknown
        "gp": w.gp(i),
        "outcome_unknown": rank in ti.run.unknown,  # the profile refuses it; no #GP and no log line shows how it ended
        "log_line": w.log_line.get(i),
        "host": w.host(i),
        "writer": WRITERS[att.writer[rank]],
        "attribution": ATTRIBUTIONS[att.how[rank]],
        "source": att.source[rank],
        "stack": list(w.stacks[w.stack[i]]),
        "action": ti.run.step[rank],
    }


LOSSY = ("lost_events", "truncated", "not_utf8", "overlong", "too_wide")
"""Skipped lines that may have held a SynIC write."""
OLD_FROM_MODEL = "before → after: the value before each write is the model's (a trace records only the value written)"


def read_summary(st: ParseStats, writes: int, cpus: list[int]) -> list[str]:
    """What was read and what was skipped, as sentences."""
    judged = f" (the first {writes:,} judged)" if st.not_kept else ""
    cpus = sorted({*cpus, *st.not_kept})
    lines = [
        f"read {plural(st.lines, 'line')} ({plural(st.bytes, 'byte')}): {plural(st.writes, 'SynIC write')}{judged} on {cpus_text(cpus)}"
    ]
    counted = []
    if st.eom:
        counted.append(f"{plural(st.eom, 'EOM write')} (end-of-message signals, no register change)")
    if st.headers:
        counted.append(plural(st.headers, "header line"))
    if st.stack_frames:
        counted.append(plural(st.stack_frames, "stack frame"))
    if counted:
        lines.append("counted: " + ", ".join(counted))
    events = sorted(st.other_events.items(), key=lambda kv: -kv[1])
    skipped = [plural(n, "other event") if name == OTHER_EVENTS else f"{n:,} {name}" for name, n in events]
    if st.other_msrs:
        skipped.append(f"{plural(st.other_msrs, 'write')} to other MSRs")
    if st.read_only:
        skipped.append(f"{plural(st.read_only, 'write')} to the read-only SVERSION")
    skipped += [f"{plural(n, 'line')} {PROBLEMS[k]} (first at line {st.first[k]})" for k, n in st.problems.items()]  # type: ignore[index]
    if skipped:
        lines.append("skipped: " + ", ".join(skipped))
    if any(kind in st.problems for kind in LOSSY):
        lines.append("  a SynIC write lost in a skipped line can change what is inferred below (a module load seen on fewer CPUs)")
    if st.log_lines:
        counted_log = f"{plural(st.log_lines, 'kernel log line')} in the trace file (a console capture): read for faults"
        lines.append(counted_log)
    if st.other_guests:
        lines.append(f"left out: {plural(st.other_guests, 'write')} of other guests (--guest chose one)")
    if st.not_kept:
        late = sum(st.not_kept.values())
        lines.append(
            f"not judged: the {plural(late, 'write')} after the first {st.writes - late:,} (not kept, so that memory stays bounded), "
            f"counted on {cpus_text(sorted(st.not_kept))}"
        )
    if st.out_of_order:
        lines.append(f"{plural(st.out_of_order, 'event')} out of timestamp order; the writes are taken in timestamp order")
    if st.interrupted:
        lines.append(f"stopped by Ctrl-C after line {st.lines:,}: this report covers the trace up to there")
    return lines


def action_rows(summary: TraceSummary) -> list[dict[str, Any]]:
    return [{"index": k, "action": a.action, "cpus": a.cpus, "why": a.why, "lines": list(a.lines)} for k, a in enumerate(summary.actions)]


def exit_code(summary: TraceSummary, check: CheckResult | None) -> int:
    if check is not None:
        return check.exit_code()
    severities = summary.severities()
    return int(severities["error"] + severities["fault"] > 0)


def trace_report(summary: TraceSummary, check: CheckResult | None) -> dict[str, Any]:
    cfg = summary.config
    trace = summary.trace
    st = trace.stats
    return {
        "file": trace.path,
        "format": trace.format,
        "partition": cfg.partition,
        "partition_from": summary.partition_why,  # "given", "guessed from the trace: …" or "default: …"
        "mshv": cfg.mshv,
        "hypervisor": cfg.hypervisor,
        "cpus": cfg.cpus,
        "read": {
            "lines": st.lines,
            "bytes": st.bytes,
            "writes": st.writes,
            "eom": st.eom,
            "headers": st.headers,
            "other_msrs": st.other_msrs,
            "read_only": st.read_only,
            "other_events": st.other_events,
            "problems": st.problems,
            "first_line": st.first,
            "out_of_order": st.out_of_order,
            "log_lines": st.log_lines,
            "other_guests": st.other_guests,
            "not_judged": sum(st.not_kept.values()),
        },
        "host_cpus": trace.host_cpus,
        "guest": trace.guest,
        "guests": [{"pid": g.pid, "cpus": sorted(g.cpus), "writes": g.writes} for g in trace.guests],
        "notes": summary.notes,  # what reading the trace in windows changed (a CPU first seen late, a window judged whole)
        "log": log_report(summary),
        "attribution": dict(summary.attribution),
        "actions": action_rows(summary),
        "actions_not_kept": summary.actions_not_kept,  # past the first 1,000 actions: counted by name
        "findings": [f.to_dict() for f in summary.findings],
        "findings_not_kept": [{"kind": kind, "severity": severity, "count": n} for (kind, severity), n in summary.not_kept.items()],
        "summary": summary.severities(),
        "check": check.to_dict() if check else None,
    }


def write_json(summary: TraceSummary, check: CheckResult | None, ti: TraceImport | None, out: TextIO) -> None:
    """The report as one JSON object; with the whole trace `ti` (--writes), its "writes" list is written row by row,
    never held whole."""
    report = json.dumps(trace_report(summary, check))
    if ti is None:
        out.write(report + "\n")
        return
    out.write(report[:-1] + ', "writes": [')
    for rank in range(len(ti.attributed.order)):
        out.write(("," if rank else "") + json.dumps(write_row(ti, rank)))
    out.write("]}\n")


def log_report(summary: TraceSummary) -> dict[str, Any] | None:
    log = summary.trace.log
    if log is None:
        return None
    return {
        "file": log.path,
        "kind": log.kind,
        "faults": len(log.faults),
        "matched": summary.matched,
        "unmatched": [{"line": f.line, "msr": f.msr, "value": f.value} for f in summary.trace.unmatched],
    }
