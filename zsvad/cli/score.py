"""``zsvad score``: score timed captions (and videos) into per-video result files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zsvad.cli.common import RunSummary, config_from_args, progress, save
from zsvad.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "score",
        help="score captions or videos; write DIR/<video_id>.json",
        description="Score timed captions (--captions FILE.jsonl) and write one "
        "result JSON per video plus summary.csv to --out.",
    )
    p.add_argument(
        "--captions",
        metavar="FILE.jsonl",
        required=True,
        help="captions, one JSON object a line: video_id, start, end, text, fps, num_frames",
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
    add_config_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.captions import iter_scores
    from zsvad.pipeline.core import MEANINGLESS, Pipeline

    config = config_from_args(args)
    if args.judge is not None:
        config.judge.backend = None if args.judge.lower() == "none" else args.judge
    if args.judge_model:
        config.judge.model = args.judge_model
    if args.prompt:
        config.judge.prompt = args.prompt
    captions = read_captions(args.captions)
    out = Path(args.out)
    summary = RunSummary(out)
    pipeline = Pipeline(config)
    videos = list(captions.videos.values())
    meaningless = False
    for video, outcome in progress(
        iter_scores(pipeline, videos), len(videos), "scoring", args.quiet
    ):
        if isinstance(outcome, InputError):
            summary.add_error(video.video_id, str(outcome))
            continue
        save(outcome, summary)
        meaningless |= outcome.provenance.meaningless
    for vid, err in captions.errors.items():
        summary.add_error(vid, str(err))
    path = summary.write()
    if not args.quiet:
        print(summary.table())
    if meaningless:
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    ok = len(summary.rows) - len(summary.failed)
    print(f"wrote {ok} result(s) to {out}/ (summary: {path})")
    for row in summary.failed:
        print(f"zsvad: error: {row['error']}", file=sys.stderr)
    return 1 if summary.failed else 0
