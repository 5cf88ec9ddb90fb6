"""Judgments from a file: windows matched by time overlap, and what a window or video without
a judgment gets (no judge component, counted and warned about; never a silent 0)."""

import json

import pytest
from caption_rows import caption

from zsvad.cli.main import main
from zsvad.io.judgments import Judgment, Timeline
from zsvad.results.io import read_result


def J(start, end, score, rationale=None, model=None):
    return Judgment(start, end, score, model, rationale)


def test_exact_span_is_taken_as_is():
    t = Timeline([J(0, 1, 0.1), J(0.5, 1.5, 0.9, "why"), J(1, 2, 0.3)])
    m = t.match(0.5, 1.5)
    assert (m.score, m.rationale, m.judgments) == (0.9, "why", 1)  # not mixed with neighbours


def test_overlap_weighted_mean():
    t = Timeline([J(0, 0.5, 1.0, "short"), J(0.5, 3, 0.0, "long")])
    m = t.match(0, 2)  # 0.5 s of 1.0, 1.5 s of 0.0
    assert m.score == pytest.approx(0.25) and m.judgments == 2
    assert m.rationale == "long"  # from the judgment that overlaps the most
    frames = Timeline([J(i / 10, (i + 1) / 10, i / 10) for i in range(10)])
    assert frames.match(0.2, 0.6).score == pytest.approx(0.35)  # mean of 0.2 .. 0.5
    assert frames.match(0.25, 0.35).score == pytest.approx(0.25)  # half of 0.2, half of 0.3


def test_rounded_times_are_not_overlaps():
    """A caption ends at 0.5333 (4 decimals), its neighbour's judgment starts at 0.533333."""
    t = Timeline([J(0, 0.533333, 1.0), J(0.533333, 1.066667, 0.2)])
    assert t.match(0.5333, 1.0667).score == 0.2
    assert t.match(0.0, 0.5333).score == 1.0


def test_no_overlap_or_a_null_judgment_is_no_judgment():
    t = Timeline([J(0, 1, 0.5), J(2, 3, None), J(2.5, 4, 0.8)])
    assert t.match(1, 2) is None  # touching is not overlapping
    assert t.match(5, 6) is None
    assert t.match(2, 3) is None  # seen and not judged (a saved run's gated-out window)
    assert t.match(3, 4).score == 0.8  # null rows take no part in overlaps


@pytest.fixture
def run_files(tmp_path, write_captions):
    """Captions of four videos and judgments for: all of 'full', one of the two windows of
    'half', none of 'none', a rejected row for 'bad'."""
    rows = []
    for vid in ("full", "half", "none", "bad"):
        rows += [
            caption(vid, 0, 5, "A man punches another man.", num_frames=100),
            caption(vid, 5, 10, "People walk in the park.", num_frames=100),
        ]
    caps = write_captions(rows)
    judgments = [
        {"video_id": "full", "start": 0, "end": 5, "score": 0.9, "model": "m1", "rationale": "hit"},
        {"video_id": "full", "start": 5, "end": 10, "score": 0.1, "model": "m1"},
        {"video_id": "half", "start": 0, "end": 4, "score": 0.6, "model": "m1"},
        {"video_id": "bad", "start": 0, "end": 4, "score": 7, "model": "m1"},
        {"video_id": "elsewhere", "start": 0, "end": 4, "score": 0.6},
    ]
    path = tmp_path / "J.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in judgments))
    return caps, path


def test_missing_judgments_policy(tmp_path, run_files, capsys, caplog):
    caps, judgments = run_files
    out = tmp_path / "D"
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"]
    code = main([*args, "--judgments", str(judgments)])
    err = capsys.readouterr().err
    assert code == 1  # 'bad' failed, naming the file, line and problem
    assert f"{judgments}:4: video 'bad': score 7 is not in [0, 1]" in err
    said = caplog.text  # logged (stderr in the CLI), not only recorded
    assert f"none: no judgments for this video in {judgments}" in said and "full:" not in said
    full, half, none = (read_result(out / f"{v}.json") for v in ("full", "half", "none"))
    assert [w.scores["judge"] for w in full.windows] == [0.9, 0.1]
    assert full.windows[0].rationale == "hit" and full.windows[1].rationale is None
    assert full.provenance.stats["windows_judged"] == 2
    # 'half': its second window overlaps no judgment: no judge component of its own; fused
    # (fusion.judge_rule min) with its neighbour's judgment smoothed over time, never 0
    first, second = half.windows
    assert first.scores["judge"] == 0.6
    assert "judge" not in second.scores and 0 < second.score <= 0.6
    assert half.provenance.stats["windows_unjudged"] == 1
    assert not half.provenance.warnings or "no judgments" not in " ".join(half.provenance.warnings)
    # 'none': every window unjudged, and the video is warned about
    assert all("judge" not in w.scores for w in none.windows)
    assert none.provenance.stats["windows_unjudged"] == 2
    assert any("no judgments for this video" in w for w in none.provenance.warnings)
    # provenance: the file stands where the LLM would, named by its rows' model and content
    from zsvad.hashing import content_hash

    llm = [m for m in full.provenance.models if m.role == "llm"]
    assert [(m.backend, m.model) for m in llm] == [("file", "m1")]
    assert llm[0].revision == f"sha256:{content_hash(judgments, 'full')}"
    assert full.provenance.config["judge"]["judgments"] == str(judgments.absolute())


def test_judgments_with_an_llm_backend_or_missing_file(tmp_path, run_files, capsys):
    caps, judgments = run_files
    base = ["score", "--captions", str(caps), "--out", str(tmp_path / "D"), "--profile", "tiny"]
    assert main([*base, "--judgments", str(tmp_path / "nope.jsonl")]) == 2
    assert "--judgments: not found" in capsys.readouterr().err
    assert main([*base, "--judge", "fake", "--judgments", str(judgments)]) == 2
    assert "give --judge or --judgments, not both" in capsys.readouterr().err
    sets = ["--set", f"judge.judgments={judgments}", "--set", "judge.backend=fake"]
    assert main([*base, *sets]) == 2
    assert "judge.judgments replaces the LLM" in capsys.readouterr().err
    assert main([*base, "--set", "judge.backend=file"]) == 2
    assert "judge.backend file needs judge.judgments" in capsys.readouterr().err
    assert main([*base, "--judgments", str(judgments), "--save-judgments", "x.jsonl"]) == 2
    assert "--save-judgments needs a live judge" in capsys.readouterr().err
    # judge.judgments alone is enough (it implies backend file)
    assert main([*base, "--set", f"judge.judgments={judgments}"]) == 1  # 'bad' fails
    assert read_result(tmp_path / "D" / "full.json").windows[0].scores["judge"] == 0.9
