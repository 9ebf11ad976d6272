"""The SynIC register file as data: addresses, field layouts and reset values.

Everything here comes from `include/hyperv/hvgdk_mini.h` (docs/kernel-facts.md#registers). The engine never
hard-codes a bit position: it asks this table, the way a SystemRDL description drives
generated register code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from synic_core.model.vocabulary import Access

MSR_BASE = {"l1": 0x40000000, "l0": 0x40001000}
"""Bank base addresses: `l1` is the partition's own SynIC, `l0` the NESTED copies."""

BANK_TITLES = {"l1": "L1 (0x400000xx)", "l0": "L0 nested (0x400010xx)"}

PAGE_SHIFT = 12
"""SynIC GPA fields are 4 KiB frame numbers (HV_HYP_PAGE_SHIFT), whatever the kernel page size."""


@dataclass(frozen=True, slots=True)
class Field:
    """One bit field of a 64-bit SynIC register, LSB first."""

    name: str
    lsb: int
    width: int
    meaning: str
    mask: int = field(init=False, repr=False, compare=False)
    """The field's bits in the register, computed once: the engine puts a frame on every page write."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mask", ((1 << self.width) - 1) << self.lsb)

    def get(self, value: int) -> int:
        return (value >> self.lsb) & ((1 << self.width) - 1)

    def put(self, value: int, field_value: int) -> int:
        if not 0 <= field_value < (1 << self.width):
            raise ValueError(f"{self.name}: {field_value:#x} does not fit in {self.width} bits")
        return (value & ~self.mask) | (field_value << self.lsb)


@dataclass(frozen=True, slots=True)
class Register:
    """A SynIC MSR: its offset from the bank base, access, reset value and fields."""

    name: str
    offset: int
    access: Access  # SVERSION is read-only, EOM write-only
    reset: int
    fields: tuple[Field, ...]
    l1_only: bool = False  # SIRBP has no NESTED copy on x86
    summary: str = ""
    masks: tuple[tuple[str, int], ...] = field(init=False, repr=False, compare=False)
    """(field name, mask) of every field, computed once: `changed_fields` runs on every write."""
    top: tuple[int, int] = field(init=False, repr=False, compare=False)  # lsb and mask of the highest field
    _changed: dict[int, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "masks", tuple((f.name, f.mask) for f in self.fields))
        top = max(self.fields, key=lambda f: f.lsb)  # a frame or a reserved run
        object.__setattr__(self, "top", (top.lsb, top.mask))
        object.__setattr__(self, "_changed", {})

    def address(self, bank: str) -> int:
        return MSR_BASE[bank] + self.offset

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def decode(self, value: int) -> dict[str, int]:
        return {f.name: f.get(value) for f in self.fields}

    def encode(self, fields: Mapping[str, int], base: int = 0) -> int:
        value = base
        for name, field_value in fields.items():
            value = self.field(name).put(value, int(field_value))
        return value

    def changed_fields(self, old: int, new: int) -> tuple[str, ...]:
        """The fields whose bits differ, remembered per pattern: the bits below the highest field, and whether that one changed.

        That pattern decides the answer, and there are few of them (a new frame is one pattern), so
        every write with the same pattern shares one tuple: a history holds millions of writes.
        """
        diff = old ^ new
        lsb, top = self.top
        pattern = diff & ((1 << lsb) - 1) | bool(diff & top) << lsb
        names = self._changed.get(pattern)
        if names is None:
            names = self._changed[pattern] = tuple(name for name, mask in self.masks if diff & mask)
        return names


def _page_fields(what: str) -> tuple[Field, ...]:
    return (
        Field("enable", 0, 1, f"{what} enabled: the hypervisor may use the page"),
        Field("preserved", 1, 11, "RsvdP: preserved across writes"),
        Field("frame", 12, 52, f"guest physical 4 KiB frame number of the {what}"),
    )


SINT_FIELDS = (
    Field("vector", 0, 8, "interrupt vector raised for this SINT (valid: 16..255)"),
    Field("reserved1", 8, 8, "RsvdP"),
    Field("masked", 16, 1, "1 = interrupts for this SINT are not delivered"),
    Field("auto_eoi", 17, 1, "hypervisor performs the EOI (hv_recommend_using_aeoi)"),
    Field("polling", 18, 1, "polling mode"),
    Field("as_intercept", 19, 1, "notify through an intercept message on SINT0 (MSHV doorbells)"),
    Field("proxy", 20, 1, "paravisor proxies this SINT to the hypervisor"),
    Field("reserved2", 21, 43, "RsvdP"),
)

SINT_OWNERS_HINT = {0: "MSHV intercepts", 2: "VMBus messages", 5: "MSHV doorbells"}


def _sint(n: int) -> Register:
    hint = SINT_OWNERS_HINT.get(n, "unused by these drivers")
    return Register(f"SINT{n}", 0x90 + n, "rw", 0x10000, SINT_FIELDS, summary=f"synthetic interrupt source {n} ({hint})")


# fmt: off
REGISTERS: dict[str, Register] = {
    r.name: r
    for r in (
        Register(
            "SCONTROL", 0x80, "rw", 0,
            (Field("enable", 0, 1, "SynIC enabled for this VP"), Field("reserved", 1, 63, "RsvdP")),
            summary="global SynIC enable of the virtual processor",
        ),
        Register("SVERSION", 0x81, "ro", 1, (Field("version", 0, 64, "HV_SYNIC_VERSION_1"),), summary="SynIC version (read-only)"),
        Register("SIEFP", 0x82, "rw", 0, _page_fields("event-flags page"), summary="synthetic interrupt event-flags page"),
        Register("SIMP", 0x83, "rw", 0, _page_fields("message page"), summary="synthetic interrupt message page"),
        Register("EOM", 0x84, "wo", 0, (Field("value", 0, 64, "write-only trigger"),), summary="end of message (write-only)"),
        Register("SIRBP", 0x85, "rw", 0, _page_fields("event-ring page"), l1_only=True, summary="synthetic event-ring base page (MSHV)"),
        *(_sint(n) for n in range(16)),
    )
}
# fmt: on

REGISTER_NAMES: tuple[str, ...] = tuple(REGISTERS)
PAGE_REGISTERS = ("SIMP", "SIEFP", "SIRBP")
STATE_REGISTERS: tuple[str, ...] = tuple(n for n in REGISTER_NAMES if REGISTERS[n].access != "wo")
"""Registers that hold state (EOM is a write-only trigger and reads as 0)."""
STATE_INDEX: dict[str, int] = {name: i for i, name in enumerate(STATE_REGISTERS)}

ENABLE_BIT = 1 << 0
MASKED_BIT = 1 << 16


def registers_in_bank(bank: str) -> tuple[str, ...]:
    return tuple(n for n in STATE_REGISTERS if bank == "l1" or not REGISTERS[n].l1_only)


SINT_REGISTERS = frozenset(n for n in REGISTER_NAMES if n.startswith("SINT"))
LIVE_TEST: dict[str, tuple[int, int]] = {
    name: (MASKED_BIT, 0) if name in SINT_REGISTERS else (ENABLE_BIT, ENABLE_BIT) if name in (*PAGE_REGISTERS, "SCONTROL") else (0, 1)
    for name in REGISTER_NAMES
}
"""register -> (mask, expected): a value is live, leaving a resource switched on (an unmasked SINT, an enabled page or
SynIC), when `value & mask == expected` ((0, 1): never). The rules test it inline (they run on every write)."""


def is_teardown_value(register: str, value: int) -> bool:
    """A value that switches a resource off: enable clear on a page register, masked on a SINT."""
    if register in SINT_REGISTERS:
        return bool(value & MASKED_BIT)
    if register in PAGE_REGISTERS:
        return not value & ENABLE_BIT
    return False


def frame_of(value: int) -> int:
    return value >> PAGE_SHIFT


MSR_TABLE: dict[int, tuple[str, str]] = {
    REGISTERS[name].address(bank): (bank, name)
    for bank in MSR_BASE
    for name in REGISTER_NAMES
    if bank == "l1" or not REGISTERS[name].l1_only
}
"""Every SynIC MSR number of both banks (x86) -> (bank, register); no NESTED SIRBP exists."""
