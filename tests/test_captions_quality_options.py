"""Options for scoring captions made for dense machine captions and for sparse human ones:
``temporal.gap_fill=video_min``, ``memory.categories`` and ``retrieval.video_residual``."""

from __future__ import annotations

import numpy as np
import pytest
from caption_rows import caption

from zsvad.config.temporal import TemporalConfig
from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.memory.retrieval import video_residual
from zsvad.memory.store import expand_categories, load_memory
from zsvad.memory.taxonomy import load_taxonomy
from zsvad.pipeline.captions import score_captions
from zsvad.temporal.frames import intervals_to_frames


def test_video_min_fills_long_gaps_with_the_videos_calmest_window():
    cfg = TemporalConfig(gap_fill="video_min", max_bridge_s=1.0)
    # 10 fps, 100 frames: windows at 0-1 s (0.3), 2-2.5 s (0.9), 8-9 s (0.5)
    f = intervals_to_frames([(0, 1, 0.3), (2, 2.5, 0.9), (8, 9, 0.5)], 10.0, 100, cfg)
    assert f[0] == pytest.approx(0.3) and f[85] == pytest.approx(0.5)
    assert f[50] == pytest.approx(0.3)  # 5.5 s gap: the video's lowest window score
    assert f[95] == pytest.approx(0.3)  # after the last window too
    assert 0.3 < f[15] < 0.9  # the 1 s gap between the first two windows is bridged
    const = intervals_to_frames(
        [(0, 1, 0.3), (2, 2.5, 0.9), (8, 9, 0.5)], 10.0, 100, TemporalConfig(gap_fill="constant")
    )
    assert const[50] == 0.0


def test_video_min_is_the_default_and_scale_free():
    assert TemporalConfig().gap_fill == "video_min"
    cfg = TemporalConfig(max_bridge_s=0.0)
    low = intervals_to_frames([(0, 1, 0.2), (5, 6, 0.4)], 10.0, 100, cfg)
    high = intervals_to_frames([(0, 1, 0.6), (5, 6, 0.8)], 10.0, 100, cfg)
    # a gap is as unremarkable as the video's calmest moment, whatever the video's level
    assert low[30] == pytest.approx(0.2) and high[30] == pytest.approx(0.6)


def test_categories_keep_normal_and_chosen_anomalies():
    full = load_memory("surveillance")
    ucf = load_memory("surveillance", categories=["@ucf"])
    tax = {c.id: c.sources for c in load_taxonomy().categories}
    kept = {e.category for e in ucf.entries if e.label == "anomalous"}
    assert kept and all("ucf" in tax[c] for c in kept)
    assert {c for c, s in tax.items() if "ucf" in s} == expand_categories(["@ucf"])
    assert len(ucf.by_label("normal")) == len(full.by_label("normal"))
    assert len(ucf.by_label("anomalous")) < len(full.by_label("anomalous"))
    assert ucf.content_hash != full.content_hash  # its own index in the cache
    fire = load_memory("surveillance", categories=["@ucf", "fire"])
    assert "fire" in {e.category for e in fire.entries if e.label == "anomalous"}


@pytest.mark.parametrize("names, needle", [(["no_such"], "no_such"), (["@nowhere"], "@nowhere")])
def test_unknown_category_is_a_config_error(names, needle):
    with pytest.raises(ConfigError, match=needle):
        load_memory("surveillance", categories=names)


def test_residual_removes_what_all_captions_share():
    rng = np.random.default_rng(0)
    scene, events = rng.normal(size=16), rng.normal(size=(5, 16))
    vecs = 3 * scene + events  # every caption is mostly the scene
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    out = video_residual(vecs, 1.0)
    unit = scene / np.linalg.norm(scene)
    assert np.abs(out @ unit).mean() < 0.5 * np.abs(vecs @ unit).mean()
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert video_residual(vecs, 0.0) is vecs
    assert np.array_equal(video_residual(vecs[:1], 1.0), vecs[:1])  # one caption: nothing shared


def test_scene_alone_scores_below_the_event_in_the_scene(write_captions):
    """A crowded street is not an anomaly; a stabbing on a crowded street is (real MiniLM)."""
    street = "A crowded street with many people walking on the sidewalk."
    rows = [caption("v", 2.0 * i, 2.0 * i + 2, street, 1.0, 40) for i in range(8)]
    rows.append(caption("v", 16.0, 18.0, "A man is stabbed on a crowded street.", 1.0, 40))
    path = write_captions(rows)
    for residual in (0.0, 0.5):
        cfg = load_config(
            overrides=[
                "memory.name=starter",
                f"retrieval.video_residual={residual}",
                "temporal.smoothing_sigma_s=0",
            ]
        )
        (result,) = score_captions(path, cfg)
        scores = [w.scores["retrieval"] for w in result.windows]
        assert max(scores[:8]) < scores[8], residual
