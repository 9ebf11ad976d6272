"""Hypervisor profiles: which SynIC writes the hypervisor refuses."""

from __future__ import annotations

from dataclasses import dataclass

from synic_core.model.registers import MASKED_BIT, PAGE_REGISTERS, SINT_FIELDS, SINT_REGISTERS, is_teardown_value

FIRST_VALID_VECTOR = 16  # HV_SYNIC_FIRST_VALID_VECTOR
VECTOR_FIELD = SINT_FIELDS[0]
SINT_PASSES = MASKED_BIT | (VECTOR_FIELD.mask & ~(FIRST_VALID_VECTOR - 1))
"""A SINT value with any of these bits set (masked, or a vector of 16 or more: FIRST_VALID_VECTOR is a power of two) is
one the vector rule of `Profile.rejects` lets through: only an SCONTROL drop can get it refused. The per-write paths
(the engine, the trace replay) ask `rejects` about the other SINT writes only (a test proves the two agree)."""
TEARDOWN_TARGETS = SINT_REGISTERS | set(PAGE_REGISTERS)
STRICT_ASSUMPTION = (
    "strict profile: the real reaction of the L1VH hypervisor to SynIC writes with SynIC disabled is "
    "undocumented; the model refuses teardown writes to SIMP/SIEFP/SIRBP/SINTx after SCONTROL.enable "
    "went 1 -> 0 and carries on, as the kernel's fixup for an unchecked MSR access lets it "
    "(docs/kernel-facts.md#hypervisor-behaviour)"
)
"""The one wording of the strict profile's assumption: `synic explain`, `synic ownership` and every finding it causes."""


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    faults_after_scontrol_drop: bool
    assumption: str | None

    def rejects(self, register: str, value: int, scontrol_dropped: bool) -> str | None:
        """Why the hypervisor refuses writing `value` to `register`, or None when it accepts."""
        if register in SINT_REGISTERS:
            vector = VECTOR_FIELD.get(value)
            if vector < FIRST_VALID_VECTOR and not value & MASKED_BIT:
                return f"unmasked SINT with vector {vector} < 16 raises #GP (TLFS SINTx registers)"
        teardown_target = register in TEARDOWN_TARGETS
        if scontrol_dropped and self.faults_after_scontrol_drop and teardown_target and is_teardown_value(register, value):
            return "teardown write after SCONTROL.enable went from 1 to 0 on the same VP"
        return None


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "strict",
            "L1VH hypervisor as the commit message describes it",
            faults_after_scontrol_drop=True,
            assumption=STRICT_ASSUMPTION,
        ),
        Profile(
            "lenient",
            "TLFS/KVM-like: every write is accepted except an unmasked SINT with vector < 16",
            faults_after_scontrol_drop=False,
            assumption=None,
        ),
    )
}
PROFILE_NAMES = tuple(PROFILES)
