import json
import subprocess
import sys

import pytest
from caption_rows import caption, three_videos
from data_paths import DEV

from zsvad.cli.main import main
from zsvad.results.io import read_result


def _rows():
    return three_videos(with_fire=False)


def test_score_then_eval_tiny(write_captions, tmp_path, capsys):
    caps = write_captions(_rows())
    out = tmp_path / "out"
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"]
    assert main([*args, "--set", "temporal.smoothing_sigma_s=0.5"]) == 0
    printed = capsys.readouterr()
    assert f"wrote 2 result(s) to {out}" in printed.out
    assert "meaningless" in printed.err  # tiny uses fake models: say so
    fight, calm = read_result(out / "fight.json"), read_result(out / "calm.json")
    assert fight.num_frames == len(fight.frame_scores) == 100
    assert fight.provenance.meaningless and fight.provenance.config["profile"] == "tiny"
    assert fight.provenance.memory.name == "starter"
    assert calm.video_id == "calm" and len(calm.windows) == 2
    assert 40 <= fight.frame_scores.index(max(fight.frame_scores)) < 80  # inside the punch
    assert fight.windows[1].scores["retrieval"] > fight.windows[0].scores["retrieval"]
    assert (out / "summary.csv").read_text().count("\n") == 3

    ann = tmp_path / "ann.txt"
    ann.write_text("fight Fighting 40 79 -1 -1\ncalm Normal -1 -1 -1 -1\n")
    assert main(["eval", "--annotations", str(ann), "--scores", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)[str(out)]
    assert report["videos"] == 2 and 50 < report["auc"] <= 100


def test_segments_are_explained(write_captions, tmp_path):
    caps = write_captions(_rows())
    out = tmp_path / "o"
    main(
        [
            "score",
            "--captions",
            str(caps),
            "--out",
            str(out),
            "--profile",
            "tiny",
            "--set",
            "temporal.threshold=0.5",
            "--set",
            "temporal.smoothing_sigma_s=0.5",
        ]
    )
    fight = read_result(out / "fight.json")
    assert fight.segments, "the fight caption should be cut as a segment"
    seg = fight.segments[0]
    assert 30 <= seg.start_frame <= 45 and seg.end_frame >= 75
    assert "punches" in seg.explanation and seg.evidence[0].label == "anomalous"


def test_bad_video_reported_others_written(write_captions, tmp_path, capsys):
    rows = _rows() + [caption("broken", 0, 50, "A man runs.", num_frames=100)]
    caps = write_captions(rows)
    out = tmp_path / "out"
    code = main(["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{caps}:5: video 'broken'" in err and "outside the video" in err
    assert sorted(p.name for p in out.glob("*.json")) == ["calm.json", "fight.json"]
    assert "broken,error" in (out / "summary.csv").read_text()


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--captions", "missing.jsonl"], "missing.jsonl: captions file not found"),
        (
            ["--captions", "CAPS", "--set", "retrieval.nope=1"],
            "unknown config key 'retrieval.nope'",
        ),
        (["--captions", "CAPS", "--profile", "nope"], "unknown profile 'nope'"),
    ],
)
def test_errors_are_one_line_without_traceback(write_captions, tmp_path, args, msg):
    caps = write_captions(_rows())
    args = [str(caps) if a == "CAPS" else a for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "zsvad", "score", *args, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert msg in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    debug = subprocess.run(
        [sys.executable, "-m", "zsvad", "--debug", "score", *args, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_help_lists_commands():
    proc = subprocess.run(
        [sys.executable, "-m", "zsvad", "--help"], capture_output=True, text=True, check=True
    )
    for cmd in ("score", "eval", "info", "config"):
        assert cmd in proc.stdout


@pytest.mark.skipif(not DEV.is_dir(), reason="shared dev data not present")
def test_dev_captions_parse():
    from zsvad.io.captions import read_captions

    got = read_captions(DEV / "captions.jsonl")
    assert len(got.videos) == 141 and not got.errors
