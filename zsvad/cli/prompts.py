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
        "render",
        help="render the judge's request for a window of a captions file, exactly as "
        "'zsvad score' does (defaults, judge.vars, --set); no LLM is asked",
    )
    ren.add_argument("id", help="template id, id@version or path")
    ren.add_argument("--captions", required=True, metavar="FILE.jsonl", help="timed captions")
    ren.add_argument("--video", help="video id [the first in the file]")
    ren.add_argument("--window", type=int, default=0, help="index of the window [0]")
    ren.add_argument(
        "--neighbours",
        action="store_true",
        help="run retrieval even when the template does not use neighbours (loads the "
        "embedder; done anyway for templates using neighbours and for events.judge: events)",
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
    from zsvad.errors import ConfigError, InputError
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.preview import render_window
    from zsvad.prompts.loader import load_prompt

    cfg = config_from_args(args)
    template = load_prompt(args.id)
    if template.id.startswith("memory/"):
        raise ConfigError(
            f"prompt '{template.id}' is rendered by 'zsvad memory generate', not the judge"
        )
    if template.output.type == "text":  # a summary step: previewed before the default prompt
        cfg.judge.summary_prompt = args.id
    else:
        cfg.judge.prompt = args.id
    captions = read_captions(args.captions)
    if not captions.videos:
        raise InputError("no valid video in the captions file", source=args.captions)
    vid = args.video or next(iter(captions.videos))
    if vid not in captions.videos:
        raise InputError(f"no video '{vid}' in the captions file", source=args.captions)
    shown = render_window(cfg, captions.videos[vid], args.window, args.neighbours)
    note = "retrieval ran" if shown.retrieved else "no retrieval (neighbours empty)"
    p = shown.prompt
    print(
        f"# {p.template.id} v{p.template.version} — video {vid}, window {args.window} "
        f"({shown.start:.1f}-{shown.end:.1f} s; {note})"
    )
    if shown.summary is not None:
        _print_messages(shown.summary, "summary step: ")
    _print_messages(p, "")
    return 0


def _print_messages(rendered, prefix: str) -> None:
    if rendered.system:
        print(f"## {prefix}system")
        print(rendered.system)
    print(f"## {prefix}user")
    print(rendered.user)
