"""A/B of the default text embedder against another sentence-transformers model on a dev set.

    PYTHONPATH=. .venv/bin/python scripts/compare_embedders.py --model DIR [--dataset ucf_vl3_dev]

Both embed the same subsample (every ``--every``-th caption, ``--per-label`` memory captions of each
label, seed 0) and are scored alike: retrieval with the default rule, video residual 0 / 0.5,
temperature 0.1 / 0.05, Gaussian σ 5 s, no events; frame AUC / AP on all videos and the 5-fold mean.
``DIR`` is a local model folder (no model hub here): e.g. all-mpnet-base-v2 assembled from its PyPI
split-archive packages. Embedding 7k dense captions with a 110M model takes ~25 min on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from explore_captions import Bench


def subsample(b: Bench, every: int) -> tuple[Bench, np.ndarray]:
    """A view of ``b`` holding every ``every``-th caption of the dev set, and their rows."""
    rows, videos, off = [], [], [0]
    for i, v in enumerate(b.videos):
        take = [r for r in range(b.off[i], b.off[i + 1]) if r % every == 0]
        rows += take
        sub = copy.copy(v)
        sub.captions = [v.captions[r - b.off[i]] for r in take]
        videos.append(sub)
        off.append(off[-1] + len(take))
    view = copy.copy(b)
    view.videos, view.off = videos, np.array(off)
    return view, np.array(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="local sentence-transformers model folder")
    ap.add_argument("--dataset", default="ucf_vl3_dev")
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--per-label", type=int, default=3000)
    ap.add_argument("--cache", type=Path, help="keep the other model's embeddings in this .npz")
    args = ap.parse_args()
    from sentence_transformers import SentenceTransformer

    b = Bench(args.dataset)
    view, rows = subsample(b, args.every)
    rng = np.random.default_rng(0)
    picks = [rng.choice(np.flatnonzero(b.lab == f), args.per_label, replace=False) for f in (1, 0)]
    mem = np.sort(np.concatenate(picks))
    cached = np.load(args.cache) if args.cache and args.cache.exists() else None
    if cached is not None and np.array_equal(cached["mem_idx"], mem) \
            and np.array_equal(cached["cap_idx"], rows):  # fmt: skip
        Q, M = cached["Q"], cached["M"]
    else:
        other = SentenceTransformer(args.model, device="cpu")

        def encode(texts: list[str]) -> np.ndarray:
            return other.encode(texts, batch_size=64, normalize_embeddings=True)

        M = encode([b.entries[i].text for i in mem])
        Q = encode([c.text for v in view.videos for c in v.captions])
        if args.cache:
            np.savez(args.cache, Q=Q, M=M, mem_idx=mem, cap_idx=rows)
    spaces = {
        "default": (b.Q[rows], b.M[mem]),
        Path(args.model).name: (Q.astype(np.float32), M.astype(np.float32)),
    }
    for name, (Q, M) in spaces.items():
        for share in (0.0, 0.5):
            for t in (0.1, 0.05):
                view.cfg = b.cfg.model_copy(deep=True)
                view.cfg.retrieval.temperature = t
                s = view.retrieve(view.residual(Q, share), M, b.lab[mem])
                print(f"{name:24s} residual {share} T {t}: {view.figures(view.frames(s))}",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
