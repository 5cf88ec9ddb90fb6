"""Local runner: worker processes (spawned) that each load the models once.

Each worker talks to the driver over its own pipe, so the driver always knows which jobs a worker
holds: if a worker dies (a decoder crash) only the job it was running fails, the jobs queued
behind it go to other workers, and a fresh worker replaces it. A job that overruns its timeout
by :data:`HARD_TIMEOUT_GRACE_S` (stuck in native code, where the soft timeout cannot reach) gets
its worker killed the same way. Workers ignore Ctrl-C (the driver shuts them down) and exit when
the driver dies.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait

from zsvad.batch.job import Job, Outcome, Worker, WorkerSpec
from zsvad.batch.prefetch import next_entries
from zsvad.batch.runners.base import Lane, Runner, WorkerStartError, passed_on
from zsvad.logs import get_logger
from zsvad.progress import forward

log = get_logger(__name__)

#: jobs queued on a worker (1 running + the next), so it never waits for the driver; caption
#: jobs go in chunks (see zsvad.batch.prefetch): the next chunk is sent with the last job of one
PREFETCH = 2
#: worker deaths tolerated before the run stops (a crash on every video is not a bad file)
MAX_RESPAWNS = 20
#: workers that die before they are ready (broken environment) before the run stops
MAX_START_FAILURES = 3
#: seconds a busy worker gets to exit on SIGTERM at the end of a run before it is killed
STOP_GRACE_S = 3.0


def _exit_on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second one would break the exit
    raise SystemExit(128 + signum)


def _worker_main(spec: WorkerSpec, name: str, conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides; it stops us
    # SIGTERM (from the driver, or to the whole group) ends the worker through Python's exit, so
    # multiprocessing's finalizers release its semaphores (no "leaked semaphore" warning); what
    # it finished (judge cache, --log-samples) is on disk already
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        try:
            worker = Worker(spec, name=name)
        except SystemExit:
            raise
        except BaseException as exc:
            conn.send(("init_error", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("ready", os.getpid()))
        forward(lambda report: conn.send(("windows", report)))  # the driver shows them
        while True:
            job = conn.recv()
            if job is None:
                return
            conn.send(("done", worker.run(job)))
    except (EOFError, OSError):  # the driver is gone (BrokenPipe included): end quietly
        return


@dataclass(eq=False)
class _Slot:
    index: int
    name: str
    process: mp.process.BaseProcess
    conn: Connection
    ready: bool = False
    lane: Lane = field(default_factory=Lane)


class LocalRunner(Runner):
    """Runs jobs on ``workers`` spawned processes, each with its own pipeline."""

    name = "local"

    def __init__(self, spec: WorkerSpec, workers: int = 1, gpu_ids: list[str] | None = None):
        super().__init__(spec, workers)
        self.gpu_ids = gpu_ids or []
        self._ctx = mp.get_context("spawn")
        self._started = 0
        self.respawns = 0
        self.start_failures = 0

    def _spec_for(self, index: int) -> WorkerSpec:
        if not self.gpu_ids:
            return self.spec
        env = {**self.spec.env, "CUDA_VISIBLE_DEVICES": self.gpu_ids[index % len(self.gpu_ids)]}
        return replace(self.spec, env=env)

    def _start(self, index: int) -> _Slot:
        self._started += 1
        name = f"local-{index}.{self._started}"
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, args=(self._spec_for(index), name, child), name=name, daemon=True
        )
        proc.start()
        child.close()
        return _Slot(index, name, proc, parent)

    @staticmethod
    def _stop(slot: _Slot, kill: bool = False, busy: bool = False) -> None:
        """End a worker: ``kill`` at once (stuck or dead), ``busy``: SIGTERM, then kill after
        :data:`STOP_GRACE_S`; otherwise ask it to finish."""
        if kill:
            slot.process.kill()
        elif busy:
            slot.process.terminate()
            slot.process.join(timeout=STOP_GRACE_S)
            if slot.process.is_alive():
                slot.process.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
        slot.process.join(timeout=5)
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(timeout=5)
        slot.conn.close()

    def _replace(self, slot: _Slot) -> _Slot:
        self.respawns += 1
        if self.respawns > MAX_RESPAWNS:
            raise WorkerStartError(f"workers died {self.respawns} times; stopping the run")
        self._stop(slot, kill=True)
        return self._start(slot.index)

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        pending: deque[Job] = deque(jobs)
        slots = {i: self._start(i) for i in range(min(self.workers, len(pending)))}
        timeout = self.spec.timeout_s
        try:
            while pending or any(s.lane.jobs for s in slots.values()):
                for s in slots.values():
                    while pending and s.lane.load() < PREFETCH:
                        for job in next_entries(pending, self.spec.prefetch_videos, len(slots)):
                            s.conn.send(job)
                            s.lane.sent(job, s.ready)
                by_conn = {s.conn: s for s in slots.values()}
                by_sentinel = {s.process.sentinel: s for s in slots.values()}
                ready = wait([*by_conn, *by_sentinel], timeout=0.5)
                dead: list[_Slot] = []
                for obj in ready:
                    if obj in by_sentinel:
                        dead.append(by_sentinel[obj])
                        continue
                    slot = by_conn[obj]
                    try:
                        while slot.conn.poll():
                            yield from self._handle(slot, slot.conn.recv())
                    except (EOFError, OSError):
                        dead.append(slot)
                for slot in dict.fromkeys(dead):
                    try:  # answers sent before it died still count
                        while slot.conn.poll():
                            yield from self._handle(slot, slot.conn.recv())
                    except (EOFError, OSError):
                        pass
                    slot.process.join(timeout=1)
                    code = slot.process.exitcode
                    if not slot.ready:  # died while starting: not the fault of a video
                        self.start_failures += 1
                        if self.start_failures >= MAX_START_FAILURES:
                            raise WorkerStartError(
                                f"worker processes exit during startup (exit code {code}); "
                                "run with --runner serial --debug to see why"
                            )
                        slot.lane.requeue(pending)
                    elif slot.lane.jobs:
                        failed = slot.lane.fail_head(
                            pending,
                            "worker",
                            f"worker process died (exit code {code}) while scoring this file",
                            slot.name,
                        )
                        if failed is not None:
                            yield failed
                    log.warning("worker %s died (exit code %s); starting another", slot.name, code)
                    slots[slot.index] = self._replace(slot)
                for slot in list(slots.values()):
                    if slot.lane.overdue(timeout):
                        failed = slot.lane.fail_head(
                            pending, "timeout", f"timed out after {timeout:g} s (worker killed)",
                            slot.name,
                        )  # fmt: skip
                        if failed is not None:
                            yield failed
                        slots[slot.index] = self._replace(slot)
        finally:
            self.in_progress = set().union(*(s.lane.started() for s in slots.values()))
            for slot in slots.values():
                self._stop(slot, busy=bool(slot.lane.jobs))

    def _handle(self, slot: _Slot, msg: tuple) -> Iterator[Outcome]:
        kind, payload = msg
        if kind == "windows":
            if self.on_windows is not None:
                self.on_windows(payload)
            return
        if kind == "init_error":
            raise WorkerStartError(f"cannot start a worker: {payload}")
        if kind == "ready":
            slot.ready = True
            if slot.lane.jobs:
                slot.lane.busy_since = time.monotonic()
            return
        if kind == "done":
            outcome = passed_on(slot.lane.answered(payload.key), payload)
            if outcome is not None:
                yield outcome
