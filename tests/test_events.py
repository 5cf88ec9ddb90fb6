"""Events: boundaries from window embeddings, event scores, complete segments, per-event judge
requests, events in results (dense captions, sparse captions and clip embeddings)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from video_helpers import make_video

from zsvad.backends.fakes import RecordingLLM
from zsvad.config.judge import JudgeConfig
from zsvad.config.temporal import EventsConfig, TemporalConfig
from zsvad.configure import load_config
from zsvad.identity import config_hash
from zsvad.judge.judge import Judge
from zsvad.pipeline.core import Pipeline, WindowInput
from zsvad.pipeline.events import EventFinish
from zsvad.pipeline.finish import finish, frame_curve
from zsvad.pipeline.video import score_video
from zsvad.results.schema import Window
from zsvad.temporal.complete import aggregate, merge_fragments, outer_inner
from zsvad.temporal.events import EventSpan, detect, members, novelty

DIM = 64


def _stretches(rng, lengths, noise):
    """Windows of 0.5 s, one stretch per length, each stretch around its own random direction;
    returns (starts, ends, vectors, index of the first window of each stretch but the first)."""
    vecs, cuts = [], []
    for n in lengths:
        base = rng.standard_normal(DIM)
        base /= np.linalg.norm(base)
        vecs.append(base + noise * rng.standard_normal((n, DIM)) / np.sqrt(DIM))
        cuts.append(sum(len(v) for v in vecs))
    starts = np.arange(sum(lengths)) * 0.5
    return starts, starts + 0.5, np.concatenate(vecs), cuts[:-1]


def _found(events, starts):
    """Index of the window each boundary (all but the first event's start) opens."""
    return [int(np.searchsorted(starts, e.start - 1e-6)) for e in events[1:]]


@pytest.mark.parametrize("seed", range(8))
def test_boundaries_of_synthetic_embeddings_within_one_window(seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(12, 40, size=6).tolist()  # 6-20 s stretches of 0.5 s windows
    starts, ends, vecs, truth = _stretches(rng, lengths, noise=0.8)
    events = detect(starts, ends, vecs, float(ends[-1]), EventsConfig(enabled=True))
    found = _found(events, starts)
    recalled = [t for t in truth if any(abs(f - t) <= 1 for f in found)]
    assert recalled == truth, (truth, found)
    spurious = [f for f in found if all(abs(f - t) > 1 for t in truth)]
    assert len(spurious) <= 2, (truth, found)  # noise peaks surviving the MAD threshold
    assert events[0].start == 0 and events[-1].end == pytest.approx(ends[-1])
    assert all(a.end == b.start for a, b in itertools.pairwise(events))  # they tile the video
    assert all(e.strength > 0 for e in events[1:]) and events[0].strength == 0


def test_noise_alone_makes_few_events_and_no_short_one():
    rng = np.random.default_rng(1)
    starts, ends, vecs, _ = _stretches(rng, [120], noise=0.8)  # 60 s, one scene
    cfg = EventsConfig(enabled=True, max_event_s=0)
    events = detect(starts, ends, vecs, 60.0, cfg)
    assert all(e.end - e.start >= cfg.min_event_s for e in events)
    assert len(events) <= 4


def test_short_blip_is_merged_and_long_events_are_split():
    rng = np.random.default_rng(2)
    # 10 s, a 1 s blip (2 windows), 10 s: the blip is shorter than min_event_s
    starts, ends, vecs, truth = _stretches(rng, [20, 2, 20], noise=0.3)
    cfg = EventsConfig(enabled=True, min_event_s=3, max_event_s=0)
    events = detect(starts, ends, vecs, 21.0, cfg)
    assert all(e.end - e.start >= 3 for e in events)
    assert len(events) == 2  # the blip joined a neighbour, its other boundary kept
    assert any(abs(f - t) <= 1 for f in _found(events, starts) for t in truth)
    # one 60 s scene split into events of at most 20 s
    starts, ends, vecs, _ = _stretches(rng, [120], noise=0.3)
    split = detect(starts, ends, vecs, 60.0, EventsConfig(enabled=True, k_mad=50, max_event_s=20))
    assert len(split) >= 3 and all(e.end - e.start <= 20 for e in split)


def test_sparse_captions_with_gaps():
    """Ten 6 s captions 1 s apart (human captions): two scenes of five; the boundary falls in
    the gap between captions 4 and 5, and each caption belongs to its scene's event."""
    rng = np.random.default_rng(3)
    _, _, vecs, _ = _stretches(rng, [5, 5], noise=0.5)
    starts = np.arange(10) * 7.0
    ends = starts + 6.0
    events = detect(starts, ends, vecs, 70.0, EventsConfig(enabled=True, max_event_s=0))
    assert len(events) == 2 and events[1].start == pytest.approx(34.5)  # mid-gap 34-35 s
    assert members(events, starts) == [0] * 5 + [1] * 5
    # with the default cap of 20 s each scene is split too, the scene change kept
    capped = detect(starts, ends, vecs, 70.0, EventsConfig(enabled=True))
    assert 34.5 in [e.start for e in capped] and all(e.end - e.start <= 20 for e in capped)


def test_novelty_peaks_at_the_change():
    a, b = np.eye(4)[0], np.eye(4)[1]
    curve = novelty(np.array([a, a, a, b, b, b]), context=2)
    assert curve.argmax() == 2 and curve[2] == pytest.approx(1.0) and curve[0] == 0


def test_merge_fragments_of_one_event_only():
    # events start at frames 0, 100, 200
    spans = [(10, 20), (40, 60), (110, 120), (150, 160), (210, 220)]
    merged = merge_fragments(spans, [100, 200])
    assert merged == [(10, 60), (110, 160), (210, 220)]
    # a segment reaching across a boundary belongs to both events: it joins either side
    assert merge_fragments([(10, 20), (90, 120), (150, 160)], [100]) == [(10, 160)]
    assert merge_fragments(spans, []) == [(10, 220)]  # one event: every fragment is one
    assert merge_fragments([], [5]) == []


def test_aggregates_and_outer_inner():
    assert aggregate([0.1, 0.9, 0.5, 0.3], "top_mean", 0.5) == pytest.approx(0.7)
    assert aggregate([0.1, 0.9], "max") == 0.9 and aggregate([0.2, 0.4], "mean") == pytest.approx(
        0.3
    )
    curve = np.array([0.1] * 10 + [0.9] * 8 + [0.2] * 10)
    assert outer_inner(curve, 10, 17) == pytest.approx(0.9 - 0.15)


def _windows(scores, step=2.0):
    return [
        Window(start=i * step, end=(i + 1) * step, text=f"w{i}", scores={"r": s}, score=s)
        for i, s in enumerate(scores)
    ]


def test_finish_completes_fragments_and_explains_with_the_segment_range():
    """Two peaks in one event make two segments without events, one with them; the
    explanation names the segment's own range and the event's."""
    scores = [0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1]
    windows = _windows(scores)
    events = [EventSpan(0.0, 16.0, 0.0), EventSpan(16.0, 24.0, 0.7)]
    over = ["temporal.smoothing_sigma_s=0", "temporal.merge_gap_s=0", "events.weight=0"]
    off_cfg = load_config("tiny", overrides=[*over, "events.enabled=false"])
    off = Pipeline(off_cfg).finish("v", 10.0, 240, windows, events=events)
    assert [(s.start_frame, s.end_frame) for s in off.segments] == [(40, 59), (120, 139)]
    assert off.events == []
    on = Pipeline(load_config("tiny", overrides=over))  # events on: the default
    result = on.finish("v", 10.0, 240, windows, events=events)
    assert [(s.start_frame, s.end_frame) for s in result.segments] == [(40, 139)]
    explanation = result.segments[0].explanation
    assert explanation.startswith('segment 00:04–00:14: "w2" — strongest window 00:04–00:06')
    # the events it spans, named as the report page names them (zsvad.temporal.spanned)
    assert explanation.endswith(
        " — event 00:00.0–00:16.0 (score 0.90, 8 windows) — [window score parts: r 0.90]"
    )
    assert [(e.start_frame, e.end_frame, e.windows) for e in result.events] == [
        (0, 159, 8),
        (160, 239, 4),
    ]
    assert result.events[0].score == pytest.approx(0.9)  # top quarter of 8 windows: the peaks


def test_event_scores_pull_window_scores():
    windows = _windows([0.2, 0.8, 0.2, 0.2])
    events = [EventSpan(0.0, 4.0, 0.0), EventSpan(4.0, 8.0, 0.5)]
    cfg = EventsConfig(enabled=True, aggregate="max", weight=0.5)
    ev = EventFinish(windows, events, 10.0, 80, cfg)
    assert [round(s, 6) for *_, s in ev.intervals()] == [0.5, 0.8, 0.2, 0.2]
    off = EventFinish(windows, events, 10.0, 80, EventsConfig(enabled=False))
    assert [s for *_, s in off.intervals()] == [0.2, 0.8, 0.2, 0.2] and off.records() == []


def test_frame_curve_pools_spreads_and_smooths_and_finish_is_built_on_it():
    """The one home of the frame curve: window scores pulled towards their event's, spread over
    the frames, smoothed; finish's frame scores and segment scores come from it."""
    windows = _windows([0.2, 0.8, 0.2, 0.2])
    events = [EventSpan(0.0, 4.0, 0.0), EventSpan(4.0, 8.0, 0.5)]
    cfg = EventsConfig(enabled=True, aggregate="max", weight=0.5)
    flat = TemporalConfig(smoothing_sigma_s=0.0)
    curve = frame_curve(windows, 10.0, 80, flat, events, cfg)
    expected = [0.5] * 20 + [0.8] * 20 + [0.2] * 40  # window 0 pulled halfway to its event's 0.8
    assert np.allclose(curve.smooth, expected)
    plain = frame_curve(windows, 10.0, 80, flat)  # no events: the window scores themselves
    assert np.allclose(plain.smooth, [0.2] * 20 + [0.8] * 20 + [0.2] * 40)
    soft = TemporalConfig(smoothing_sigma_s=1.0, threshold=0.4)
    smoothed = frame_curve(windows, 10.0, 80, soft, events, cfg).smooth
    assert smoothed.max() < 0.8 and np.argmax(smoothed) in range(20, 40)
    done = finish(windows, 10.0, 80, soft, events, cfg)
    assert done.frame_scores == np.round(np.clip(smoothed, 0, 1), 6).tolist()
    assert [s.score for s in done.segments] == [round(float(smoothed.max()), 6)]


def test_one_judge_request_per_event_with_its_captions_in_order():
    texts = ["A man walks in.", "He opens a door.", "Two men fight.", "One punches.", "Calm."]
    windows = [WindowInput(2.0 * i, 2.0 * i + 2, t) for i, t in enumerate(texts)]
    events = [EventSpan(0.0, 4.0, 0.0), EventSpan(4.0, 10.0, 0.6)]
    llm = RecordingLLM()
    judge = Judge(JudgeConfig(backend="fake", prompt="event_yesno"), llm=llm)
    stats = judge.score(windows, "v", events)
    assert len(llm.requests) == 2 and stats["events_judged"] == 2
    first, second = (r.user for r in llm.requests)
    assert first.index(texts[0]) < first.index(texts[1]) and texts[2] not in first
    positions = [second.index(t) for t in texts[2:]]
    assert positions == sorted(positions) and texts[1] not in second
    # every window of an event gets the event's answer
    assert windows[0].components["judge"] == windows[1].components["judge"]
    assert len({windows[i].components["judge"] for i in (2, 3, 4)}) == 1
    assert windows[2].components["judge"] > windows[0].components["judge"]  # fight, punch
    assert stats["windows_judged"] == 5


def test_event_requests_sample_long_events_and_drop_repeats():
    texts = ["Same."] * 3 + [f"Caption {i}." for i in range(40)]
    windows = [WindowInput(float(i), i + 1.0, t) for i, t in enumerate(texts)]
    llm = RecordingLLM()
    judge = Judge(JudgeConfig(backend="fake", prompt="event_yesno"), llm=llm)
    judge.score(windows, "v", [EventSpan(0.0, 43.0, 0.0)], most_captions=10)
    (user,) = [r.user for r in llm.requests]
    assert user.count("Same.") == 1 and user.count("Caption") == 9
    assert "Caption 39." in user and user.index("Same.") < user.index("Caption 39.")


def test_judge_windows_mode_is_unchanged_with_events_present():
    windows = [WindowInput(0.0, 2.0, "Two men fight."), WindowInput(2.0, 4.0, "A man walks.")]
    llm = RecordingLLM()
    Judge(JudgeConfig(backend="fake"), llm=llm).score(windows, "v")
    assert len(llm.requests) == 2


def test_captions_pipeline_with_events_and_judge_per_event(tmp_path):
    """The caption path: events from caption embeddings (no second embedding), one judge
    request per event, results carry the events."""
    from zsvad.backends.fakes import RecordingTextEmbedder

    quiet = ["People walk in the park.", "A woman sits on a bench.", "Children play on grass."]
    loud = ["Two men fight and punch.", "A man hits another man.", "The fight goes on."]
    texts = quiet * 4 + loud * 4 + quiet * 4  # 12 s calm, 12 s fight, 12 s calm
    windows = [WindowInput(i * 1.0, i + 1.0, t) for i, t in enumerate(texts)]
    over = [
        "events.enabled=true",
        "events.judge=events",
        "judge.backend=fake",
        "judge.model=fake",
        "judge.prompt=event_yesno",
        "judge.cache=false",
    ]
    embedder = RecordingTextEmbedder()
    pipe = Pipeline(load_config("tiny", overrides=over), text_embedder=embedder)
    result = pipe.score_windows("v", 10.0, 360, windows)
    embedded = list(embedder.texts)
    assert len(result.events) >= 2
    assert result.provenance.stats["events_judged"] == len(result.events)
    by_event = members(result.events, [w.start for w in result.windows])
    for k in range(len(result.events)):
        judged = {w.scores["judge"] for w, m in zip(result.windows, by_event) if m == k}
        assert len(judged) == 1  # one answer per event
    # the caption embeddings of retrieval were reused: events embed nothing more
    plain = RecordingTextEmbedder()
    off = load_config("tiny", overrides=over[2:])
    Pipeline(off, text_embedder=plain).score_windows("v", 10.0, 360, list(map(_copy, windows)))
    captions = set(texts)
    assert [t for t in embedded if t in captions] == [t for t in plain.texts if t in captions]
    assert [e.start for e in result.events] == sorted(e.start for e in result.events)


def _copy(w: WindowInput) -> WindowInput:
    return WindowInput(w.start, w.end, w.text)


def test_clip_embeddings_of_a_video_give_events(tmp_path):
    """The video path with CLIP only: three flat-grey scenes of 10 s; boundaries at 10 and
    20 s (within one 1 s window) from the fake CLIP's embeddings of the frames."""
    # grey levels in the middle of the fake CLIP's colour buckets: codec noise keeps each scene
    # in one bucket
    path = make_video(
        tmp_path / "scenes.mp4", n=300, fps=10, shade=lambda i: (48, 155, 208)[i // 100]
    )
    over = [
        "captioner.backend=null",
        "image_embedder.backend=fake",
        "video.clip_seconds=1",
        "video.stride_seconds=1",
        "events.enabled=true",
    ]
    result = score_video(Pipeline(load_config("tiny", overrides=over)), path)
    starts = [e.start for e in result.events[1:]]
    assert len(starts) == 2 and starts == pytest.approx([10.0, 20.0], abs=1.0), starts
    assert result.events[-1].end_frame == result.num_frames - 1


def test_events_off_leave_the_config_hash_as_before_events():
    """Off, the section is left out of the identity: a config's hash is what it was before
    events existed, whatever the other events fields say; on, every field counts."""
    from zsvad.identity import identity

    off = load_config("tiny", overrides=["events.enabled=false"])
    assert "events" not in identity(off)
    tweaked = load_config("tiny", overrides=["events.enabled=false", "events.k_mad=3"])
    assert config_hash(tweaked) == config_hash(off)
    on = config_hash(load_config("tiny"))
    assert on != config_hash(off)
    assert config_hash(load_config("tiny", overrides=["events.k_mad=3"])) != on


def test_tune_reuses_events_when_only_finishing_settings_change(tmp_path, monkeypatch):
    """Settings that differ in temporal or events-finishing keys reuse the scored windows and
    their events; the figures equal scoring afresh."""
    from tune_helpers import write_dev_set

    import zsvad.tune.run as run
    from zsvad.io.captions import read_captions
    from zsvad.pipeline.captions import score_captions, score_video_captions
    from zsvad.tune.grid import expand_grid, parse_grid
    from zsvad.tune.run import GridScorer

    captions, _ = write_dev_set(tmp_path, n_abnormal=2, n_normal=1)
    videos = list(read_captions(captions).videos.values())
    grid = parse_grid(["events.enabled=true", "events.max_event_s=0,20", "events.weight=0.2,0.9"])
    settings = expand_grid(grid, "tiny")
    scored = []
    real = score_video_captions
    monkeypatch.setattr(run, "score_video_captions", lambda p, v: scored.append(v) or real(p, v))
    scorer = GridScorer(Pipeline(settings[0].config))
    for s in settings:
        got = scorer.score(s.config, videos)
        fresh = score_captions(videos, s.config)
        assert [r.frame_scores for r in got] == [r.frame_scores for r in fresh]
        assert [r.events for r in got] == [r.events for r in fresh] and got[0].events
    assert len(scored) == 2 * len(videos)  # once per cap; the weight only re-finishes


def test_audio_raise_compares_like_with_like_under_events():
    """A silent audio cue (0 everywhere) raises nothing: the score without audio is pooled over
    the same events (and scored the same way) as the segment's own score."""
    from zsvad.pipeline.finish import mark_audio

    scores = [0.1, 0.1, 0.9, 0.3, 0.1, 0.1, 0.1, 0.1]
    windows = [
        Window(start=2.0 * i, end=2.0 * i + 2, scores={"retrieval": s, "audio_cue": 0.0}, score=s)
        for i, s in enumerate(scores)
    ]
    events = [EventSpan(0.0, 8.0, 0.0), EventSpan(8.0, 16.0, 0.5)]
    for how in ("peak", "outer_inner"):
        cfg = load_config(
            "tiny",
            overrides=["audio.cue=true", "temporal.threshold=0.3", f"events.segment_score={how}"],
        )
        result = Pipeline(cfg).finish("v", 10.0, 160, windows, events=events)
        assert result.segments and result.events
        marked = mark_audio(result, cfg)
        assert [s.audio_raise for s in marked.segments] == [0.0] * len(marked.segments), how
