"""A lesson on the dashboard: its steps played one at a time (`>` and `<`), its text in the Lesson panel.

Any other action leaves the lesson and keeps the state, so exploring goes on from there.
"""

from __future__ import annotations

from synic_core import Session, StepResult
from synic_core.scenarios.lesson import Lesson, load_lesson
from tui.screens.dashboard_base import DashboardBase
from tui.state.lesson_text import lesson_markdown

PRESENTER_PAUSE = 3.0  # seconds between lesson steps when presenter mode plays a lesson by itself
LEFT = "You left the lesson; everything you see is yours to explore. Press **L** for a lesson."


class LessonRunner:
    """The lesson the dashboard plays (None: no lesson) and how many of its steps are played."""

    def __init__(self, screen: DashboardBase) -> None:
        self.screen = screen
        self.lesson: Lesson | None = None
        self.pos = 0
        self.presenter_pause = PRESENTER_PAUSE

    @property
    def steps_left(self) -> bool:
        return self.lesson is not None and self.pos < len(self.lesson.steps)

    def schedule_autoplay(self) -> None:
        """Presenter mode plays a lesson by itself: its next step after a pause."""
        if self.screen.presenter and self.steps_left:
            self.screen.set_timer(self.presenter_pause, self.autoplay_next)

    def autoplay_next(self) -> None:
        """Presenter mode with a lesson: play its next step (called by a timer after each pause)."""
        if self.screen.presenter and self.lesson is not None and not self.screen.view.playing:
            self.next()

    def start(self, lesson: Lesson) -> None:
        self.screen.actions.open_session(Session(lesson.config()))
        self.lesson, self.pos = lesson, 0
        self.show()
        self.screen.refresh_bindings()  # the footer shows the lesson's keys

    def leave(self) -> None:
        """Any other action leaves the lesson; the state stays, so exploring goes on from here."""
        if self.lesson is not None:
            self.lesson = None
            self.screen.refresh_bindings()
            self.screen.sidebar.show_lesson(LEFT)

    def show(self) -> None:
        assert self.lesson is not None
        self.screen.sidebar.show_lesson(lesson_markdown(self.lesson, self.pos))
        self.screen.action_panel("lesson")
        self.screen.refresh_status()

    def next(self) -> None:
        screen = self.screen
        if self.lesson is None:
            screen.notify("No lesson running: press L to choose one.")
            return
        if self.pos >= len(self.lesson.steps):
            screen.notify("That was the last step. Keep exploring, or press L for another lesson.")
            return
        if screen.actions.busy():
            return
        screen.player.finish()
        step = self.lesson.steps[self.pos]
        cpus = step.cpus or screen.session.resolve_cpus(step.action, None)
        screen.actions.apply(step.action, cpus, then=self._step_played)
        self.show()

    def _step_played(self, _step: StepResult) -> None:
        self.pos += 1
        self.show()

    def previous(self) -> None:
        screen = self.screen
        if self.lesson is None or self.pos == 0 or screen.actions.busy():
            return
        screen.player.finish()
        screen.session.undo()
        self.pos -= 1
        screen.player.show_present()
        self.show()

    def choose(self) -> None:
        from tui.screens.lessons import LessonsScreen

        self.screen.app.push_screen(LessonsScreen(self.lesson is not None), self._chosen)

    def _chosen(self, name: str | None) -> None:
        from tui.screens.lessons import LEAVE

        if name == LEAVE:
            self.leave()
        elif name:
            self.start(load_lesson(name))
