"""What every runner implements, and the errors that stop a run."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from zsvad.batch.job import Job, Outcome, WorkerSpec
from zsvad.errors import ZsvadError

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

    @abstractmethod
    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        """Yield the outcome of every job; clean up when exhausted or closed."""


@dataclass
class Lane:
    """Jobs sent to one worker and not answered yet, oldest (running) first."""

    jobs: deque[Job] = field(default_factory=deque)
    busy_since: float | None = None
    """When the head job started (None: idle or not ready)."""

    def sent(self, job: Job, ready: bool = True) -> None:
        self.jobs.append(job)
        if len(self.jobs) == 1 and ready:
            self.busy_since = time.monotonic()

    def answered(self, key: str) -> bool:
        """Drop the head job if it is ``key``; False for a stale answer."""
        if not self.jobs or self.jobs[0].key != key:
            return False
        self.jobs.popleft()
        self.busy_since = time.monotonic() if self.jobs else None
        return True

    def overdue(self, timeout_s: float | None) -> bool:
        if not timeout_s or self.busy_since is None:
            return False
        return time.monotonic() - self.busy_since > timeout_s + HARD_TIMEOUT_GRACE_S

    def fail_head(self, pending: deque[Job], stage: str, message: str, worker: str) -> Outcome:
        """The head job fails; the others go back to the front of ``pending``."""
        head = self.jobs.popleft()
        pending.extendleft(reversed(self.jobs))
        self.jobs.clear()
        self.busy_since = None
        return Outcome.error(head.key, stage, message, worker=worker)
