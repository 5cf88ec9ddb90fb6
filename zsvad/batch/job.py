"""Jobs and the worker that runs them, shared by every runner.

A :class:`Job` is the smallest independent unit of work (one file, one key); a :class:`Worker`
holds one :class:`Pipeline` (models loaded once, reused for every job it runs) and turns a job
into an :class:`Outcome`. Runners only move jobs to workers and outcomes back; the driver writes
every output, so all runners produce identical files. Caption jobs travel in chunks led by a
:class:`Prefetch` (see :mod:`zsvad.batch.prefetch`): the worker embeds the chunk's captions in
one pass before it scores them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsvad.batch.prefetch import PREFETCH_TEXTS, Prefetch
from zsvad.errors import ConfigError, InputError, MissingExtraError, ModelNotAvailableError
from zsvad.logs import get_logger

log = get_logger(__name__)

#: errors that concern the whole run, not one video: the run stops at the first one
FATAL = (ConfigError, MissingExtraError, ModelNotAvailableError)


@dataclass(frozen=True)
class Job:
    """Score the file at ``path`` (content key ``key``) and report it as ``video_id``."""

    key: str
    path: str
    video_id: str
    solo: bool = False
    """Sent alone, never in a chunk: embedding ahead its chunk ended a worker (a crash or a
    hard timeout), so it now embeds its own captions and answers for itself."""


@dataclass
class Outcome:
    """What became of a job: a result (as JSON text plus summary stats) or an error."""

    key: str
    ok: bool
    result_json: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    frame_scores: list[float] | None = None
    stage: str | None = None
    """Where it failed: read, decode, input, score, timeout, worker (prefetch: a chunk's
    embedding ahead, which fails no video)."""
    message: str | None = None
    fatal: bool = False
    """The error concerns the whole run (config, missing model or extra): stop."""
    elapsed_s: float = 0.0
    worker: str = ""

    @classmethod
    def error(cls, key: str, stage: str, message: str, **kw: Any) -> Outcome:
        return cls(key=key, ok=False, stage=stage, message=message, **kw)


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its pipeline; plain data, so it pickles anywhere."""

    config: dict[str, Any]
    scorer: str
    timeout_s: float | None = None
    threads: int | None = None
    """Torch/BLAS threads of the worker (None: leave the library defaults)."""
    want_frames: bool = False
    env: dict[str, str] = field(default_factory=dict)
    """Environment set in the worker before any model is loaded (e.g. CUDA_VISIBLE_DEVICES)."""
    prefetch_videos: int = 1
    """Jobs sent to a worker at once and embedded ahead together (1: one by one, none ahead);
    set only for score functions that can embed ahead (see :mod:`zsvad.batch.prefetch`)."""
    prefetch_texts: int = PREFETCH_TEXTS
    """Captions a worker embeds ahead in one pass (a chunk with more takes several)."""


class JobTimeout(BaseException):
    """Raised inside a worker when a job exceeds its time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``), not a ``TimeoutError``: that one is an
    ``OSError``, and the handlers of every stage (decode, cache reads, captioner, embedder, HTTP
    judge) that catch ``OSError`` or ``Exception`` would swallow it, and the stage would go on.
    """


@contextlib.contextmanager
def soft_timeout(seconds: float | None):
    """Raise :class:`JobTimeout` after ``seconds`` (main thread only; runners also hard-kill)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise JobTimeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def set_threads(n: int | None) -> None:
    """Limit BLAS/OpenMP threads (env, before import) and torch threads (if torch is loaded)."""
    if not n:
        return
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)


def result_stats(result) -> dict[str, Any]:
    """Summary numbers of a :class:`VideoResult` (one summary.parquet row)."""
    from zsvad.results.stats import summary_stats

    run = result.provenance.stats or {}
    return {
        "result_video_id": result.video_id,
        "fps": float(result.fps),
        **summary_stats(result),
        "meaningless": bool(result.provenance.meaningless),
        # the judge's answers: from its cache, and asked of the model (a resumed run asks none
        # of those it had before it was stopped)
        "judge_cache_hits": int(run.get("judge_cache_hits", 0) or 0),
        "judge_asked": int(run.get("llm_requests", 0) or 0),
    }


class Worker:
    """Holds one pipeline and runs jobs with it, turning every failure into an outcome."""

    def __init__(self, spec: WorkerSpec, name: str = "worker"):
        os.environ.update(spec.env)
        set_threads(spec.threads)
        from zsvad.batch.scorers import resolve_scorer
        from zsvad.config.schema import ZsvadConfig
        from zsvad.pipeline.core import Pipeline

        self.spec = spec
        self.name = name
        # models and indexes load here, so a worker's first video is not timed for them
        self.pipeline = Pipeline(ZsvadConfig.model_validate(spec.config)).load()
        self.score = resolve_scorer(spec.scorer)
        self.prefetcher = getattr(self.score, "prefetch", None)
        self.jobs_run = 0
        self._shares: dict[str, float] = {}
        """Each job of the last chunk: its share of the time spent embedding ahead."""

    def run(self, job: Job | Prefetch) -> Outcome:
        """Score a job, or embed ahead the captions of the chunk a :class:`Prefetch` leads."""
        try:
            return self.prefetch(job) if isinstance(job, Prefetch) else self._score(job)
        finally:
            self.jobs_run += 1
            if self.jobs_run == 1:
                set_threads(self.spec.threads)  # torch may have been imported by the first job

    def prefetch(self, chunk: Prefetch) -> Outcome:
        """Embed ahead, with the score function's ``prefetch``, the captions of the jobs that
        follow; its time is shared out over them (their ``elapsed_s``). A failure costs only
        speed: the jobs then embed their own captions (and report what went wrong). Soft time
        limit: the timeout of all its videos together."""
        t0 = time.perf_counter()
        limit = self.spec.timeout_s * len(chunk.paths) if self.spec.timeout_s else None
        outcome = Outcome(key=chunk.key, ok=True, worker=self.name)
        try:
            with soft_timeout(limit):
                paths = [Path(p) for p in chunk.paths]
                fn, most = self.prefetcher, self.spec.prefetch_texts
                outcome.stats["texts"] = fn(self.pipeline, paths, most) if fn else 0
        except (JobTimeout, Exception) as exc:
            log.debug("embedding ahead %s failed", chunk.key, exc_info=True)
            outcome.ok, outcome.stage = False, "prefetch"
            outcome.message = f"{type(exc).__name__}: {exc}"
        outcome.elapsed_s = time.perf_counter() - t0
        share = outcome.elapsed_s / max(1, len(chunk.keys))
        self._shares = dict.fromkeys(chunk.keys, share)  # the jobs of the chunk before are done
        return outcome

    def _score(self, job: Job) -> Outcome:
        t0 = time.perf_counter() - self._shares.pop(job.key, 0.0)  # elapsed_s counts its share
        kw: dict[str, Any] = {"worker": self.name}
        try:
            with soft_timeout(self.spec.timeout_s):
                result = self.score(self.pipeline, Path(job.path), job.video_id)
                text = result.model_dump_json(indent=1)
        except JobTimeout as exc:
            kw["elapsed_s"] = time.perf_counter() - t0
            return Outcome.error(job.key, "timeout", str(exc), **kw)
        except FATAL as exc:
            return Outcome.error(job.key, "config", str(exc), fatal=True, **kw)
        except InputError as exc:
            stage = getattr(exc, "stage", None) or "input"
            kw["elapsed_s"] = time.perf_counter() - t0
            return Outcome.error(job.key, stage, str(exc), **kw)
        except Exception as exc:
            log.debug("job %s failed", job.path, exc_info=True)
            message = f"{type(exc).__name__}: {exc}"
            kw["elapsed_s"] = time.perf_counter() - t0
            return Outcome.error(job.key, "score", message, **kw)
        return Outcome(
            key=job.key,
            ok=True,
            result_json=text,
            stats=result_stats(result),
            frame_scores=list(result.frame_scores) if self.spec.want_frames else None,
            elapsed_s=time.perf_counter() - t0,
            worker=self.name,
        )
