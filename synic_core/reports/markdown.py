"""A Markdown report of a session: settings, steps, findings with explanations, final ownership."""

from __future__ import annotations

from collections import defaultdict

from synic_core.model.findings import Finding
from synic_core.model.partitions import title
from synic_core.model.registers import registers_in_bank
from synic_core.model.session import Session
from synic_core.reports.formatting import cpu_ranges, grouped_findings, summary_line
from synic_core.reports.safe_text import visible
from synic_core.scenarios.scenario import Scenario

SHOWN = ("SCONTROL", "SIMP", "SIEFP", "SIRBP", "SINT0", "SINT2", "SINT5")


def markdown_report(scenario: Scenario, session: Session) -> str:
    cfg = session.config
    out = [
        f"# SynIC Lab report{': ' + scenario.title if scenario.title else ''}",
        "",
        f"- partition **{cfg.partition}**, MSHV **{cfg.mshv}**, hypervisor **{cfg.hypervisor}**, **{cfg.cpus}** CPUs",
        f"- {summary_line(session.summary())}",
        "",
        "## Steps",
        "",
        "| # | action | CPUs | writes | findings | notes |",
        "|---|---|---|---|---|---|",
    ]
    for s in session.history:
        out.append(f"| {s.index} | `{s.action}` | {cpu_ranges(s.cpus)} | {len(s.writes)} | {len(s.findings)} | {'; '.join(s.notes)} |")
    out += ["", "## Findings", ""]
    out += findings_section(session.findings) or ["No findings."]
    out += ["", "## Final state and ownership", "", "| bank | register | owner | value | CPUs |", "|---|---|---|---|---|"]
    out += final_rows(session)
    out += [
        "",
        "Findings cite the kernel behaviour they model; *assumption* marks a modelling choice not read in a "
        "source (`synic ownership` lists them all).",
    ]
    return visible("\n".join(out) + "\n", keep_layout=True)  # titles, notes and sources from files cannot drive a terminal


def findings_section(findings: list[Finding]) -> list[str]:
    lines = []
    for f, _count, cpus, message in grouped_findings(findings):
        where = f" · {f.register}.{f.field}" if f.register and f.field else ""
        lines.append(
            f"- **{f.severity}** `{f.kind}` · step {f.step}{' · CPUs ' + cpus if cpus else ''}{where} · "
            f"by {title(f.component)} · owner {title(f.owner)}  "
        )
        lines.append(f"  {message}  ")
        lines.append(f"  *models:* {f.cites}" + ("  " if f.assumption else ""))
        if f.assumption:
            lines.append(f"  *assumption:* {f.assumption}")
    return lines


def final_rows(session: Session) -> list[str]:
    st, part = session.state, session.config.partition_spec
    rows = []
    for bank in st.banks:
        for reg in (r for r in SHOWN if r in registers_in_bank(bank)):
            by_value: dict[int, list[int]] = defaultdict(list)
            for cpu in range(st.ncpus):
                by_value[st.get(cpu, bank, reg)].append(cpu)
            for value, cpus in sorted(by_value.items()):
                rows.append(f"| {bank} | {reg} | {title(part.owner(bank, reg))} | `{value:#x}` | {cpu_ranges(cpus)} |")
    return rows
