"""``zsvad batch``: score an archive of videos, resumably, on local workers or Ray."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.batch.prefetch import PREFETCH_VIDEOS
    from zsvad.cli.common import (
        add_judgments_options,
        add_log_samples_option,
        add_truth_options,
    )
    from zsvad.cli.main import add_config_options
    from zsvad.cli.privacy import add_privacy_options

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
    add_judgments_options(p)
    add_truth_options(p)
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="try again the inputs an earlier run of this config failed on [listed as failed]",
    )
    add_privacy_options(p)
    add_config_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zsvad.batch.run import BatchInterrupted, BatchOptions, run_batch
    from zsvad.cli.common import (
        apply_judgments_options,
        config_from_args,
        samples_truth,
        start_log_samples,
    )
    from zsvad.cli.privacy import apply_privacy_options, check_anonymizer
    from zsvad.interrupt import held_signals

    if args.workers is not None and args.workers < 1:
        from zsvad.errors import ConfigError

        raise ConfigError("--workers must be at least 1")
    config = config_from_args(args)
    if args.annotations and not args.log_samples:
        from zsvad.errors import ConfigError

        raise ConfigError("batch --annotations goes with --log-samples (it labels the samples)")
    truth = samples_truth(args)
    start_log_samples(args, config)
    apply_judgments_options(args, config, append=True)
    apply_privacy_options(args, config.privacy)
    if args.report:
        check_anonymizer(config.privacy)  # before scoring, not after
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
    try:
        report = run_batch(args.input, args.out, config, options)
    except BatchInterrupted as stopped:  # summary written, finished results kept
        with held_signals():
            _label_samples(stopped.report, args, config, truth)
            _print_summary(stopped.report, args, config)
            print(
                f"zsvad: {'terminated' if stopped.exit_status == 143 else 'interrupted'}: "
                f"{stopped.report.interrupted} input(s) interrupted, {stopped.report.pending} "
                "not started; run the same command again to finish them",
                file=sys.stderr,
            )
        return stopped.exit_status
    with held_signals():
        _label_samples(report, args, config, truth)
        _print_summary(report, args, config)
    if args.report:
        _write_report(report, config.privacy)
    return 1 if report.failed else 0


def _label_samples(report, args: argparse.Namespace, config, truth: dict | None) -> None:
    """Label the run's ``--log-samples`` with ``truth`` (frame rates from its results)."""
    if truth is None:
        return
    from zsvad.cli.common import finish_log_samples
    from zsvad.results.io import read_result

    fps = {}
    for f in report.result_files:
        r = read_result(f)
        fps[r.video_id] = r.fps
    finish_log_samples(args, config, truth, fps)


def _print_summary(report, args: argparse.Namespace, config) -> None:
    """The run's counts, where its files are, and its errors (the first ten)."""
    from zsvad.errors import one_line
    from zsvad.results.schema import MEANINGLESS

    hours = report.video_s / 3600
    failed = f"{report.failed} failed"
    if report.known_failed:
        failed += f" ({report.known_failed} in an earlier run, not retried)"
    left = ""
    if not report.complete:
        left = f", {report.interrupted} interrupted, {report.pending} not started"
    print(
        f"{report.inputs} input(s): {report.scored} scored, {report.reused} already done, "
        f"{report.duplicates} duplicate(s) of another input, {failed}{left}; "
        f"{hours:.2f} h of video in {report.wall_s:.1f} s "
        f"({report.video_hours_per_hour:.1f} video-h/h, {report.workers} {args.runner} "
        f"worker(s))"
    )
    if report.judge_cache_hits or report.judge_asked:
        print(
            f"judge: {report.judge_cache_hits} answer(s) from the judge cache, "
            f"{report.judge_asked} asked of the model"
        )
    print(f"results: {report.out_dir}/{report.config_hash}/  summary: {report.summary_path}")
    if report.meaningless:
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    if report.failed:
        errors = report.out_dir / "errors.jsonl"
        print(f"{report.failed} failure(s), see {errors}:", file=sys.stderr)
        for err in report.errors[:10]:
            print(f"zsvad: error: [{err['stage']}] {one_line(err['message'])}", file=sys.stderr)


def _write_report(report, privacy) -> None:
    try:
        from zsvad.report import write_report
    except ImportError as exc:
        from zsvad.errors import ConfigError

        raise ConfigError("--report: the report module (zsvad.report) is not available") from exc
    index = write_report(
        report.result_files, report.out_dir / "report", errors=report.errors, privacy=privacy
    )
    print(f"report: {index}")
