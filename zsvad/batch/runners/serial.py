"""In-process runner: one worker, no subprocess (debugging, tiny batches)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from zsvad.batch.job import Job, Outcome, Worker
from zsvad.batch.runners.base import Runner, WorkerStartError
from zsvad.errors import ZsvadError


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
        for job in jobs:
            yield worker.run(job)
