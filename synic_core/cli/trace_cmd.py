"""`synic trace FILE`: a real trace's writes per CPU with their writer, findings, and `--check` against a version.

Text from the file (task names, stack frames) is printed as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.text import Text

from synic_core.cli.console import console as make_console
from synic_core.cli.run_cmd import COMPONENT_STYLE, print_findings
from synic_core.inputs.bad_input import InputError
from synic_core.model.findings import summarize
from synic_core.reports.formatting import summary_line
from synic_core.traces.check import CheckResult, check_trace
from synic_core.traces.load import TraceImport, import_trace
from synic_core.traces.parse import STDIN, plural
from synic_core.traces.report import OLD_FROM_MODEL, attribution_counts, cpus_text, exit_code, read_summary, trace_report, who, write_row

PROGRESS_FROM_BYTES = 16 << 20
"""A progress bar (on stderr, only on a terminal) for files at least this big."""
PRINT_BATCH = 256
"""Write lines printed at once: one rich print per line is slow on big traces."""
ATTRIBUTION_STYLE = {"stack": "bold", "inferred": "italic", "unknown": "dim", "host": "magenta"}


@contextmanager
def progress_bar(path: str, quiet: bool) -> Iterator[Callable[[int], None] | None]:
    """A callback that moves a rich progress bar on stderr; None when stderr is not a terminal or the file is small."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0
    if quiet or size < PROGRESS_FROM_BYTES or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("reading trace"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("read", total=size)
        yield lambda done: bar.update(task, completed=done)


def run(ns: argparse.Namespace) -> int:
    if getattr(ns, "dashboard", False):
        raise InputError(
            "trace --dashboard: a dashboard command: run it as `synic trace FILE --dashboard` (python -m synic_core has no dashboard)"
        )
    if ns.file == STDIN and sys.stderr.isatty():  # a live pipe (trace_pipe) may never end by itself
        print("synic: reading the trace from standard input (Ctrl-C stops reading and reports)", file=sys.stderr)
    with progress_bar(ns.file, ns.json) as progress:
        ti = import_trace(ns.file, ns.partition, ns.mshv, ns.hypervisor, ns.format, progress)
    check = check_trace(ti.attributed, ti.actions, ti.config) if ns.check else None
    if ns.json:
        json.dump(trace_report(ti, check), sys.stdout, indent=None if len(ti.attributed.order) > 2000 else 1)
        sys.stdout.write("\n")
    else:
        print_trace(make_console(), ti, check, ns.check)
    return exit_code(ti, check)


def print_trace(console: Console, ti: TraceImport, check: CheckResult | None, brief: bool) -> None:
    cfg = ti.config
    head = Text(ti.trace.path, "bold")
    guessed = f" ({ti.partition_why})" if ti.partition_guessed else ""
    head.append(
        f"  format {ti.trace.format}  partition {cfg.partition}{guessed}  mshv {cfg.mshv}  hypervisor {cfg.hypervisor}  cpus {cfg.cpus}"
    )
    console.print(head)
    cpus = sorted(ti.attributed.per_cpu)
    for line in read_summary(ti.trace.stats, len(ti.attributed.order), cpus):
        console.print(Text(line))
    counts = attribution_counts(ti)
    parts = (f"{n} by {how}" if how != "unknown" else f"{n} unknown" for how, n in counts.items() if n)
    console.print(Text("attributed: " + ", ".join(parts)))
    print_actions(console, ti)
    if not brief:
        print_writes(console, ti)
    if check is not None:
        print_check(console, check)
        return
    if ti.run.findings:
        print_findings(console, ti.run.findings)
    severities = summarize(ti.run.findings)
    console.print(summary_line(severities), style="bold red" if severities["fault"] + severities["error"] else "bold green")


def print_actions(console: Console, ti: TraceImport) -> None:
    console.print(Text("Inferred actions", "bold"))
    for k, a in enumerate(ti.actions):
        console.print(Text(f"  {k:>3} {a.action:<13} {cpus_text(a.cpus):<14} {a.why}"))
    if not ti.actions:
        console.print(Text("  none: no run of writes matches a driver sequence of the model"))


def print_writes(console: Console, ti: TraceImport) -> None:
    att = ti.attributed
    two_banks = len(ti.run.state.banks) > 1
    console.print(Text(OLD_FROM_MODEL, "dim"))
    for cpu in range(att.ncpus):
        ranks = att.per_cpu.get(cpu)
        if not ranks:
            console.print(Text(f"CPU {cpu}: no SynIC write in the trace", "bold"))
            continue
        console.print(Text(f"CPU {cpu}: {plural(len(ranks), 'write')}", "bold"))
        for start in range(0, len(ranks), PRINT_BATCH):
            lines = Text("\n").join(write_line(ti, rank, two_banks) for rank in ranks[start : start + PRINT_BATCH])
            console.print(lines, soft_wrap=True)


def write_line(ti: TraceImport, rank: int, two_banks: bool) -> Text:
    row = write_row(ti, rank)
    register = row["register"] + ("@" + row["bank"] if two_banks else "")
    line = Text(f"  {row['write']:>4}  {row['timestamp']:.6f}  ")
    line.append(f"{row['task']:<16} ")
    line.append(f"{who(row['writer']):<10}", COMPONENT_STYLE.get(row["writer"] or "", "dim"))
    line.append(f" {row['attribution']:<8}", ATTRIBUTION_STYLE[row["attribution"]])
    line.append(f" {register:<11} {row['old']:#x} → {row['value']:#x}")
    if row["faulted"]:
        line.append("  #GP", "reverse")
    if row["source"]:
        line.append(f"  {row['source']}", "dim")
    return line


def print_check(console: Console, check: CheckResult) -> None:
    console.print(Text(f"Conformance to {check.version} ({check.profile} profile)", "bold"))
    for note in check.notes:
        console.print(Text(f"  {note}", "yellow"))
    for v in check.cpus:
        console.print(Text(f"  {v.message}", "green" if v.divergence is None else "red"))
    verdict = f"conforms to {check.version}" if check.conforms else f"diverges from {check.version}"
    faults = f"; the trace shows {plural(check.faults, 'faulted write')} (#GP)" if check.faults else ""
    console.print(Text(verdict + faults, "bold green" if check.exit_code() == 0 else "bold red"))
