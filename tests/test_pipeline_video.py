"""score_video end to end: fusion of components, the caption/embedding cache, the tiny profile."""

from __future__ import annotations

import math
import shutil

import pytest
from data_paths import VIDEOS
from video_helpers import make_video

import zsvad.pipeline.sample as sample_mod
from zsvad.cli.main import main
from zsvad.configure import load_config
from zsvad.pipeline.core import Pipeline
from zsvad.pipeline.video import score_video
from zsvad.results.io import read_result

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake"]


def _pipeline(*overrides, profile="tiny"):
    return Pipeline(load_config(profile, overrides=[*FAKES, *overrides]))


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=120, fps=10, size=(64, 48))


def test_components_are_fused_and_reported(video):
    r = score_video(_pipeline("fusion.weights.clip=3", "fusion.weights.retrieval=1"), video)
    assert r.num_frames == 120 and len(r.frame_scores) == 120 and r.fps == 10
    assert len(r.windows) == 5  # 12 s, 4 s windows every 2 s
    for w in r.windows:
        assert set(w.scores) == {"clip", "retrieval"}
        expected = (3 * w.scores["clip"] + w.scores["retrieval"]) / 4
        assert w.score == pytest.approx(expected, abs=1e-5)
        assert w.text and "walks through" in w.text
    only_text = score_video(_pipeline("fusion.weights.clip=0", "video.cache=false"), video)
    for w in only_text.windows:
        assert w.score == pytest.approx(w.scores["retrieval"], abs=1e-6)
    assert r.provenance.meaningless and {m.role for m in r.provenance.models} >= {
        "captioner",
        "image_text_embedder",
    }


def test_clip_only_and_caption_only(video):
    clip_only = score_video(_pipeline("captioner.backend=null"), video)
    assert all(set(w.scores) == {"clip"} and w.text is None for w in clip_only.windows)
    caps_only = score_video(_pipeline("image_embedder.backend=null"), video)
    assert all(set(w.scores) == {"retrieval"} for w in caps_only.windows)


def test_cache_hit_skips_decoding_and_gives_the_same_result(video, monkeypatch):
    pipe = _pipeline()
    first = score_video(pipe, video)
    assert first.provenance.stats["cache_captions"] == "miss"

    def no_decoding(*a, **k):
        raise AssertionError("a cache hit must not decode the video")

    monkeypatch.setattr(sample_mod, "ClipStream", no_decoding)
    second = score_video(_pipeline(), video)
    assert second.provenance.stats["cache_captions"] == "hit"
    assert second.provenance.stats["cache_clip"] == "hit"
    assert second.frame_scores == first.frame_scores
    assert [w.scores for w in second.windows] == [w.scores for w in first.windows]
    assert second.provenance.meaningless  # models recorded from the cache entry
    assert {m.role for m in second.provenance.models} >= {"captioner", "image_text_embedder"}


def test_cache_misses_when_sampling_model_or_content_change(video, tmp_path):
    score_video(_pipeline(), video)
    changed = score_video(_pipeline("video.frames_per_clip=2"), video)
    assert changed.provenance.stats["cache_captions"] == "miss"
    other = _pipeline("captioner.model=other-captioner")
    assert score_video(other, video).provenance.stats["cache_captions"] == "miss"
    assert score_video(other, video).provenance.stats["cache_clip"] == "hit"
    copy = tmp_path / "copy" / "clip.mp4"
    copy.parent.mkdir()
    make_video(copy, n=120, fps=10, size=(64, 48), codec="libx264")  # same name, new content
    assert score_video(_pipeline(), copy).provenance.stats["cache_captions"] == "miss"


def test_captions_cache_is_rescored_with_zsvad_score_captions(video, tmp_path):
    cache = tmp_path / "vcache"
    sets = ["--profile", "tiny"]
    for s in [*FAKES, "image_embedder.backend=null", f"video.cache_dir={cache}"]:
        sets += ["--set", s]
    out_video = tmp_path / "out-video"
    assert main(["score", str(video), "--out", str(out_video), *sets]) == 0
    (cached,) = cache.glob("clip-*.captions.jsonl")
    out_caps = tmp_path / "out-caps"
    assert main(["score", "--captions", str(cached), "--out", str(out_caps), *sets]) == 0
    a, b = read_result(out_video / "clip.json"), read_result(out_caps / "clip.json")
    assert a.num_frames == b.num_frames == 120
    assert [w.text for w in a.windows] == [w.text for w in b.windows]
    assert b.frame_scores == pytest.approx(a.frame_scores, abs=1e-6)


@pytest.mark.slow
def test_done_when_tiny_profile_scores_robbery(tmp_path, capsys):
    """`zsvad score Robbery102_crop.mp4 --profile tiny --out OUT` offline: 1827 finite scores."""
    src = shutil.copy(VIDEOS / "Robbery102_crop.mp4", tmp_path / "Robbery102_crop.mp4")
    out = tmp_path / "OUT"
    assert main(["score", str(src), "--profile", "tiny", "--out", str(out)]) == 0
    assert "scores are meaningless" in capsys.readouterr().err
    r = read_result(out / "Robbery102_crop.json")
    assert r.num_frames == len(r.frame_scores) == 1827
    assert all(math.isfinite(x) and 0 <= x <= 1 for x in r.frame_scores)
    assert isinstance(r.segments, list) and r.provenance.config["profile"] == "tiny"
    assert r.provenance.meaningless and r.provenance.warnings
    backends = {(m.role, m.backend, m.model) for m in r.provenance.models}
    assert ("image_text_embedder", "open_clip", "tiny") in backends
    assert ("captioner", "transformers", "tiny") in backends
    assert all(set(w.scores) == {"clip", "retrieval"} for w in r.windows)
