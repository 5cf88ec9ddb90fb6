"""``zsvad report``: HTML pages and score plots of result files, with an index page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zsvad.cli.privacy import add_privacy_options, apply_privacy_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="HTML report (score plots, segments, keyframes) of result files",
        description="Write, for each result, an HTML page and a PNG plot of its score curve, "
        "plus index.html: a sortable table of the videos and the run's errors, and segments.csv / "
        "segments.json: every segment, one row each (with a link to it), for a video-management "
        "system. A page plays its video when the file is known (its source, --video-dir or "
        "--video-map); its segments and curve seek the player. RESULTS are "
        "result JSON files or directories written by 'zsvad score' / 'zsvad batch'. The pages "
        "need no network to open.",
    )
    p.add_argument("results", nargs="+", metavar="RESULTS", help="result files or directories")
    p.add_argument("--out", required=True, metavar="DIR", help="report directory")
    p.add_argument(
        "--annotations",
        metavar="FILE",
        help="UCF-Crime temporal annotation file: draw the ground truth on the plots",
    )
    p.add_argument(
        "--video-dir",
        dest="videos",
        metavar="DIR",
        help="folder with the videos for the player and keyframes, searched by video id (any "
        "extension, any subfolder), when a result's source is not a readable video file",
    )
    p.add_argument(
        "--video-map",
        metavar="FILE",
        help="CSV with columns video_id,path[,annotation_name] (or a 'zsvad batch' manifest): "
        "each result's video file and its name in --annotations, when they differ from the id; "
        "relative paths are relative to the file",
    )
    p.add_argument(  # before --video-dir: it meant a folder here, ids in score and eval
        "--videos", dest="videos_old", metavar="DIR", help=argparse.SUPPRESS
    )
    p.add_argument("--no-keyframes", action="store_true", help="do not decode keyframes")
    p.add_argument("--title", default="zsvad report", help="title of the index page")
    add_privacy_options(p, detector=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zsvad.config.privacy import PrivacyConfig
    from zsvad.errors import InputError
    from zsvad.report import build_report

    if args.videos_old:
        print(
            "zsvad: warning: report --videos DIR is deprecated, use --video-dir DIR "
            "(--videos takes video ids in score and eval)",
            file=sys.stderr,
        )
        args.videos = args.videos or args.videos_old
    if args.videos and not Path(args.videos).is_dir():
        raise InputError("videos directory not found", source=args.videos)
    report = build_report(
        args.results,
        args.out,
        annotations=args.annotations,
        videos=args.videos,
        title=args.title,
        thumbnails=not args.no_keyframes,
        video_map=args.video_map,
        privacy=apply_privacy_options(args, PrivacyConfig()),
    )
    for err in report.read_errors:
        print(f"zsvad: error: {err.message}", file=sys.stderr)
    print(f"wrote {len(report.pages)} page(s) and {len(report.errors)} error(s) to {report.index}")
    return 1 if report.read_errors else 0
