"""``zsvad diff A B``: per-video and per-window score changes between two runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="score changes between two result folders (per video and per window)",
        description="Compare two runs (result folders of 'zsvad score' or 'zsvad batch', or "
        "result files): videos matched by id, windows by time range. Prints the videos by "
        "largest change of max score, then the windows whose score moved most. With --samples, "
        "compare the judge's samples instead (--log-samples files, or folders holding "
        "samples.jsonl): each run's prompt id@version, windows whose decision flipped, counts "
        "by ground truth when the samples are labelled (score/batch --dataset/--annotations).",
    )
    p.add_argument("a", metavar="A", help="the run before (folder or result file)")
    p.add_argument("b", metavar="B", help="the run after")
    p.add_argument(
        "--min-change", type=float, default=0.01, metavar="X", help="smallest window change [0.01]"
    )
    p.add_argument("--top", type=int, default=20, metavar="N", help="windows printed [20]")
    p.add_argument("--csv", metavar="FILE", help="write every changed window to FILE")
    p.add_argument(
        "--samples",
        action="store_true",
        help="pair the judge samples of A and B (files or folders with samples.jsonl)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="with --samples: decision threshold [the samples' temporal.threshold, else 0.5]",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.samples:
        from zsvad.cli.diff_samples import run_samples

        return run_samples(args)
    from zsvad.report.fmt import span, truncate
    from zsvad.results.diff import diff_runs, load_run

    d = diff_runs(load_run(args.a), load_run(args.b), args.min_change)
    print(f"{'video':40} {'max A':>6} {'max B':>6} {'Δmax':>7} {'Δmean':>7} {'segs':>7} windows")
    for v in d.videos:
        print(
            f"{truncate(v.video_id, 40):40} {v.max_a:6.3f} {v.max_b:6.3f} {v.delta:+7.3f} "
            f"{v.mean_b - v.mean_a:+7.3f} {v.segments_a:>3}→{v.segments_b:<3} "
            f"{v.windows_changed} changed"
        )
    for name, ids in (("only in A", d.only_a), ("only in B", d.only_b)):
        if ids:
            print(f"{name}: {', '.join(ids)}")
    if d.unmatched_windows:
        print(f"{d.unmatched_windows} window(s) found in one run only (other window layout)")
    print(f"\nwindows changed by ≥ {args.min_change:g}: {len(d.windows)}")
    for w in d.windows[: args.top]:
        print(
            f"  {truncate(w.video_id, 30):30} {span(w.start, w.end, tenths=True):>17} "
            f"{w.score_a:.3f} → {w.score_b:.3f} ({w.delta:+.3f})  {truncate(w.text, 60)}"
        )
    if args.csv:
        from zsvad.csvout import write_csv

        fields = ["video_id", "start", "end", "score_a", "score_b", "delta", "text"]
        rows = [
            [w.video_id, w.start, w.end, w.score_a, w.score_b, round(w.delta, 6), w.text]
            for w in d.windows
        ]
        write_csv(Path(args.csv), fields, rows)
        print(f"wrote {len(d.windows)} window change(s) to {args.csv}", file=sys.stderr)
    return 0
