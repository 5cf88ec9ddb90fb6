"""``zsvad score``: score videos and/or timed captions into per-video result files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zsvad.cli.common import (
    RunSummary,
    add_log_samples_option,
    config_from_args,
    progress,
    save,
    start_log_samples,
)
from zsvad.cli.eval import add_subset_options
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
    p.add_argument("--quiet", action="store_true", help="print only errors and the output path")
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
    p.add_argument("--report", action="store_true", help="also write an HTML report to DIR/report/")
    p.add_argument(
        "--annotations",
        metavar="FILE",
        help="with --report: UCF-Crime temporal annotation file, drawn as ground truth",
    )
    p.add_argument(
        "--video-dir",
        metavar="DIR",
        help="with --report: folder (searched by video id, subfolders too) with the videos of "
        "--captions, for keyframes",
    )
    add_subset_options(p)
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
    for path in progress(paths, len(paths), "scoring", quiet):
        vid = path.stem
        if vid in seen:
            summary.add_error(vid, f"{path}: same video id as {seen[vid]}; rename one of them")
            continue
        seen[vid] = path
        try:
            result = score_video(pipeline, path)
        except InputError as exc:
            summary.add_error(vid, str(exc))
            continue
        save(result, summary)
        meaningless |= result.provenance.meaningless
    return meaningless


def _embedding_bar(pipeline, videos, quiet: bool):
    """Progress bar of the up-front embedding pass, counted in captions (the memory index is
    loaded first: its build has its own messages)."""
    from tqdm import tqdm

    _ = pipeline.retriever
    total = sum(len(v.captions) for v in videos)
    return tqdm(
        total=total, desc="embedding", unit="text", file=sys.stderr, disable=quiet, leave=False
    )


def _subset(args: argparse.Namespace):
    """A function picking the ids to score (``--videos`` / ``--limit``), or None."""
    if not args.video_list and args.limit is None:
        return None
    from zsvad.eval.results_dirs import read_video_list, select_ids

    wanted = read_video_list(args.video_list) if args.video_list else None
    return lambda ids: select_ids(ids, wanted, args.limit)


def run(args: argparse.Namespace) -> int:
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.captions import iter_scores
    from zsvad.pipeline.core import MEANINGLESS, Pipeline
    from zsvad.pipeline.preflight import preflight

    if not args.videos and not args.captions:
        raise ConfigError("nothing to score: give video files and/or --captions FILE.jsonl")
    if (args.annotations or args.video_dir) and not args.report:
        raise ConfigError("--annotations and --video-dir go with --report")
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
    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    preflight(config, videos=bool(args.videos))  # config errors before any model loads
    start_log_samples(args, config)
    out = Path(args.out)
    summary = RunSummary(out)
    pipeline = Pipeline(config)
    meaningless = False
    keep = _subset(args)
    if args.captions:
        captions = read_captions(args.captions)
        videos = list(captions.videos.values())
        if keep is not None:
            chosen = set(keep([v.video_id for v in videos]))
            videos = [v for v in videos if v.video_id in chosen]
            captions.errors = {k: e for k, e in captions.errors.items() if k in chosen}
        bar = _embedding_bar(pipeline, videos, args.quiet)
        scored = iter_scores(pipeline, videos, progress=bar.update)  # embeds all, then scores
        for video, outcome in progress(scored, len(videos), "scoring", args.quiet):
            bar.close()  # the embedding pass is over once the first video is scored
            if isinstance(outcome, InputError):
                summary.add_error(video.video_id, str(outcome))
                continue
            save(outcome, summary)
            meaningless |= outcome.provenance.meaningless
        bar.close()
        for vid, err in captions.errors.items():
            summary.add_error(vid, str(err))
    if args.videos:
        paths = expand_videos(args.videos)
        if keep is not None:
            chosen = set(keep([p.stem for p in paths]))
            paths = [p for p in paths if p.stem in chosen]
        meaningless |= _score_videos(pipeline, paths, summary, args.quiet)
    path = summary.write()
    from zsvad.report.score_hook import after_score

    after_score(
        summary,
        quiet=args.quiet,
        report=args.report,
        annotations=args.annotations,
        videos=args.video_dir,
    )
    if meaningless:
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    ok = len(summary.rows) - len(summary.failed)
    print(f"wrote {ok} result(s) to {out}/ (summary: {path})")
    for row in summary.failed:
        print(f"zsvad: error: {row['error']}", file=sys.stderr)
    return 1 if summary.failed else 0
