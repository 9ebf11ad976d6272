"""Sessions built and inspected the same way across the model tests."""

from __future__ import annotations

import copy

from synic_core import Session
from synic_core.model.state import MachineState
from synic_core.model.writes import Write
from synic_core.versions.registry import session_config

STANDARD = ("vmbus_load", "mshv_init", "kexec")


def run(partition: str, mshv: str, actions=STANDARD, hypervisor: str = "strict", cpus: int = 4) -> Session:
    s = Session(session_config(partition=partition, mshv=mshv, hypervisor=hypervisor, cpus=cpus))
    for a in actions:
        if isinstance(a, tuple):
            s.apply(*a)
        else:
            s.apply(a)
    return s


def kinds(session: Session, **where: object) -> set[tuple[str, str | None, str | None]]:
    return {(f.kind, f.register, f.component) for f in session.findings if all(getattr(f, k) == v for k, v in where.items())}


def order(step, cpu: int = 0) -> list[tuple[str, str]]:
    return [(w.component, w.register) for w in step.writes if w.cpu == cpu]


def state_snapshot(state: MachineState) -> tuple[object, ...]:
    """Everything a step can change, as comparable values (undo, replay and time travel must restore exactly this)."""
    st = copy.deepcopy(state)
    return (
        st.regs,
        st.writer,
        st.scontrol_dropped,
        [(c.online, c.vmbus, c.mshv) for c in st.cpus],
        st.drivers,
        {f: (p.owner, p.freed, p.boot) for f, p in st.pages.items()},
        st.vmbus_pages,
        st.missing,
        st.boot,
        st.next_frame,
    )


def write_facts(w: Write) -> tuple[object, ...]:
    """Every field of a write, to compare two sessions' writes."""
    return (w.index, w.cpu, w.bank, w.component, w.register, w.old, w.new, w.attempted, w.rejected, w.source)
