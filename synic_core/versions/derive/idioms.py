"""The idioms table (`idioms.toml`, shipped with the package) and a user's additions (`--idioms FILE`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import InputRefused, read_structured
from synic_core.model.registers import REGISTERS
from synic_core.model.sequences import SYMBOLS

ATOMS = ("hv_root", "nested", "l1vh", "parent", "vmbus_exists", "true", "false")
"""What a predicate may stand for: a property of the partition the model runs, or a constant."""
MAPS = ("registers", "fields", "values", "predicates", "assumed")


@dataclass(frozen=True, slots=True)
class Functions:
    """Where one driver's per-CPU code lives and how its entry points are found."""

    file: str
    also: tuple[str, ...]
    cpuhp: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    crash: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Idioms:
    mshv: Functions
    vmbus: Functions
    read: frozenset[str]
    write: frozenset[str]
    registers: dict[str, str]
    fields: dict[str, str]
    values: dict[str, int | str]
    allocated: frozenset[str]
    predicates: dict[str, str]
    assumed: dict[str, str] = field(default_factory=dict)


def key(text: str) -> str:
    """C text as the table spells it: without spaces."""
    return "".join(text.split())


def load(extra: Path | None = None) -> Idioms:
    data: dict[str, Any] = tomllib.loads((resources.files("synic_core.versions.derive") / "idioms.toml").read_text("utf-8"))
    if extra is not None:
        merge(data, user_table(extra), str(extra))
    funcs = {name: functions(spec) for name, spec in data["functions"].items()}
    return Idioms(
        mshv=funcs["mshv"],
        vmbus=funcs["vmbus"],
        read=frozenset(data["accessors"]["read"]),
        write=frozenset(data["accessors"]["write"]),
        registers={key(k): v for k, v in data["registers"].items()},
        fields=dict(data["fields"]),
        values={key(k): v for k, v in data["values"].items()},
        allocated=frozenset(data["pages"]["allocated"]),
        predicates={key(k): v for k, v in data["predicates"].items()},
        assumed={key(k): v for k, v in data["assumed"].items()},
    )


def functions(spec: dict[str, Any]) -> Functions:
    pairs = tuple((a, b) for a, b in spec["pairs"])
    return Functions(spec["file"], tuple(spec["also"]), tuple(spec["cpuhp"]), pairs, tuple(spec.get("crash", ())))


def user_table(path: Path) -> dict[str, Any]:
    try:
        data = read_structured(path)
    except InputRefused as exc:
        raise InputError(str(exc)) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an idioms table ({', '.join(MAPS)}, accessors, pages)")
    return data


def merge(data: dict[str, Any], user: dict[str, Any], source: str) -> None:
    """A user's entries added to the shipped table, each checked: one line naming the entry on a mistake."""
    for section, entries in user.items():
        if section in ("accessors", "pages"):
            for name, names in checked_table(entries, source, section).items():
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise InputError(f"{source}: {section}.{name}: expected a list of C function names")
                data[section][name] = [*data[section].get(name, []), *names]
            continue
        if section not in MAPS:
            raise InputError(f"{source}: {section}: not a table of an idioms file (expected {', '.join(MAPS)}, accessors, pages)")
        for name, value in checked_table(entries, source, section).items():
            check_entry(section, name, value, f"{source}: {section}.{name}")
            data[section][name] = value


def checked_table(entries: object, source: str, section: str) -> dict[str, Any]:
    if not isinstance(entries, dict):
        raise InputError(f"{source}: {section}: expected a table")
    return entries


def check_entry(section: str, name: str, value: object, where: str) -> None:
    allowed: tuple[object, ...] | None = {
        "registers": tuple(REGISTERS),
        "fields": ("frame", *sorted({f.name for r in REGISTERS.values() for f in r.fields})),
        "predicates": ATOMS,
    }.get(section)
    if allowed is not None and value not in allowed:
        raise InputError(f"{where}: expected one of {', '.join(map(str, allowed))}, got {value!r}")
    if section == "values" and not (value in SYMBOLS or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)):
        raise InputError(f"{where}: expected a whole number or one of {', '.join(SYMBOLS)}, got {value!r}")
    if section == "assumed" and not isinstance(value, str):
        raise InputError(f"{where}: expected the reason, as text")
