"""``zsvad batch`` end to end on real clips with the tiny profile: SIGKILL, rerun, Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from data_paths import VIDEOS

pytest.importorskip("torch")
av = pytest.importorskip("av")
pq = pytest.importorskip("pyarrow.parquet")

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VIDEOS.is_dir(), reason="needs ../shared/videos"),
]
GOOD = ["a_robbery", "b_bikes", "c_carphone", "d_robbery"]


def _cut(src: Path, dst: Path, start: int, count: int) -> None:
    """Re-encode frames [start, start + count) of ``src`` (distinct content per clip)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s = inp.streams.video[0]
        o = out.add_stream("libx264", rate=s.average_rate)
        o.width, o.height, o.pix_fmt = s.codec_context.width, s.codec_context.height, "yuv420p"
        for i, frame in enumerate(inp.decode(s)):
            if i >= start + count:
                break
            if i >= start:
                out.mux(o.encode(frame.reformat(format="yuv420p")))
        out.mux(o.encode())


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("clips")
    _cut(VIDEOS / "Robbery102_crop.mp4", d / "a_robbery.mp4", 1100, 60)
    _cut(VIDEOS / "bikes.mp4", d / "b_bikes.mp4", 0, 200)  # the longest: still running at kill
    (d / "c_carphone.mp4").write_bytes((VIDEOS / "carphone_pristine.mp4").read_bytes())
    _cut(VIDEOS / "Robbery102_crop.mp4", d / "d_robbery.mp4", 0, 60)
    (d / "corrupt.mp4").write_bytes(bytes(range(256)) * 40)
    (d / "empty.mp4").write_bytes(b"")
    return d


def _cmd(src: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "zsvad", "batch", str(src), "--out", str(out),
            "--profile", "tiny", "--workers", "1", "--quiet", *extra]  # fmt: skip


def _env(cache: Path) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "ZSVAD_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}


def _index(out: Path) -> dict[str, dict]:
    rows = {}
    for path in out.glob("*/index.jsonl"):
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # torn by the kill
            assert row["key"] not in rows, "a key was finished twice"
            rows[row["key"]] = row
    return rows


def _summary(out: Path) -> list[dict]:
    keep = ["video_id", "status", "num_frames", "max_score", "mean_score", "segments",
            "anomalous_s", "top_explanation", "key", "error_stage"]  # fmt: skip
    rows = pq.read_table(out / "summary.parquet").to_pylist()
    return sorted(({k: r[k] for k in keep} for r in rows), key=lambda r: r["video_id"])


def test_killed_batch_resumes_without_recomputing(clips, tmp_path):
    out = tmp_path / "out"
    env = _env(tmp_path / "cache")
    proc = subprocess.Popen(_cmd(clips, out), env=env, start_new_session=True)
    deadline = time.monotonic() + 180
    while not _index(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-run
    proc.wait()
    before = _index(out)
    assert before, "no result appeared before the kill"
    mtimes = {k: (out / r["result_file"]).stat().st_mtime_ns for k, r in before.items()}

    done = subprocess.run(_cmd(clips, out), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # the corrupt and empty files failed
    assert f"{len(before)} already done" in done.stdout
    after = _index(out)
    assert len(after) == len(GOOD)
    summary = {r["video_id"]: r for r in _summary(out)}
    assert sorted(v for v, r in summary.items() if r["status"] == "ok") == GOOD
    (root,) = [p.parent for p in out.glob("*/config.json")]
    results = [p.stem for p in (root / "results").iterdir()]  # <video_id>.<key>
    assert sorted(r.rsplit(".", 1)[1] for r in results) == sorted(after)  # one each
    for key, mtime in mtimes.items():  # finished before the kill: not recomputed
        assert (out / after[key]["result_file"]).stat().st_mtime_ns == mtime
        assert after[key]["run_id"] == before[key]["run_id"]
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert {Path(e["path"]).name: e["stage"] for e in errors} == {
        "corrupt.mp4": "decode",
        "empty.mp4": "decode",
    }
    result = json.loads((out / after[summary["b_bikes"]["key"]]["result_file"]).read_text())
    assert result["video_id"] == "b_bikes" and len(result["frame_scores"]) == 200

    # the same folder on a local Ray instance (own cache: it recomputes) gives the same summary
    ray_out = tmp_path / "ray"
    cmd = _cmd(clips, ray_out, "--runner", "ray")
    ray = subprocess.run(cmd, env=_env(tmp_path / "cache-ray"), capture_output=True, text=True)
    assert ray.returncode == 1, ray.stderr
    assert "4 scored" in ray.stdout
    assert _summary(ray_out) == _summary(out)
