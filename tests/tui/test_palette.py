"""The grid's colours stay apart for colour-blind viewers and its letters stay readable.

Each colour is taken from the running app (the stylesheet resolved against the theme), passed
through the Machado et al. (2009) simulation of protanopia, deuteranopia and tritanopia at full
severity, and compared in CIELAB (CIE76 ΔE). A red/green pair fails the same check, which shows
the check can fail. Letters (V, M and the finding glyphs) must keep WCAG AA contrast (4.5:1) on
every background they are drawn on.
"""

from __future__ import annotations

import asyncio
import math
from itertools import combinations

import pytest

from synic_core import Session
from synic_core.versions.registry import session_config
from tui.app import SynicApp

RGB = tuple[int, int, int]
Matrix = tuple[tuple[float, float, float], ...]

SIMULATIONS: dict[str, Matrix] = {
    "normal vision": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
MIN_DELTA_E = 20  # well above "just noticeable" (about 2.3): two colours a viewer tells apart at a glance
# Light finding tints cannot reach 20 from each other while dark letters keep 4.5:1 on them (warning
# and error meet at about 18 under tritanopia); they stay clearly different, and the glyphs carry
# the meaning. The README says so and points to the dark and high-contrast themes.
MIN_DELTA_E_LIGHT = 15
MIN_CONTRAST = 4.5
THEMES = {"textual-dark": MIN_DELTA_E, "synic-high-contrast": MIN_DELTA_E, "textual-light": MIN_DELTA_E_LIGHT}


def linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lab(rgb: RGB, simulation: Matrix) -> tuple[float, float, float]:
    """CIELAB (D65) of the colour as a viewer with this kind of vision sees it."""
    lin = [linear(c) for c in rgb]
    r, g, b = (min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin, strict=True)))) for row in simulation)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def too_close(colours: dict[str, RGB], minimum: float = MIN_DELTA_E) -> list[str]:
    """Every pair of named colours some viewer cannot tell apart."""
    return [
        f"{a}/{b} under {name}: ΔE {math.dist(lab(colours[a], m), lab(colours[b], m)):.1f}"
        for a, b in combinations(colours, 2)
        for name, m in SIMULATIONS.items()
        if math.dist(lab(colours[a], m), lab(colours[b], m)) < minimum
    ]


def luminance(rgb: RGB) -> float:
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """The WCAG contrast ratio, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


async def grid_colours(theme: str) -> tuple[dict[str, RGB], dict[str, RGB], RGB]:
    """The writer colours (text), the finding colours (cell backgrounds, with the grid's own) and the
    text colour of a fault cell."""
    app = SynicApp(Session(session_config()), instant=True, theme=theme)
    async with app.run_test(size=(100, 30)):
        grid = app.dashboard.grid
        style = grid.get_component_rich_style

        def fg(name: str) -> RGB:
            return style(f"synic-grid--{name}").color.get_truecolor()  # type: ignore[union-attr]

        def bg(name: str) -> RGB:
            return style(f"synic-grid--{name}").bgcolor.get_truecolor()  # type: ignore[union-attr]

        writers = {"VMBus": fg("vmbus"), "MSHV": fg("mshv")}
        findings = {
            "warning": bg("warning"),
            "error": bg("error"),
            "fault": bg("fault"),
            "outcome unknown": bg("unknown"),  # a real trace's refused write with no sign of how it ended
            "no finding": grid.styles.background.rgb,
        }
        return writers, findings, fg("fault")


@pytest.mark.parametrize("theme", THEMES)
def test_writers_and_findings_stay_apart_for_colour_blind_viewers(theme: str) -> None:
    writers, findings, _ = asyncio.run(grid_colours(theme))
    assert too_close(writers) == []
    assert too_close(findings, THEMES[theme]) == []


@pytest.mark.parametrize("theme", THEMES)
def test_letters_keep_their_contrast_on_every_background(theme: str) -> None:
    writers, findings, fault_text = asyncio.run(grid_colours(theme))
    low = [
        f"{w} on {bg}: {contrast(c, findings[bg]):.2f}"
        for w, c in writers.items()
        for bg in ("no finding", "warning", "error", "outcome unknown")
        if contrast(c, findings[bg]) < MIN_CONTRAST
    ]
    assert low == []
    assert contrast(fault_text, findings["fault"]) >= MIN_CONTRAST


def test_the_check_rejects_a_red_green_pair() -> None:
    problems = too_close({"red": (0xD6, 0x27, 0x28), "green": (0x2C, 0xA0, 0x2C)})
    assert problems and all("deuteranopia" in p for p in problems)


def colour_of(strips, word: str) -> str | None:
    """The hex colour of the first segment showing `word` in a panel's rendered lines."""
    for strip in strips:
        for seg in strip:
            if word in seg.text and seg.style is not None and seg.style.color is not None:
                return "#{:02x}{:02x}{:02x}".format(*seg.style.color.get_truecolor())
    return None


async def test_switching_to_a_light_theme_recolours_the_panels_already_drawn() -> None:
    from tui.themes import PALETTES
    from tui.widgets.panels import TracePanel

    app = SynicApp(Session(session_config()), instant=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("v", "t")
        await pilot.pause()
        trace = app.query_one(TracePanel)
        assert colour_of(trace.lines, "VMBus") == PALETTES[True]["synic-vmbus"]
        app.theme = "textual-light"
        await pilot.pause()
        assert colour_of(trace.lines, "VMBus") == PALETTES[False]["synic-vmbus"]
