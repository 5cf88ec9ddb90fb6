"""zsvad tune end to end on a small dev set (tiny profile: fake embedder, starter memory)."""

from __future__ import annotations

import json

import pytest
from tune_helpers import write_dev_set, write_swapped_memory

from zsvad.cli.main import main
from zsvad.eval.annotations import read_annotations
from zsvad.eval.metrics import evaluate
from zsvad.io.captions import read_captions
from zsvad.pipeline.captions import score_captions
from zsvad.pipeline.captions import score_video_captions as _score
from zsvad.pipeline.core import Pipeline
from zsvad.results.io import read_results_dir
from zsvad.tune import TuneData, expand_grid, parse_grid
from zsvad.tune.run import GridScorer


@pytest.fixture
def dev(tmp_path):
    return write_dev_set(tmp_path / "dev")


def _tune(dev, out, *extra):
    captions, annotations = dev
    args = ["tune", "--captions", str(captions), "--annotations", str(annotations)]
    return main([*args, "--profile", "tiny", "--folds", "3", "--out", str(out), *extra])


def test_nested_selection_finds_the_known_best(dev, tmp_path, capsys):
    swapped = write_swapped_memory(tmp_path / "swapped")
    out = tmp_path / "tune"
    assert _tune(dev, out, "--grid", f"memory.name={swapped},starter", "--quiet") == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "tune.json").read_text())
    bad, good = report["settings"]
    assert good["values"] == {"memory.name": "starter"} and good["chosen"] and good["picked"] == 3
    assert good["all_dev"]["auc"] > 90 > 10 > bad["all_dev"]["auc"]
    assert len(good["folds"]) == 3 and good["out_of_fold"]["auc"] > 90
    rec = report["record"]
    assert rec["nested_cv"] == good["out_of_fold"]  # every fold picked the same setting
    assert rec["picked"] == {'memory.name="starter"': 3}
    assert rec["data"]["videos"] == 12 and rec["data"]["abnormal_videos"] == 6
    assert len(rec["data"]["captions_sha256"]) == 64 and rec["folds"] == 3 and rec["seed"] == 0
    assert rec["memory"]["name"] == "starter" and rec["meaningless"] is True
    assert '| * | "starter" |' in printed and "Nested CV" in printed
    assert (out / "tune.md").read_text().startswith(printed.split("\nwrote")[0][:200])


def test_tuned_yaml_scores_like_set_and_like_the_tune(dev, tmp_path, capsys):
    out = tmp_path / "tune"
    grid = ["--grid", "retrieval.k=2,30", "--grid", "temporal.smoothing_sigma_s=0.5,3"]
    assert _tune(dev, out, *grid, "--set", "retrieval.temperature=0.2") == 0
    capsys.readouterr()
    report = json.loads((out / "tune.json").read_text())
    chosen = next(r for r in report["settings"] if r["chosen"])
    tuned = out / "tuned.yaml"
    assert tuned.read_text().startswith("# Tuned by zsvad tune")
    captions, annotations = dev
    score = ["score", "--captions", str(captions), "--profile", "tiny", "--quiet"]
    assert main([*score, "--config", str(tuned), "--out", str(tmp_path / "a")]) == 0
    sets = [f"{k}={v}" for k, v in chosen["values"].items()] + ["retrieval.temperature=0.2"]
    sets = [x for s in sets for x in ("--set", s)]
    assert main([*score, *sets, "--out", str(tmp_path / "b")]) == 0
    a, b = read_results_dir(tmp_path / "a"), read_results_dir(tmp_path / "b")
    assert [r.frame_scores for r in a] == [r.frame_scores for r in b]
    assert a[0].provenance.config_hash == b[0].provenance.config_hash
    figures = evaluate(annotations, a)
    assert round(figures.auc, 2) == chosen["all_dev"]["auc"]  # the tune scored it the same
    assert round(figures.ap, 2) == chosen["all_dev"]["ap"]


def test_temporal_only_settings_reuse_windows_with_equal_scores(dev, monkeypatch):
    import zsvad.tune.run as run

    captions, _ = dev
    videos = list(read_captions(captions).videos.values())
    keys = ["retrieval.k=2,30", "retrieval.alpha=0.5,1", "temporal.smoothing_sigma_s=1,4"]
    grid = parse_grid(keys)
    settings = expand_grid(grid, "tiny")
    scored = []
    monkeypatch.setattr(run, "score_video_captions", lambda p, v: scored.append(v) or _score(p, v))
    scorer = GridScorer(Pipeline(settings[0].config))
    outputs = set()
    for s in settings:
        got = scorer.score(s.config, videos)
        assert [r.frame_scores for r in got] == [
            r.frame_scores for r in score_captions(videos, s.config)
        ]
        assert got[0].provenance.memory is not None and got[0].provenance.models
        outputs.add(json.dumps([r.frame_scores for r in got]))
    assert len(outputs) == 8
    assert len(scored) == 4 * len(videos)  # windows scored once per retrieval setting
    assert len(scorer.pipeline.retriever.searches) == 2 * len(videos)  # searched once per k


def test_bad_grid_key_is_a_one_line_error_before_scoring(dev, tmp_path, capsys):
    out = tmp_path / "tune"
    assert _tune(dev, out, "--grid", "retrieval.k=5", "--grid", "retrieval.kk=1,2") == 2
    err = capsys.readouterr().err.strip()
    assert err == "zsvad: error: --grid retrieval.kk=1,2: unknown config key 'retrieval.kk'"
    assert _tune(dev, out, "--grid", "retrieval.k=0,5") == 2
    assert "--grid retrieval.k=0,5: config key 'retrieval.k'" in capsys.readouterr().err
    assert _tune(dev, out, "--grid", "retrieval.k") == 2
    assert "must look like section.field=v1,v2" in capsys.readouterr().err
    assert _tune(dev, out) == 2
    assert "at least one --grid" in capsys.readouterr().err
    assert not out.exists()


def _spec(tmp_path, dev, tune):
    captions, annotations = dev
    spec = tmp_path / "mini.yaml"
    spec.write_text(
        f"name: mini\nversion: 3\ncaptions: {captions}\nannotations: {annotations}\n"
        f"format: ucf\nmetric: ap\ntune: {str(tune).lower()}\n"
    )
    return spec


def test_refuses_a_transfer_check_dataset_unless_forced(dev, tmp_path, capsys):
    spec = _spec(tmp_path, dev, tune=False)
    args = ["tune", "--dataset", str(spec), "--profile", "tiny", "--folds", "3"]
    args += ["--grid", "retrieval.k=2,30", "--out", str(tmp_path / "t")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{spec}: dataset 'mini' is marked 'tune: false'" in err and "--force" in err
    assert not (tmp_path / "t").exists()
    assert main([*args, "--force", "--quiet"]) == 0
    rec = json.loads((tmp_path / "t" / "tune.json").read_text())["record"]
    assert rec["data"]["dataset"] == "mini" and rec["data"]["dataset_version"] == 3
    assert rec["metric"] == "ap"


def test_tune_data_leaves_out_videos_without_ground_truth(dev, tmp_path):
    captions, annotations = dev
    lines = annotations.read_text().splitlines()
    partial = tmp_path / "partial.txt"
    partial.write_text("\n".join(lines[1:] + ["Ghost_x264.mp4 Normal -1 -1 -1 -1"]) + "\n")
    data = TuneData.from_files(captions, partial)
    assert len(data.videos) == 11 and set(read_annotations(partial)) - {"Ghost_x264"} == {
        v.video_id for v in data.videos
    }
    assert data.skipped == {"Event000_x264": "no ground truth", "Ghost_x264": "no captions"}


def test_keys_that_cannot_change_frame_scores_are_noted(dev, tmp_path, capsys):
    out = tmp_path / "tune"
    assert _tune(dev, out, "--grid", "temporal.threshold=0.3,0.7", "--grid", "retrieval.k=2") == 0
    err = capsys.readouterr().err
    assert "note: --grid temporal.threshold does not change frame scores" in err
    assert "retrieval.k does not" not in err
    rows = json.loads((out / "tune.json").read_text())["settings"]
    assert rows[0]["all_dev"] == rows[1]["all_dev"] and rows[0]["chosen"]  # tie: first wins
