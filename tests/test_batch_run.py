"""Batch runs with a scripted scorer: resumability, fault isolation, outputs, runners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zsvad.batch.run import BatchOptions, run_batch
from zsvad.batch.runners import BatchError
from zsvad.batch.runners import base as runner_base
from zsvad.configure import load_config
from zsvad.results.io import read_result

pa = pytest.importorskip("pyarrow")
import pyarrow.dataset as ds  # noqa: E402
from batch_helpers import batch_opts, make_folder, read_summary  # noqa: E402


def _counted(counter: Path) -> list[str]:
    return counter.read_text().split("\n")[:-1] if counter.exists() else []


@pytest.fixture
def counter(tmp_path, monkeypatch):
    path = tmp_path / "counter.txt"
    monkeypatch.setenv("ZSVAD_TEST_COUNTER", str(path))
    return path


def test_local_workers_isolate_faults_and_resume(tmp_path, counter):
    src = make_folder(
        tmp_path / "in",
        {
            "a.mp4": "ok 4",
            "b.mp4": "ok 6",
            "sub/c.mp4": "ok 2",
            "bad.mp4": "bad",
            "boom.mp4": "raise",
            "crash.mp4": "crash",
            "empty.mp4": "",
        },
    )
    out = tmp_path / "out"
    cfg = load_config("tiny")
    report = run_batch(src, out, cfg, batch_opts(runner="local", workers=2))
    assert (report.inputs, report.scored, report.failed, report.reused) == (7, 3, 4, 0)
    assert report.video_s == pytest.approx(12.0)
    lines = (out / "errors.jsonl").read_text().splitlines()
    errors = {json.loads(line)["video_id"]: json.loads(line) for line in lines}
    assert {k: e["stage"] for k, e in errors.items()} == {
        "bad": "input",
        "boom": "score",
        "crash": "worker",
        "empty": "input",
    }
    assert "model exploded" in errors["boom"]["message"]
    assert errors["crash"]["path"].endswith("crash.mp4")
    # one pipeline (and embedder) per worker process, reused for all its videos
    pids: dict[str, set[str]] = {}
    for line in _counted(counter):
        _, pid, emb = line.split()
        pids.setdefault(pid, set()).add(emb)
    assert all(len(embs) == 1 for embs in pids.values())
    summary = read_summary(out)
    assert summary["a"]["status"] == "ok" and summary["a"]["duration_s"] == 4.0
    assert summary["crash"]["status"] == "error" and summary["crash"]["error_stage"] == "worker"
    result = read_result(out / summary["b"]["result_file"])
    assert result.video_id == "b" and result.num_frames == 60
    assert max(result.frame_scores) == pytest.approx(summary["b"]["max_score"])
    mtimes = {p: p.stat().st_mtime_ns for p in (out / report.config_hash).rglob("*.json")}

    counter.unlink()
    again = run_batch(src, out, cfg, batch_opts(runner="local", workers=2))
    assert (again.scored, again.failed, again.reused) == (0, 4, 3)
    recomputed = {line.split()[0] for line in _counted(counter)}
    assert recomputed <= {"bad.mp4", "boom.mp4", "crash.mp4"}  # never a finished one
    assert mtimes == {p: p.stat().st_mtime_ns for p in (out / report.config_hash).rglob("*.json")}
    assert len((out / "errors.jsonl").read_text().splitlines()) == 4  # the last run's only
    assert read_summary(out)["a"]["run_id"] == report.run_id != again.run_id


def test_timeouts_soft_and_hard(tmp_path, monkeypatch):
    monkeypatch.setattr(runner_base, "HARD_TIMEOUT_GRACE_S", 0.5)
    src = make_folder(
        tmp_path / "in", {"a.mp4": "ok 2", "slow.mp4": "hang", "stuck.mp4": "hang-native"}
    )
    out = tmp_path / "out"
    report = run_batch(
        src, out, load_config("tiny"), batch_opts(runner="local", workers=1, timeout_s=1)
    )
    assert report.scored == 1 and report.failed == 2
    errors = {e["video_id"]: e for e in report.errors}
    assert errors["slow"]["stage"] == errors["stuck"]["stage"] == "timeout"
    assert "worker killed" in errors["stuck"]["message"]  # only a hard kill ends it
    assert "worker killed" not in errors["slow"]["message"]  # soft: the worker lived on
    assert report.wall_s < 20


def test_fatal_error_stops_the_run_but_keeps_the_summary(tmp_path):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "b.mp4": "config", "c.mp4": "ok 3"})
    out = tmp_path / "out"
    with pytest.raises(BatchError, match="run stopped: no vision model configured"):
        run_batch(src, out, load_config("tiny"), batch_opts())
    summary = read_summary(out)
    assert summary["a"]["status"] == "ok" and summary["c"]["status"] == "pending"
    assert summary["b"]["status"] == "error" and summary["b"]["error_stage"] == "config"
    assert "no vision model" in (out / "errors.jsonl").read_text()


def test_unreadable_input_and_concurrent_runs(tmp_path):
    make_folder(tmp_path, {"v/a.mp4": "ok 2"})
    man = tmp_path / "m.txt"
    man.write_text("v/a.mp4\nv/missing.mp4\n")
    out = tmp_path / "out"
    report = run_batch(man, out, load_config("tiny"), batch_opts())
    assert (report.scored, report.failed) == (1, 1)
    assert report.errors[0]["stage"] == "read" and "missing.mp4" in report.errors[0]["path"]
    assert read_summary(out)["missing"]["key"] is None
    from zsvad.batch.store import ResultStore

    holder = ResultStore(out, report.config_hash, {}, "other-run")  # a run in progress
    try:
        with pytest.raises(BatchError, match="another zsvad batch run is writing here"):
            run_batch(man, out, load_config("tiny"), batch_opts())
    finally:
        holder.close()
    assert run_batch(man, out, load_config("tiny"), batch_opts()).reused == 1


def test_config_change_writes_beside_old_results(tmp_path, counter):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 3"})
    out = tmp_path / "out"
    first = run_batch(src, out, load_config("tiny"), batch_opts())
    old = out / first.config_hash / "results"
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    cfg2 = load_config("tiny", overrides=["temporal.smoothing_sigma_s=0.5"])
    second = run_batch(src, out, cfg2, batch_opts())
    assert second.config_hash != first.config_hash and second.scored == 1
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before
    new = read_result(out / read_summary(out)["a"]["result_file"])
    assert new.provenance.config_hash == second.config_hash
    assert run_batch(src, out, load_config("tiny"), batch_opts()).reused == 1  # old config: done


def test_killed_run_leftovers_are_redone(tmp_path, counter):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "b.mp4": "ok 3"})
    out = tmp_path / "out"
    first = run_batch(src, out, load_config("tiny"), batch_opts())
    root = out / first.config_hash
    lines = (root / "index.jsonl").read_text().splitlines()
    b_key = next(json.loads(x)["key"] for x in lines if json.loads(x)["video_id"] == "b")
    # as if killed while appending b's index line, with a temporary file left behind
    (root / "index.jsonl").write_text(lines[0] + "\n" + lines[1][:25])
    (root / "results" / f".{b_key}.json.x1.tmp").write_text("{half")
    counter.unlink()
    again = run_batch(src, out, load_config("tiny"), batch_opts())
    assert (again.reused, again.scored) == (1, 1)
    assert [c.split()[0] for c in _counted(counter)] == ["b.mp4"]
    assert not list(root.rglob("*.tmp"))
    lines = (root / "index.jsonl").read_text().splitlines()
    assert lines[1] == lines[1][:25]  # the torn line stays, alone on its line
    assert sorted(json.loads(x)["video_id"] for x in lines[:1] + lines[2:]) == ["a", "b"]
    assert run_batch(src, out, load_config("tiny"), batch_opts()).reused == 2


def test_identical_files_share_one_job(tmp_path, counter):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "copy_of_a.mp4": "ok 2"})
    out = tmp_path / "out"
    report = run_batch(src, out, load_config("tiny"), batch_opts(frames=True))
    assert report.jobs == 1 and len(_counted(counter)) == 1
    summary = read_summary(out)
    assert summary["a"]["result_file"] == summary["copy_of_a"]["result_file"]
    assert summary["copy_of_a"]["status"] == "ok"
    frames = ds.dataset(out / report.config_hash / "frames", partitioning="hive").to_table()
    assert frames.num_rows == 20 and set(frames.column_names) >= {"frame", "time_s", "score"}


def test_captions_scorer_matches_zsvad_score(tmp_path, write_captions):
    from caption_rows import caption

    from zsvad.cli.main import main

    rows = [caption("v", 0, 5, "People walk."), caption("v", 5, 10, "A man punches a man.")]
    caps = write_captions(rows, name="v.jsonl")
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / "s"), "--profile", "tiny"]
    assert main(args) == 0
    opts = BatchOptions(quiet=True, runner="serial")  # scorer "auto": a .jsonl is captions
    report = run_batch(caps, tmp_path / "b", load_config("tiny"), opts)
    assert report.scored == 1
    ref = read_result(tmp_path / "s" / "v.json").model_dump()
    got = read_result(
        tmp_path / "b" / read_summary(tmp_path / "b")["v"]["result_file"]
    ).model_dump()
    for r in (ref, got):
        r["provenance"].pop("created_at")
        for key in ("wall_s", "peak_rss_mb"):  # run figures: differ from run to run
            assert r["provenance"]["stats"].pop(key) > 0
    assert got == ref


def test_manifest_columns_reach_the_summary(tmp_path):
    make_folder(tmp_path, {"v/a.mp4": "ok 2"})
    man = tmp_path / "m.csv"
    man.write_text("path,video_id,label,status\nv/a.mp4,A1,Fighting,gt-status\n")
    run_batch(man, tmp_path / "out", load_config("tiny"), batch_opts())
    row = read_summary(tmp_path / "out")["A1"]
    assert row["label"] == "Fighting" and row["input_status"] == "gt-status"
    assert row["status"] == "ok"


def test_cli_report_flag_writes_html(tmp_path, write_captions):
    pytest.importorskip("zsvad.report")
    from caption_rows import caption

    from zsvad.cli.main import main

    caps = write_captions([caption("v", 0, 5, "A man punches a man.")], name="v.jsonl")
    out = tmp_path / "out"
    argv = ["batch", str(caps), "--out", str(out), "--profile", "tiny", "--runner", "serial"]
    assert main([*argv, "--report", "--quiet"]) == 0
    assert (out / "report" / "index.html").is_file() and (out / "report" / "v.html").is_file()


def test_finished_rerun_leaves_the_summaries_alone(tmp_path, counter):
    """Nothing to do: the summaries already hold these rows and are not rewritten (pyarrow is
    not needed for it); any change of rows or a missing / replaced file rewrites both."""
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 4", "b.mp4": "ok 6"})
    out = tmp_path / "out"
    cfg = load_config("tiny")
    run_batch(src, out, cfg, batch_opts())
    files = [out / "summary.parquet", out / "summary.csv"]
    before = [p.stat().st_mtime_ns for p in files]
    report = run_batch(src, out, cfg, batch_opts())
    assert report.reused == 2 and report.summary_path == files[0]
    assert [p.stat().st_mtime_ns for p in files] == before  # not written again
    (src / "c.mp4").write_text("ok 2")  # a new input: new rows, both rewritten
    run_batch(src, out, cfg, batch_opts())
    assert set(read_summary(out)) == {"a", "b", "c"}
    assert len((out / "summary.csv").read_text().splitlines()) == 4
    (out / "summary.csv").unlink()  # a missing (or replaced) file: both written again
    run_batch(src, out, cfg, batch_opts())
    assert len((out / "summary.csv").read_text().splitlines()) == 4
    files[0].write_bytes(b"not parquet")
    run_batch(src, out, cfg, batch_opts())
    assert set(read_summary(out)) == {"a", "b", "c"}
