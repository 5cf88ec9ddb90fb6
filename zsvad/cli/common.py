"""Helpers shared by CLI commands: config loading, result writing, run summaries."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from zsvad.atomic import atomic_write_text
from zsvad.config.schema import ZsvadConfig
from zsvad.configure import load_config
from zsvad.csvout import write_csv
from zsvad.progress import bar, video_bar
from zsvad.results.io import write_result
from zsvad.results.schema import VideoResult
from zsvad.results.stats import summary_stats

SUMMARY_FIELDS = [
    "video_id",
    "status",
    "num_frames",
    "duration_s",
    "max_score",
    "mean_score",
    "segments",
    "anomalous_s",
    "top_explanation",
    "error",
]


def config_from_args(args: argparse.Namespace) -> ZsvadConfig:
    return load_config(args.profile, args.config, args.overrides)


def add_log_samples_option(p: argparse.ArgumentParser) -> None:
    """``--log-samples FILE.jsonl`` (``score`` and ``batch``)."""
    p.add_argument(
        "--log-samples",
        metavar="FILE.jsonl",
        help="write every judged window's prompt and raw LLM answer (at most 32,768 characters) "
        "to FILE.jsonl, started over each run; same as --set judge.log_samples=FILE.jsonl",
    )


def add_truth_options(p: argparse.ArgumentParser, annotations: bool = True) -> None:
    """``--dataset`` (and ``--annotations``): ground truth that labels ``--log-samples``."""
    p.add_argument(
        "--dataset",
        metavar="NAME|FILE",
        help="with --log-samples: a dataset spec whose ground truth labels each sample "
        "(label, gt_class, correct at temporal.threshold)",
    )
    if annotations:
        p.add_argument(
            "--annotations",
            metavar="FILE",
            help="ground-truth file (UCF-Crime temporal annotations or any 'zsvad eval' "
            "format): labels --log-samples, and is drawn by --report",
        )


def samples_truth(args: argparse.Namespace) -> dict | None:
    """The ground truth that labels the samples (``--dataset`` / ``--annotations`` with
    ``--log-samples``), read before anything is scored; None without one."""
    from zsvad.errors import ConfigError

    dataset, annotations = getattr(args, "dataset", None), getattr(args, "annotations", None)
    if dataset and annotations:
        raise ConfigError("give --dataset or --annotations, not both")
    if dataset and not args.log_samples:
        raise ConfigError("--dataset goes with --log-samples (it labels the samples)")
    if not args.log_samples or not (dataset or annotations):
        return None
    from zsvad.eval.annotations import read_annotations

    if dataset:
        from zsvad.eval.datasets import dataset_annotations, load_dataset

        return dataset_annotations(load_dataset(dataset))
    return read_annotations(annotations)


def finish_log_samples(args, config: ZsvadConfig, truth: dict | None, fps: dict) -> None:
    """Label the run's samples with ``truth`` (see :mod:`zsvad.results.samples`)."""
    if truth is None or not args.log_samples:
        return
    from zsvad.results.samples import label_samples

    n = label_samples(config.judge.log_samples, truth, fps, config.temporal.threshold)
    if not args.quiet:
        print(f"labelled {n} judge sample(s) in {args.log_samples}", file=sys.stderr)


def start_log_samples(args: argparse.Namespace, config: ZsvadConfig) -> None:
    """Point ``judge.log_samples`` at ``--log-samples`` (absolute, for workers started
    elsewhere) and empty the file: it holds this run's samples only."""
    if args.log_samples:
        path = Path(args.log_samples).absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, "")
        config.judge.log_samples = str(path)


def add_judgments_options(p: argparse.ArgumentParser) -> None:
    """``--judgments`` / ``--save-judgments`` (``score`` and ``batch``)."""
    p.add_argument(
        "--judgments",
        metavar="J.jsonl",
        help="read the judge component from this judgments file (zsvad judgments import, or "
        "--save-judgments of an earlier run) instead of running an LLM; same as --set "
        "judge.judgments=J.jsonl (docs/judge.md)",
    )
    p.add_argument(
        "--save-judgments",
        metavar="J.jsonl",
        help="write the live judge's judgments, one row per window as they are made, to "
        "J.jsonl (--judgments replays them exactly); score starts the file over, batch appends "
        "to it (a later row for the same window replaces an earlier one)",
    )


def apply_judgments_options(args: argparse.Namespace, config: ZsvadConfig, append: bool) -> None:
    """Set ``judge.judgments`` / ``judge.save_judgments`` from the options (absolute paths, for
    workers started elsewhere); ``--save-judgments`` starts the file over unless ``append``."""
    from zsvad.config.judge import judge_backend
    from zsvad.errors import ConfigError, InputError

    if args.judgments:
        if getattr(args, "judge", None) not in (None, "file"):
            raise ConfigError("give --judge or --judgments, not both")
        path = Path(args.judgments).absolute()
        if not path.is_file():
            raise InputError("--judgments: not found (or not a file)", source=args.judgments)
        config.judge.backend = "file"
        config.judge.judgments = str(path)
    if args.save_judgments:
        if judge_backend(config.judge) in (None, "file"):
            raise ConfigError(
                "--save-judgments needs a live judge: --judge BACKEND (or judge.backend)"
            )
        path = Path(args.save_judgments).absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not append or not path.exists():
            atomic_write_text(path, "")
        config.judge.save_judgments = str(path)


@contextmanager
def scoring_bars(total: int, quiet: bool = False):
    """``(videos bar, video bar)`` of a run of ``total`` videos: videos done (shown when there
    are more than one) and, below it, the windows of the current video through its stages
    (:mod:`zsvad.progress`); nothing shows under ``--quiet`` or off a terminal."""
    outer = bar(total, "videos", "video", quiet or total <= 1)
    with video_bar(quiet, position=0 if outer.disable else 1) as inner:
        try:
            yield outer, inner
        finally:
            outer.close()


def embedding_bar(pipeline, quiet: bool = False):
    """The bar of the up-front embedding pass, counted in the texts actually embedded (its
    total is set by ``on_total`` once known; the memory index is loaded first: its build has
    its own bar)."""
    _ = pipeline.retriever
    shown = bar(None, "embedding captions", "text", quiet)
    return shown, lambda n: shown.reset(total=n)


@dataclass
class RunSummary:
    """Rows of a run's summary table; written as ``summary.csv`` and printed."""

    out_dir: Path
    rows: list[dict] = field(default_factory=list)
    fps: dict[str, float] = field(default_factory=dict)
    """Frame rate of each scored video (labels the samples)."""

    def add_result(self, r: VideoResult) -> None:
        self.fps[r.video_id] = r.fps
        row = {"video_id": r.video_id, "status": "ok", **summary_stats(r, 4, 2), "error": ""}
        self.rows.append(row)

    def add_error(self, video_id: str, message: str) -> None:
        self.rows.append({"video_id": video_id, "status": "error", "error": message})

    def add_unfinished(self, planned: list[str]) -> None:
        """After Ctrl-C / SIGTERM: the first planned video without a row was being scored
        (``interrupted``), the others were not started (``pending``)."""
        done = {r["video_id"] for r in self.rows}
        left = [vid for vid in dict.fromkeys(planned) if vid not in done]
        for i, vid in enumerate(left):
            status = "interrupted" if i == 0 else "pending"
            self.rows.append({"video_id": vid, "status": status, "error": ""})

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.rows if r["status"] != "ok"]

    @property
    def unfinished(self) -> list[dict]:
        """Rows of videos a stopped run did not finish (interrupted or pending)."""
        return [r for r in self.rows if r["status"] in ("interrupted", "pending")]

    def write(self) -> Path:
        path = write_csv(self.out_dir / "summary.csv", SUMMARY_FIELDS, self.rows)
        try:  # the same two formats as zsvad batch, with its column types
            from zsvad.batch.frames import write_summary

            rows = [{k: _none_if_empty(row.get(k)) for k in SUMMARY_FIELDS} for row in self.rows]
            write_summary(self.out_dir / "summary.parquet", rows)
        except ImportError:  # pyarrow (the batch extra) not installed: CSV only
            pass
        return path

    def table(self, limit: int = 20) -> str:
        ok = sorted((r for r in self.rows if r["status"] == "ok"), key=lambda r: -r["max_score"])
        lines = [f"{'video':32} {'max':>6} {'mean':>6} {'segs':>4} {'anom s':>7}"]
        for r in ok[:limit]:
            lines.append(
                f"{r['video_id'][:32]:32} {r['max_score']:6.3f} {r['mean_score']:6.3f} "
                f"{r['segments']:4d} {r['anomalous_s']:7.1f}"
            )
        if len(ok) > limit:
            lines.append(f"… {len(ok) - limit} more in summary.csv")
        return "\n".join(lines)


def _none_if_empty(value):
    return None if value == "" else value


def save(result: VideoResult, summary: RunSummary) -> Path:
    path = write_result(result, summary.out_dir)
    summary.add_result(result)
    return path
