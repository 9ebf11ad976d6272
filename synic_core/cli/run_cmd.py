"""`synic run NAME|FILE`: headless replay with a rich table or one JSON object."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from synic_core.cli.console import console as make_console
from synic_core.cli.finding_text import COMPONENT_STYLE, finding_block
from synic_core.model.findings import Finding
from synic_core.model.partitions import title
from synic_core.model.session import Session
from synic_core.reports.formatting import cpu_ranges, grouped_findings, summary_line
from synic_core.reports.json_report import exit_code
from synic_core.scenarios.compare import Difference, Side
from synic_core.scenarios.scenario import Scenario, builtin_names, load_builtin


def list_builtins() -> int:
    console = make_console()
    table = Table(title="Built-in scenarios (synic run NAME)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("partition / mshv")
    table.add_column("what it shows")
    for name in builtin_names():
        sc = load_builtin(name)
        table.add_row(name, f"{sc.partition} / {sc.mshv}", sc.title)
    console.print(table)
    return 0


def print_run_result(scenario: Scenario, session: Session, trace: bool) -> int:
    print_run(make_console(), scenario, session, trace)
    return exit_code(session)


def print_run(console: Console, scenario: Scenario, session: Session, trace: bool) -> None:
    head = Text(scenario.title or scenario.name or "scenario", style="bold")  # the file's text, never markup
    for label, value in (("partition", scenario.partition), ("mshv", scenario.mshv), ("hypervisor", scenario.hypervisor)):
        head.append(f"  {label} ").append(value, style="bold")
    head.append("  cpus ").append(str(scenario.cpus), style="bold")
    console.print(head.append("  channels on CPU ").append(",".join(map(str, scenario.channel_cpus)) or "none", style="bold"))
    console.print(steps_table(session))
    if trace:
        print_writes(console, session)
    if session.findings:
        print_findings(console, session.findings)
    counts = session.summary()
    console.print(summary_line(counts), style="bold red" if counts["fault"] + counts["error"] else "bold green")


def steps_table(session: Session) -> Table:
    table = Table(title="Steps", title_justify="left")
    for col in ("#", "action", "CPUs", "writes", "findings", "notes"):
        table.add_column(col, overflow="fold")
    for s in session.history:
        notes = "; ".join(s.notes)
        table.add_row(str(s.index), s.action, cpu_ranges(s.cpus), str(len(s.writes)), str(len(s.findings)), Text(notes))
    return table


def print_writes(console: Console, session: Session) -> None:
    """One line per MSR write, like a trace log: who wrote what, and from which kernel function."""
    two_banks = len(session.state.banks) > 1
    console.print("[bold]MSR writes[/]")
    for s in session.history:
        for w in s.writes:
            line = Text(f"{s.index:>3} cpu{w.cpu:<4} ")
            line.append(f"{title(w.component):<6}", COMPONENT_STYLE[w.component])
            line.append(f" {w.register + ('@' + w.bank if two_banks else ''):<9} {w.old:#x} → ")
            line.append("REJECTED" if w.rejected else f"{w.new:#x}", "reverse" if w.rejected else "")
            line.append(f"  [{','.join(w.changed) or '-'}]  ")
            line.append(w.source, "dim")
            console.print(line)


def print_findings(console: Console, findings: list[Finding]) -> None:
    console.print("[bold]Findings[/]")
    for first, count, cpus, message in grouped_findings(findings):
        console.print(finding_block(first, count, cpus, message))


def print_compare(scenario: Scenario, left: Side, right: Side, diffs: list[Difference]) -> None:
    console = make_console()
    head = scenario.title or scenario.name or "scenario"
    console.print(
        Text.assemble(
            (head, "bold"),  # the file's text, never markup
            f": {left.label} vs {right.label}, partition {scenario.partition}, {scenario.cpus} CPUs, {len(scenario.steps)} steps",
        )
    )
    table = Table(title="Findings by kind", title_justify="left")
    table.add_column("kind")
    table.add_column(Text(left.label), justify="right")  # labels may be file names: never markup
    table.add_column(Text(right.label), justify="right")
    ka, kb = left.kinds(), right.kinds()
    for kind in ka:
        if ka[kind] or kb[kind]:
            marker = "" if ka[kind] == kb[kind] else " ≠"
            table.add_row(kind + marker, str(ka[kind]), str(kb[kind]))
    console.print(table)
    for side in (left, right):
        console.print(Text(f"{side.label:<12} {summary_line(side.session.summary())}"))
    if not diffs:
        console.print("Final register values are identical.")
        return
    console.print("[bold]Final register values that differ[/]")
    for d in diffs:
        console.print(Text(f"  {d.register:<8} {d.bank}  CPUs {cpu_ranges(d.cpus):<8} {left.label}: {d.a:#x}  {right.label}: {d.b:#x}"))
