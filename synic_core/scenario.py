"""Scenario files: pydantic models, JSON or TOML, and the built-in scenarios.

Every way a file can be wrong ends in a `ScenarioError` whose one-line message names the file,
the field and what was expected.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .actions import ACTION_NAMES, ACTIONS
from .bad_input import ScenarioError as ScenarioError
from .bad_input import one_line as one_line
from .config import MAX_CPUS, SessionConfig
from .partitions import PARTITION_NAMES
from .profiles import PROFILE_NAMES
from .safe_read import InputRefused, read_structured
from .session import ActionError, Session, collector_paused
from .versions import VERSION_NAMES

BUILTIN_PACKAGE = "synic_core.scenarios"


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal[ACTION_NAMES]  # type: ignore[valid-type]
    cpus: list[StrictInt] | None = Field(default=None, description="omitted: all online CPUs (kexec: CPU 0)")
    note: str = Field(default="", description="what this step shows, for lessons and reports")

    @field_validator("cpus")
    @classmethod
    def _no_duplicates(cls, cpus: list[int] | None) -> list[int] | None:
        if cpus is not None:
            if not cpus:
                raise ValueError("expected at least one CPU index, or omit cpus for all online CPUs")
            seen: set[int] = set()
            dup = set()
            for c in cpus:  # linear: a 4096-CPU list is checked in a blink
                if c in seen:
                    dup.add(c)
                seen.add(c)
            if dup:
                raise ValueError(f"expected each CPU once, CPU {min(dup)} is listed twice")
        return cpus


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    title: str = ""
    description: str = ""
    partition: Literal[PARTITION_NAMES] = "l1vh"  # type: ignore[valid-type]
    cpus: StrictInt = Field(default=4, ge=1, le=MAX_CPUS)
    mshv: Literal[VERSION_NAMES] = "v4"  # type: ignore[valid-type]
    hypervisor: Literal[PROFILE_NAMES] = "strict"  # type: ignore[valid-type]
    steps: list[Step] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cpus_in_range(self) -> Scenario:
        for i, step in enumerate(self.steps):
            for cpu in step.cpus or ():
                if not 0 <= cpu < self.cpus:
                    raise ValueError(f"steps[{i}].cpus: CPU {cpu} is out of range (expected 0..{self.cpus - 1})")
        return self

    def config(self) -> SessionConfig:
        return SessionConfig(partition=self.partition, cpus=self.cpus, mshv=self.mshv, hypervisor=self.hypervisor)

    def dump(self) -> dict[str, Any]:
        """The scenario as it would be saved: defaults kept, empty notes and texts dropped."""
        data = self.model_dump(exclude_defaults=False)
        data["steps"] = [{k: v for k, v in s.items() if v not in (None, "")} for s in data["steps"]]
        return {k: v for k, v in data.items() if v != ""}


# -- loading ---------------------------------------------------------------------------------
def parse_scenario(data: object, source: str) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected an object with partition, cpus, mshv, hypervisor and steps, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    text = describe_error(errors[0])
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return text


def describe_error(error: ErrorDetails) -> str:
    """ "field: what was expected (got value)"; a model-level message that names its own field stays as it is."""
    msg = str(error["msg"]).removeprefix("Value error, ")
    field = format_loc(error["loc"])
    text = f"{field}: {msg}" if field and not msg.startswith("steps[") else msg
    if error["type"] not in ("missing", "value_error") and "input" in error:
        text += f" (got {short_repr(error['input'])})"
    return text


def format_loc(loc: tuple[int | str, ...]) -> str:
    """("steps", 1, "action") -> "steps[1].action"; a key that is not a plain name is quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if part.isidentifier() else repr(part)
            out += f".{name}" if out else name
    return out


def short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def read_file(path: Path) -> object:
    """A JSON or TOML file, refused before reading when it is not a regular file or too large (see safe_read)."""
    try:
        return read_structured(path)
    except InputRefused as exc:
        raise ScenarioError(str(exc)) from None


def load_file(path: str | Path) -> Scenario:
    p = Path(path)
    return parse_scenario(read_file(p), str(p))


def builtin_names() -> list[str]:
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".json") for f in files if f.name.endswith(".json"))


def load_builtin(name: str) -> Scenario:
    ref = resources.files(BUILTIN_PACKAGE) / f"{name}.json"
    return parse_scenario(json.loads(ref.read_text("utf-8")), f"built-in scenario {name}")


def load(name_or_path: str) -> Scenario:
    """A file path, or the name of a built-in scenario."""
    if Path(name_or_path).exists() or Path(name_or_path).suffix in (".json", ".toml"):
        return load_file(name_or_path)
    if name_or_path in builtin_names():
        return load_builtin(name_or_path)
    raise ScenarioError(f"{name_or_path}: no such file, and no built-in scenario of that name (synic run --list shows them)")


def session_scenario(session: Session, name: str = "", title: str = "") -> Scenario:
    """The session as a scenario file: its settings and every step in its history."""
    cfg = session.config
    return Scenario(
        name=name,
        title=title,
        partition=cfg.partition,
        cpus=cfg.cpus,
        mshv=cfg.mshv,
        hypervisor=cfg.hypervisor,
        steps=[Step(action=s.action, cpus=s.cpus) for s in session.history],
    )


# -- replaying -------------------------------------------------------------------------------
@collector_paused()  # the history is not garbage: no collection walks it while it grows
def replay(scenario: Scenario, source: str = "scenario") -> Session:
    """Run every step; a step that cannot apply (e.g. an offline CPU) is bad input."""
    session = Session(scenario.config())
    for i, step in enumerate(scenario.steps):
        try:
            session.apply(step.action, step.cpus)
        except ActionError as exc:
            target = ACTIONS[step.action].target
            raise ScenarioError(
                f"{source}: steps[{i}].{exc.field}: {exc.detail} ({step.action} targets "
                f"{'one online CPU' if target == 'one' else target + ' CPUs'})"
            ) from None
    return session
