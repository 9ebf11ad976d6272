"""The one command table: key bindings, footer, help screen and command palette all come from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

Scope = Literal["app", "dashboard", "grid"]


@dataclass(frozen=True, slots=True)
class Command:
    id: str  # stable: user keymaps rebind by it, so rewording a label never breaks a config
    key: str  # Textual key name(s), comma-separated
    action: str  # action string, run on the node that owns the binding
    label: str  # short label for the footer and the palette
    description: str  # one line for the help screen and the palette
    group: str
    footer: bool = False
    scope: Scope = "dashboard"  # whose BINDINGS: the dashboard screen, its grid, or the app
    palette: bool = True


# fmt: off
COMMANDS: tuple[Command, ...] = (
    Command("vmbus-load", "v", "sim('vmbus_load')", "VMBus load", "VMBus hv_synic_init on the chosen CPUs", "Actions", footer=True),
    Command("vmbus-unload", "u", "sim('vmbus_unload')", "VMBus unload", "VMBus module exit: disconnect, hv_synic_cleanup", "Actions"),
    Command("mshv-init", "m", "sim('mshv_init')", "MSHV init", "mshv_synic_cpu_init on the chosen CPUs", "Actions", footer=True),
    Command("mshv-cleanup", "c", "sim('mshv_cleanup')", "MSHV cleanup", "mshv_synic_cpu_exit on the chosen CPUs", "Actions"),
    Command("cpu-off-online", "o", "toggle_online", "CPU off/online", "offline the chosen online CPUs, or online the offline ones", "Actions"),
    Command("kexec", "k", "sim('kexec')", "kexec", "kexec the machine; the cursor CPU is the reboot CPU", "Actions", footer=True),
    Command("crash-kexec", "x", "sim('crash_kexec')", "crash kexec", "panic on the cursor CPU and boot the kdump kernel", "Actions"),
    Command("move-channels", "M", "sim('move_channels')", "move channels", "move the VMBus channels off the chosen CPUs (to CPU 0)", "Actions"),
    Command("up", "up", "move(-1, 0)", "up", "cursor up one CPU", "Choose CPUs", scope="grid", palette=False),
    Command("down", "down", "move(1, 0)", "down", "cursor down one CPU", "Choose CPUs", scope="grid", palette=False),
    Command("left", "left", "move(0, -1)", "left", "cursor to the previous column", "Choose CPUs", scope="grid", palette=False),
    Command("right", "right", "move(0, 1)", "right", "cursor to the next column", "Choose CPUs", scope="grid", palette=False),
    Command("page-up", "pageup", "page(-1)", "page up", "cursor up one screen", "Choose CPUs", scope="grid", palette=False),
    Command("page-down", "pagedown", "page(1)", "page down", "cursor down one screen", "Choose CPUs", scope="grid", palette=False),
    Command("first-cpu", "home", "jump(0)", "first CPU", "cursor to CPU 0", "Choose CPUs", scope="grid", palette=False),
    Command("last-cpu", "end", "jump(-1)", "last CPU", "cursor to the last CPU", "Choose CPUs", scope="grid", palette=False),
    Command("extend-up", "shift+up", "extend(-1)", "extend up", "select a range of CPUs upwards", "Choose CPUs", scope="grid", palette=False),
    Command("extend-down", "shift+down", "extend(1)", "extend down", "select a range of CPUs downwards", "Choose CPUs", scope="grid", palette=False),
    Command("select", "space", "toggle_select", "select", "select or unselect the cursor CPU", "Choose CPUs", scope="grid"),
    Command("all", "a", "select_all", "all", "select every online CPU (from any panel too)", "Choose CPUs", footer=True),
    Command("none", "escape", "clear_selection", "none", "clear the selection", "Choose CPUs", scope="grid"),
    Command("back", "escape", "back_to_grid", "back", "from the findings search or a side panel back to the grid", "Choose CPUs", palette=False),
    Command("pause", "p", "toggle_pause", "pause", "pause or resume the playback of an action", "Playback"),
    Command("step", "full_stop", "step_write", "step", "play the next MSR write (when paused)", "Playback"),
    Command("faster", "plus,equals_sign", "speed(1)", "faster", "play writes faster", "Playback"),
    Command("slower", "minus", "speed(-1)", "slower", "play writes slower", "Playback"),
    Command("finish", "enter", "finish", "finish", "play the rest of the action at once", "Playback"),
    Command("write-back", "left_square_bracket", "travel_write(-1)", "write back", "time travel: back one MSR write", "Playback"),
    Command("write-fwd", "right_square_bracket", "travel_write(1)", "write fwd", "time travel: forward one MSR write", "Playback"),
    Command("step-back", "left_curly_bracket", "travel_step(-1)", "step back", "time travel: back to the start of a step", "Playback"),
    Command("step-fwd", "right_curly_bracket", "travel_step(1)", "step fwd", "time travel: forward to the end of a step", "Playback"),
    Command("instant", "i", "toggle_instant", "instant", "switch between animated and instant playback", "Playback"),
    Command("next", "greater_than_sign", "lesson_next", "next", "lesson: play the next step", "Lessons", footer=True),
    Command("previous", "less_than_sign", "lesson_prev", "previous", "lesson: go back one step", "Lessons", footer=True),
    Command("lessons", "L", "lessons", "lessons", "choose a guided lesson (or leave the current one)", "Lessons"),
    Command("bits", "b", "bits", "bits", "the register under the cursor, all 64 bits, for every CPU", "View"),
    Command("findings", "f", "panel('findings')", "findings", "show the findings panel", "View"),
    Command("trace", "t", "panel('trace')", "trace", "show the MSR write trace", "View"),
    Command("inspector", "n", "panel('inspector')", "inspector", "show the inspector for the cursor cell", "View"),
    Command("legend", "l", "panel('legend')", "legend", "show the legend", "View"),
    Command("lesson", "h", "panel('lesson')", "lesson", "show the lesson panel", "View"),
    Command("trace-who", "e", "trace_component", "trace: who", "trace filter: all writes, VMBus only, MSHV only", "View"),
    Command("trace-cpu", "r", "trace_cpu", "trace: CPU", "trace filter: all CPUs or the cursor CPU only", "View"),
    Command("find", "slash", "search_findings", "find", "search the findings (kind, register, cpu N, step N, words; esc clears)", "View"),
    Command("text", "G", "text_dump", "text", "the grid and findings as plain text (screen readers, copy-paste)", "View"),
    Command("compare", "d", "compare", "compare", "the same steps under another MSHV version or profile, side by side", "View"),
    Command("explore", "g", "explore", "explore", "shortest counterexamples: every kernel order on N CPUs, or on every CPU count", "View"),
    Command("presenter", "P", "presenter", "presenter", "presenter mode: big cells, no panels, lessons play by themselves", "View"),
    Command("panels", "w", "toggle_sidebar", "panels", "hide or show the side panels", "View"),
    Command("undo", "z", "undo", "undo", "undo the last action", "Session", footer=True),
    Command("redo", "y", "redo", "redo", "redo the action undone last", "Session"),
    Command("open", "ctrl+o", "open_file", "open", "open a scenario file, a saved session, a lesson file or a built-in scenario", "Session"),
    Command("save", "ctrl+s", "export('session')", "save", "save the session as a scenario file (reopen with synic FILE)", "Session", footer=True),
    Command("report", "E", "export('markdown')", "report", "export a Markdown report", "Session"),
    Command("json", "J", "export('json')", "JSON", "export the run as JSON", "Session"),
    Command("screenshot", "S", "export('svg')", "screenshot", "export a screenshot (SVG and PNG)", "Session"),
    Command("settings", "s", "settings", "settings", "partition, MSHV version, hypervisor profile, CPU count", "Session"),
    Command("help", "question_mark", "help", "help", "this help", "Session", footer=True),
    Command("quit", "q", "request_quit", "quit", "leave SynIC Lab (asks first when steps are unsaved)", "Session"),
)
# fmt: on


def bindings(scope: Scope) -> list[BindingType]:
    return [Binding(c.key, c.action, c.label, show=c.footer, tooltip=c.description, id=c.id) for c in COMMANDS if c.scope == scope]


def key_label(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "full_stop": ".",
        "plus": "+",
        "equals_sign": "=",
        "minus": "-",
        "space": "space",
        "escape": "esc",
        "greater_than_sign": ">",
        "less_than_sign": "<",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "left_curly_bracket": "{",
        "right_curly_bracket": "}",
    }
    return "/".join(names.get(k, k) for k in key.split(","))
