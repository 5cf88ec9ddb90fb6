"""Caption-embedding throughput of each text-embedder variant, as a ratio to fp32 in one run.

    .venv/bin/python scripts/bench_captions.py [--n 3000] [--variants LIST] [--auc] [--no-loop]

A variant is ``backend:dtype`` of the ``embedder`` config section (default list: every backend
zsvad has). For each: captions/s on the first N dense dev captions (ucf_vl3_dev) and on all
human dev captions (ucf_uca_dev), the ratio to the fp32 sentence-transformers baseline timed in
the same run (always timed first), the mean cosine to fp32 and the top-10 neighbour agreement
with fp32 over the starter memory. It also times today's loop against the old one (embed per
video vs once per file) unless ``--no-loop``. ``--auc`` adds each variant's frame AUC / AP on
both full dev sets with the default config otherwise (the query cache makes repeats cheap; a new
variant embeds the 25k-caption memory and 21k distinct dense captions once: minutes).
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

from zsvad import registry
from zsvad.backends.text_embedder_st import SentenceTransformerEmbedder
from zsvad.config.load import load_config
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


def _timed(embedder, texts) -> tuple[np.ndarray, float]:
    embedder.embed_texts(texts[:64])  # warm-up
    t0 = time.perf_counter()
    vecs = embedder.embed_texts(texts)
    return vecs, time.perf_counter() - t0


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
    base: dict[str, tuple[np.ndarray, float]] = {}
    base_mem = None
    variants = [BASE] + [v for v in args.variants.split(",") if v != BASE]
    for variant in variants:
        backend, dtype = variant.split(":")
        t0 = time.perf_counter()
        emb = registry.create("text_embedder", backend, model=MODEL, dtype=dtype)
        load = time.perf_counter() - t0
        mem = emb.embed_texts(memory)
        row = [f"{emb.info.backend:30s} load {load:5.1f} s"]
        for label, texts in (("dense", dense), ("human", human)):
            vecs, dt = _timed(emb, texts)
            if variant == BASE:
                base[label] = (vecs, dt)
            ref, ref_dt = base[label]
            top = np.argsort(-(vecs @ mem.T), axis=1)[:, :10]
            base_mem = mem if base_mem is None else base_mem
            ref_top = np.argsort(-(ref @ base_mem.T), axis=1)[:, :10]
            agree = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top, ref_top)])
            cos = float((vecs * ref).sum(axis=1).mean())
            row.append(
                f"{label}: {len(texts) / dt:7.1f} captions/s ({ref_dt / dt:4.2f}x fp32, "
                f"cos {cos:.4f}, top-10 agreement {agree:.3f})"
            )
        if args.auc:
            row.append("UCA " + _auc(variant, "ucf_uca_dev", "Temporal_Anomaly_Annotation.txt"))
            row.append("VL3 " + _auc(variant, "ucf_vl3_dev", "annotations.txt"))
        print("  ".join(row), flush=True)
        del emb
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
