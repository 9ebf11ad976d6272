"""Finding the driver sequences in each CPU's writes with one compiled pattern, not a Python loop a write.

Each write becomes one byte, its token: what the templates can tell of it (its register slot, the bits of its value
some template checks, whether the VMM wrote it, the writer its stack names). Each template op accepts a set of
tokens, so a template is a run of byte classes and all templates, longest first, one alternation: `re` scans a CPU's
tokens leftmost first, tries the alternatives in order at each write and moves one write on when none matches,
which is the rule of `attribute._segment_cpu` (that loop still decides the writes near the end of a window, where a
sequence may run past the last write read). A window with more distinct tokens than a byte holds keeps the loop.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from operator import and_

from synic_core.traces.formats import SLOTS

MAX_TOKENS = 255
"""Token 0 stands for no write; 1..255 are the distinct writes a window's templates can tell apart."""


@dataclass(frozen=True, slots=True)
class SequenceScan:
    """A window's writes as tokens in time order, and the pattern of the templates over them."""

    tokens: bytes
    pattern: re.Pattern[bytes]
    longest: int

    def matches(self, ranks: Sequence[int], final: bool) -> tuple[list[tuple[int, int, int]], int]:
        """(template index, start, end) of each sequence found in one CPU's writes (positions in `ranks`) that starts
        where every template still fits (anywhere when `final`), and the position from which nothing was decided."""
        text = bytes(map(self.tokens.__getitem__, ranks))
        fits = len(text) if final else max(len(text) - self.longest + 1, 0)
        found, end = [], 0
        for m in self.pattern.finditer(text, 0, len(text)):
            if m.start() >= fits:
                break
            found.append(((m.lastindex or 1) - 1, m.start(), m.end()))
            end = m.end()
        return found, max(end, fits)


def scan(
    slot_by_rank: Sequence[int],
    value_by_rank: Sequence[int],
    host_by_rank: Sequence[int],
    writer: array[int],
    shapes: Sequence[tuple[Sequence[tuple[int, int, int]], int]],
) -> SequenceScan | None:
    """The scan of a window, or None when its writes have more distinct tokens than a byte holds. `shapes`: each
    template as its ops' (slot, mask, want) and the writer index it needs (a write whose stack names another writer
    does not match)."""
    checked = [0] * len(SLOTS)
    for ops, _ in shapes:
        for slot, mask, _want in ops:
            checked[slot] |= mask
    masks = map(checked.__getitem__, slot_by_rank)
    keys = list(zip(slot_by_rank, map(and_, value_by_rank, masks), host_by_rank, writer, strict=True))
    table = {k: t for t, k in enumerate(dict.fromkeys(keys), 1)}
    if len(table) > MAX_TOKENS:
        return None
    tokens = bytes(map(table.__getitem__, keys))
    alternatives = []
    for ops, component in shapes:
        classes = []
        for slot, mask, want in ops:
            accepted = [
                t for (s, v, host, who), t in table.items() if s == slot and v & mask == want and not host and who in (0, component)
            ]
            classes.append(b"[" + b"".join(re.escape(bytes((t,))) for t in accepted) + b"]" if accepted else b"(?!)")
        alternatives.append(b"(" + b"".join(classes) + b")")
    pattern = re.compile(b"|".join(alternatives) or b"(?!)", re.DOTALL)
    return SequenceScan(tokens, pattern, max((len(ops) for ops, _ in shapes), default=1))
