"""User key bindings (the config's `keys` table), checked against the command table before Textual sees them.

Textual applies a keymap per binding id and reports clashes only within one widget's bindings; the
grid's and the app's bindings are live together, so clashes are checked here across the whole table.
"""

from __future__ import annotations

from textual.keys import Keys, _normalize_key_list, key_to_character

from tui.commands import COMMANDS

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
RESERVED = {
    "ctrl+q": "quit",
    "ctrl+c": "quit",
    "ctrl+p": "the command palette",
    "tab": "focus next",
    "shift+tab": "focus previous",
}  # Textual's own bindings
KNOWN_KEYS = frozenset(k.value for k in Keys)
COMMAND_IDS = tuple(c.id for c in COMMANDS)
MAX_REPORTED = 5  # unknown ids listed one per line; the rest are counted


def normalize(keys: str) -> list[str]:
    """ "K, ?" -> ["K", "question_mark"]: the names Textual matches key presses against."""
    return _normalize_key_list(keys).split(",")


def is_key(key: str) -> bool:
    *mods, base = key.split("+")
    if not base or not MODIFIERS.issuperset(mods):
        return False
    return len(base) == 1 or base in KNOWN_KEYS or key_to_character(base) is not None


def check_keymap(keys: dict[str, str], source: str) -> list[str]:
    """Problems with a user keymap, one line each: unknown ids, unknown keys, keys taken twice."""
    known = frozenset(COMMAND_IDS)
    unknown = [cid for cid in keys if cid not in known]
    problems = [f"{source}: keys.{cid}: not a command id (expected one of {', '.join(COMMAND_IDS)})" for cid in unknown[:MAX_REPORTED]]
    if len(unknown) > MAX_REPORTED:
        problems.append(f"{source}: keys: {len(unknown) - MAX_REPORTED:,} more ids that are not command ids")
    for cid, value in keys.items():
        if cid not in known:
            continue  # only the commands' own keys are worth checking (and a huge table stays cheap)
        problems += [
            f"{source}: keys.{cid}: {key!r} is not a key name (e.g. K, ctrl+k, f5, question_mark)"
            for key in normalize(value)
            if not is_key(key)
        ]
        problems += [f"{source}: keys.{cid}: {key!r} is reserved for {RESERVED[key]}" for key in normalize(value) if key in RESERVED]
    return problems or _clashes(keys, source)


def effective_keys(keys: dict[str, str]) -> dict[str, list[str]]:
    """Command id -> the keys that run it once the user's keymap is applied."""
    return {c.id: normalize(keys.get(c.id, c.key)) for c in COMMANDS}


def _clashes(keys: dict[str, str], source: str) -> list[str]:
    owners: dict[str, list[str]] = {}
    for cid, bound in effective_keys(keys).items():
        for key in bound:
            owners.setdefault(key, []).append(cid)
    return [
        f"{source}: keys: {key!r} would run both {' and '.join(ids)}; give one of them another key"
        for key, ids in owners.items()
        if len(ids) > 1 and any(i in keys for i in ids)
    ]
