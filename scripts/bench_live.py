"""Live-mode benchmark: latency, sustained real-time factor, skipped windows, memory.

    PYTHONPATH=. .venv/bin/python scripts/bench_live.py [--realtime-s 60] [--minutes 10]
        [--video ../shared/videos/Robbery102_crop.mp4] [--profiles tiny,cpu-fake] [--audio]

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

``--audio`` measures what hearing costs instead: the same two runs on the clip with a sound
track muxed in by the sender (pink noise with a loud burst every 10 s, 48 kHz stereo AAC), once
with the audio section off and once with the weight-free acoustic cue on (``audio.cue=true``,
no audio model), so the latency figures include the wait of each window for its sound.

Profiles: ``tiny`` (random-weight 2-layer CLIP ViT and 1-layer BLIP captioner: meaningless
scores) and ``cpu-fake`` (the ``cpu`` profile's sampling and 24,832-caption memory with its
MiniLM text embedder, the CLIP model replaced by the zero-cost fake image embedder and no
CLAP, the acoustic cue kept: the pipeline's own cost around the models).
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
        "--set",
        "image_embedder.pretrained=null",  # an open_clip option the fake does not take
        "--set",
        "audio.backend=null",  # CLAP's weights are not reachable offline either (the cue stays)
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


AUDIO_VARIANTS = {
    "no audio": ["--set", "audio.cue=false", "--set", "audio.backend=null"],
    "cue": ["--set", "audio.cue=true", "--set", "audio.backend=null"],
}
"""``--audio``: the audio settings compared (no audio model in either)."""
SOUND = (
    "anoisesrc=color=pink:amplitude=0.02:sample_rate=48000,"
    "volume=volume=20:enable='lt(mod(t,10),0.15)'"
)
"""The sound ``--audio`` muxes into the stream: quiet pink noise, 26 dB louder for 0.15 s every
10 s."""


def watch(profile: str, source: str, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "zsvad", "watch", f"cam={source}", "--out", str(out),
           "--quiet", *PROFILES[profile], *extra]  # fmt: skip
    log = open(out.parent / f"{out.name}.log", "w")  # noqa: SIM115 (the child's log)
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def sender(ffmpeg: str, video: Path, url: str, *, realtime: bool, seconds: float | None,
           listen: bool, sound: bool = False) -> subprocess.Popen:  # fmt: skip
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin"]
    cmd += ["-re"] if realtime else []
    cmd += ["-stream_loop", "-1", "-i", str(video)]
    if sound:  # the clip's video with a synthetic sound track
        cmd += (["-re"] if realtime else []) + ["-f", "lavfi", "-i", SOUND]
        cmd += ["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-ac", "2"]
    else:
        cmd += ["-c", "copy"]
    cmd += ["-t", f"{seconds:g}"] if seconds else []
    cmd += ["-f", "mpegts"] + (["-listen", "1"] if listen else []) + [url]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)


def wait_ready(out: Path, proc: subprocess.Popen, limit: float = 600) -> None:
    """Until the watcher has loaded its models and written its first status."""
    deadline = time.monotonic() + limit
    while not (out / "live.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"watch did not start: {(out.parent / (out.name + '.log'))}")
        time.sleep(0.2)


def run_realtime(
    profile: str,
    ffmpeg: str,
    video: Path,
    seconds: float,
    tmp: Path,
    extra: tuple[str, ...] = (),
    sound: bool = False,
    tag: str = "",
) -> dict:
    out = tmp / f"{profile}{tag}-realtime"
    port = free_port(socket.SOCK_DGRAM)
    url = f"udp://127.0.0.1:{port}"
    proc = watch(profile, url, out, "--set", "live.flush_s=1", *extra)
    wait_ready(out, proc)
    send = sender(ffmpeg, video, url, realtime=True, seconds=None, listen=False, sound=sound)
    time.sleep(seconds)
    rss = rss_mb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(300)
    send.kill()
    send.wait(10)
    cam = json.loads((out / "live.json").read_text())["cameras"]["cam"]
    return {"rss_mb": rss, **cam}


def run_sustained(
    profile: str,
    ffmpeg: str,
    video: Path,
    minutes: float,
    tmp: Path,
    extra: tuple[str, ...] = (),
    sound: bool = False,
    tag: str = "",
) -> dict:
    out = tmp / f"{profile}{tag}-sustained"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    send = sender(ffmpeg, video, url, realtime=False, seconds=minutes * 60, listen=True,
                  sound=sound)  # fmt: skip
    proc = watch(profile, url, out, "--set", "live.backpressure=block",
                 "--set", "live.reconnect_min_s=30", *extra)  # fmt: skip
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
    ap.add_argument(
        "--audio",
        action="store_true",
        help="compare no audio / the acoustic cue on the clip with a sound track",
    )
    args = ap.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("bench_live: needs ffmpeg (apt-get install ffmpeg)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="zsvad-bench-live-"))
    print(f"clip {args.video.name}, looped; outputs under {tmp}")
    if args.audio:
        return bench_audio(args, ffmpeg, tmp)
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


def bench_audio(args, ffmpeg: str, tmp: Path) -> int:
    """``--audio``: each profile without audio and with the acoustic cue, on a stream with
    sound."""
    print(f"sound: {SOUND} (48 kHz stereo AAC)")
    rows = []
    for profile in args.profiles.split(","):
        for variant, sets in AUDIO_VARIANTS.items():
            tag = "-" + variant.replace(" ", "-")
            rt = run_realtime(profile, ffmpeg, args.video, args.realtime_s, tmp, tuple(sets),
                              sound=True, tag=tag)  # fmt: skip
            su = run_sustained(profile, ffmpeg, args.video, args.minutes, tmp, tuple(sets),
                               sound=True, tag=tag)  # fmt: skip
            print(
                f"{profile} / {variant}: real time {rt['windows']} windows, "
                f"{rt['windows_skipped']} skipped, latency p50 {rt['latency_p50_s']} s, p95 "
                f"{rt['latency_p95_s']} s, audio windows {rt.get('audio_windows', 0)} "
                f"(late {rt.get('audio_late', 0)}); sustained RTF {su['realtime_factor']}, "
                f"{su['windows']} windows, RSS {su['rss_mb']:.0f} MB"
            )
            rows.append(
                f"{profile:9} {variant:9} "
                f"{rt['latency_p50_s']:>11.3f} / {rt['latency_p95_s']:.3f} s "
                f"{rt['windows_skipped']:>4} of {rt['windows'] + rt['windows_skipped']:<4} "
                f"{rt.get('audio_windows', 0):>6} {su['realtime_factor']:>12.1f}x"
            )
    print(f"\n(real time: {args.realtime_s:g} s over UDP; sustained: {args.minutes:g} min of "
          "stream over HTTP, as fast as it goes)")  # fmt: skip
    print(f"{'profile':9} {'audio':9} {'window latency p50 / p95':>25} {'skipped':>12} "
          f"{'heard':>6} {'RTF (sust.)':>13}")  # fmt: skip
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
