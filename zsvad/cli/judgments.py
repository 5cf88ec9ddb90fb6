"""``zsvad judgments import``: judgments of other tools (URF, LAVAD-style) → judgments JSONL;
``zsvad judgments calibrate``: knots that put one judge's scores on another's scale."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("judgments", help="import LLM judgments written by other tools")
    jsub = p.add_subparsers(dest="judgments_command", metavar="ACTION")
    imp = jsub.add_parser(
        "import",
        help="per-video judgment scores (URF per caption, or per frame) → judgments JSONL",
        description="Convert a folder of per-video judgment files into zsvad's judgments JSONL "
        "(video_id, start, end, score, model), the input of zsvad score --judgments. urf: "
        '<video>.json {"0": 0.4, "16": 0.0, …}, one score per caption keyed by its first '
        "frame, covering the frames up to the next key; frames: <video>.npy or <video>.json, "
        "one score per frame (runs of equal scores become one span). A file that cannot be "
        "read is reported and the others are imported. See docs/judge.md.",
    )
    imp.add_argument("directory", metavar="SRC", help="folder of per-video files")
    imp.add_argument("--format", required=True, choices=("urf", "frames"))
    imp.add_argument("--fps", required=True, type=float, help="frame rate of the videos")
    imp.add_argument("--out", required=True, metavar="J.jsonl", help="judgments file to write")
    imp.add_argument(
        "--model", metavar="NAME", help="the model that made the judgments (kept in each row)"
    )
    imp.add_argument(
        "--span-frames",
        type=int,
        metavar="N",
        help="urf: frames a judgment covers at most (default: up to the next key; the last "
        "one the median step between keys)",
    )
    imp.add_argument(
        "--list",
        metavar="test.txt",
        dest="test_list",
        help="urf: LAVAD/URF test list (name start end label): frame counts the last spans "
        "are cut at",
    )
    imp.set_defaults(func=run_import)
    cal = jsub.add_parser(
        "calibrate",
        help="fusion.calibration knots mapping one judge's scores onto another's scale",
        description="Quantile matching, no ground truth read: each quantile of SRC's scores is "
        "sent to the same quantile of REF's (e.g. an over-confident log-prob yes/no judge onto "
        "the scale of a judge that answers a 0-1 rating). Prints (or writes with --out) a config "
        "file for --config: fusion.calibration.<component>. See docs/fusion.md.",
    )
    cal.add_argument("source", metavar="SRC.jsonl", help="judgments to calibrate")
    cal.add_argument(
        "--like", required=True, metavar="REF.jsonl", help="judgments on the target scale"
    )
    cal.add_argument("--component", default="judge", help="component the knots apply to (judge)")
    cal.add_argument("--points", type=int, default=21, help="quantiles matched (21)")
    cal.add_argument("--out", metavar="FILE.yaml", help="write the config file here")
    cal.set_defaults(func=run_calibrate)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_import(args: argparse.Namespace) -> int:
    from zsvad.atomic import atomic_write_text
    from zsvad.errors import InputError, one_line
    from zsvad.io.judgments import read_judgments
    from zsvad.io.judgments_import import import_judgments

    done = import_judgments(
        args.directory,
        args.format,
        args.fps,
        model=args.model,
        span_frames=args.span_frames,
        test_list=args.test_list,
    )
    for err in done.errors:
        print(f"zsvad: error: {one_line(str(err))}", file=sys.stderr)
    if not done.rows:
        raise InputError("no file could be imported", source=args.directory)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in done.rows)
    path = atomic_write_text(args.out, text)
    check = read_judgments(path)  # what zsvad score will read
    for vid, err in check.errors.items():
        print(f"zsvad: warning: {vid}: {one_line(str(err))}", file=sys.stderr)
    bad = f"; {len(done.errors)} file(s) failed" if done.errors else ""
    print(f"wrote {len(done.rows)} judgment(s) of {len(check.videos)} video(s) to {path}{bad}")
    return 1 if done.errors or check.errors else 0


def run_calibrate(args: argparse.Namespace) -> int:
    from zsvad.atomic import atomic_write_text
    from zsvad.config.fusion import FusionConfig
    from zsvad.errors import ConfigError, InputError
    from zsvad.fusion.calibration import quantile_knots
    from zsvad.io.judgments import read_judgments

    if not 2 <= args.points <= 1001:
        raise ConfigError(f"--points {args.points}: give 2 to 1001")
    src, ref = read_judgments(args.source), read_judgments(args.like)
    for f in (src, ref):
        if len(f.scores()) < 2:
            raise InputError("fewer than two judged spans", source=f.path)
    knots = quantile_knots(src.scores(), ref.scores(), args.points)
    FusionConfig(calibration={args.component: knots})  # the config will accept them
    pairs = ", ".join(f"[{x:.6g}, {y:.6g}]" for x, y in knots)
    text = (
        f"# zsvad judgments calibrate: quantiles of {src.path.name} ({len(src.scores())} "
        f"scores, sha256 {src.content_hash[:12]}) onto {ref.path.name} ({len(ref.scores())} "
        f"scores, sha256 {ref.content_hash[:12]}); no ground truth read\n"
        f"fusion:\n  calibration:\n    {args.component}: [{pairs}]\n"
    )
    if args.out:
        print(f"wrote {atomic_write_text(args.out, text)}")
    else:
        print(text, end="")
    return 0
