"""The shape of scenario and lesson files, checked by pydantic: keys, types, ranges and names.

Only what a user hands in (a scenario, a saved session, a lesson file) goes through here; a
built-in scenario is read without it (start-up time: pydantic's models cost more than running a
scenario), and a test puts every built-in through this schema. The models are built on first
use, when this module is imported.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator, model_validator

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.input_errors import describe_validation_error
from synic_core.model.actions import ACTION_NAMES
from synic_core.model.config import MAX_CPUS
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file
from synic_core.versions.registry import is_known


def first_duplicate(cpus: list[int]) -> int | None:
    """The smallest CPU listed twice, found in one pass (a 4096-CPU list is checked in a blink)."""
    seen: set[int] = set()
    twice: set[int] = set()
    for cpu in cpus:
        (twice if cpu in seen else seen).add(cpu)
    return min(twice) if twice else None


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", title="a step")

    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    cpus: list[StrictInt] | None = Field(default=None, description="omitted: all online CPUs (kexec: CPU 0)")
    note: str = Field(default="", description="what this step shows, for lessons and reports")

    @field_validator("cpus")
    @classmethod
    def _each_cpu_once(cls, cpus: list[int] | None) -> list[int] | None:
        if cpus is not None and not cpus:
            raise ValueError("expected at least one CPU index, or omit cpus for all online CPUs")
        twice = first_duplicate(cpus or [])
        if twice is not None:
            raise ValueError(f"expected each CPU once, CPU {twice} is listed twice")
        return cpus


class ScenarioSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", title="a scenario")

    name: str = ""
    title: str = ""
    description: str = ""
    partition: Literal[PARTITION_NAMES] = "l1vh"  # type: ignore[valid-type]
    cpus: StrictInt = Field(default=4, ge=1, le=MAX_CPUS)
    mshv: StrictStr = Field(default="v4", description="a built-in MSHV version, or a patch file (relative to this file)")
    mshv_version: dict[str, Any] | None = Field(default=None, description="the version in full, embedded by a save")
    mshv_file: StrictStr | None = Field(default=None, description="the patch file an embedded version came from")
    hypervisor: Literal[PROFILE_NAMES] = "strict"  # type: ignore[valid-type]
    channel_cpus: list[StrictInt] = Field(
        default_factory=lambda: [0], description="the CPUs VMBus channels are bound to (an assumption; default CPU 0)"
    )
    steps: list[StepSpec] = Field(default_factory=list)

    @field_validator("channel_cpus")
    @classmethod
    def _each_channel_cpu_once(cls, cpus: list[int]) -> list[int]:
        twice = first_duplicate(cpus)
        if twice is not None:
            raise ValueError(f"expected each CPU once, CPU {twice} is listed twice")
        return cpus

    @model_validator(mode="after")
    def _version_or_file(self) -> ScenarioSpec:
        mshv = self.mshv
        named = self.mshv_version is not None or self.mshv_file is not None  # the version is in the file, or in mshv_file
        if not named and mshv not in BUILTIN_NAMES and not looks_like_file(mshv) and not is_known(mshv):
            names = ", ".join(BUILTIN_NAMES)
            raise ValueError(f"mshv: expected a built-in MSHV version ({names}) or a patch file (.toml or .json), got {mshv!r}")
        return self

    @model_validator(mode="after")
    def _cpus_in_range(self) -> ScenarioSpec:
        for cpu in self.channel_cpus:
            if not 0 <= cpu < self.cpus:
                raise ValueError(f"channel_cpus: CPU {cpu} is out of range (expected 0..{self.cpus - 1})")
        for i, step in enumerate(self.steps):
            for cpu in step.cpus or ():
                if not 0 <= cpu < self.cpus:
                    raise ValueError(f"steps[{i}].cpus: CPU {cpu} is out of range (expected 0..{self.cpus - 1})")
        return self


class LessonStepSpec(StepSpec):
    model_config = ConfigDict(extra="forbid", title="a lesson step")

    note: str = Field(min_length=1, description="what this step shows, in a sentence or three")


class LessonSpec(ScenarioSpec):
    model_config = ConfigDict(extra="forbid", title="a lesson")

    intro: str = Field(min_length=1)
    outro: str = ""
    steps: list[LessonStepSpec] = Field(min_length=1)  # type: ignore[assignment]


SCHEMAS: dict[str, type[ScenarioSpec]] = {"scenario": ScenarioSpec, "lesson": LessonSpec}


def checked(data: dict[str, Any], source: str, kind: Literal["scenario", "lesson"] = "scenario") -> dict[str, Any]:
    """The file's fields with every key present (defaults filled in), or one line naming the mistake."""
    try:
        return SCHEMAS[kind].model_validate(data).model_dump()
    except ValidationError as exc:
        raise InputError(f"{source}: {describe_validation_error(exc, SCHEMAS[kind])}") from None
