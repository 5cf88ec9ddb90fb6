"""Fusion of the LLM judge with the other components: the ``min`` rule over smoothed scores,
missing judgments, calibration knots, and log-prob / list judges on one scale."""

from __future__ import annotations

import json
import math
from itertools import pairwise

import numpy as np
import pytest
from pydantic import ValidationError

from zsvad.backends.protocols import Generation
from zsvad.cli.main import main
from zsvad.config.fusion import FusionConfig
from zsvad.configure import load_config
from zsvad.fusion.calibration import quantile_knots
from zsvad.fusion.rules import calibrate, fuse_video, smooth_over_time
from zsvad.judge.parse import read_answer
from zsvad.pipeline.components import WindowInput
from zsvad.pipeline.finish import fuse_windows
from zsvad.prompts.loader import load_prompt


def _windows(ret, judge):
    out = []
    for i, (r, j) in enumerate(zip(ret, judge)):
        w = WindowInput(start=float(i), end=float(i + 1))
        w.components["retrieval"] = r
        if j is not None:
            w.components["judge"] = j
        out.append(w)
    return out


def test_min_takes_the_less_alarmed_reader_without_smoothing():
    cfg = FusionConfig(judge_smoothing_s=0, judge_boundary=0.5)
    fused = fuse_windows(_windows([0.9, 0.2, 0.6], [0.1, 0.8, 0.7]), cfg)
    assert [w.score for w in fused] == [0.1, 0.2, 0.6]
    # every component stays visible next to the fused score
    assert fused[0].scores == {"retrieval": 0.9, "judge": 0.1}


def test_judge_boundary_puts_the_min_back_on_the_segment_scale():
    """The min sits below either reader: ``judge_boundary`` is mapped to 0.5 (monotone,
    0 and 1 fixed), so segments are cut at ``temporal.threshold`` as without a judge."""
    cfg = FusionConfig(judge_smoothing_s=0, judge_boundary=0.35)
    fused = fuse_windows(_windows([0.9, 0.35, 0.2, 1.0, 0.0], [0.35, 0.9, 0.5, 1.0, 0.3]), cfg)
    scores = [w.score for w in fused]
    assert scores[0] == scores[1] == 0.5  # both mins are 0.35: on the boundary
    assert scores[2] == pytest.approx(0.2 / 0.35 * 0.5, abs=1e-6)
    assert scores[3] == 1.0 and scores[4] == 0.0
    with pytest.raises(ValidationError):
        FusionConfig(judge_boundary=1.0)


def test_component_rule_is_the_weighted_mean_of_before():
    cfg = FusionConfig(judge_rule="component", weights={"retrieval": 1, "judge": 3})
    fused = fuse_windows(_windows([0.8, 0.0], [0.4, 1.0]), cfg)
    assert [w.score for w in fused] == pytest.approx([0.5, 0.75])


def test_smoothing_damps_a_lone_alarm_of_one_reader():
    ret = [0.9] * 9
    judge = [0.0] * 4 + [1.0] + [0.0] * 4
    raw = fuse_windows(_windows(ret, judge), FusionConfig(judge_smoothing_s=0, judge_boundary=0.5))
    smooth = fuse_windows(_windows(ret, judge), FusionConfig(judge_smoothing_s=2.0))
    assert raw[4].score == 0.9  # unsmoothed, one alarmed answer lets retrieval through
    assert smooth[4].score < 0.5  # smoothed, the lone answer among calm ones counts less
    assert smooth[4].score == max(w.score for w in smooth)


def test_a_video_without_judgments_is_fused_as_without_a_judge():
    cfg = FusionConfig()
    ret = [0.3, 0.7, 0.1]
    assert [w.score for w in fuse_windows(_windows(ret, [None] * 3), cfg)] == ret


def test_a_window_without_judgment_takes_its_neighbours_never_zero():
    cfg = FusionConfig(judge_smoothing_s=1.0, judge_boundary=0.5)
    fused = fuse_windows(_windows([0.8, 0.8, 0.8], [0.6, None, 0.6]), cfg)
    assert fused[1].score == pytest.approx(0.6)
    far = fuse_windows(_windows([0.8] * 12, [0.6] + [None] * 11), cfg)
    assert far[-1].score == pytest.approx(0.8)  # no judgment within reach: the other reader


def test_smooth_over_time_uneven_spacing_and_gaps():
    t = np.array([0.0, 1.0, 1.5, 10.0])
    v = np.array([1.0, np.nan, 0.0, 0.5])
    out = smooth_over_time(t, v, 1.0)
    assert math.isfinite(out[1]) and 0 < out[1] < 1
    assert out[3] == pytest.approx(0.5)  # alone within 4 sigma
    assert np.allclose(smooth_over_time(t, v, 0.0)[[0, 2, 3]], v[[0, 2, 3]])


def test_calibration_knots_apply_before_fusion_and_are_checked():
    cfg = FusionConfig(
        judge_rule="component", calibration={"judge": [(0.0, 0.0), (0.9, 0.3), (1.0, 1.0)]}
    )
    assert calibrate({"judge": 0.45, "retrieval": 0.45}, cfg) == {
        "judge": pytest.approx(0.15),
        "retrieval": 0.45,
    }
    fused = fuse_video([{"judge": 0.95, "retrieval": 0.35}], [0.5], cfg)
    assert fused == [pytest.approx((0.65 + 0.35) / 2)]
    for bad in ([(0.0, 0.0)], [(0.5, 0.0), (0.4, 1.0)], [(0.0, 0.5), (1.0, 0.2)], [(0, 0), (2, 1)]):
        with pytest.raises(ValidationError):
            FusionConfig(calibration={"judge": bad})


def test_logprob_rating_and_list_answer_land_on_one_scale():
    """A 0-10 rating read by log-probs scores its expected rating / 10: a judge sure of "7"
    scores as a judge that answered 0.7; an unsure one scores between its candidates."""
    spec = load_prompt("rating_logprob").output
    labels = [str(i) for i in range(11)]
    sure = {c: (0.0 if c == "7" else -30.0) for c in labels}
    assert read_answer(spec, Generation(text="7", choice_logprobs=sure)).score == pytest.approx(0.7)
    split = {c: (math.log(0.5) if c in ("2", "8") else -50.0) for c in labels}
    assert read_answer(spec, Generation(text="2", choice_logprobs=split)).score == pytest.approx(
        0.5
    )
    assert read_answer(spec, Generation(text="Rating: 3")).score == pytest.approx(0.3)
    yesno = load_prompt("yesno_logprob").output  # values default to P(positive)
    lp = {"yes": math.log(0.8), "no": math.log(0.2)}
    assert read_answer(yesno, Generation(text="yes", choice_logprobs=lp)).score == pytest.approx(
        0.8
    )


def test_quantile_knots_put_an_overconfident_judge_on_a_list_judges_scale():
    rng = np.random.default_rng(0)
    rating = np.round(rng.beta(1.2, 4.0, 4000), 1)  # a list judge: 0, 0.1, … mostly low
    p_yes = 1 / (1 + np.exp(-rng.normal(-4, 4, 4000)))  # over-confident P(yes), near 0 or 1
    knots = quantile_knots(p_yes, rating)
    xs, ys = zip(*knots)
    assert xs[0] == 0.0 and xs[-1] == 1.0
    assert all(b > a for a, b in pairwise(xs)) and all(b >= a for a, b in pairwise(ys))
    mapped = np.interp(p_yes, xs, ys)
    for q in (0.25, 0.5, 0.75, 0.9):
        assert abs(np.quantile(mapped, q) - np.quantile(rating, q)) <= 0.05
    assert abs(np.quantile(p_yes, 0.9) - np.quantile(rating, 0.9)) > 0.2  # it needed it
    FusionConfig(calibration={"judge": knots})  # valid config knots


def test_quantile_knots_refuse_bad_scores():
    from zsvad.errors import InputError

    with pytest.raises(InputError, match="source"):
        quantile_knots([0.1, float("nan")], [0.1, 0.2])
    with pytest.raises(InputError, match="reference"):
        quantile_knots([0.1, 0.2], [1.5, 0.2])


def _judgments(path, scores):
    rows = [
        {"video_id": "v", "start": float(i), "end": float(i + 1), "score": float(s)}
        for i, s in enumerate(scores)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_cli_calibrate_writes_knots_a_config_accepts(tmp_path, capsys):
    rng = np.random.default_rng(1)
    src = _judgments(tmp_path / "logprob.jsonl", 1 / (1 + np.exp(-rng.normal(-4, 4, 500))))
    ref = _judgments(tmp_path / "list.jsonl", np.round(rng.beta(1.2, 4.0, 500), 1))
    out = tmp_path / "cal.yaml"
    assert main(["judgments", "calibrate", str(src), "--like", str(ref), "--out", str(out)]) == 0
    cfg = load_config("default", files=[out])
    knots = cfg.fusion.calibration["judge"]
    assert knots[0][0] == 0.0 and knots[-1][0] == 1.0 and len(knots) > 5
    assert "no ground truth read" in out.read_text()
    one = _judgments(tmp_path / "one.jsonl", [0.5])
    assert main(["judgments", "calibrate", str(one), "--like", str(ref)]) == 2
    assert "fewer than two judged spans" in capsys.readouterr().err
