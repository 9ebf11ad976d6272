"""The C files derive reads: from a kernel tree, with patch mails applied in memory first."""

from __future__ import annotations

from pathlib import Path

import whatthepatch

from synic_core.inputs.bad_input import InputError
from synic_core.inputs.safe_read import InputRefused, read_bytes

SOURCE_FILES = ("drivers/hv/mshv_synic.c", "drivers/hv/mshv_root_main.c", "drivers/hv/hv.c", "drivers/hv/vmbus_drv.c")
"""Every file derive may read; a patch's changes to other files are not needed and not applied."""


def read_tree(tree: Path) -> dict[str, str]:
    """The files of SOURCE_FILES the tree holds, as text (paths relative to the tree)."""
    if not tree.is_dir():
        raise InputError(f"{tree}: --tree: expected a directory holding drivers/hv/mshv_synic.c (a kernel tree)")
    files = {}
    for rel in SOURCE_FILES:
        path = tree / rel
        if path.exists():
            files[rel] = read_text(path)
    if SOURCE_FILES[0] not in files:
        raise InputError(f"{tree}: --tree: no {SOURCE_FILES[0]} in this directory (expected a kernel tree)")
    return files


def read_text(path: Path) -> str:
    try:
        return read_bytes(path).decode("utf-8", errors="replace")
    except InputRefused as exc:
        raise InputError(str(exc)) from None


def apply_patches(files: dict[str, str], patches: list[Path]) -> dict[str, str]:
    out = dict(files)
    for patch in patches:
        text = read_text(patch)
        diffs = [d for d in whatthepatch.parse_patch(text) if d.header is not None]
        if not diffs:
            raise InputError(f"{patch}: --patch: no unified diff in this file (expected a patch mail or git format-patch output)")
        for diff in diffs:
            rel = strip(diff.header.new_path if diff.header.new_path != "/dev/null" else diff.header.old_path)
            if rel not in SOURCE_FILES:
                continue
            if rel not in out and diff.header.old_path != "/dev/null":
                raise InputError(f"{patch}: changes {rel}, which the tree does not hold")
            out[rel] = apply_diff(out.get(rel, ""), diff.changes or [], f"{patch}", rel)
    return out


def strip(path: str) -> str:
    return path[2:] if path.startswith(("a/", "b/")) else path


def apply_diff(text: str, changes: list[whatthepatch.patch.Change], patch: str, rel: str) -> str:
    """Each hunk placed where its old lines match, nearest its stated line first (as `patch` finds an offset)."""
    lines = text.split("\n")
    shift = 0
    for number, hunk in enumerate(hunks(changes), start=1):
        old = [c.line for c in hunk if c.old is not None]
        new = [c.line for c in hunk if c.new is not None]
        start = next((c.old for c in hunk if c.old is not None), None)
        stated = (start - 1 if start is not None else next(c.new for c in hunk if c.new is not None) - 1) + shift
        at = find(lines, old, stated)
        if at is None:
            first = old[0].strip() if old else ""
            raise InputError(
                f"{patch}: hunk {number} of {rel} (line {stated + 1 - shift}) does not apply: its old lines are not in the file ({first!r})"
            )
        lines[at : at + len(old)] = new
        shift += at - stated + len(new) - len(old)
    return "\n".join(lines)


def hunks(changes: list[whatthepatch.patch.Change]) -> list[list[whatthepatch.patch.Change]]:
    groups: dict[int, list[whatthepatch.patch.Change]] = {}
    for c in changes:
        groups.setdefault(c.hunk, []).append(c)
    return [groups[k] for k in sorted(groups)]


def find(lines: list[str], old: list[str], stated: int) -> int | None:
    if not old:
        return max(0, min(stated, len(lines)))
    for distance in range(len(lines) + 1):
        for at in (stated - distance, stated + distance):
            if 0 <= at <= len(lines) - len(old) and lines[at : at + len(old)] == old:
                return at
    return None
