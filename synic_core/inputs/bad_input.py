"""Bad input, as every command reports it: one line, exit 2.

Apart from the scenario loader (and its pydantic models), so that a command that reads no file
(`synic explain`, `synic ownership`) can report bad input without loading them. The words for
pydantic's errors are in `input_errors`.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input: the message is one line naming the file, the field and what was expected; the CLI exits with code 2."""


"""The historical name: every loader (scenarios, lessons, patch files, traces, config) raises `InputError`."""


def one_line(text: str) -> str:
    """Escape control characters so an error stays on one line and cannot drive the terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
