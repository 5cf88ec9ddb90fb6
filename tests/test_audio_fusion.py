"""Audio components in fusion (max(coarse, fine) or the rule), in the identity, in result files."""

from __future__ import annotations

import pytest

from zsvad.audio.fusion import fuse_window
from zsvad.config.fusion import FusionConfig
from zsvad.configure import load_config
from zsvad.fusion.rules import fuse, fuse_streams
from zsvad.identity import config_hash, identity
from zsvad.pipeline.finish import mark_audio
from zsvad.results.schema import Evidence, Provenance, Segment, VideoResult, Window


def test_fuse_streams_takes_the_larger_stream():
    cfg = FusionConfig()
    parts = {"clip": 0.2, "retrieval": 0.4, "audio_cue": 0.9, "audio": 0.5}
    assert fuse_streams(parts, cfg, {"audio", "audio_cue"}) == pytest.approx(0.7)
    quiet = parts | {"audio_cue": 0.0, "audio": 0.1}
    assert fuse_streams(quiet, cfg, {"audio", "audio_cue"}) == pytest.approx(0.3)
    one_stream = {"clip": 0.2, "retrieval": 0.4}
    assert fuse_streams(one_stream, cfg, {"audio"}) == fuse(one_stream, cfg)


@pytest.mark.parametrize("rule", ["weighted_mean", "max", "lec"])
def test_windows_without_audio_fuse_exactly_as_before(rule):
    config = load_config("default", overrides=[f"fusion.rule={rule}", "audio.cue=true"])
    for parts in ({"retrieval": 0.3}, {"retrieval": 0.3, "clip": 0.8, "judge": 0.6}):
        for mode in ("max", "rule"):
            config.audio.fusion = mode
            assert fuse_window(parts, config) == fuse(parts, config.fusion)


def test_in_rule_mode_audio_is_weighted_like_any_component():
    config = load_config(
        "default", overrides=["audio.fusion=rule", "fusion.weights.audio_cue=3", "audio.cue=true"]
    )
    assert fuse_window({"clip": 0.2, "audio_cue": 1.0}, config) == pytest.approx(0.8)


def _result(windows, fps=10.0, n=100):
    prov = Provenance(zsvad_version="t", created_at="t", config={}, config_hash="t")
    seg = Segment(start_frame=30, end_frame=69, start=3.0, end=7.0, score=0.9, explanation="x")
    return VideoResult(
        video_id="v",
        fps=fps,
        num_frames=n,
        frame_scores=[0.0] * n,
        segments=[seg],
        windows=windows,
        provenance=prov,
    )


def test_mark_audio_records_how_much_audio_raised_a_segment():
    config = load_config("default", overrides=["temporal.smoothing_sigma_s=0.1", "audio.cue=true"])
    windows = [
        Window(start=0, end=4, scores={"clip": 0.2, "audio_cue": 0.0}, score=0.2),
        Window(start=3, end=7, scores={"clip": 0.3, "audio_cue": 0.9}, score=0.9),
        Window(start=6, end=10, scores={"clip": 0.2, "audio_cue": 0.0}, score=0.2),
    ]
    result = _result(windows)
    mark_audio(result, config)
    seg = result.segments[0]
    assert seg.audio_raise == pytest.approx(0.9 - 0.3, abs=0.02)
    assert "audio raised it by 0.6" in seg.explanation
    plain = _result([Window(start=0, end=10, scores={"clip": 0.9}, score=0.9)])
    mark_audio(plain, config)
    assert plain.segments[0].audio_raise is None and plain.segments[0].explanation == "x"


def test_unused_audio_fields_are_left_out_of_result_files():
    e = Evidence(text="a", label="normal", similarity=0.5)
    assert "modality" not in e.model_dump_json()
    heard = Evidence(text="a", label="anomalous", similarity=0.5, modality="audio")
    assert Evidence.model_validate_json(heard.model_dump_json()) == heard
    seg = Segment(start_frame=0, end_frame=1, start=0, end=0.2, score=0.5, explanation="x")
    assert "audio_raise" not in seg.model_dump_json()
    seg.audio_raise = 0.25
    assert Segment.model_validate_json(seg.model_dump_json()).audio_raise == 0.25


def test_audio_enters_the_identity_only_when_on():
    base = load_config("default")
    assert "audio" not in identity(base) and "audio_memory_content" not in identity(base)
    cue = load_config("default", overrides=["audio.cue=true"])
    assert config_hash(cue) != config_hash(base)
    assert config_hash(cue) == config_hash(
        load_config(
            "default", overrides=["audio.cue=true", "audio.batch_size=2", "audio.device=cuda"]
        )
    )
    assert config_hash(cue) != config_hash(
        load_config("default", overrides=["audio.cue=true", "audio.cue_z=4"])
    )
    clap = load_config("tiny")
    assert identity(clap)["audio_memory_content"]
