"""The model's writes as the text a real machine would trace (`synic run --ftrace` / `--kvm-trace`).

Each write becomes one event line with a synthesised task, PID and a timestamp that grows with
every write; inside the partition a write the hypervisor refused ends in ` #GP` and is followed by
its kernel stack (the sequence's own functions, innermost first, then the action's outer frames).
On a KVM host there is no stack, and the guest CPU is `vcpu_id` (the host CPU column is arbitrary).
"""

from __future__ import annotations

from collections.abc import Iterator

from synic_core.model.actions import ACTIONS, ExportTask
from synic_core.model.engine import StepResult, Write
from synic_core.model.registers import REGISTERS
from synic_core.model.session import Session
from synic_core.model.vocabulary import TraceFormat, TraceLayout
from synic_core.traces.formats import (
    EXPORT_START_US,
    EXPORT_STEP_US,
    EXPORT_WRITE_US,
    FORMATS,
    FRAME_ADDRESS_BASE,
    GP_MARK,
    LAYOUTS,
)


def timestamp(us: int) -> str:
    """Seconds with microseconds, exact (no float rounding): 100000010 -> "100.000010"."""
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def stack_frames(source: str, task: ExportTask) -> tuple[str, ...]:
    """Innermost first: the sequence's functions ("hv_synic_init → hv_hyp_synic_enable_regs"), then the action's."""
    if task.frames:
        return task.frames
    own = tuple(reversed([part.strip() for part in source.split("→") if part.strip()]))
    return own + task.outer_frames


def export_lines(session: Session, fmt: TraceFormat = "ftrace", layout: TraceLayout = "ftrace", stacks: bool = True) -> Iterator[str]:
    """Every line of the trace, headers first; `stacks` only applies inside the partition (ftrace)."""
    spec = LAYOUTS[layout]
    entries = sum(len(s.writes) for s in session.history)
    ncpus = session.config.cpus
    for line in spec.header:
        yield line.format(entries=entries, ncpus=ncpus)
    clock = EXPORT_START_US
    for step in session.history:
        clock += EXPORT_STEP_US
        for w in step.writes:
            clock += EXPORT_WRITE_US
            yield from _write_lines(step, w, clock, fmt, layout, stacks and FORMATS[fmt].has_stacks, ncpus)


def _write_lines(step: StepResult, w: Write, us: int, fmt: TraceFormat, layout: TraceLayout, stacks: bool, ncpus: int) -> Iterator[str]:
    spec, form = LAYOUTS[layout], FORMATS[fmt]
    task = form.export_task or ACTIONS[step.action].export_task
    cpu = w.cpu if form.cpu_from == "column" else (w.cpu + 1) % ncpus  # a host's CPU is not the guest's
    where = {"task": task.name.format(cpu=w.cpu), "pid": task.pid + task.pid_per_cpu * w.cpu, "cpu": cpu}
    msr = REGISTERS[w.register].address(w.bank)
    gp = GP_MARK if w.rejected and form.shows_faults else ""
    payload = form.payload.format(msr=msr, value=w.attempted, gp=gp, cpu=w.cpu, host=0)
    event = form.event + ":"
    yield spec.event.format(**where, ts=timestamp(us), event=event, payload=payload)
    if stacks:
        yield spec.stack.format(**where, ts=timestamp(us + 1))
        for depth, fn in enumerate(stack_frames(w.source, task)):
            yield spec.frame.format(fn=fn, addr=FRAME_ADDRESS_BASE + 0x1000 * depth + len(fn))


def export_text(session: Session, fmt: TraceFormat = "ftrace", layout: TraceLayout = "ftrace", stacks: bool = True) -> str:
    return "".join(line + "\n" for line in export_lines(session, fmt, layout, stacks))
