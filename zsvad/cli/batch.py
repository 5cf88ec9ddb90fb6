"""``zsvad batch``: score an archive of videos, resumably, on local workers or Ray."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.batch.prefetch import PREFETCH_VIDEOS
    from zsvad.cli.common import add_log_samples_option, add_truth_options
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "batch",
        help="score a folder, glob or manifest of videos (resumable; local or Ray)",
        description="Score many videos into DIR: one result JSON per video (same schema as "
        "'zsvad score'), DIR/summary.parquet and DIR/errors.jsonl. Rerunning skips finished "
        "videos; a changed config writes beside the old results. Exit status 1 if any video "
        "failed.",
    )
    p.add_argument(
        "input",
        metavar="INPUT",
        help="directory (recursive), quoted glob ('a/**/*.mp4') or manifest "
        "(.txt one path a line; .csv/.parquet with a path column)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--runner",
        choices=["local", "ray", "serial"],
        default="local",
        help="local worker processes [default], Ray actors, or in this process",
    )
    p.add_argument(
        "--workers", type=int, metavar="N", help="number of workers [default: sized to the machine]"
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        dest="timeout_s",
        help="per-video time limit in seconds [default: none]",
    )
    p.add_argument(
        "--frames",
        action="store_true",
        help="also write per-frame scores (Parquet dataset in DIR/<config>/frames)",
    )
    p.add_argument(
        "--scorer",
        default="auto",
        metavar="NAME",
        help="video, captions (one timed-captions .jsonl per video), module:function, "
        "or auto [default]",
    )
    p.add_argument(
        "--prefetch",
        type=int,
        default=PREFETCH_VIDEOS,
        metavar="N",
        help="caption files a worker embeds ahead in one pass before scoring them "
        f"[default: {PREFETCH_VIDEOS}; 1: one by one]",
    )
    p.add_argument(
        "--hash",
        choices=["fast", "full"],
        default="fast",
        dest="hash_mode",
        help="content key: size + 3 samples [default] or the whole file",
    )
    p.add_argument(
        "--path-column",
        metavar="NAME",
        help="path column of a CSV/Parquet manifest [default: path]",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="Ray cluster to join (auto, ray://head:10001) [default: start one]",
    )
    p.add_argument(
        "--gpus-per-worker",
        type=float,
        metavar="G",
        help="GPUs per Ray actor [default: 1 if the config uses cuda, else 0]",
    )
    p.add_argument(
        "--report", action="store_true", help="also write an HTML report of the run to DIR/report/"
    )
    add_log_samples_option(p)
    add_truth_options(p)
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="try again the inputs an earlier run of this config failed on [listed as failed]",
    )
    add_config_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zsvad.batch.run import BatchOptions, run_batch
    from zsvad.cli.common import (
        config_from_args,
        finish_log_samples,
        samples_truth,
        start_log_samples,
    )
    from zsvad.errors import one_line
    from zsvad.results.schema import MEANINGLESS

    if args.workers is not None and args.workers < 1:
        from zsvad.errors import ConfigError

        raise ConfigError("--workers must be at least 1")
    config = config_from_args(args)
    if args.annotations and not args.log_samples:
        from zsvad.errors import ConfigError

        raise ConfigError("batch --annotations goes with --log-samples (it labels the samples)")
    truth = samples_truth(args)
    start_log_samples(args, config)
    options = BatchOptions(
        runner=args.runner,
        workers=args.workers,
        scorer=args.scorer,
        timeout_s=args.timeout_s,
        frames=args.frames,
        hash_mode=args.hash_mode,
        path_column=args.path_column,
        ray_address=args.ray_address,
        gpus_per_worker=args.gpus_per_worker,
        quiet=args.quiet,
        retry_failed=args.retry_failed,
        prefetch=args.prefetch,
    )
    report = run_batch(args.input, args.out, config, options)
    if truth is not None:
        from zsvad.results.io import read_result

        fps = {}
        for f in report.result_files:
            r = read_result(f)
            fps[r.video_id] = r.fps
        finish_log_samples(args, config, truth, fps)
    hours = report.video_s / 3600
    failed = f"{report.failed} failed"
    if report.known_failed:
        failed += f" ({report.known_failed} in an earlier run, not retried)"
    print(
        f"{report.inputs} input(s): {report.scored} scored, {report.reused} already done, "
        f"{report.duplicates} duplicate(s) of another input, {failed}; "
        f"{hours:.2f} h of video in {report.wall_s:.1f} s "
        f"({report.video_hours_per_hour:.1f} video-h/h, {report.workers} {args.runner} "
        f"worker(s))"
    )
    print(f"results: {report.out_dir}/{report.config_hash}/  summary: {report.summary_path}")
    if report.meaningless:
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    if args.report:
        _write_report(report)
    if report.failed:
        errors = report.out_dir / "errors.jsonl"
        print(f"{report.failed} failure(s), see {errors}:", file=sys.stderr)
        for err in report.errors[:10]:
            print(f"zsvad: error: [{err['stage']}] {one_line(err['message'])}", file=sys.stderr)
    return 1 if report.failed else 0


def _write_report(report) -> None:
    try:
        from zsvad.report import write_report
    except ImportError as exc:
        from zsvad.errors import ConfigError

        raise ConfigError("--report: the report module (zsvad.report) is not available") from exc
    index = write_report(report.result_files, report.out_dir / "report", errors=report.errors)
    print(f"report: {index}")
