"""The live grid: one row per CPU, one column per shown register field.

A single Line-API `ScrollView`: only visible rows are rendered, each row's `Strip` is cached
until something in that row changes, and a write repaints only its cell's region.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from synic_core.model.columns import COMPARE_GLYPH, OUTCOME_UNKNOWN_GLYPH, SEVERITY_GLYPH, WRITER_GLYPH, Column
from synic_core.model.findings import SEVERITIES
from synic_core.model.registers import REGISTERS
from synic_core.scenarios.compare import Cell as CompareCell
from synic_core.scenarios.compare import CellMark
from tui.commands import bindings
from tui.state.display import Cell, Display

LABEL_W = 12  # '▸ 4095 ● V M': the marker never touches a 4-digit CPU number
CELL_W = 6
HEADER_H = 2
MAX_CACHED_ROWS = 4096
FAULT = SEVERITIES.index("fault")


def text_attributes(style: Style) -> Style:
    """Only bold/underline/italic/reverse: an overlay that must not repaint the cell's colours."""
    return Style(bold=style.bold, underline=style.underline, italic=style.italic, reverse=style.reverse)


NO_STYLE = Style()  # added to a style, changes nothing (and costs nothing: rich returns the style itself)


@dataclass(slots=True)
class Styles:
    """Rich styles resolved once from the component classes (again on theme change)."""

    base: Style
    header: Style
    label: Style
    selected: Style
    offline: Style
    cursor: Style
    flash: Style
    differs: Style
    unknown: Style
    writer: dict[str, Style]
    severity: list[Style]
    colour: dict[str, Style] = field(default_factory=dict)  # each writer's colour alone, laid over a cell's overlays

    def __post_init__(self) -> None:
        self.colour = {w: Style(color=style.color) for w, style in [*self.writer.items(), ("", self.base)]}


class SynicGrid(ScrollView, can_focus=True):
    """CPUs × SynIC register fields; colour and letter show who wrote each cell last."""

    BINDINGS = bindings("grid")
    COMPONENT_CLASSES = {
        "synic-grid--header",
        "synic-grid--label",
        "synic-grid--selected",
        "synic-grid--offline",
        "synic-grid--cursor",
        "synic-grid--flash",
        "synic-grid--vmbus",
        "synic-grid--mshv",
        "synic-grid--reset",
        "synic-grid--info",
        "synic-grid--warning",
        "synic-grid--error",
        "synic-grid--fault",
        "synic-grid--unknown",
        "synic-grid--differs",
    }

    cursor_cpu: var[int] = var(0)
    cursor_col: var[int] = var(0)

    class CursorMoved(Message):
        """The cursor moved to another cell (the inspector follows)."""

        def __init__(self, grid: SynicGrid, cpu: int, column: Column) -> None:
            super().__init__()
            self.grid = grid
            self.cpu = cpu
            self.column = column

        @property
        def control(self) -> SynicGrid:
            return self.grid

    class ColumnsOffScreen(Message):
        """Some register columns start off-screen to the right (e.g. the nested bank beside the side panels)."""

        def __init__(self, grid: SynicGrid, columns: list[Column]) -> None:
            super().__init__()
            self.grid = grid
            self.columns = columns

        @property
        def control(self) -> SynicGrid:
            return self.grid

    def __init__(
        self,
        display: Display,
        columns: list[Column],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.selected: set[int] = set()
        self.compare_marks: dict[CompareCell, CellMark] = {}  # compare mode: (cpu, column) -> ≠ or ≈ (`compare_grids`)
        self._anchor: int | None = None
        self._rows: LRUCache[int, Strip] = LRUCache(MAX_CACHED_ROWS)  # per-row strips, dropped when a row changes
        self._styles: Styles | None = None
        self.label_w, self.cell_w, self.row_h = LABEL_W, CELL_W, 1
        self._off_screen: list[Column] = []  # columns that start off-screen to the right (told once per change)
        self.load(display, columns)

    def set_large(self, large: bool) -> None:
        """Presenter mode: wider cells and a blank line between CPU rows."""
        self.label_w, self.cell_w, self.row_h = (LABEL_W + 2, CELL_W + 3, 2) if large else (LABEL_W, CELL_W, 1)
        self._resize_virtual()
        self.invalidate()

    def _resize_virtual(self) -> None:
        """Wide enough that scrolled all the way right the view still starts on a column boundary."""
        cells, view = self.cell_w * len(self.columns), self.size.width - self.label_w
        pad = (-(cells - view)) % self.cell_w if 0 < view < cells else 0
        self.virtual_size = Size(self.label_w + cells + pad, self.ncpus * self.row_h + HEADER_H)

    def on_resize(self) -> None:
        self._resize_virtual()
        self._tell_off_screen()

    def _tell_off_screen(self) -> None:
        """Post ColumnsOffScreen when the columns that do not fit at the left edge change (and some do not)."""
        fit = max(0, self.size.width - self.label_w) // self.cell_w
        hidden = self.columns[fit:] if self.size.width else []
        if hidden != self._off_screen:
            self._off_screen = hidden
            if hidden:
                self.post_message(self.ColumnsOffScreen(self, hidden))

    # -- model ----------------------------------------------------------------------------
    def load(self, display: Display, columns: list[Column]) -> None:
        """Show another session (new settings): reset cursor, selection and caches."""
        self.display_state = display
        self.columns = columns
        self._fields = [REGISTERS[c.register].field(c.field) for c in columns]
        self._col_of: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(columns):
            self._col_of.setdefault((c.bank, c.register), []).append(i)
        self.selected = set()
        self._anchor = None
        self.set_reactive(SynicGrid.cursor_cpu, 0)
        self.set_reactive(SynicGrid.cursor_col, 0)
        self._resize_virtual()
        self._tell_off_screen()
        self.invalidate()

    @property
    def ncpus(self) -> int:
        return len(self.display_state.cpus)

    @property
    def column(self) -> Column:
        return self.columns[self.cursor_col]

    def chosen_cpus(self) -> list[int]:
        """The selection, or the cursor CPU when nothing is selected."""
        return sorted(self.selected) if self.selected else [self.cursor_cpu]

    # -- invalidation ---------------------------------------------------------------------
    def invalidate(self) -> None:
        self._rows.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._rows.clear()

    def refresh_cells(self, cells: set[Cell], previous_flash: Cell | None = None) -> None:
        """Repaint only the cells that changed (and the cell that stops flashing)."""
        targets = set(cells)
        if previous_flash is not None:
            targets.add(previous_flash)
        for cpu, bank, reg in targets:
            self._rows.discard(cpu)
            for col in self._col_of.get((bank, reg), ()):
                self._refresh_region(cpu, self.label_w + col * self.cell_w, self.cell_w)

    def refresh_row(self, cpu: int) -> None:
        self._rows.discard(cpu)
        self._refresh_region(cpu, 0, self.virtual_size.width)

    def _refresh_region(self, cpu: int, x: int, width: int) -> None:
        sx, sy = self.scroll_offset
        y = cpu * self.row_h - sy + HEADER_H
        if HEADER_H <= y < self.size.height:
            self.refresh(Region(x - sx, y, width, 1))

    # -- rendering ------------------------------------------------------------------------
    def styles_cache(self) -> Styles:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = Styles(
                base=self.rich_style,
                header=get("synic-grid--header"),
                label=get("synic-grid--label"),
                selected=get("synic-grid--selected"),
                offline=get("synic-grid--offline"),
                cursor=get("synic-grid--cursor"),
                flash=get("synic-grid--flash"),
                differs=text_attributes(get("synic-grid--differs")),
                unknown=get("synic-grid--unknown"),
                writer={w: get(f"synic-grid--{w}") for w in WRITER_GLYPH},
                severity=[get(f"synic-grid--{s}") for s in SEVERITIES],
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        sx, sy = self.scroll_offset
        width = self.size.width
        st = self.styles_cache()
        if y < HEADER_H:
            strip = self._header_strip(y, st)
        else:
            cpu, gap = divmod(sy + y - HEADER_H, self.row_h)
            if cpu >= self.ncpus or gap:
                return Strip.blank(width, st.base)
            cached = self._rows.get(cpu)
            if cached is None:
                cached = self._row_strip(cpu, st)
                self._rows.set(cpu, cached)
            strip = cached
        return self._sticky(strip, y, sx, width, st)

    def _sticky(self, strip: Strip, y: int, sx: int, width: int, st: Styles) -> Strip:
        """The CPU column stays put while the register columns scroll sideways; the header says when more is off-screen."""
        label_w = min(self.label_w, width)
        label = strip.crop_extend(0, label_w, st.base)
        cells = strip.crop_extend(self.label_w + sx, self.label_w + sx + width - label_w, st.base)
        if y == 0:
            more_left, more_right = sx > 0, sx + width < self.virtual_size.width
            if more_left:
                label = Strip([Segment(" CPU ‹".ljust(label_w)[:label_w], st.header)])
            if more_right and width > label_w:
                cells = cells.crop(0, width - label_w - 1).extend_cell_length(width - label_w - 1, st.base)
                cells = Strip.join([cells, Strip([Segment("›", st.header)])])
        return Strip.join([label, cells])

    def _header_strip(self, y: int, st: Styles) -> Strip:
        two_banks = len({c.bank for c in self.columns}) > 1
        if y == 0:
            segs = [Segment(" CPU".ljust(self.label_w), st.header)]
            for i, c in enumerate(self.columns):
                first = i == 0 or (self.columns[i - 1].register, self.columns[i - 1].bank) != (c.register, c.bank)
                name = c.short + ("'" if two_banks and c.bank == "l0" else "")
                segs.append(Segment((" " + name if first else "").ljust(self.cell_w), st.header))
        else:
            segs = [Segment("      on V M".ljust(self.label_w), st.header)]
            segs += [Segment(f" {c.label}".ljust(self.cell_w), st.header) for c in self.columns]
        return Strip(segs)

    def _row_strip(self, cpu: int, st: Styles) -> Strip:
        d = self.display_state
        cs = d.cpus[cpu]
        mark = "▸" if cpu in self.selected else " "
        flags = f"{'●' if cs.online else '○'} {'V' if cs.vmbus else '·'} {'M' if cs.mshv else '·'}"
        label_style = st.selected if cpu in self.selected else (st.label if cs.online else st.offline)
        segs = [Segment(f"{mark} {cpu:>4} {flags}".ljust(self.label_w), label_style)]
        for i, col in enumerate(self.columns):
            segs.append(self._cell(cpu, i, col, st))
        return Strip(segs)

    def _cell(self, cpu: int, i: int, col: Column, st: Styles) -> Segment:
        d = self.display_state
        bit = self._fields[i].get(d.value(cpu, col.bank, col.register))
        writer = d.last_writer(cpu, col.bank, col.register)
        sev = d.severity(cpu, col.bank, col.register)
        unknown = sev != FAULT and bool(d.marks.unknown) and d.cell_outcome_unknown(cpu, col.bank, col.register)  # a seen fault outranks
        flag = OUTCOME_UNKNOWN_GLYPH if unknown else SEVERITY_GLYPH[SEVERITIES[sev]] if sev >= 0 else " "
        mark = self.compare_marks.get((cpu, i)) if self.compare_marks else None
        text = f"{'●' if col.live(bit) else '○'}{WRITER_GLYPH.get(writer, '?')}{flag}{COMPARE_GLYPH[mark] if mark else ' '}"
        style = st.writer.get(writer, st.base) + (st.unknown if unknown else st.severity[sev] if sev >= 1 else NO_STYLE)
        style += (st.differs if mark else NO_STYLE) + (st.flash if d.last == (cpu, col.bank, col.register) else NO_STYLE)
        if sev != FAULT:  # overlays bring backgrounds and text styles; the colour stays the writer's
            style += st.colour.get(writer) or st.colour[""]
        if cpu == self.cursor_cpu and i == self.cursor_col:
            style += st.cursor
        return Segment(f" {text}".ljust(self.cell_w), style)

    # -- cursor and selection -------------------------------------------------------------
    def watch_cursor_cpu(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new, self.column))

    def watch_cursor_col(self, old: int, new: int) -> None:
        self.refresh_row(self.cursor_cpu)
        self._scroll_to_column(new)
        self.post_message(self.CursorMoved(self, self.cursor_cpu, self.column))

    def _scroll_to_column(self, col: int) -> None:
        """Bring a column into the part of the view beside the sticky CPU column."""
        left, view, sx = col * self.cell_w, max(1, self.size.width - self.label_w), self.scroll_offset.x
        if left < sx:
            self.scroll_to(x=left, animate=False)
        elif left + self.cell_w > sx + view:
            need = left + self.cell_w - view
            self.scroll_to(x=-(-need // self.cell_w) * self.cell_w, animate=False)  # whole columns: headers stay over their cells

    @property
    def visible_rows(self) -> int:
        return max(1, (self.size.height - HEADER_H) // self.row_h)

    def _scroll_to_cursor(self) -> None:
        line, sy = self.cursor_cpu * self.row_h, self.scroll_offset.y
        lines = max(1, self.size.height - HEADER_H)
        if line < sy:
            self.scroll_to(y=line, animate=False)
        elif line + 1 > sy + lines:
            self.scroll_to(y=line + 1 - lines, animate=False)

    def move_to(self, cpu: int, col: int | None = None) -> None:
        self.cursor_cpu = max(0, min(self.ncpus - 1, cpu))
        if col is not None:
            self.cursor_col = max(0, min(len(self.columns) - 1, col))

    def column_of(self, bank: str | None, register: str | None, field: str | None = None) -> int | None:
        cols = self._col_of.get((bank or "", register or ""), [])
        for i in cols:
            if field and self.columns[i].field in field.split("+"):
                return i
        return cols[0] if cols else None

    def action_move(self, dcpu: int, dcol: int) -> None:
        self._anchor = None
        self.move_to(self.cursor_cpu + dcpu, self.cursor_col + dcol)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_cpu + direction * self.visible_rows)

    def action_jump(self, cpu: int) -> None:
        self.move_to(cpu if cpu >= 0 else self.ncpus - 1)

    def action_extend(self, direction: int) -> None:
        if self._anchor is None:
            self._anchor = self.cursor_cpu
        self.move_to(self.cursor_cpu + direction)
        lo, hi = sorted((self._anchor, self.cursor_cpu))
        self._set_selection(set(range(lo, hi + 1)))

    def action_toggle_select(self) -> None:
        self._set_selection(self.selected ^ {self.cursor_cpu})

    def action_select_all(self) -> None:
        self._set_selection({i for i, c in enumerate(self.display_state.cpus) if c.online})

    def action_clear_selection(self) -> None:
        self._anchor = None
        self._set_selection(set())

    def _set_selection(self, cpus: set[int]) -> None:
        changed = cpus ^ self.selected
        self.selected = cpus
        for cpu in changed:
            self.refresh_row(cpu)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_H:
            return
        cpu, gap = divmod(self.scroll_offset.y + offset.y - HEADER_H, self.row_h)
        if cpu >= self.ncpus or gap:
            return
        if offset.x < self.label_w:  # the CPU column does not scroll sideways
            self.move_to(cpu)
            self.action_toggle_select()
        else:
            self.move_to(cpu, (offset.x - self.label_w + self.scroll_offset.x) // self.cell_w)
