"""``zsvad score``: score videos and/or timed captions into per-video result files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zsvad.cli.common import (
    RunSummary,
    add_judgments_options,
    add_log_samples_option,
    add_truth_options,
    apply_judgments_options,
    config_from_args,
    embedding_bar,
    finish_log_samples,
    samples_truth,
    save,
    scoring_bars,
    start_log_samples,
)
from zsvad.cli.eval import add_subset_options
from zsvad.cli.privacy import add_privacy_options, apply_privacy_options, check_anonymizer
from zsvad.errors import ConfigError, InputError


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "score",
        help="score videos or captions; write DIR/<video_id>.json",
        description="Score video files (VIDEO..., or directories of videos) and/or timed "
        "captions (--captions FILE.jsonl); write one result JSON per video plus summary.csv "
        "to --out. A video that cannot be read is reported and the others are still scored.",
    )
    p.add_argument(
        "videos", nargs="*", metavar="VIDEO", help="video files or directories (subfolders too)"
    )
    p.add_argument(
        "--captions",
        metavar="FILE.jsonl",
        help="captions, one JSON object a line: video_id, start, end, text, fps, num_frames "
        "(a *.captions.jsonl file of the video cache works too)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--judge",
        metavar="BACKEND",
        help="LLM judge backend (transformers, vllm, openai, fake) or 'none'; "
        "same as --set judge.backend=BACKEND",
    )
    p.add_argument("--judge-model", metavar="MODEL", help="same as --set judge.model=MODEL")
    p.add_argument(
        "--prompt", metavar="ID", help="judge prompt template id or path; --set judge.prompt=ID"
    )
    add_log_samples_option(p)
    add_judgments_options(p)
    p.add_argument("--report", action="store_true", help="also write an HTML report to DIR/report/")
    add_truth_options(p)
    p.add_argument(
        "--video-dir",
        metavar="DIR",
        help="with --report: folder (searched by video id, subfolders too) with the videos of "
        "--captions, for keyframes",
    )
    add_subset_options(p)
    add_privacy_options(p)
    add_config_options(p)
    p.set_defaults(func=run)


def expand_videos(paths: list[str]) -> list[Path]:
    """Files as given; directories expand to the video files under them (subfolders too), the
    files ``zsvad batch DIR`` scores."""
    from zsvad.io.videos import files_under

    out = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = files_under(p)
            out.extend(found or [p])  # an empty directory is reported as a bad input
        else:
            out.append(p)
    return out


def _score_videos(pipeline, paths: list[Path], summary: RunSummary, quiet: bool) -> bool:
    from zsvad.pipeline.video import score_video

    meaningless = False
    seen: dict[str, Path] = {}
    with scoring_bars(len(paths), quiet) as (videos, windows):
        for i, path in enumerate(paths):
            vid = path.stem
            windows.video(_title(i, len(paths), vid))
            if vid in seen:
                summary.add_error(vid, f"{path}: same video id as {seen[vid]}; rename one of them")
                videos.update(1)
                continue
            seen[vid] = path
            try:
                result = score_video(pipeline, path)
            except InputError as exc:
                summary.add_error(vid, str(exc))
                videos.update(1)
                continue
            save(result, summary)
            videos.update(1)
            meaningless |= result.provenance.meaningless
    return meaningless


def _score_captions(pipeline, videos: list, summary: RunSummary, quiet: bool) -> bool:
    """Embed every caption up front (its own bar), then score the videos one by one."""
    from zsvad.pipeline.captions import prefetch_captions, score_video_captions

    shown, on_total = embedding_bar(pipeline, quiet)
    with shown:
        prefetch_captions(pipeline, videos, shown.update, on_total)
    meaningless = False
    with scoring_bars(len(videos), quiet) as (done, windows):
        for i, video in enumerate(videos):
            windows.video(_title(i, len(videos), video.video_id))
            try:
                result = score_video_captions(pipeline, video)
            except InputError as exc:
                summary.add_error(video.video_id, str(exc))
            else:
                save(result, summary)
                meaningless |= result.provenance.meaningless
            done.update(1)
    return meaningless


def _title(i: int, n: int, video_id: str) -> str:
    from zsvad.report.fmt import truncate

    return f"[{i + 1}/{n}] {truncate(video_id, 32)}" if n > 1 else truncate(video_id, 40)


def _subset(args: argparse.Namespace):
    """A function picking the ids to score (``--videos`` / ``--limit``), or None."""
    if not args.video_list and args.limit is None:
        return None
    from zsvad.eval.results_dirs import read_video_list, select_ids

    wanted = read_video_list(args.video_list) if args.video_list else None
    return lambda ids: select_ids(ids, wanted, args.limit)


def run(args: argparse.Namespace) -> int:
    from zsvad.interrupt import exit_status, held_signals
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.core import MEANINGLESS, Pipeline
    from zsvad.pipeline.preflight import preflight

    if not args.videos and not args.captions:
        raise ConfigError("nothing to score: give video files and/or --captions FILE.jsonl")
    if args.video_dir and not args.report:
        raise ConfigError("--video-dir goes with --report")
    if args.annotations and not (args.report or args.log_samples):
        raise ConfigError("--annotations goes with --report or --log-samples")
    for name, path in (("annotations", args.annotations), ("video-dir", args.video_dir)):
        if path and not Path(path).exists():
            raise InputError(f"--{name}: not found", source=path)
    config = config_from_args(args)
    if args.judge is not None:
        config.judge.backend = None if args.judge.lower() == "none" else args.judge
    if args.judge_model:
        config.judge.model = args.judge_model
    if args.prompt:
        config.judge.prompt = args.prompt
    apply_judgments_options(args, config, append=False)  # before preflight: judge file
    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    preflight(config, videos=bool(args.videos))  # config errors before any model loads
    truth = samples_truth(args)
    start_log_samples(args, config)
    apply_privacy_options(args, config.privacy)
    if args.report:
        check_anonymizer(config.privacy)  # before scoring, not after
    out = Path(args.out)
    summary = RunSummary(out)
    pipeline = Pipeline(config)
    meaningless = False
    keep = _subset(args)
    videos, errors = [], {}
    if args.captions:
        captions = read_captions(args.captions)
        videos = list(captions.videos.values())
        errors = captions.errors
        if keep is not None:
            chosen = set(keep([v.video_id for v in videos]))
            videos = [v for v in videos if v.video_id in chosen]
            errors = {k: e for k, e in errors.items() if k in chosen}
    paths = expand_videos(args.videos) if args.videos else []
    if keep is not None and paths:
        chosen = set(keep([p.stem for p in paths]))
        paths = [p for p in paths if p.stem in chosen]
    stop: KeyboardInterrupt | None = None
    try:  # Ctrl-C / SIGTERM: the finished videos are kept and the summary written
        if videos:
            meaningless |= _score_captions(pipeline, videos, summary, args.quiet)
        if paths:
            meaningless |= _score_videos(pipeline, paths, summary, args.quiet)
    except KeyboardInterrupt as exc:
        stop = exc
    with held_signals() as late:
        for vid, err in errors.items():
            summary.add_error(vid, str(err))
        if stop is not None:
            summary.add_unfinished([v.video_id for v in videos] + [p.stem for p in paths])
        path = summary.write()
        finish_log_samples(args, config, truth, summary.fps)
    stop = stop or late.first()
    stopped = stop is not None and summary.unfinished
    from zsvad.report.score_hook import after_score

    after_score(
        summary,
        quiet=args.quiet,
        report=args.report and not stopped,
        annotations=args.annotations,
        videos=args.video_dir,
        privacy=config.privacy,
    )
    if meaningless:
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    ok = len(summary.rows) - len(summary.failed)
    print(f"wrote {ok} result(s) to {out}/ (summary: {path})")
    for row in summary.failed:
        if row["status"] == "error":
            print(f"zsvad: error: {row['error']}", file=sys.stderr)
    if stopped:
        left = summary.unfinished
        interrupted = sum(r["status"] == "interrupted" for r in left)
        print(
            f"zsvad: {'terminated' if exit_status(stop) == 143 else 'interrupted'}: "
            f"{interrupted} video(s) interrupted, {len(left) - interrupted} not started",
            file=sys.stderr,
        )
        return exit_status(stop)
    return 1 if summary.failed else 0
