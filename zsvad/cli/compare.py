"""``zsvad compare``: judge prompts × datasets in one command, one table with intervals."""

from __future__ import annotations

import argparse
import sys

from zsvad.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "compare",
        help="score datasets with several judge prompts; one AUC / AP table with intervals",
        description="Score each dataset (or --captions with --annotations) with each judge "
        "prompt (--prompt, repeatable), the models loaded once; write DIR/<dataset>/<prompt>/ "
        "(results and labelled samples.jsonl, for 'zsvad diff A B --samples') and one table, "
        "DIR/compare.md and compare.json: frame AUC and AP with bootstrap 95%% intervals, "
        "windows judged, unreadable answers and the judge's window accuracy at "
        "temporal.threshold. See docs/judge.md.",
    )
    p.add_argument(
        "--prompt",
        action="append",
        required=True,
        metavar="ID",
        help="judge prompt: id, id@version or YAML file (repeatable; or comma-separated)",
    )
    p.add_argument(
        "--dataset", action="append", default=[], metavar="NAME|FILE", help="(repeatable)"
    )
    p.add_argument("--captions", metavar="FILE.jsonl", help="timed captions (with --annotations)")
    p.add_argument("--annotations", metavar="FILE", help="ground truth of --captions")
    p.add_argument(
        "--limit", type=int, metavar="N", help="only the first N videos of each (sorted by id)"
    )
    p.add_argument(
        "--judge", metavar="BACKEND", help="LLM judge backend; same as --set judge.backend"
    )
    p.add_argument("--judge-model", metavar="MODEL", help="same as --set judge.model=MODEL")
    p.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="resamples of the videos [1000]"
    )
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed [0]")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    add_config_options(p)
    p.set_defaults(func=run)


def load_data(args: argparse.Namespace) -> dict:
    """Dataset name → :class:`~zsvad.tune.TuneData` (captioned videos with ground truth)."""
    from zsvad.eval.datasets import load_dataset
    from zsvad.tune import TuneData

    data = {}
    for ref in args.dataset:
        spec = load_dataset(ref)
        data[spec.name] = TuneData.from_dataset(spec, force=True)  # compared, not tuned
    if args.captions or args.annotations:
        if not (args.captions and args.annotations):
            raise ConfigError("--captions and --annotations go together")
        from pathlib import Path

        data[Path(args.captions).stem] = TuneData.from_files(args.captions, args.annotations)
    if not data:
        raise ConfigError("no data: give --dataset NAME (repeatable) or --captions/--annotations")
    if args.limit is not None:
        if args.limit < 1:
            raise ConfigError("--limit must be at least 1")
        for d in data.values():
            d.videos = d.videos[: args.limit]
    return data


def run(args: argparse.Namespace) -> int:
    from zsvad.cli.common import config_from_args
    from zsvad.eval.compare import compare, markdown, prompt_configs, write_outputs
    from zsvad.results.schema import MEANINGLESS

    config = config_from_args(args)
    if args.judge is not None:
        config.judge.backend = None if args.judge.lower() == "none" else args.judge
    if args.judge_model:
        config.judge.model = args.judge_model
    if not config.judge.backend:
        raise ConfigError("compare needs a judge: --judge BACKEND (e.g. fake, transformers)")
    prompts = [p.strip() for arg in args.prompt for p in arg.split(",") if p.strip()]
    configs = prompt_configs(config, prompts)  # every config error before any model loads
    data = load_data(args)
    say = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    cells = len(prompts) * len(data)
    say(f"{len(prompts)} prompt(s) × {len(data)} dataset(s)")

    finished: list = []

    def done(row) -> None:
        finished.append(row)
        say(f"[{len(finished)}/{cells}] {row.dataset} {row.prompt}: AUC {row.auc:.2f} "
            f"AP {row.ap:.2f} ({row.judged} windows judged)")  # fmt: skip

    rows = compare(data, configs, args.out, args.bootstrap, args.seed, done)
    paths = write_outputs(rows, args.out)
    print(markdown(rows), end="")
    if any(r.meaningless for r in rows):
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    print(f"wrote {paths['table']} and {paths['json']}")
    return 0
