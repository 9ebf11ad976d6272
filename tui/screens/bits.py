"""Bits view: one register expanded into its 64 bits for every CPU, with its hex value and the
field names; tab and shift+tab move to the next and previous register (over every bank)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from synic_core.model.registers import BANK_TITLES, REGISTERS, Field, registers_in_bank
from tui.state.display import Display

LABEL_W = 6
HEADER_H = 3


def bit_layout(fields: tuple[Field, ...]) -> list[tuple[Field, list[int]]]:
    """Fields from the most significant down, each with its bit numbers high to low."""
    ordered = sorted(fields, key=lambda f: f.lsb, reverse=True)
    return [(f, list(range(f.lsb + f.width - 1, f.lsb - 1, -1))) for f in ordered]


class BitsView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"bits--header", "bits--one", "bits--zero", "bits--alt", "bits--cursor", "bits--hex"}
    BINDINGS = [
        Binding("up", "scroll_up", show=False),
        Binding("down", "scroll_down", show=False),
        Binding("left", "scroll_left", "bits back"),
        Binding("right", "scroll_right", "more bits"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """← and → are offered in the footer only when there are bits off-screen that way."""
        if action == "scroll_left":
            return self.scroll_x > 0
        if action == "scroll_right":
            return self.scroll_x < self.max_scroll_x
        return True

    def on_resize(self) -> None:
        self.refresh_bindings()

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        self.refresh_bindings()

    def __init__(self, display: Display, bank: str, register: str, cursor: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.view = display
        self.cursor = cursor
        self.show(bank, register)

    def show(self, bank: str, register: str) -> None:
        """Another register: new field layout, hex column width and virtual size."""
        self.bank = bank
        self.register = register
        self.layout_ = bit_layout(REGISTERS[register].fields)
        values = [self.view.value(cpu, bank, register) for cpu in range(len(self.view.cpus))]
        self.hex_w = max([len("hex"), *(len(f"{v:#x}") for v in values)]) + 1
        width = LABEL_W + self.hex_w + sum(len(bits) + 1 for _, bits in self.layout_)
        self.virtual_size = Size(width, len(self.view.cpus) + HEADER_H)
        self.refresh()

    def on_mount(self) -> None:
        self.scroll_to(y=max(0, self.cursor - 3), animate=False)

    def render_line(self, y: int) -> Strip:
        sx, sy = self.scroll_offset
        base = self.rich_style
        if y < HEADER_H:
            strip = self._header(y)
        else:
            cpu = sy + y - HEADER_H
            if cpu >= len(self.view.cpus):
                return Strip.blank(self.size.width, base)
            strip = self._row(cpu)
        return strip.crop_extend(sx, sx + self.size.width, base)

    def _header(self, y: int) -> Strip:
        head = self.get_component_rich_style("bits--header")
        segs = [Segment(" " * LABEL_W, head), Segment(("hex" if y == HEADER_H - 1 else "").ljust(self.hex_w), head)]
        for field, bits in self.layout_:
            if y == 0:
                text = field.name[: len(bits)].ljust(len(bits))
            elif y == 1:
                text = "".join(str(b // 10) if b % 10 == 9 or b == bits[0] else " " for b in bits)
            else:
                text = "".join(str(b % 10) for b in bits)
            segs.append(Segment(text + "│", head))
        return Strip(segs)

    def _row(self, cpu: int) -> Strip:
        value = self.view.value(cpu, self.bank, self.register)
        one = self.get_component_rich_style("bits--one")
        zero = self.get_component_rich_style("bits--zero")
        alt = self.get_component_rich_style("bits--alt")
        label_style = self.get_component_rich_style("bits--cursor") if cpu == self.cursor else Style()
        segs = [Segment(f"{cpu:>5} ", label_style), Segment(f"{value:#x}".ljust(self.hex_w), self.get_component_rich_style("bits--hex"))]
        for i, (_, bits) in enumerate(self.layout_):
            shade = alt if i % 2 else Style()
            for b in bits:
                on = value >> b & 1
                segs.append(Segment("1" if on else "0", (one if on else zero) + shade))
            segs.append(Segment("│"))
        return Strip(segs)


class BitsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,b,q", "dismiss", "close"),
        Binding("tab", "register(1)", "next register", priority=True),
        Binding("shift+tab", "register(-1)", "previous register", priority=True),
    ]

    def __init__(self, display: Display, bank: str, register: str, cursor: int) -> None:
        super().__init__()
        self.args = (display, bank, register, cursor)
        self.registers = [(b, r) for b in display.regs for r in registers_in_bank(b)]  # every bank, in the grid's order

    def compose(self) -> ComposeResult:
        display, bank, register, cursor = self.args
        yield Static(self._title(bank, register), id="bits-title")
        yield BitsView(display, bank, register, cursor, id="bits")
        yield Footer()

    def _title(self, bank: str, register: str) -> Text:
        reg = REGISTERS[register]
        names = ", ".join(f"{f.name} {f.lsb + f.width - 1}:{f.lsb}" for f in reg.fields)
        where = f"{self.registers.index((bank, register)) + 1}/{len(self.registers)}"
        return Text.assemble((register, "bold"), f" {reg.address(bank):#x} {BANK_TITLES[bank]} — {reg.summary}  ({where})\n{names}")

    def on_mount(self) -> None:
        self.query_one(BitsView).focus()

    def action_register(self, step: int) -> None:
        view = self.query_one(BitsView)
        i = self.registers.index((view.bank, view.register))
        bank, register = self.registers[(i + step) % len(self.registers)]
        view.show(bank, register)
        self.query_one("#bits-title", Static).update(self._title(bank, register))
