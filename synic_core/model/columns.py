"""Which register fields the grid shows, as a table (one column each), and the glyphs it uses.

Shared by the dashboard grid and the plain-text dump, so both read the same."""

from __future__ import annotations

from dataclasses import dataclass

from synic_core.model.partitions import Partition
from synic_core.model.registers import registers_in_bank

WRITER_GLYPH = {"vmbus": "V", "mshv": "M", "reset": "·"}
SEVERITY_GLYPH = {"info": "i", "warning": "?", "error": "!", "fault": "X"}
COMPARE_GLYPH = {"differs": "≠", "writer": "≈"}  # compare: value or findings differ / only the last writer does
OUTCOME_UNKNOWN_GLYPH = "~"  # a trace's write the profile refuses, with no sign of whether it faulted (docs/traces.md)

SHOWN_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("SCONTROL", "enable", "on"),
    ("SIMP", "enable", "on"),
    ("SIEFP", "enable", "on"),
    ("SIRBP", "enable", "on"),
    ("SINT0", "masked", "on"),
    ("SINT2", "masked", "on"),
    ("SINT5", "masked", "on"),
    ("SINT5", "as_intercept", "int"),
)
SHORT = {"SCONTROL": "SCTRL"}
INVERTED = {"masked"}  # the glyph shows "live": an unmasked SINT is on


@dataclass(frozen=True, slots=True)
class Column:
    bank: str
    register: str
    field: str
    label: str

    @property
    def short(self) -> str:
        return SHORT.get(self.register, self.register)

    def live(self, bit: int) -> bool:
        return bool(bit) != (self.field in INVERTED)


def columns_for(partition: Partition) -> list[Column]:
    return [
        Column(bank, reg, field, label) for bank in partition.banks for reg, field, label in SHOWN_FIELDS if reg in registers_in_bank(bank)
    ]
