"""OptionList whose page keys are safe before layout.

Textual 8.2.8's OptionList raises KeyError on pageup/pagedown while it has no laid-out lines
(e.g. at height 0 in a tiny terminal); the key storm test found it. Same upstream symptom:
kagan-sh/kagan-legacy#31.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from textual.widgets import OptionList


class PagedOptionList(OptionList):
    def action_page_down(self) -> None:
        self._page(super().action_page_down)

    def action_page_up(self) -> None:
        self._page(super().action_page_up)

    def _page(self, move: Callable[[], None]) -> None:
        if self.size.height == 0:
            return
        with suppress(KeyError):  # lines not laid out yet: nothing to page through
            move()
