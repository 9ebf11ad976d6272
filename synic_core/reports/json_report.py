"""The machine-readable result of a run (the `synic run --json` object)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from synic_core.model.engine import StepResult, Write
from synic_core.model.findings import SEVERITY_RANK
from synic_core.model.session import Session
from synic_core.scenarios.scenario import Scenario

FAILING = SEVERITY_RANK["error"]


def step_dict(step: StepResult) -> dict[str, Any]:
    return {
        "index": step.index,
        "action": step.action,
        "cpus": step.cpus,
        "writes": [w.to_dict() for w in step.writes],
        "findings": [f.to_dict() for f in step.findings],
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


def run_report(scenario: Scenario, session: Session) -> dict[str, Any]:
    return {
        "scenario": scenario.dump(),
        "steps": [step_dict(s) for s in session.history],
        "findings": [f.to_dict() for f in session.findings],
        "final": final_state(session),
        "summary": session.summary(),
    }


def write_json(scenario: Scenario, session: Session, out: TextIO) -> None:
    """One JSON object; compact for big machines, indented for small ones."""
    if len(session.state.cpus) > 64:
        out.writelines(compact_json(scenario, session))
    else:
        json.dump(run_report(scenario, session), out, indent=1)
    out.write("\n")


def compact_json(scenario: Scenario, session: Session) -> Iterator[str]:
    """`run_report` as compact JSON, a step at a time: the text `json.dump` would write, with C-speed encoding per part
    and the memory of one step (4096 CPUs x 100 steps is 1.6 million writes, 380 MB of JSON)."""
    yield f'{{"scenario": {json.dumps(scenario.dump())}, "steps": ['
    for i, step in enumerate(session.history):
        yield (", " if i else "") + step_json(step)
    yield f'], "findings": {json.dumps([f.to_dict() for f in session.findings])}'
    yield f', "final": {json.dumps(final_state(session))}, "summary": {json.dumps(session.summary())}}}'


def step_json(step: StepResult) -> str:
    """`json.dumps(step_dict(step))`, with the writes encoded directly (`write_json_text`)."""
    head = json.dumps({"index": step.index, "action": step.action, "cpus": step.cpus})
    findings = [f.to_dict() for f in step.findings]
    tail = json.dumps({"findings": findings, "notes": step.notes, "kernel_order": step.kernel_order, "refused": step.refused})
    return f'{head[:-1]}, "writes": [{", ".join(map(write_json_text, step.writes))}], {tail[1:]}'


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
