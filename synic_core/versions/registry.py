"""Which MSHV versions exist: the built-ins (patch files in the package) and the files a user loaded.

A session names its version (`SessionConfig.mshv`); this registry maps the name to the version.
Built-ins are read on first use. A user's file is registered under its `name`; a different file
with a name already taken gets the name with its fingerprint appended, so two files never shadow
each other and a session never changes under a later load.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from synic_core.inputs.bad_input import InputError
from synic_core.model.config import SessionConfig
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import PartitionName, ProfileName
from synic_core.versions.files import digest, flatten, read_builtin, read_patch
from synic_core.versions.names import BUILTIN_NAMES, looks_like_file

_builtins: dict[str, MshvVersion] = {}
_user: dict[str, MshvVersion] = {}


def builtin(name: str) -> MshvVersion:
    if name not in _builtins:
        _builtins[name] = read_builtin(name, resolve)
    return _builtins[name]


def builtins() -> dict[str, MshvVersion]:
    return {name: builtin(name) for name in BUILTIN_NAMES}


def known_names() -> tuple[str, ...]:
    """Built-ins first, in their order, then the files loaded in this process."""
    return (*BUILTIN_NAMES, *_user)


def is_known(name: str) -> bool:
    return name in BUILTIN_NAMES or name in _user


def get(name: str) -> MshvVersion:
    if name in BUILTIN_NAMES:
        return builtin(name)
    return _user[name]


def resolve(text: str, directory: Path | None = None, chain: tuple[str, ...] = ()) -> MshvVersion:
    """A built-in version by name, a version loaded earlier, or a patch file (relative to `directory`)."""
    if text in BUILTIN_NAMES:
        return builtin(text)
    if not looks_like_file(text):
        if text in _user:
            return _user[text]
        raise InputError(f"{text}: expected a built-in MSHV version ({', '.join(BUILTIN_NAMES)}) or a patch file (.toml or .json)")
    path = Path(text).expanduser()
    if directory is not None and not path.is_absolute():
        path = directory / path
    version = read_patch(path, resolve, chain)
    if version.name in BUILTIN_NAMES and digest(version) != digest(builtin(version.name)):
        raise InputError(f"{path}: name: {version.name!r} is a built-in version; give the file another name")
    return version


def register(version: MshvVersion) -> str:
    """Make a version usable by name; returns the name it is known by."""
    name = version.name
    if name in BUILTIN_NAMES:
        if digest(builtin(name)) == digest(version):
            return name
        raise InputError(f"{version.origin}: name: {name!r} is a built-in version; give the file another name")
    known = _user.get(name)
    if known is not None and digest(known) != digest(version):  # another version took the name: say where this one is from
        name = f"{name}-{digest(version)[:6]}"
        known = _user.get(name)
        version = replace(version, name=name, title=f"{version.title} ({version.origin})")
    if known is None:
        _user[name] = version
    return name


def use(text: str, directory: Path | None = None) -> str:
    """Resolve a name or file and register it: the name a `SessionConfig` takes."""
    return register(resolve(text, directory))


def embedding(version: MshvVersion) -> dict[str, Any]:
    """How a saved session or scenario names its version: a built-in by name, a file's version in full.

    A file's version is embedded (flattened, no based_on) so the session replays anywhere and a
    later edit of the file does not silently change it; `mshv_file` remembers where it came from.
    """
    if version.builtin:
        return {"mshv": version.name}
    out: dict[str, Any] = {"mshv": version.name, "mshv_version": flatten(version)}
    return out | ({"mshv_file": version.file} if version.file else {})


def known() -> dict[str, MshvVersion]:
    """Every version a session can use now: the built-ins, then the patch files loaded in this process."""
    return {name: get(name) for name in known_names()}


def forget_loaded() -> None:
    """Forget the patch files loaded so far (the built-ins stay): each test starts from a fresh process's state."""
    _user.clear()


def session_config(
    *,
    mshv: str = "v4",
    partition: str = "l1vh",
    cpus: int = 4,
    hypervisor: str = "strict",
    auto_eoi: bool = True,
    channel_cpus: tuple[int, ...] = (0,),
) -> SessionConfig:
    """A `SessionConfig` for a version named here (a built-in or a file loaded in this process): the edges' way in.

    The model receives the resolved version; names are looked up only at the edges (CLI, loaders,
    dashboard). Bad names raise `ValueError` naming the field, as `SessionConfig` does.
    """
    if not is_known(mshv):
        raise ValueError(f"mshv: expected one of {', '.join(known_names())} or a patch file, got {mshv!r}")
    return SessionConfig(
        version=get(mshv),
        partition=cast(PartitionName, partition),  # SessionConfig checks both names
        cpus=cpus,
        hypervisor=cast(ProfileName, hypervisor),
        auto_eoi=auto_eoi,
        channel_cpus=channel_cpus,
    )


def with_version(config: SessionConfig, mshv: str) -> SessionConfig:
    """The same settings under another version, named here."""
    return replace(config, version=get(mshv))
