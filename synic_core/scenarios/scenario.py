"""Scenarios: settings and steps, read from JSON or TOML files, and the built-in scenarios.

A user's file is shape-checked by pydantic (`scenario_schema`, imported when a file is read);
every way it can be wrong ends in a `InputError` whose one-line message names the file, the
field and what was expected. A built-in scenario is trusted data shipped with the package: it is
read without pydantic, and a test checks every one against the schema.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import InputRefused, read_structured
from synic_core.model.actions import ACTIONS
from synic_core.model.config import SessionConfig
from synic_core.model.session import ActionError, Session, collector_paused
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import ActionName, PartitionName, ProfileName
from synic_core.versions.files import digest, from_embedded
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file
from synic_core.versions.registry import embedding, get, register, resolve, session_config

BUILTIN_PACKAGE = "synic_core.scenarios.builtin"
S = TypeVar("S", bound="Scenario")


@dataclass(kw_only=True)
class Step:
    action: ActionName
    cpus: list[int] | None = None  # None: all online CPUs (kexec: CPU 0)
    note: str = ""  # what this step shows, for lessons and reports


@dataclass(kw_only=True)
class Scenario:
    """What a scenario file holds (field by field, as `scenario_schema` checks it), and its notices."""

    KIND: ClassVar[Literal["scenario", "lesson"]] = "scenario"
    EXPECTED: ClassVar[str] = "an object with partition, cpus, mshv, hypervisor and steps"

    name: str = ""
    title: str = ""
    description: str = ""
    partition: PartitionName = "l1vh"
    cpus: int = 4
    mshv: str = "v4"  # a built-in MSHV version, or a patch file (relative to the scenario file)
    mshv_version: dict[str, Any] | None = None  # the version in full, embedded by a save
    mshv_file: str | None = None  # the patch file an embedded version came from
    hypervisor: ProfileName = "strict"
    channel_cpus: list[int] = field(default_factory=lambda: [0])  # the CPUs VMBus channels are bound to (an assumption)
    steps: list[Step] = field(default_factory=list)
    notices: list[str] = field(default_factory=list, compare=False, repr=False)  # what replay should tell the user

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Self:
        """From fields already checked (by the schema, or shipped with the package): no check here."""
        known = {f.name for f in fields(cls)} - {"notices", "steps"}
        steps = [Step(**step) for step in data.get("steps", ())]
        return cls(steps=steps, **{k: v for k, v in data.items() if k in known})

    def data(self) -> dict[str, Any]:
        """Every field a file can hold, with its value (defaults and None included)."""
        data = asdict(self)
        del data["notices"]
        return data

    def bind_version(self, source: str, directory: Path | None) -> None:
        """Resolve `mshv` (a name, a file, or the embedded version) and register it; `mshv` becomes its name."""
        if self.mshv_version is not None:
            version = from_embedded(self.mshv_version, source, self.mshv_file or "", self.mshv)
            self.notices += compare_with_file(version, self.mshv_file)
        elif self.mshv_file and self.mshv not in BUILTIN_NAMES and not looks_like_file(self.mshv):
            version = self._named_file(source, directory)
        else:
            try:
                version = resolve(self.mshv, directory)
            except InputError as exc:  # e.g. a patch file that is not there: say which scenario named it
                raise InputError(f"{source}: mshv: {exc}") from None
        self.mshv = register(version)
        embedded = embedding(get(self.mshv))  # as registered: a file's version stays embedded in what is saved
        self.mshv_version, self.mshv_file = embedded.get("mshv_version"), embedded.get("mshv_file")

    def _named_file(self, source: str, directory: Path | None) -> MshvVersion:
        """`mshv` names a version that `mshv_file` holds, with no `mshv_version` (e.g. written by hand): the file as it is now."""
        file = self.mshv_file or ""
        try:
            version = resolve(file, directory)
        except InputError as exc:
            raise InputError(f"{source}: mshv_file: {exc}") from None
        if version.name != self.mshv:
            raise InputError(f"{source}: mshv_file: {file} holds the version {version.name!r}, expected {self.mshv!r} (the mshv field)")
        self.notices.append(f"{self.mshv} is read from {file} as it is now (the session embeds no mshv_version to replay)")
        return version

    def config(self) -> SessionConfig:
        return session_config(
            partition=self.partition, cpus=self.cpus, mshv=self.mshv, hypervisor=self.hypervisor, channel_cpus=tuple(self.channel_cpus)
        )

    def dump(self) -> dict[str, Any]:
        """The scenario as it would be saved: defaults kept, empty notes, texts and None dropped."""
        data = {k: v for k, v in self.data().items() if v not in ("", None)}
        data["steps"] = [{k: v for k, v in s.items() if v not in (None, "")} for s in data["steps"]]
        return data


# -- loading ---------------------------------------------------------------------------------
def parse_as(cls: type[S], data: object, source: str, directory: Path | None = None) -> S:
    """A scenario (or lesson) from a user's parsed JSON/TOML; a patch file it names is read relative to `directory`."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected {cls.EXPECTED}, got {type(data).__name__}")
    from synic_core.scenarios.schema import checked  # here: pydantic's models are built when a user's file is read

    scenario = cls.from_data(checked(data, source, cls.KIND))
    scenario.bind_version(source, directory)
    return scenario


def parse_scenario(data: object, source: str, directory: Path | None = None) -> Scenario:
    return parse_as(Scenario, data, source, directory)


def with_settings(scenario: Scenario, overrides: dict[str, Any], source: str) -> Scenario:
    """The same steps under other settings; a new `mshv` (name or file, relative to the working directory) replaces the embedded one."""
    data = scenario.data()
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
        raise InputError(str(exc)) from None


def load_file(path: str | Path) -> Scenario:
    p = Path(path)
    return parse_scenario(read_file(p), str(p), p.parent)


def builtin_names() -> list[str]:
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".json") for f in files if f.name.endswith(".json"))


def builtin_data(name: str) -> dict[str, Any]:
    """A built-in scenario's file, parsed."""
    data: dict[str, Any] = json.loads((resources.files(BUILTIN_PACKAGE) / f"{name}.json").read_text("utf-8"))
    return data


def load_builtin(name: str) -> Scenario:
    """Trusted: read without the schema (tests check every built-in against it)."""
    scenario = Scenario.from_data(builtin_data(name))
    scenario.bind_version(f"built-in scenario {name}", None)
    return scenario


def load(name_or_path: str) -> Scenario:
    """A file path, or the name of a built-in scenario."""
    if Path(name_or_path).exists() or Path(name_or_path).suffix in (".json", ".toml"):
        return load_file(name_or_path)
    if name_or_path in builtin_names():
        return load_builtin(name_or_path)
    raise InputError(f"{name_or_path}: no such file, and no built-in scenario of that name (synic run --list shows them)")


def session_scenario(session: Session, name: str = "", title: str = "") -> Scenario:
    """The session as a scenario file: its settings and every step in its history."""
    cfg = session.config  # checked when the session started: no schema here
    return Scenario.from_data(
        {
            "name": name,
            "title": title,
            "partition": cfg.partition,
            "cpus": cfg.cpus,
            **embedding(cfg.version),  # a patch file's version is saved in full
            "hypervisor": cfg.hypervisor,
            "channel_cpus": list(cfg.channel_cpus),
            "steps": [{"action": s.action, "cpus": s.cpus} for s in session.history],
        }
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
            raise InputError(
                f"{source}: steps[{i}].{exc.field}: {exc.detail} ({step.action} targets "
                f"{'one online CPU' if target == 'one' else target + ' CPUs'})"
            ) from None
    return session
