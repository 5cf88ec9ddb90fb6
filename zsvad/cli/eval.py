"""``zsvad eval``: frame-level ROC-AUC / AP of result directories against ground truth."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="frame AUC / AP of result directories",
        description="Frame-level ROC-AUC and AP over all videos concatenated, "
        "against a UCF-Crime-format temporal annotation file. Several --scores "
        "directories are compared side by side.",
    )
    p.add_argument(
        "--annotations", required=True, metavar="FILE", help="UCF-Crime temporal annotation file"
    )
    p.add_argument(
        "--scores",
        required=True,
        nargs="+",
        metavar="DIR",
        help="result directories written by zsvad score",
    )
    p.add_argument(
        "--format",
        choices=("ucf", "multi", "xd-list", "npy"),
        default=None,
        help="annotation format (default: auto-detect; see docs/eval.md)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.epilog = (
        "Columns judged / fails / s/win: windows the LLM judge scored, answers it could not "
        "read, and mean judge latency per window (from provenance.stats)."
    )
    p.set_defaults(func=run)


def judge_columns(stats: dict[str, float]) -> str:
    """Windows judged, parse failures and mean judge latency per judged window (or dashes)."""
    judged = int(stats.get("windows_judged", 0))
    fails = int(stats.get("parse_failures", 0))
    if not judged and not fails:
        return f"{'-':>6}  {'-':>5}  {'-':>6}"
    asked = judged + fails
    latency = stats.get("judge_latency_s", 0.0) / asked if asked else 0.0
    return f"{judged:6d}  {fails:5d}  {latency:6.2f}"


def run(args: argparse.Namespace) -> int:
    from zsvad.eval.annotations import read_annotations
    from zsvad.eval.metrics import evaluate

    annotations = read_annotations(args.annotations, args.format)
    reports = {d: evaluate(annotations, d) for d in args.scores}
    if args.json:
        print(json.dumps({d: vars(r) for d, r in reports.items()}, indent=1))
        return 0
    width = max(len(d) for d in reports)
    print(
        f"{'scores':{width}}  {'AUC':>6}  {'AP':>6}  {'PR-AUC':>6}  {'AUC-abn':>7}"
        f"  {'videos':>6}  {'frames':>8}  {'judged':>6}  {'fails':>5}  {'s/win':>6}"
    )
    for d, r in reports.items():
        abn = f"{r.auc_abnormal:7.2f}" if r.auc_abnormal is not None else "      -"
        print(
            f"{d:{width}}  {r.auc:6.2f}  {r.ap:6.2f}  {r.pr_auc:6.2f}  {abn}  "
            f"{r.videos:6d}  {r.frames:8d}  {judge_columns(r.stats)}"
        )
        if r.length_adjusted:
            print(
                f"  note: ground truth trimmed/padded to the result length for "
                f"{r.length_adjusted} video(s)"
            )
        if r.missing:
            print(
                f"  note: {len(r.missing)} annotated video(s) have no result, e.g. {r.missing[0]}"
            )
        if r.unannotated:
            print(
                f"  note: {len(r.unannotated)} result(s) have no annotation, e.g. "
                f"{r.unannotated[0]}"
            )
    return 0
