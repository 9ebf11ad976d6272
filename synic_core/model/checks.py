"""Finding rules: per write (ownership, pulled from under, dangling page) and per state
(stale state after kexec, missing enable). Each rule returns findings with one-sentence
explanations; none of them changes the machine, except the missing-enable memory in the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast

from synic_core.model.findings import Finding, Where, make_finding
from synic_core.model.partitions import COMPONENTS, PARTITIONS, Partition, title
from synic_core.model.registers import (
    LIVE_TEST,
    PAGE_REGISTERS,
    REGISTERS,
    SINT_REGISTERS,
    STATE_INDEX,
    frame_of,
    registers_in_bank,
)
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import Bank, Component, FindingKindName, Writer
from synic_core.model.writes import Write

ENABLE_REGISTERS = ("SCONTROL", "SIMP", "SIEFP", "SIRBP")
NOBODY_ENABLED = "but nobody enabled it"
_STALE_TESTS: dict[str, tuple[tuple[str, int, int, int], ...]] = {
    bank: tuple((reg, STATE_INDEX[reg], *LIVE_TEST[reg]) for reg in registers_in_bank(bank) if reg != "SCONTROL") for bank in ("l1", "l0")
}
"""By bank: the registers the stale rule looks at (SCONTROL is not state a driver owns), with their row index and live test."""


def _enables_used(partition: Partition, comp: Component) -> tuple[tuple[Bank, str, int], ...]:
    """The enable registers `comp` depends on while live, with their row index (the missing-enable rule's, per CPU)."""
    return _enables_of(partition.name, comp)


@cache
def _enables_of(partition: str, comp: Component) -> tuple[tuple[Bank, str, int], ...]:
    uses = PARTITIONS[partition].uses(comp)
    return tuple((bank, reg, STATE_INDEX[reg]) for bank, reg in uses if reg in ENABLE_REGISTERS)


@dataclass(frozen=True, slots=True)
class Checker:
    """The rules' view of one step: the partition, the machine as it is now, and the step's index."""

    partition: Partition
    state: MachineState
    step: int

    def finding(self, kind: FindingKindName, message: str, where: Where) -> Finding:
        return make_finding(kind, message, step=self.step, **where)

    def located(self, w: Write, fields: tuple[str, ...]) -> Where:
        return {
            "cpu": w.cpu,
            "bank": w.bank,
            "register": w.register,
            "field": "+".join(fields) or None,
            "component": w.component,
            "owner": self.partition.owner(w.bank, w.register),
            "write": w.index,
        }

    # -- per write ----------------------------------------------------------------------------
    def write(self, w: Write, touched: tuple[str, ...]) -> list[Finding]:
        """The findings of one write, in rule order; the common case (an owner's own write) finds nothing quickly."""
        owner = self.partition.owners.get((w.bank, w.register))
        out = [] if owner is None or owner == w.component else self.ownership(w, touched, owner)
        if not w.rejected:
            verb = switch_off_verb(w)
            if verb is not None:
                out += self.pulled_from_under(w, verb)
            if w.new & 1 and w.register in PAGE_REGISTERS:
                out += self.dangling(w)
        return out

    def ownership(self, w: Write, touched: tuple[str, ...], owner: Component) -> list[Finding]:
        """A write by a component that does not own the register (`owner` does)."""
        intended = REGISTERS[w.register].changed_fields(w.old, w.attempted)  # rejected or not
        where, name = self.partition.label(w.register, w.bank), self.partition.name
        if intended:
            message = (
                f"{title(w.component)} changed {w.register}.{'+'.join(intended)} on CPU {w.cpu}, but {title(owner)} owns {where} on {name}."
            )
            return [self.finding("foreign_write", message, self.located(w, intended))]
        message = (
            f"{title(w.component)} rewrote {w.register}.{'+'.join(touched)} on CPU {w.cpu} "
            f"with the value it already had; {title(owner)} owns {where} on {name}."
        )
        return [self.finding("redundant_write", message, self.located(w, touched))]

    def pulled_from_under(self, w: Write, verb: str) -> list[Finding]:
        """`verb` (what the write did to the resource, from `switch_off_verb`) under each live user but the writer."""
        cpu_state = self.state.cpus[w.cpu]
        return [
            self.finding(
                "pulled_from_under",
                f"{title(w.component)} {verb} {self.partition.label(w.register, w.bank)} on CPU {w.cpu} "
                f"while {title(victim)} is still live and uses it.",
                self.located(w, w.changed),
            )
            for victim in COMPONENTS
            if victim != w.component and cpu_state.live(victim) and (w.bank, w.register) in self.partition.uses(victim)
        ]

    def dangling(self, w: Write) -> list[Finding]:
        if w.register not in PAGE_REGISTERS or not w.new & 1:
            return []
        frame = frame_of(w.new)
        if not self.state.frame_is_dangling(frame):
            return []
        message = (
            f"{title(w.component)} enabled {self.partition.label(w.register, w.bank)} on CPU {w.cpu} at "
            f"{self.state.describe_frame(frame)}, a page Linux does not own."
        )
        return [self.finding("dangling_page", message, self.located(w, ("enable", "frame")))]

    # -- per state ----------------------------------------------------------------------------
    def stale(self, kernel: str) -> list[Finding]:
        """After kexec: live SynIC state that the freshly booted kernel inherits and nobody owns."""
        st, out = self.state, []
        for cpu in range(st.ncpus):
            for bank in st.banks:
                row = st.regs[bank][cpu]
                for reg, index, mask, live in _STALE_TESTS[bank]:
                    if row[index] & mask == live:  # a live value (LIVE_TEST): every register of every CPU at each kexec
                        out.append(self._stale(kernel, cpu, cast(Bank, bank), reg, row[index]))
        return out

    def _stale(self, kernel: str, cpu: int, bank: Bank, reg: str, value: int) -> Finding:
        st = self.state
        what = "unmasked" if reg.startswith("SINT") else f"enabled at {st.describe_frame(frame_of(value))}"
        message = f"The {kernel} inherits {self.partition.label(reg, bank)} {what} on CPU {cpu} with no driver loaded that owns it."
        where: Where = {
            "cpu": cpu,
            "bank": bank,
            "register": reg,
            "field": "masked" if reg.startswith("SINT") else "enable",
            "component": cast(Writer, st.writer[bank][cpu][STATE_INDEX[reg]]),
            "owner": self.partition.owner(bank, reg),
        }
        return self.finding("stale_state", message, where)

    def missing_enable(self, cpus: list[int]) -> list[Finding]:
        """A live component depends on a page or SynIC enable that nobody set (flagged once until fixed)."""
        st, out = self.state, []
        for cpu in cpus:
            for comp in COMPONENTS:
                live = st.cpus[cpu].live(comp)
                if live or st.missing:  # nothing is live and nothing flagged: nothing to find or forget
                    out += self._missing_on(cpu, comp, live)
        return out

    def _missing_on(self, cpu: int, comp: Component, live: bool) -> list[Finding]:
        st, out = self.state, []
        missing = st.missing
        for bank, reg, index in _enables_used(self.partition, comp):
            if not live or st.regs[bank][cpu][index] & 1:
                if missing:
                    missing.discard((cpu, comp, bank, reg))
                continue
            key = (cpu, comp, bank, reg)
            if key not in missing:
                missing.add(key)
                who = self._who_cleared(cpu, bank, reg)
                message = f"{title(comp)} is live on CPU {cpu} and depends on {self.partition.label(reg, bank)}.enable, {who}."
                where: Where = {"cpu": cpu, "bank": bank, "register": reg, "field": "enable", "component": comp}
                where |= {"owner": self.partition.owner(bank, reg)}
                cleared = who != NOBODY_ENABLED  # a write the model made cleared it: the kind's pre-enable assumption does not apply
                out.append(make_finding("missing_enable", message, step=self.step, assumption=None if cleared else "default", **where))
        return out

    def _who_cleared(self, cpu: int, bank: str, reg: str) -> str:
        cleared = self.state.cleared.get((cpu, bank, reg))
        if cleared is None or self.state.last_writer(cpu, bank, reg) == "reset":
            return NOBODY_ENABLED
        writer, step, action = cleared
        return f"which {title(writer)}'s {action} cleared at step {step}"


def switch_off_verb(w: Write) -> str | None:
    mask, live = LIVE_TEST[w.register]  # a live value (LIVE_TEST), tested inline: this runs on every write
    if w.old & mask == live and w.new & mask != live:
        return "masked" if w.register in SINT_REGISTERS else "disabled"
    if w.register in PAGE_REGISTERS and w.old & 1 and frame_of(w.old) != frame_of(w.new):
        return "re-pointed"
    return None


@dataclass(frozen=True, slots=True)
class Unjudged(Checker):
    """The rules switched off, for a session that only predicts writes (`synic trace --check` compares the model's
    writes with a trace's and never reads the model's findings): the machine changes exactly as with the rules. The
    engine does not ask it about each write (`Engine.apply_ops` runs the per-write rules only when it judges)."""

    def stale(self, kernel: str) -> list[Finding]:
        return []

    def missing_enable(self, cpus: list[int]) -> list[Finding]:
        return []
