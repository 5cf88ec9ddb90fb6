"""Caption jobs embedded ahead, a bounded chunk at a time, by the worker that scores them.

Once its captions are embedded, a caption file scores in a few hundredths of a second: embedding
is nearly all of the work. Embedding many videos' captions in one pass (identical texts once,
batches sorted by length) costs less than one call per video, so a runner sends each worker its
caption jobs in chunks, each led by a :class:`Prefetch` of the chunk's files: the worker embeds
their captions into the query cache (:meth:`zsvad.pipeline.core.Pipeline.prefetch`), then scores
the jobs, which embed nothing more. Results are those of scoring the files one by one.

Bounds: a chunk holds at most ``prefetch_videos`` jobs (:data:`PREFETCH_VIDEOS`), fewer near the
end of a run (what is left, shared over the workers, so that they finish together); the worker
embeds a chunk in passes of at most ``prefetch_texts`` captions (:data:`PREFETCH_TEXTS`; a video
with more is a pass of its own) and holds only the current pass's captions. The vectors stay in
the query cache, which keeps at most ``embedder.query_cache_max`` of them (least recently used
dropped first).

Faults: a file the pass cannot read is left out (scoring it reports why, for it alone). When
embedding ahead fails (an exception, or its soft time limit: the timeout of all its videos) the
jobs embed their own captions. When it ends the worker (a crash, the hard time limit) no video is
blamed: the chunk's jobs go back, to be sent alone (``Job.solo``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zsvad.batch.job import Job

PREFETCH_VIDEOS = 32
"""Caption jobs a worker is sent at once and embeds ahead together (``BatchOptions.prefetch``)."""
PREFETCH_TEXTS = 8192
"""Captions embedded ahead in one pass (``BatchOptions.prefetch_texts``): ~12 MB of vectors."""


@dataclass(frozen=True)
class Prefetch:
    """Embed ahead the captions of the jobs ``keys`` (files ``paths``) that follow it to the
    same worker; its outcome is not passed on (it is no video's)."""

    key: str
    paths: tuple[str, ...]
    keys: tuple[str, ...]

    @classmethod
    def of(cls, jobs: list[Job]) -> Prefetch:
        paths, keys = tuple(j.path for j in jobs), tuple(j.key for j in jobs)
        return cls(f"prefetch:{keys[0]}", paths, keys)


def next_entries(pending: deque[Job], chunk: int, workers: int = 1) -> list[Job | Prefetch]:
    """Take from ``pending`` what a worker is sent next: one job or, when ``chunk`` > 1, up to
    ``chunk`` jobs (at most an equal share per worker of what is left) led by their
    :class:`Prefetch`. A job marked ``solo`` goes alone."""
    size = min(chunk, -(-len(pending) // max(1, workers)))
    jobs = [pending.popleft()]
    if size <= 1 or jobs[0].solo:
        return list(jobs)
    while pending and len(jobs) < size and not pending[0].solo:
        jobs.append(pending.popleft())
    return [Prefetch.of(jobs), *jobs] if len(jobs) > 1 else list(jobs)
