"""A simulation session: apply actions to chosen CPUs, keep history, undo and redo whole actions.

Memory grows with the writes, not with steps x CPUs: the history keeps each step's writes and
findings (its changes), and the session copies the whole machine only now and then, as a
checkpoint, once the writes since the last one add up to twice the machine's size. A state from the
past (time travel, undo) is rebuilt by running the steps again from the nearest checkpoint; the
model is deterministic, so the rebuilt state is the one the step saw.

`Session(config, keep_history=False)` is a session that only moves forward (a replay whose writes are
taken as they come, as `synic trace --check` does): it keeps no steps and no checkpoints, so its memory
stays that of one machine however many actions it applies; it cannot undo or travel in time. With
`judge=False` as well, its steps carry the writes and refusals but no finding of the rules (a replay
whose findings nobody reads): the machine changes exactly as with them.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager

from synic_core.model.actions import ACTIONS, run_action
from synic_core.model.config import SessionConfig
from synic_core.model.engine import Engine, StepResult
from synic_core.model.findings import Finding, summarize
from synic_core.model.registers import STATE_REGISTERS
from synic_core.model.state import MachineState
from synic_core.model.vocabulary import ActionName

CHECKPOINT_SPACING = 2
"""A checkpoint once the writes since the last one reach twice the machine's register cells: checkpoints
then take a small fraction of the memory the writes take, and a rebuild runs at most that many writes again."""
MIN_CHECKPOINT_WRITES = 256
"""A small machine still takes a checkpoint only every few hundred writes: rebuilding that much is instant."""


class ActionError(ValueError):
    """An action that cannot be applied as asked (bad CPU list, unknown action)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class Session:
    """Deterministic: the same config and actions always give the same writes and findings."""

    def __init__(self, config: SessionConfig, *, keep_history: bool = True, judge: bool = True) -> None:
        if not judge and keep_history:
            raise ValueError("a session without the finding rules keeps no history (its steps would lack their findings)")
        self.config = config
        self.keep_history = keep_history
        self.judge = judge
        self._forward = 0  # steps applied without history
        self.state = self._reset()
        self.history: list[StepResult] = []
        self._redo: list[tuple[ActionName, list[int] | None]] = []
        cells = self.config.cpus * len(STATE_REGISTERS) * len(self.state.banks)
        self._checkpoint_every = max(CHECKPOINT_SPACING * cells, MIN_CHECKPOINT_WRITES)  # writes between checkpoints
        self._checkpoints: dict[int, MachineState] = {}  # step index -> a copy of the state before that step
        self._marks: list[int] = [0]  # sorted checkpoint indexes; 0 is the reset state, built afresh
        self._since_checkpoint = 0
        self._recent: tuple[int, MachineState] | None = None  # the last state rebuilt, to walk on from

    def _reset(self) -> MachineState:
        return MachineState.reset(self.config.partition_spec, self.config.cpus, self.config.channel_cpus)

    # -- applying ---------------------------------------------------------------------------
    def resolve_cpus(self, action: ActionName, cpus: list[int] | None) -> list[int]:
        """Check the CPU list against the action's target; None means all online CPUs (or CPU 0)."""
        if action not in ACTIONS:
            raise ActionError("action", f"expected one of {', '.join(ACTIONS)}, got {action!r}")
        target = ACTIONS[action].target
        if cpus is None:
            return self._default_cpus(target)
        if not cpus:
            raise ActionError("cpus", "expected at least one CPU")
        if len(set(cpus)) != len(cpus):
            raise ActionError("cpus", f"duplicate CPU in {cpus if len(cpus) <= 16 else str(cpus[:16])[:-1] + ', ...]'}")
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

    def _run(self, state: MachineState, step: StepResult) -> None:
        """One step on `state`: the action, then the pages nothing refers to any more are dropped."""
        with collector_paused():
            run_action(Engine(self.config, state, step, judge=self.judge), step.action, step.cpus)
        state.collect_pages()

    def apply(self, action: ActionName, cpus: list[int] | None = None) -> StepResult:
        """Apply one action; raises ActionError (state untouched) when it cannot be applied."""
        resolved = self.resolve_cpus(action, cpus)
        if not self.keep_history:
            return self._apply_forward(action, resolved)
        if self.history and self.history[-1].cpus == resolved:
            resolved = self.history[-1].cpus  # one list for a run of steps on the same CPUs: memory stays with the writes
        step = StepResult(index=len(self.history), action=action, cpus=resolved)
        try:
            self._run(self.state, step)
        except BaseException:
            self.state = self._rebuild(len(self.history), share=False)  # an internal error leaves the state as it was
            raise
        self.history.append(step)
        self._redo = []
        self._since_checkpoint += len(step.writes) + 1
        if self._since_checkpoint >= self._checkpoint_every:
            self._checkpoints[len(self.history)] = self.state.copy()
            self._marks.append(len(self.history))
            self._since_checkpoint = 0
        return step

    def _apply_forward(self, action: ActionName, cpus: list[int]) -> StepResult:
        """A step kept nowhere (`keep_history=False`): nothing to rebuild from, so a bug in the model that
        raises mid-step leaves the state as the step left it (the caller gets the exception, not a state)."""
        step = StepResult(index=self._forward, action=action, cpus=cpus)
        self._run(self.state, step)
        self._forward += 1
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
        n = len(self.history)
        while self._marks[-1] > n:
            del self._checkpoints[self._marks.pop()]
        if self._recent is not None and self._recent[0] > n:
            self._recent = None
        self.state = self._rebuild(n, share=False)
        self._since_checkpoint = sum(len(s.writes) + 1 for s in self.history[self._marks[-1] :])
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
    def applied(self) -> int:
        """Steps applied so far (with `keep_history`, the length of the history)."""
        return len(self.history) if self.keep_history else self._forward

    @property
    def findings(self) -> list[Finding]:
        return [f for step in self.history for f in step.findings]

    def summary(self) -> dict[str, int]:
        return summarize(self.findings)

    def state_before(self, step_index: int) -> MachineState:
        """The machine as it was before step `step_index` (for time travel and replays); treat it as read-only."""
        if step_index == self.applied:
            return self.state
        if not 0 <= step_index <= len(self.history):
            raise IndexError(f"step {step_index} is not in the history (0..{len(self.history)})")
        return self._rebuild(step_index)

    def checkpoints(self) -> list[int]:
        """The step indexes whose state is kept as a copy (0, the reset state, is built afresh)."""
        return list(self._marks)

    def _rebuild(self, step_index: int, share: bool = True) -> MachineState:
        """The state before step `step_index`: the nearest checkpoint (or the last state rebuilt), then the steps again.

        With `share`, the result is remembered (and may be handed out again), so that walking through
        time continues from it; without, it is a fresh state the caller may change.
        """
        mark = self._marks[bisect_right(self._marks, step_index) - 1]
        recent = self._recent
        if recent is not None and mark <= recent[0] <= step_index:
            if share and recent[0] == step_index:
                return recent[1]
            start, state = recent[0], recent[1].copy()
        else:
            start, state = mark, (self._checkpoints[mark].copy() if mark else self._reset())
        for step in self.history[start:step_index]:
            self._run(state, StepResult(index=step.index, action=step.action, cpus=list(step.cpus)))
        if share:
            self._recent = (step_index, state)
        return state


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector waits until the step (or the replay of a whole scenario) is done.

    A step makes one record per write (16,384 for a VMBus load on 4096 CPUs) and none of them is
    garbage; collecting while they are made would walk the growing history again and again (a third
    of the time of a 100-step run on 4096 CPUs). Paused, it runs once afterwards instead. Nothing in
    the model creates reference cycles, and reference counting frees as usual meanwhile.
    """
    if not gc.isenabled():  # paused by someone else (an enclosing replay, another thread's step): theirs to resume
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
