"""`SessionController`: the dashboard's session and what happens to it, tested without a terminal (like `Display`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core import ActionError, Session, StepResult
from synic_core.inputs.bad_input import InputError
from synic_core.model.vocabulary import ActionName
from synic_core.versions.registry import session_config
from tui.state import session_controller
from tui.state.session_controller import SessionController, unsaved_after


def loaded(*actions: ActionName, mshv: str = "patch5-only", cpus: int = 4) -> Session:
    session = Session(session_config(mshv=mshv, cpus=cpus))
    for action in actions:
        session.apply(action, session.resolve_cpus(action, None))
    return session


def test_actions_asked_for_while_one_computes_wait_their_turn_in_order() -> None:
    c = SessionController(loaded())
    then: list[StepResult] = []
    assert not c.wait_turn("vmbus_load", [0, 1, 2, 3], None)  # nothing computing: it runs now
    c.start("vmbus_load", [0, 1, 2, 3])
    assert c.status == "computing VMBus load on 4 CPUs…"
    assert c.wait_turn("mshv_init", [0, 1, 2, 3], then.append) and c.wait_turn("kexec", [0], None)
    assert c.status == "computing VMBus load on 4 CPUs… (+2 queued)"
    c.done(c.compute("vmbus_load", [0, 1, 2, 3]))
    assert c.computing == "" and [p.action for p in c.pending] == ["mshv_init", "kexec"]
    first = c.next_pending()
    assert first is not None and first.action == "mshv_init" and first.then is not None
    assert [p.action for p in c.pending] == ["kexec"]


def test_a_failed_action_drops_the_ones_queued_after_it() -> None:
    c = SessionController(loaded())
    c.start("vmbus_load", [0])
    c.wait_turn("kexec", [0], None)
    result = c.compute("cpu_online", [0])  # CPU 0 is online already
    assert isinstance(result, ActionError)
    c.done(result)
    assert c.pending == [] and c.next_pending() is None and c.status == ""


def test_the_status_names_the_cpu_a_reboot_targets() -> None:
    c = SessionController(loaded("vmbus_load", "mshv_init"))
    c.start("kexec", [3])
    assert c.status == "computing kexec on reboot CPU 3…"
    c.start("cpu_offline", [2])
    assert c.status == "computing CPU offline on 1 CPU…"


def test_large_machines_compute_in_the_background() -> None:
    assert not SessionController(loaded(cpus=255)).in_background
    assert SessionController(loaded(cpus=256)).in_background


def test_undo_goes_back_a_step_then_to_the_session_replaced_then_says_nothing() -> None:
    first = loaded("vmbus_load", "mshv_init")
    c = SessionController(first, opened=Path("first.json"))
    c.session.apply("kexec", [0])  # one unsaved step
    second = loaded("vmbus_load")
    assert c.replace(second) == 3  # the replaced session's steps, kept for `z`
    assert c.session is second and c.previous[-1].session is first
    assert c.undo() == "undone" and second.history == []
    assert c.undo() == "restored"
    assert c.session is first and c.opened == Path("first.json") and c.unsaved_steps == 1  # still unsaved
    for _ in range(3):
        assert c.undo() == "undone"
    assert c.undo() == "nothing"


def test_an_empty_session_replaced_is_not_kept() -> None:
    c = SessionController(loaded())
    assert c.replace(loaded("vmbus_load")) == 0 and c.previous == []


def test_redo_replays_what_undo_took_back() -> None:
    c = SessionController(loaded("vmbus_load"))
    assert c.redo() is None
    c.undo()
    step = c.redo()
    assert step is not None and step.action == "vmbus_load" and len(c.session.history) == 1


def test_unsaved_counts_follow_saves_and_kept_sessions(tmp_path: Path) -> None:
    c = SessionController(loaded("vmbus_load", "mshv_init"))
    assert c.unsaved_steps == 0  # opened with its steps: nothing would be lost
    c.session.apply("kexec", [0])
    assert c.unsaved_steps == 1
    c.mark_saved(tmp_path / "mine.json")
    assert c.unsaved_steps == 0 and c.opened == tmp_path / "mine.json"
    c.session.apply("vmbus_unload", [0, 1, 2, 3])
    c.replace(loaded())
    assert c.unsaved_kept == (1, 1) and c.unsaved_steps == 0
    c.mark_saved()  # a download: the saved step moves, the file offered next does not
    assert c.opened == tmp_path / "mine.json" and c.unsaved_steps == 0


def test_unsaved_after_counts_the_steps_after_the_saved_one() -> None:
    history = loaded("vmbus_load", "mshv_init", "kexec").history
    assert unsaved_after(history, None) == 3
    assert unsaved_after(history, history[0]) == 2
    assert unsaved_after(history, history[-1]) == 0
    assert unsaved_after([], None) == 0


def test_settings_unchanged_change_nothing() -> None:
    c = SessionController(loaded("vmbus_load"))
    assert c.settings_change(None) is None
    assert c.settings_change(c.session.config) is None


def test_another_version_replays_these_steps_and_other_cpus_start_anew() -> None:
    c = SessionController(loaded("vmbus_load", "mshv_init", "kexec"))
    change = c.settings_change(c.with_setting("mshv", "v4"))
    assert change is not None and change.warning == ""
    assert change.session.config.mshv == "v4" and [s.action for s in change.session.history] == ["vmbus_load", "mshv_init", "kexec"]
    assert change.told == "Replayed 3 steps under mshv v4, strict."
    change = c.settings_change(c.with_setting("cpus", 2))
    assert change is not None and change.session.history == [] and change.session.config.cpus == 2
    assert change.told == "New session: l1vh, mshv patch5-only, strict, 2 CPUs" and change.warning == ""


def test_steps_that_do_not_replay_say_why_and_start_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> Session:
        raise InputError("these steps: steps[1].cpus: CPU 1 is offline")

    monkeypatch.setattr(session_controller, "replay_under", refuse)
    c = SessionController(loaded("vmbus_load"))
    change = c.settings_change(c.with_setting("hypervisor", "lenient"))
    assert change is not None and change.session.history == [] and change.session.config.hypervisor == "lenient"
    assert change.warning == "These steps do not replay under patch5-only/lenient: these steps: steps[1].cpus: CPU 1 is offline"


def test_with_setting_changes_one_setting() -> None:
    c = SessionController(loaded(mshv="v4", cpus=8))
    config = c.with_setting("partition", "nested_root")
    assert (config.partition, config.mshv, config.hypervisor, config.cpus) == ("nested_root", "v4", "strict", 8)
