"""``zsvad eval``: every figure of result folders (``score`` or ``batch``) against ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zsvad.errors import ConfigError


def add_subset_options(p: argparse.ArgumentParser) -> None:
    """``--videos LIST`` / ``--limit N``, shared by ``eval`` and ``score``."""
    p.add_argument(
        "--videos",
        dest="video_list",
        metavar="LIST",
        help="only these videos: a file with one id a line, or ids separated by commas",
    )
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="only the first N videos (in sorted id order, after --videos)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="frame AUC / AP, false alarms, segment mAP, intervals of result folders",
        description="Frame-level ROC-AUC, AP (two conventions), AUC on abnormal videos, "
        "false-alarm rate, segment AP at IoU 0.1-0.5, bootstrap 95% intervals and run "
        "efficiency of result folders written by zsvad score or zsvad batch, side by side. "
        "See docs/eval.md.",
    )
    p.add_argument(
        "--scores",
        required=True,
        nargs="+",
        metavar="DIR",
        help="result folders of zsvad score, or zsvad batch output folders (each config hash "
        "is a result set)",
    )
    p.add_argument("--dataset", metavar="NAME|FILE", help="a dataset spec: its ground truth")
    p.add_argument("--annotations", metavar="FILE|DIR", help="ground truth (instead of --dataset)")
    p.add_argument(
        "--format",
        choices=("ucf", "multi", "xd-list", "npy", "lavad"),
        default=None,
        help="annotation format (default: auto-detect; see docs/eval.md)",
    )
    p.add_argument(
        "--temporal", metavar="FILE", help="temporal annotation file of a lavad/URF test list"
    )
    add_subset_options(p)
    p.add_argument(
        "--components",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also score each window component alone (retrieval only, judge only, …, next to "
        "the fused row), with the pipeline's smoothing and events [on when a judge component "
        "sits next to another one]",
    )
    p.add_argument("--by-class", action="store_true", help="per-class AUC / AP table")
    p.add_argument("--per-video", action="store_true", help="per-video table")
    p.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="false-alarm threshold (default: each result's temporal.threshold)",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="resamples of the videos for the 95%% intervals (0: none) [1000]",
    )
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed [0]")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="also write the report: Markdown if FILE ends in .md, else JSON",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.epilog = (
        "Columns judged / fails / s/win: windows the LLM judge scored, answers it could not "
        "read, and mean judge latency per window (from provenance.stats). video-s/s, clips/s, "
        "capt/s: video seconds, clips and captions scored per wall second; params: parameters "
        "of the models; RSS MB: peak resident memory of the scoring process."
    )
    p.set_defaults(func=run)


def load_ground_truth(args: argparse.Namespace) -> dict:
    from zsvad.eval.annotations import read_annotations
    from zsvad.eval.datasets import dataset_annotations, load_dataset

    if args.dataset and args.annotations:
        raise ConfigError("give --dataset or --annotations, not both")
    if args.dataset:
        return dataset_annotations(load_dataset(args.dataset))
    if not args.annotations:
        raise ConfigError("no ground truth: give --dataset NAME|FILE or --annotations FILE")
    return read_annotations(args.annotations, args.format, args.temporal)


def run(args: argparse.Namespace) -> int:
    from zsvad.atomic import atomic_write_text
    from zsvad.eval.components import component_sets, has_judge_and_more
    from zsvad.eval.metrics import evaluate
    from zsvad.eval.report_table import render, to_json
    from zsvad.eval.results_dirs import load_result_sets, read_video_list, select_ids

    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    annotations = load_ground_truth(args)
    if args.video_list or args.limit:
        wanted = read_video_list(args.video_list) if args.video_list else None
        unknown = sorted(set(wanted or ()) - set(annotations))
        if unknown:
            print(
                f"note: {len(unknown)} listed video(s) have no ground truth, e.g. {unknown[0]}",
                file=sys.stderr,
            )
        keep = set(select_ids(list(annotations), wanted, args.limit))
        annotations = {k: a for k, a in annotations.items() if k in keep}
    reports = {}
    for folder in args.scores:
        for label, results in load_result_sets(folder).items():
            chosen = [r for r in results if r.video_id in annotations]
            if args.video_list or args.limit:
                results = chosen
            sets = {label: results}
            if args.components or (args.components is None and has_judge_and_more(results)):
                for name, (alone, missing) in component_sets(results).items():
                    sets[f"{label} [{name} only]"] = alone
                    if missing:
                        print(
                            f"note: {label}: {missing} video(s) have no {name} component "
                            f"(their {name}-only curve is temporal.gap_value)",
                            file=sys.stderr,
                        )
            for name, scored in sets.items():
                reports[name] = evaluate(
                    annotations,
                    scored,
                    threshold=args.threshold,
                    by_class=args.by_class,
                    per_video=args.per_video,
                    bootstrap=args.bootstrap,
                    seed=args.seed,
                )
    kw = {"by_class": args.by_class, "per_video": args.per_video}
    print(
        to_json(reports) if args.json else render(reports, **kw), end="" if not args.json else "\n"
    )
    if args.out:
        out = Path(args.out)
        text = render(reports, markdown=True, **kw) if out.suffix == ".md" else to_json(reports)
        atomic_write_text(out, text)
        print(f"wrote {out}", file=sys.stderr)
    return 0
