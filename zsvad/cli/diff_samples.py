"""``zsvad diff A B --samples``: the judge's samples of two runs, window by window."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path


def run_samples(args: argparse.Namespace) -> int:
    from zsvad.atomic import atomic_write_text
    from zsvad.report.fmt import span, truncate
    from zsvad.results.samples import pair_samples, read_samples

    d = pair_samples(read_samples(args.a), read_samples(args.b), args.threshold)
    print(f"A: {', '.join(d.prompts_a) or '-'}  ({args.a})")
    print(f"B: {', '.join(d.prompts_b) or '-'}  ({args.b})")
    flips = d.flipped()
    print(
        f"{len(d.pairs)} window(s) judged in both, {len(flips)} decision(s) flipped at "
        f"{d.threshold:g}; {d.only_a} only in A, {d.only_b} only in B"
    )
    groups = d.by_label()
    if groups:
        print(f"\n{'ground truth':12} {'windows':>7} {'flips':>5} {'right A':>7} {'right B':>7} "
              f"{'fixed':>5} {'broken':>6} {'mean A':>6} {'mean B':>6}")  # fmt: skip
        for name, g in groups.items():
            labelled = name != "no label"
            right = f"{g['correct_a']:7d} {g['correct_b']:7d}" if labelled else f"{'-':>7} {'-':>7}"
            print(f"{name:12} {g['windows']:7d} {g['flips']:5d} {right} {g['fixed']:5d} "
                  f"{g['broken']:6d} {_s(g['mean_a']):>6} {_s(g['mean_b']):>6}")  # fmt: skip
    if flips:
        print(f"\nflipped (largest change first, {min(len(flips), args.top)} of {len(flips)}):")
    names = {1: "anomalous", 0: "normal", None: "?"}
    for p in flips[: args.top]:
        mark = {True: "fixed", False: "broken"}.get(p.correct_b, "") if p.label is not None else ""
        print(
            f"  {truncate(p.video_id, 28):28} w{p.window:<4} "
            f"{span(p.start, p.end, tenths=True):>17} {_s(p.score_a)} → {_s(p.score_b)}  "
            f"gt {names[p.label]:9} {mark:6} "
            f"{truncate(p.answer_a, 24)!r} → {truncate(p.answer_b, 24)!r}"
        )
    if args.csv:
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["video_id", "window", "start", "end", "score_a", "score_b", "label",
                      "correct_a", "correct_b", "flipped"])  # fmt: skip
        flipped = {(p.video_id, p.window) for p in flips}
        for p in d.pairs:
            out.writerow([p.video_id, p.window, p.start, p.end, p.score_a, p.score_b, p.label,
                          p.correct_a, p.correct_b, (p.video_id, p.window) in flipped])  # fmt: skip
        atomic_write_text(Path(args.csv), buf.getvalue())
        print(f"wrote {len(d.pairs)} paired window(s) to {args.csv}", file=sys.stderr)
    return 0


def _s(score: float | None) -> str:
    return "  -  " if score is None else f"{score:.3f}"
