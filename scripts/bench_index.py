"""Retrieval latency per query (p50 / p95) and recall@10 against exact search, for the shipped
memory and for a synthetic 1,000,000-caption memory, with the automatic index type.

    PYTHONPATH=. .venv/bin/python scripts/bench_index.py [--size 1000000] [--ef 32,64,128]

The synthetic memory is NOT text: it is the shipped memory's MiniLM vectors repeated with
Gaussian noise (each vector = a real caption vector + noise, renormalised, cosine ~0.85 to its
origin), so it keeps the cluster structure of real caption embeddings; queries are fresh noisy
copies of random memory vectors. Pure random unit vectors would have no neighbours worth the
name (every cosine ~0), which is not how captions behave. A query searches both label indexes
(normal and anomalous) like the Retriever does, with ``retrieval.k`` neighbours each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from zsvad.backends.build import build
from zsvad.configure import load_config
from zsvad.extras import require
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import EF_CONSTRUCTION, HNSW_M, _new_index, choose_index_type
from zsvad.memory.store import load_memory


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def noisy(base: np.ndarray, n: int, sigma: float, rng) -> np.ndarray:
    idx = rng.integers(0, len(base), n)
    return unit(base[idx] + rng.standard_normal((n, base.shape[1]), dtype=np.float32) * sigma)


def bench(name, halves, queries, cfg, k, efs, faiss) -> None:
    size = sum(len(h) for h in halves)
    kind = choose_index_type(cfg, size)
    exact = []
    for h in halves:
        flat = faiss.IndexFlatIP(h.shape[1])
        flat.add(h)
        exact.append(flat)
    truth = top10(exact, queries)
    print(f"\n{name}: {size} vectors, dim {queries.shape[1]}, auto index type = {kind}, k = {k}")
    kinds = [("flat", exact, [None])]
    if kind == "hnsw" or size <= 100_000:
        t0 = time.perf_counter()
        hnsw = []
        for h in halves:
            idx = _new_index(faiss, h.shape[1], "hnsw")
            idx.add(h)
            hnsw.append(idx)
        build_s = time.perf_counter() - t0
        print(f"HNSW build (M={HNSW_M}, efConstruction={EF_CONSTRUCTION}): {build_s:.0f} s")
        kinds.append(("hnsw", hnsw, efs))
    print(f"{'index':6} {'efSearch':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9}")
    for label, indexes, settings in kinds:
        for ef in settings:
            for idx in indexes:
                if ef is not None:
                    idx.hnsw.efSearch = ef
            lat = []
            found = []
            for q in queries:
                q1 = q[None, :]
                t0 = time.perf_counter()
                res = [idx.search(q1, k) for idx in indexes]
                lat.append((time.perf_counter() - t0) * 1000)
                found.append(merge10(res))
            rec = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
            p50, p95 = np.percentile(lat, [50, 95])
            print(f"{label:6} {ef or '-':>8} {p50:8.3f} {p95:8.3f} {rec:9.3f}", flush=True)


def merge10(res) -> list[tuple[int, int]]:
    cands = []
    for h, (s, i) in enumerate(res):
        cands += [(float(a), h, int(b)) for a, b in zip(s[0], i[0]) if b >= 0]
    cands.sort(reverse=True)
    return [(h, i) for _, h, i in cands[:10]]


def top10(indexes, queries) -> list[list[tuple[int, int]]]:
    res = [idx.search(queries, 10) for idx in indexes]
    out = []
    for q in range(len(queries)):
        out.append(merge10([(s[q : q + 1], i[q : q + 1]) for s, i in res]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000, help="synthetic memory size")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--ef", default="32,64,128")
    ap.add_argument("--sigma", type=float, default=0.03, help="noise per dimension")
    args = ap.parse_args()
    faiss = require("faiss", "the index benchmark")
    cfg = load_config()
    emb = CachedEmbedder(build("text_embedder", cfg.embedder))
    mem = load_memory(cfg.memory.name)
    halves = [emb.embed_texts(mem.texts(lab)) for lab in ("normal", "anomalous")]
    base = np.concatenate(halves)
    rng = np.random.default_rng(0)
    efs = [int(x) for x in args.ef.split(",")]
    k = cfg.retrieval.k
    print(
        f"faiss {faiss.__version__}, threads {faiss.omp_get_max_threads()}, "
        f"hnsw_threshold {cfg.memory.hnsw_threshold}"
    )
    bench(
        f"shipped memory '{mem.name}'",
        halves,
        noisy(base, args.queries, args.sigma, rng),
        cfg.memory,
        k,
        efs,
        faiss,
    )
    t0 = time.perf_counter()
    synth = [noisy(base, args.size // 2, args.sigma, rng) for _ in range(2)]
    print(f"\nsynthetic vectors made in {time.perf_counter() - t0:.0f} s")
    bench(
        "synthetic memory",
        synth,
        noisy(base, args.queries, args.sigma, rng),
        cfg.memory,
        k,
        efs,
        faiss,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
