"""``zsvad prompts``: list, show, validate and render prompt templates."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "prompts",
        help="list / show / validate / render prompt templates",
        description="Prompt templates are versioned YAML files under prompts/ (see docs/judge.md).",
    )
    ps = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    ls = ps.add_parser("ls", help="list the templates (id, version, output type, file)")
    ls.add_argument("--dir", help="folder to list instead of the bundled prompts/")
    ls.set_defaults(func=run_ls)
    show = ps.add_parser("show", help="print a template (by id, id@version or path)")
    show.add_argument("id")
    show.set_defaults(func=run_show)
    val = ps.add_parser("validate", help="validate a template file or every template in a folder")
    val.add_argument("path", nargs="?", help="file or folder [bundled prompts/]")
    val.set_defaults(func=run_validate)
    ren = ps.add_parser(
        "render", help="render a template for windows of a captions file (no model is run)"
    )
    ren.add_argument("id", help="template id, id@version or path")
    ren.add_argument("--captions", required=True, metavar="FILE.jsonl", help="timed captions")
    ren.add_argument("--video", help="video id [the first in the file]")
    ren.add_argument("--window", type=int, default=0, help="index of the window [0]")
    ren.add_argument(
        "--neighbours", action="store_true", help="retrieve memory neighbours (loads the embedder)"
    )
    add_config_options(ren)
    ren.set_defaults(func=run_render)


def run_ls(args: argparse.Namespace) -> int:
    from zsvad.prompts.loader import find_prompts, prompts_root

    root = args.dir or prompts_root()
    index = find_prompts(root)
    print(f"{'id':24} {'version':>7}  {'output':8} file")
    for pid in sorted(index.by_id):
        for t, path in index.by_id[pid]:
            print(f"{pid:24} {t.version:>7}  {t.output.type:8} {path}")
    for err in index.errors.values():
        print(f"zsvad: error: {err}", file=sys.stderr)
    return 1 if index.errors else 0


def run_show(args: argparse.Namespace) -> int:
    from zsvad.prompts.loader import resolve_prompt

    template, path = resolve_prompt(args.id)
    print(f"# {path} (id {template.id}, version {template.version}, valid)")
    print(path.read_text(encoding="utf-8").rstrip())
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from zsvad.prompts.loader import validate_path

    ok, errors = validate_path(args.path)
    for path in ok:
        print(f"ok  {path}")
    for err in errors.values():
        print(f"zsvad: error: {err}", file=sys.stderr)
    print(f"{len(ok)} valid, {len(errors)} invalid")
    return 1 if errors or not ok else 0


def run_render(args: argparse.Namespace) -> int:
    from zsvad.cli.common import config_from_args
    from zsvad.errors import InputError
    from zsvad.io.captions import read_captions
    from zsvad.judge.context import window_variables
    from zsvad.prompts.loader import load_prompt
    from zsvad.prompts.render import render_prompt

    cfg = config_from_args(args)
    captions = read_captions(args.captions)
    if not captions.videos:
        raise InputError("no valid video in the captions file", source=args.captions)
    vid = args.video or next(iter(captions.videos))
    if vid not in captions.videos:
        raise InputError(f"no video '{vid}' in the captions file", source=args.captions)
    video = captions.videos[vid]
    texts = [(c.start, c.end, c.text) for c in video.captions]
    if not 0 <= args.window < len(texts):
        raise InputError(f"video '{vid}' has {len(texts)} window(s); --window is {args.window}")
    evidence = []
    if args.neighbours:
        from zsvad.pipeline.core import Pipeline

        pipe = Pipeline(cfg)
        evidence = pipe.retriever.score_texts([texts[args.window][2]], pipe.text_embedder)[
            0
        ].evidence
    j = cfg.judge
    template = load_prompt(args.id)
    if "anomalies" in template.variable_names and not j.anomalies:
        print(
            "note: judge.anomalies is empty; set it with --set judge.anomalies=[...]",
            file=sys.stderr,
        )
    variables = window_variables(
        texts, args.window, j.span, evidence, j.neighbours, j.anomalies, "<summary>"
    )
    rendered = render_prompt(template, variables)
    print(f"# {template.id} v{template.version} — video {vid}, window {args.window}")
    if rendered.system:
        print("## system")
        print(rendered.system)
    print("## user")
    print(rendered.user)
    return 0
