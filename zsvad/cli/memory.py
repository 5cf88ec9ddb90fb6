"""``zsvad memory ls | info | validate | generate``: the caption memories."""

from __future__ import annotations

import argparse
import json
import sys

from zsvad.errors import ConfigError, InputError


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser("memory", help="list, inspect, validate or generate caption memories")
    msub = p.add_subparsers(dest="memory_command", metavar="ACTION")
    ls = msub.add_parser("ls", help="bundled memories with their sizes")
    ls.set_defaults(func=run_ls)
    info = msub.add_parser("info", help="manifest and counts of a memory")
    info.add_argument("name", nargs="?", default=None, help="name or directory [config default]")
    info.add_argument("--json", action="store_true", help="print the manifest as JSON")
    add_config_options(info)
    info.set_defaults(func=run_info)
    val = msub.add_parser("validate", help="check schema, manifest, duplicates, label leaks")
    val.add_argument(
        "name",
        nargs="?",
        default=None,
        help="name, directory or bare captions .jsonl file [config default, with its "
        "memory.extra_files]",
    )
    val.add_argument("--min-captions", type=int, default=0)
    val.add_argument("--min-scenes", type=int, default=0)
    val.add_argument("--min-categories", type=int, default=0)
    add_config_options(val)
    val.set_defaults(func=run_validate)
    gen = msub.add_parser("generate", help="write a new memory (LLM or procedural) + curation")
    gen.add_argument("--out", required=True, help="memory directory to write")
    gen.add_argument("--name", default=None, help="memory name [directory name]")
    gen.add_argument("--version", default="1")
    gen.add_argument("--procedural", action="store_true", help="compose from the taxonomy")
    gen.add_argument("--llm", default=None, help="LLM backend: transformers, vllm, openai, fake")
    gen.add_argument("--model", default=None, help="LLM model (HF id, directory, .gguf file)")
    gen.add_argument("--base-url", default=None, help="OpenAI-compatible server root")
    gen.add_argument(
        "--prompt",
        default=None,
        metavar="ID",
        help="prompt template id, id@version or path [memory/captions]",
    )
    gen.add_argument("--per-request", type=int, default=5, help="captions per request")
    gen.add_argument("--normal-requests", type=int, default=4, help="per scene")
    gen.add_argument("--anomalous-requests", type=int, default=6, help="per category")
    gen.add_argument("--scene", action="append", default=[], help="only this scene id (repeatable)")
    gen.add_argument(
        "--category",
        action="append",
        default=[],
        help="only this anomaly category (repeatable; then no normal captions)",
    )
    gen.add_argument("--near-dup", type=float, default=0.95, help="cosine threshold")
    gen.add_argument("--no-dedup-embed", action="store_true", help="skip near-dup removal")
    gen.add_argument("--max-per-category", type=int, default=None)
    gen.add_argument("--seed", type=int, default=0)
    add_config_options(gen)
    gen.set_defaults(func=run_generate)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _name(args) -> str:
    if args.name:
        return args.name
    from zsvad.cli.common import config_from_args

    return config_from_args(args).memory.name


def run_ls(args: argparse.Namespace) -> int:
    from zsvad.memory.store import list_memories, memory_root

    for name in list_memories():
        mdir = memory_root() / name
        manifest = {}
        if (mdir / "manifest.json").is_file():
            manifest = json.loads((mdir / "manifest.json").read_text(encoding="utf-8"))
        c = manifest.get("counts", {})
        total = c.get("total", c.get("normal", 0) + c.get("anomalous", 0))
        print(
            f"{name:16} v{manifest.get('version', '?'):6} {total:>7} captions  "
            f"{manifest.get('description', '')[:70]}"
        )
    return 0


def run_info(args: argparse.Namespace) -> int:
    from zsvad.memory.store import load_memory

    mem = load_memory(_name(args))
    if args.json:
        print(json.dumps(mem.manifest, indent=1))
        return 0
    m = mem.manifest
    c = m.get("counts", {})
    print(f"memory {mem.name} v{mem.version} at {mem.path}")
    print(
        f"content hash {mem.content_hash}; {len(mem.entries)} captions "
        f"({sum(e.label == 'normal' for e in mem.entries)} normal, "
        f"{sum(e.label == 'anomalous' for e in mem.entries)} anomalous)"
    )
    gen = m.get("generator", {})
    print(f"generator: {gen.get('method', '?')}")
    if c.get("scenes"):
        print(
            f"scenes: {len(c['scenes'])}; anomaly categories: "
            f"{len(c.get('anomaly_categories', {}))}"
        )
        cats = ", ".join(f"{k} {v}" for k, v in c.get("anomaly_categories", {}).items())
        print(f"per category: {cats}")
    for key, value in m.get("tuned_on_dev", {}).items():
        print(f"tuned on dev: {key} = {value}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from zsvad.cli.common import config_from_args
    from zsvad.memory.validate import validate_memory

    r = validate_memory(
        _name(args),
        min_captions=args.min_captions,
        min_scenes=args.min_scenes,
        min_categories=args.min_categories,
    )
    c = r.counts
    print(
        f"{r.path}: {c['total']} captions ({c['unique_texts']} unique), {c['normal']} normal, "
        f"{c['anomalous']} anomalous, {len(c['scenes'])} scenes, "
        f"{len(c['anomaly_categories'])} anomaly categories"
    )
    for note in r.notes:
        print(f"note: {note}")
    problems = list(r.problems)
    if not args.name or not Path(args.name).is_file():  # a memory: also the config's extra files
        from zsvad.memory.validate import validate_file

        for extra in config_from_args(args).memory.extra_files:
            try:  # one bad file is reported, the others still checked
                x = validate_file(Path(extra), extra=True)
            except InputError as exc:
                problems.append(str(exc))
                continue
            print(f"extra file {extra}: {x.counts['total']} captions")
            problems += x.problems
    for problem in problems:
        print(f"problem: {problem}")
    print("valid" if not problems else f"INVALID ({len(problems)} problem(s))")
    return 0 if not problems else 1


def run_generate(args: argparse.Namespace, tuned: dict | None = None) -> int:
    """``zsvad memory generate``; ``tuned``: values chosen on a dev set, for the manifest."""

    from zsvad.backends.build import build
    from zsvad.cli.common import config_from_args
    from zsvad.config.judge import JudgeConfig
    from zsvad.memory.generate import GenerationPlan
    from zsvad.memory.produce import EmptyMemory
    from zsvad.memory.validate import validate_memory
    from zsvad.pipeline.core import Pipeline

    if bool(args.procedural) == bool(args.llm):
        raise ConfigError("give exactly one of --procedural or --llm BACKEND")
    if args.prompt and not args.llm:
        raise ConfigError("--prompt goes with --llm (procedural memories use no prompt)")
    _check_ids(args.scene, args.category)
    cfg = config_from_args(args)
    embedder = None if args.no_dedup_embed else Pipeline(cfg).text_embedder
    llm = plan = None
    if args.llm:
        given = {"model": args.model, "base_url": args.base_url}
        section = JudgeConfig(backend=args.llm, **{k: v for k, v in given.items() if v})
        llm = build("llm", section)  # --model and --base-url as judge.model and .base_url
        plan = GenerationPlan(
            per_request=args.per_request,
            normal_requests_per_scene=args.normal_requests,
            anomalous_requests_per_category=args.anomalous_requests,
            scenes=tuple(args.scene),
            categories=tuple(args.category),
            seed=args.seed,
        )
    try:
        path, report, stats = _produce(args, embedder, llm, plan, tuned)
    except EmptyMemory as exc:
        _print_rejected(exc.stats)
        print(f"zsvad: error: {exc}", file=sys.stderr)
        return 1
    _print_rejected(stats)
    print(f"wrote {path}: {report.summary()}")
    problems = validate_memory(str(path)).problems
    if args.category:
        lone = [p for p in problems if p.endswith("no 'normal' captions")]  # asked for
        problems = [p for p in problems if p not in lone]
        if lone:
            print("note: anomalous captions only (--category): use them as memory.extra_files")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if problems:
        print(f"zsvad: error: the memory written to {path} is invalid", file=sys.stderr)
    return 1 if problems else 0


def _produce(args, embedder, llm, plan, tuned):
    from pathlib import Path

    from zsvad.memory.compose import ComposeSpec
    from zsvad.memory.curate import CurationSpec
    from zsvad.memory.produce import produce_memory

    path, report = produce_memory(
        args.out,
        name=args.name or Path(args.out).name,
        version=args.version,
        embedder=embedder,
        curation=CurationSpec(
            near_dup_threshold=args.near_dup,
            max_per_category=args.max_per_category,
            seed=args.seed,
        ),
        llm=llm,
        plan=plan,
        compose_spec=ComposeSpec(
            seed=args.seed, scenes=tuple(args.scene), categories=tuple(args.category)
        ),
        tuned=tuned,
        prompt_ref=args.prompt,
    )
    manifest = json.loads((Path(path) / "manifest.json").read_text())
    return path, report, manifest["generator"].get("stats", {})


def _check_ids(scenes: list[str], categories: list[str]) -> None:
    from zsvad.memory.taxonomy import load_taxonomy

    tax = load_taxonomy()
    for kind, given, known in (
        ("scene", scenes, [s.id for s in tax.scenes]),
        ("category", categories, [c.id for c in tax.categories]),
    ):
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigError(
                f"unknown --{kind} {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )


def _print_rejected(stats: dict) -> None:
    """The rejected answers of an LLM run, by reason, with a few examples each."""
    for reason, n in sorted(stats.get("rejected", {}).items(), key=lambda kv: -kv[1]):
        print(f"rejected {n}: {reason}", file=sys.stderr)
        for text in stats.get("rejected_samples", {}).get(reason, []):
            print(f"    {text}", file=sys.stderr)
