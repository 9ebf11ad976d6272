"""The user's defaults: `$XDG_CONFIG_HOME/synic-lab/config.toml` and `SYNIC_*` environment variables.

Precedence: command-line flags, then the environment, then the config file, then the built-in
defaults. A bad config never stops the tool: every problem is reported in one line naming where
it came from (the file or the variable), the field and what was expected, and the built-in
defaults are used instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.input_errors import describe_error, format_loc
from synic_core.inputs.safe_read import InputRefused, check_setting_text
from synic_core.model.config import MAX_CPUS
from synic_core.model.partitions import PARTITION_NAMES
from synic_core.model.profiles import PROFILE_NAMES
from synic_core.scenarios.scenario import read_file
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file

ENV_PREFIX = "SYNIC_"
PATH_VARIABLE = "SYNIC_CONFIG"  # points at another config file; empty: no config file at all
MAX_KEY_ENTRIES = 256  # far more than there are commands; a longer table is a mistake or an attack
MAX_PROBLEMS = 10  # lines reported; the rest are counted
KEYS_JSON_HINT = """expected a JSON object of command ids and keys, e.g. '{"kexec": "K,ctrl+k"}'"""


class UserConfig(BaseSettings):
    """Defaults for new sessions in the dashboard and `synic serve`; scenario files keep their own settings."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    partition: Literal[PARTITION_NAMES] = "l1vh"  # type: ignore[valid-type]
    mshv: str = Field(default="v4", description="a built-in MSHV version or a patch file")
    hypervisor: Literal[PROFILE_NAMES] = "strict"  # type: ignore[valid-type]
    cpus: int = Field(default=4, ge=1, le=MAX_CPUS)
    theme: str | None = Field(default=None, description="a Textual theme name, e.g. synic-high-contrast")
    keys: dict[str, str] = Field(default_factory=dict, description="command id -> keys, e.g. kexec = 'K,ctrl+k'")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The environment wins over the file, which is passed in as init values; no .env, no secrets dir."""
        return env_settings, init_settings

    @field_validator("mshv")
    @classmethod
    def _version_or_file(cls, mshv: str) -> str:
        if mshv not in BUILTIN_NAMES and not looks_like_file(mshv):
            raise ValueError(f"expected a built-in MSHV version ({', '.join(BUILTIN_NAMES)}) or a patch file (.toml or .json)")
        return mshv

    @field_validator("cpus", mode="before")
    @classmethod
    def _not_a_bool(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number of CPUs, 1..{MAX_CPUS}")
        return value

    @field_validator("keys")
    @classmethod
    def _key_lists(cls, keys: dict[str, str]) -> dict[str, str]:
        if len(keys) > MAX_KEY_ENTRIES:
            raise ValueError(f"{len(keys):,} entries (expected one per command id, at most {MAX_KEY_ENTRIES})")
        for command, value in keys.items():
            if not all(k.strip() and " " not in k.strip() for k in value.split(",")):
                raise ValueError(f"{command}: expected keys separated by commas, like 'K' or 'K,ctrl+k', got {value!r}")
        return keys


@dataclass(frozen=True)
class LoadedConfig:
    """The config in force, where it was looked for, and what was wrong with it (then it is the defaults)."""

    config: UserConfig
    path: Path | None
    file_fields: frozenset[str] = frozenset()  # the settings the file gives
    problems: list[str] = field(default_factory=list)
    checkable: UserConfig | None = None  # with problems: the settings that passed, the rest at their defaults

    @property
    def to_check(self) -> UserConfig:
        """What the dashboard still checks (themes, key names), so that every bad setting gets its line.

        Without problems that is the config in force; with problems, the settings that passed the
        checks here (a bad `SYNIC_THEME` is reported beside a bad `SYNIC_CPUS`)."""
        return self.checkable if self.problems and self.checkable is not None else self.config

    @property
    def found(self) -> bool:
        return self.path is not None and self.path.exists()

    def source_of(self, name: str) -> str:
        """Where a field's value comes from: its environment variable, else the file, else the defaults."""
        if self.problems:
            return "default (config ignored)"
        return self.origin(name)

    def origin(self, name: str) -> str:
        """Where a setting was given, whether or not the config is in force: its variable, else the file, else "default"."""
        return _variable_for(name) or (str(self.path) if name in self.file_fields else "default")

    def with_problems(self, problems: list[str]) -> LoadedConfig:
        """More problems (found by the dashboard, e.g. in key bindings): the whole config falls back."""
        return LoadedConfig(UserConfig.model_construct(), self.path, self.file_fields, self.problems + problems, self.checkable)


def config_path() -> Path | None:
    """`SYNIC_CONFIG`, else the XDG base directory spec (a relative `XDG_CONFIG_HOME` is ignored)."""
    if PATH_VARIABLE in os.environ:
        explicit = os.environ[PATH_VARIABLE]
        return Path(explicit).expanduser() if explicit else None
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "synic-lab" / "config.toml"


def load_user_config() -> LoadedConfig:
    path = config_path()
    try:
        values = _read(path) if path is not None and path.exists() else {}
    except InputError as exc:
        return LoadedConfig(UserConfig.model_construct(), path, problems=[str(exc)])
    fields = frozenset(values)
    refused = _refused_variables()
    if refused:
        return LoadedConfig(UserConfig.model_construct(), path, fields, refused)
    try:
        return LoadedConfig(UserConfig(**values), path, fields)
    except RecursionError:  # a structure the limits above did not foresee: still one line, still the defaults
        problems = [f"{path}: refused: nested too deeply"]
    except SettingsError:  # the only structured field is keys, given as JSON
        problems = [f"{_variable_for('keys') or 'environment'}: {KEYS_JSON_HINT}"]
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [_describe(e, path) for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"{path}: and {len(errors) - MAX_PROBLEMS:,} more problems")
        bad = {str(e["loc"][0]) for e in errors if e["loc"]}
        return LoadedConfig(UserConfig.model_construct(), path, fields, problems, _settings_that_passed(values, bad))
    return LoadedConfig(UserConfig.model_construct(), path, fields, problems)


def _settings_that_passed(file_values: dict[str, Any], bad: set[str]) -> UserConfig:
    """The settings given (the environment over the file) that no error names, each converted to its type."""
    env = EnvSettingsSource(UserConfig, case_sensitive=False, env_prefix=ENV_PREFIX, env_nested_delimiter="__")
    try:
        given = file_values | env()
    except SettingsError:  # keys given as bad JSON: already reported, and not a setting that passed
        given = dict(file_values)
    passed: dict[str, Any] = {}
    for name, value in given.items():
        spec = UserConfig.model_fields.get(name)
        if spec is None or spec.annotation is None or name in bad:
            continue
        try:
            passed[name] = TypeAdapter(spec.annotation).validate_python(value)
        except ValidationError:
            continue
    return UserConfig.model_construct(**passed)


def _refused_variables() -> list[str]:
    """SYNIC_* variables too long, too deeply nested or with too long numbers, refused before pydantic parses them."""
    problems = []
    for name, value in os.environ.items():
        if name.upper().startswith(ENV_PREFIX) and name.upper() != PATH_VARIABLE:
            try:
                check_setting_text(name, value)
            except InputRefused as exc:
                problems.append(str(exc))
    return problems


def _read(path: Path) -> dict[str, Any]:
    data = read_file(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a table of settings, got {type(data).__name__}")
    return data


def _describe(error: ErrorDetails, path: Path | None) -> str:
    """One line: the variable that set the field if there is one, else the file; then field and expectation."""
    where = _variable_for(str(error["loc"][0])) if error["loc"] else None
    if error["type"] == "extra_forbidden":
        return f"{where or path}: {format_loc(error['loc'])}: not a setting (expected {', '.join(UserConfig.model_fields)})"
    return f"{where or path}: {describe_error(error)}"


def _variable_for(name: str) -> str | None:
    wanted = (ENV_PREFIX + name).upper()
    for variable in os.environ:
        upper = variable.upper()
        if upper == wanted or upper.startswith(wanted + "__"):
            return variable
    return None
