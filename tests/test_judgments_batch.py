"""``zsvad batch --judgments``: the file's content names the result set (a moved file reuses
the results, an edited one re-scores); ``--save-judgments`` appends across runs."""

import json

from caption_rows import caption

from zsvad.cli.main import main
from zsvad.io.judgments import read_judgments
from zsvad.results.io import read_result


def _batch(caps, out, *more):
    args = ["batch", str(caps), "--out", str(out), "--runner", "serial", "--profile", "tiny"]
    return main([*args, "--quiet", *more])


def _write(path, score):
    rows = [
        {"video_id": "v", "start": 0, "end": 5, "score": 0.1, "model": "m"},
        {"video_id": "v", "start": 5, "end": 10, "score": score, "model": "m"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _result_sets(out):
    return sorted(p.parent.name for p in out.glob("*/results"))


def test_batch_result_sets_follow_the_judgments_content(tmp_path, write_captions, capsys):
    caps = write_captions(
        [caption("v", 0, 5, "People walk."), caption("v", 5, 10, "A man punches a man.")],
        name="v.jsonl",
    )
    out = tmp_path / "B"
    (tmp_path / "a").mkdir()
    first = _write(tmp_path / "a" / "J.jsonl", 0.9)
    assert _batch(caps, out, "--judgments", str(first)) == 0
    (set_a,) = _result_sets(out)
    result = read_result(next((out / set_a / "results").glob("*.json")))
    assert [w.scores["judge"] for w in result.windows] == [0.1, 0.9]
    moved = tmp_path / "elsewhere.jsonl"
    moved.write_bytes(first.read_bytes())
    assert _batch(caps, out, "--judgments", str(moved)) == 0
    assert "0 scored, 1 already done" in capsys.readouterr().out  # same content: reused
    _write(first, 0.2)
    assert _batch(caps, out, "--judgments", str(first)) == 0
    assert "1 scored" in capsys.readouterr().out and len(_result_sets(out)) == 2


def test_batch_save_judgments_appends(tmp_path, write_captions):
    saved = tmp_path / "S.jsonl"
    live = ["--set", "judge.backend=fake", "--set", "judge.model=fake-llm"]
    live += ["--save-judgments", str(saved)]
    for vid in ("v1", "v2"):  # two batches into one file, as a resumed run would
        caps = write_captions([caption(vid, 0, 5, "A man punches a man.")], name=f"{vid}.jsonl")
        assert _batch(caps, tmp_path / "B", *live) == 0
    assert sorted(read_judgments(saved).videos) == ["v1", "v2"]
