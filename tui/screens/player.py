"""Playback on the dashboard: an action's MSR writes shown one at a time on the grid and panels, and time travel.

`Display` (pure) holds what is shown and `Playback` (pure) how fast it goes; the player moves them on
with a timer (tests call `tick()` by hand: playback never depends on the wall clock) and redraws.
"""

from __future__ import annotations

from time import monotonic

from textual.timer import Timer

from synic_core import StepResult
from synic_core.traces.session import TraceSession
from tui.screens.dashboard_base import DashboardBase
from tui.state.playback import TICK

MAX_TICK = 0.25  # a stalled frame plays at most this much time at once


class Player:
    """Plays steps write by write; `through` plays on from a past position, each step's end beginning the next."""

    def __init__(self, screen: DashboardBase) -> None:
        self.screen = screen
        self._timer: Timer | None = None
        self._last_tick = 0.0
        self._through = False  # playing on from a past position, up to the present

    def start_clock(self) -> None:
        """The timer that plays (paused until something plays); tests tick by hand instead."""
        self._timer = self.screen.set_interval(TICK, self._timer_tick, pause=True)

    def resume(self) -> None:
        if self._timer is not None:
            self._last_tick = monotonic()
            self._timer.resume()

    def _stop_clock(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def _timer_tick(self) -> None:
        """Play what the real elapsed time allows, so a slow frame makes playback skip ahead, not fall behind."""
        now = monotonic()
        elapsed, self._last_tick = min(now - self._last_tick, MAX_TICK), now
        self.tick(elapsed)

    def tick(self, seconds: float = TICK) -> None:
        """One timer tick (tests call it directly: playback never depends on the wall clock)."""
        view = self.screen.view
        if view.playing:
            n = self.screen.playback.tick(seconds, view.total)
            if n:
                self.advance(n)

    # -- playing --------------------------------------------------------------------------
    def play(self, step: StepResult) -> None:
        screen = self.screen
        self._through = False
        screen.view.begin(step)
        screen.grid.invalidate()
        screen.playback.start()
        screen.paused = False
        if screen.instant or not step.writes:
            self.finish()
        else:
            self.resume()
        screen.refresh_panels(rebuild_trace=True)

    def advance(self, n: int) -> None:
        screen, view = self.screen, self.screen.view
        step, start, previous = view.step, view.pos, view.last
        assert step is not None
        changed, revealed, done = view.advance(n)
        screen.sidebar.add_trace(step.index, step.writes[start : view.pos])
        if done and self._play_on():
            screen.grid.invalidate()
            screen.refresh_panels(rebuild_trace=True)
            return
        if done:
            self._stop_clock()
            screen.grid.invalidate()  # driver flags and online state change at the end of an action
            screen.lessons.schedule_autoplay()
        else:
            screen.grid.refresh_cells(changed, previous)
        cursor_touched = done or any(c[0] == screen.grid.cursor_cpu for c in changed)
        screen.refresh_panels(findings=bool(revealed) or done, inspector=cursor_touched, now=done)

    def _play_on(self) -> bool:
        """Playing on from the past: begin the next step where one ended (False at the present)."""
        view, history = self.screen.view, self.screen.session.history
        if not self._through or view.upto >= len(history):
            self._through = False
            return False
        view.begin(history[view.upto])
        return True

    def play_from_here(self, paused: bool) -> bool:
        """Play the history on from the position shown (after time travel; a trace from its start when at its end).
        False when there is nothing after it."""
        screen = self.screen
        view, history = screen.view, screen.session.history
        if view.playing or not history:
            return False
        if view.at_present:
            if not isinstance(screen.session, TraceSession):
                return False
            view.show_upto(0)  # a trace session opens at its end: play it from its first write
        self._through = True
        view.begin(history[view.upto])
        screen.grid.invalidate()
        screen.playback.start()
        screen.playback.travelling = True
        screen.paused = paused
        if not paused:
            self.resume()
        screen.refresh_panels(rebuild_trace=True)
        return True

    def finish(self) -> None:
        """Play the current step to its end and come back to the present (from time travel)."""
        self._through = False
        if self.screen.view.playing:
            self.advance(self.screen.view.total)
        if not self.screen.view.at_present:
            self.show_present()

    def show_present(self) -> None:
        """The session as it is now, every finding revealed."""
        screen = self.screen
        screen.playback.travelling = False
        screen.view.show_final()
        screen.grid.invalidate()
        screen.refresh_panels(rebuild_trace=True)

    # -- time travel ----------------------------------------------------------------------
    def travel_step(self, delta: int) -> None:
        """Mid-step, go to that step's start (back) or end (forward); between steps, move one step."""
        view = self.screen.view
        if view.step is not None:
            self.travel(step=view.step.index + (1 if delta > 0 else 0))
        else:
            self.travel(step=max(0, min(len(self.screen.session.history), view.upto + delta)))

    def travel(self, position: int = 0, step: int | None = None) -> None:
        """Show the machine at a write (`position`) or after a number of steps, paused there."""
        screen, view = self.screen, self.screen.view
        self._through = False
        self._stop_clock()
        screen.paused = True
        screen.playback.travelling = True
        previous = view.last
        if step is not None:
            view.show_upto(step)
        else:
            view.seek(position)
        screen.grid.invalidate()
        screen.grid.refresh_cells(set(), previous)
        screen.refresh_panels(rebuild_trace=True)
