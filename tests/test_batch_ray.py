"""The Ray runner on a local Ray instance gives the local runner's results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zsvad.batch.inputs import discover_inputs
from zsvad.batch.run import BatchOptions, run_batch
from zsvad.configure import load_config

pytest.importorskip("ray")
pq = pytest.importorskip("pyarrow.parquet")

TESTS = Path(__file__).resolve().parent
COMPARED = ["video_id", "status", "duration_s", "num_frames", "max_score", "mean_score",
            "segments", "anomalous_s", "top_explanation", "key", "error_stage"]  # fmt: skip


def _rows(out: Path) -> list[dict]:
    rows = pq.read_table(out / "summary.parquet").to_pylist()
    return sorted(({k: r[k] for k in COMPARED} for r in rows), key=lambda r: r["video_id"])


@pytest.mark.slow
def test_ray_runner_matches_local_and_resumes(tmp_path, monkeypatch):
    # Ray workers import the scripted scorer from tests/ (they inherit the driver's env)
    path = os.pathsep.join([str(TESTS), str(TESTS.parent), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", path)
    src = tmp_path / "in"
    src.mkdir()
    files = {"a.mp4": "ok 4", "b.mp4": "ok 3", "bad.mp4": "bad", "crash.mp4": "crash", "e.mp4": ""}
    files["slow.mp4"] = "hang"
    for name, text in files.items():
        (src / name).write_text(text)
    cfg = load_config("tiny")
    opts = {"scorer": "batch_fake_scorer:score", "workers": 2, "quiet": True, "timeout_s": 1.5}
    survivable = [i for i in discover_inputs(src) if i.video_id != "crash"]  # serial would die
    serial = run_batch(survivable, tmp_path / "serial", cfg, BatchOptions(runner="serial", **opts))
    ray_out = tmp_path / "ray"
    # a result finished before (here by the serial runner) is reused by the Ray runner
    first = discover_inputs(src)[:1]
    run_batch(first, ray_out, cfg, BatchOptions(runner="serial", **opts))
    report = run_batch(src, ray_out, cfg, BatchOptions(runner="ray", **opts))
    assert (report.reused, report.scored, report.failed) == (1, 1, 4)
    slow = next(e for e in report.errors if e["video_id"] == "slow")
    assert slow["message"] == f"{slow['path']}: timed out after 1.5 s"  # soft: actor lives on
    rows = _rows(ray_out)
    crash = next(r for r in rows if r["video_id"] == "crash")
    assert crash["status"] == "error" and crash["error_stage"] == "worker"  # the actor died
    assert serial.scored == 2 and [r for r in rows if r is not crash] == _rows(tmp_path / "serial")
