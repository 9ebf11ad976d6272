"""A derived version as a patch file: TOML with a comment per op naming the source file, function and line."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from synic_core.model.version import MshvVersion
from synic_core.versions.derive import Derived
from synic_core.versions.files import load_spec, parse_spec
from synic_core.versions.registry import resolve


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


def version_of(d: Derived, source: str) -> MshvVersion:
    """The derived file read back through the patch-file loader, exactly as `--mshv FILE` would read it."""
    spec = parse_spec(tomllib.loads(toml(d)), source)
    return load_spec(spec, source, None, resolve, ())


def source_lines(d: Derived) -> list[str]:
    """Each derived op, one line, followed by the C lines it came from (for `synic explore --tree`)."""
    out = []
    for slot, ops in d.spec["sequences"].items():
        out.append(f"sequences.{slot}:" + ("" if ops else " (no writes)"))
        for op, sites in zip(ops, d.sites[slot], strict=True):
            extra = "".join(f" {k} {op[k]}" for k in ("when", "frame") if k in op)
            fields = ", ".join(f"{k}={v}" for k, v in op["fields"].items())
            out.append(f"  {op['register']} {op['kind']} {{{fields}}}{extra}")
            for s in sites:
                text = d.files[s.file].split("\n")[s.line - 1].strip()
                out.append(f"      {s.where()} {s.chain[-1]}: {text}")
    return out
