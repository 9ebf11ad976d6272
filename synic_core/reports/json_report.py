"""The machine-readable result of a run (the `synic run --json` object), written a step at a time.

The object: `scenario` (as loaded), `steps` (one entry per step: index, action, CPUs, how many writes
and findings, notes, kernel order, refused; each write only with `--trace`), `findings` grouped as
the tables show them (one entry per step x kind x register x message, its CPUs as ranges "0-4095"
and their `count`), `final` (every CPU's registers) and `summary` (findings per severity).

`stream_run` replays and writes together, keeping one step's writes and findings in memory at a
time: 4096 CPUs x 100 steps is tens of MB of JSON and a bounded process, not gigabytes. The text is
assembled in an anonymous temporary file and copied out at the end, so bad input found halfway
(exit 2) writes nothing on standard output, and an interrupted run leaves no file behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from synic_core.model.engine import StepResult, Write
from synic_core.model.findings import SEVERITIES, SEVERITY_RANK, Finding
from synic_core.model.session import Session, collector_paused
from synic_core.reports.formatting import grouped_findings
from synic_core.scenarios.scenario import Scenario, apply_step

FAILING = SEVERITY_RANK["error"]


def finding_groups(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Findings as the tables group them: one entry per step x kind x register x message, with its CPUs."""
    out = []
    for first, count, cpus, message in grouped_findings(list(findings)):
        entry = first.to_dict()
        del entry["cpu"]
        out.append(entry | {"message": message, "cpus": cpus, "count": count})
    return out


def step_dict(step: StepResult, writes: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"index": step.index, "action": step.action, "cpus": step.cpus, "write_count": len(step.writes)}
    if writes:
        out["writes"] = [w.to_dict() for w in step.writes]
    return out | {
        "finding_count": len(step.findings),
        "notes": step.notes,
        "kernel_order": step.kernel_order,
        "refused": step.refused,
    }


def final_state(session: Session) -> dict[str, Any]:
    st = session.state
    return {
        str(cpu): {
            "online": cs.online,
            "vmbus": cs.vmbus,
            "mshv": cs.mshv,
            "channels": cs.channels,
            "registers": {bank: st.registers_dict(cpu, bank) for bank in st.banks},
        }
        for cpu, cs in enumerate(st.cpus)
    }


def run_report(scenario: Scenario, session: Session, writes: bool = True) -> dict[str, Any]:
    """The whole object for a session in memory (the dashboard's JSON export: with every write)."""
    return {
        "scenario": scenario.dump(),
        "steps": [step_dict(s, writes) for s in session.history],
        "findings": finding_groups(session.findings),
        "final": final_state(session),
        "summary": session.summary(),
    }


@collector_paused()
def stream_run(scenario: Scenario, source: str, out: TextIO, writes: bool = False) -> int:
    """Replay `scenario` and write its report, a step at a time; the exit code (0, or 1 for errors and faults)."""
    session = Session(scenario.config())
    groups: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as body:
        body.write(f'{{"scenario": {json.dumps(scenario.dump())}, "steps": [')
        for i in range(len(scenario.steps)):
            step = apply_step(session, scenario, i, source)
            body.write((", " if i else "") + step_json(step, writes))
            groups += finding_groups(step.findings)
            counts.update(f.severity for f in step.findings)
            step.writes.clear()  # written: the history keeps the step, not its records
            step.findings.clear()
        summary = {s: counts[s] for s in SEVERITIES}
        body.write(
            f'], "findings": {json.dumps(groups)}, "final": {json.dumps(final_state(session))}, "summary": {json.dumps(summary)}}}\n'
        )
        body.seek(0)
        shutil.copyfileobj(body, out)
    return int(any(counts[s] for s in SEVERITIES if SEVERITY_RANK[s] >= FAILING))


def step_json(step: StepResult, writes: bool) -> str:
    """`json.dumps(step_dict(step, writes))`, with the writes encoded directly (`write_json_text`)."""
    head = json.dumps({"index": step.index, "action": step.action, "cpus": step.cpus, "write_count": len(step.writes)})
    listed = f', "writes": [{", ".join(map(write_json_text, step.writes))}]' if writes else ""
    tail = json.dumps(
        {"finding_count": len(step.findings), "notes": step.notes, "kernel_order": step.kernel_order, "refused": step.refused}
    )
    return f"{head[:-1]}{listed}, {tail[1:]}"


def write_json_text(w: Write) -> str:
    """`json.dumps(w.to_dict())`, built from the values: the C encoder's time is mostly making a dict per write, and
    a run can hold millions of writes. Its texts (bank, register, source, changed fields) are a handful, encoded once."""
    text = _json_text
    return (
        f'{{"cpu": {w.cpu}, "bank": {text(w.bank)}, "component": {text(w.component)}, "register": {text(w.register)}, '
        f'"old": {w.old}, "new": {w.new}, "attempted": {w.attempted}, "changed": {text(w.changed)}, '
        f'"rejected": {"true" if w.rejected else "false"}, "source": {text(w.source)}}}'
    )


_JSON_TEXTS: dict[str | tuple[str, ...], str] = {}


def _json_text(value: str | tuple[str, ...]) -> str:
    encoded = _JSON_TEXTS.get(value)
    if encoded is None:
        encoded = _JSON_TEXTS[value] = json.dumps(list(value) if isinstance(value, tuple) else value)
    return encoded


def exit_code(session: Session) -> int:
    """0 when no finding is an error or a fault, 1 otherwise."""
    return int(any(SEVERITY_RANK[f.severity] >= FAILING for f in session.findings))
