"""``run_batch``: plan the jobs of a batch, run them on a runner, write every output.

Planning (driver): discover inputs → hash their content → key = (content, config) → skip keys an
earlier run finished → one job per remaining key (files with identical content share one job).
Running: a :class:`Runner` moves jobs to workers and yields outcomes. Writing (driver, single
writer): :class:`ResultStore` records each outcome as it arrives; ``summary.parquet`` is written
at the end, also when the run is interrupted or stopped.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zsvad.batch.frames import SUMMARY_COLUMNS, write_summaries
from zsvad.batch.inputs import VIDEO_EXTENSIONS, BatchItem, discover_inputs
from zsvad.batch.job import Job, WorkerSpec
from zsvad.batch.keys import HashMode, content_hash, job_key
from zsvad.batch.prefetch import PREFETCH_TEXTS, PREFETCH_VIDEOS
from zsvad.batch.progress import Progress
from zsvad.batch.resources import plan_workers
from zsvad.batch.runners import BatchError, Runner, make_runner
from zsvad.batch.scorers import prefetch_videos, resolve_scorer, scorer_name
from zsvad.batch.store import ResultStore
from zsvad.config.schema import ZsvadConfig
from zsvad.errors import ConfigError, InputError, OutputError
from zsvad.identity import config_hash
from zsvad.interrupt import exit_status, held_signals, signal_name
from zsvad.logs import get_logger
from zsvad.pipeline.preflight import preflight

log = get_logger(__name__)

RETRY_HINT = "--retry-failed to try again"
#: pseudo-key prefix of inputs that could not be read (and so have no content key)
UNREADABLE = "unreadable:"


@dataclass
class BatchOptions:
    """How to run a batch (none of these change results, so none is part of the config hash)."""

    runner: str = "local"
    """``local`` (worker processes), ``ray`` or ``serial`` (in this process)."""
    workers: int | None = None
    """Number of workers (None: sized to the machine, see :func:`plan_workers`)."""
    scorer: str = "auto"
    """``video``, ``captions``, ``module:function``, or ``auto`` (captions if all are .jsonl)."""
    timeout_s: float | None = None
    """Per-video time limit in seconds (None: no limit)."""
    frames: bool = False
    """Also write per-frame scores as a Parquet dataset."""
    hash_mode: HashMode = "fast"
    """Content hashing of inputs: ``fast`` (size + 3 samples) or ``full``."""
    path_column: str | None = None
    """Path column of a CSV/Parquet manifest (None: path, video_path, file or filename)."""
    ray_address: str | None = None
    """Ray cluster to connect to (None: start a local instance)."""
    gpus_per_worker: float | None = None
    """GPUs per Ray actor (None: 1 if the config uses a CUDA device, else 0)."""
    quiet: bool = False
    """No progress bar."""
    retry_failed: bool = False
    """Try again the inputs an earlier run of this config failed on (otherwise they are listed
    as failed again, from ``errors.jsonl``, without being decoded)."""
    prefetch: int = PREFETCH_VIDEOS
    """Caption files a worker is sent at once and embeds ahead in one pass, before scoring them
    (fewer near the end of a run; 1: one by one). See :mod:`zsvad.batch.prefetch`."""
    prefetch_texts: int = PREFETCH_TEXTS
    """Captions embedded ahead in one pass at most (memory bound of a worker's pass)."""


@dataclass
class BatchReport:
    """What a batch run did."""

    out_dir: Path
    config_hash: str
    run_id: str
    inputs: int = 0
    jobs: int = 0
    reused: int = 0
    """Inputs whose result an earlier run had finished."""
    duplicates: int = 0
    """Inputs with the same content as another input of this run (scored once, listed with
    ``duplicate_of`` in the summary)."""
    known_failed: int = 0
    """Inputs an earlier run failed on, not retried (``retry_failed`` off)."""
    scored: int = 0
    failed: int = 0
    video_s: float = 0.0
    wall_s: float = 0.0
    workers: int = 0
    summary_path: Path | None = None
    meaningless: bool = False
    """Some results were made with fake or random-weight models."""
    interrupted: int = 0
    """Inputs being scored when Ctrl-C / SIGTERM stopped the run (scored again next time)."""
    pending: int = 0
    """Inputs not started when the run was stopped."""
    stopped_by: str | None = None
    """``SIGINT`` or ``SIGTERM`` when a signal stopped the run before it was complete."""
    judge_cache_hits: int = 0
    """Judge answers this run's finished videos read from the judge cache."""
    judge_asked: int = 0
    """Judge requests this run's finished videos sent to the model."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    result_files: list[Path] = field(default_factory=list)
    """Result files of this run's inputs (finished now or before), without duplicates."""

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def complete(self) -> bool:
        """Every input was dealt with (scored, reused or failed): none interrupted or pending."""
        return self.interrupted == 0 and self.pending == 0

    @property
    def video_hours_per_hour(self) -> float:
        return self.video_s / self.wall_s if self.wall_s > 0 else 0.0


def _hash_items(items: list[BatchItem], mode: HashMode) -> list[str | InputError]:
    def one(item: BatchItem) -> str | InputError:
        try:
            return content_hash(item.path, mode)
        except InputError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, items))


def _preload(module: str) -> None:
    with contextlib.suppress(ImportError):
        importlib.import_module(module)


def _summary_row(
    item: BatchItem,
    key: str,
    store: ResultStore,
    first: dict[str, BatchItem],
    running: set[str] = frozenset(),
) -> dict[str, Any]:
    row: dict[str, Any] = {"video_id": item.video_id, "path": str(item.path)}
    owner = first.get(key)
    row["duplicate_of"] = str(owner.path) if owner is not None and owner is not item else None
    row["key"] = None if key.startswith(UNREADABLE) else key
    row["config_hash"] = store.config_hash
    if store.is_finished(key):
        done = store.finished[key]
        row.update({k: v for k, v in done.items() if k in SUMMARY_COLUMNS and k not in row})
        row["status"] = "ok"
    elif key in store.errors:
        err = store.errors[key]
        row.update(status="error", error_stage=err["stage"], error=err["message"])
        row["run_id"] = store.run_id
    else:  # not done: being scored when the run was stopped, or not started
        row["status"] = "interrupted" if key in running else "pending"
    for k, v in item.extra.items():
        row[f"input_{k}" if k in SUMMARY_COLUMNS else k] = v
    return row


def _plan(
    items: list[BatchItem],
    store: ResultStore,
    chash: str,
    mode: HashMode,
    report: BatchReport,
    retry_failed: bool = False,
) -> tuple[list[str], dict[str, Job], dict[str, BatchItem]]:
    """Key every input; one job per key not finished yet (identical files share a job, inputs
    an earlier run failed on are not retried unless ``retry_failed``). Returns the keys, the
    jobs and the first input of each key."""
    keys: list[str] = []
    jobs: dict[str, Job] = {}
    first: dict[str, BatchItem] = {}
    for item, digest in zip(items, _hash_items(items, mode)):
        if isinstance(digest, InputError):
            key = f"{UNREADABLE}{item.path}"
            store.record_error(key, str(item.path), item.video_id, "read", str(digest))
        else:
            key = job_key(digest, chash)
            if key in first:
                report.duplicates += 1
            elif store.is_finished(key):
                report.reused += 1
            elif key in store.known_failures and not retry_failed:
                old = store.known_failures[key]
                message = old["message"]
                if RETRY_HINT not in message:
                    message += f" (failed in run {old.get('run_id', '?')}; {RETRY_HINT})"
                stage = str(old.get("stage", "?"))
                store.record_error(key, str(item.path), item.video_id, stage, message)
                report.known_failed += 1
            else:
                jobs[key] = Job(key, str(item.path), item.video_id)
            first.setdefault(key, item)
        keys.append(key)
    return keys, jobs, first


def _recheck(jobs: dict[str, Job], store: ResultStore, scorer: str) -> None:
    """Inputs an earlier run failed on and retried now: checked again here (the score
    function's ``check``, no model) and recorded as failed without starting workers when they
    still fail."""
    retried = [k for k in jobs if k in store.known_failures]
    if not retried:
        return
    try:
        check = getattr(resolve_scorer(scorer), "check", None)
    except ConfigError:  # the workers will say so
        return
    if check is None:
        return
    for key in retried:
        job = jobs[key]
        try:
            check(Path(job.path))
        except InputError as exc:
            stage = getattr(exc, "stage", None) or "input"
            store.record_error(key, job.path, job.video_id, stage, str(exc))
            del jobs[key]


def run_batch(
    inputs: str | Path | list[BatchItem],
    out_dir: str | Path,
    config: ZsvadConfig,
    options: BatchOptions | None = None,
    runner: Runner | None = None,
) -> BatchReport:
    """Score every input into ``out_dir`` (resumable); see the module docstring."""
    options = options or BatchOptions()
    if isinstance(inputs, list):
        items = inputs
    else:
        exts = VIDEO_EXTENSIONS  # a folder under "auto" holds videos; captions need "captions"
        if options.scorer == "captions":
            exts = (".jsonl",)
        elif options.scorer == "auto" and not Path(inputs).is_dir():
            exts = (*VIDEO_EXTENSIONS, ".jsonl")
        items = discover_inputs(inputs, exts, options.path_column)
        if not items:
            raise InputError("no input files found", source=inputs)
    scorer = scorer_name(options.scorer, [i.path for i in items])
    preflight(config, videos=scorer == "video")  # config errors before hashing or any model
    cfg = config.model_dump(mode="json")
    chash = config_hash(config)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
    store = ResultStore(out_dir, chash, cfg, run_id)
    report = BatchReport(Path(out_dir), chash, run_id, inputs=len(items))
    try:
        keys, jobs, owners = _plan(
            items, store, chash, options.hash_mode, report, options.retry_failed
        )
    except BaseException:
        store.close()
        raise
    try:
        _recheck(jobs, store, scorer)
    except BaseException:
        store.close()
        raise
    report.jobs = len(jobs)
    n, threads, gpus = plan_workers(cfg, len(jobs), options.workers)
    report.workers = n
    spec = WorkerSpec(
        config=cfg,
        scorer=scorer,
        timeout_s=options.timeout_s,
        threads=threads,
        want_frames=options.frames,
        prefetch_videos=prefetch_videos(scorer, config, options.prefetch) if jobs else 1,
        prefetch_texts=max(1, options.prefetch_texts),
    )
    gpw = options.gpus_per_worker
    if jobs:  # load pyarrow (for the summary) while the workers start
        threading.Thread(target=_preload, args=("pyarrow.parquet",), daemon=True).start()
    progress = Progress(len(jobs), options.quiet)
    outcomes = None
    stop: KeyboardInterrupt | None = None
    try:
        if runner is None and jobs:  # nothing to do: no worker is started, no model loaded
            runner = make_runner(
                options.runner,
                spec,
                n,
                gpu_ids=gpus,
                address=options.ray_address,
                gpus_per_worker=(1.0 if gpus else 0.0) if gpw is None else gpw,
            )
        outcomes = runner.run(list(jobs.values())) if jobs and runner else iter(())
        for outcome in outcomes:
            item = owners[outcome.key]
            try:
                store.record(outcome, str(item.path), item.video_id)
            except OutputError as exc:  # disk full: stop; what is written stays, atomically
                kept = f"{len(store.finished)} finished result(s) kept, rerun to resume"
                raise BatchError(f"run stopped ({kept}): {exc}") from exc
            if outcome.fatal:
                raise BatchError(f"run stopped: {outcome.message}")
            progress.update(outcome)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: keep what is done, say what is not
        stop = exc
    finally:
        stopping = sys.exc_info()[1]  # the error that stops the run, if any: it is the one told
        with held_signals() as late:  # a second Ctrl-C cannot tear the summary
            if outcomes is not None and hasattr(outcomes, "close"):
                outcomes.close()  # the runner stops its workers (and notes what they were doing)
            progress.close()
            running = set(getattr(runner, "in_progress", ())) if stop is not None else set()
            quiet = stopping is not None or stop is not None
            _finish(report, store, progress, items, keys, owners, running, Path(out_dir), quiet)
        stop = stop or late.first()
    if stop is not None and not report.complete:
        report.stopped_by = signal_name(stop)
        raise BatchInterrupted(report, stop)
    return report


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped by Ctrl-C / SIGTERM before every input was done; ``report`` is what it
    did (summary written, finished results kept), ``stop`` the signal's exception."""

    def __init__(self, report: BatchReport, stop: KeyboardInterrupt):
        super().__init__(f"batch stopped by {signal_name(stop)}")
        self.report = report
        self.stop = stop

    @property
    def exit_status(self) -> int:
        """130 (SIGINT) or 143 (SIGTERM)."""
        return exit_status(self.stop)


def _finish(
    report: BatchReport,
    store: ResultStore,
    progress: Progress,
    items: list[BatchItem],
    keys: list[str],
    owners: dict[str, BatchItem],
    running: set[str],
    out_dir: Path,
    stopping: bool = False,
) -> None:
    """Fill ``report`` and write ``summary.parquet`` / ``summary.csv``; close the store. A
    failed summary write while the run is already ``stopping`` (an error or a signal) is a
    warning, so the first error is the one told."""
    report.scored, report.failed = progress.ok, len(store.errors)
    report.video_s, report.wall_s = progress.video_s, progress.wall_s
    report.judge_cache_hits, report.judge_asked = progress.judge_cache_hits, progress.judge_asked
    report.errors = list(store.errors.values())
    rows = [_summary_row(item, key, store, owners, running) for item, key in zip(items, keys)]
    report.interrupted = sum(r["status"] == "interrupted" for r in rows)
    report.pending = sum(r["status"] == "pending" for r in rows)
    report.meaningless = any(r.get("meaningless") for r in rows)
    files = [r["result_file"] for r in rows if r["status"] == "ok"]
    report.result_files = [out_dir / f for f in dict.fromkeys(files)]
    try:
        report.summary_path = write_summaries(out_dir, rows)
    except OutputError as exc:
        if not stopping:
            raise
        log.warning("summary not written: %s", exc)
    finally:
        store.close()
