"""``zsvad tune``: cross-validated grid search of settings on captions with ground truth."""

from __future__ import annotations

import argparse
import sys

from zsvad.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "tune",
        help="grid-search settings with cross-validation; write DIR/tuned.yaml",
        description="Score a captions set with ground truth under every combination of the "
        "--grid values, report frame AUC / AP on all videos and out-of-fold per setting, and "
        "the nested cross-validation figure of choosing among them; write the table "
        "(tune.md, tune.json) and the chosen values as a config file (tuned.yaml) to --out. "
        "See docs/tune.md.",
    )
    data = p.add_argument_group("data (a dataset, or captions and annotations)")
    data.add_argument("--dataset", metavar="NAME|FILE", help="dataset spec (datasets/*.yaml)")
    data.add_argument("--captions", metavar="FILE.jsonl", help="timed captions")
    data.add_argument("--annotations", metavar="FILE", help="ground truth for --captions")
    data.add_argument(
        "--format",
        choices=("ucf", "multi", "xd-list", "npy"),
        default=None,
        help="annotation format of --annotations (default: auto-detect)",
    )
    data.add_argument(
        "--metric",
        choices=("auc", "ap"),
        default=None,
        help="headline metric to select by (default: the dataset's, else auc)",
    )
    data.add_argument(
        "--force", action="store_true", help="tune even on a dataset marked 'tune: false'"
    )
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="values of one setting to try (repeatable; every combination is scored), "
        "e.g. --grid retrieval.k=20,50,100",
    )
    p.add_argument(
        "--max-settings",
        type=int,
        default=None,
        metavar="N",
        help="refuse a grid of more than N settings (every one is scored on every video) [256]",
    )
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds by video [5]")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold split [0]")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    add_config_options(p)
    p.set_defaults(func=run)


def load_data(args: argparse.Namespace):
    """The :class:`TuneData` the options name."""
    from zsvad.eval.datasets import load_dataset
    from zsvad.tune import TuneData

    if args.dataset:
        if args.captions or args.annotations:
            raise ConfigError("give --dataset or --captions/--annotations, not both")
        data = TuneData.from_dataset(load_dataset(args.dataset), force=args.force)
        if args.metric:
            data.metric = args.metric
        return data
    if not (args.captions and args.annotations):
        raise ConfigError("give --dataset NAME|FILE, or --captions FILE and --annotations FILE")
    return TuneData.from_files(args.captions, args.annotations, args.format, args.metric or "auc")


def run(args: argparse.Namespace) -> int:
    from zsvad.cli.common import embedding_bar
    from zsvad.config.judge import judge_backend
    from zsvad.pipeline.captions import prefetch_captions
    from zsvad.pipeline.core import MEANINGLESS, Pipeline
    from zsvad.tune import expand_grid, parse_grid, tune
    from zsvad.tune.grid import MAX_SETTINGS, check_grid_size, inert_keys
    from zsvad.tune.write import markdown, tune_record, write_outputs

    if not args.grid:
        raise ConfigError("nothing to tune: give at least one --grid KEY=V1,V2")
    bound = MAX_SETTINGS if args.max_settings is None else args.max_settings
    if bound < 1:
        raise ConfigError(f"--max-settings must be at least 1, got {bound}")
    grid = parse_grid(args.grid)
    check_grid_size(grid, bound)  # before any config is built or data read
    settings = expand_grid(grid, args.profile, args.config, args.overrides, bound)
    data = load_data(args)
    say = (lambda *a: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    say(f"{len(settings)} setting(s) × {len(data.videos)} videos, {args.folds} folds")
    for key in inert_keys(grid, judge=bool(judge_backend(settings[0].config.judge))):
        say(f"  note: --grid {key} does not change frame scores (AUC / AP stay equal)")
    for vid, why in list(data.skipped.items())[:3]:
        say(f"  note: video '{vid}' left out: {why}")
    if len(data.skipped) > 3:
        say(f"  note: {len(data.skipped) - 3} more video(s) left out")
    pipeline = Pipeline(settings[0].config)
    shown, on_total = embedding_bar(pipeline, args.quiet)
    with shown:  # the first embedding pass
        prefetch_captions(pipeline, data.videos, shown.update, on_total)

    def done(i: int, r) -> None:
        say(
            f"[{i + 1}/{len(settings)}] {r.setting.label}: AUC {r.all.auc:.2f} AP {r.all.ap:.2f}"
            f" (out-of-fold {r.oof.auc:.2f} / {r.oof.ap:.2f}) {r.seconds:.1f} s"
        )

    report = tune(data, settings, args.folds, args.seed, pipeline, done)
    record = tune_record(report, args.profile, args.config, args.overrides)
    paths = write_outputs(report, args.out, record, args.overrides)
    print(markdown(report), end="")
    if record.get("meaningless"):
        print(f"WARNING: {MEANINGLESS} (profile '{args.profile}')", file=sys.stderr)
    print(f"wrote {paths['table']}, {paths['json']} and {paths['config']} ({report.seconds:.0f} s)")
    return 0
