"""Text from files on the dashboard: a hostile lesson or scenario never puts a raw escape, bell or bidi override on screen.

Every line the App renders passes `VisibleText` (its line filter); the screenshot is made from those
lines, so it shows what the terminal receives. Exports: Markdown shows the text escaped, JSON exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.color import Color

from synic_core import Session
from synic_core.scenarios.lesson import load_lesson
from tui.app import SynicApp
from tui.state.exports import EXPORTS
from tui.widgets.visible_filter import VisibleText

EVIL = "\x1b]0;pwned\x07\x1b[2J\u202eEVIL"
RAW = ("\x1b", "\x07", "\u202e")


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    path = tmp_path / "evil.json"
    steps = [{"action": "vmbus_load", "note": EVIL + " note"}, {"action": "mshv_init", "note": EVIL}]
    path.write_text(json.dumps({"title": EVIL, "intro": EVIL, "outro": EVIL, "partition": "l1vh", "cpus": 2, "mshv": "v4", "steps": steps}))
    return path


async def test_a_hostile_lesson_is_shown_escaped(lesson: Path) -> None:
    loaded = load_lesson(str(lesson))
    app = SynicApp(Session(loaded.config()), lesson=loaded, instant=True, manual_ticks=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shot = app.export_screenshot()
    assert "\\x1b]0;pwned" in shot  # the lesson's title and intro, escaped
    assert not [c for c in RAW if c in shot]


def test_the_filter_escapes_and_keeps_the_line_width() -> None:
    line = [Segment("ab"), Segment(EVIL), Segment("cd" + " " * 40)]
    width = Segment.get_line_length(line)
    out = VisibleText().apply(line, Color(0, 0, 0))
    text = "".join(s.text for s in out)
    assert not [c for c in RAW if c in text] and text.startswith("ab\\x1b]0;pwned")
    assert Segment.get_line_length(out) == width
    clean = [Segment("plain")]
    assert VisibleText().apply(clean, Color(0, 0, 0)) is clean


def test_exports_markdown_escaped_json_exact(lesson: Path) -> None:
    loaded = load_lesson(str(lesson))
    from synic_core.scenarios.scenario import replay

    session = replay(loaded)
    markdown = EXPORTS["markdown"].render(session, lambda: "")
    assert not [c for c in RAW if c in markdown]
    report = json.loads(EXPORTS["json"].render(session, lambda: ""))
    assert report["steps"][0]["notes"] is not None
