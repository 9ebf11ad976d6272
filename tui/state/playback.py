"""Playback arithmetic: how many MSR writes to show per tick, and what the user should be told.

Pure Python beside `Display` (no textual), so speeds, caps and the states "playing", "paused"
and "time travelling" are tested without a terminal. The dashboard drives `tick()` from a timer;
tests drive it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tui.state.display import Display

SPEEDS = (2, 5, 10, 20, 50, 200)  # MSR writes per second
DEFAULT_SPEED = 3
PRESENTER_SPEED = 1  # 5 writes/s: easy to follow on a projector
MAX_PLAYBACK_SECONDS = 4.0  # a long action speeds up so that it never plays longer than this
TICK = 1 / 30  # seconds between timer ticks

Mode = Literal["idle", "playing", "paused", "travelling"]


@dataclass(slots=True)
class Playback:
    speed_index: int = DEFAULT_SPEED
    instant: bool = False
    paused: bool = False
    travelling: bool = False  # the user rewound with [ ] { }: what is shown is not the present
    budget: float = 0.0  # fractional writes carried from one tick to the next

    @property
    def speed(self) -> int:
        return SPEEDS[self.speed_index]

    def rate(self, total: int) -> float:
        """Writes per second for an action of `total` writes: the chosen speed, or faster to stay under the cap."""
        return max(float(self.speed), total / MAX_PLAYBACK_SECONDS)

    def change_speed(self, delta: int) -> bool:
        """One step faster or slower; False at either end. Leaves instant mode."""
        index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        changed = index != self.speed_index or self.instant
        self.speed_index, self.instant = index, False
        return changed

    def start(self) -> None:
        """A new action starts playing from its first write."""
        self.paused = self.travelling = False
        self.budget = 0.0

    def tick(self, seconds: float, total: int) -> int:
        """Writes to play after `seconds` of playback (0 while paused)."""
        if self.paused:
            return 0
        self.budget += self.rate(total) * seconds
        n = int(self.budget)
        self.budget -= n
        return n

    def mode(self, view: Display) -> Mode:
        if self.travelling and not view.at_present:
            return "travelling"
        if view.playing:
            return "paused" if self.paused else "playing"
        return "idle"

    def label(self, view: Display) -> str:
        """What the status line says about playback: the real rate, not the nominal one."""
        mode = self.mode(view)
        if mode == "playing":
            return f"playing {self.rate(view.total):.0f}/s {view.pos}/{view.total}"
        if mode == "paused":
            return f"paused {view.pos}/{view.total}"
        if mode == "travelling":
            return "time travel"
        return "instant" if self.instant else f"{self.speed}/s"
