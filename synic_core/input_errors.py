"""Bad input, said in one line: the error every loader raises, and pydantic errors in words.

Every way a file can be wrong ends in an `InputError` whose message names the file, the field
(as a table path such as `steps[1].action` or `sequences.mshv_exit[2].fields.masked`) and what
was expected; the command line prints it and exits with code 2.
"""

from __future__ import annotations

import re

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .bad_input import short_repr


def describe_validation_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")  # a misspelt key explains the "missing" one it causes
    text = describe_error(errors[0])
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return text


def describe_error(error: ErrorDetails) -> str:
    """ "field: what was expected (got value)"; a model-level message that names its own field stays as it is."""
    msg = re.sub(r" or instance of \w+", "", str(error["msg"]).removeprefix("Value error, "))  # no class names
    loc = error["loc"]
    if loc[-1:] == ("[key]",):  # a table key that is not one of the allowed names, e.g. sequences.mshv_exitt
        return f"{format_loc(loc[:-1])}: unknown name: {msg[0].lower()}{msg[1:]}"
    field = format_loc(loc)
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
