"""``zsvad watch`` hears: the acoustic cue (and an audio-text model) on live streams, from the
sound demuxed with the video: a burst in a real ffmpeg stream raises its windows and the alert
says so; a ``--realtime`` file gives ``score``'s audio components once the causal baseline is
past; a stream without sound, or whose sound does not decode, is scored from its video; the
causal cue itself (no look-ahead, bounded memory)."""

from __future__ import annotations

import logging
import threading
import time
from fractions import Fraction

import numpy as np
import pytest
from stream_helpers import (
    FFMPEG,
    StopWhenDown,
    encode,
    free_port,
    garbage_sound_video,
    lavfi_inputs,
    serve_http,
)
from video_helpers import quiet_with_bang

from zsvad.audio.causal import CausalCue
from zsvad.audio.cue import HOP_S, HopFeatures, window_cues
from zsvad.backends.protocols import Clip
from zsvad.config.audio import AudioConfig
from zsvad.configure import load_config
from zsvad.live.backpressure import PendingWindows
from zsvad.live.reader import Reader
from zsvad.live.runner import Watch, WatchOptions
from zsvad.live.sources import Source, parse_sources
from zsvad.live.stats import CameraStats
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video
from zsvad.results.io import read_result

needs_ffmpeg = pytest.mark.skipif(
    FFMPEG is None,
    reason="ffmpeg is not installed: it makes and sends the test streams (scripts/setup.sh --dev "
    "installs Debian's ffmpeg; or apt-get install ffmpeg)",
)
FAKES = ["captioner.backend=fake", "image_embedder.backend=fake", "video.cache=false"]
FAKES += ["retrieval.video_residual=0"]  # every window's video score is that window's alone
CUE = ["audio.cue=true", "audio.backend=null", "audio.baseline_s=3", "live.audio_warmup_s=1.5"]
AUDIO = ("audio", "audio_cue")


def _watch(tmp_path, source: str, *overrides: str, realtime: bool = False):
    cfg = load_config("tiny", overrides=[*FAKES, *overrides])
    sink = StopWhenDown()
    options = WatchOptions(tmp_path / "out", extra_sinks=[sink], duration_s=120)
    watch = Watch(cfg, parse_sources([f"cam={source}"], realtime=realtime), options)
    sink.watch = watch
    summary = watch.run()
    [result] = [read_result(f) for f in (tmp_path / "out" / "cam" / "results").glob("*.json")]
    return cfg, result, summary["cameras"]["cam"], sink.events


def _audio(window) -> dict:
    return {k: v for k, v in window.scores.items() if k in AUDIO}


@needs_ffmpeg
def test_a_burst_in_a_stream_raises_the_cue_of_its_windows_and_the_alert_says_so(tmp_path):
    port = free_port()
    sender = serve_http([*lavfi_inputs(10, burst_at=7), "-c:v", "mpeg4", "-c:a", "aac"], port)
    try:
        _, result, cam, events = _watch(tmp_path, f"http://127.0.0.1:{port}", *CUE,
                                        "live.backpressure=block", "live.smoothing=none",
                                        "live.threshold=0.9")  # fmt: skip
    finally:
        sender.kill()
        sender.wait(10)
    cue = {(w.start, w.end): w.scores.get("audio_cue") for w in result.windows}
    holding = [w for w in cue if w[0] <= 7 < w[1]]
    assert holding == [(4.0, 8.0), (6.0, 10.0)]
    assert min(cue[w] for w in holding) > 0.9
    quiet = [c for w, c in cue.items() if w not in holding and c is not None]
    assert quiet and max(quiet) < 0.1
    assert cue[(0.0, 4.0)] is None  # 1.5 s of warm-up: nothing heard before the first window
    assert cam["audio"] == "ok" and cam["audio_codec"] == "aac" and cam["audio_s"] > 9.5
    assert cam["audio_windows"] == len(result.windows) - 1 and cam["audio_late"] == 0
    [opened] = [e for e in events if e["event"] == "alert_open"]
    assert opened["start_s"] == 4.0  # the first window holding the burst
    assert "audio raised it by" in opened["explanation"]
    assert "sudden loud sound at 00:07" in opened["explanation"]
    assert result.provenance.config["audio"]["cue"] is True  # provenance lists the audio used


@needs_ffmpeg
def test_a_realtime_file_gives_score_s_audio_components_after_the_baseline(tmp_path):
    video = encode(tmp_path / "burst.mp4", 10, burst_at=7)
    clap = ["audio.backend=transformers", "audio.model=tiny", "audio.batch_size=3"]
    cfg, result, cam, _ = _watch(tmp_path, str(video), *CUE, *clap, realtime=True)
    expected = score_video(Pipeline(cfg), video)
    assert [(w.start, w.end) for w in result.windows] == [
        (w.start, w.end) for w in expected.windows
    ]
    after = [i for i, w in enumerate(expected.windows) if w.start >= cfg.audio.baseline_s]
    assert len(after) >= 2
    for i in after:  # the same cue, the same CLAP vector of the same samples, the same fusion
        assert result.windows[i].model_dump() == expected.windows[i].model_dump()
        assert set(_audio(result.windows[i])) == {"audio", "audio_cue"}
    first = result.windows[0]  # score looked ahead for its baseline; live was warming up
    assert "audio_cue" in expected.windows[0].scores and "audio_cue" not in first.scores
    assert first.scores["audio"] == expected.windows[0].scores["audio"]  # CLAP needs no past
    assert cam["audio_windows"] == len(result.windows) and cam["realtime_factor"] < 1.5
    assert "audio_text_embedder" in {m.role for m in result.provenance.models}


@needs_ffmpeg
def test_a_stream_without_sound_is_scored_from_its_video_and_says_so_once(tmp_path, caplog):
    video = encode(tmp_path / "mute.ts", 6, sound=False)  # MPEG-TS: headers in the stream
    port = free_port()
    sender = serve_http(["-i", str(video), "-c", "copy"], port)
    caplog.set_level(logging.INFO, logger="zsvad")
    try:
        cfg, result, cam, _ = _watch(tmp_path, f"http://127.0.0.1:{port}", *CUE,
                                     "live.backpressure=block")  # fmt: skip
    finally:
        sender.kill()
        sender.wait(10)
    expected = score_video(Pipeline(cfg), video)
    assert [w.model_dump() for w in result.windows] == [w.model_dump() for w in expected.windows]
    assert not any(_audio(w) for w in result.windows)
    assert cam["audio"].startswith("no audio track") and cam["audio_windows"] == 0
    said = [r for r in caplog.records if "no audio track" in r.getMessage()]
    assert len(said) == 1


def test_sound_that_does_not_decode_leaves_the_video_scored(tmp_path, caplog):
    video = garbage_sound_video(tmp_path / "garbage.mkv")
    caplog.set_level(logging.INFO, logger="zsvad")
    cfg, result, cam, _ = _watch(tmp_path, str(video), *CUE, "live.max_bad_packets=20")
    expected = score_video(Pipeline(cfg), video)  # score skips every bad packet: no sound
    assert len(result.windows) == 4
    assert [w.model_dump() for w in result.windows] == [w.model_dump() for w in expected.windows]
    assert not any(_audio(w) for w in result.windows)
    assert cam["audio"].startswith("audio could not be decoded (20 packets in a row")
    assert cam["audio_failures"] == 1 and cam["audio_bad_packets"] == 20
    assert cam["frames"] == 100 and "last_error" not in cam  # the video went on
    warned = [r for r in caplog.records if "could not be decoded" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING


def test_audio_off_reads_no_sound(tmp_path):
    video = garbage_sound_video(tmp_path / "garbage.mkv", seconds=6)
    _, result, cam, _ = _watch(tmp_path, str(video), "audio.cue=false", "audio.backend=null")
    assert result.windows and not any(_audio(w) for w in result.windows)
    assert "audio" not in cam and "audio" not in result.provenance.stats


def test_the_causal_cue_is_score_s_once_the_baseline_is_past_and_never_looks_ahead():
    rate = 16_000
    x = quiet_with_bang(60, 41.0, rate=rate)
    t = np.arange(int(0.15 * rate)) / rate
    x[5 * rate : 5 * rate + len(t)] += 0.4 * np.sin(2 * np.pi * 1000 * t)  # a bang at 5 s
    cfg = AudioConfig(cue=True, sample_rate=rate, baseline_s=10)
    windows = [(k * 2.0, k * 2.0 + 4.0) for k in range(29)]
    whole = HopFeatures(rate)
    whole.feed(x)
    expected = window_cues(whole.finish(), windows, cfg)
    causal = CausalCue(cfg, warmup_s=4.0)
    rng = np.random.default_rng(0)
    pos, got, kept = 0, [], 0
    for start, end in windows:  # fed in odd chunks; each window once its sound is there
        while pos < round(end * rate) + causal.frame_samples:
            n = int(rng.integers(100, 5000))
            causal.feed(x[pos : pos + n])
            pos += n
        got.append(causal.window(start, end))
        kept = max(kept, causal.kept)
    assert got[0] is None and got[1] is None  # less than 4 s heard before them
    assert expected[1].score > 0.9  # score's look-ahead baseline gave window 1 a cue
    assert [i for i, c in enumerate(got) if c is not None and c.score > 0.5] == [2, 19, 20]
    for (start, _), a, b in zip(windows, got, expected):
        if start >= cfg.baseline_s:
            assert a == b  # the same hops, the same baseline: the same cue
    ahead = CausalCue(cfg, warmup_s=4.0)
    ahead.feed(x)  # everything heard before any window is asked for: nothing changes
    assert [ahead.window(a, b) for a, b in windows] == got
    assert kept <= (cfg.baseline_s + 4.0 + 1.0) / HOP_S  # baseline + a window + one chunk


def test_a_window_waits_for_its_sound_at_most_audio_lag_s():
    import av

    cfg = load_config("tiny", overrides=[*FAKES, *CUE])  # lag 2 s, warm-up 1.5 s
    pending = PendingWindows(["cam"], 8, {"cam": "block"})
    stats = CameraStats()
    reader = Reader(Source("cam", "cam.ts", "file"), cfg, pending, stats, threading.Event())
    reader._hearing = True  # as after opening a source with an audio stream
    s = reader._start_session(time.time(), 10.0, 0.0)
    sound = quiet_with_bang(10, 5.0)  # 16 kHz

    def hear(a: float, b: float):  # the sound of [a, b) arrives
        for k in range(round(a * 16000), round(b * 16000), 1600):
            x = np.ascontiguousarray(sound[None, k : k + 1600])
            frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 16000, k, Fraction(1, 16000)
            reader._audio_frame(frame)

    def window(k: int):
        return Clip(k, 2.0 * k, 2.0 * k + 4, np.zeros((1, 2, 2, 3), np.uint8))

    hear(0, 3)
    reader._put(s, window(0))  # its sound reaches 3 s of 4: it waits
    reader._release(s, 5.9)
    assert len(s.held) == 1 and stats.audio_late == 0
    reader._release(s, 6.1)  # the video is 2.1 s past its end: it goes with what was heard
    assert not s.held and stats.audio_late == 1
    hear(3, 6.1)
    reader._put(s, window(1))  # (2, 6): all of its sound is here, it goes at once
    assert not s.held
    hear(6.1, 8.2)
    reader._put(s, window(2))  # (4, 8): like (2, 6), it holds the bang at 5 s
    items = [i.clip for i in pending.take(10, 0) if i.clip is not None]
    assert [i.clip.start for i in items] == [0.0, 2.0, 4.0]
    assert items[0].audio.cue is None  # nothing heard before it (and it went late)
    for item in items[1:]:
        assert item.audio.cue.score > 0.9 and item.audio.cue.peak == pytest.approx(5.0, abs=0.06)
    assert stats.audio_late == 1 and stats.audio_s == pytest.approx(8.2, abs=0.05)
