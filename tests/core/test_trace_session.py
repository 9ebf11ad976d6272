"""An imported trace as a read-only session: the same steps, states and findings as the model that made it."""

from __future__ import annotations

from pathlib import Path

import pytest

from synic_core.cli import main
from synic_core.model.session import ActionError
from synic_core.traces.reading import TraceError
from synic_core.traces.session import TraceSession, TraceWrite
from tests.support.traces import exported, imported, model, save

P5 = "l1vh-patch5-only-kexec"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[TraceSession, object]:
    return TraceSession(imported(save(tmp_path, exported(P5)), mshv="patch5-only")), model(P5)


def test_steps_writes_and_findings_line_up_with_the_model(pair: tuple[TraceSession, object]) -> None:
    trace, session = pair
    assert [(s.action, len(s.writes)) for s in trace.history] == [(s.action, len(s.writes)) for s in session.history]  # type: ignore[attr-defined]
    for mine, theirs in zip(trace.history, session.history, strict=True):  # type: ignore[attr-defined]
        assert sorted((f.kind, f.cpu, f.register, f.write) for f in mine.findings) == sorted(
            (f.kind, f.cpu, f.register, f.write) for f in theirs.findings
        )
        assert [(w.cpu, w.register, w.new, w.rejected) for w in mine.writes] == [
            (w.cpu, w.register, w.new, w.rejected) for w in theirs.writes
        ]


def test_past_states_are_the_machines_not_a_rerun(pair: tuple[TraceSession, object]) -> None:
    trace, session = pair
    for k in range(len(trace.history) + 1):
        assert trace.state_before(k).regs == session.state_before(k).regs  # type: ignore[attr-defined]
    with pytest.raises(IndexError):
        trace.state_before(9)


def test_a_trace_session_is_read_only(pair: tuple[TraceSession, object]) -> None:
    trace, _ = pair
    with pytest.raises(ActionError, match="real trace is read-only"):
        trace.apply("vmbus_load")
    assert trace.undo() is None and not trace.can_undo() and len(trace.history) == 3


def test_writes_keep_what_the_trace_said(pair: tuple[TraceSession, object]) -> None:
    trace, _ = pair
    w = trace.history[2].writes[-4]  # CPU 3's VMBus SINT2 mask at kexec: refused
    assert isinstance(w, TraceWrite) and (w.cpu, w.register, w.rejected, w.number) == (3, "SINT2", True, 17)
    assert w.stack[:2] == ("hv_hyp_synic_disable_regs", "hv_synic_cleanup") and w.attribution == "stack" and w.task == "cpuhp/3"


def test_a_trace_without_a_matched_sequence_has_no_steps_to_play(tmp_path: Path) -> None:
    path = save(tmp_path, "  bash-1 [000] ..... 1.000000: write_msr: 40000090, value 10000\n")
    with pytest.raises(TraceError, match="no run of writes matches a driver sequence"):
        TraceSession(imported(path))


def test_the_headless_cli_has_no_dashboard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", str(save(tmp_path, exported(P5))), "--dashboard"]) == 2
    assert "a dashboard command" in capsys.readouterr().err


def test_saved_as_a_scenario_it_replays_the_inferred_actions(pair: tuple[TraceSession, object]) -> None:
    from synic_core.scenarios.scenario import replay, session_scenario

    trace, _ = pair
    scenario = session_scenario(trace)
    assert [(s.action, s.cpus) for s in scenario.steps] == [("vmbus_load", [0, 1, 2, 3]), ("mshv_init", [0, 1, 2, 3]), ("kexec", [0])]
    assert replay(scenario).summary() == trace.summary()
