"""``zsvad watch`` under faults, in process: credentials never reach logs or files, a bad frame
ends only its session, a model error skips only its batch, NaN scores never alert, shutdown
writes first, signals take no lock, reserved camera names, the webhook client's close."""

from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path

import pytest
from video_helpers import make_video

from zsvad.backends.openai_client import BackendHTTPError
from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.live import reader as reader_mod
from zsvad.live import runner as runner_mod
from zsvad.live.backpressure import PendingWindows
from zsvad.live.reader import FINISHED, Reader, StreamEvent
from zsvad.live.runner import MAX_FAILED_BATCHES, Watch, WatchOptions
from zsvad.live.sources import Source, parse_source, parse_sources
from zsvad.live.stats import CameraStats

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake", "video.cache=false"]
URL = "rtsp://u:secret@127.0.0.1:1/x"


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=123, fps=10, size=(64, 48))  # 12.3 s


def _files_text(out: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_stream_credentials_reach_no_log_and_no_file(tmp_path, monkeypatch, caplog):
    calls = []

    class Container:
        def close(self):
            if len(calls) == 3:  # escapes the reader's loop: the thread's last resort
                raise RuntimeError(f"could not close {URL}")

    def open_source(source, live):
        calls.append(source.target)
        if len(calls) == 1:
            raise OSError(f"Connection refused: '{source.target}'")
        return Container()

    def bad_read(self, container):
        raise ValueError(f"bad data from {self.source.target}")

    monkeypatch.setattr(reader_mod, "open_source", open_source)
    monkeypatch.setattr(Reader, "_read", bad_read)
    caplog.set_level(logging.INFO)
    cfg = load_config("tiny", overrides=[*FAKES, "live.reconnect_min_s=0.01"])
    out = tmp_path / "out"
    summary = Watch(cfg, [parse_source(f"cam={URL}")], WatchOptions(out_dir=out)).run()
    assert calls == [URL] * 3  # refused, bad read (reconnected), reader failed (ends)
    assert summary["stopped"] == "every source ended"
    events = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["stream_error", "stream_error"]
    assert "RuntimeError" in events[-1]["reason"] and "***@127.0.0.1" in events[-1]["reason"]
    assert "reader failed: ValueError" in caplog.text  # the bad read was logged, redacted
    text = caplog.text + _files_text(out)
    assert (out / "live.json").exists() and "secret" not in text
    with pytest.raises(ConfigError) as err:
        parse_source("/no/such/cam?password=secret")  # not a URL: taken for a missing file
    assert "secret" not in str(err.value)


def test_a_bad_frame_ends_the_session_and_the_live_camera_reconnects(video, monkeypatch):
    real = Reader._frame
    raised = []

    def frame_once(self, *args):
        if self.stats.frames == 30 and not raised:
            raised.append(self.stats.frames)
            raise ValueError("frame conversion failed")
        return real(self, *args)

    monkeypatch.setattr(Reader, "_frame", frame_once)
    cfg = load_config("tiny", overrides=[*FAKES, "live.reconnect_min_s=0.01"])
    source = Source("cam", str(video), "url")  # a file opened as a stream: reconnected
    stop = threading.Event()
    pending = PendingWindows(["cam"], 10_000, {"cam": "block"})
    reader = Reader(source, cfg, pending, CameraStats(), stop)
    reader.start()
    events = []
    while len([e for e in events if e.event == "stream_up"]) < 2:
        for item in pending.take(100, 5.0):
            if isinstance(item.marker, StreamEvent):
                events.append(item.marker)
            assert item.marker != FINISHED, "the reader died"
    stop.set()
    pending.close()
    reader.join(timeout=30)
    assert raised == [30]
    assert [e.event for e in events[:3]] == ["stream_up", "stream_down", "stream_up"]
    assert "ValueError: frame conversion failed" in events[1].reason
    assert not reader.is_alive()


def test_a_transient_model_error_skips_one_batch_only(tmp_path, video, monkeypatch):
    cfg = load_config("tiny", overrides=[*FAKES, "video.batch_size=2"])
    watch = Watch(cfg, parse_sources([f"cam={video}"]), WatchOptions(out_dir=tmp_path / "o"))
    watch.start()
    captioner = watch.pipeline.parts.get("captioner")
    real, calls = captioner.caption, []

    def flaky(clips):
        calls.append(len(clips))
        if len(calls) == 2:
            raise BackendHTTPError("server said 503")
        return real(clips)

    monkeypatch.setattr(captioner, "caption", flaky)
    summary = watch.run()
    cam = summary["cameras"]["cam"]
    assert summary["stopped"] == "every source ended"
    assert cam["windows_failed"] == calls[1] > 0
    assert cam["windows"] + cam["windows_failed"] == sum(calls) and len(calls) > 2


def test_model_errors_in_a_row_stop_the_watch(tmp_path, video, monkeypatch):
    cfg = load_config("tiny", overrides=[*FAKES, "video.batch_size=1"])
    watch = Watch(cfg, parse_sources([f"cam={video}"]), WatchOptions(out_dir=tmp_path / "o"))
    watch.start()
    calls = []

    def broken(clips):
        calls.append(1)
        raise BackendHTTPError("server gone")

    monkeypatch.setattr(watch.pipeline.parts.get("captioner"), "caption", broken)
    with pytest.raises(BackendHTTPError):
        watch.run()
    assert len(calls) >= MAX_FAILED_BATCHES  # the shutdown tries what is waiting once more
    live = json.loads((tmp_path / "o" / "live.json").read_text())
    assert live["cameras"]["cam"]["windows_failed"] >= MAX_FAILED_BATCHES


def test_a_nan_score_is_skipped_and_never_alerts(tmp_path, video, monkeypatch):
    real = runner_mod.score_clips

    def nan_scores(*args, **kw):
        windows = real(*args, **kw)
        return [w.model_copy(update={"score": math.nan}) if w else w for w in windows]

    monkeypatch.setattr(runner_mod, "score_clips", nan_scores)
    cfg = load_config("tiny", overrides=[*FAKES, "live.threshold=0"])  # any number alerts
    out = tmp_path / "out"
    summary = Watch(cfg, parse_sources([f"cam={video}"]), WatchOptions(out_dir=out)).run()
    cam = summary["cameras"]["cam"]
    assert cam["windows_nonfinite"] > 0 and cam["windows"] == 0 and cam["alerts"] == 0
    assert "alert_open" not in (out / "alerts.jsonl").read_text()


def test_shutdown_writes_before_waiting_for_readers_one_deadline_for_all(tmp_path, video):
    cfg = load_config("tiny", overrides=[*FAKES, "live.read_timeout_s=2"])
    out = tmp_path / "out"
    watch = Watch(cfg, parse_sources([f"a={video}", f"b={video}"]), WatchOptions(out_dir=out))
    watch.start()
    while not all(cam.done for cam in watch.cameras.values()):
        watch._process(watch.pending.take(4, 1.0))  # the loop of run(), without its flushes
    assert not (out / "live.json").exists()
    joins = []

    class Stuck:
        in_session = True

        def join(self, timeout=None):
            joins.append((timeout, (out / "live.json").exists()))

        def is_alive(self):
            return True

    for cam in watch.cameras.values():
        cam.reader = Stuck()
    watch.shutdown()
    assert len(joins) == 2 and all(written for _, written in joins)
    assert joins[1][0] <= joins[0][0] <= cfg.live.read_timeout_s + 1  # one shared deadline


def test_the_signal_handler_takes_no_lock(tmp_path, video):
    import signal

    from zsvad.cli.watch import _Signals

    cfg = load_config("tiny", overrides=FAKES)
    watch = Watch(cfg, parse_sources([f"cam={video}"]), WatchOptions(out_dir=tmp_path / "o"))
    signals = _Signals(watch.ask_stop)
    watch.stop._cond.acquire()  # the interrupted thread holds the stop event's lock
    try:
        signals._handle(signal.SIGTERM, None)  # would deadlock if it set the event
    finally:
        watch.stop._cond.release()
    assert watch.asked == "signal SIGTERM" and not watch.stop.is_set()
    summary = watch.run()  # the loop sees the request at once
    assert summary["stopped"] == "signal SIGTERM"


@pytest.mark.parametrize("name", ["live.json", "alerts.jsonl", "Results", "summary.x"])
def test_camera_names_of_output_files_are_refused(video, name):
    with pytest.raises(ConfigError, match=f"camera name '{name}' is reserved") as err:
        parse_source(f"{name}=rtsp://u:secret@cam/x")
    assert "\n" not in str(err.value) and "rtsp://***@cam/x" in str(err.value)


def test_webhook_client_is_closed_by_its_thread_after_the_request(monkeypatch):
    from zsvad.live.webhook import WebhookSink

    entered, release = threading.Event(), threading.Event()
    state = {"in_flight": False, "closed_in_flight": None}

    class Answer:
        status_code, headers = 200, {}

        def __enter__(self):
            state["in_flight"] = True
            entered.set()
            release.wait(30)
            return self

        def __exit__(self, *exc):
            state["in_flight"] = False

    class Client:
        def stream(self, *args, **kw):
            return Answer()

        def close(self):
            state["closed_in_flight"] = state["in_flight"]

    hook = WebhookSink("http://127.0.0.1:1/hook", timeout_s=0.01, retries=0)
    hook._client.close()
    hook._client = Client()
    hook.send({"event": "alert_open"})
    assert entered.wait(30)
    hook.close(wait_s=0)  # the request is still in flight: the client stays open
    assert state["closed_in_flight"] is None
    release.set()
    hook._thread.join(30)
    assert state["closed_in_flight"] is False and hook.stats()["sent"] == 1
