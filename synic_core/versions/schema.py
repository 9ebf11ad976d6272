"""The shape of a patch file, checked by pydantic: keys, types and the closed sets of names.

Only a user's file (or a version embedded in a saved session) goes through here; what the engine
needs beyond the shape is checked in `patch_files`, for every file. Kept apart so that `synic run`
on a built-in version never builds these models (start-up time; the built-ins are checked against
this schema by a test).
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.input_errors import describe_validation_error
from synic_core.model.vocabulary import ConditionName, FrameRuleName, ManagesSharedRule, NotifierRule, OpKind, SequenceName, SirbpRule

SEQUENCE_NAMES: tuple[str, ...] = get_args(SequenceName)
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"


class OpSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, title="a sequence op")

    reg: StrictStr = Field(alias="register")  # `register` would shadow a BaseModel attribute
    kind: OpKind
    fields: dict[str, Any] = Field(default_factory=dict)  # checked in check_field: one message per mistake
    when: ConditionName | None = None
    frame: FrameRuleName | None = None
    source: StrictStr = ""


class RowSpec(BaseModel):
    """The version's rules; a field left out is inherited from `based_on`."""

    model_config = ConfigDict(extra="forbid", title="the [version] table")

    manages_shared: ManagesSharedRule | None = None
    notifier_on: NotifierRule | None = None
    sirbp_on_l1vh: SirbpRule | None = None
    vmbus_dependency: StrictBool | None = None


class PatchSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", title="a patch file")

    name: StrictStr = Field(pattern=NAME_PATTERN)
    title: StrictStr = ""
    based_on: StrictStr | None = None
    source: StrictStr = ""
    version: RowSpec = Field(default_factory=RowSpec)
    sequences: dict[SequenceName, list[OpSpec]] = Field(default_factory=dict)


def parse_spec(data: object, source: str) -> dict[str, Any]:
    """The file's tables with every key present (defaults filled in), or one line naming the mistake."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a patch file (name, version, sequences), got {type(data).__name__}")
    try:
        return PatchSpec.model_validate(data).model_dump(by_alias=True)
    except ValidationError as exc:
        raise InputError(f"{source}: {describe_validation_error(exc, PatchSpec, misplaced_key)}") from None


TOP_LEVEL = "name, title, based_on, source, [version], [sequences.*]"


def misplaced_key(loc: tuple[int | str, ...], value: object) -> str | None:
    """A top-level key the file does not have: where a rule belongs, or what the file's keys and tables are."""
    if len(loc) != 1:
        return None
    key = str(loc[0])
    if key in RowSpec.model_fields:
        return f"{key}: not a top-level key; it belongs in the [version] table"
    if key in SEQUENCE_NAMES:
        return f"{key}: not a top-level key; a sequence belongs under [sequences] ([[sequences.{key}]])"
    kind = "table" if isinstance(value, dict | list) else "key"
    return f"{key}: not a {kind} of a patch file (expected {TOP_LEVEL})"
