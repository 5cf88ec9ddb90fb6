import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from zsvad.errors import InputError
from zsvad.eval.annotations import read_annotations
from zsvad.eval.metrics import evaluate
from zsvad.results.schema import Provenance, VideoResult


def _res(vid, scores):
    prov = Provenance(
        zsvad_version="0", created_at="t", config={}, config_hash="h", stats={"llm_calls": 2}
    )
    return VideoResult(
        video_id=vid, fps=30, num_frames=len(scores), frame_scores=scores, provenance=prov
    )


def test_annotation_format(tmp_path):
    f = tmp_path / "ann.txt"
    f.write_text("A_x264.mp4  Abuse  2  4  7  8\nN_x264.mp4  Normal  -1  -1  -1  -1\n")
    ann = read_annotations(f)
    assert ann["A_x264"].intervals == ((2, 4), (7, 8))
    assert ann["A_x264"].labels(10).tolist() == [0, 0, 1, 1, 1, 0, 0, 1, 1, 0]
    assert ann["N_x264"].labels(3).tolist() == [0, 0, 0]
    assert ann["A_x264"].labels(8).tolist()[-1] == 1  # clipped, not an error


@pytest.mark.parametrize(
    "line,msg",
    [("A  Abuse  1", "expected"), ("A Abuse x 3", "integers"), ("A Abuse 5 3", "bad interval")],
)
def test_bad_annotation_lines(tmp_path, line, msg):
    f = tmp_path / "ann.txt"
    f.write_text("B Normal -1 -1\n" + line + "\n")
    with pytest.raises(InputError, match=f"ann.txt:2: .*{msg}"):
        read_annotations(f)


def test_metrics_match_sklearn_on_concatenation(tmp_path):
    f = tmp_path / "ann.txt"
    f.write_text("A Abuse 2 4 -1 -1\nN Normal -1 -1 -1 -1\n")
    rng = np.random.default_rng(0)
    a, n = rng.random(10).round(3).tolist(), rng.random(6).round(3).tolist()
    rep = evaluate(f, [_res("A", a), _res("N", n), _res("extra", [0.5])])
    y = np.r_[[0, 0, 1, 1, 1, 0, 0, 0, 0, 0], np.zeros(6)]
    s = np.r_[a, n]
    assert rep.auc == pytest.approx(100 * roc_auc_score(y, s))
    assert rep.ap == pytest.approx(100 * average_precision_score(y, s))
    assert rep.videos == 2 and rep.frames == 16 and rep.unannotated == ["extra"]
    assert rep.stats["llm_calls"] == 4
    assert rep.auc_abnormal == pytest.approx(100 * roc_auc_score(y[:10], a))


def test_only_one_class(tmp_path):
    f = tmp_path / "ann.txt"
    f.write_text("N Normal -1 -1 -1 -1\n")
    with pytest.raises(InputError, match="only one class"):
        evaluate(f, [_res("N", [0.1, 0.2])])
    with pytest.raises(InputError, match="no result matches"):
        evaluate(f, [_res("X", [0.1])])


def test_formats_and_detection(tmp_path):
    from zsvad.eval.annotations import detect_format

    m = tmp_path / "m.txt"
    m.write_text("V.mp4  Fighting,Shooting  1 2 5 6 8 8\nN.mp4 Normal -1 -1 -1 -1\n")
    assert detect_format(m) == "multi"
    ann = read_annotations(m)
    assert ann["V"].categories == ("Fighting", "Shooting")
    assert ann["V"].labels(10).tolist() == [0, 1, 1, 0, 0, 1, 1, 0, 1, 0]
    x = tmp_path / "x.txt"
    x.write_text("V 1 2 5 6\nN\n".replace("N\n", "W 0 0\n"))
    assert detect_format(x) == "xd-list"
    assert read_annotations(x)["V"].intervals == ((1, 2), (5, 6))
    bad = tmp_path / "bad.txt"
    bad.write_text("V 1 2\nW 1 x\n")
    with pytest.raises(InputError, match="bad.txt:2: .*integers"):
        read_annotations(bad, "xd-list")
    d = tmp_path / "npy"
    d.mkdir()
    np.save(d / "A.npy", np.array([0, 1, 1, 0, 0, 1]))
    ann = read_annotations(d)
    assert ann["A"].labels(4).tolist() == [0, 1, 1, 0]
    assert ann["A"].labels(8).tolist() == [0, 1, 1, 0, 0, 1, 0, 0]
    assert ann["A"].mismatch(4) and not ann["A"].mismatch(6)


def test_multi_pair_auc_and_length_count(tmp_path):
    f = tmp_path / "m.txt"
    f.write_text("V Fighting,Riot 1 2 5 6 -1 -1 8 20\nN Normal -1 -1\n")
    rng = np.random.default_rng(1)
    a, n = rng.random(10).tolist(), rng.random(5).tolist()
    rep = evaluate(f, [_res("V", a), _res("N", n)])
    y = np.r_[[0, 1, 1, 0, 0, 1, 1, 0, 1, 1], np.zeros(5)]
    assert rep.auc == pytest.approx(100 * roc_auc_score(y, np.r_[a, n]))
    assert rep.ap == pytest.approx(100 * average_precision_score(y, np.r_[a, n]))
    assert rep.length_adjusted == 1
    from sklearn.metrics import auc, precision_recall_curve

    prec, rec, _ = precision_recall_curve(y, np.r_[a, n])
    assert rep.pr_auc == pytest.approx(100 * auc(rec, prec))
