"""``zsvad eval`` compares retrieval only / judge only / fused from one result folder; results
and explanations show the judge's part."""

import json

import numpy as np
import pytest
from caption_rows import three_videos

from zsvad.cli.main import main
from zsvad.eval.components import component_sets, single_component
from zsvad.results.io import read_result

JUDGED = {("fight", 4): (0.95, "a man punches another"), ("fire", 0): (0.9, "a car burns")}


@pytest.fixture
def scored(tmp_path, write_captions):
    """Three videos scored with judgments (every window judged), and the annotations."""
    rows = three_videos()
    caps = write_captions(rows)
    judgments = tmp_path / "J.jsonl"
    with judgments.open("w") as fh:
        for r in rows:
            score, why = JUDGED.get((r["video_id"], r["start"]), (0.05, None))
            row = {"video_id": r["video_id"], "start": r["start"], "end": r["end"]}
            fh.write(json.dumps({**row, "score": score, "model": "m", "rationale": why}) + "\n")
    ann = tmp_path / "ann.txt"
    ann.write_text("fight Fighting 40 79 -1 -1\ncalm Normal -1 -1 -1 -1\nfire Arson 0 49 -1 -1\n")

    def score(out, *more):
        base = ["score", "--captions", str(caps), "--out", str(tmp_path / out), "--quiet"]
        assert main([*base, "--profile", "tiny", *more]) == 0
        return tmp_path / out

    return score, judgments, ann


def _results(folder):
    return {v: read_result(folder / f"{v}.json") for v in ("calm", "fight", "fire")}


@pytest.mark.parametrize("events", [[], ["--set", "events.enabled=true"]])
def test_single_component_curves_are_the_pipelines(scored, events):
    score, judgments, _ = scored
    sets = ["--set", "temporal.smoothing_sigma_s=0.5", *events]
    fused = _results(score("D", "--judgments", str(judgments), *sets))
    judge_only = _results(
        score(
            "DJ",
            "--judgments",
            str(judgments),
            "--set",
            "fusion.judge_rule=component",  # the judge as a component of weight 1 of 1
            "--set",
            "fusion.weights.retrieval=0",
            *sets,
        )
    )
    retrieval_only = _results(score("DR", *sets))
    for vid, r in fused.items():
        assert {k for w in r.windows for k in w.scores} == {"retrieval", "judge"}
        j = single_component(r, "judge")
        assert j.frame_scores == judge_only[vid].frame_scores
        assert j.segments == judge_only[vid].segments
        assert single_component(r, "retrieval").frame_scores == retrieval_only[vid].frame_scores
    by_name = component_sets(list(fused.values()))
    assert list(by_name) == ["retrieval", "judge"] and by_name["judge"][1] == 0


def test_eval_table_compares_the_three(scored, capsys):
    score, judgments, ann = scored
    d = score("D", "--judgments", str(judgments))
    capsys.readouterr()
    args = ["eval", "--annotations", str(ann), "--scores", str(d), "--bootstrap", "50"]
    assert main([*args, "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert list(reports) == [str(d), f"{d} [retrieval only]", f"{d} [judge only]"]
    assert reports[f"{d} [judge only]"]["auc"] > 95  # the judgments alone are near perfect here
    assert reports[f"{d} [retrieval only]"]["auc"] != reports[str(d)]["auc"]
    assert all(r["ci"]["auc"] for r in reports.values())  # bootstrap intervals on every row
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "[judge only]" in table and "[retrieval only]" in table
    assert main([*args, "--json", "--no-components"]) == 0
    assert list(json.loads(capsys.readouterr().out)) == [str(d)]
    plain = score("DR")
    capsys.readouterr()
    assert main(["eval", "--annotations", str(ann), "--scores", str(plain), "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)) == [str(plain)]  # one component: no split


def test_results_show_each_part_and_explanations_cite_the_judge(scored):
    score, judgments, _ = scored
    sets = ["--set", "temporal.threshold=0.4", "--set", "fusion.judge_smoothing_s=0"]
    d = score("D", "--judgments", str(judgments), *sets)
    fight = read_result(d / "fight.json")
    punch = fight.windows[1]
    assert punch.scores["judge"] == 0.95 and "retrieval" in punch.scores
    low = min(punch.scores["judge"], punch.scores["retrieval"])  # judge_rule min, unsmoothed
    assert punch.score == pytest.approx(float(np.interp(low, (0, 0.35, 1), (0, 0.5, 1))), abs=1e-6)
    assert punch.rationale == "a man punches another"
    assert fight.segments and "judge: a man punches another" in fight.segments[0].explanation
    assert "judge 0.95" in fight.segments[0].explanation  # the window's score parts
