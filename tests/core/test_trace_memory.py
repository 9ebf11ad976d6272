"""A trace of 1,000,000 SynIC writes is judged whole in bounded memory (peak RSS of its own process, measured, never
timed): every write judged, and the peak no higher than for a trace a quarter as long."""

from __future__ import annotations

import gc
import re
import sys
import tracemalloc
from pathlib import Path

import pytest

import synic_core.traces.load as load
from bench.measure import measured
from bench.trace_bench import write_cycles
from synic_core.model.session import Session
from synic_core.traces.attribute import Attributed
from synic_core.traces.export import export_lines
from synic_core.traces.load import import_trace
from synic_core.traces.replay import replay_trace
from synic_core.versions.registry import session_config

STAMP = re.compile(r" (\d+)\.(\d{6}): ")
PEAK_MB = 150
GROWTH_MB = 10
"""What four times the writes may add to the peak: the findings and the actions' rows (a few per cycle), not the writes."""
REPLAY_PEAK_BYTES_A_WRITE = 45
"""The replay with the finding rules, at its peak: what it keeps (the old values and the step of each write: 12 bytes)
and its marks (the segments' boundaries: 16 bytes a segment). Marks as a dict of lists by rank took about 83 bytes a write."""


def run_measured(cmd: list[str], tmp_path: Path) -> tuple[int, str, str, float]:
    """(exit code, standard output, standard error, peak RSS in MB) of `cmd` in its own process, started from a small
    process of its own (`bench.trace_bench.measured`: a child's ru_maxrss also counts the test runner's memory)."""
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    code, peak_mb, _ = measured(cmd, out, err)
    return code, out.read_text(), err.read_text(), peak_mb


def judged(path: Path, tmp_path: Path) -> tuple[str, float]:
    code, stdout, stderr, peak_mb = run_measured([sys.executable, "-m", "synic_core", "trace", str(path), "--check", "--quiet"], tmp_path)
    assert code == 0 and "Traceback" not in stderr, stderr
    return stdout, peak_mb


@pytest.mark.serial  # big processes of their own: alone, not beside the parallel suite
def test_a_million_writes_are_all_checked_in_the_memory_of_a_quarter_million(tmp_path: Path) -> None:
    quarter, million = tmp_path / "quarter.txt", tmp_path / "million.txt"
    write_cycles(quarter, 250_000)
    total = write_cycles(million, 1_000_000)
    _, quarter_mb = judged(quarter, tmp_path)
    stdout, peak_mb = judged(million, tmp_path)
    assert f"{total:,} SynIC writes on CPUs 0-63" in stdout and "not judged" not in stdout  # every write judged
    assert stdout.endswith("\nconforms to v4\n")
    assert peak_mb < PEAK_MB, f"peak {peak_mb:.0f} MB"
    assert peak_mb < quarter_mb + GROWTH_MB, f"{quarter_mb:.0f} MB for a quarter of the writes, {peak_mb:.0f} MB for all"


def test_the_replay_peaks_at_a_few_dozen_bytes_a_write(tmp_path: Path) -> None:
    path = tmp_path / "cycles.txt"
    total = write_cycles(path, 30_000)
    ti = import_trace(path)
    tracemalloc.start()
    try:
        run = replay_trace(ti.attributed, ti.actions, ti.config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(run.old) == total and len(ti.attributed.segments) > total // 4  # a segment every few writes
    assert peak / total < REPLAY_PEAK_BYTES_A_WRITE, f"{peak / total:.0f} bytes a write"


def test_the_partition_guess_lets_go_of_the_attribution_it_did_not_choose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(session_config(mshv="v4", partition="root", cpus=4))
    for action in ("mshv_init", "kexec"):
        session.apply(action)
    path = tmp_path / "root.txt"
    path.write_text("".join(line + "\n" for line in export_lines(session, stacks=False)))
    alive: list[int] = []
    real = replay_trace

    def counting(*args: object, **kwargs: object) -> object:
        gc.collect()
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, Attributed)))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "replay_trace", counting)
    ti = import_trace(path)
    assert ti.partition_why.startswith("guessed from the trace: MSHV writes")  # l1vh was attributed first, then root
    assert alive == [1]  # only the chosen partition's attribution is held through the replay
