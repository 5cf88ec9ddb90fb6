"""Video benchmark: sampler vs plain decode, keyframe mode, pipeline overhead, peak RSS.

    PYTHONPATH=. /work/venv/bin/python scripts/bench_video.py [--minutes 10] [--long-minutes 60]

Generates a 720p H.264 test video (long GOP, 30 fps) under /tmp with PyAV (``ffmpeg`` is not
needed) and a 60-minute one by remuxing it 6 times, then runs every measurement in a fresh
child process (so peak RSS is per measurement):

- ``decode``: plain PyAV decode of every frame (threaded, no RGB conversion): the limit;
- ``sample``: the zsvad sampler at 1 frame per second (decord and PyAV);
- ``keyframes``: the sampler in key-frame-only mode;
- ``score``: ``zsvad score VIDEO`` end to end with zero-cost backends at the same sampling.

Targets (issue 4): sampler >= 80 % of plain-decode throughput; pipeline overhead <= 15 % of
the sampler's time; peak RSS < 1.5 GB for 10 minutes and not growing for 60 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
FPS, W, H = 30, 1280, 720
SAMPLING = ["video.clip_seconds=1", "video.stride_seconds=1", "video.frames_per_clip=1"]


def make_video(path: Path, minutes: float) -> Path:
    """Encode a moving 720p pattern with libx264 (ultrafast, GOP 250)."""
    import av

    if path.exists():
        return path
    tmp = path.with_suffix(".part.mp4")
    c = av.open(str(tmp), "w")
    s = c.add_stream("libx264", rate=FPS)
    s.width, s.height, s.pix_fmt = W, H, "yuv420p"
    s.codec_context.options = {"preset": "ultrafast", "g": "250", "crf": "28"}
    # 60 distinct frames (a moving checkerboard, YUV 4:2:0) cycled: cheap to generate, and
    # the encoder still sees motion in every frame.
    yy, xx = np.mgrid[0:H, 0:W]
    texture = np.random.default_rng(0).integers(0, 40, (H, W))
    base = ((xx // 40 + yy // 40) % 2 * 120 + 40 + texture).astype(np.uint8)
    chroma = np.full((H // 2, W), 128, np.uint8)
    noise = np.random.default_rng(1).integers(0, 6, (60, H, W), dtype=np.uint8)
    pool = [np.concatenate([np.roll(base, 8 * k, axis=1) + noise[k], chroma]) for k in range(60)]
    n = int(minutes * 60 * FPS)
    for i in range(n):
        yuv = pool[i % 60].copy()
        yuv[: H // 8, : W // 8] = (i // FPS * 7) % 256  # a block that changes every second
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = i
        frame.time_base = Fraction(1, FPS)
        for p in s.encode(frame):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    tmp.rename(path)
    return path


def repeat_video(src: Path, dst: Path, times: int) -> Path:
    """Remux ``src`` ``times`` times back to back (no re-encoding)."""
    import av

    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part.mp4")
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        span = None
        for k in range(times):
            inp.seek(0)
            last = 0
            for pkt in inp.demux(ist):
                if pkt.dts is None:
                    continue
                if span is None and k == 0:
                    last = max(last, pkt.pts + (pkt.duration or 0))
                shift = k * (span or 0)
                pkt.pts += shift
                pkt.dts += shift
                pkt.stream = ost
                out.mux(pkt)
            if span is None:
                span = last
    tmp.rename(dst)
    return dst


# -- child measurements -------------------------------------------------------------------------
def child_decode(path: str) -> dict:
    import av

    with av.open(path) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        n = sum(1 for _ in c.decode(s))
    return {"frames": n}


def child_sample(path: str, decoder: str, keyframes: bool = False) -> dict:
    from zsvad.config.video import VideoConfig
    from zsvad.video import iter_clips

    cfg = VideoConfig(
        clip_seconds=1,
        stride_seconds=1,
        frames_per_clip=1,
        decoder=decoder,
        keyframes_only=keyframes,
    )
    stream = iter_clips(path, cfg)
    sampled = sum(len(c.frames) for c in stream)
    return {"frames": stream.num_frames, "sampled": sampled, "decoder": stream.decoder}


class ZeroEmbedder:
    """Zero-cost image-text embedder: constant unit vectors."""

    capabilities = frozenset({"text", "image"})

    def __init__(self, **_):
        from zsvad.backends.protocols import ModelInfo

        self.dim = 8
        self.info = ModelInfo("image_text_embedder", "zero", "zero", "v1", meaningless=True)

    def embed_texts(self, texts):
        v = np.zeros((len(texts), 8), np.float32)
        v[:, 0] = 1
        v[1::2, 1] = 1  # anomalous / normal memory captions differ a little
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_images(self, images):
        v = np.zeros((len(images), 8), np.float32)
        v[:, 0] = 1
        return v


class ZeroCaptioner:
    def __init__(self, **_):
        from zsvad.backends.protocols import ModelInfo

        self.info = ModelInfo("captioner", "zero", "zero", "v1", meaningless=True)

    def caption(self, clips):
        return ["A person walks."] * len(clips)


def child_score(path: str, out: str, decoder: str = "auto") -> dict:
    from zsvad import registry
    from zsvad.cli.main import main

    registry.register("image_text_embedder", "zero", f"{__name__}:ZeroEmbedder")
    registry.register("captioner", "zero", f"{__name__}:ZeroCaptioner")
    sets = [*SAMPLING, "image_embedder.backend=zero", "captioner.backend=zero", "video.cache=false"]
    sets += [f"video.decoder={decoder}", "video.resize=null"]  # same frames as the sampler
    argv = ["score", path, "--out", out, "--profile", "tiny", "--quiet"]
    for s in sets:
        argv += ["--set", s]
    code = main(argv)
    result = json.loads((Path(out) / f"{Path(path).stem}.json").read_text())
    stats = result["provenance"]["stats"]
    return {
        "rc": code,
        "frames": result["num_frames"],
        "windows": len(result["windows"]),
        "decoder": stats.get("decoder"),
    }


def run_child(args: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, __file__, "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{args}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """VmHWM of this process (ru_maxrss would carry over the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(args: list[str]) -> None:
    kind, path = args[0], args[1]
    import av  # noqa: F401  (imports are not timed: the figures are for the work itself)

    import zsvad.cli.main
    import zsvad.pipeline.video
    import zsvad.video  # noqa: F401

    t0 = time.perf_counter()
    if kind == "decode":
        out = child_decode(path)
    elif kind == "sample":
        out = child_sample(path, args[2])
    elif kind == "keyframes":
        out = child_sample(path, "pyav", keyframes=True)
    else:
        out = child_score(path, args[2], *args[3:])
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--long-minutes", type=int, default=60, help="0 to skip the long video")
    ap.add_argument("--dir", default="/tmp/zsvad-bench-video")
    args = ap.parse_args()
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    short = make_video(d / f"bench-{args.minutes:g}min-720p.mp4", args.minutes)
    print(f"video: {short} ({short.stat().st_size / 1e6:.0f} MB, {time.perf_counter() - t:.0f} s)")
    frames = int(args.minutes * 60 * FPS)

    def report(name: str, r: dict, ref: float | None = None) -> None:
        fps = r["frames"] / r["seconds"]
        extra = f", {100 * ref / r['seconds']:.0f} % of plain decode" if ref else ""
        sampled = f", {r['sampled'] / r['seconds']:.1f} sampled frames/s" if "sampled" in r else ""
        print(
            f"{name:34} {r['seconds']:7.1f} s  {fps:7.0f} video frames/s{sampled}{extra}  "
            f"peak RSS {r['peak_rss_mb']:.0f} MB"
        )

    # The machine may be shared: the reference decode runs before and after the samplers and
    # the faster of the two is the reference.
    ref = run_child(["decode", str(short)])
    assert ref["frames"] == frames, ref
    report("plain PyAV decode, every frame", ref)
    samplers = {}
    for decoder in ("decord", "pyav"):
        samplers[decoder] = run_child(["sample", str(short), decoder])
    again = run_child(["decode", str(short)])
    report("plain PyAV decode, again", again)
    ref = min(ref, again, key=lambda r: r["seconds"])
    for decoder in ("decord", "pyav"):
        report(f"sampler 1 frame/s ({decoder})", samplers[decoder], ref["seconds"])
    kf = run_child(["keyframes", str(short)])
    report("sampler key frames only", kf, ref["seconds"])
    e2e = {}
    for decoder in ("decord", "pyav"):
        e2e[decoder] = r = run_child(["score", str(short), str(d / "out-short"), decoder])
        report(f"zsvad score, zero-cost backends ({decoder})", r)
        overhead = 100 * (r["seconds"] / samplers[decoder]["seconds"] - 1)
        print(f"  pipeline overhead over the {decoder} sampler: {overhead:+.1f} %")
    if args.long_minutes:
        repeats = round(args.long_minutes / args.minutes)
        long = repeat_video(short, d / f"bench-{args.long_minutes}min-720p.mp4", repeats)
        for decoder in ("decord", "pyav"):
            r = run_child(["score", str(long), str(d / "out-long"), decoder])
            report(f"zsvad score, {args.long_minutes} min video ({decoder})", r)
            before = e2e[decoder]["peak_rss_mb"]
            print(
                f"  peak RSS ({decoder}): {args.minutes:g} min {before:.0f} MB, "
                f"{args.long_minutes} min {r['peak_rss_mb']:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
