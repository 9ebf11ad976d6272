"""Command palette: every command of the command table, plus the session settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from synic_core.partitions import PARTITIONS
from synic_core.profiles import PROFILES
from synic_core.versions import VERSIONS

from .commands import COMMANDS, key_label
from .keymap import effective_keys

if TYPE_CHECKING:
    from .app import SynicApp


class SynicCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: SynicApp = self.app  # type: ignore[assignment]
        keys = effective_keys(app.user_keys)
        out: list[tuple[str, str, Callable[[], object]]] = [
            (f"{c.label} ({key_label(','.join(keys[c.id]))})", c.description, partial(app.run_action, c.action))
            for c in COMMANDS
            if c.palette
        ]
        for name, p in PARTITIONS.items():
            out.append((f"Partition: {name}", p.title, partial(app.set_setting, "partition", name)))
        for name, v in VERSIONS.items():
            out.append((f"MSHV version: {name}", v.title, partial(app.set_setting, "mshv", name)))
        for name, prof in PROFILES.items():
            out.append((f"Hypervisor: {name}", prof.title, partial(app.set_setting, "hypervisor", name)))
        for n in (1, 2, 4, 8, 64, 256, 4096):
            out.append((f"CPUs: {n}", f"start a session with {n} CPUs", partial(app.set_setting, "cpus", n)))
        return out

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
