"""The dashboard's session and what happens to it: the apply queue, undo and redo, the sessions kept for `z`,
what is unsaved, replacing the session and changing its settings.

Pure Python (no textual), tested without a terminal like `Display`. The screen asks, the controller
decides, the screen shows: a worker thread runs `compute` on a large machine, the rest runs on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from synic_core import ActionError, Session, SessionConfig, StepResult
from synic_core.inputs.bad_input import InputError
from synic_core.model.actions import ACTIONS
from synic_core.model.vocabulary import ActionName
from synic_core.reports.formatting import plural
from synic_core.scenarios.compare import replay_under
from synic_core.scenarios.scenario import session_scenario
from synic_core.versions.registry import session_config

BACKGROUND_CPUS = 256  # from this many CPUs an action (or a report) is computed in a worker thread

Then = Callable[[StepResult], None]  # what to do once an action has been applied (a lesson moves on)
Undone = Literal["undone", "restored", "nothing"]


class Kept(NamedTuple):
    """A session another one replaced, as it was: `z` on an empty history brings it back."""

    session: Session
    opened: Path | None
    saved: StepResult | None  # its last saved step


class Pending(NamedTuple):
    """An action asked for while another was computed: it runs when that one is done."""

    action: ActionName
    cpus: list[int]
    then: Then | None


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What other settings lead to: the session to show, what to say before (a replay failed) and after."""

    session: Session
    told: str
    warning: str = ""


def unsaved_after(history: Sequence[StepResult], saved: StepResult | None) -> int:
    """Steps after the last saved one (all of them when none was saved)."""
    if not history or history[-1] is saved:
        return 0
    done = next((i + 1 for i, step in enumerate(history) if step is saved), 0)
    return len(history) - done


def _last(session: Session) -> StepResult | None:
    return session.history[-1] if session.history else None


class SessionController:
    """The session on screen, the file it came from, the sessions it replaced and the actions waiting their turn."""

    def __init__(self, session: Session, opened: Path | None = None) -> None:
        self.session = session
        self.opened = opened  # the scenario file this session came from: the default place to save it
        self.saved = _last(session)  # the last step saved (or opened); steps after it would be lost
        self.previous: list[Kept] = []  # sessions this one replaced: undo goes back to them
        self.pending: list[Pending] = []
        self.computing = ""  # what a worker is computing ("" when idle): shown in the status line

    # -- applying actions -----------------------------------------------------------------
    @property
    def in_background(self) -> bool:
        """A machine this large computes its actions and reports in a worker thread, so input never waits."""
        return self.session.config.cpus >= BACKGROUND_CPUS

    def wait_turn(self, action: ActionName, cpus: list[int], then: Then | None) -> bool:
        """Queue the action behind the one being computed (True), or say it can run now (False)."""
        if self.computing:
            self.pending.append(Pending(action, cpus, then))
        return bool(self.computing)

    def start(self, action: ActionName, cpus: list[int]) -> None:
        """A worker computes the action now: the status line says what."""
        spec = ACTIONS[action]
        where = f"reboot CPU {cpus[0]}" if spec.target == "one" else plural(len(cpus), "CPU", grouped=False)
        self.computing = f"computing {spec.title} on {where}…"

    def compute(self, action: ActionName, cpus: list[int]) -> StepResult | ActionError:
        """Apply the action to the session (on a worker thread for a large machine)."""
        try:
            return self.session.apply(action, cpus)
        except ActionError as exc:
            return exc

    def done(self, result: StepResult | ActionError | None = None) -> None:
        """The computation ended; an action that failed drops the ones after it (they expected it to apply)."""
        self.computing = ""
        if isinstance(result, ActionError):
            self.pending.clear()

    def next_pending(self) -> Pending | None:
        return self.pending.pop(0) if self.pending else None

    @property
    def status(self) -> str:
        """What the status line says while a worker runs ("" when idle)."""
        queued = f" (+{len(self.pending)} queued)" if self.pending else ""
        return self.computing + queued if self.computing else ""

    # -- undo and redo --------------------------------------------------------------------
    def undo(self) -> Undone:
        """Undo the last step; on an empty history, go back to the session this one replaced."""
        if self.session.undo() is not None:
            return "undone"
        if self.previous:
            kept = self.previous.pop()
            self.load(kept.session)
            self.opened, self.saved = kept.opened, kept.saved  # what was unsaved there still is
            return "restored"
        return "nothing"

    def redo(self) -> StepResult | None:
        return self.session.redo()

    # -- replacing the session ------------------------------------------------------------
    def replace(self, session: Session) -> int:
        """Show another session; the one it replaces is kept when it has steps (their number, else 0)."""
        kept = len(self.session.history)
        if kept:
            self.previous.append(Kept(self.session, self.opened, self.saved))
        self.load(session)
        return kept

    def load(self, session: Session) -> None:
        self.session = session
        self.saved = _last(session)

    def settings_change(self, config: SessionConfig | None) -> SettingsChange | None:
        """Other settings. Same partition and CPUs: these steps replayed under the new version or profile."""
        if config is None or config == self.session.config:
            return None
        old, warning = self.session.config, ""
        if self.session.history and (config.partition, config.cpus) == (old.partition, old.cpus):
            settings = {"mshv": config.mshv, "hypervisor": config.hypervisor, "channel_cpus": list(config.channel_cpus)}
            try:
                replayed = replay_under(session_scenario(self.session), settings, "these steps")
            except InputError as exc:
                warning = f"These steps do not replay under {config.mshv}/{config.hypervisor}: {exc}"
            else:
                return SettingsChange(replayed, f"Replayed {len(replayed.history)} steps under mshv {config.mshv}, {config.hypervisor}.")
        told = f"New session: {config.partition}, mshv {config.mshv}, {config.hypervisor}, {config.cpus} CPUs"
        return SettingsChange(Session(config), told, warning)

    def with_setting(self, name: str, value: str | int) -> SessionConfig:
        """The current settings with one changed (the palette's "MSHV version: v4", a patch file opened)."""
        c = self.session.config
        fields: dict[str, object] = {"partition": c.partition, "mshv": c.mshv, "hypervisor": c.hypervisor, "cpus": c.cpus, name: value}
        cpus = int(fields["cpus"])  # type: ignore[call-overload]  # an int from the palette or the config
        fields["channel_cpus"] = tuple(cpu for cpu in c.channel_cpus if cpu < cpus)  # channels on CPUs that stay
        return session_config(**fields)  # type: ignore[arg-type]  # palette values are table names

    # -- saving ---------------------------------------------------------------------------
    def mark_saved(self, path: Path | None = None) -> None:
        """The session was saved (to `path`, the next save's default; None: downloaded): nothing is unsaved."""
        if path is not None:
            self.opened = path
        self.saved = _last(self.session)

    @property
    def unsaved_steps(self) -> int:
        """Steps added since the session was opened or saved (0 when nothing would be lost)."""
        return unsaved_after(self.session.history, self.saved)

    @property
    def unsaved_kept(self) -> tuple[int, int]:
        """(sessions, steps): the earlier sessions kept for `z` that have steps never saved."""
        counts = [n for n in (unsaved_after(k.session.history, k.saved) for k in self.previous) if n]
        return len(counts), sum(counts)
