"""``zsvad watch`` in process on file sources (no network): the windows ``score`` gives, rolling
result files ``report`` reads, alerts with keyframes, source names and credentials."""

from __future__ import annotations

import json

import numpy as np
import pytest
from video_helpers import make_video

from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.live.runner import Watch, WatchOptions
from zsvad.live.scoring import RunningResidual
from zsvad.live.sources import parse_source, parse_sources
from zsvad.memory.retrieval import video_residual
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video
from zsvad.results.folders import collect
from zsvad.results.io import read_result

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake", "video.cache=false"]
FAKES += ["audio.backend=null"]  # the test clips are mute: no audio model to load (cue stays on)


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=123, fps=10, size=(64, 48))  # 12.3 s


def _watch(tmp_path, video, *overrides, name="cam1"):
    cfg = load_config("tiny", overrides=[*FAKES, *overrides])
    out = tmp_path / "out"
    watch = Watch(cfg, parse_sources([f"{name}={video}"]), WatchOptions(out_dir=out))
    summary = watch.run()
    return cfg, out, summary


def _windows(result):
    return [w.model_dump() for w in result.windows]


def test_a_file_gives_score_s_windows_in_rolling_chunks_report_reads(tmp_path, video):
    # video_residual 0: every window's score depends on that window alone (see the next test)
    cfg, out, summary = _watch(
        tmp_path, video, "live.result_chunk_s=5", "retrieval.video_residual=0"
    )
    expected = score_video(Pipeline(cfg), video)
    files = sorted((out / "cam1" / "results").glob("*.json"))
    assert len(files) == 2  # windows starting at 0, 2, 4 | 6, 8, 10 (chunks of 5 s)
    chunks = [read_result(f) for f in files]
    got = []
    for r in chunks:
        assert r.video_id.startswith("cam1/cam1_") and r.provenance.stats["curve"] == "causal"
        t0 = r.provenance.stats["stream_start_s"]
        got += [w | {"start": w["start"] + t0, "end": w["end"] + t0} for w in _windows(r)]
    assert got == _windows(expected)  # scores, texts, evidence: all equal
    assert chunks[0].provenance.config_hash != expected.provenance.config_hash  # + causal
    assert len(collect(out).sources) == 2  # zsvad report OUT finds them
    cam = summary["cameras"]["cam1"]
    assert cam["windows"] == len(expected.windows) and cam["windows_skipped"] == 0
    assert summary["stopped"] == "every source ended"
    assert json.loads((out / "live.json").read_text())["cameras"]["cam1"]["frames"] == 123


def test_the_video_residual_is_causal(tmp_path, video):
    """With ``retrieval.video_residual`` a caption's score depends on the video's other
    captions; live, window k is scored as the last caption of a video ending with it."""
    cfg, out, _ = _watch(tmp_path, video)
    [result] = [read_result(f) for f in (out / "cam1" / "results").glob("*.json")]
    expected = score_video(Pipeline(cfg), video)
    pipe = Pipeline(cfg)
    texts = [w.text for w in result.windows]
    assert texts == [w.text for w in expected.windows] and len(set(texts)) > 1
    for k, w in enumerate(result.windows):
        prefix = pipe.retriever.score_texts(texts[: k + 1], pipe.query_embedder)
        assert w.scores["retrieval"] == pytest.approx(prefix[-1].score, abs=2e-6)
        assert w.scores["clip"] == expected.windows[k].scores["clip"]
    # the last window saw every caption, like score's windows: the same score
    assert result.windows[-1].scores == pytest.approx(expected.windows[-1].scores, abs=2e-6)
    assert result.windows[0].scores != pytest.approx(expected.windows[0].scores, abs=1e-3)


def test_running_residual_equals_video_residual_of_the_recent_captions():
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((12, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    running = RunningResidual(0.5, keep=5)
    got = np.concatenate([running(vecs[:3]), running(vecs[3:4]), running(vecs[4:])])
    for k in range(12):
        recent = vecs[max(0, k - 4) : k + 1]
        assert got[k] == pytest.approx(video_residual(recent, 0.5)[-1], abs=1e-6)


def test_alerts_go_to_jsonl_with_keyframe_and_to_the_result_segments(tmp_path, video):
    _, out, summary = _watch(
        tmp_path,
        video,
        "captioner.backend=fake_alarm",
        "image_embedder.backend=null",
        "captioner.options={alarm: [[4, 8]]}",
        "live.smoothing=none",  # the window scores themselves: 0.02 and 0.98
    )
    events = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == [
        "stream_up",
        "alert_open",
        "stream_down",  # the file ended: its open alert closes with it
        "alert_close",
    ]
    opened, closed = events[1], events[3]
    assert opened["camera"] == "cam1" and opened["start_s"] == 2.0  # first window touching 4 s
    assert opened["peak_score"] >= 0.5 and opened["meaningless"] is True
    assert "Gunfire" in opened["explanation"] and opened["evidence"]
    assert closed["alert_id"] == opened["alert_id"] and closed["end_s"] == 10.0
    assert closed["reason"].startswith("stream down: end of stream")
    assert (out / "cam1" / "keyframes" / f"{opened['alert_id']}.jpg").stat().st_size > 0
    [result] = [read_result(f) for f in (out / "cam1" / "results").glob("*.json")]
    [segment] = result.segments
    assert (segment.start, segment.end) == (2.0, 10.0) and "Gunfire" in segment.explanation
    assert summary["cameras"]["cam1"]["alerts"] == 1


def test_sources_are_named_and_shown_without_credentials(tmp_path, video):
    s = parse_source("door=rtsp://admin:secret@10.0.0.7:554/stream1")
    assert (s.name, s.kind, s.live) == ("door", "url", True)
    assert "secret" not in s.shown and s.shown.startswith("rtsp://***@10.0.0.7")
    assert parse_source("udp://127.0.0.1:5000?fifo_size=10").name == "127.0.0.1-5000"
    assert parse_source("http://h/x.ts?a=b").kind == "url"  # '=' in a query is not NAME=
    assert parse_source("/dev/video0").device_format == "v4l2"
    assert parse_source("avfoundation:0").kind == "device"
    f = parse_source(str(video), realtime=True)
    assert (f.name, f.kind, f.realtime, f.live) == ("clip", "file", True, False)
    with pytest.raises(ConfigError, match="unsupported scheme 'ftp'"):
        parse_source("ftp://user:pw@host/x")
    with pytest.raises(ConfigError, match="two sources are named 'clip'"):
        parse_sources([str(video), "clip=udp://127.0.0.1:5000"])
    with pytest.raises(ConfigError, match="camera name"):
        parse_source(f"front door={video}")
    with pytest.raises(ConfigError, match="not a URL, device or video file"):
        parse_source(str(tmp_path / "missing.mp4"))


def test_several_cameras_share_one_model_load(tmp_path, video, monkeypatch):
    from zsvad import registry

    created = []
    real_create = registry.create
    monkeypatch.setattr(
        registry,
        "create",
        lambda kind, name, **kw: created.append(kind) or real_create(kind, name, **kw),
    )
    other = make_video(tmp_path / "other.mp4", n=61, fps=10, size=(48, 64))
    cfg = load_config("tiny", overrides=[*FAKES, "retrieval.video_residual=0"])
    out = tmp_path / "out"
    sources = parse_sources([f"a={video}", f"b={other}", f"c={video}"])
    summary = Watch(cfg, sources, WatchOptions(out_dir=out)).run()
    models = ["captioner", "face_detector", "image_text_embedder", "text_embedder"]
    assert sorted(created) == models  # the keyframes' face detector is shared too
    pipe = Pipeline(cfg)
    for cam, path in (("a", video), ("b", other), ("c", video)):
        [result] = [read_result(f) for f in (out / cam / "results").glob("*.json")]
        assert _windows(result) == _windows(score_video(pipe, path))
        assert summary["cameras"][cam]["windows"] == len(result.windows)
