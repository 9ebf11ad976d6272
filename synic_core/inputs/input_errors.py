"""Bad input, said in one line: the error every loader raises, and pydantic errors in words.

Every way a file can be wrong ends in an `InputError` whose message names the file, the field
(as a table path such as `steps[1].action` or `sequences.mshv_exit[2].fields.masked`) and what
was expected; the command line prints it and exits with code 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import UnionType
from typing import Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from synic_core.inputs.bad_input import short_repr

SHOWN_PROBLEMS = 3  # problems spelt out on the one line; the rest are counted

ExtraKeyHint = Callable[[tuple[int | str, ...], object], str | None]
"""Words for a key the schema does not know, by where it is and what it holds (None: the general words)."""


def describe_validation_error(exc: ValidationError, model: type[BaseModel] | None = None, hint: ExtraKeyHint | None = None) -> str:
    """Every problem on one line, separated by "; " (after the third, only their number).

    `model` is the schema the data was checked against: a key it does not know is then answered
    with the keys it does know; `hint` may say where a misplaced key belongs.
    """
    errors = exc.errors(include_url=False)
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")  # a misspelt key explains the "missing" one it causes
    texts = [describe_error(e, model, hint) for e in errors[:SHOWN_PROBLEMS]]
    if len(errors) > SHOWN_PROBLEMS:
        more = len(errors) - SHOWN_PROBLEMS
        texts.append(f"and {more} more problem{'s' if more > 1 else ''}")
    return "; ".join(texts)


def describe_error(error: ErrorDetails, model: type[BaseModel] | None = None, hint: ExtraKeyHint | None = None) -> str:
    """ "field: what was expected (got value)"; a model-level message that names its own field stays as it is."""
    msg = re.sub(r" or instance of \w+", "", str(error["msg"]).removeprefix("Value error, "))  # no class names
    loc = error["loc"]
    if loc[-1:] == ("[key]",):  # a table key that is not one of the allowed names, e.g. sequences.mshv_exitt
        return f"{format_loc(loc[:-1])}: unknown name: {msg[0].lower()}{msg[1:]}"
    field = format_loc(loc)
    if error["type"] == "extra_forbidden":
        return (hint and hint(loc, error.get("input"))) or f"{field}: {unknown_key(model, loc[:-1])}"
    text = f"{field}: {msg}" if field and not msg.startswith("steps[") else msg
    if error["type"] not in ("missing", "value_error") and "input" in error:
        text += f" (got {short_repr(error['input'])})"
    return text


def unknown_key(model: type[BaseModel] | None, where: tuple[int | str, ...]) -> str:
    """ "not a field of a step (expected one of: action, cpus, note)", or "unknown field" when the schema is not known."""
    table = model_at(model, where) if model is not None else None
    if table is None:
        return "unknown field"
    names = ", ".join(f.alias or name for name, f in table.model_fields.items())
    noun = table.model_config.get("title") or "this table"
    return f"not a field of {noun} (expected one of: {names})"


def model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The schema of the table at `loc` (("steps", 0) -> StepSpec), or None when it is not a model."""
    current: object = model
    for part in loc:
        current = _inside(_not_optional(current), part)
    current = _not_optional(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inside(tp: object, part: int | str) -> object:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return next((f.annotation for name, f in tp.model_fields.items() if part in (name, f.alias)), None)
    args = get_args(tp)
    if get_origin(tp) is list and isinstance(part, int) and args:
        return args[0]
    if get_origin(tp) is dict and isinstance(part, str) and len(args) == 2:
        return args[1]
    return None


def _not_optional(tp: object) -> object:
    """`X | None` -> X."""
    if get_origin(tp) in (Union, UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        return rest[0] if len(rest) == 1 else tp
    return tp


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
