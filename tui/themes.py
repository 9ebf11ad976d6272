"""A high-contrast theme: black background, white text, and the blue/orange pair at full strength."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES, Theme

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
