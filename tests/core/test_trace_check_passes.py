"""`--check` compares each CPU's writes in passes (once the model has applied a window's actions): a pass stops at the
first pair that does not agree, and counts the unknown outcomes of the agreed pairs before it, none after."""

from __future__ import annotations

from synic_core.model.session import Session
from synic_core.model.vocabulary import ActionName
from synic_core.model.writes import Write
from synic_core.traces.attribute import STACK, WRITERS
from synic_core.traces.check import Conformance, TraceRecord
from synic_core.traces.formats import SLOTS
from synic_core.traces.infer import TraceAction
from synic_core.versions.registry import session_config

ACTIONS: tuple[ActionName, ...] = ("vmbus_load", "mshv_init", "kexec")
CONFIG = session_config(partition="l1vh", mshv="patch5-only", hypervisor="strict", cpus=4)  # its kexec refuses writes


def as_traced(writes: list[Write]) -> list[TraceRecord]:
    """The model's writes as a trace without #GP shows them (a refused write's outcome unknown), by stack."""
    return [(SLOTS.index((w.bank, w.register)), w.attempted, 0, WRITERS.index(w.component), STACK, n, 0) for n, w in enumerate(writes, 1)]


def model_writes() -> dict[int, list[Write]]:
    session = Session(CONFIG, keep_history=False, judge=False)
    out: dict[int, list[Write]] = {}
    for action in ACTIONS:
        for w in session.apply(action).writes:
            out.setdefault(w.cpu, []).append(w)
    return out


def test_a_pass_stops_at_the_first_difference_and_counts_unknown_outcomes_only_before_it() -> None:
    writes = model_writes()
    refused = [i for i, w in enumerate(writes[1]) if w.rejected]
    assert len(refused) >= 2  # one refused write before CPU 1's difference, the others after it
    apart = refused[1]
    conformance = Conformance(CONFIG)
    for cpu, ws in writes.items():
        records = as_traced(ws)
        if cpu == 1:
            t = records[apart]
            records[apart] = (t[0], t[1] ^ 1, *t[2:])  # bit 0 is compared in every register: the pair differs
        conformance.trace_records(cpu, records)
    conformance.replay([TraceAction(a, [0], [], "test") for a in ACTIONS])
    result = conformance.finish(4, 0, None)
    others = sum(w.rejected for cpu, ws in writes.items() if cpu != 1 for w in ws)
    assert result.unknown == others + 1  # CPU 1's first refused write, before the difference; none after it
    assert [v.divergence for v in result.cpus] == [None, apart + 1, None, None]
    run = conformance.runs[1]
    assert run.agreed == apart and run.predicted == len(writes[1]) and len(run.model) == len(run.trace) == 2
    assert all(conformance.runs[cpu].agreed == len(writes[cpu]) for cpu in (0, 2, 3))
