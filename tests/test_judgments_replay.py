"""``--save-judgments`` of a live judge, replayed with ``--judgments``: the same scores exactly."""

import json

from caption_rows import three_videos

from zsvad.cli.main import main
from zsvad.configure import load_config
from zsvad.io.judgments import read_judgments
from zsvad.pipeline.core import Pipeline, WindowInput
from zsvad.results.io import read_result

TEXTS = [
    "People walk in the park.",
    "A woman sits on a bench.",
    "Two men fight and punch.",
    "A man hits another man with a gun.",
    "A car crash blocks the road.",
    "Children play on the grass.",
]


def test_cli_saved_fake_judge_run_replays_exactly(tmp_path, write_captions, capsys):
    caps = write_captions(three_videos())
    saved = tmp_path / "S.jsonl"
    base = ["score", "--captions", str(caps), "--profile", "tiny"]
    live = [*base, "--out", str(tmp_path / "L"), "--judge", "fake", "--judge-model", "fake-llm"]
    assert main([*live, "--save-judgments", str(saved)]) == 0
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert len(rows) == 6 and {r["model"] for r in rows} == {"fake-llm"}
    assert all(r["rationale"] and r["meaningless"] is True for r in rows)
    assert main([*base, "--out", str(tmp_path / "R"), "--judgments", str(saved)]) == 0
    capsys.readouterr()
    for vid in ("calm", "fight", "fire"):
        a = read_result(tmp_path / "L" / f"{vid}.json")
        b = read_result(tmp_path / "R" / f"{vid}.json")
        assert a.windows == b.windows and a.frame_scores == b.frame_scores
        assert a.segments == b.segments
        assert all("judge" in w.scores for w in b.windows)
        assert b.provenance.meaningless  # a fake model's judgments stay meaningless
        assert [m.backend for m in b.provenance.models if m.role == "llm"] == ["file"]
    # score starts the file over: a second run does not double it
    assert main([*live, "--save-judgments", str(saved)]) == 0
    assert len(saved.read_text().splitlines()) == 6


def _windows():
    """Overlapping windows (2 s long, every second), as video sampling cuts them, one without
    a caption."""
    out = [WindowInput(float(i), i + 2.0, t) for i, t in enumerate(TEXTS)]
    out.append(WindowInput(6.0, 8.0, None, components={"clip": 0.4}))
    return out


def test_gated_and_event_judged_overlapping_windows_replay_exactly(tmp_path):
    """Windows the gate leaves out, and windows overlapping judged ones, stay unjudged on
    replay (their ``null`` rows), and per-event answers come back per window."""
    saved = tmp_path / "S.jsonl"
    live_sets = [
        "judge.backend=fake",
        "judge.model=fake-llm",
        "judge.gate=uncertain",
        "judge.gate_center=0.5",
        "judge.gate_margin=0.08",
        f"judge.save_judgments={saved}",
    ]
    results = {}
    for name, events in (("plain", []), ("events", ["events.enabled=true", "events.judge=events"])):
        saved.unlink(missing_ok=True)
        live = Pipeline(load_config("tiny", overrides=[*live_sets, *events]))
        a = live.score_windows("v", 10.0, 80, _windows())
        file = read_judgments(saved)
        nulls = [j for j in file.videos["v"] if j.score is None]
        replay_cfg = load_config("tiny", overrides=[f"judge.judgments={saved}", *events])
        b = Pipeline(replay_cfg).score_windows("v", 10.0, 80, _windows())
        assert a.windows == b.windows and a.frame_scores == b.frame_scores
        assert a.segments == b.segments
        assert len(file.videos["v"]) == 7  # one row per window
        unjudged = [w for w in b.windows if "judge" not in w.scores]
        assert len(unjudged) == len(nulls)
        results[name] = (a, nulls)
    a, nulls = results["plain"]
    assert a.provenance.stats["windows_gated_out"] > 0 and len(nulls) >= 2  # gated, no caption
    a, _ = results["events"]
    assert a.provenance.stats["events_judged"] >= 1
