"""What the dashboard does to its session: run actions (in a worker thread on a large machine), undo and redo,
replace the session, change its settings, and tell the user what happened.

`SessionController` (pure) decides; this class runs its decisions on the screen: workers, playback, notifications.
"""

from __future__ import annotations

from synic_core import ActionError, Session, SessionConfig, StepResult
from synic_core.inputs.bad_input import InputError
from synic_core.model.actions import ACTIONS
from synic_core.model.vocabulary import ActionName
from synic_core.scenarios.scenario import parse_scenario, replay
from tui.screens.dashboard_base import DashboardBase
from tui.state.session_controller import Then


class SessionActions:
    """The dashboard's session changes, in the order the user asked for them."""

    def __init__(self, screen: DashboardBase) -> None:
        self.screen = screen
        self.controller = screen.controller

    # -- applying actions -----------------------------------------------------------------
    def apply(self, name: ActionName, cpus: list[int], then: Then | None = None) -> None:
        """Compute the action (in a worker thread on a large machine, so input never waits), then play it.

        Actions asked for while one is computed wait their turn, in order (typing `a v m k` quickly works)."""
        controller, screen = self.controller, self.screen
        if controller.wait_turn(name, cpus, then):
            screen.refresh_status()
        elif not controller.in_background:
            self._applied(name, controller.compute(name, cpus), then)
        else:
            controller.start(name, cpus)
            screen.refresh_status()
            screen.run_worker(lambda: self._compute_in_thread(name, cpus, then), thread=True, group="apply", exit_on_error=False)

    def _compute_in_thread(self, name: ActionName, cpus: list[int], then: Then | None) -> None:
        result = self.controller.compute(name, cpus)
        self.screen.app.call_from_thread(self._applied, name, result, then)

    def _applied(self, name: ActionName, result: StepResult | ActionError, then: Then | None) -> None:
        screen = self.screen
        self.controller.done(result)
        if isinstance(result, ActionError):
            screen.notify(f"{ACTIONS[name].title}: {result.detail}", severity="error", title="Cannot apply", markup=False)
            screen.refresh_status()
            return
        for note in result.notes:
            if note.startswith("not an order"):
                screen.notify(note, severity="warning", title=ACTIONS[name].title, markup=False)
        screen.player.play(result)
        if then is not None:
            then(result)
        self.next_pending()

    def next_pending(self) -> None:
        """Actions typed while something was computed or written run now, in order."""
        pending = self.controller.next_pending()
        if pending is not None:
            self.screen.player.finish()
            self.apply(*pending)

    def busy(self) -> bool:
        """An action is still being computed: the session must not change under it (say so, once per key)."""
        if self.controller.computing:
            self.screen.notify(f"Still {self.controller.computing}", timeout=2, markup=False)
        return bool(self.controller.computing)

    # -- undo and redo --------------------------------------------------------------------
    def undo(self) -> None:
        screen = self.screen
        undone = self.controller.undo()
        if undone == "restored":
            screen.show_session()
            c, steps = screen.session.config, len(screen.session.history)
            screen.notify(f"Back to the previous session: {c.partition}, mshv {c.mshv}, {c.hypervisor}, {steps} steps", markup=False)
            return
        if undone == "nothing":
            screen.notify("Nothing to undo.")
        screen.player.show_present()

    def redo(self) -> None:
        step = self.controller.redo()
        if step is None:
            self.screen.notify("Nothing to redo.")
            return
        self.screen.player.play(step)

    # -- replacing the session ------------------------------------------------------------
    def open_scenario(self, data: dict[str, object] | None) -> None:
        """Replay a scenario (a counterexample, a lesson step list) into a new session."""
        if data is None:
            return
        try:
            session = replay(parse_scenario(data, str(data.get("name", "scenario"))))
        except InputError as exc:
            self.screen.notify(str(exc), severity="error", title="Cannot open", markup=False)
            return
        self.open_session(session)
        self.screen.notify(str(data.get("title", "Scenario loaded")), markup=False)

    def open_session(self, session: Session) -> None:
        """Show another session; the one it replaces is kept, and `z` on an empty history brings it back.

        Any new session (a counterexample, a patch file, a setting) ends a running lesson; a lesson's own
        start sets its lesson after this."""
        screen = self.screen
        if self.busy():
            return
        screen.lessons.leave()
        screen.player.finish()
        kept = self.controller.replace(session)
        if kept:
            screen.notify(f"The previous session ({kept} step{'s' if kept != 1 else ''}) is kept: z brings it back.", timeout=4)
        screen.show_session()

    def apply_settings(self, config: SessionConfig | None) -> None:
        """Other settings. Same partition and CPUs: replay these steps under the new version or profile."""
        change = self.controller.settings_change(config)
        if change is None:
            return
        if change.warning:
            self.screen.notify(change.warning, severity="warning", markup=False)
        self.open_session(change.session)
        self.screen.notify(change.told, markup=False)

    def set_setting(self, name: str, value: str | int) -> None:
        self.apply_settings(self.controller.with_setting(name, value))
