"""Patch files: an MSHV version (a row of rules and the driver sequences) as TOML or JSON.

The built-in versions are such files (`synic_core/patches/`) and load through this same code.
A file may start from another version (`based_on`: a built-in name or a file, relative to this
one); every row field and sequence it leaves out is inherited. Pydantic checks a user file's shape
(`patch_schema`); the checks below, run on every file, say what the engine needs (writable registers, known fields, values that fit, frame
rules on page registers, no VMBus write to a register the NESTED bank lacks), each as one line
naming the file and the table path, e.g. `sequences.mshv_exit[2].fields.masked`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from synic_core.inputs.bad_input import InputError, short_repr
from synic_core.inputs.safe_read import InputRefused, read_structured
from synic_core.model.registers import PAGE_REGISTERS, REGISTERS, STATE_REGISTERS
from synic_core.model.sequences import SLOTS, SYMBOLS, Op, Sequence, sequence
from synic_core.model.version import MshvVersion
from synic_core.model.vocabulary import SequenceName
from synic_core.versions.names import BUILTIN_PACKAGE

WRITABLE = tuple(r for r in STATE_REGISTERS if REGISTERS[r].access == "rw")
FRAME_REGISTERS: dict[str, tuple[str, ...]] = {
    "vmbus_enable": ("SIMP", "SIEFP"),
    "vmbus_disable": ("SIMP", "SIEFP"),
    "mshv_sirbp_enable": PAGE_REGISTERS,
    "mshv_sirbp_disable": PAGE_REGISTERS,
}
"""Page registers each frame rule may act on (the VMBus rules keep one page per CPU and register)."""


# -- checking what pydantic cannot ---------------------------------------------------------------
def check_op(op: dict[str, Any], slot: SequenceName, where: str) -> None:
    register, frame = op["register"], op.get("frame")
    if register not in WRITABLE:
        raise InputError(f"{where}.register: expected a writable SynIC register ({', '.join(WRITABLE)}), got {register!r}")
    reg = REGISTERS[register]
    if SLOTS[slot].component == "vmbus" and reg.l1_only:
        raise InputError(f"{where}.register: {register} has no NESTED (L0) copy, and VMBus writes the NESTED bank on a nested root")
    settable = settable_fields(register)
    for name, value in op.get("fields", {}).items():
        check_field(register, settable, name, value, f"{where}.fields.{name}")
    if frame is not None and register not in FRAME_REGISTERS[frame]:
        raise InputError(f"{where}.frame: {frame} acts on {'/'.join(FRAME_REGISTERS[frame])}, not on {register}")


def settable_fields(register: str) -> list[str]:
    """Fields a patch file may set (the frame comes from a frame rule; reserved bits are preserved)."""
    return [f.name for f in REGISTERS[register].fields if f.name != "frame" and not f.name.startswith(("reserved", "preserved"))]


def check_field(register: str, settable: list[str], name: str, value: object, where: str) -> None:
    if name not in settable:
        hint = " (the frame is set by a frame rule: frame = ...)" if name == "frame" else ""
        raise InputError(f"{where}: expected a field of {register} ({', '.join(settable)}){hint}, got {name!r}")
    width = REGISTERS[register].field(name).width
    if isinstance(value, str) and value in SYMBOLS:
        if value == "VECTOR" and width < 8:
            raise InputError(f"{where}: VECTOR is 8 bits wide and {name} has {width}")
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: expected a whole number or one of {', '.join(SYMBOLS)}, got {short_repr(value)}")
    if not 0 <= value < (1 << width):
        raise InputError(f"{where}: expected 0..{(1 << width) - 1} ({width} bit{'s' if width > 1 else ''}), got {value}")


def to_op(op: dict[str, Any]) -> Op:
    return Op(op["register"], op["kind"], dict(op.get("fields", {})), op.get("when"), op.get("frame"), op.get("source", ""))


# -- loading -------------------------------------------------------------------------------------
Resolver = Callable[[str, Path | None, tuple[str, ...]], MshvVersion]


def is_patch_data(data: object) -> bool:
    """A parsed file that is a patch file rather than a scenario (it has no steps, and a patch file's tables)."""
    return isinstance(data, dict) and "steps" not in data and bool({"based_on", "sequences", "version"} & data.keys())


def parse_spec(data: object, source: str) -> dict[str, Any]:
    """A user's tables, shape-checked by pydantic (imported here: a built-in never needs it)."""
    from synic_core.versions.schema import parse_spec as checked

    return checked(data, source)


ROW_KEYS = ("manages_shared", "notifier_on", "sirbp_on_l1vh", "vmbus_dependency")


def build(spec: dict[str, Any], source: str, base: MshvVersion | None, origin: str, file: str = "") -> MshvVersion:
    """The version a spec describes (a checked file, or a built-in as read), its gaps filled from `base`."""
    row: dict[str, Any] = {}
    given = spec.get("version") or {}
    for key in ROW_KEYS:
        value = given.get(key)
        if value is None and base is None:
            raise InputError(f"{source}: version.{key}: required (the file has no based_on to inherit it from)")
        row[key] = getattr(base, key) if value is None else value
    seqs: dict[SequenceName, Sequence] = {}
    for slot in SLOTS:
        ops = (spec.get("sequences") or {}).get(slot)
        if ops is None:
            if base is None:
                raise InputError(f"{source}: sequences.{slot}: required (the file has no based_on to inherit it from)")
            seqs[slot] = base.sequences[slot]
            continue
        for i, op in enumerate(ops):
            try:
                check_op(op, slot, f"sequences.{slot}[{i}]")
            except InputError as exc:
                raise InputError(f"{source}: {exc}") from None
        seqs[slot] = sequence(slot, tuple(to_op(op) for op in ops))
    name = spec["name"]
    title = spec.get("title") or (modified(base.title) if base else name)
    return MshvVersion(name, title, source=spec.get("source", ""), sequences=seqs, origin=origin, file=file, **row)


def modified(title: str) -> str:
    """The title of a version that changes `title`'s version: "modified" said once, however long the chain."""
    return title if title.endswith(", modified") else f"{title}, modified"


def load_spec(spec: dict[str, Any], source: str, directory: Path | None, resolve: Resolver, chain: tuple[str, ...]) -> MshvVersion:
    """A built-in's spec: its based_on names another built-in (user files go through `read_patch`)."""
    base = None
    based_on = spec.get("based_on")
    if based_on is not None:
        if based_on == spec["name"]:
            raise InputError(f"{source}: based_on: names this version itself ({based_on!r})")
        base = resolve(based_on, directory, chain)
    return build(spec, source, base, origin=source, file=chain[-1] if chain else "")


MAX_CHAIN = 32
"""Patch files a based_on chain may hold: real ones hold two or three."""


class _Cycle(InputError):
    """A based_on chain that comes back to a file it holds; its text is the cycle's file names."""


@dataclass(frozen=True, slots=True)
class _Link:
    spec: dict[str, Any]
    source: str  # the path as the user (or the file before it) wrote it
    key: str  # the real path: a cycle is the same file twice


def read_patch(path: Path, resolve: Resolver, chain: tuple[str, ...] = ()) -> MshvVersion:
    """A user's patch file and the files its based_on names, read one after the other (no recursion, at most MAX_CHAIN).

    `chain` holds the files whose based_on led here (to refuse a cycle). A mistake in a base file
    names every file that led to it: `a.toml: based_on: b.toml: sequences...`.
    """
    links: list[_Link] = []
    base: MshvVersion | None = None
    current: Path | None = path
    while current is not None:
        if len(links) >= MAX_CHAIN:
            raise InputError(
                f"{links[0].source}: based_on: a chain of more than {MAX_CHAIN} patch files "
                f"({chain_names(links, current)}); expected at most {MAX_CHAIN}"
            )
        try:
            link = _read_link(current, (*chain, *(k.key for k in links)), links)
        except _Cycle as cycle:  # named once, from the file the user gave
            raise InputError(f"{links[0].source if links else current}: based_on: forms a cycle ({cycle})") from None
        except InputError as exc:
            raise InputError(_led_here(links, str(exc))) from None
        links.append(link)
        current, base = _next(link, Path(link.source).parent, resolve, (*chain, *(k.key for k in links)), links)
    for i in reversed(range(len(links))):
        try:
            base = _checked_build(links[i], base, resolve)
        except InputError as exc:
            raise InputError(_led_here(links[:i], str(exc))) from None
    assert base is not None
    return base


def _read_link(path: Path, seen: tuple[str, ...], links: list[_Link]) -> _Link:
    key = str(path.resolve())
    if key in seen:
        names = " → ".join(Path(p).name for p in (*seen[seen.index(key) :], key))
        raise _Cycle(names)
    if path.suffix.lower() not in (".toml", ".json"):
        raise InputError(f"{path}: expected a patch file ending in .toml or .json")
    try:
        data = read_structured(path)
    except InputRefused as exc:
        raise InputError(str(exc)) from None
    return _Link(parse_spec(data, str(path)), str(path), key)


def chain_names(links: list[_Link], last: Path) -> str:
    """The files of a long chain by name, the middle elided: a.toml → b.toml → … (29 more) → z.toml."""
    names = [Path(link.source).name for link in links] + [last.name]
    if len(names) > 6:
        names = [*names[:3], f"… ({len(names) - 5} more)", *names[-2:]]
    return " → ".join(names)


def _next(
    link: _Link, directory: Path, resolve: Resolver, seen: tuple[str, ...], links: list[_Link]
) -> tuple[Path | None, MshvVersion | None]:
    """Where the chain goes after `link`: the next file to read, or the version it ends on (None: no based_on)."""
    from synic_core.versions.confinement import file_path
    from synic_core.versions.names import BUILTIN_NAMES, looks_like_file

    based_on = link.spec.get("based_on")
    if based_on is None:
        return None, None
    where = f"{link.source}: based_on"
    if based_on == link.spec["name"] and based_on in BUILTIN_NAMES:
        raise InputError(_led_here(links[:-1], f"{link.source}: name: {based_on!r} is a built-in version; give the file another name"))
    if based_on == link.spec["name"]:
        raise InputError(_led_here(links[:-1], f"{where}: names this version itself ({based_on!r})"))
    try:
        if based_on in BUILTIN_NAMES or not looks_like_file(based_on):
            return None, resolve(based_on, directory, seen)
        return file_path(based_on, directory), None
    except InputError as exc:
        raise InputError(_led_here(links[:-1], f"{where}: {exc}")) from None


def _checked_build(link: _Link, base: MshvVersion | None, resolve: Resolver) -> MshvVersion:
    from synic_core.versions.names import BUILTIN_NAMES

    version = build(link.spec, link.source, base, origin=link.source, file=link.key)
    name = version.name
    if name in BUILTIN_NAMES and digest(version) != digest(resolve(name, None, ())):
        raise InputError(f"{link.source}: name: {name!r} is a built-in version; give the file another name")
    return version


def _led_here(links: list[_Link], message: str) -> str:
    """`message` about a base file, prefixed by the files whose based_on led to it."""
    for link in reversed(links):
        message = f"{link.source}: based_on: {message}"
    return message


def read_builtin(name: str, resolve: Resolver) -> MshvVersion:
    import tomllib

    ref = resources.files(BUILTIN_PACKAGE) / f"{name}.toml"
    data = tomllib.loads(ref.read_text("utf-8"))  # shipped with the package: the shape is checked by a test, not per run
    return replace(load_spec(data, f"built-in version {name}", None, resolve, ()), origin="built-in")


# -- writing (embedding in sessions, `synic versions show --json`) ------------------------------
def op_dict(op: Op) -> dict[str, Any]:
    out: dict[str, Any] = {"register": op.register, "kind": op.kind, "fields": dict(op.fields)}
    out |= {k: v for k, v in (("when", op.when), ("frame", op.frame)) if v is not None}
    return out | ({"source": op.source} if op.source else {})


def flatten(v: MshvVersion) -> dict[str, Any]:
    """The whole version as a patch file without based_on: what a saved session embeds."""
    return {
        "name": v.name,
        "title": v.title,
        "source": v.source,
        "version": {k: getattr(v, k) for k in ROW_KEYS},
        "sequences": {slot: [op_dict(op) for op in v.sequences[slot].ops] for slot in SLOTS},
    }


def digest(v: MshvVersion) -> str:
    """A short fingerprint of what the version does (its flattened file, the origin left out)."""
    import hashlib  # about 5 ms to load: only commands that show or compare versions need it

    return hashlib.sha256(json.dumps(flatten(v), sort_keys=True).encode()).hexdigest()[:12]


def from_embedded(data: object, source: str, file: str = "", name: str = "") -> MshvVersion:
    """A version embedded in a saved session or scenario (flattened: it needs no other file)."""
    spec = parse_spec(data, f"{source}: mshv_version")
    if spec["based_on"] is not None:
        raise InputError(f"{source}: mshv_version.based_on: an embedded version is complete, expected no based_on")
    if name and spec["name"] != name:
        raise InputError(f"{source}: mshv: names {name!r}, but the embedded mshv_version is {spec['name']!r}")
    return build(spec, f"{source}: mshv_version", None, origin=f"embedded in {source}", file=file)
