"""Command palette on the dashboard: every command of the command table, plus the session settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from textual.actions import parse as parse_action
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.markup import escape

from synic_core.model.partitions import PARTITIONS
from synic_core.model.profiles import PROFILES
from synic_core.versions.registry import known
from tui.commands import COMMANDS, key_label
from tui.keymap import effective_keys


class Dashboard(Protocol):
    """What the palette needs of the screen it was opened on."""

    def set_setting(self, name: str, value: str | int) -> None: ...

    def why_disabled(self, action: str, parameters: tuple[object, ...]) -> tuple[str, str] | None: ...

    def say_disabled(self, action: str, parameters: tuple[object, ...]) -> None: ...


class SynicCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen: Dashboard = self.screen  # type: ignore[assignment]  # only the dashboard lists this provider
        keys = effective_keys(getattr(self.app, "user_keys", {}))
        out: list[tuple[str, str, Callable[[], object]]] = []
        for c in COMMANDS:
            if not c.palette:
                continue
            label = f"{c.label} ({key_label(','.join(keys[c.id]))})"
            _, name, parameters = parse_action(c.action)
            why = screen.why_disabled(name, parameters)
            if why is None:
                out.append((label, c.description, partial(self._run, c.action, c.scope)))
            else:  # disabled here, as the footer shows it: choosing it says why
                out.append((f"{label} (disabled)", escape(why[1]), partial(screen.say_disabled, name, parameters)))
        for name, p in PARTITIONS.items():
            out.append((f"Partition: {name}", p.title, partial(screen.set_setting, "partition", name)))
        for name, v in known().items():  # a patch file's title is the user's text: never markup
            out.append((f"MSHV version: {name}", escape(v.title), partial(screen.set_setting, "mshv", name)))
        for name, prof in PROFILES.items():
            out.append((f"Hypervisor: {name}", prof.title, partial(screen.set_setting, "hypervisor", name)))
        for n in (1, 2, 4, 8, 64, 256, 4096):
            out.append((f"CPUs: {n}", f"start a session with {n} CPUs", partial(screen.set_setting, "cpus", n)))
        return out

    async def _run(self, action: str, scope: str) -> None:
        """Run a command where its binding lives: the grid, the dashboard screen, or the app."""
        node: DOMNode = self.screen.query_one("#grid") if scope == "grid" else self.app if scope == "app" else self.screen
        await self.app.run_action(action, node)

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
