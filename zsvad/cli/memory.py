"""``zsvad memory ls | info | validate``: inspect and check caption memories."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("memory", help="list, describe and validate caption memories")
    msub = p.add_subparsers(dest="memory_command", metavar="ACTION", required=True)
    msub.add_parser("ls", help="bundled memories").set_defaults(func=run_ls)
    for name, func, text in (
        ("info", run_info, "manifest and counts of a memory"),
        ("validate", run_validate, "check a memory; exit 1 on problems"),
    ):
        q = msub.add_parser(name, help=text)
        q.add_argument("memory", nargs="?", default="generic", help="name or directory")
        q.add_argument(
            "--extra",
            action="append",
            default=[],
            metavar="FILE.jsonl",
            help="user captions file added to the memory (repeatable)",
        )
        q.set_defaults(func=func)


def run_ls(args: argparse.Namespace) -> int:
    from zsvad.memory.store import list_memories, load_memory

    for name in list_memories():
        mem = load_memory(name)
        desc = mem.manifest.get("description", "")
        print(f"{name:12} v{mem.version:4} {len(mem.entries):8d} captions  {desc[:70]}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from zsvad.memory.store import load_memory
    from zsvad.memory.validate import check_memory

    mem = load_memory(args.memory, args.extra)
    report = check_memory(mem)
    print(f"memory {mem.name} v{mem.version} at {mem.path} (content hash {mem.content_hash})")
    print(f"captions: {len(mem.entries)} = {dict(report.counts['label'])}")
    print(
        f"anomaly categories: {len(report.counts['category'])}, scenes: "
        f"{len(report.counts['scene'])}"
    )
    if mem.manifest.get("generator"):
        print("generator: " + json.dumps(mem.manifest["generator"]))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from zsvad.memory.store import load_memory
    from zsvad.memory.validate import check_memory

    mem = load_memory(args.memory, args.extra)  # schema errors raise with file:line
    report = check_memory(mem)
    c = report.counts
    print(
        f"{mem.name}: {len(mem.entries)} captions ({c['label']['normal']} normal, "
        f"{c['label']['anomalous']} anomalous), {len(c['category'])} anomaly categories, "
        f"{len(c['scene'])} scenes"
    )
    for problem in report.problems:
        print(f"zsvad: memory {mem.name}: {problem}")
    print("valid" if not report.problems else f"{len(report.problems)} problem(s)")
    return 1 if report.problems else 0
