"""Batch scheduling overhead: throughput of ``zsvad batch`` with zero-cost fake models.

    python scripts/bench_batch.py [--videos 24] [--seconds 6] [--workers 1,2,4] [--ray]

Cuts ``--videos`` distinct clips of ``--seconds`` from ../shared/videos (real decoding stays:
the fake captioner and image embedder cost nothing, the video cache is off), then times, as
subprocesses from start to exit:

- ``zsvad score CLIPS...`` (one process scoring the videos one after another), the reference;
- ``zsvad batch DIR --workers K`` for each K (and ``--runner ray`` with ``--ray``).

Each is run ``--repeat`` times, interleaved; prints the best and median wall time, throughput in
video-hours per hour (hours of video scored per hour of wall time) and the ratio to the
sequential reference; target: 1 worker within 15 % of it.

Then the resume of a finished run (the same ``zsvad batch`` again, nothing to do; target ~1 s)
beside its floor: a bare interpreter, and one importing what the CLI needs before it can know
there is nothing to do (the config schema: pydantic, numpy, tqdm). ``--resume-only`` times just
that, on 4 clips.

``--captions N`` times something else: ``run_batch`` (in this process, real models of
``--profile``) over N per-video caption files cut from ../shared/data/ucf_vl3_dev/captions.jsonl
(its first N videos), with a private cache seeded with the memory index but no caption
embeddings (a fresh archive). Prints the wall time and s/video; ``--keep DIR`` copies the
results there, ``--same-as DIR`` compares them (timings aside) with results kept before, e.g.::

    python scripts/bench_batch.py --captions 40 --keep /tmp/before   # on the old code
    python scripts/bench_batch.py --captions 40 --same-as /tmp/before
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ZSVAD_SHARED", ROOT.parent / "shared"))
VIDEOS = SHARED / "videos"
CAPTIONS = SHARED / "data" / "ucf_vl3_dev" / "captions.jsonl"
TIMINGS = ("wall_s", "peak_rss_mb")
"""Provenance stats that differ from run to run (with ``created_at``)."""
FAKE = [
    "--profile", "tiny",
    "--set", "captioner.backend=fake", "--set", "captioner.model=fake",
    "--set", "image_embedder.backend=fake", "--set", "image_embedder.model=fake",
    "--set", "video.cache=false",
]  # fmt: skip


def make_clips(out: Path, count: int, seconds: float) -> float:
    """Write ``count`` distinct clips (re-encoded windows of the sample videos); total seconds."""
    import av

    decoded = []  # (stem, fps, rate, frames) of each sample video, decoded once
    for src in sorted(VIDEOS.glob("*.mp4")):
        with av.open(str(src)) as inp:
            s = inp.streams.video[0]
            frames = [f.reformat(format="yuv420p") for f in inp.decode(s)]
        decoded.append((src.stem, float(s.average_rate), s.average_rate, frames))
    total = 0.0
    for i in range(count):
        stem, fps, rate, frames = decoded[i % len(decoded)]
        rep = i // len(decoded)
        n = min(len(frames), int(seconds * fps)) - rep  # distinct content: no two clips alike
        start = rep * max(1, n // 4) % max(1, len(frames) - n + 1)
        chunk = frames[start : start + n]
        with av.open(str(out / f"clip{i:03d}_{stem}.mp4"), "w") as o:
            st = o.add_stream("libx264", rate=rate)
            st.width, st.height, st.pix_fmt = chunk[0].width, chunk[0].height, "yuv420p"
            for f in chunk:
                o.mux(st.encode(f))
            o.mux(st.encode())
        total += len(chunk) / fps
    return total


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall


def resume_figures(py: list[str], clips: Path, out: Path, env: dict[str, str], repeat: int):
    """Best and median wall of a finished rerun, a bare interpreter and the CLI's imports."""
    cmd = [*py, "batch", str(clips), "--out", str(out), "--workers", "1", "--quiet", *FAKE]
    timed(cmd, env)  # finish it (a no-op when it is finished already)
    runs = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import zsvad.cli.main, zsvad.cli.common": [
            sys.executable, "-c", "import zsvad.cli.main, zsvad.cli.common"
        ],
        "zsvad batch, finished: nothing to do": cmd,
    }  # fmt: skip
    walls: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(max(repeat, 5)):
        for name, c in runs.items():
            walls[name].append(timed(c, env))
    print(f"{'finished rerun and its floor':40} {'best s':>7} {'median':>7}")
    for name, w in walls.items():
        print(f"{name:40} {min(w):7.2f} {statistics.median(w):7.2f}")


def write_caption_files(out: Path, count: int) -> int:
    """One captions file per video of the first ``count`` videos of CAPTIONS; total captions."""
    import json

    lines: dict[str, list[str]] = {}
    with open(CAPTIONS, encoding="utf-8") as fh:
        for line in fh:
            vid = json.loads(line)["video_id"]
            if vid in lines or len(lines) < count:
                lines.setdefault(vid, []).append(line)
    for vid, rows in lines.items():
        (out / f"{vid}.jsonl").write_text("".join(rows), encoding="utf-8")
    return sum(len(rows) for rows in lines.values())


def seed_cache(cache: Path) -> None:
    """Copy the built memory indexes and memory embeddings (not the caption ones) into
    ``cache``, so the run embeds its captions but does not rebuild an index."""
    src = Path(os.environ.get("ZSVAD_CACHE") or Path.home() / ".cache" / "zsvad")
    if (src / "index").is_dir():
        shutil.copytree(src / "index", cache / "index", ignore=shutil.ignore_patterns("*.lock"))
    (cache / "embeddings").mkdir(parents=True, exist_ok=True)
    for f in (src / "embeddings").glob("*.npz") if (src / "embeddings").is_dir() else ():
        if not f.name.endswith(".queries.npz"):
            shutil.copy2(f, cache / "embeddings" / f.name)


def _comparable(path: Path) -> dict:
    import json

    data = json.loads(path.read_text())
    data["provenance"].pop("created_at", None)
    for key in TIMINGS:
        data["provenance"]["stats"].pop(key, None)
    return data


def bench_captions(args) -> int:
    """Time ``run_batch`` over per-video caption files (see the module docstring)."""
    import json

    tmp = Path(tempfile.gettempdir()) / "zsvad-bench-captions"  # fixed: results name their file
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        files = tmp / "captions"
        files.mkdir(parents=True)
        texts = write_caption_files(files, args.captions)
        seed_cache(tmp / "cache")
        os.environ["ZSVAD_CACHE"] = str(tmp / "cache")
        from zsvad.batch.run import BatchOptions, run_batch
        from zsvad.configure import load_config

        opts = BatchOptions(runner=args.runner, workers=args.workers, quiet=True)
        if args.prefetch is not None:
            opts.prefetch = args.prefetch
        cfg = load_config(args.profile)
        load = os.getloadavg()[0]
        print(f"{args.captions} caption files, {texts} captions; profile {args.profile}, runner "
              f"{args.runner}, {os.cpu_count()} CPUs, load average {load:.1f}")  # fmt: skip
        t0 = time.perf_counter()
        report = run_batch(f"{files}/*.jsonl", tmp / "out", cfg, opts)
        wall = time.perf_counter() - t0
        index = tmp / "out" / report.config_hash / "index.jsonl"
        rows = [json.loads(x) for x in index.read_text().splitlines() if x.strip()]
        work = sum(r["elapsed_s"] for r in rows)
        per_job = work / max(1, len(rows))
        chunk = getattr(opts, "prefetch", 1)  # (code from before BatchOptions.prefetch: 1)
        label = "one by one" if chunk <= 1 else f"embedded ahead, {chunk} a chunk"
        print(f"{label}: scored {report.scored}, failed {report.failed}: wall {wall:.1f} s = "
              f"{wall / args.captions:.2f} s/video; job time {per_job:.2f} s/video "
              f"(index.jsonl elapsed_s: the wall without the worker's start)")  # fmt: skip
        results = {r["video_id"]: tmp / "out" / r["result_file"] for r in rows}
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for vid, path in results.items():
                shutil.copy2(path, keep / f"{vid}.json")
        if args.same_as:
            ref = Path(args.same_as)
            same = [
                v for v, p in results.items() if _comparable(p) == _comparable(ref / f"{v}.json")
            ]
            diff = sorted(set(results) - set(same))
            print(f"same as {ref} (timings aside): {len(same)} of {len(results)}"
                  + (f"; differ: {', '.join(diff[:10])}" if diff else ""))  # fmt: skip
            return 1 if diff else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=24)
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--workers", default=f"1,2,{os.cpu_count() or 2}")
    ap.add_argument("--ray", action="store_true", help="also time --runner ray")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (best is reported)")
    ap.add_argument("--resume-only", action="store_true", help="time only a finished rerun")
    ap.add_argument("--captions", type=int, metavar="N", help="time N per-video caption files")
    ap.add_argument("--profile", default="default", help="--captions: config profile")
    ap.add_argument("--runner", default="serial", help="--captions: batch runner")
    ap.add_argument("--prefetch", type=int, help="--captions: BatchOptions.prefetch")
    ap.add_argument("--keep", help="--captions: copy the results to this folder")
    ap.add_argument("--same-as", help="--captions: compare the results with a kept folder")
    args = ap.parse_args()
    if args.captions:
        args.workers = int(args.workers.split(",")[0])
        return bench_captions(args)
    if args.resume_only:
        args.videos = min(args.videos, 4)
    workers = sorted({int(w) for w in args.workers.split(",")})
    with tempfile.TemporaryDirectory(prefix="zsvad-bench-batch-") as tmp:
        tmp = Path(tmp)
        clips = tmp / "clips"
        clips.mkdir()
        video_s = make_clips(clips, args.videos, args.seconds)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "ZSVAD_CACHE": str(tmp / "cache"),
            "HF_HUB_OFFLINE": "1",
        }
        py = [sys.executable, "-m", "zsvad"]
        if args.resume_only:
            resume_figures(py, clips, tmp / "out-resume", env, args.repeat)
            return 0
        files = [str(p) for p in sorted(clips.iterdir())]
        runs = [("zsvad score (sequential)", [*py, "score", *files, "--out", str(tmp / "out-seq")])]
        for k in workers:
            out = str(tmp / f"out-local{k}")
            runs.append((f"zsvad batch --workers {k}", [*py, "batch", str(clips), "--out", out,
                                                        "--workers", str(k)]))  # fmt: skip
        if args.ray:
            for k in workers[:2]:
                out = str(tmp / f"out-ray{k}")
                runs.append((f"zsvad batch --runner ray --workers {k}",
                             [*py, "batch", str(clips), "--out", out, "--runner", "ray",
                              "--workers", str(k)]))  # fmt: skip
        print(f"{args.videos} clips, {video_s:.0f} s of video; fake zero-cost models, "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        walls: dict[str, list[float]] = {name: [] for name, _ in runs}
        for _ in range(args.repeat):  # interleaved, so load from elsewhere hits all alike
            for name, cmd in runs:
                for out in tmp.glob("out-*"):
                    shutil.rmtree(out)
                walls[name].append(timed([*cmd, "--quiet", *FAKE], env))
        print(f"{'run':40} {'best s':>7} {'video-h/h':>10} {'vs seq':>7} {'median':>7} "
              f"{'vs seq':>7}  all walls (s)")  # fmt: skip
        ref = ref_med = None
        for name, w in walls.items():
            rate, med = video_s / min(w), video_s / statistics.median(w)
            ref, ref_med = ref or rate, ref_med or med
            runs_s = " ".join(f"{x:.2f}" for x in w)
            print(f"{name:40} {min(w):7.2f} {rate:10.1f} {rate / ref:7.2f} "
                  f"{statistics.median(w):7.2f} {med / ref_med:7.2f}  {runs_s}")  # fmt: skip
        resume_figures(py, clips, tmp / "out-local1", env, args.repeat)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
