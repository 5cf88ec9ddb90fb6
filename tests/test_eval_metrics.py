"""Hand-computed figures: segment AP at IoU, multi-pair AUC / AP, false alarms, bootstrap."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from zsvad.errors import InputError
from zsvad.eval.aligned import VideoEval
from zsvad.eval.annotations import read_annotations
from zsvad.eval.bootstrap import FrameGroups, bootstrap_intervals
from zsvad.eval.metrics import evaluate
from zsvad.eval.segments_map import iou, segment_map
from zsvad.results.schema import Provenance, Segment, VideoResult


def _res(vid, scores, segments=(), threshold=0.5, stats=None):
    prov = Provenance(
        zsvad_version="0",
        created_at="t",
        config={"temporal": {"threshold": threshold}},
        config_hash="h",
        stats=stats or {},
    )
    segs = [
        Segment(start_frame=a, end_frame=b, start=a, end=b + 1, score=s, explanation="x")
        for a, b, s in segments
    ]
    return VideoResult(
        video_id=vid,
        fps=10,
        num_frames=len(scores),
        frame_scores=scores,
        segments=segs,
        provenance=prov,
    )


def test_iou_counts_inclusive_frames():
    assert iou((0, 9), (5, 14)) == pytest.approx(5 / 15)
    assert iou((0, 4), (5, 9)) == 0.0


def test_segment_map_hand_computed(tmp_path):
    # A: GT 10..19 and 40..49; B: GT 0..9; N: normal.
    ann = tmp_path / "a.txt"
    ann.write_text("A Fighting 10 19 40 49\nB Riot 0 9 -1 -1\nN Normal -1 -1 -1 -1\n")
    flat = [0.1] * 60
    results = [
        _res("A", flat, [(10, 19, 0.9), (40, 44, 0.6)]),  # IoU 1.0, IoU 0.5
        _res("B", flat[:20], [(3, 12, 0.8)]),  # IoU 7/13 = 0.538
        _res("N", flat[:30], [(0, 9, 0.7)]),  # false positive
    ]
    rep = evaluate(read_annotations(ann), results)
    # ranked: A1 (0.9) TP, B (0.8), N (0.7) FP, A2 (0.6); 3 GT intervals
    # at every IoU up to 0.5 (A2's IoU is exactly 0.5): TP, TP, FP, TP -> (1/1 + 2/2 + 3/4) / 3
    full = 100 * (1 + 1 + 3 / 4) / 3
    assert rep.segment_ap["0.1"] == pytest.approx(full)
    assert rep.segment_ap["0.5"] == pytest.approx(full)
    # A2 = 40..43: IoU 0.4
    results[0] = _res("A", flat, [(10, 19, 0.9), (40, 43, 0.6)])
    rep = evaluate(read_annotations(ann), results)
    assert rep.segment_ap["0.4"] == pytest.approx(full)
    assert rep.segment_ap["0.5"] == pytest.approx(100 * (1 + 1) / 3)  # A2 now a FP
    assert rep.segment_ap["avg"] == pytest.approx((4 * full + 100 * 2 / 3) / 5)


def test_segment_match_once_per_interval():
    y = np.zeros(30, dtype=np.int8)
    v = VideoEval("v", "X", True, 10, np.zeros(30), y, 0.5, [(0, 9, 0.9), (0, 9, 0.8)], [(0, 9)])
    out = segment_map([v], (0.5,))
    assert out["0.5"] == pytest.approx(100.0)  # TP then FP: precision at the TP is 1
    v.gt_segments = []
    assert segment_map([v], (0.5,))["0.5"] is None


def test_multi_pair_known_auc_ap(tmp_path):
    # V: 8 frames, GT pairs 1..2 and 5..5 -> labels 0 1 1 0 0 1 0 0; N: 2 normal frames
    ann = tmp_path / "m.txt"
    ann.write_text("V.mp4 Fighting,Riot 1 2 5 5\nN.mp4 Normal -1 -1\n")
    v = [0.1, 0.9, 0.6, 0.2, 0.7, 0.8, 0.3, 0.1]
    n = [0.4, 0.05]
    rep = evaluate(read_annotations(ann), [_res("V", v), _res("N", n)], per_video=True)
    # positives 0.9, 0.6, 0.8; negatives 0.1 0.2 0.7 0.3 0.1 0.4 0.05 (7)
    # pairs pos > neg: 0.9: 7, 0.8: 7, 0.6: 6 (not 0.7) -> 20 / 21
    assert rep.auc == pytest.approx(100 * 20 / 21)
    # ranking 0.9 P, 0.8 P, 0.7 N, 0.6 P: AP = (1 + 1 + 3/4) / 3
    assert rep.ap == pytest.approx(100 * (1 + 1 + 0.75) / 3)
    # trapezoid over (0,1) (1/3,1) (2/3,1) (2/3,2/3) (1,3/4)
    assert rep.pr_auc == pytest.approx(100 * (2 / 3 + (1 / 3) * (2 / 3 + 3 / 4) / 2))
    assert rep.auc_abnormal == pytest.approx(100 * (5 + 5 + 4) / 15)
    # false alarms at 0.5: N has none; V has 0.7 outside the GT (one frame at 10 fps)
    assert rep.far == 0.0 and rep.threshold == 0.5
    rows = {r["video"]: r for r in rep.per_video}
    assert rows["V"]["false_alarm_s"] == pytest.approx(0.1)
    assert rows["V"]["auc"] == pytest.approx(100 * (5 + 5 + 4) / 15)
    assert rows["N"]["auc"] is None and rows["N"]["max_score"] == 0.4
    rep = evaluate(read_annotations(ann), [_res("V", v), _res("N", n)], threshold=0.3)
    assert rep.far == pytest.approx(50.0) and rep.threshold == 0.3


def test_by_class_uses_normal_videos_plus_the_class(tmp_path):
    ann = tmp_path / "m.txt"
    ann.write_text("A Fighting 0 1\nB Riot,Fighting 2 3\nN Normal -1 -1\n")
    a, b, n = [0.9, 0.8, 0.1, 0.2], [0.3, 0.1, 0.2, 0.6], [0.5, 0.0, 0.1, 0.1]
    rep = evaluate(
        read_annotations(ann), [_res(x, s) for x, s in zip("ABN", (a, b, n))], by_class=True
    )
    assert set(rep.per_class) == {"Fighting", "Riot"}
    riot = rep.per_class["Riot"]
    y = np.r_[0, 0, 1, 1, 0, 0, 0, 0]
    s = np.r_[b, n]
    assert riot["videos"] == 1 and riot["auc"] == pytest.approx(100 * roc_auc_score(y, s))
    assert rep.per_class["Fighting"]["videos"] == 2


def _videos(seed=3, n=9):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        k = int(rng.integers(5, 40))
        s = rng.integers(0, 10, k) / 10.0  # many ties
        y = (rng.random(k) < 0.4).astype(np.int8) if i % 2 else np.zeros(k, np.int8)
        out.append(VideoEval(str(i), "X", bool(i % 2), 10, s, y, 0.5, [], []))
    return out


def test_weighted_groups_equal_sklearn_on_repeated_videos():
    videos = _videos()
    groups = FrameGroups(videos)
    w = np.array([2, 0, 1, 3, 1, 0, 1, 2, 1], dtype=float)
    y = np.concatenate([np.tile(v.labels, int(k)) for v, k in zip(videos, w)])
    s = np.concatenate([np.tile(v.scores, int(k)) for v, k in zip(videos, w)])
    from sklearn.metrics import auc, precision_recall_curve

    assert groups.auc(w) == pytest.approx(roc_auc_score(y, s))
    ap, pr_auc = groups.ap_pr_auc(w)
    precision, recall, _ = precision_recall_curve(y, s)
    assert ap == pytest.approx(average_precision_score(y, s))
    assert pr_auc == pytest.approx(auc(recall, precision))
    assert groups.auc(np.eye(9)[0]) is None  # a normal video alone: undefined


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    videos = _videos(n=15)
    a = bootstrap_intervals(videos, 200, seed=1)
    assert a == bootstrap_intervals(videos, 200, seed=1)
    assert a != bootstrap_intervals(videos, 200, seed=2)
    y = np.concatenate([v.labels for v in videos])
    s = np.concatenate([v.scores for v in videos])
    point = 100 * roc_auc_score(y, s)
    lo, hi = a["auc"]
    assert lo < point < hi and hi - lo < 40
    assert a["auc_abnormal"] is not None and a["far"] is not None


def test_evaluate_reports_intervals_only_when_asked(tmp_path):
    ann = tmp_path / "m.txt"
    ann.write_text("A Fighting 0 1\nN Normal -1 -1\n")
    res = [_res("A", [0.9, 0.8, 0.1, 0.2]), _res("N", [0.5, 0.0, 0.1, 0.1])]
    assert evaluate(read_annotations(ann), res).ci == {}
    rep = evaluate(read_annotations(ann), res, bootstrap=50)
    assert rep.bootstrap == 50 and set(rep.ci) >= {"auc", "ap", "pr_auc", "far", "segment_map"}
    assert "segment_ap@0.3" in rep.ci


def test_per_class_intervals_resample_normal_plus_class(tmp_path):
    ann = tmp_path / "m.txt"
    ann.write_text("A Fighting 0 1\nB Fighting 2 3\nC Riot 1 2\nN Normal -1 -1\nM Normal -1 -1\n")
    low = [0.1, 0.1, 0.2, 0.2]  # Fighting frames scored below normal ones
    res = [
        _res("A", low),
        _res("B", low[::-1]),
        _res("C", [0.2, 0.99, 0.98, 0.3]),  # Riot separated perfectly from every normal frame
        _res("N", [0.4, 0.3, 0.2, 0.1]),
        _res("M", [0.5, 0.45, 0.3, 0.2]),
    ]
    rep = evaluate(read_annotations(ann), res, by_class=True, bootstrap=200)
    riot = rep.per_class["Riot"]
    assert riot["auc"] == 100.0
    # resamples draw only normal videos and C: never a Fighting frame among the positives
    assert riot["ci"]["auc"] == (100.0, 100.0) and riot["ci"]["ap"] == (100.0, 100.0)
    assert rep.per_class["Fighting"]["ci"]["auc"][1] < 50
    assert evaluate(read_annotations(ann), res, by_class=True).per_class["Riot"].get("ci") is None


def test_efficiency_from_provenance(tmp_path):
    ann = tmp_path / "m.txt"
    ann.write_text("A Fighting 0 1\nN Normal -1 -1\n")
    st = {"wall_s": 2.0, "video_s": 10.0, "captions": 4, "clips": 0, "peak_rss_mb": 300.0}
    res = [
        _res("A", [0.9, 0.8, 0.1, 0.2], stats=st),
        _res("N", [0.5, 0.0, 0.1, 0.1], stats=st | {"peak_rss_mb": 500.0}),
    ]
    eff = evaluate(read_annotations(ann), res).efficiency
    assert eff["video_s_per_s"] == pytest.approx(5.0) and eff["captions_per_s"] == 2.0
    assert eff["clips_per_s"] is None and eff["peak_rss_mb"] == 500.0
    old = evaluate(read_annotations(ann), [_res("A", [0.9, 0.1]), _res("N", [0.1, 0.1])])
    assert old.efficiency["video_s_per_s"] is None  # results without run figures


def test_lavad_list_with_temporal_file(tmp_path):
    temporal = tmp_path / "Temporal.txt"
    temporal.write_text("A_x264.mp4 Abuse 5 8 -1 -1\nN_x264.mp4 Normal -1 -1 -1 -1\n")
    lst = tmp_path / "test.txt"
    lst.write_text("Abuse/A_x264 2 11 1\nNormal/N_x264 0 9 7\n")
    ann = read_annotations(lst, temporal=temporal)
    assert set(ann) == {"A_x264", "N_x264"}
    assert ann["A_x264"].category == "Abuse"
    assert ann["A_x264"].labels(10).tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]  # shifted by 2
    assert not ann["A_x264"].mismatch(10) and ann["A_x264"].mismatch(12)
    with pytest.raises(InputError, match="test.txt: .*--temporal"):
        read_annotations(lst)
    lst.write_text("Abuse/A_x264 2 11 1\nMissing 0 9 7\n")
    with pytest.raises(InputError, match="test.txt:2: .*'Missing' is not in"):
        read_annotations(lst, temporal=temporal)
    lst.write_text("Abuse/A_x264 2 11 x\n")
    with pytest.raises(InputError, match="test.txt:1: expected"):
        read_annotations(lst, "lavad", temporal)


def test_segment_ap_resample_equals_repeated_videos():
    from zsvad.eval.segments_map import SegmentMatches, segment_ap

    def video(name, segs, gts):
        return VideoEval(
            name, "X", bool(gts), 10, np.zeros(50), np.zeros(50, np.int8), 0.5, segs, gts
        )

    videos = [
        video("a", [(0, 9, 0.9), (20, 29, 0.4)], [(0, 9), (22, 30)]),
        video("b", [(5, 14, 0.7)], [(30, 39)]),
        video("n", [(0, 4, 0.8)], []),
    ]
    w = np.array([2.0, 1.0, 3.0])
    repeated = [v for v, k in zip(videos, w) for _ in range(int(k))]
    for t in (0.1, 0.5, 0.8):
        assert SegmentMatches(videos, t).ap(w) == pytest.approx(segment_ap(repeated, t))


def test_batch_folder_with_two_configs_and_a_rescored_video(tmp_path):
    from zsvad.eval.results_dirs import load_result_sets

    def put(folder, key, result, created):
        result.provenance.created_at = created
        (folder / "results").mkdir(parents=True, exist_ok=True)
        (folder / "results" / f"{key}.json").write_text(result.model_dump_json())

    batch = tmp_path / "B"
    put(batch / "h1", "k1", _res("A", [0.9, 0.1]), "2026-01-01T00:00:00")
    put(batch / "h1", "k2", _res("A", [0.1, 0.9]), "2026-01-02T00:00:00")  # file changed
    put(batch / "h1", "k3", _res("N", [0.2, 0.2]), "2026-01-01T00:00:00")
    put(batch / "h2", "k1", _res("A", [0.5, 0.5]), "2026-01-01T00:00:00")
    sets = load_result_sets(batch)
    assert list(sets) == [str(batch / "h1"), str(batch / "h2")]
    assert [r.frame_scores for r in sets[str(batch / "h1")]] == [[0.1, 0.9], [0.2, 0.2]]
    ann = tmp_path / "a.txt"
    ann.write_text("A Fighting 1 1\nN Normal -1 -1\n")
    with pytest.raises(InputError, match="B: holds 2 result sets"):
        evaluate(ann, batch)
    assert evaluate(ann, batch / "h1").auc == 100.0  # the newest result of A counts
