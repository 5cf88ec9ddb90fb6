"""Check that a memory holds no benchmark caption: exact and nearest-neighbour overlap.

    .venv/bin/python scripts/check_memory_overlap.py [--memory NAME|DIR] [--captions FILE]

Splits every benchmark caption (default: the UCA dev captions) into sentences, then prints how
many sentences occur verbatim in the memory (after lower-casing and dropping punctuation) and
the distribution of each sentence's highest cosine similarity (MiniLM) to a memory caption,
with the closest pairs, so a copied or paraphrased caption would stand out (cosine near 1).
The memory's audio section (``memory/<name>/audio``), when it has one, is checked the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from zsvad.configure import load_config
from zsvad.errors import InputError
from zsvad.memory.audio import load_audio_memory
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.pipeline.core import Pipeline

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "ucf_uca_dev" / "captions.jsonl"


def _norm(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def report(what: str, memory: list[str], sents: list[str], embedder, query, show: int) -> None:
    """Verbatim overlap and nearest-caption cosine of ``sents`` against ``memory``."""
    exact = set(map(_norm, memory))
    verbatim = [s for s in sents if _norm(s) in exact]
    mem_vecs = np.asarray(embedder.embed_texts(memory), dtype=np.float32)
    best = np.empty(len(sents), dtype=np.float32)
    nearest = np.empty(len(sents), dtype=np.int64)
    for start in range(0, len(sents), 256):
        sims = query[start : start + 256] @ mem_vecs.T
        best[start : start + 256] = sims.max(1)
        nearest[start : start + 256] = sims.argmax(1)
    print(f"{what}: {len(memory)} captions; benchmark: {len(sents)} sentences")
    print(f"verbatim in memory: {len(verbatim)}")
    q = np.percentile(best, [50, 90, 99])
    print(
        f"nearest-caption cosine: median {q[0]:.3f}, p90 {q[1]:.3f}, p99 {q[2]:.3f}, "
        f"max {best.max():.3f}; >= 0.9: {(best >= 0.9).sum()}, >= 0.95: {(best >= 0.95).sum()}"
    )
    for i in np.argsort(-best)[:show]:
        print(f"  {best[i]:.3f}  {sents[i]!r}  ~  {memory[nearest[i]]!r}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memory", default=None, help="memory name or directory (default: config)")
    ap.add_argument("--captions", default=str(DEV), help="benchmark captions JSONL")
    ap.add_argument("--show", type=int, default=8, help="closest pairs to print")
    args = ap.parse_args()
    overrides = [f"memory.name={args.memory}"] if args.memory else []
    pipe = Pipeline(load_config("default", overrides=overrides))
    with open(args.captions) as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    sents = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]
    embedder = CachedEmbedder(pipe.text_embedder)  # memory vectors are shared with the index
    query = np.asarray(pipe.text_embedder.embed_texts(sents), dtype=np.float32)
    memory = [e.text for e in pipe.memory.entries]
    report(f"memory {pipe.memory.name}", memory, sents, embedder, query, args.show)
    try:  # the memory's audio section, when it has one (docs/audio.md)
        audio = load_audio_memory(pipe.config.memory.name)
    except InputError:
        return 0
    print()
    report(
        f"audio section {audio.name}",
        [e.text for e in audio.entries],
        sents,
        embedder,
        query,
        args.show,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
