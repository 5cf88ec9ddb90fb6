"""Dev benchmark of the caption half: score the UCA dev captions, print frame AUC / AP and speed.

    .venv/bin/python scripts/bench_dev.py [--set KEY=VALUE ...] [--profile NAME]

Reads ../shared/data/ucf_uca_dev/ (or --data DIR). Figures: frame ROC-AUC / AP over all videos
concatenated (zsvad eval), captions scored per second (model loading and index building are
timed separately), and the floor a 26-sentence hand-written memory reaches (69.7 AUC).
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

from zsvad.configure import load_config
from zsvad.eval.metrics import evaluate
from zsvad.io.captions import read_captions
from zsvad.pipeline.captions import score_video_captions
from zsvad.pipeline.core import Pipeline

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ucf_uca_dev"))
    ap.add_argument("--profile", default="default")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    args = ap.parse_args()
    data = Path(args.data)
    cfg = load_config(args.profile, overrides=args.overrides)
    captions = read_captions(data / "captions.jsonl")
    videos = list(captions.videos.values())
    n_caps = sum(len(v.captions) for v in videos)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ZSVAD_CACHE"] = cache  # cold start: index built from scratch
        pipe = Pipeline(cfg)
        t0 = time.perf_counter()
        _ = pipe.text_embedder
        t1 = time.perf_counter()
        _ = pipe.retriever
        t2 = time.perf_counter()
        results = [score_video_captions(pipe, v) for v in videos]
        t3 = time.perf_counter()
    report = evaluate(data / "Temporal_Anomaly_Annotation.txt", results)
    mem = pipe.memory
    print(
        f"config: profile={cfg.profile} memory={mem.name} v{mem.version} ({len(mem.entries)} "
        f"captions) embedder={cfg.embedder.model} rule={cfg.retrieval.rule} k={cfg.retrieval.k}"
        f" sigma={cfg.temporal.smoothing_sigma_s}s overrides={args.overrides}"
    )
    print(f"videos={report.videos} frames={report.frames} captions={n_caps}")
    print(
        f"frame AUC = {report.auc:.2f}  AP = {report.ap:.2f}  AUC(abnormal videos) = "
        f"{report.auc_abnormal:.2f}   (floor: 69.7 AUC, 26-sentence hand-written memory)"
    )
    print(
        f"model load {t1 - t0:.1f} s, index build {t2 - t1:.1f} s, scoring {t3 - t2:.1f} s = "
        f"{n_caps / (t3 - t2):.1f} captions/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
