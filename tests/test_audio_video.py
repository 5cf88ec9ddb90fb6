"""Audio evidence through the video path: the cue, CLAP (tiny, offline), fusion, the cache."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import make_video, quiet_with_bang

import zsvad.audio.score as audio_score
from zsvad import registry
from zsvad.configure import load_config
from zsvad.errors import ModelNotAvailableError
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake", "video.cache=false"]
FAKES += ["audio.cue=false", "audio.backend=null"]  # audio off unless a test turns it on
BANG_AT = 7.0
TINY_CLAP = ["audio.backend=transformers", "audio.model=tiny", "audio.memory=surveillance"]


def _score(path, *overrides, profile="tiny"):
    return score_video(Pipeline(load_config(profile, overrides=[*FAKES, *overrides])), path)


@pytest.fixture
def bang(tmp_path):
    """12 s of video; quiet background noise with a loud bang at 7 s."""
    return make_video(tmp_path / "bang.mp4", n=120, fps=10, sound=quiet_with_bang(12, BANG_AT))


def _content(result):
    return result.model_dump(include={"frame_scores", "windows", "segments", "num_frames"})


def test_done_when_the_cue_peaks_at_the_bang_and_fused_scores_rise_there(bang):
    silent = _score(bang)  # audio off: the video path as before
    heard = _score(bang, "audio.cue=true")
    cue = [w.scores.get("audio_cue") for w in heard.windows]
    assert all(c is not None for c in cue)
    holding = [i for i, w in enumerate(heard.windows) if w.start <= BANG_AT < w.end]
    assert holding and int(np.argmax(cue)) in holding
    assert min(cue[i] for i in holding) > 0.9
    assert max(c for i, c in enumerate(cue) if i not in holding) < 0.1
    for i, (a, b) in enumerate(zip(silent.windows, heard.windows)):
        if i in holding:
            assert b.score > a.score + 0.2  # raised by the bang
        else:
            assert b.score == a.score  # max(coarse, fine): a quiet window is not diluted
    rise = np.subtract(heard.frame_scores, silent.frame_scores)
    lo, hi = (
        min(heard.windows[i].start for i in holding),
        max(heard.windows[i].end for i in holding),
    )
    assert lo <= np.argmax(rise) / heard.fps < hi and rise.max() > 0.1  # smoothed frames too
    raised = [s for s in heard.segments if s.start <= BANG_AT < s.end]
    assert raised and raised[0].audio_raise > 0.1
    assert (
        "audio raised it" in raised[0].explanation and "sudden loud sound" in raised[0].explanation
    )
    assert heard.provenance.stats["audio"] == "ok" and heard.provenance.stats["audio_windows"] == 5


def test_done_when_a_video_without_audio_scores_exactly_as_before(tmp_path):
    path = make_video(tmp_path / "mute.mp4", n=120, fps=10)
    before = _score(path)
    after = _score(path, "audio.cue=true", *TINY_CLAP)
    assert _content(after) == _content(before)
    assert after.model_dump_json(include={"windows", "segments"}) == before.model_dump_json(
        include={"windows", "segments"}
    )  # no audio field appears in the file either
    assert after.provenance.stats["audio"] == "no audio track"
    assert "audio_text_embedder" not in {m.role for m in after.provenance.models}


def test_audio_components_can_enter_the_fusion_rule_like_any_other(bang):
    heard = _score(bang, "audio.cue=true", "audio.fusion=rule")
    for w in heard.windows:
        assert w.score == pytest.approx(np.mean(list(w.scores.values())), abs=1e-5)
    quiet = [w for w in heard.windows if not w.start <= BANG_AT < w.end]
    silent = {w.start: w.score for w in _score(bang).windows}
    assert all(w.score < silent[w.start] for w in quiet)  # the mean dilutes: why max is default


@pytest.mark.slow
def test_done_when_the_tiny_clap_runs_end_to_end_offline_and_is_cached(bang, monkeypatch):
    overrides = ["audio.cue=true", *TINY_CLAP, "video.cache=true"]
    first = _score(bang, *overrides)
    assert first.provenance.stats["cache_clap"] == "miss"
    for w in first.windows:
        assert 0.0 <= w.scores["audio"] <= 1.0
        heard = [e for e in w.evidence if e.modality == "audio"]
        assert heard and all(e.scene is None for e in heard)
    clap = [m for m in first.provenance.models if m.role == "audio_text_embedder"]
    assert clap and clap[0].meaningless and clap[0].revision == "tiny-v1"
    assert first.provenance.meaningless

    def no_decoding(*a, **k):
        raise AssertionError("a CLAP cache hit without the cue must not decode the audio")

    monkeypatch.setattr(audio_score, "iter_samples", no_decoding)
    again = _score(bang, *TINY_CLAP, "video.cache=true")
    assert again.provenance.stats["cache_clap"] == "hit"
    assert [w.scores["audio"] for w in again.windows] == [w.scores["audio"] for w in first.windows]


def test_the_real_clap_is_the_same_loading_code_with_a_hub_id(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = load_config("cpu").audio
    assert cfg.backend == "transformers" and cfg.model == "laion/clap-htsat-unfused"
    assert cfg.revision and len(cfg.revision) == 40
    with pytest.raises(ModelNotAvailableError, match=f"'{cfg.model}' \\(revision {cfg.revision}"):
        registry.create("audio_text_embedder", cfg.backend, model=cfg.model, revision=cfg.revision)


def test_profiles_add_the_audio_models():
    for name in ("cpu", "gpu"):
        audio = load_config(name).audio
        assert audio.cue and audio.backend == "transformers" and audio.sample_rate == 48000
    tiny = load_config("tiny").audio
    assert tiny.cue and tiny.model == "tiny" and tiny.memory == "surveillance"
    assert not load_config("default").audio.enabled


def test_report_pages_show_the_audio_components_and_the_raised_segment(bang):
    from zsvad.report.pages import render_video_page

    heard = _score(bang, "audio.cue=true")
    page = render_video_page(heard, b"", "bang.png", [])
    assert "raised by audio +" in page and "audio_cue 1.00" in page and "<b>audio_cue</b>" in page
    silent = render_video_page(_score(bang), b"", "bang.png", [])
    body = silent.split("<body>", 1)[1]
    assert "audio" not in body and "heard:" not in body


def test_a_track_longer_than_the_video_is_not_decoded_past_it(tmp_path):
    path = make_video(tmp_path / "short.mp4", n=40, fps=10, sound=quiet_with_bang(60, 30.0))
    result = _score(path, "audio.cue=true")
    assert result.provenance.stats["audio_s"] < 5  # 4 s of video: not the minute of sound
    assert all(w.scores["audio_cue"] < 0.5 for w in result.windows)  # the bang is at 30 s


@pytest.mark.slow
def test_a_preloaded_clap_is_listed_only_once_it_heard_a_video_and_is_handed_on(bang, tmp_path):
    config = load_config("tiny", overrides=[*FAKES, "audio.cue=true", *TINY_CLAP])
    pipe = Pipeline(config).load()
    mute = score_video(pipe, make_video(tmp_path / "mute.mp4", n=40, fps=10))
    assert "audio_text_embedder" not in {m.role for m in mute.provenance.models}
    heard = score_video(pipe, bang)
    assert "audio_text_embedder" in {m.role for m in heard.provenance.models}
    other = pipe.with_config(load_config("tiny", overrides=[*FAKES, *TINY_CLAP, "retrieval.k=5"]))
    assert other.parts.peek("audio_embedder") is pipe.parts.peek("audio_embedder")
    assert other.parts.peek("audio_retriever").cfg.k == 5
