"""``zsvad watch`` on real local streams sent by Debian's ffmpeg (127.0.0.1 only): the window
scores of ``zsvad score``, alerts to JSONL, a reconnect after the stream is killed and
restarted, garbage reported with backoff, clean shutdown on SIGTERM.

Every wait is bounded; the processes are stopped by the test whatever happens."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from data_paths import ROOT, VIDEOS

from zsvad.cli.main import main
from zsvad.configure import load_config
from zsvad.live.runner import Watch, WatchOptions
from zsvad.live.sources import parse_sources
from zsvad.results.folders import collect
from zsvad.results.io import read_result

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None,
    reason="ffmpeg is not installed: it sends the test streams (scripts/setup.sh --dev installs "
    "Debian's ffmpeg; or apt-get install ffmpeg)",
)
WAIT_S = 120.0
"""Longest wait for any one step (the machine may be busy); a step normally takes seconds."""


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ffmpeg(video: Path, url: str, *, listen: bool = False, loop: bool = False):
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-re"]
    cmd += ["-stream_loop", "-1"] if loop else []
    cmd += ["-i", str(video), "-c", "copy", "-f", "mpegts"]
    cmd += ["-listen", "1"] if listen else []
    return subprocess.Popen([*cmd, url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def _watch(tmp_path: Path, source: str, *sets: str) -> tuple[subprocess.Popen, Path, Path]:
    out = tmp_path / "out"
    log = tmp_path / "watch.log"
    cmd = [sys.executable, "-m", "zsvad", "watch", source, "--out", str(out), "--quiet",
           "--profile", "tiny"]  # fmt: skip
    for s in sets:
        cmd += ["--set", s]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])}
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    return proc, out, log


def _events(out: Path) -> list[dict]:
    path = out / "alerts.jsonl"
    if not path.exists():
        return []
    lines = path.read_text().split("\n")[:-1]  # a line is complete once its newline is there
    return [json.loads(line) for line in lines if line]


def _wait(what: str, check, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{what}: not seen (watch rc={proc.poll()}):\n{log.read_text()[-3000:]}")


def _stop(*procs):
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            with contextlib.suppress(Exception):
                p.wait(10)


def _terminate(proc: subprocess.Popen, log: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    proc.wait(WAIT_S)
    text = log.read_text()
    assert proc.returncode == 143, text[-3000:]
    assert "terminated" in text and "Traceback" not in text, text[-3000:]
    return text


@needs_ffmpeg
def test_http_stream_gives_score_s_window_scores_and_stops_on_sigterm(tmp_path):
    video = VIDEOS / "carphone_pristine.mp4"  # 4.004 s: a full window and a clipped last one
    port = _free_port()
    sender = _ffmpeg(video, f"http://127.0.0.1:{port}", listen=True)
    proc = None
    try:
        proc, out, log = _watch(tmp_path, f"cam=http://127.0.0.1:{port}",
                                "live.reconnect_max_s=1")  # fmt: skip

        def ended():
            return any(e["event"] == "stream_down" for e in _events(out))

        _wait("the end of the stream", ended, proc, log)
        _terminate(proc, log)
    finally:
        _stop(sender, proc)
    [file] = sorted((out / "cam" / "results").glob("*.json"))
    live = read_result(file)
    assert main(["score", str(video), "--out", str(tmp_path / "score"), "--profile", "tiny",
                 "--quiet"]) == 0  # fmt: skip
    expected = read_result(tmp_path / "score" / "carphone_pristine.json")
    assert [w.model_dump() for w in live.windows] == [w.model_dump() for w in expected.windows]
    assert [(w.start, w.end) for w in live.windows] == [(0.0, 4.0), (2.0, 4.004)]
    summary = json.loads((out / "live.json").read_text())
    assert summary["stopped"] == "signal SIGTERM"
    cam = summary["cameras"]["cam"]
    assert cam["windows"] == 2 and cam["windows_skipped"] == 0 and cam["sessions"] == 1
    assert cam["latency_p50_s"] is not None
    assert [r.video_id for r, _, _ in collect(out).results()] == [live.video_id]


@needs_ffmpeg
def test_alert_then_reconnect_after_the_stream_is_killed_and_restarted(tmp_path):
    video = VIDEOS / "bikes.mp4"
    port = _free_port(socket.SOCK_DGRAM)
    url = f"udp://127.0.0.1:{port}"
    alarm = ["captioner.backend=fake_alarm", "image_embedder.backend=null",
             "captioner.options={alarm: [[0, 100000]]}"]  # fmt: skip
    alarm.append("audio.backend=null")  # a mute clip: no audio model to build
    faults = ["live.read_timeout_s=1", "live.open_timeout_s=2", "live.reconnect_min_s=0.5",
              "live.reconnect_max_s=1"]  # fmt: skip
    proc, out, log = _watch(tmp_path, f"cam={url}", *alarm, *faults)
    sender = None
    try:
        sender = _ffmpeg(video, url, loop=True)

        def seen(kind, session=None, reason=""):
            def check():
                return [
                    e
                    for e in _events(out)
                    if e["event"] == kind
                    and (session is None or e.get("session") == session)
                    and reason in (e.get("reason") or "")
                ]

            return check

        [opened] = _wait("an alert", seen("alert_open"), proc, log)[:1]
        assert opened["camera"] == "cam" and opened["peak_score"] >= 0.5
        assert "Gunfire" in opened["explanation"] and opened["keyframe"]
        assert Path(opened["keyframe"]).is_file()
        sender.kill()  # the stream dies mid-flight
        sender.wait(10)
        _wait("the stall", seen("stream_down", 1, "stalled"), proc, log)
        _wait("the alert closing", seen("alert_close", reason="stream down"), proc, log)
        sender = _ffmpeg(video, url, loop=True)  # and comes back
        [up] = _wait("the reconnection", seen("stream_up", 2), proc, log)
        assert up["stream_s"] > 0  # the camera's stream time goes on

        def second_alert():
            events = _events(out)
            ups = [i for i, e in enumerate(events) if e["event"] == "stream_up"]
            return len(ups) >= 2 and any(e["event"] == "alert_open" for e in events[ups[1] :])

        _wait("an alert after the reconnection", second_alert, proc, log)
        _terminate(proc, log)
    finally:
        _stop(sender, proc)
    events = _events(out)
    assert events[-1]["event"] == "alert_close" and events[-1]["reason"] == "shutdown"
    cam = json.loads((out / "live.json").read_text())["cameras"]["cam"]
    assert cam["sessions"] >= 2 and cam["stalls"] >= 1 and cam["alerts"] >= 2
    results = [read_result(f) for f in (out / "cam" / "results").glob("*.json")]
    starts = [r.provenance.stats["stream_start_s"] + w.start for r in results for w in r.windows]
    assert max(starts) >= up["stream_s"] - 1e-3  # the second session's windows were kept


class _Garbage(BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):
        type(self).requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "video/mp2t")
        self.end_headers()
        self.wfile.write(os.urandom(64 * 1024))

    def log_message(self, *args):
        pass


def test_a_source_sending_garbage_is_reported_and_retried_with_backoff(tmp_path):
    handler = type("Handler", (_Garbage,), {"requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/cam.ts"
    cfg = load_config("tiny", overrides=["captioner.backend=fake", "image_embedder.backend=fake",
                                         "live.reconnect_min_s=0.2", "live.reconnect_max_s=0.8",
                                         "live.open_timeout_s=2"])  # fmt: skip
    out = tmp_path / "out"
    try:
        summary = Watch(cfg, parse_sources([f"cam={url}"]), WatchOptions(out, duration_s=4)).run()
    finally:
        server.shutdown()
        server.server_close()
    cam = summary["cameras"]["cam"]
    assert cam["connect_failures"] >= 2 and cam["windows"] == 0 and cam["sessions"] == 0
    assert handler.requests == cam["connect_failures"]
    # backoff 0.2, 0.4, 0.8, 0.8 …: a handful of attempts in 4 s, not a busy loop
    assert handler.requests <= 8
    [event] = [e for e in _events(out) if e["event"] == "stream_error"]  # reported once
    assert event["reason"].startswith("cannot open") and url.split("/cam")[0] in event["source"]
    assert summary["stopped"] == "duration reached"
