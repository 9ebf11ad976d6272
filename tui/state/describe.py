"""Text for the panels: the inspector, finding lines, trace lines, the status line, the legend.

Returns rich `Text`; no widgets here, so the wording is testable on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.text import Text

from synic_core import Finding, Write
from synic_core.model.columns import OUTCOME_UNKNOWN_GLYPH, SEVERITY_GLYPH, Column
from synic_core.model.findings import SEVERITY_RANK
from synic_core.model.partitions import title
from synic_core.model.registers import BANK_TITLES, REGISTERS
from synic_core.reports.formatting import cpu_ranges, plural, summary_line
from synic_core.traces.formats import frame_name
from synic_core.traces.report import OLD_FROM_MODEL
from synic_core.traces.session import TraceSession, TraceWrite
from tui.state.display import Display

Palette = Mapping[str, str]  # the app's theme variables (tui/themes.py), or themes.VARIABLES for markup


def severity_style(severity: str, p: Palette) -> str:
    return {
        "info": "cyan",
        "warning": p["synic-warning-text"],
        "error": f"bold {p['synic-error-text']}",
        "fault": f"bold #000000 on {p['synic-fault']}",
    }[severity]


OUTCOME_UNKNOWN = "outcome unknown"
"""What a trace's write says when the profile refuses it and nothing shows whether it faulted (docs/traces.md)."""


def unknown_style(p: Palette) -> str:
    return f"bold on {p['synic-unknown']}"


def severity_mark(f: Finding, p: Palette, predicted: bool = False) -> tuple[str, str]:
    """(the glyph and label before a finding, its style): a predicted fault of a trace says "outcome unknown"."""
    if predicted:
        return f"{OUTCOME_UNKNOWN_GLYPH} {OUTCOME_UNKNOWN}", unknown_style(p)
    return f"{SEVERITY_GLYPH[f.severity]} {f.severity:<7}", severity_style(f.severity, p)


def writer_style(component: str | None, p: Palette) -> str:
    return {"vmbus": p["synic-vmbus"], "mshv": p["synic-mshv"], "reset": "dim", "hypervisor": "magenta"}.get(component or "", "")


def finding_line(f: Finding, p: Palette, predicted: bool = False) -> Text:
    where = f"CPU {f.cpu} " if f.cpu is not None else ""
    reg = f"{f.register}.{f.field} " if f.register and f.field else (f"{f.register} " if f.register else "")
    text = Text()
    text.append(*severity_mark(f, p, predicted))
    text.append(f" {f.kind}", "bold")
    text.append(f"  step {f.step} {where}{reg}\n")
    text.append(f"  {f.message}")
    return text


def finding_detail(f: Finding, p: Palette, predicted: bool = False) -> Text:
    text = finding_line(f, p, predicted)
    text.append(f"\n  models: {f.cites}", "dim")
    if f.assumption:
        text.append(f"\n  assumption: {f.assumption}", f"italic {p['synic-warning-text']}")
    return text


def trace_line(step: int, w: Write, p: Palette) -> Text:
    """One write. A real one's attribution, timestamp and task come after its values, so that a narrow
    panel cuts the task, never the register, the values or the #GP; a faulted real write is marked whole."""
    line = Text(f"{step:>2} cpu{w.cpu:<3} ")
    line.append(f"{title(w.component):<5}", writer_style(w.component, p))
    line.append(f" {w.register:<8}{'@L0' if w.bank == 'l0' else ''} {w.old:#x}→")
    if not isinstance(w, TraceWrite):
        line.append("REJECTED" if w.rejected else f"{w.new:#x}", f"reverse {p['synic-error-text']}" if w.rejected else "")
        return line
    seen = " #GP" if w.log_line is None else f" #GP (log line {w.log_line})"  # the kernel log's error, matched to it
    line.append(f"{w.attempted:#x}{seen}" if w.rejected else f"{w.new:#x}", "bold" if w.rejected else "")
    if w.outcome_unknown:  # refused by the profile, not seen to fault: right after the value, so a narrow panel keeps it
        line.append(f" {OUTCOME_UNKNOWN_GLYPH}", unknown_style(p))
    line.append(f"  {w.attribution}", "dim" if w.attribution == "unknown" else "italic")
    line.append(f"  {w.timestamp:.6f} {w.task}", "dim")  # file text, as it is: the panel's edge cuts it
    if w.rejected:
        line.stylize(f"reverse {p['synic-error-text']}")
    return line


def opened_trace(session: TraceSession) -> tuple[str, str]:
    """(title, message) of the toast when a trace is opened: what is in it and what can be done with it."""
    ti = session.imported
    c = session.config
    writes = len(ti.attributed.order)
    cpus = sorted(ti.attributed.per_cpu)
    steps = len(session.history)
    read = ti.trace.stats.writes
    first = f"the first {plural(writes, 'SynIC write')} of {read:,} (synic trace FILE judges them all)" if read > writes else ""
    message = (
        f"{first or plural(writes, 'SynIC write')} on {plural(len(cpus), 'CPU')}, {plural(steps, 'inferred action')}; "
        f"partition {c.partition} ({ti.partition_why}), mshv {c.mshv}, {c.hypervisor}. "
        "p plays it from the start; s replays it in the model under another version."
    )
    return f"Opened trace {Path(ti.trace.path).name} (read-only)", message


def stack_text(w: TraceWrite) -> Text:
    """The kernel stack the trace recorded for a write, innermost first (file text: never markup)."""
    text = Text(f"write {w.number} on CPU {w.cpu}, trace line {w.line}: {w.attribution}", "bold")
    text.append(f"\n  task {w.task}  at {w.timestamp:.6f}")
    if not w.stack:
        text.append("\n  no stack in the trace", "dim")
    for frame in w.stack:
        text.append(f"\n  => {frame}", "bold" if frame_name(frame) == w.source else "")
    return text


def inspector(display: Display, cpu: int, col: Column, p: Palette) -> Text:
    session = display.session
    reg = REGISTERS[col.register]
    value = display.value(cpu, col.bank, col.register)
    owner = session.config.partition_spec.owner(col.bank, col.register)
    writer = display.last_writer(cpu, col.bank, col.register)
    field = reg.field(col.field)
    text = Text()
    text.append(f"{col.register}.{col.field}", "bold")
    text.append(f"  CPU {cpu}  {reg.address(col.bank):#x} {BANK_TITLES[col.bank]}\n")
    if display.cpus[cpu].channels:
        text.append(channels_note(cpu))
    text.append(f"{reg.summary}\n", "dim")
    text.append(f"{col.field}: {field.meaning}\n")
    text.append(f"value {value:#x}\n")
    for name, v in reg.decode(value).items():
        if not name.startswith(("reserved", "preserved")):
            text.append(f"  {name} = {v:#x}\n" if name == "frame" else f"  {name} = {v}\n")
    text.append("owner ")
    text.append(title(owner), writer_style(owner, p))
    text.append("  last writer ")
    text.append(title(writer), writer_style(writer, p))
    text.append("\n")
    history = display.cell_writes(cpu, col.bank, col.register)
    if history:
        text.append("writes:\n", "bold")
        for step, w in history[-6:]:
            text.append_text(trace_line(step, w, p))
            text.append("\n")
        last = history[-1][1]
        if isinstance(last, TraceWrite):
            text.append(f"{OLD_FROM_MODEL}\n", "dim italic")
            if last.outcome_unknown:
                text.append(f"{OUTCOME_UNKNOWN_GLYPH} {OUTCOME_UNKNOWN}", unknown_style(p))
                text.append(f": {UNKNOWN_LAST_WRITE}\n")
            text.append_text(stack_text(last))
            text.append("\n")
    for f in reversed(display.cell_findings(cpu, col.bank, col.register)):  # newest first
        text.append_text(finding_detail(f, p, display.outcome_unknown(f)))
        text.append("\n")
    return text


UNKNOWN_LAST_WRITE = (
    "the profile refuses this write, but the trace does not show whether it faulted (a plain WRMSR is traced the same "
    "either way; add --dmesg LOG to match the kernel log's error). The value and the last writer shown assume it went through."
)


def channels_note(cpu: int) -> str:
    """The inspector's line about channels bound to a CPU. CPU 0 never goes offline on x86, and M moves channels
    to it, so there it says neither (docs/kernel-facts.md#cpu-hotplug-on-x86)."""
    if cpu == 0:
        return "VMBus channels are bound to CPU 0 (M moves other CPUs' channels here)\n"
    return f"VMBus channels are bound to CPU {cpu}: it cannot go offline while VMBus is connected (M moves them)\n"


TRACE_NAME_CHARS = 14
"""The most of a trace file's name the status line shows: a long name would push the step and settings out of view."""


def trace_name(path: str) -> str:
    """The trace file's name for the status line, its middle cut to TRACE_NAME_CHARS (both ends tell files apart)."""
    name = Path(path).name
    if len(name) <= TRACE_NAME_CHARS:
        return name
    tail = (TRACE_NAME_CHARS - 1) // 2
    return f"{name[: TRACE_NAME_CHARS - 1 - tail]}…{name[-tail:]}"


def _channel_cpus(display: Display) -> tuple[int, ...]:
    """Where the VMBus channels are now (M moves them); a trace's machine binds none, so for a trace the CPUs the import
    inferred (CPU 0, and each CPU whose offline the trace shows rolled back)."""
    if isinstance(display.session, TraceSession):
        return tuple(display.session.config.channel_cpus)
    return tuple(i for i, c in enumerate(display.cpus) if c.channels)


def status_line(display: Display, playback: str, p: Palette) -> Text:
    """By priority, so a narrow terminal cuts the least useful part (with an ellipsis): counts, playback,
    the step, the settings, and last what the latest step left behind."""
    cfg = display.session.config
    counts = display.counts()
    bad = counts["fault"] + counts["error"]
    text = Text(" ", no_wrap=True, overflow="ellipsis")
    text.append(counts_text(display).removesuffix(f"  info {counts['info']}"), f"bold {p['synic-error-text']}" if bad else "bold")
    text.append(f" │ {playback}", "bold" if display.playing else "")
    settings = f"{cfg.partition} · {cfg.mshv} · {cfg.hypervisor} · {cfg.cpus} CPUs"
    channels = _channel_cpus(display)
    if channels != (0,):  # the default goes unsaid
        settings += f" · channels on {cpu_ranges(channels) or 'no CPU'}"
    if isinstance(display.session, TraceSession):  # a real trace, not a simulation: say which file
        text.append(f" │ trace {trace_name(display.session.imported.trace.path)} ·", "bold")
        text.append(f" {shown_step(display)} · {settings}")
    else:
        text.append(f" │ {shown_step(display)} · {settings}")
    last = last_step_kinds(display)
    if last:
        text.append(f" │ {last}", "bold")
    return text


def counts_text(display: Display) -> str:
    """`faults N  errors N  warnings N  info N`; a trace's predicted faults are counted apart: `faults 12 (12 outcome unknown)`."""
    counts, unknown = display.counts(), display.outcome_unknown_count()
    summary = summary_line(counts)
    return (
        summary.replace(f"faults {counts['fault']}", f"faults {counts['fault']} ({unknown} {OUTCOME_UNKNOWN})", 1) if unknown else summary
    )


def shown_step(display: Display) -> str:
    """The step on screen, numbered as the timeline and the findings number it (from 0)."""
    if display.step is not None:
        return f"step {display.step.index}"
    return f"step {display.upto - 1}" if display.upto else "no step yet"


def timeline(display: Display, travelling: bool, p: Palette) -> Text:
    """One line: every step, the one shown, and how far into it (time travel keys: [ ] { })."""
    history = display.session.history
    text = Text(" timeline ", no_wrap=True, overflow="ellipsis")
    if not history:
        return text.append("empty: apply an action", "dim")
    if travelling and not display.at_present:  # first: on a narrow terminal the way back is what must show
        travel = f"◀ write {display.position}/{display.boundaries()[-1]}, any action returns to now │ "
        text = Text(" ", no_wrap=True, overflow="ellipsis").append(travel, f"bold {p['synic-warning-text']}")
    shown = display.step.index if display.step is not None else display.upto
    first = max(0, shown - 4)
    if first:
        text.append("… ")
    for s in history[first:]:
        if display.step is s:
            text.append(f" {s.index}:{s.action} {display.pos}/{len(s.writes)} ", "bold reverse")
        elif s.index < display.upto and s.refused:
            text.append(f" {s.index}:{s.action} ✗ ", p["synic-warning-text"])
        elif s.index < display.upto:
            text.append(f" {s.index}:{s.action} ✓ ")
        else:
            text.append(f" {s.index}:{s.action} ", "dim")
    return text


def last_step_kinds(display: Display) -> str:
    """The finding kinds of the latest step: what it left behind (state findings) first, then by severity."""
    step = display.step or (display.session.history[-1] if display.session.history else None)
    if step is None:
        return ""
    tally: dict[str, list[int]] = {}
    for f in display.step_findings():
        entry = tally.setdefault(f.kind, [int(f.write is None), SEVERITY_RANK[f.severity], 0])
        entry[2] += 1
    ordered = sorted(tally.items(), key=lambda kv: (not kv[1][0], -kv[1][1], kv[0]))
    return f"{step.action}: " + ", ".join(f"{kind} {n}" for kind, (_, _, n) in ordered) if ordered else ""


LEGEND = """[b]Cells[/b]  ● on (enabled, or SINT unmasked)  ○ off
[b]Who wrote it last[/b]  [$synic-vmbus]V VMBus[/]  [$synic-mshv]M MSHV[/]  · reset value
[b]Findings[/b] (letter and background)
  [#000000 on $synic-fault] X [/] fault  [on $synic-error] ! [/] error  [on $synic-warning] ? [/] warning
  [b on $synic-unknown] ~ [/] outcome unknown (a real trace): the profile refuses the write; the trace cannot tell \
whether it faulted (add --dmesg), and the cell shows it as if it went through
[b]Timeline[/b]  ✓ step played  ✗ step refused by the kernel (a finding says why)
[b]Highlights[/b]  [b u]underlined[/]: the cell written last
[b]Compare[/b] (d)  ≠ the value or the findings differ from the other side;  ≈ only the last writer does
[b]CPU column[/b]  ▸ selected (grey row)  ● online / ○ offline  V VMBus live  M MSHV live
[b]Columns[/b]  SCTRL = SCONTROL.enable, SIMP/SIEFP/SIRBP .enable,
  SINTn on = not masked, int = SINT5.as_intercept;  ' marks the L0 (nested) bank
"""
