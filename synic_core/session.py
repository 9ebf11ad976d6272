"""A simulation session: apply actions to chosen CPUs, keep history, undo and redo whole actions."""

from __future__ import annotations

from .actions import ACTIONS, run_action
from .config import SessionConfig
from .engine import Engine, StepResult
from .findings import Finding, summarize
from .state import MachineState


class ActionError(ValueError):
    """An action that cannot be applied as asked (bad CPU list, unknown action)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class Session:
    """Deterministic: the same config and actions always give the same writes and findings."""

    def __init__(self, config: SessionConfig | None = None) -> None:
        self.config = config or SessionConfig()
        self.state = MachineState.reset(self.config.partition_spec, self.config.cpus)
        self.history: list[StepResult] = []
        self._before: list[MachineState] = []  # state before each step in history
        self._redo: list[tuple[str, list[int] | None]] = []

    # -- applying ---------------------------------------------------------------------------
    def resolve_cpus(self, action: str, cpus: list[int] | None) -> list[int]:
        """Check the CPU list against the action's target; None means all online CPUs (or CPU 0)."""
        if action not in ACTIONS:
            raise ActionError("action", f"expected one of {', '.join(ACTIONS)}, got {action!r}")
        target = ACTIONS[action].target
        if cpus is None:
            return self._default_cpus(target)
        if not cpus:
            raise ActionError("cpus", "expected at least one CPU")
        if len(set(cpus)) != len(cpus):
            raise ActionError("cpus", f"duplicate CPU in {cpus}")
        for cpu in cpus:
            self._check_cpu(cpu, target)
        if target == "one" and len(cpus) != 1:
            raise ActionError("cpus", f"{action} runs on exactly one CPU (the reboot CPU), got {len(cpus)}")
        return list(cpus)

    def _default_cpus(self, target: str) -> list[int]:
        online = self.state.online_cpus()
        if target == "offline":
            offline = [i for i, c in enumerate(self.state.cpus) if not c.online]
            if not offline:
                raise ActionError("cpus", "no CPU is offline")
            return offline
        return online[:1] if target == "one" else online

    def _check_cpu(self, cpu: int, target: str) -> None:
        n = self.config.cpus
        if not isinstance(cpu, int) or isinstance(cpu, bool) or not 0 <= cpu < n:
            raise ActionError("cpus", f"CPU {cpu!r} is out of range (expected 0..{n - 1})")
        online = self.state.cpus[cpu].online
        if target == "offline" and online:
            raise ActionError("cpus", f"CPU {cpu} is already online (expected an offline CPU)")
        if target != "offline" and not online:
            raise ActionError("cpus", f"CPU {cpu} is offline (expected an online CPU)")

    def apply(self, action: str, cpus: list[int] | None = None) -> StepResult:
        """Apply one action; raises ActionError (state untouched) when it cannot be applied."""
        resolved = self.resolve_cpus(action, cpus)
        before = self.state.copy()
        step = StepResult(index=len(self.history), action=action, cpus=resolved)
        run_action(Engine(self.config, self.state, step), action, resolved)
        self.history.append(step)
        self._before.append(before)
        self._redo = []
        return step

    # -- undo / redo ------------------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self.history)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> StepResult | None:
        if not self.history:
            return None
        step = self.history.pop()
        self.state = self._before.pop()
        self._redo.append((step.action, step.cpus))
        return step

    def redo(self) -> StepResult | None:
        if not self._redo:
            return None
        action, cpus = self._redo.pop()
        pending = self._redo
        step = self.apply(action, cpus)
        self._redo = pending
        return step

    # -- views ------------------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        return [f for step in self.history for f in step.findings]

    def summary(self) -> dict[str, int]:
        return summarize(self.findings)

    def state_before(self, step_index: int) -> MachineState:
        """The machine as it was before step `step_index` (for time travel and replays)."""
        return self._before[step_index]
