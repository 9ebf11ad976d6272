"""Scenario files: pydantic models, JSON or TOML, and the built-in scenarios.

Every way a file can be wrong ends in a `ScenarioError` whose one-line message names the file,
the field and what was expected.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictInt, StrictStr, ValidationError, field_validator, model_validator

from .actions import ACTION_NAMES, ACTIONS
from .bad_input import InputError
from .bad_input import ScenarioError as ScenarioError  # loaders and front ends name it from here too
from .config import MAX_CPUS, SessionConfig
from .input_errors import describe_validation_error
from .partitions import PARTITION_NAMES
from .patch_files import digest, from_embedded
from .profiles import PROFILE_NAMES
from .safe_read import InputRefused, read_structured
from .session import ActionError, Session, collector_paused
from .version_names import BUILTIN_NAMES, looks_like_file
from .version_registry import embedding, is_known, register, resolve
from .versions import MshvVersion

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
    mshv: StrictStr = Field(default="v4", description="a built-in MSHV version, or a patch file (relative to this file)")
    mshv_version: dict[str, Any] | None = Field(default=None, description="the version in full, embedded by a save")
    mshv_file: StrictStr | None = Field(default=None, description="the patch file an embedded version came from")
    hypervisor: Literal[PROFILE_NAMES] = "strict"  # type: ignore[valid-type]
    steps: list[Step] = Field(default_factory=list)
    _notices: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _version_or_file(self) -> Scenario:
        mshv = self.mshv
        if self.mshv_version is None and mshv not in BUILTIN_NAMES and not looks_like_file(mshv) and not is_known(mshv):
            names = ", ".join(BUILTIN_NAMES)
            raise ValueError(f"mshv: expected a built-in MSHV version ({names}) or a patch file (.toml or .json), got {mshv!r}")
        return self

    @property
    def notices(self) -> list[str]:
        """Things replay should tell the user (e.g. an embedded version that differs from its file)."""
        return self._notices

    @model_validator(mode="after")
    def _cpus_in_range(self) -> Scenario:
        for i, step in enumerate(self.steps):
            for cpu in step.cpus or ():
                if not 0 <= cpu < self.cpus:
                    raise ValueError(f"steps[{i}].cpus: CPU {cpu} is out of range (expected 0..{self.cpus - 1})")
        return self

    def bind_version(self, source: str, directory: Path | None) -> None:
        """Resolve `mshv` (a name, a file, or the embedded version) and register it; `mshv` becomes its name."""
        if self.mshv_version is not None:
            version = from_embedded(self.mshv_version, source, self.mshv_file or "", self.mshv)
            self._notices += compare_with_file(version, self.mshv_file)
        else:
            try:
                version = resolve(self.mshv, directory)
            except InputError as exc:  # e.g. a patch file that is not there: say which scenario named it
                raise InputError(f"{source}: mshv: {exc}") from None
        self.mshv = register(version)
        embedded = embedding(self.mshv)  # a file's version stays embedded in what is saved
        self.mshv_version, self.mshv_file = embedded.get("mshv_version"), embedded.get("mshv_file")

    def config(self) -> SessionConfig:
        return SessionConfig(partition=self.partition, cpus=self.cpus, mshv=self.mshv, hypervisor=self.hypervisor)

    def dump(self) -> dict[str, Any]:
        """The scenario as it would be saved: defaults kept, empty notes and texts dropped."""
        data = self.model_dump(exclude_defaults=False, exclude_none=True)
        data["steps"] = [{k: v for k, v in s.items() if v not in (None, "")} for s in data["steps"]]
        return {k: v for k, v in data.items() if v != ""}


# -- loading ---------------------------------------------------------------------------------
def parse_scenario(data: object, source: str, directory: Path | None = None) -> Scenario:
    """A scenario from parsed JSON/TOML; a patch file it names is read relative to `directory`."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected an object with partition, cpus, mshv, hypervisor and steps, got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_validation_error(exc)}") from None
    scenario.bind_version(source, directory)
    return scenario


def with_settings(scenario: Scenario, overrides: dict[str, Any], source: str) -> Scenario:
    """The same steps under other settings; a new `mshv` (name or file, relative to the working directory) replaces the embedded one."""
    data = scenario.model_dump()
    if "mshv" in overrides:
        data.pop("mshv_version", None)
        data.pop("mshv_file", None)
    return parse_scenario(data | overrides, source)


def compare_with_file(version: MshvVersion, file: str | None) -> list[str]:
    """A notice when an embedded version no longer matches the patch file it was saved from."""
    if not file:
        return []
    if not Path(file).is_file():
        return [f"{version.name} is replayed as embedded in the session (its patch file {file} is not there any more)"]
    try:
        on_disk = resolve(file)
    except InputError as exc:
        return [f"{version.name} is replayed as embedded in the session ({file} cannot be read now: {exc})"]
    if digest(on_disk) == digest(version):
        return []
    return [
        f"{file} changed since the session was saved: replaying the version embedded in the session "
        f"(--mshv {file} replays the file as it is now)"
    ]


def read_file(path: Path) -> object:
    """A JSON or TOML file, refused before reading when it is not a regular file or too large (see safe_read)."""
    try:
        return read_structured(path)
    except InputRefused as exc:
        raise ScenarioError(str(exc)) from None


def load_file(path: str | Path) -> Scenario:
    p = Path(path)
    return parse_scenario(read_file(p), str(p), p.parent)


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
        **embedding(cfg.mshv),  # a patch file's version is saved in full
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
