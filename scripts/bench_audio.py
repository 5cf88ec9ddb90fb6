"""Audio benchmark: the audio stage's cost as a share of the video path's.

    PYTHONPATH=. .venv/bin/python scripts/bench_audio.py [--minutes 3] [--no-clap] [--tiny]

Encodes a test video under /tmp with PyAV (640x360 H.264 at 30 fps and a 48 kHz stereo AAC
track: street-like noise with a bang every 20 s), then scores it in this process three times
with ``score_video``, models loaded beforehand (``Pipeline.load``) and the video cache off:

1. the video path alone: the ``cpu`` profile's shape (CLIP ViT-B-32 on 4 frames of every 4 s
   window every 2 s, frames decoded at 224 px), audio off;
2. the same plus the weight-free acoustic cue (``audio.cue``);
3. the same plus CLAP (``audio.backend``) with a model of ``laion/clap-htsat-unfused``'s size
   (HTSAT-base audio tower, RoBERTa-base text tower, 512-d projection).

No real weights are reachable here: the CLIP ViT-B-32 and the CLAP are built with **random
weights of the real architectures**, so their compute cost is the real models' while their
scores mean nothing (only costs are printed). ``--tiny`` uses the tiny test models instead (a
quick check of the script, not a cost figure). The audio stage's time is
``provenance.stats.audio_stage_s`` (probe, decode, resample, cue, CLAP, retrieval); the video
path's is the wall time of run 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
WORK = Path("/tmp/zsvad-bench-audio")
os.environ.setdefault("ZSVAD_CACHE", str(WORK / "cache"))

from zsvad import registry  # noqa: E402
from zsvad.backends import clip_openclip  # noqa: E402
from zsvad.backends.clap_hf import ClapEmbedder  # noqa: E402
from zsvad.backends.protocols import ModelInfo  # noqa: E402
from zsvad.configure import load_config  # noqa: E402
from zsvad.pipeline.core import Pipeline  # noqa: E402
from zsvad.pipeline.video import score_video  # noqa: E402

FPS, W, H, RATE = 30, 640, 360, 48000


def make_video(path: Path, minutes: float) -> Path:
    """A moving pattern (libx264 ultrafast) with a stereo AAC street-noise track and bangs."""
    import av

    if path.exists():
        return path
    tmp = path.with_suffix(".part.mp4")
    c = av.open(str(tmp), "w")
    v = c.add_stream("libx264", rate=FPS)
    v.width, v.height, v.pix_fmt = W, H, "yuv420p"
    v.codec_context.options = {"preset": "ultrafast", "g": "250", "crf": "28"}
    a = c.add_stream("aac", rate=RATE, layout="stereo")
    yy, xx = np.mgrid[0:H, 0:W]
    base = ((xx // 40 + yy // 40) % 2 * 120 + 40).astype(np.uint8)
    chroma = np.full((H // 2, W), 128, np.uint8)
    pool = [np.concatenate([np.roll(base, 8 * k, axis=1), chroma]) for k in range(60)]
    for i in range(int(minutes * 60 * FPS)):
        frame = av.VideoFrame.from_ndarray(pool[i % 60], format="yuv420p")
        frame.pts, frame.time_base = i, Fraction(1, FPS)
        for p in v.encode(frame):
            c.mux(p)
    for p in v.encode():
        c.mux(p)
    rng = np.random.default_rng(0)
    seconds = int(minutes * 60)
    for s in range(seconds):  # one second at a time: bounded memory while encoding
        x = rng.standard_normal((2, RATE)) * 0.05 * (1 + 0.3 * np.sin(2 * np.pi * s / 7))
        if s % 20 == 10:
            n = RATE // 6
            x[:, :n] += rng.standard_normal((2, n)) * 0.6 * np.exp(-np.arange(n) / (0.03 * RATE))
        x = np.clip(x, -1, 1).astype(np.float32)
        for k in range(0, RATE, 1024):
            f = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(x[:, k : k + 1024]), format="fltp", layout="stereo"
            )
            f.sample_rate, f.pts = RATE, s * RATE + k
            for p in a.encode(f):
                c.mux(p)
    for p in a.encode():
        c.mux(p)
    c.close()
    tmp.rename(path)
    return path


class RealSizeClap(ClapEmbedder):
    """The CLAP backend (real feature extractor, tokenizer of the tiny model) with a random model
    of ``laion/clap-htsat-unfused``'s architecture: its compute cost, none of its meaning."""

    def __init__(self, model=None, **kw):
        super().__init__(model="tiny", **kw)
        import torch
        import transformers as tf

        tok = self.processor.tokenizer
        text = {"vocab_size": len(tok), "pad_token_id": tok.pad_token_id}
        text |= {"bos_token_id": tok.cls_token_id, "eos_token_id": tok.sep_token_id}
        torch.manual_seed(0)
        cfg = tf.ClapConfig(text_config=text, audio_config={}, projection_dim=512)
        self.model = tf.ClapModel(cfg).to(self.device).eval()
        self.dim = 512
        self.info = ModelInfo("audio_text_embedder", "bench", "random-clap-htsat-unfused-size", "0")


def _random_clip() -> None:
    """Let the open_clip backend build ViT-B-32 with random weights (no pretrained tag)."""
    clip_openclip._resolve = lambda model, revision: (model, True)


def _config(tiny: bool, audio: list[str]) -> list[str]:
    models = ["image_embedder.model=tiny"] if tiny else ["image_embedder.model=ViT-B-32"]
    clap = "audio.backend=transformers" if tiny else "audio.backend=bench-real-size"
    sets = [
        "image_embedder.backend=open_clip",
        *models,
        "captioner.backend=null",
        "embedder.backend=fake",
        "memory.name=starter",
        "video.resize=224",
        "video.cache=false",
        "audio.model=tiny",
        "audio.memory=surveillance",
    ]
    return sets + [clap if a == "clap" else a for a in audio]


def run(video: Path, tiny: bool, audio: list[str], label: str) -> dict:
    overrides = _config(tiny, audio)
    if "clap" not in audio:
        overrides.append("audio.backend=null")
    t0 = time.perf_counter()
    pipe = Pipeline(load_config("default", overrides=overrides)).load()
    load_s = time.perf_counter() - t0
    result = score_video(pipe, video)
    stats = result.provenance.stats
    print(f"  {label}: models loaded in {load_s:.1f} s, scored in {stats['wall_s']:.2f} s")
    return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0, help="length of the test video")
    ap.add_argument("--no-clap", action="store_true", help="skip run 3 (CLAP)")
    ap.add_argument("--tiny", action="store_true", help="tiny test models (checks the script)")
    args = ap.parse_args()
    registry.register("audio_text_embedder", "bench-real-size", "__main__:RealSizeClap")
    if not args.tiny:
        _random_clip()
    WORK.mkdir(parents=True, exist_ok=True)
    video = make_video(WORK / f"street-{args.minutes:g}min.mp4", args.minutes)
    seconds = args.minutes * 60
    print(f"video: {video} ({seconds:.0f} s, {W}x{H} {FPS} fps, AAC {RATE} Hz stereo)")
    base = run(video, args.tiny, [], "1. video path (CLIP, audio off)")
    cue = run(video, args.tiny, ["audio.cue=true"], "2. + acoustic cue")
    runs = [("acoustic cue", cue)]
    if not args.no_clap:
        clap = run(video, args.tiny, ["audio.cue=true", "clap"], "3. + cue and CLAP")
        runs.append(("cue + CLAP", clap))
    ref = base["wall_s"]
    windows = base["windows"]
    print()
    print("| stage | seconds | per video minute | share of the video path |")
    print("| --- | ---: | ---: | ---: |")
    clip = "tiny CLIP" if args.tiny else "CLIP ViT-B-32"
    print(
        f"| video path: decode + {clip}, {windows} windows | {ref:.2f} | "
        f"{ref / args.minutes:.2f} | 100 % |"
    )
    print(
        f"| (of which video decode) | {base['decode_s']:.2f} | "
        f"{base['decode_s'] / args.minutes:.2f} | {100 * base['decode_s'] / ref:.1f} % |"
    )
    for name, st in runs:
        s = st["audio_stage_s"]
        print(f"| audio stage: {name} | {s:.2f} | {s / args.minutes:.2f} | {100 * s / ref:.1f} % |")
        dec = st["audio_decode_s"]
        print(
            f"| (of which audio decode + resample + hop features) | {dec:.2f} | "
            f"{dec / args.minutes:.2f} | {100 * dec / ref:.1f} % |"
        )
        if st.get("audio_model_s"):
            m = st["audio_model_s"]
            print(
                f"| (of which CLAP forward, {st['audio_windows']} windows: "
                f"{1000 * m / st['audio_windows']:.0f} ms each) | {m:.2f} | "
                f"{m / args.minutes:.2f} | {100 * m / ref:.1f} % |"
            )
    print(
        f"\nweights: {'tiny test models' if args.tiny else 'random, real architectures'}; "
        f"{os.cpu_count()} CPU cores; load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
