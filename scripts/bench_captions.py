"""Caption-embedding throughput of each text-embedder variant, as a ratio to fp32 in one run.

    .venv/bin/python scripts/bench_captions.py [--n 3000] [--variants LIST] [--auc] [--no-loop]

A variant is ``backend:dtype`` of the ``embedder`` config section (default list: every backend
zsvad has). For each: captions/s on the first N dense dev captions (ucf_vl3_dev) and on all
human dev captions (ucf_uca_dev), the ratio to the fp32 sentence-transformers baseline timed in
the same run (median over chunks of 500 / 233 captions, each variant timed right after fp32 on
the same chunk, so that load from other jobs hits both alike), the mean cosine to fp32 and the
top-10 neighbour agreement with fp32 over the starter memory. It also times today's loop
against the old one (embed per video vs once per file) unless ``--no-loop``. ``--auc`` adds
each variant's frame AUC / AP on both full dev sets with the default config otherwise (the
query cache makes repeats cheap; a new variant embeds the 25k-caption memory and 21k distinct
dense captions once: minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from zsvad.backends.build import build
from zsvad.backends.text_embedder_st import SentenceTransformerEmbedder
from zsvad.config.memory import EmbedderConfig
from zsvad.configure import load_config
from zsvad.eval.metrics import evaluate
from zsvad.io.captions import read_captions
from zsvad.memory.store import load_memory
from zsvad.pipeline.captions import iter_scores
from zsvad.pipeline.core import Pipeline

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BASE = "sentence-transformers:float32"
VARIANTS = (
    f"{BASE},sentence-transformers:bfloat16,onnx:float32,onnx:int8,openvino:float32,"
    "openvino:bfloat16,static:float32"
)


def _overrides(variant: str) -> list[str]:
    backend, dtype = variant.split(":")
    return [f"embedder.backend={backend}", f"embedder.dtype={dtype}"]


def _texts(name: str, n: int | None) -> list[str]:
    videos = read_captions(DATA / name / "captions.jsonl").videos.values()
    texts = [c.text for v in videos for c in v.captions]
    return texts[:n] if n else texts


def _timed_rounds(embedders: dict, texts: list[str], chunk: int) -> dict[str, tuple]:
    """Embed ``texts`` chunk by chunk with every embedder in turn (fp32 first in each round),
    so that each variant is timed right beside fp32 on a shared, noisy machine. Returns
    variant -> (vectors, total seconds, per-chunk ratios to fp32)."""
    for emb in embedders.values():
        emb.embed_texts(texts[:64])  # warm-up
    parts: dict[str, list] = {v: [] for v in embedders}
    secs: dict[str, list[float]] = {v: [] for v in embedders}
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        for variant, emb in embedders.items():
            t0 = time.perf_counter()
            parts[variant].append(emb.embed_texts(part))
            secs[variant].append(time.perf_counter() - t0)
    base = np.array(secs[BASE])
    return {
        v: (np.concatenate(parts[v]), sum(secs[v]), base / np.array(secs[v])) for v in embedders
    }


def _auc(variant: str, name: str, ann: str) -> str:
    cfg = load_config(overrides=_overrides(variant))
    videos = list(read_captions(DATA / name / "captions.jsonl").videos.values())
    results = [r for _, r in iter_scores(Pipeline(cfg), videos)]
    rep = evaluate(DATA / name / ann, results)
    return f"AUC {rep.auc:.2f} AP {rep.ap:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="dense captions to time")
    ap.add_argument("--variants", default=VARIANTS, help="backend:dtype,... (fp32 always first)")
    ap.add_argument("--auc", action="store_true", help="also frame AUC / AP on both dev sets")
    ap.add_argument("--no-loop", action="store_true", help="skip the per-video loop timing")
    args = ap.parse_args()
    dense, human = _texts("ucf_vl3_dev", args.n), _texts("ucf_uca_dev", None)
    memory = [e.text for e in load_memory("starter").entries]
    print(
        f"texts: {len(dense)} dense (~{np.mean([len(t.split()) for t in dense]):.0f} words), "
        f"{len(human)} human; torch threads {__import__('torch').get_num_threads()}"
    )
    variants = [BASE] + [v for v in args.variants.split(",") if v != BASE]
    embedders, rows, mems = {}, {}, {}
    for variant in variants:
        backend, dtype = variant.split(":")
        t0 = time.perf_counter()
        section = EmbedderConfig(backend=backend, model=MODEL, dtype=dtype)
        embedders[variant] = build("text_embedder", section)
        rows[variant] = [
            f"{embedders[variant].info.backend:30s} load {time.perf_counter() - t0:5.1f} s"
        ]
        mems[variant] = embedders[variant].embed_texts(memory)
    for label, texts, chunk in (("dense", dense, 500), ("human", human, 233)):
        timed = _timed_rounds(embedders, texts, chunk)
        ref = timed[BASE][0]
        ref_top = np.argsort(-(ref @ mems[BASE].T), axis=1)[:, :10]
        for variant, (vecs, secs, ratios) in timed.items():
            top = np.argsort(-(vecs @ mems[variant].T), axis=1)[:, :10]
            agree = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top, ref_top)])
            same_space = vecs.shape == ref.shape  # static is PCA-reduced: another space
            cos = float((vecs * ref).sum(axis=1).mean()) if same_space else float("nan")
            rows[variant].append(
                f"{label}: {len(texts) / secs:7.1f} captions/s ({np.median(ratios):5.2f}x fp32, "
                f"chunks {ratios.min():.2f}-{ratios.max():.2f}; cos {cos:.4f}, "
                f"top-10 agreement {agree:.3f})"
            )
    for variant in variants:
        if args.auc:
            del embedders[variant]  # one model at a time in memory while scoring
            uca = _auc(variant, "ucf_uca_dev", "Temporal_Anomaly_Annotation.txt")
            rows[variant] += [
                "UCA " + uca,
                "VL3 " + _auc(variant, "ucf_vl3_dev", "annotations.txt"),
            ]
        print("  ".join(rows[variant]), flush=True)
    if args.no_loop:
        return 0

    # the scoring loop: per-video embedding (old) vs one pass over the file (now)
    emb = SentenceTransformerEmbedder(MODEL)
    videos = list(read_captions(DATA / "ucf_uca_dev" / "captions.jsonl").videos.values())
    t0 = time.perf_counter()
    for v in videos:
        emb.embed_texts([c.text for c in v.captions])
    per_video = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.embed_texts(list(dict.fromkeys(c.text for v in videos for c in v.captions)))
    once = time.perf_counter() - t0
    print(
        f"human dev captions, embedding per video {per_video:.2f} s vs once per file "
        f"{once:.2f} s ({per_video / once:.2f}x)"
    )
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ZSVAD_CACHE"] = cache
        cfg = load_config(overrides=["memory.name=starter"])
        for run in ("first", "re-score"):
            pipe = Pipeline(cfg, text_embedder=emb)
            _ = pipe.retriever
            t0 = time.perf_counter()
            list(iter_scores(pipe, videos))
            print(
                f"{run} scoring of the human dev captions (starter memory): "
                f"{time.perf_counter() - t0:.2f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
