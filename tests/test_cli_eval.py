"""``zsvad eval`` end to end: score vs batch folders, subsets, --dataset, --out."""

import json

import pytest
from caption_rows import three_videos

from zsvad.cli.main import main


def _rows():
    return three_videos()


@pytest.fixture
def scored(write_captions, tmp_path):
    caps = write_captions(_rows())
    ann = tmp_path / "ann.txt"
    ann.write_text("fight Fighting 40 79 -1 -1\nfire Arson 0 49 -1 -1\ncalm Normal -1 -1 -1 -1\n")
    out = tmp_path / "score"
    assert main(["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny",
                 "--quiet"]) == 0  # fmt: skip
    return caps, ann, out


def _eval(capsys, *args):
    assert main(["eval", "--json", "--bootstrap", "100", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_batch_folder_equals_score_folder(scored, tmp_path, capsys):
    _, ann, score_dir = scored
    per_video = tmp_path / "per_video"
    per_video.mkdir()
    for vid in ("calm", "fight", "fire"):
        rows = [json.dumps(r) for r in _rows() if r["video_id"] == vid]
        (per_video / f"{vid}.jsonl").write_text("\n".join(rows) + "\n")
    batch = tmp_path / "batch"
    code = main(["batch", str(per_video / "*.jsonl"), "--out", str(batch), "--profile", "tiny",
                 "--runner", "serial", "--quiet"])  # fmt: skip
    assert code == 0
    capsys.readouterr()
    a = _eval(capsys, "--annotations", str(ann), "--scores", str(score_dir), "--per-video")
    b = _eval(capsys, "--annotations", str(ann), "--scores", str(batch), "--per-video")
    (report_a,), (report_b,) = a.values(), b.values()
    assert next(iter(b)).startswith(str(batch) + "/")  # labelled by config hash
    for key in ("auc", "ap", "pr_auc", "auc_abnormal", "far", "segment_ap", "ci", "per_video"):
        assert report_a[key] == report_b[key], key
    assert report_a["videos"] == report_b["videos"] == 3 and len(report_a["per_video"]) == 3
    import zsvad  # the Python API reads a single-config batch folder too

    assert zsvad.evaluate(ann, batch).auc == report_a["auc"]


def test_subsets_and_out_files(scored, tmp_path, capsys):
    _, ann, score_dir = scored
    rep = _eval(capsys, "--annotations", str(ann), "--scores", str(score_dir), "--videos",
                "fight.mp4,calm")  # fmt: skip
    (r,) = rep.values()
    assert r["videos"] == 2 and r["missing"] == [] and r["unannotated"] == []
    lst = tmp_path / "list.txt"
    lst.write_text("# chosen\nfire\ncalm\nfight\n")
    (r,) = _eval(capsys, "--annotations", str(ann), "--scores", str(score_dir), "--videos",
                 str(lst), "--limit", "2", "--per-video").values()  # fmt: skip
    assert [v["video"] for v in r["per_video"]] == ["calm", "fight"]  # sorted ids, first 2
    md = tmp_path / "r.md"
    js = tmp_path / "r.json"
    args = ["eval", "--annotations", str(ann), "--scores", str(score_dir), "--by-class"]
    for out in (md, js):
        assert main([*args, "--per-video", "--bootstrap", "50", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "AUC-abn" in printed and "PR-AUC" in printed and "Per video" in printed
    assert md.read_text().startswith("| scores | AUC |") and "## Per class" in md.read_text()
    assert json.loads(js.read_text())[str(score_dir)]["per_class"]["Arson"]["videos"] == 1


def test_score_subset_options(write_captions, tmp_path):
    caps = write_captions(_rows())
    out = tmp_path / "o"
    assert main(["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny",
                 "--quiet", "--limit", "2"]) == 0  # fmt: skip
    assert sorted(p.stem for p in out.glob("*.json")) == ["calm", "fight"]
    out2 = tmp_path / "o2"
    assert main(["score", "--captions", str(caps), "--out", str(out2), "--profile", "tiny",
                 "--quiet", "--videos", "fire"]) == 0  # fmt: skip
    assert [p.stem for p in out2.glob("*.json")] == ["fire"]
    result = json.loads((out2 / "fire.json").read_text())
    stats = result["provenance"]["stats"]
    assert stats["captions"] == 2 and stats["wall_s"] > 0 and stats["peak_rss_mb"] > 0


def test_dataset_spec_and_errors(scored, tmp_path, capsys):
    caps, ann, score_dir = scored
    spec = tmp_path / "d.yaml"
    spec.write_text(f"name: d\ncaptions: {caps}\nannotations: {ann}\nformat: ucf\n")
    (r,) = _eval(capsys, "--dataset", str(spec), "--scores", str(score_dir)).values()
    assert r["videos"] == 3
    assert main(["eval", "--scores", str(score_dir)]) == 2
    assert "no ground truth" in capsys.readouterr().err
    assert main(["eval", "--annotations", str(ann), "--scores", str(tmp_path / "nope")]) == 2
    assert "nope: results directory not found" in capsys.readouterr().err
