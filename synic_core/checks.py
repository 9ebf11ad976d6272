"""Finding rules: per write (ownership, pulled from under, dangling page) and per state
(stale state after kexec, missing enable). Each rule produces one-sentence explanations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .partitions import COMPONENTS, title
from .registers import PAGE_REGISTERS, REGISTERS, STATE_INDEX, frame_of, is_live_value, registers_in_bank

if TYPE_CHECKING:
    from .engine import Engine, Write

ENABLE_REGISTERS = ("SCONTROL", "SIMP", "SIEFP", "SIRBP")


def check_write(eng: Engine, w: Write, touched: tuple[str, ...]) -> None:
    _ownership(eng, w, touched)
    if not w.rejected:
        _pulled_from_under(eng, w)
        _dangling(eng, w)


def _ownership(eng: Engine, w: Write, touched: tuple[str, ...]) -> None:
    owner = eng.partition.owner(w.bank, w.register)
    if owner is None or owner == w.component:
        return
    intended = _changed(w)
    where = eng.where(w.register, w.bank)
    if intended:
        eng.find(
            "foreign_write",
            f"{title(w.component)} changed {w.register}.{'+'.join(intended)} on CPU {w.cpu}, "
            f"but {title(owner)} owns {where} on {eng.partition.name}.",
            **eng.at(w, intended),
        )
    else:
        eng.find(
            "redundant_write",
            f"{title(w.component)} rewrote {w.register}.{'+'.join(touched)} on CPU {w.cpu} "
            f"with the value it already had; {title(owner)} owns {where} on {eng.partition.name}.",
            **eng.at(w, touched),
        )


def _changed(w: Write) -> tuple[str, ...]:
    """Fields the write tried to change, rejected or not."""
    return REGISTERS[w.register].changed_fields(w.old, w.attempted)


def _pulled_from_under(eng: Engine, w: Write) -> None:
    verb = _switch_off_verb(w)
    if verb is None:
        return
    cpu_state = eng.state.cpus[w.cpu]
    for victim in COMPONENTS:
        if victim == w.component or not cpu_state.live(victim):
            continue
        if (w.bank, w.register) in eng.partition.uses(victim):
            eng.find(
                "pulled_from_under",
                f"{title(w.component)} {verb} {eng.where(w.register, w.bank)} on CPU "
                f"{w.cpu} while {title(victim)} is still live and uses it.",
                **eng.at(w, w.changed),
            )


def _switch_off_verb(w: Write) -> str | None:
    if is_live_value(w.register, w.old) and not is_live_value(w.register, w.new):
        return "masked" if w.register.startswith("SINT") else "disabled"
    if w.register in PAGE_REGISTERS and w.old & 1 and frame_of(w.old) != frame_of(w.new):
        return "re-pointed"
    return None


def _dangling(eng: Engine, w: Write) -> None:
    if w.register not in PAGE_REGISTERS or not w.new & 1:
        return
    frame = frame_of(w.new)
    if eng.state.frame_is_dangling(frame):
        eng.find(
            "dangling_page",
            f"{title(w.component)} enabled {eng.where(w.register, w.bank)} on CPU {w.cpu} at "
            f"{eng.state.describe_frame(frame)}, a page Linux does not own.",
            **eng.at(w, ("enable", "frame")),
        )


def check_stale(eng: Engine, kernel: str) -> None:
    """After kexec: live SynIC state that the freshly booted kernel inherits and nobody owns."""
    st = eng.state
    for cpu in range(st.ncpus):
        for bank in st.banks:
            row = st.regs[bank][cpu]
            for reg in registers_in_bank(bank):
                if reg == "SCONTROL" or not is_live_value(reg, row[STATE_INDEX[reg]]):
                    continue
                what = _stale_what(eng, reg, row[STATE_INDEX[reg]])
                eng.find(
                    "stale_state",
                    f"The {kernel} inherits {eng.where(reg, bank)} {what} on CPU {cpu} with no driver loaded that owns it.",
                    cpu=cpu,
                    bank=bank,
                    register=reg,
                    field="masked" if reg.startswith("SINT") else "enable",
                    component=st.writer[bank][cpu][STATE_INDEX[reg]],
                    owner=eng.partition.owner(bank, reg),
                )


def _stale_what(eng: Engine, reg: str, value: int) -> str:
    if reg.startswith("SINT"):
        return "unmasked"
    return f"enabled at {eng.state.describe_frame(frame_of(value))}"


def check_missing_enable(eng: Engine, cpus: list[int]) -> None:
    """A live component depends on a page or SynIC enable that nobody set (flagged once until fixed)."""
    st = eng.state
    for cpu in cpus:
        for comp in COMPONENTS:
            for bank, reg in eng.partition.uses(comp):
                key = (cpu, comp, bank, reg)
                missing = reg in ENABLE_REGISTERS and st.cpus[cpu].live(comp) and not st.get(cpu, bank, reg) & 1
                if not missing:
                    st.missing.discard(key)
                elif key not in st.missing:
                    st.missing.add(key)
                    eng.find(
                        "missing_enable",
                        f"{title(comp)} is live on CPU {cpu} and depends on {eng.where(reg, bank)}.enable, but nobody enabled it.",
                        cpu=cpu,
                        bank=bank,
                        register=reg,
                        field="enable",
                        component=comp,
                        owner=eng.partition.owner(bank, reg),
                    )
