"""Key storm: 2000 random keys from the command table, with resizes down to 20x6 and back, on 64
CPUs. No exception, and the status counts always agree with the findings list."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from synic_core.model.findings import SEVERITIES
from tui.app import SynicApp
from tui.commands import COMMANDS

from .conftest import make_app

KEYS = [k for c in COMMANDS if c.id != "quit" for k in c.key.split(",")] + ["escape", "ctrl+p", "tab"]
SIZES = [(20, 6), (40, 12), (80, 24), (160, 48), (61, 15)]
BURST = 4  # keys per Pilot.press call; every key still goes through the driver and the bindings


def status_counts(app: SynicApp) -> dict[str, int]:
    text = str(app.query_one("#status").render())
    found = {k: re.search(rf"{k}s (\d+)", text) for k in ("fault", "error", "warning")}
    return {k: int(m.group(1)) for k, m in found.items() if m is not None}


def check_consistent(app: SynicApp) -> None:
    counts = app.dashboard.view.counts()
    by_list = {s: sum(f.severity == s for f in app.dashboard.view.findings) for s in SEVERITIES}
    assert counts == by_list
    assert status_counts(app) == {k: counts[k] for k in ("fault", "error", "warning")}


async def test_two_thousand_random_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # exports and saves land here
    rng = random.Random(20261125)
    app = make_app("patch5-only", cpus=64, instant=False)
    app.dashboard.lessons.presenter_pause = 0.01
    async with app.run_test(size=(120, 40)) as pilot:
        for i in range(0, 2000, BURST):  # bursts: Pilot waits for the screen once per burst, not per key
            await pilot.press(*(rng.choice(KEYS) for _ in range(BURST)))
            if i % 200 == 200 - BURST:
                await pilot.resize_terminal(*rng.choice(SIZES))
                await pilot.pause()
            if len(app.screen_stack) > 1 and rng.random() < 0.5:
                await pilot.press("escape")
        while len(app.screen_stack) > 1:
            await pilot.press("escape")
            await pilot.pause()
        await pilot.resize_terminal(120, 40)
        app.dashboard.player.finish()
        await pilot.pause()
        check_consistent(app)
        assert app.is_running
