"""What every runner implements, and the errors that stop a run."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from zsvad.batch.job import Job, Outcome, WorkerSpec
from zsvad.batch.prefetch import Prefetch
from zsvad.errors import ZsvadError
from zsvad.logs import get_logger

log = get_logger(__name__)

#: seconds a worker gets beyond the per-video timeout before it is killed
HARD_TIMEOUT_GRACE_S = 10.0


class BatchError(ZsvadError):
    """The batch run cannot go on (bad config, missing model, workers that cannot start)."""


class WorkerStartError(BatchError):
    """A worker failed to build its pipeline."""


class Runner(ABC):
    """Runs jobs on workers and yields one :class:`Outcome` per job, in completion order.

    A runner never raises for a failing video: every failure (bad input, model error, timeout,
    dead worker) comes back as an error outcome. It raises :class:`BatchError` only when no
    worker can run at all.
    """

    name = "runner"

    def __init__(self, spec: WorkerSpec, workers: int = 1):
        self.spec = spec
        self.workers = max(1, workers)
        self.in_progress: set[str] = set()
        """Keys of the jobs a worker had begun and not answered when ``run`` ended (set as it
        ends: those of a run stopped by Ctrl-C / SIGTERM are reported ``interrupted``)."""
        self.on_windows: Callable[[tuple], None] | None = None
        """Called in the driver with each window report of the videos being scored
        (``("stage", name, total)`` or ``("advance", n)``, :class:`zsvad.progress.Forward`), so
        a long video moves the batch display; the local and serial runners report them."""

    @abstractmethod
    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        """Yield the outcome of every job; clean up when exhausted or closed."""


@dataclass
class Lane:
    """Jobs (and the :class:`Prefetch` leading each chunk of them) sent to one worker and not
    answered yet, oldest (running) first."""

    jobs: deque[Job | Prefetch] = field(default_factory=deque)
    busy_since: float | None = None
    """When the head job started (None: idle or not ready)."""

    def load(self) -> int:
        """Jobs waiting in the lane (a :class:`Prefetch` is none)."""
        return sum(isinstance(j, Job) for j in self.jobs)

    def started(self) -> set[str]:
        """Keys of the work its worker has begun: the head job, or the jobs a head
        :class:`Prefetch` embeds ahead (none while the worker starts)."""
        if self.busy_since is None or not self.jobs:
            return set()
        head = self.jobs[0]
        return set(head.keys) if isinstance(head, Prefetch) else {head.key}

    def sent(self, job: Job | Prefetch, ready: bool = True) -> None:
        self.jobs.append(job)
        if len(self.jobs) == 1 and ready:
            self.busy_since = time.monotonic()

    def answered(self, key: str) -> Job | Prefetch | None:
        """Drop and return the head job if it is ``key``; None for a stale answer."""
        if not self.jobs or self.jobs[0].key != key:
            return None
        head = self.jobs.popleft()
        self.busy_since = time.monotonic() if self.jobs else None
        return head

    def overdue(self, timeout_s: float | None) -> bool:
        """The head runs past its hard limit: the timeout (of each video of a chunk embedded
        ahead) plus :data:`HARD_TIMEOUT_GRACE_S`."""
        if not timeout_s or self.busy_since is None or not self.jobs:
            return False
        head = self.jobs[0]
        limit = timeout_s * (len(head.paths) if isinstance(head, Prefetch) else 1)
        return time.monotonic() - self.busy_since > limit + HARD_TIMEOUT_GRACE_S

    def requeue(self, pending: deque[Job]) -> None:
        """Every job goes back to the front of ``pending`` (the worker never started)."""
        pending.extendleft(reversed([j for j in self.jobs if isinstance(j, Job)]))
        self.jobs.clear()
        self.busy_since = None

    def fail_head(
        self, pending: deque[Job], stage: str, message: str, worker: str
    ) -> Outcome | None:
        """The head job fails (its worker died or hangs); the others go back to the front of
        ``pending``. A head :class:`Prefetch` fails no video (None): its jobs go back to be
        sent alone, so that a crash while scoring one of them blames only that one."""
        head = self.jobs.popleft()
        if isinstance(head, Prefetch):
            log.warning("embedding ahead %d files: %s; they go one by one", len(head.keys), message)
            self.jobs = deque(replace(j, solo=True) if j.key in head.keys else j for j in self.jobs)
        self.requeue(pending)
        return (
            None
            if isinstance(head, Prefetch)
            else Outcome.error(head.key, stage, message, worker=worker)
        )


def passed_on(job: Job | Prefetch | None, outcome: Outcome) -> Outcome | None:
    """The outcome a runner yields for an answered ``job``: a :class:`Prefetch`'s is none
    (a failed one is logged: its jobs embed their own captions)."""
    if isinstance(job, Prefetch):
        if not outcome.ok:
            log.warning("embedding ahead %d files failed (%s)", len(job.keys), outcome.message)
        return None
    return outcome if job is not None else None
