"""Ray runner: the same jobs on Ray actors, each holding one pipeline (and GPUs if asked).

Connects to an existing cluster (``address``: ``auto``, ``ray://head:10001``, …, or
``$RAY_ADDRESS``) or starts a fresh small local instance (no dashboard, a small object store)
and shuts it down afterwards. The driver keeps writing every output itself, so results and
resumability are those of the local runner; the workers only need to read the input paths
(shared storage on a multi-node cluster) and to import zsvad (install it in the cluster's
environment).
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence

from zsvad.batch.job import Job, Outcome, Worker, WorkerSpec
from zsvad.batch.prefetch import Prefetch, next_entries
from zsvad.batch.runners.base import BatchError, Lane, Runner, WorkerStartError, passed_on
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)

PREFETCH = 2
MAX_RESTARTS = 20
#: object store of a local instance: results are small, keep the footprint small
LOCAL_OBJECT_STORE_BYTES = 128 * 2**20


class RayWorker:
    """Actor body: one :class:`Worker` per actor."""

    def __init__(self, spec: WorkerSpec, name: str):
        self.worker = Worker(spec, name=name)

    def ready(self) -> int:
        return os.getpid()

    def run(self, job: Job | Prefetch) -> Outcome:
        return self.worker.run(job)


class RayRunner(Runner):
    """Runs jobs on ``workers`` Ray actors (``num_cpus``/``num_gpus`` each)."""

    name = "ray"

    def __init__(
        self,
        spec: WorkerSpec,
        workers: int = 1,
        address: str | None = None,
        num_cpus: float = 1.0,
        num_gpus: float = 0.0,
    ):
        super().__init__(spec, workers)
        self.address = address
        self.num_cpus = num_cpus
        self.num_gpus = num_gpus
        self.restarts = 0
        self._made = 0

    def _init(self, ray) -> bool:
        """Connect or start Ray; True if this runner started it (and must shut it down)."""
        if ray.is_initialized():
            return False
        kw = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
        self.address = self.address or os.environ.get("RAY_ADDRESS") or None
        try:
            if self.address:
                ray.init(address=self.address, **kw)
            else:  # "local": a fresh instance, never one a `ray start` left behind
                cpus = max(os.cpu_count() or 1, int(self.workers * self.num_cpus + 0.999))
                ray.init(
                    address="local",
                    num_cpus=cpus,
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                    **kw,
                )
        except Exception as exc:  # ConnectionError, RuntimeError, AuthenticationError, …
            where = f"connect to the Ray cluster at {self.address}" if self.address else "start Ray"
            raise BatchError(f"cannot {where}: {_cause(exc)}") from exc
        return True

    def _actor(self, ray, cls):
        self._made += 1
        name = f"ray-{self._made}"
        return cls.options(num_cpus=self.num_cpus, num_gpus=self.num_gpus).remote(self.spec, name)

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        if not jobs:
            return
        ray = require("ray", "the Ray runner")
        exceptions = require("ray.exceptions", "the Ray runner")
        started = self._init(ray)
        cls = ray.remote(max_restarts=0)(RayWorker)
        n = min(self.workers, len(jobs))
        actors = [self._actor(ray, cls) for _ in range(n)]
        lanes = [Lane() for _ in range(n)]
        refs: dict = {}  # job key -> ObjectRef of its run on the actor of its lane
        starting: dict = {}  # lane index -> ready() ObjectRef of a restarted actor
        pending: deque[Job] = deque(jobs)
        timeout = self.spec.timeout_s
        try:
            try:
                ray.get([a.ready.remote() for a in actors])
            except exceptions.RayError as exc:
                raise WorkerStartError(f"cannot start a Ray worker: {_cause(exc)}") from exc
            # every job is in `pending` or in a lane until its one outcome is yielded
            while pending or any(lane.jobs for lane in lanes):
                for i, actor in enumerate(actors):
                    while pending and lanes[i].load() < PREFETCH:
                        for job in next_entries(pending, self.spec.prefetch_videos, n):
                            refs[job.key] = actor.run.remote(job)
                            lanes[i].sent(job, ready=i not in starting)
                # one reference per lane: ray.wait returns any ready reference, not the oldest,
                # so answers are taken head first, in the order the actor runs its jobs
                watched = {ref: i for i, ref in _heads(lanes, refs, starting)}
                done, _ = ray.wait(list(watched), num_returns=1, timeout=0.5)
                for ref in done:
                    i = watched[ref]
                    lane = lanes[i]
                    if i in starting:  # a restarted actor is ready (or died starting)
                        del starting[i]
                        try:
                            ray.get(ref)
                        except exceptions.RayError:  # not the fault of a video: jobs go back
                            lane.requeue(pending)
                            actors[i] = self._restart(ray, cls, actors[i], starting, i)
                            continue
                        if lane.jobs:  # the hard timeout counts from now, not from the import
                            lane.busy_since = time.monotonic()
                        continue
                    head = lane.jobs[0]
                    try:
                        outcome = ray.get(refs.pop(head.key))
                    except exceptions.RayError as exc:  # the actor died running the head job
                        failed = lane.fail_head(
                            pending, "worker", f"Ray worker failed: {_cause(exc)}", f"ray-{i}"
                        )
                        if failed is not None:
                            yield failed
                        actors[i] = self._restart(ray, cls, actors[i], starting, i)
                        continue
                    outcome = passed_on(lane.answered(head.key), outcome)
                    if outcome is not None:
                        yield outcome
                for i, lane in enumerate(lanes):
                    if lane.overdue(timeout):
                        msg = f"timed out after {timeout:g} s (worker killed)"
                        failed = lane.fail_head(pending, "timeout", msg, f"ray-{i}")
                        if failed is not None:
                            yield failed
                        actors[i] = self._restart(ray, cls, actors[i], starting, i)
        finally:
            self.in_progress = set().union(
                *(lane.started() for i, lane in enumerate(lanes) if i not in starting)
            )
            for actor in actors:
                ray.kill(actor)
            if started:
                ray.shutdown()

    def _restart(self, ray, cls, actor, starting: dict, index: int):
        """Replace the actor of lane ``index``; the lane waits for its ``ready()``."""
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            raise WorkerStartError(f"Ray workers failed {self.restarts} times; stopping the run")
        ray.kill(actor)
        log.warning("restarting Ray worker %d", index)
        time.sleep(0.1)
        actor = self._actor(ray, cls)
        starting[index] = actor.ready.remote()
        return actor


def _heads(lanes: list[Lane], refs: dict, starting: dict) -> Iterator[tuple[int, object]]:
    """The reference to wait for in each lane: its actor's ready() while it starts, else the
    run of its head job (the one the actor runs now; the others cannot finish before it)."""
    for i, lane in enumerate(lanes):
        if i in starting:
            yield i, starting[i]
        elif lane.jobs:
            yield i, refs[lane.jobs[0].key]


def _cause(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
