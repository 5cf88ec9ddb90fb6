import json
import math

import pytest
from pydantic import ValidationError

from zsvad.atomic import atomic_write_text
from zsvad.errors import InputError
from zsvad.results.io import read_result, read_results_dir, write_result
from zsvad.results.schema import Provenance, Segment, VideoResult


def _result(**kw):
    base = dict(
        video_id="v",
        fps=10.0,
        num_frames=3,
        frame_scores=[0.1, 0.9, 0.2],
        provenance=Provenance(zsvad_version="0", created_at="now", config={}, config_hash="h"),
    )
    base.update(kw)
    return VideoResult(**base)


@pytest.mark.parametrize(
    "scores,msg",
    [
        ([0.1, 0.2], "frame_scores has 2 values"),
        ([0.1, math.nan, 0.2], "not a finite number"),
        ([0.1, 1.5, 0.2], "not a finite number in"),
    ],
)
def test_frame_scores_validated(scores, msg):
    with pytest.raises(ValidationError, match=msg):
        _result(frame_scores=scores)


def test_segment_bounds():
    seg = dict(start_frame=1, end_frame=5, start=0.1, end=0.6, score=0.9, explanation="x")
    with pytest.raises(ValidationError, match="segment ends at frame 5"):
        _result(segments=[Segment(**seg)])
    with pytest.raises(ValidationError, match="must not precede"):
        Segment(**dict(seg, end_frame=0))


def test_roundtrip_and_atomic(tmp_path):
    r = _result()
    path = write_result(r, tmp_path)
    assert path.name == "v.json" and read_result(path) == r
    assert [p.name for p in tmp_path.iterdir()] == ["v.json"]  # no temp file left
    atomic_write_text(tmp_path / "summary.json", "{}")
    assert [x.video_id for x in read_results_dir(tmp_path)] == ["v"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_read_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(InputError, match="bad.json:1: not valid JSON"):
        read_result(bad)
    bad.write_text(json.dumps({"video_id": "v"}))
    with pytest.raises(InputError, match="bad.json: not a zsvad result"):
        read_result(bad)


def test_only_video_results_count_as_result_files(tmp_path):
    from zsvad.results.io import is_result_file

    names = ["v1.json", ".zsvad-summary.json", "_tmp.json", "summary.json", "live.json", "run.json"]
    assert [n for n in names if is_result_file(tmp_path / n)] == ["v1.json"]
