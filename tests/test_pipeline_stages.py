"""Each stage of the video flow alone: sample, components, finish, provenance; Parts; VideoRun."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import make_video

from zsvad.backends.fakes import FakeCaptioner, FakeImageTextEmbedder, FakeTextEmbedder
from zsvad.backends.protocols import Clip
from zsvad.configure import load_config
from zsvad.errors import DecodeError
from zsvad.pipeline.captions import score_video_captions
from zsvad.pipeline.components import WindowInput, score_components
from zsvad.pipeline.core import MEANINGLESS, Pipeline
from zsvad.pipeline.finish import finish, fuse_windows
from zsvad.pipeline.parts import Parts
from zsvad.pipeline.provenance import build_provenance
from zsvad.pipeline.run import VideoRun
from zsvad.pipeline.sample import (
    decode_batches,
    describe,
    open_video,
    plan_sampling,
    sample_windows,
    save_to_cache,
)
from zsvad.pipeline.video import score_video
from zsvad.results.schema import ModelRecord

FAKES = ["captioner.backend=fake", "image_embedder.backend=fake"]


@pytest.fixture
def video(tmp_path):
    return make_video(tmp_path / "clip.mp4", n=80, fps=10, size=(64, 48))


def _config(*overrides, cache=None):
    extra = [f"video.cache_dir={cache}"] if cache else ["video.cache=false"]
    return load_config("tiny", overrides=[*FAKES, *extra, *overrides])


# -- finish -----------------------------------------------------------------------------------
def test_finish_turns_synthetic_windows_into_frames_and_a_segment():
    cfg = load_config("tiny", overrides=["temporal.smoothing_sigma_s=0"])
    windows = [
        WindowInput(0.0, 2.0, "calm", {"retrieval": 0.1, "clip": 0.1}),
        WindowInput(2.0, 4.0, "a fight", {"retrieval": 0.9, "clip": 0.7}),
        WindowInput(4.0, 6.0, "calm", {"retrieval": 0.2, "clip": 0.0}),
        WindowInput(6.0, 8.0, None),  # no component: left out
    ]
    fused = fuse_windows(windows, cfg.fusion)
    assert [w.score for w in fused] == [0.1, 0.8, 0.1]  # weighted mean, weights 1
    done = finish(fused, 10.0, 80, cfg.temporal)
    assert len(done.frame_scores) == 80
    assert done.frame_scores[30] == pytest.approx(0.8) and done.frame_scores[5] < 0.5
    (segment,) = done.segments
    assert (segment.start_frame, segment.end_frame) == (20, 39)
    assert '"a fight"' in segment.explanation


# -- components ---------------------------------------------------------------------------------
class _Scored:
    def __init__(self, score, text):
        from zsvad.results.schema import Evidence

        self.score = score
        self.evidence = [Evidence(text=text, label="anomalous", similarity=0.5)]
        self.vector = None  # RetrievalScore.vector: the query's embedding (events use it)


class _StubRetriever:
    def __init__(self, name):
        self.name, self.seen = name, []

    def score_embeddings(self, vectors):
        self.seen.append(len(vectors))
        return [_Scored(0.25, f"{self.name} {i}") for i in range(len(vectors))]

    def score_texts(self, texts, queries):
        self.seen.append(list(texts))
        return [_Scored(0.75, f"{self.name} {t}") for t in texts]


def test_components_alone_clip_then_retrieval_then_judge():
    cfg = load_config("tiny", overrides=["judge.backend=fake", "judge.model=fake-llm"])
    clip, text = _StubRetriever("clip"), _StubRetriever("text")
    parts = Parts(cfg, {"clip_retriever": clip, "retriever": text, "query_embedder": object()})
    vec = np.ones(4, np.float32) / 2
    windows = [
        WindowInput(0.0, 2.0, "A man punches a guard.", embedding=vec),
        WindowInput(2.0, 4.0, None, embedding=vec),
        WindowInput(4.0, 6.0, "People walk."),
    ]
    run = VideoRun()
    score_components(parts, windows, "v", run)
    assert clip.seen == [2] and text.seen == [["A man punches a guard.", "People walk."]]
    assert set(windows[0].components) == {"clip", "retrieval", "judge"}
    assert set(windows[1].components) == {"clip"}  # no caption: neither retrieval nor judge
    assert [e.text for e in windows[0].evidence] == ["text A man punches a guard.", "clip 0"]
    assert run.stats["windows_judged"] == 2 and run.captions == 2
    assert {"judge", "clip_retriever", "retriever"} <= parts.used


# -- sample -------------------------------------------------------------------------------------
def test_describe_a_batch_of_clips():
    clips = [Clip(i, 2.0 * i, 2.0 * i + 4.0, np.zeros((2, 8, 8, 3), np.uint8)) for i in range(3)]
    windows = describe(clips, FakeCaptioner(), FakeImageTextEmbedder())
    assert [(w.start, w.end) for w in windows] == [(0.0, 4.0), (2.0, 6.0), (4.0, 8.0)]
    assert all(w.text and w.embedding is not None for w in windows)
    assert all(np.linalg.norm(w.embedding) == pytest.approx(1.0, abs=1e-5) for w in windows)
    assert describe(clips, None, None)[0].text is None


def test_sample_then_cache_then_sample_again(video, tmp_path):
    parts = Parts(_config(cache=tmp_path / "vc"))
    source = open_video(parts.config, video)
    first_run = VideoRun()
    plan = plan_sampling(parts, source, first_run)
    assert plan.caption and plan.embed and first_run.stats["cache_captions"] == "miss"
    decoded = sample_windows(parts, source, plan, first_run)
    assert (decoded.fps, decoded.num_frames, len(decoded.windows)) == (10.0, 80, 3)
    assert first_run.clips == 3 and "decoder" in first_run.stats
    save_to_cache(parts, source, plan, decoded, first_run)

    run = VideoRun()
    plan = plan_sampling(parts, source, run)
    assert not (plan.caption or plan.embed)
    assert run.stats["cache_captions"] == run.stats["cache_clip"] == "hit"
    cached = sample_windows(parts, source, plan, run)
    assert run.clips == 0 and "decoder" not in run.stats
    assert [(w.start, w.end, w.text) for w in cached.windows] == [
        (w.start, w.end, w.text) for w in decoded.windows
    ]
    for a, b in zip(cached.windows, decoded.windows):
        assert np.array_equal(a.embedding, b.embedding)
    assert {m.role for m in run.cached_models} == {"captioner", "image_text_embedder"}


def test_decoder_failure_is_a_decode_error():
    import av

    class Broken:
        info = type("Info", (), {"path": "broken.mp4"})()

        def __iter__(self):
            yield Clip(0, 0.0, 1.0, np.zeros((1, 8, 8, 3), np.uint8))
            raise av.error.InvalidDataError(1094995529, "Invalid data found")

    with pytest.raises(DecodeError, match="broken.mp4: decoding failed") as err:
        list(decode_batches(Broken(), 1))
    assert err.value.stage == "decode"


# -- provenance -------------------------------------------------------------------------------
def test_provenance_lists_a_cached_model_and_marks_meaningless_once():
    cfg = load_config("tiny")
    real = FakeTextEmbedder()
    real.info = real.info.__class__("text_embedder", "st", "minilm", "v1", meaningless=False)
    parts = Parts(cfg, {"text_embedder": real})
    run = VideoRun(source="v.mp4")
    prov = build_provenance(parts, "h", run)
    assert not prov.meaningless and prov.warnings == [] and prov.memory is None
    run.cached_models.append(
        ModelRecord(role="captioner", backend="fake", model="c", meaningless=True)
    )
    run.warn("container reports 10 frames, decoded 9")
    prov = build_provenance(parts, "h", run)
    assert [m.role for m in prov.models] == ["text_embedder", "captioner"]
    assert prov.meaningless and prov.warnings.count(MEANINGLESS) == 1
    assert prov.warnings[-1] == "v.mp4: container reports 10 frames, decoded 9"
    # a loaded meaningless model of the same role wins over the cache record; still one warning
    parts = Parts(cfg, {"text_embedder": real, "captioner": FakeCaptioner()})
    prov = build_provenance(parts, "h", run)
    assert [m.model for m in prov.models] == ["minilm", "fake-captioner"]
    assert prov.warnings.count(MEANINGLESS) == 1


# -- parts --------------------------------------------------------------------------------------
def test_parts_preloaded_count_as_used_only_when_asked_for():
    parts = Parts(load_config("tiny", overrides=["captioner.backend=", "image_embedder.backend="]))
    retriever = parts.preload("retriever")
    assert parts.used == set() and parts.models() == []
    assert parts.peek("text_embedder") is not None  # built with the retriever, not used
    other = parts.hand_on(load_config("tiny", overrides=["retrieval.k=3"]))
    assert other.peek("retriever").indexes is retriever.indexes and other.used == set()
    assert other.get("retriever").cfg.k == 3
    assert other.used == {"retriever", "memory", "text_embedder"}
    assert [m.info.role for m in other.models()] == ["text_embedder"]
    assert parts.used == set()  # handing on leaves the giver alone


# -- stats travel with the video ----------------------------------------------------------------
def test_two_videos_by_one_pipeline_do_not_share_stats(tmp_path, video):
    pipe = Pipeline(_config("judge.backend=fake", "judge.model=fake-llm", cache=tmp_path / "vc"))
    assert not hasattr(pipe, "stats")
    first = score_video(pipe, video)
    second = score_video(pipe, video)  # from the cache: nothing decoded
    a, b = first.provenance.stats, second.provenance.stats
    assert a["cache_clip"] == "miss" and b["cache_clip"] == "hit"
    assert "decoder" in a and "decoder" not in b and b["clips"] == 0
    assert a["llm_requests"] == 3 and b["llm_requests"] == 0 and b["judge_cache_hits"] == 3
    short = make_video(tmp_path / "short.mp4", n=50, fps=10, size=(64, 48))
    third = score_video(pipe, short)
    assert third.provenance.stats["windows"] == third.provenance.stats["windows_judged"] == 2
    assert first.provenance.stats["windows_judged"] == 3  # earlier results untouched


def test_captions_path_uses_the_same_stages(tmp_path):
    from zsvad.io.captions import Caption, VideoCaptions

    pipe = Pipeline(load_config("tiny"))
    rows = [(0.0, 2.0, "People walk in the park."), (2.0, 4.0, "A man punches another man.")]
    video = VideoCaptions("v", 10.0, 40, [Caption(a, b, t) for a, b, t in rows])
    result = score_video_captions(pipe, video)
    windows = [WindowInput(a, b, t) for a, b, t in rows]
    score_components(pipe.parts, windows, "v", VideoRun())
    assert [w.scores for w in result.windows] == [
        w.scores for w in fuse_windows(windows, pipe.config.fusion)
    ]
    assert result.provenance.stats["captions"] == 2 and result.provenance.stats["clips"] == 0


def test_a_videos_windows_are_fused_together_live_ones_each_alone(tmp_path):
    """The fuse stage fuses one video's windows at once (the judge's min rule smooths over
    time: ``fusion.judge_smoothing_s``); live mode fuses each window as it comes."""
    import json

    from zsvad.fusion.rules import fuse_video
    from zsvad.io.captions import Caption, VideoCaptions
    from zsvad.pipeline.stages import Group, score_groups

    rows = [(0.0, 2.0, "People walk in the park."), (2.0, 4.0, "A man punches another man.")]
    rows += [(4.0, 6.0, "People walk in the park."), (6.0, 8.0, "A car parks.")]
    judged = [0.1, 0.95, 0.2, 0.1]
    path = tmp_path / "J.jsonl"
    path.write_text(
        "".join(
            json.dumps({"video_id": "v", "start": a, "end": b, "score": s}) + "\n"
            for (a, b, _), s in zip(rows, judged)
        )
    )
    pipe = Pipeline(load_config("tiny", overrides=[f"judge.judgments={path}"]))
    assert pipe.config.fusion.judge_rule == "min" and pipe.config.fusion.judge_smoothing_s > 0
    video = VideoCaptions("v", 10.0, 80, [Caption(a, b, t) for a, b, t in rows])
    result = score_video_captions(pipe, video)
    comps = [w.scores for w in result.windows]
    assert [c["judge"] for c in comps] == judged
    centres = [(w.start + w.end) / 2 for w in result.windows]
    together = [round(s, 6) for s in fuse_video(comps, centres, pipe.config.fusion)]
    alone = [round(fuse_video([c], [t], pipe.config.fusion)[0], 6) for c, t in zip(comps, centres)]
    assert together != alone  # smoothing over the video's windows changes the scores
    assert [w.score for w in result.windows] == pytest.approx(together, abs=2e-6)

    windows = [WindowInput(a, b, t) for a, b, t in rows]
    group = Group("v", windows)
    score_groups(pipe.parts, [group], per_window=True)
    assert [w.score for w in group.fused] == pytest.approx(alone, abs=2e-6)
