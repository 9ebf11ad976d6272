"""Regenerate the pictures in screenshots/ from the real app (`make screenshots`).

Each picture is the app driven by keys, exported as SVG and converted to PNG with cairosvg.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import cairosvg

from synic_core import Session
from synic_core.scenarios.lesson import load_lesson
from synic_core.versions.registry import session_config
from tui.app import SynicApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"

SHOTS = [
    # name, settings, keys, size
    ("patch5-only-kexec", dict(mshv="patch5-only"), ["a", "v", "m", "k"], (120, 40)),
    ("v4-kexec", dict(mshv="v4"), ["a", "v", "m", "k"], (120, 40)),
    (
        "fault-inspector",
        dict(mshv="patch5-only"),
        ["a", "v", "m", "k", "escape", "down", "right", "right", "right", "right", "right", "n"],
        (120, 40),
    ),
    ("mainline-stale-80x24", dict(mshv="mainline"), ["a", "v", "m", "k"], (80, 24)),
    ("nested-root", dict(mshv="v4", partition="nested_root"), ["a", "v", "m"], (140, 36)),
    ("bits-view", dict(mshv="v4"), ["a", "v", "m", "right", "right", "right", "right", "right", "right", "b"], (100, 24)),
    ("help", dict(mshv="v4"), ["question_mark"], (100, 40)),
    ("compare-v4-vs-mainline", dict(mshv="v4"), ["a", "v", "m", "k", "d"], (160, 30)),
    ("time-travel", dict(mshv="patch5-only", cpus=2), ["a", "v", "m", "k", *["left_square_bracket"] * 12, "t"], (120, 32)),
    ("explorer", dict(mshv="patch5-only"), ["g", "_wait"], (120, 30)),
    ("lesson", dict(lesson="kexec-patch5-only"), ["greater_than_sign"] * 3, (140, 36)),
    ("presenter", dict(lesson="kexec-patch5-only"), ["greater_than_sign"] * 2 + ["P", "_instant", "greater_than_sign"], (120, 30)),
]


async def shoot(name: str, settings: dict, keys: list[str], size: tuple[int, int]) -> None:
    lesson = load_lesson(settings.pop("lesson")) if "lesson" in settings else None
    session = Session(lesson.config() if lesson else session_config(**{"cpus": 4, **settings}))
    app = SynicApp(session, instant=True, lesson=lesson)
    app.dashboard.presenter_pause = 3600
    async with app.run_test(size=size) as pilot:
        for key in keys:
            if key == "_wait":
                await app.workers.wait_for_complete()
            elif key == "_instant":
                app.dashboard.instant = True
            else:
                await pilot.press(key)
            await pilot.pause()
        await pilot.pause(0.3)
        svg = app.export_screenshot(title=f"SynIC Lab — {name}")
    (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
    cairosvg.svg2png(bytestring=svg.encode(), write_to=str(OUT / f"{name}.png"), output_width=size[0] * 12)
    print(f"screenshots/{name}.png")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for shot in SHOTS:
        await shoot(*shot)


if __name__ == "__main__":
    asyncio.run(main())
