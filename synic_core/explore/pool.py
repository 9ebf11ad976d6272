"""Worker processes for the explorer's tables (`--all`, `--cpus 1-4`): both cores, and nothing left behind.

`ProcessPoolExecutor` waits for running tasks when it shuts down and its workers outlive a parent
that is killed, so the explorer keeps its own small pool instead:

- workers ignore SIGINT (the parent decides), ask Linux to kill them when the parent dies
  (PR_SET_PDEATHSIG) and also stop their search when their parent changes;
- on Ctrl-C or SIGTERM in the parent, `run_jobs` terminates the workers, waits for them (then
  SIGKILL), and re-raises, so the caller can print the rows finished so far;
- progress comes back as messages on the result queue.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from synic_core.explore.fast import Status, search
from synic_core.explore.reference import ExploreResult
from synic_core.model.config import SessionConfig
from synic_core.system.process import die_with_parent


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    config: SessionConfig
    depth: int | None
    any_order: bool
    memory_limit_mb: float | None


@dataclass(frozen=True, slots=True)
class JobStatus:
    index: int
    depth: int
    states: int


TERMINATED = threading.Event()


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the same clean stop runs as for Ctrl-C."""


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block SIGTERM raises `Terminated` in the main thread (outside it: left as it was)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        TERMINATED.set()  # also checked by the pool's loop: a raise inside a finaliser (__del__) is swallowed by Python
        raise Terminated

    TERMINATED.clear()
    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (the dashboard's worker): leave signals alone
        yield
        return
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # inherited blocked from a parent, it would stay pending
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _worker(tasks: Any, results: Any, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        return
    while True:
        job: Job | None = tasks.get()
        if job is None:
            return

        def status(s: Status, job: Job = job) -> None:
            if s.level_done:
                results.put(JobStatus(job.index, s.depth, s.states))

        result = search(
            job.config,
            job.depth,
            any_order=job.any_order,
            memory_limit_mb=job.memory_limit_mb,
            progress=status,
            stop=lambda: os.getppid() != parent,
        )
        results.put((job.index, result))


class WorkerPool:
    """`workers` processes forked on entry (before any progress-display thread exists), all gone on exit.

    With one worker, jobs run in this process. KeyboardInterrupt (and `Terminated`) propagate out of
    `run` and the `with` block ends every worker before they go further.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.procs: list[BaseProcess] = []

    def __enter__(self) -> WorkerPool:
        if self.workers > 1:
            ctx: Any = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            self.tasks = ctx.SimpleQueue()
            self.results = ctx.Queue()
            self.procs = [
                ctx.Process(target=_worker, args=(self.tasks, self.results, os.getpid()), daemon=True) for _ in range(self.workers)
            ]
            try:
                for p in self.procs:
                    p.start()
            except BaseException:
                stop_workers(self.procs)
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        stop_workers(self.procs)
        if self.procs:
            self.results.close()
            self.results.cancel_join_thread()

    def run(
        self,
        jobs: list[Job],
        on_result: Callable[[int, ExploreResult], None],
        on_status: Callable[[JobStatus], None] | None = None,
    ) -> None:
        """Run the jobs; results arrive in completion order. Call once per pool."""
        if not self.procs:
            for job in jobs:

                def status(s: Status, job: Job = job) -> None:
                    if s.level_done and on_status is not None:
                        on_status(JobStatus(job.index, s.depth, s.states))

                r = search(job.config, job.depth, any_order=job.any_order, memory_limit_mb=job.memory_limit_mb, progress=status)
                if r.stopped == "interrupted":
                    raise KeyboardInterrupt
                on_result(job.index, r)
            return
        for job in jobs:
            self.tasks.put(job)
        for _ in self.procs:
            self.tasks.put(None)
        left = len(jobs)
        while left:
            if TERMINATED.is_set():
                raise Terminated
            try:
                msg = self.results.get(timeout=0.2)
            except queue.Empty:
                if not any(p.is_alive() for p in self.procs):
                    raise RuntimeError("explore: the worker processes ended before their jobs were done") from None
                continue
            if isinstance(msg, JobStatus):
                if on_status is not None:
                    on_status(msg)
                continue
            index, result = msg
            left -= 1
            on_result(index, result)


def stop_workers(procs: list[BaseProcess], grace: float = 0.5) -> None:
    """Terminate, wait a moment, then kill: no worker outlives this call."""
    started = [p for p in procs if p.pid is not None]
    for p in started:
        if p.is_alive():
            p.terminate()
    for p in started:
        p.join(grace)
        if p.is_alive():
            p.kill()
            p.join(1)
