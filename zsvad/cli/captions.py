"""``zsvad captions import``: captions of other systems (URF, VADTree, LAVAD) → captions JSONL."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("captions", help="import captions written by other systems")
    csub = p.add_subparsers(dest="captions_command", metavar="ACTION")
    imp = csub.add_parser(
        "import",
        help="per-video JSON captions keyed by frame index (URF/VADTree, LAVAD) → JSONL",
        description="Convert a folder of <video>.json caption files keyed by frame index into "
        "zsvad's timed-captions JSONL (the input of zsvad score --captions). urf: "
        '{"0": "caption", "16": …}; lavad: the same, or LAVAD\'s cleaned {"0": {"3": '
        '"caption", …}, …}. A caption covers frames from its key to the next key.',
    )
    imp.add_argument("directory", metavar="DIR", help="folder of <video>.json files")
    imp.add_argument("--format", required=True, choices=("urf", "lavad"))
    imp.add_argument(
        "--fps", required=True, type=float, help="frame rate of the videos (a finite number)"
    )
    imp.add_argument("--out", required=True, metavar="FILE.jsonl", help="captions file to write")
    imp.add_argument(
        "--list",
        metavar="test.txt",
        dest="test_list",
        help="LAVAD/URF test list (name start end label): frame counts of the videos "
        "(default: last key + the usual step)",
    )
    imp.set_defaults(func=run_import)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_import(args: argparse.Namespace) -> int:
    from zsvad.atomic import atomic_write_text
    from zsvad.io.captions import read_captions
    from zsvad.io.captions_import import import_captions

    got = import_captions(args.directory, args.format, args.fps, args.test_list)
    for skipped in got.skipped:
        print(f"zsvad: warning: {skipped}", file=sys.stderr)
    for err in got.errors:
        print(f"zsvad: error: {err}", file=sys.stderr)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got.rows)
    path = atomic_write_text(args.out, text)
    check = read_captions(path)  # what zsvad score will read
    for vid, err in check.errors.items():
        print(f"zsvad: warning: {vid}: {err}", file=sys.stderr)
    print(f"wrote {len(got.rows)} caption(s) of {len(check.videos)} video(s) to {path}")
    if got.errors:
        print(f"{len(got.errors)} file(s) failed (see above)", file=sys.stderr)
    return 1 if check.errors or got.errors else 0
