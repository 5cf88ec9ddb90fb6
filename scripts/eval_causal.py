"""What causality costs: frame AUC / AP of live mode's causal curve on the dev caption sets.

    PYTHONPATH=. .venv/bin/python scripts/eval_causal.py [--datasets ucf_uca_dev,ucf_vl3_dev]

Each video's captions are scored as ``zsvad score --captions`` scores them (default config),
then turned into frame curves in several ways:

- ``offline``: ``score``'s curve (whole-video residual, two-sided Gaussian σ 5 s): the reference;
- ``causal residual``: the retrieval residual live mode uses (the mean of the captions so far,
  :class:`zsvad.live.scoring.RunningResidual`), with ``score``'s two-sided smoothing;
- ``live, <smoothing>``: the live curve (:func:`zsvad.live.causal.causal_curve`): causal
  residual and causal smoothing, each frame taking the smoothed score of the latest window
  covering it.

Captions stand in for live windows (one window per caption, smoothed in time order at each
caption's end). Only an evaluation: nothing here is tuned into a default.
"""

from __future__ import annotations

import argparse
import sys

from zsvad.configure import load_config
from zsvad.eval.datasets import dataset_annotations, load_dataset
from zsvad.eval.metrics import evaluate
from zsvad.io.captions import read_captions
from zsvad.live.causal import CausalSmoother, causal_curve
from zsvad.live.scoring import RunningResidual
from zsvad.pipeline.captions import caption_windows, prefetch_captions
from zsvad.pipeline.components import score_components
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.finish import fuse_windows
from zsvad.pipeline.run import VideoRun

SMOOTHINGS = [("none", 0.0)] + [("exponential", s) for s in (1, 2, 3, 4, 5, 8)]
SMOOTHINGS += [("gaussian", s) for s in (2, 3, 4, 5)]


def curves(pipeline: Pipeline, video) -> dict[str, list[float]]:
    cfg = pipeline.config
    offline = pipeline.score_windows(video.video_id, video.fps, video.num_frames,
                                     caption_windows(video))  # fmt: skip
    out = {"offline": offline}
    windows = caption_windows(video)
    residual = RunningResidual(cfg.retrieval.video_residual, 10**9)
    score_components(pipeline.parts, windows, video.video_id, VideoRun(), residual)
    records = fuse_windows(windows, cfg.fusion)
    out["causal residual"] = pipeline.finish(video.video_id, video.fps, video.num_frames, records)
    records.sort(key=lambda w: (w.start, w.end))
    for kind, seconds in SMOOTHINGS:
        smoother = CausalSmoother(kind, seconds)
        spans = [(w.start, w.end, smoother.update(w.end, w.score)) for w in records]
        curve = causal_curve(spans, video.fps, video.num_frames, cfg.temporal)
        result = offline.model_copy(update={"frame_scores": curve.tolist(), "segments": []})
        name = f"live, {kind}" + (f" {seconds:g} s" if seconds else "")
        out[name] = result
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", default="ucf_uca_dev,ucf_vl3_dev")
    args = ap.parse_args()
    for name in args.datasets.split(","):
        spec = load_dataset(name)
        captions = read_captions(spec.captions)
        videos = list(captions.videos.values())
        pipeline = Pipeline(load_config())
        prefetch_captions(pipeline, videos)
        sets: dict[str, list] = {}
        for video in videos:
            for key, result in curves(pipeline, video).items():
                sets.setdefault(key, []).append(result)
        truth = dataset_annotations(spec)
        print(f"\n{name} ({len(videos)} videos)\n{'curve':28} {'AUC':>6} {'AP':>6}")
        for key, results in sets.items():
            report = evaluate(truth, results)
            print(f"{key:28} {report.auc:6.2f} {report.ap:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
