"""Live-mode benchmark: latency, sustained real-time factor, skipped windows, memory.

    PYTHONPATH=. .venv/bin/python scripts/bench_live.py [--realtime-s 60] [--minutes 10]
        [--video ../shared/videos/Robbery102_crop.mp4] [--profiles tiny,cpu-fake]

For each profile, ``zsvad watch`` runs in a child process on streams that Debian's ``ffmpeg``
sends on 127.0.0.1 by looping one clip (``-stream_loop -1 -c copy -f mpegts``), in two runs:

1. **real time** (``-re``, UDP, ``--realtime-s`` seconds, default policy ``drop_oldest``): the
   latency of each window from the decoding of the frame that completes it to its fused score
   (p50 / p95: waiting plus model time; the window length itself comes before that, and the
   causal smoothing delay after it), and the windows skipped because scoring fell behind.
2. **sustained** (HTTP, ``--minutes`` of stream, sent as fast as the pipeline takes it with
   ``live.backpressure=block``, so TCP slows the sender and nothing is skipped): the real-time
   factor (stream seconds per wall-clock second while connected) and the resident memory
   (VmRSS) of the watcher once the whole stream has been scored, plus its peak (VmHWM).
   Playing faster than real time is what makes 10 minutes of stream take a short while; memory
   depends on how much stream was decoded and scored, not on the wall clock.

Profiles: ``tiny`` (random-weight 2-layer CLIP ViT and 1-layer BLIP captioner: meaningless
scores) and ``cpu-fake`` (the ``cpu`` profile's sampling and 24,832-caption memory with its
MiniLM text embedder, the CLIP model replaced by the zero-cost fake image embedder: the
pipeline's own cost around a CLIP model).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zsvad.errors import InputError
from zsvad.jsonl import iter_jsonl
from zsvad.pipeline.efficiency import rss_mb

ROOT = Path(__file__).resolve().parents[1]
PROFILES = {
    "tiny": ["--profile", "tiny"],
    "cpu-fake": [
        "--profile",
        "cpu",
        "--set",
        "image_embedder.backend=fake",
        "--set",
        "image_embedder.model=fake-clip",
    ],
}


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def events(out: Path) -> list[dict]:
    path = out / "alerts.jsonl"
    if not path.exists():
        return []
    found = []
    try:
        for _, event in iter_jsonl(path, "alert events"):
            found.append(event)
    except InputError:  # the last line is being written: it is read on the next poll
        pass
    return found


def watch(profile: str, source: str, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "zsvad", "watch", f"cam={source}", "--out", str(out),
           "--quiet", *PROFILES[profile], *extra]  # fmt: skip
    log = open(out.parent / f"{out.name}.log", "w")  # noqa: SIM115 (the child's log)
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def sender(ffmpeg: str, video: Path, url: str, *, realtime: bool, seconds: float | None,
           listen: bool) -> subprocess.Popen:  # fmt: skip
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin"]
    cmd += ["-re"] if realtime else []
    cmd += ["-stream_loop", "-1", "-i", str(video)]
    cmd += ["-t", f"{seconds:g}"] if seconds else []
    cmd += ["-c", "copy", "-f", "mpegts"] + (["-listen", "1"] if listen else []) + [url]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)


def wait_ready(out: Path, proc: subprocess.Popen, limit: float = 600) -> None:
    """Until the watcher has loaded its models and written its first status."""
    deadline = time.monotonic() + limit
    while not (out / "live.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"watch did not start: {(out.parent / (out.name + '.log'))}")
        time.sleep(0.2)


def run_realtime(profile: str, ffmpeg: str, video: Path, seconds: float, tmp: Path) -> dict:
    out = tmp / f"{profile}-realtime"
    port = free_port(socket.SOCK_DGRAM)
    url = f"udp://127.0.0.1:{port}"
    proc = watch(profile, url, out, "--set", "live.flush_s=1")
    wait_ready(out, proc)
    send = sender(ffmpeg, video, url, realtime=True, seconds=None, listen=False)
    time.sleep(seconds)
    rss = rss_mb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(300)
    send.kill()
    send.wait(10)
    cam = json.loads((out / "live.json").read_text())["cameras"]["cam"]
    return {"rss_mb": rss, **cam}


def run_sustained(profile: str, ffmpeg: str, video: Path, minutes: float, tmp: Path) -> dict:
    out = tmp / f"{profile}-sustained"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    send = sender(ffmpeg, video, url, realtime=False, seconds=minutes * 60, listen=True)
    proc = watch(profile, url, out, "--set", "live.backpressure=block",
                 "--set", "live.reconnect_min_s=30")  # fmt: skip
    t0 = time.monotonic()
    while not any(e["event"] == "stream_down" for e in events(out)):
        if proc.poll() is not None:
            raise RuntimeError(f"watch stopped: {out.parent / (out.name + '.log')}")
        time.sleep(0.5)
    wall = time.monotonic() - t0
    rss, hwm = rss_mb(proc.pid), rss_mb(proc.pid, "VmHWM")
    proc.send_signal(signal.SIGTERM)
    proc.wait(300)
    send.wait(30)
    cam = json.loads((out / "live.json").read_text())["cameras"]["cam"]
    return {"rss_mb": rss, "hwm_mb": hwm, "wall_s": wall, **cam}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--video", type=Path, default=ROOT.parent / "shared/videos/Robbery102_crop.mp4")
    ap.add_argument("--realtime-s", type=float, default=60.0, help="seconds of the real-time run")
    ap.add_argument("--minutes", type=float, default=10.0, help="stream minutes, sustained run")
    ap.add_argument("--profiles", default="tiny,cpu-fake")
    args = ap.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("bench_live: needs ffmpeg (apt-get install ffmpeg)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="zsvad-bench-live-"))
    print(f"clip {args.video.name}, looped; outputs under {tmp}")
    header = (f"{'profile':9} {'window latency p50 / p95':>25} {'skipped':>12} "
              f"{'RTF (sustained)':>16} {'RSS after':>12} {'peak RSS':>9}")  # fmt: skip
    rows = []
    for profile in args.profiles.split(","):
        rt = run_realtime(profile, ffmpeg, args.video, args.realtime_s, tmp)
        su = run_sustained(profile, ffmpeg, args.video, args.minutes, tmp)
        print(
            f"{profile}: real time {rt['stream_s']:.0f} s of stream: {rt['windows']} windows "
            f"scored, {rt['windows_skipped']} skipped, latency p50 {rt['latency_p50_s']} s, "
            f"p95 {rt['latency_p95_s']} s, {rt['model_s_per_window']} s model time a window, "
            f"RSS {rt['rss_mb']:.0f} MB"
        )
        print(
            f"{profile}: sustained {su['stream_s']:.0f} s of stream "
            f"(run {su['wall_s']:.0f} s with start-up): RTF {su['realtime_factor']} "
            f"(scoring alone {su['scoring_capacity']}x), {su['windows']} windows, "
            f"{su['windows_skipped']} skipped, RSS {su['rss_mb']:.0f} MB, "
            f"peak {su['hwm_mb']:.0f} MB"
        )
        rows.append(
            f"{profile:9} {rt['latency_p50_s']:>11.3f} / {rt['latency_p95_s']:.3f} s "
            f"{rt['windows_skipped']:>4} of {rt['windows'] + rt['windows_skipped']:<4} "
            f"{su['realtime_factor']:>15.1f}x {su['rss_mb']:>9.0f} MB {su['hwm_mb']:>6.0f} MB"
        )
    print(f"\n(real time: {args.realtime_s:g} s; sustained: {args.minutes:g} min of stream, "
          "as fast as it goes, nothing skipped)")  # fmt: skip
    print(header)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
