"""`synic trace FILE`: the answer first (CPUs grouped, findings grouped, the verdict); `--writes` lists every write.

Text from the file (task names, stack frames, the file's name) goes through `safe_text.visible()` and is printed
as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from synic_core.cli.console import console as make_console
from synic_core.cli.finding_text import COMPONENT_STYLE, SEVERITY_STYLE, finding_block
from synic_core.inputs.bad_input import InputError
from synic_core.model.findings import Finding
from synic_core.reports.formatting import cpus_text, grouped_findings, plural, summary_line
from synic_core.reports.safe_text import visible
from synic_core.traces.check import CheckResult, CpuVerdict, check_trace
from synic_core.traces.dmesg import LOG_KINDS
from synic_core.traces.load import TraceImport, import_trace
from synic_core.traces.parse import ParseStats
from synic_core.traces.reading import STDIN
from synic_core.traces.report import OLD_FROM_MODEL, exit_code, read_summary, write_json, write_row
from synic_core.traces.stream import TraceOptions, judge_trace
from synic_core.traces.summary import TraceSummary, summary_of, who

PROGRESS_FROM_BYTES = 50 << 20
"""Progress (bytes read, writes, rate) on standard error for traces at least this big, only on a terminal."""
PRINT_BATCH = 256
"""Write lines printed at once: one rich print per line is slow on big traces."""
ATTRIBUTION_STYLE = {"stack": "bold", "inferred": "italic", "unknown": "dim", "host": "magenta"}
SUMMARY_GROUPS = 12
"""CPU groups and finding groups the summary shows before saying how many more there are (it stays under 100 lines)."""
SUMMARY_ACTIONS = 12
EXIT_INTERRUPTED = 130  # 128 + SIGINT


@dataclass(frozen=True, slots=True)
class Narrow:
    """`--cpu N`, `--from TIME`, `--to TIME`: which writes the report covers."""

    cpu: int | None = None
    start: float | None = None
    end: float | None = None

    @property
    def any(self) -> bool:
        return self.cpu is not None or self.start is not None or self.end is not None

    def keeps(self, cpu: int, ts: float) -> bool:
        return (self.cpu is None or cpu == self.cpu) and (self.start is None or ts >= self.start) and (self.end is None or ts <= self.end)


@contextmanager
def progress_line(path: str, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A callback that rewrites one line on standard error (bytes read, writes, rate); None when piped, quiet or small."""
    try:
        size = os.stat(path).st_size if path != STDIN else 0
    except OSError:
        size = 0
    if quiet or size < PROGRESS_FROM_BYTES or not sys.stderr.isatty():
        yield None
        return
    start = time.perf_counter()

    def show(done: int, writes: int) -> None:
        rate = writes / max(time.perf_counter() - start, 1e-6)
        sys.stderr.write(f"\rreading trace: {done >> 20:,} of {size >> 20:,} MB, {plural(writes, 'SynIC write')}, {rate:,.0f} writes/s ")
        sys.stderr.flush()

    try:
        yield show
    finally:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def run(ns: argparse.Namespace) -> int:
    if getattr(ns, "dashboard", False):
        raise InputError(
            "trace --dashboard: a dashboard command: run it as `synic trace FILE --dashboard` (python -m synic_core has no dashboard)"
        )
    try:
        return _run(ns)
    except KeyboardInterrupt:  # Ctrl-C while reading a file or judging: nothing half-printed, no traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("synic: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(ns: argparse.Namespace) -> int:
    if ns.file == STDIN and not sys.stdin.isatty() and sys.stderr.isatty() and not ns.quiet:  # a live pipe may never end
        print("synic: reading the trace from standard input (Ctrl-C stops reading and reports)", file=sys.stderr)
    narrow = Narrow(ns.only_cpu, ns.start, ns.end)
    if narrow.start is not None and narrow.end is not None and narrow.start > narrow.end:
        raise InputError(f"--from {narrow.start:g} is after --to {narrow.end:g} (expected --from TIME at or before --to TIME)")
    options = TraceOptions(ns.partition, ns.mshv, ns.hypervisor, ns.format, ns.dmesg, ns.guest, ns.cpus, ns.check)
    whole = ns.writes or narrow.any  # every write listed: the trace is kept whole (up to parse.MAX_WRITES_KEPT)
    with progress_line(ns.file, ns.quiet or ns.json) as progress:
        if whole:
            ti = import_trace(
                ns.file, ns.partition, ns.mshv, ns.hypervisor, ns.format, progress, dmesg=ns.dmesg, guest=ns.guest, cpus=ns.cpus
            )
            summary, check = summary_of(ti), None
        else:
            ti, (summary, check) = None, judge_trace(ns.file, options, progress)
    if summary.trace.stats.interrupted:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the report of what was read comes next, whatever is pressed
    if ti is not None and ns.check:
        check = check_trace(ti.attributed, ti.actions, ti.config)
    if narrow.cpu is not None and narrow.cpu >= summary.ncpus:
        raise InputError(f"--cpu {narrow.cpu}: not in the trace ({cpus_text(list(range(summary.ncpus)))})")
    if ns.json:
        write_json(summary, check, ti if ns.writes else None, sys.stdout)
    else:
        console = make_console()
        print_summary(console, summary, check, narrow, ns.writes)
        if ti is not None:
            print_writes(console, ti, narrow)
    return EXIT_INTERRUPTED if summary.trace.stats.interrupted else exit_code(summary, check)


# -- the summary ------------------------------------------------------------------------------------
def print_summary(console: Console, summary: TraceSummary, check: CheckResult | None, narrow: Narrow, full: bool = False) -> None:
    console.print(head_line(summary))
    for line in read_summary(summary.trace.stats, summary.judged, summary.cpus) + summary.notes:
        console.print(Text(line))
    for line in log_lines(summary):
        console.print(Text(line))
    parts = (f"{n:,} by {how}" if how != "unknown" else f"{n:,} unknown" for how, n in summary.attribution.items() if n)
    console.print(Text("attributed: " + ", ".join(parts)))
    print_actions(console, summary)
    print_cpu_groups(console, summary, check, narrow)
    findings = [f for f in summary.findings if narrow.cpu is None or f.cpu in (None, narrow.cpu)]
    not_kept = summary.not_kept if narrow.cpu is None else {}
    print_finding_groups(console, findings, full, sum(not_kept.values()))
    if not_kept:
        counted = ", ".join(f"{n:,} {kind}" for (kind, _), n in not_kept.items())
        console.print(Text(f"  and after the first {len(findings):,}: {counted} (counted, not kept: memory stays bounded)"))
    severities = summary.severities(narrow.cpu)
    console.print(summary_line(severities), style="bold red" if severities["fault"] + severities["error"] else "bold green")
    if check is not None:
        print_verdict(console, check, summary.trace.stats)


def head_line(summary: TraceSummary) -> Text:
    cfg, trace = summary.config, summary.trace
    head = Text(visible(trace.path), "bold")
    guessed = f" ({summary.partition_why})" if summary.partition_guessed else ""
    host = f" (the host's header says {trace.host_cpus}: not the guest's)" if trace.host_cpus else ""
    guest = f"  guest {trace.guest}" if trace.guest is not None else ""
    head.append(
        f"  format {trace.format}{guest}  partition {cfg.partition}{guessed}  mshv {cfg.mshv}  hypervisor {cfg.hypervisor}  "
        f"cpus {cfg.cpus}{host}"
    )
    return head


def log_lines(summary: TraceSummary) -> list[str]:
    """What the kernel log showed, or why outcomes are unknown without one."""
    trace = summary.trace
    log = trace.log
    if log is None:
        if not trace.spec.shows_faults or summary.gp:
            return []
        return ["outcomes: unknown: a plain WRMSR is traced without #GP even when it faults; add --dmesg LOG to see which did"]
    where = "in the trace file" if log.path == trace.path else visible(log.path)
    matched = summary.matched
    out = [f"kernel log {where}: {plural(len(log.faults), 'unchecked WRMSR error')} on SynIC MSRs, {matched:,} matched to writes"]
    shown = summary.gp
    if log.kind == "none" and shown:  # the trace's own #GP: a checked write (wrmsr_safe) faults without a log line
        out.append(f"  no unchecked MSR access error on SynIC MSRs in the log; the trace's #GP shows {plural(shown, 'faulted write')}")
    else:
        out.append(f"  {LOG_KINDS[log.kind]}")
    out += [f"  line {f.line}: {f.describe()} matches no write of the trace" for f in trace.unmatched[:5]]
    if len(trace.unmatched) > 5:
        out.append(f"  and {len(trace.unmatched) - 5:,} more unmatched")
    return out


def print_actions(console: Console, summary: TraceSummary) -> None:
    console.print(Text("Inferred actions", "bold"))
    for k, a in enumerate(summary.actions[:SUMMARY_ACTIONS]):
        console.print(Text(f"  {k:>3} {a.action:<13} {cpus_text(a.cpus):<14} {a.why}"))
    if summary.action_count > SUMMARY_ACTIONS:
        listed = "--json lists them all" if not summary.actions_not_kept else f"--json lists the first {len(summary.actions):,}"
        console.print(Text(f"  and {summary.action_count - SUMMARY_ACTIONS:,} more ({listed})"))
    if not summary.actions:
        console.print(Text("  none: no run of writes matches a driver sequence of the model"))


def cpu_shapes(summary: TraceSummary, check: CheckResult | None, narrow: Narrow) -> dict[str, list[int]]:
    """CPUs that behave alike, by the line that describes them: their writes by writer, and their verdict."""
    verdicts: dict[int, CpuVerdict] = {v.cpu: v for v in check.cpus} if check else {}
    groups: dict[str, list[int]] = {}
    for cpu in range(summary.ncpus):
        if narrow.cpu is not None and cpu != narrow.cpu:
            continue
        by = summary.by_writer.get(cpu, {})
        line = plural(sum(by.values()), "write") + "".join(f", {name} {n:,}" for name, n in by.items())
        v = verdicts.get(cpu)
        if v is not None:
            line += f"; write {v.divergence}: {v.message.split(': ', 1)[1]}" if v.divergence is not None else f"; conforms to {v.version}"
        groups.setdefault(line, []).append(cpu)
    return groups


def print_cpu_groups(console: Console, summary: TraceSummary, check: CheckResult | None, narrow: Narrow) -> None:
    groups = sorted(cpu_shapes(summary, check, narrow).items(), key=lambda kv: kv[1][0])
    console.print(Text("CPUs", "bold"))
    for line, cpus in groups[:SUMMARY_GROUPS]:
        style = "red" if check is not None and "conforms" not in line else ""
        console.print(Text(f"  {cpus_text(cpus)}: {line}", style))
    if len(groups) > SUMMARY_GROUPS:
        rest = [c for _, cpus in groups[SUMMARY_GROUPS:] for c in cpus]
        console.print(Text(f"  and {plural(len(groups) - SUMMARY_GROUPS, 'more group')} on {cpus_text(rest)} (--cpu N shows one)"))


def print_finding_groups(console: Console, findings: list[Finding], full: bool, counted: int = 0) -> None:
    """Each group on one line (`--writes`: with what it models and its assumption); `counted`: findings past the kept
    ones, counted only."""
    if not findings:
        return
    groups = list(grouped_findings(findings))
    in_groups = f"in {plural(len(groups), 'group')}"
    kept = f"{plural(len(findings) + counted, 'finding')} (the first {len(findings):,} kept, {in_groups})"
    console.print(Text(f"Findings: {kept if counted else plural(len(findings), 'finding') + ' ' + in_groups}", "bold"))
    for first, count, cpus, message in groups if full else groups[:SUMMARY_GROUPS]:
        console.print(finding_block(first, count, cpus, message) if full else finding_line(first, count, cpus, message))
    if full:
        return
    if len(groups) > SUMMARY_GROUPS:
        rest: dict[str, int] = {}
        for first, count, _, _ in groups[SUMMARY_GROUPS:]:
            rest[first.kind] = rest.get(first.kind, 0) + count
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in rest.items())
        console.print(Text(f"  and {plural(len(groups) - SUMMARY_GROUPS, 'more group')} ({kinds} findings)"))
    console.print(Text("  --writes prints every finding with the kernel behaviour it models; --json too", "dim"))


def finding_line(f: Finding, count: int, cpus: str, message: str) -> Text:
    where = f"{f.register}.{f.field}" if f.register and f.field else (f.register or "")
    line = Text("  ")
    line.append(f"{f.severity:<8}", SEVERITY_STYLE[f.severity])
    line.append(f" {f.kind:<18}", "bold")
    line.append(f" step {f.step:<3} {('CPUs ' if count > 1 else 'CPU ') + cpus if cpus else '':<12} {where:<18} {message}")
    return line


def print_verdict(console: Console, check: CheckResult, stats: ParseStats) -> None:
    console.print(Text(f"Conformance to {check.version} ({check.profile} profile)", "bold"))
    for note in check.notes:
        console.print(Text(f"  {note}", "yellow"))
    if check.unknown:
        see = "add --dmesg LOG" if check.log is None else "the kernel log names no fault for them"
        said = f"  {plural(check.unknown, 'write')} the model refuses: the trace cannot tell whether they faulted (no #GP on a WRMSR); "
        console.print(Text(f"{said}{see}; compared by what the trace shows only", "yellow"))
    if check.cut:
        console.print(
            Text("  only the trace's first writes were judged (see 'not judged' above): each CPU is compared up to there", "yellow")
        )
    verdict = f"conforms to {check.version}" if check.conforms else f"diverges from {check.version}"
    seen = " (#GP)" if check.log is None else " (#GP or the kernel log)"
    faults = f"; the trace shows {plural(check.faults, 'faulted write')}{seen}" if check.faults else ""
    lost = stats.problems.get("lost_events", 0)
    incomplete = f" (as far as the trace shows: the ring buffer lost events {plural(lost, 'time')})" if lost else ""
    console.print(Text(verdict + faults + incomplete, "bold green" if check.exit_code() == 0 else "bold red"))


# -- every write ------------------------------------------------------------------------------------
def print_writes(console: Console, ti: TraceImport, narrow: Narrow) -> None:
    """Every write, CPU by CPU. To a terminal in colour; piped or to a file (no colour to add), the lines are written
    as plain text, without rich's rendering of each one (about ten times faster: a trace has hundreds of thousands)."""
    att = ti.attributed
    w = att.writes
    two_banks = len(ti.run.state.banks) > 1
    console.print(Text(OLD_FROM_MODEL, "dim"))
    empty: list[int] = []  # CPUs without a write to list: one line a run of them (a window on a trace of 256 CPUs)
    for cpu in range(att.ncpus):
        if narrow.cpu is not None and cpu != narrow.cpu:
            continue
        ranks = [r for r in att.per_cpu.get(cpu, ()) if narrow.keeps(cpu, w.ts[att.order[r]])]
        if not ranks:
            empty.append(cpu)
            continue
        _no_writes(console, empty, narrow)
        console.print(Text(f"CPU {cpu}: {plural(len(ranks), 'write')}", "bold"))
        for start in range(0, len(ranks), PRINT_BATCH):
            batch = [write_parts(ti, rank, two_banks) for rank in ranks[start : start + PRINT_BATCH]]
            if console.is_terminal:
                console.print(Text("\n").join(Text.assemble(*parts) for parts in batch), soft_wrap=True)
            else:
                console.file.write("".join("".join(text for text, _ in parts) + "\n" for parts in batch))
    _no_writes(console, empty, narrow)


def _no_writes(console: Console, empty: list[int], narrow: Narrow) -> None:
    """Say which CPUs (a run of them, emptied) have no write to list."""
    if empty:
        console.print(Text(f"{cpus_text(empty)}: no SynIC write in the trace{' there' if narrow.any else ''}", "bold"))
        empty.clear()


def write_parts(ti: TraceImport, rank: int, two_banks: bool) -> list[tuple[str, str]]:
    """One write's line as (text, style) parts; what the trace names (task, source) is made visible."""
    row = write_row(ti, rank)
    register = row["register"] + ("@" + row["bank"] if two_banks else "")
    parts = [
        (f"  {row['write']:>4}  {row['timestamp']:.6f}  {visible(row['task']):<16} ", ""),
        (f"{who(row['writer']):<10}", COMPONENT_STYLE.get(row["writer"] or "", "dim")),
        (f" {row['attribution']:<8}", ATTRIBUTION_STYLE[row["attribution"]]),
        (f" {register:<11} {row['old']:#x} → {row['value']:#x}", ""),
    ]
    if row["faulted"]:
        parts.append(("  #GP" if row["gp"] else f"  fault (log line {row['log_line']})", "reverse"))
    elif row["outcome_unknown"]:
        parts.append(("  ~ outcome unknown (the profile refuses it; no #GP, no log line)", "yellow"))
    if row["source"]:
        parts.append((f"  {visible(row['source'])}", "dim"))
    return parts
