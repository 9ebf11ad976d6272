"""A derived version as a patch file: TOML with a comment per op naming the source file, function and line."""

from __future__ import annotations

import json
from typing import Any

from synic_core.versions.derive import Derived


def value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string: the same escapes as JSON


def toml(d: Derived) -> str:
    spec = d.spec
    lines = ["# Derived by `synic versions derive` from the kernel's C source (docs/patch-files.md#derive)."]
    lines += [f"# {note}" for note in d.notes]
    lines += [f"{k} = {value(spec[k])}" for k in ("name", "title", "based_on", "source")]
    lines += ["", "[version]"] + [f"{k} = {value(v)}" for k, v in spec["version"].items()]
    empty = [slot for slot, ops in spec["sequences"].items() if not ops]
    if empty:
        lines += ["", "[sequences]"] + [f"{slot} = []  # the source writes no SynIC register here" for slot in empty]
    for slot, ops in spec["sequences"].items():
        for op, sites in zip(ops, d.sites[slot], strict=True):
            lines.append("")
            lines.append("# " + "; ".join(f"{s.where()} in {s.chain[-1]}" for s in sites) + op_comment(op))
            lines.append(f"[[sequences.{slot}]]")
            lines += [f"{k} = {value(v)}" for k, v in op.items()]
    return "\n".join(lines) + "\n"


def op_comment(op: dict[str, Any]) -> str:
    return f" (called from {op['source'].split(' (')[0]})" if " → " in op["source"] else ""
