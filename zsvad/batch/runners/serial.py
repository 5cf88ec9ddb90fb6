"""In-process runner: one worker, no subprocess (debugging, tiny batches)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

from zsvad.batch.job import Job, Outcome, Worker
from zsvad.batch.prefetch import Prefetch, next_entries
from zsvad.batch.runners.base import Runner, WorkerStartError, passed_on
from zsvad.errors import ZsvadError
from zsvad.progress import forward


class SerialRunner(Runner):
    """Runs jobs one after another in this process (per-video timeouts are soft only)."""

    name = "serial"

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        if not jobs:
            return
        try:
            worker = Worker(self.spec, name="serial")
        except ZsvadError as exc:
            raise WorkerStartError(f"cannot start a worker: {exc}") from exc
        if self.on_windows is not None:
            forward(self.on_windows)  # in this process: straight to the display
        pending = deque(jobs)
        while pending:  # caption jobs in chunks, each embedded ahead (zsvad.batch.prefetch)
            for job in next_entries(pending, self.spec.prefetch_videos):
                self.in_progress = set(job.keys) if isinstance(job, Prefetch) else {job.key}
                outcome = passed_on(job, worker.run(job))
                self.in_progress = set()
                if outcome is not None:
                    yield outcome
