"""Write the audio section of a memory from the audio taxonomy (procedural, reproducible).

    # the shipped memory/surveillance/audio (same taxonomy + seed -> same captions)
    PYTHONPATH=. .venv/bin/python scripts/generate_audio_memory.py --out memory/surveillance/audio

No model is involved; see zsvad/memory/audio.py and docs/audio.md.
"""

from __future__ import annotations

import argparse
import sys

from zsvad.memory.audio import produce_audio_memory


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder to write (e.g. memory/NAME/audio)")
    ap.add_argument("--name", default="surveillance", help="name of the memory it belongs to")
    ap.add_argument("--version", default="1")
    ap.add_argument("--per-category", type=int, default=120, help="candidates per category")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    path, report = produce_audio_memory(
        args.out,
        name=args.name,
        version=args.version,
        per_category=args.per_category,
        seed=args.seed,
    )
    print(f"{path}: {report.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
