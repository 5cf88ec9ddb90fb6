"""Grid search of retrieval / temporal settings on the dev captions (frame AUC / AP per setting).

    PYTHONPATH=. .venv/bin/python scripts/tune_retrieval.py --memory default \\
        --grid retrieval.k=5,10,20 --grid retrieval.alpha=0.9,1.0 [--set KEY=VALUE ...]

Caption and memory embeddings are cached (``$ZSVAD_CACHE/embeddings``), so after the first run
each setting costs only the scoring. Every value a default was tuned with here is recorded in
docs/memory.md and in the config docstrings: these figures are *dev* figures.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from zsvad.config.load import load_config
from zsvad.eval.metrics import evaluate
from zsvad.io.captions import read_captions
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import build_indexes
from zsvad.memory.retrieval import Retriever
from zsvad.paths import cache_dir
from zsvad.pipeline.captions import score_video_captions
from zsvad.pipeline.core import Pipeline

ROOT = Path(__file__).resolve().parents[1]


def parse_grid(items: list[str]) -> list[tuple[str, list[str]]]:
    out = []
    for item in items:
        key, _, values = item.partition("=")
        out.append((key, values.split(",")))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ucf_uca_dev"))
    ap.add_argument("--memory", default=None, help="memory name or directory")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    ap.add_argument("--grid", action="append", default=[], help="KEY=V1,V2,... (repeatable)")
    args = ap.parse_args()
    data = Path(args.data)
    base = list(args.overrides) + ([f"memory.name={args.memory}"] if args.memory else [])
    captions = read_captions(data / "captions.jsonl")
    videos = list(captions.videos.values())
    grid = parse_grid(args.grid)
    pipe0 = Pipeline(load_config("default", overrides=base))
    raw = pipe0.text_embedder
    queries = CachedEmbedder(raw, cache_dir("embeddings") / "queries")
    memory_embedder = CachedEmbedder(raw)
    indexes: dict[str, dict] = {}
    keys = [k for k, _ in grid]
    print(f"memory={pipe0.memory.name} ({len(pipe0.memory.entries)} captions) base={base}")
    print(" ".join(f"{k.split('.')[-1]:>12}" for k in keys) + "      AUC      AP  AUC-abn")
    for values in itertools.product(*[v for _, v in grid]):
        overrides = base + [f"{k}={v}" for k, v in zip(keys, values)]
        cfg = load_config("default", overrides=overrides)
        pipe = Pipeline(cfg, text_embedder=queries)
        pipe.__dict__["memory"] = pipe0.memory
        prefix_key = repr(sorted(cfg.retrieval.label_prefix.items()))
        if prefix_key not in indexes:
            indexes[prefix_key] = build_indexes(
                pipe0.memory, memory_embedder, "flat", None, cfg.retrieval.label_prefix
            )
        pipe.__dict__["retriever"] = Retriever(indexes[prefix_key], cfg.retrieval)
        results = [score_video_captions(pipe, v) for v in videos]
        rep = evaluate(data / "Temporal_Anomaly_Annotation.txt", results)
        cells = " ".join(f"{v:>12}" for v in values)
        print(f"{cells}  {rep.auc:7.2f} {rep.ap:7.2f} {rep.auc_abnormal:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
