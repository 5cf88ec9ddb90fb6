"""``zsvad diff``: per-video and per-window score changes between two result folders."""

import csv

from report_helpers import make_result

from zsvad.cli.main import main
from zsvad.results.io import write_result


def _runs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_result(make_result("fight", segments=((100, 199),)), a)
    write_result(make_result("calm", segments=()), a)
    write_result(make_result("gone", segments=()), a)
    changed = make_result("fight", segments=((100, 199),))
    changed.windows[6].score = 0.2  # 12–16 s: 0.9 before
    changed.frame_scores = [min(s, 0.7) for s in changed.frame_scores]
    write_result(changed, b)
    write_result(make_result("calm", segments=()), b)
    write_result(make_result("new", segments=()), b)
    return a, b


def test_diff_lists_video_and_window_changes(tmp_path, capsys):
    a, b = _runs(tmp_path)
    assert main(["diff", str(a), str(b), "--csv", str(tmp_path / "w.csv")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["fight", "0.900", "0.700", "-0.200"]  # biggest change first
    assert "1 changed" in lines[1] and "0 changed" in lines[2]
    assert "only in A: gone" in out and "only in B: new" in out
    assert "00:12.0–00:16.0 0.900 → 0.200 (-0.700)" in out
    rows = list(csv.DictReader(open(tmp_path / "w.csv")))  # noqa: SIM115
    assert [(r["video_id"], r["start"], r["score_b"]) for r in rows] == [("fight", "12.0", "0.2")]


def test_diff_of_a_folder_without_results_is_an_input_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    a, _ = _runs(tmp_path)
    assert main(["diff", str(a), str(tmp_path / "empty")]) == 2
    assert "no result files" in capsys.readouterr().err
