"""SynIC Lab's colours as theme variables, and a high-contrast theme.

Every colour the dashboard uses for a writer or a finding is a `$synic-*` variable: the
stylesheet, the panels' text and the markup all read it from the current theme, so a light
theme gets its own set. Okabe–Ito hues (blue/orange/reddish purple), never red/green;
tests/tui/test_palette.py checks them under simulated colour-vision deficiencies.
"""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES, Theme

PALETTES: dict[bool, dict[str, str]] = {  # keyed by Theme.dark; a theme's own variables win
    True: {
        "synic-vmbus": "#56b4e9",
        "synic-mshv": "#e69f00",
        "synic-one": "#e69f00",
        "synic-warning": "#4c3c00",
        "synic-error": "#700070",
        "synic-fault": "#cc79a7",
        "synic-unknown": "#2222aa",
        "synic-warning-text": "#f0e442",
        "synic-error-text": "#cc79a7",
    },
    False: {
        "synic-vmbus": "#004f8f",
        "synic-mshv": "#944000",
        "synic-one": "#944000",
        "synic-warning": "#e8dc08",
        "synic-error": "#fcbcfc",
        "synic-fault": "#cc79a7",
        "synic-unknown": "#99ee99",
        "synic-warning-text": "#6b5d00",
        "synic-error-text": "#882255",
    },
}
VARIABLES = {name: f"${name}" for name in PALETTES[True]}  # the same names, for Textual markup

HIGH_CONTRAST = Theme(
    name="synic-high-contrast",
    primary="#56b4e9",
    secondary="#e69f00",
    accent="#f0e442",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#262626",
    success="#56b4e9",
    warning="#f0e442",
    error="#cc79a7",
    dark=True,
    variables={"text-muted": "#d0d0d0", "text-disabled": "#a0a0a0"},
)


def theme_names() -> list[str]:
    """Every theme the dashboard can show: Textual's own and the high-contrast one."""
    return sorted([*BUILTIN_THEMES, HIGH_CONTRAST.name])


def theme_problem(name: str, where: str) -> str | None:
    """One line when `name` is not a theme: `where` is the flag, the variable or the file that gave it."""
    if name in theme_names():
        return None
    return f"{where}: expected one of {', '.join(theme_names())}, got {name!r}"
