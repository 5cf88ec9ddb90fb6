"""Batch outputs for an operator: result files named by video id, typed Parquet (manifest
columns too), counts that add up, known failures not retried, a fast resume, summary.csv like
`zsvad score`'s."""

from __future__ import annotations

import csv
import time

import pytest

from zsvad.batch.run import BatchOptions, run_batch
from zsvad.cli.main import main
from zsvad.configure import load_config

pq = pytest.importorskip("pyarrow.parquet")
SCORER = "batch_fake_scorer:score"


def _inputs(root):
    root.mkdir()
    (root / "cam1_a.mp4").write_text("ok 4")
    (root / "cam1_a_copy.mp4").write_text("ok 4")  # same content: scored once
    (root / "bad.mp4").write_text("bad")
    manifest = root / "list.csv"
    manifest.write_text(
        "path,site,priority,night,gain\n"
        f"{root / 'cam1_a.mp4'},north,1,true,0.5\n"
        f"{root / 'cam1_a_copy.mp4'},north,2,false,1\n"
        f"{root / 'bad.mp4'},south,3,,\n"
    )
    return manifest


def _run(manifest, out, counter, monkeypatch, **kw):
    monkeypatch.setenv("ZSVAD_TEST_COUNTER", str(counter))
    opts = BatchOptions(scorer=SCORER, runner="serial", quiet=True, **kw)
    return run_batch(manifest, out, load_config("tiny"), opts)


def test_names_types_counts_and_known_failures(tmp_path, monkeypatch):
    manifest = _inputs(tmp_path / "in")
    out, counter = tmp_path / "out", tmp_path / "counter.txt"
    first = _run(manifest, out, counter, monkeypatch)
    assert (first.scored, first.reused, first.duplicates, first.failed) == (1, 0, 1, 1)
    assert first.scored + first.reused + first.duplicates + first.failed == first.inputs
    (result,) = (out / first.config_hash / "results").iterdir()
    assert result.name.startswith("cam1_a.") and result.suffix == ".json"

    table = pq.read_table(out / "summary.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert types["num_frames"] == "int64" and types["meaningless"] == "bool"
    assert (types["priority"], types["night"], types["gain"], types["site"]) == (
        "int64",
        "bool",
        "double",
        "string",
    )
    rows = {r["video_id"]: r for r in table.to_pylist()}
    assert rows["cam1_a_copy"]["duplicate_of"].endswith("cam1_a.mp4")
    assert rows["cam1_a"]["duplicate_of"] is None
    with open(out / "summary.csv", newline="") as fh:
        csv_rows = {r["video_id"]: r for r in csv.DictReader(fh)}
    assert list(csv_rows["cam1_a"])[: len(types)] == list(types)  # same columns, same order
    assert csv_rows["bad"]["status"] == "error"

    computed = counter.read_text().splitlines()
    again = _run(manifest, out, counter, monkeypatch)
    assert counter.read_text().splitlines() == computed  # nothing decoded again
    assert (again.scored, again.reused, again.duplicates, again.failed) == (0, 1, 1, 1)
    assert again.known_failed == 1 and "--retry-failed" in again.errors[0]["message"]
    third = _run(manifest, out, counter, monkeypatch)
    assert third.errors[0]["message"].count("--retry-failed") == 1  # the hint is not repeated
    retried = _run(manifest, out, counter, monkeypatch, retry_failed=True)
    assert retried.known_failed == 0 and retried.failed == 1
    assert counter.read_text().splitlines()[-1].startswith("bad.mp4")


def test_finished_run_resumes_fast_and_says_so(tmp_path, monkeypatch, capsys):
    manifest = _inputs(tmp_path / "in")
    monkeypatch.setenv("ZSVAD_TEST_COUNTER", str(tmp_path / "counter.txt"))
    args = ["batch", str(manifest), "--out", str(tmp_path / "out"), "--profile", "tiny"]
    args += ["--scorer", SCORER, "--runner", "local", "--workers", "1", "--quiet"]
    assert main(args) == 1
    capsys.readouterr()
    t0 = time.perf_counter()
    assert main(args) == 1
    elapsed = time.perf_counter() - t0
    out = capsys.readouterr().out
    assert "3 input(s): 0 scored, 1 already done, 1 duplicate(s) of another input, 1 failed" in out
    assert "(1 in an earlier run, not retried)" in out
    assert elapsed < 5  # no worker started, no model loaded (a cold start takes ~10 s)


def test_score_writes_the_same_summary_formats(tmp_path):
    out = tmp_path / "run"
    args = ["score", "--captions", "examples/captions.jsonl", "--profile", "tiny", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    table = pq.read_table(out / "summary.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert types["num_frames"] == "int64" and types["max_score"] == "double"
    with open(out / "summary.csv", newline="") as fh:
        ids = sorted(r["video_id"] for r in csv.DictReader(fh))
    assert sorted(table.column("video_id").to_pylist()) == ids
