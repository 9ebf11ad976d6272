"""Trace fixtures made from the model: export a built-in scenario, then edit the text as a test needs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from synic_core.model.session import Session
from synic_core.model.vocabulary import TraceFormat, TraceLayout
from synic_core.scenarios.scenario import load, replay
from synic_core.traces.attribute import WRITERS
from synic_core.traces.export import export_text
from synic_core.traces.formats import SLOTS
from synic_core.traces.load import TraceImport, import_trace

EVENT = re.compile(r"(write_msr|kvm_hv_synic_set_msr):")
TIMESTAMP = re.compile(r"\] (?:\S{5} )?(\d+\.\d{6}):")
CPU = re.compile(r"\[(\d{3})\]")

Row = tuple[int, str, str, int, bool]


def model(name: str) -> Session:
    return replay(load(name))


def exported(name: str, fmt: TraceFormat = "ftrace", layout: TraceLayout = "ftrace", stacks: bool = True) -> str:
    return export_text(model(name), fmt, layout, stacks)


def save(tmp_path: Path, text: str | bytes, name: str = "trace.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def split(text: str) -> tuple[list[str], list[list[str]]]:
    """(header lines, blocks): a block is one write's event line and the stack lines after it."""
    header: list[str] = []
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if EVENT.search(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            header.append(line)
    return header, blocks


def join(header: list[str], blocks: list[list[str]]) -> str:
    return "".join(line + "\n" for line in header + [line for block in blocks for line in block])


def block_cpu(block: list[str]) -> int:
    m = re.search(r"vcpu_id (\d+)", block[0]) or CPU.search(block[0])
    assert m is not None
    return int(m[1])


def restamp(blocks: list[list[str]], start_us: int = 100_000_000, step_us: int = 10) -> list[list[str]]:
    """New timestamps in the blocks' order (the stack line 1 µs after its event)."""
    out = []
    for k, block in enumerate(blocks):
        us = start_us + step_us * (k + 1)
        out.append([_stamp(line, us + (1 if j else 0)) for j, line in enumerate(block)])
    return out


def _stamp(line: str, us: int) -> str:
    m = TIMESTAMP.search(line)
    if m is None:
        return line
    return line[: m.start(1)] + f"{us // 1_000_000}.{us % 1_000_000:06d}" + line[m.end(1) :]


def model_rows(session: Session) -> list[Row]:
    return [(w.cpu, w.bank, w.register, w.attempted, w.rejected) for s in session.history for w in s.writes]


def trace_rows(ti: TraceImport) -> list[Row]:
    att = ti.attributed
    w = att.writes
    rows: list[Row] = []
    for i in att.order:
        bank, register = SLOTS[w.slot[i]]
        rows.append((w.cpu[i], bank, register, w.value[i], w.gp(i)))
    return rows


def model_writers(session: Session) -> list[str]:
    return [w.component for s in session.history for w in s.writes]


def trace_writers(ti: TraceImport) -> list[str | None]:
    return [WRITERS[k] for k in ti.attributed.writer]


def attributions(ti: TraceImport) -> set[str]:
    from synic_core.traces.attribute import ATTRIBUTIONS

    return {ATTRIBUTIONS[k] for k in ti.attributed.how}


def finding_keys(findings: object) -> Counter[tuple[object, ...]]:
    return Counter((f.kind, f.cpu, f.register, f.component) for f in findings)  # type: ignore[attr-defined]


def imported(path: Path, **kw: object) -> TraceImport:
    return import_trace(path, **kw)  # type: ignore[arg-type]


# -- kernel logs, in the kernel's own print formats (arch/x86/mm/extable.c ex_handler_msr, show_stack_regs) ------------
FAULT_AT = re.compile(r"write_msr: ([0-9a-f]+), value ([0-9a-f]+) #GP")


def log_stamp(us: int) -> str:
    """printk's `[%5lu.%06lu] `."""
    return f"[{us // 1_000_000:5d}.{us % 1_000_000:06d}] "


def fault_lines(msr: int, value: int, frames: list[str]) -> list[str]:
    """What a refused plain WRMSR prints: the unchecked MSR access error, then the call trace."""
    return [
        f"unchecked MSR access error: WRMSR to {msr:#x} (tried to write 0x{value >> 32:08x}{value & 0xFFFFFFFF:08x}) "
        "at rIP: 0xffffffff8a07c3c4 (native_write_msr+0x4/0x20)",
        "Call Trace:",
        " <TASK>",
        *[f" {fn}+0x58/0x90 [hv_vmbus]" if fn.startswith("hv_") else f" {fn}+0x11e/0x420" for fn in frames],
        " </TASK>",
    ]


def without_gp(blocks: list[list[str]]) -> tuple[list[list[str]], list[int]]:
    """The blocks as a real kernel traces them (a plain WRMSR never shows #GP), and the indexes of the blocks that had it."""
    had = [k for k, b in enumerate(blocks) if b[0].endswith(" #GP")]
    return [[b[0].removesuffix(" #GP"), *b[1:]] for b in blocks], had


def kernel_log(blocks: list[list[str]], faulted: list[int], *, stamps: bool = True, caller: bool = False) -> str:
    """A dmesg of one boot that printed the first refused write only (as current kernels do), among other messages."""
    k = faulted[0]
    m = TIMESTAMP.search(blocks[k][0])
    assert m is not None
    seconds, micros = m[1].split(".")
    us = int(seconds) * 1_000_000 + int(micros) + 3
    event = re.search(r"write_msr: ([0-9a-f]+), value ([0-9a-f]+)", blocks[k][0])
    assert event is not None
    frames = [line.split("=>", 1)[1].split()[0].split("+")[0] for line in blocks[k][1:] if "=>" in line]
    lines = [
        (0, "Linux version 6.15.0-synic (builder@host) (gcc 14.2.0) #1 SMP PREEMPT_DYNAMIC"),
        (1_000, "hv_vmbus: Vmbus version:5.3"),
        *[(us + j, text) for j, text in enumerate(fault_lines(int(event[1], 16), int(event[2], 16), frames))],
        (us + 100, "kexec_core: Starting new kernel"),
    ]
    pid = re.search(r"-(\d+)\s+\[", blocks[k][0])
    assert pid is not None
    out = []
    for at, text in lines:
        prefix = log_stamp(at).rstrip() if stamps else ""
        if caller:  # CONFIG_PRINTK_CALLER: `[%6s]`, T<pid> in a task (the cpuhp thread), C<cpu> outside one
            prefix += f"[{f'T{pid[1]}' if us <= at < us + 100 else 'T1':>6}]"
        out.append(f"{prefix} {text}" if prefix else text)
    return "".join(line + "\n" for line in out)
