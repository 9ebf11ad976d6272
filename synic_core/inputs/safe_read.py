"""Reading files that may be hostile: refused before reading, bounded while reading and parsing.

Every loader of scenario-like files (scenarios, saved sessions, lessons, the user config) goes
through `read_structured`. It refuses, with one line naming the file and why:

- anything that is not a regular file (a directory, FIFO, socket or device), checked before the
  file is opened and again on the open descriptor, so `synic run /dev/zero` or a FIFO never blocks;
- a regular file above a size limit (16 MiB), checked before reading; a file that grows while it
  is read is never read past the limit;
- nesting deeper than the formats need, and whole numbers with more digits than any register holds
  (Python refuses to convert more than 4,300 digits; those used to end in a traceback).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import BinaryIO, Final

MAX_FILE_BYTES: Final = 16 * 1024 * 1024
"""Scenario-like files: the largest useful one (4096 CPUs, thousands of steps) is a few MB."""
MAX_DEPTH: Final = 16
"""Containers inside containers: a scenario needs 4 (object, steps, step, cpus), the config 2."""
MAX_INT_DIGITS: Final = 40
"""A 64-bit register value has 20 decimal digits; anything much longer is not a value of the model."""
MAX_TEXT_CHARS: Final = 64 * 1024
"""A single setting given as text (an environment variable)."""
_CHUNK: Final = 1 << 20


class InputRefused(ValueError):
    """A file or text refused as input; the message is one line naming it and why."""


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _check_stat(path: Path, st: os.stat_result, limit: int) -> None:
    kind = kind_of(st.st_mode)
    if kind is not None:
        raise InputRefused(f"{path}: cannot read the file: it is {kind}, not a regular file (refused without reading)")
    if st.st_size > limit:
        raise InputRefused(f"{path}: refused: {st.st_size:,} bytes, more than the {limit:,}-byte limit for this kind of file")


def check_file(path: str | Path, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a path that is not a regular file or is larger than `limit`, without opening it."""
    p = Path(path)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise InputRefused(f"{p}: cannot read the file: {exc.strerror or exc}") from None
    _check_stat(p, st, limit)


def read_bytes(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The whole file, refused before reading when it is not a regular file or larger than `limit`.

    The file is opened non-blocking (a FIFO that appears between the check and the open cannot
    block) and checked again on the descriptor; it is never read past `limit` + 1 bytes.
    """
    p = Path(path)
    check_file(p, limit)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputRefused(f"{p}: cannot read the file: {exc.strerror or exc}") from None
    try:
        _check_stat(p, os.fstat(fd), limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise InputRefused(f"{p}: cannot read the file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise InputRefused(f"{p}: refused: more than the {limit:,}-byte limit for this kind of file (it grew while being read)")
    return b"".join(chunks)


def _int_or_refuse(text: str) -> int:
    digits = len(text.lstrip("+-"))
    if digits > MAX_INT_DIGITS:
        raise InputRefused(f"a whole number with {digits:,} digits (expected at most {MAX_INT_DIGITS})")
    return int(text)


class _TomlError(ValueError):
    """tomllib's TOMLDecodeError, under a name this module has without importing tomllib."""


def _load_toml(text: str) -> object:
    import tomllib  # only TOML files pay for the TOML parser (`synic run NAME --json` starts without it)

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _TomlError(str(exc)) from None


def parse_text(text: str, source: str, toml: bool) -> object:
    """JSON (or TOML) text, with the nesting and number limits checked; InputRefused names `source`."""
    try:
        data: object = _load_toml(text) if toml else json.loads(text, parse_int=_int_or_refuse)
    except InputRefused as exc:
        raise InputRefused(f"{source}: invalid {'TOML' if toml else 'JSON'}: {exc}") from None
    except RecursionError:
        raise InputRefused(f"{source}: refused: nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise InputRefused(f"{source}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except _TomlError as exc:
        raise InputRefused(f"{source}: invalid TOML: {exc}") from None
    except ValueError as exc:  # e.g. tomllib converting a number of more than 4,300 digits
        if "digits" in str(exc):
            raise InputRefused(f"{source}: invalid {'TOML' if toml else 'JSON'}: a whole number with too many digits") from None
        raise InputRefused(f"{source}: invalid {'TOML' if toml else 'JSON'}: {exc}") from None
    check_structure(data, source)
    return data


def check_structure(data: object, source: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than `max_depth` and whole numbers longer than MAX_INT_DIGITS (iterative: no recursion)."""
    limit = 10**MAX_INT_DIGITS
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= max_depth:
                raise InputRefused(f"{source}: refused: nested more than {max_depth} levels deep")
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= limit:
            raise InputRefused(f"{source}: refused: a whole number with more than {MAX_INT_DIGITS} digits")


def read_structured(path: str | Path, limit: int = MAX_FILE_BYTES) -> object:
    """A JSON file (TOML when it ends in .toml), refused safely; see the module docstring."""
    p = Path(path)
    raw = read_bytes(p, limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputRefused(f"{p}: expected UTF-8 text (JSON or TOML)") from None
    return parse_text(text, str(p), toml=p.suffix.lower() == ".toml")


def check_setting_text(name: str, text: str) -> None:
    """A setting given as text (an environment variable): bounded length; JSON in it is parsed with the limits."""
    if len(text) > MAX_TEXT_CHARS:
        raise InputRefused(f"{name}: refused: {len(text):,} characters (expected at most {MAX_TEXT_CHARS:,})")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            parse_text(stripped, name, toml=False)
        except InputRefused as exc:
            if "nested" in str(exc) or "digits" in str(exc):
                raise
    elif len(stripped.lstrip("+-")) > MAX_INT_DIGITS and stripped.lstrip("+-").isdigit():
        raise InputRefused(f"{name}: refused: a whole number with more than {MAX_INT_DIGITS} digits")


def open_stream(path: str | Path) -> BinaryIO:
    """A regular file opened for streaming (no size limit: traces are read line by line, never whole).

    Refused like `read_bytes`, before opening and again on the descriptor: a directory, FIFO,
    socket or device never blocks or floods the reader.
    """
    p = Path(path)
    try:
        st = os.stat(p)
        kind = kind_of(st.st_mode)
        if kind is not None:
            raise InputRefused(f"{p}: cannot read the file: it is {kind}, not a regular file (refused without reading)")
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputRefused(f"{p}: cannot read the file: {exc.strerror or exc}") from None
    kind = kind_of(os.fstat(fd).st_mode)
    if kind is not None:
        os.close(fd)
        raise InputRefused(f"{p}: cannot read the file: it is {kind}, not a regular file (refused without reading)")
    return os.fdopen(fd, "rb", buffering=_CHUNK)
