"""A plain-text dump of the grid and the findings: for screen readers, copy-paste and scripts."""

from __future__ import annotations

from collections.abc import Callable

from synic_core.model.columns import OUTCOME_UNKNOWN_GLYPH, SEVERITY_GLYPH, WRITER_GLYPH, columns_for
from synic_core.model.findings import SEVERITIES, SEVERITY_RANK, Finding
from synic_core.model.partitions import title
from synic_core.model.registers import REGISTERS
from synic_core.model.session import Session
from synic_core.reports.formatting import grouped_findings, summary_line
from synic_core.reports.safe_text import visible


def text_grid(session: Session, findings: list[Finding] | None = None, predicted: Callable[[Finding], bool] = lambda f: False) -> str:
    """Same columns and glyphs as the dashboard: value, last writer, strongest finding per cell. `predicted` tells a
    real trace's faults whose outcome is unknown (`traces.session.outcome_unknown`): `~` unless a fault was seen there."""
    st, cfg = session.state, session.config
    findings = session.findings if findings is None else findings
    worst: dict[tuple[int | None, str | None, str | None], int] = {}
    unknown: set[tuple[int | None, str | None, str | None]] = set()
    for f in findings:
        key = (f.cpu, f.bank, f.register)
        if predicted(f):
            unknown.add(key)
        else:
            worst[key] = max(worst.get(key, -1), SEVERITY_RANK[f.severity])
    cols = columns_for(cfg.partition_spec)
    head = "CPU  on V M  " + " ".join(f"{c.short}{chr(39) if c.bank == 'l0' else ''}.{c.label}".ljust(9) for c in cols)
    counts = session.summary()
    summary = summary_line(counts)
    if unknown:
        summary = summary.replace(
            f"faults {counts['fault']}", f"faults {counts['fault']} ({sum(map(predicted, findings))} outcome unknown)"
        )
    lines = [
        f"SynIC Lab: {cfg.partition}, mshv {cfg.mshv}, {cfg.hypervisor}, {cfg.cpus} CPUs, {len(session.history)} steps. {summary}",
        head,
    ]
    for cpu, cs in enumerate(st.cpus):
        flags = f"{'+' if cs.online else '-'}  {'V' if cs.vmbus else '.'} {'M' if cs.mshv else '.'}"
        cells = []
        for c in cols:
            bit = REGISTERS[c.register].field(c.field).get(st.get(cpu, c.bank, c.register))
            sev = worst.get((cpu, c.bank, c.register), -1)
            unknown_here = sev != SEVERITY_RANK["fault"] and (cpu, c.bank, c.register) in unknown  # a fault seen outranks it
            mark = OUTCOME_UNKNOWN_GLYPH if unknown_here else SEVERITY_GLYPH[SEVERITIES[sev]] if sev >= 0 else " "
            writer = WRITER_GLYPH.get(st.last_writer(cpu, c.bank, c.register), "?")
            cells.append(f"{'on' if c.live(bit) else 'off':<3} {writer}{mark}".ljust(9))
        lines.append(f"{cpu:>3}  {flags}  " + " ".join(cells))
    legend = "Legend: on/off, then who wrote last (V VMBus, M MSHV, · reset), then X fault ! error ? warning"
    if unknown:
        legend += ", ~ outcome unknown (the profile refuses a write the trace cannot tell faulted or not)"
    lines += ["", legend + ".", ""]
    lines += findings_text(findings, predicted) or ["No findings."]
    return visible("\n".join(lines) + "\n", keep_layout=True)  # sources and notes from files cannot drive a terminal


def findings_text(findings: list[Finding], predicted: Callable[[Finding], bool] = lambda f: False) -> list[str]:
    out = []
    unknown = [f for f in findings if predicted(f)]
    groups = (
        [*grouped_findings([f for f in findings if not predicted(f)]), *grouped_findings(unknown)]
        if unknown
        else grouped_findings(findings)
    )
    for f, _count, cpus, message in groups:
        where = f" {f.register}.{f.field}" if f.register and f.field else ""
        severity = "OUTCOME UNKNOWN" if unknown and predicted(f) else f.severity.upper()
        out.append(f"{severity} {f.kind} step {f.step}{' CPUs ' + cpus if cpus else ''}{where} by {title(f.component)}: {message}")
        if f.assumption:
            out.append(f"  assumption: {f.assumption}")
    return out
