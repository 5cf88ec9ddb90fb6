"""How to fuse retrieval with real LLM judgments: every rule tried for issue #25, on dev.

Reads a retrieval-only result folder of ``ucf_vl3_dev`` (default config) and that set's
per-caption Llama-3.1-8B judgments, re-fuses each video's windows under each rule, finishes it
with zsvad's own ``finish`` (events, Gaussian smoothing, frames) and prints frame AUC / AP on
all 141 videos and the mean over 5 folds by video (seed 0, zsvad tune's split), in %. No rule
reads ground truth; only the choice among them does (the table in docs/fusion.md).

    zsvad score --captions ../shared/data/ucf_vl3_dev/captions.jsonl --out runs/vl3
    PYTHONPATH=. .venv/bin/python scripts/explore_fusion.py --results runs/vl3 \
        [--judgments ../shared/data/ucf_vl3_dev/llm_scores] [--only min "min smooth3"]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from zsvad.configure import load_config
from zsvad.eval.datasets import dataset_annotations, load_dataset, shared_dir
from zsvad.fusion.rules import smooth_over_time
from zsvad.pipeline.finish import finish
from zsvad.results.io import read_results_dir
from zsvad.results.schema import Window
from zsvad.tune.folds import split_folds

Rule = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _cdf(ref: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    ref = np.sort(ref)
    return lambda x: np.searchsorted(ref, x, side="right") / len(ref)


def _pmean(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    a, b = np.clip(a, 1e-3, 1), np.clip(b, 1e-3, 1)
    return (0.5 * (a**p + b**p)) ** (1 / p)


def rules(all_r: np.ndarray, all_j: np.ndarray) -> dict[str, Rule]:
    """Rule name → f(retrieval, judge, window centres) of one video's windows."""
    cr, cj = _cdf(all_r), _cdf(all_j)

    def sm(x, t, s):
        return smooth_over_time(t, x, s)

    out: dict[str, Rule] = {
        "retrieval alone": lambda r, j, t: r,
        "judge alone": lambda r, j, t: j,
        "max": lambda r, j, t: np.maximum(r, j),
        "noisy-or": lambda r, j, t: 1 - (1 - r) * (1 - j),
        "geometric mean": lambda r, j, t: np.sqrt(r * j),
        "power mean p=-4": lambda r, j, t: _pmean(r, j, -4),
        "rank mean (quantiles over the set)": lambda r, j, t: 0.5 * (cr(r) + cj(j)),
        "rank min (quantiles over the set)": lambda r, j, t: np.minimum(cr(r), cj(j)),
        "min": lambda r, j, t: np.minimum(r, j),
    }
    for w in (0.3, 0.5, 0.7):
        out[f"weighted mean judge={w}"] = lambda r, j, t, w=w: (1 - w) * r + w * j
    for s in (1.0, 2.0, 3.0, 4.0, 6.0):
        out[f"min smooth{s:g}"] = lambda r, j, t, s=s: np.minimum(sm(r, t, s), sm(j, t, s))
    out["min, judge alone smoothed 3"] = lambda r, j, t: np.minimum(r, sm(j, t, 3.0))
    out["geometric mean smooth3"] = lambda r, j, t: np.sqrt(sm(r, t, 3.0) * sm(j, t, 3.0))
    out["power mean p=-8 smooth3"] = lambda r, j, t: _pmean(sm(r, t, 3.0), sm(j, t, 3.0), -8)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True, help="retrieval-only result folder")
    ap.add_argument("--judgments", help="llm_scores folder (default: the shared one)")
    ap.add_argument("--only", nargs="*", help="rule names to run")
    args = ap.parse_args()
    spec = load_dataset("ucf_vl3_dev")
    ann = dataset_annotations(spec)
    folder = Path(args.judgments or shared_dir() / "data/ucf_vl3_dev/llm_scores")
    cfg = load_config("default")
    results = {r.video_id: r for r in read_results_dir(args.results) if r.video_id in ann}
    vids = sorted(results)
    folds = split_folds({v: ann[v].abnormal for v in vids}, 5, 0)
    data = {}
    for v in vids:
        r = results[v]
        judged = {
            int(k): float(x) for k, x in json.loads((folder / f"{v}.json").read_text()).items()
        }
        ret = np.array([w.scores["retrieval"] for w in r.windows])
        jd = np.array([judged.get(round(w.start * r.fps), np.nan) for w in r.windows])
        jd = np.where(np.isfinite(jd), jd, ret)  # (every VL3 caption has its judgment)
        centres = np.array([(w.start + w.end) / 2 for w in r.windows])
        data[v] = (ret, jd, centres)
    all_r = np.concatenate([d[0] for d in data.values()])
    all_j = np.concatenate([d[1] for d in data.values()])
    labels = {v: ann[v].labels(results[v].num_frames) for v in vids}

    def figures(curves: dict[str, np.ndarray], subset: list[str]) -> tuple[float, float]:
        y = np.concatenate([labels[v] for v in subset])
        s = np.concatenate([curves[v] for v in subset])
        return 100 * roc_auc_score(y, s), 100 * average_precision_score(y, s)

    print(f"{'rule':40s} {'all-dev AUC / AP':>17s} {'5-fold AUC / AP':>17s}")
    for name, rule in rules(all_r, all_j).items():
        if args.only and name not in args.only:
            continue
        curves = {}
        for v in vids:
            r, (ret, jd, t) = results[v], data[v]
            s = np.clip(rule(ret, jd, t), 0, 1)
            wins = [
                Window(start=w.start, end=w.end, scores={}, score=float(x))
                for w, x in zip(r.windows, s)
            ]
            done = finish(wins, r.fps, r.num_frames, cfg.temporal, r.events, cfg.events)
            curves[v] = np.asarray(done.frame_scores)
        a = figures(curves, vids)
        f = np.mean([figures(curves, [v for v in vids if folds[v] == k]) for k in range(5)], 0)
        print(f"{name:40s} {a[0]:7.2f} / {a[1]:6.2f}  {f[0]:7.2f} / {f[1]:6.2f}")


if __name__ == "__main__":
    main()
