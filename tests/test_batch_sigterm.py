"""SIGTERM stops ``zsvad batch`` like Ctrl-C: summary written and printed, the input being
scored ``interrupted``, the others ``pending``, no tracebacks, finished results kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet")
ROOT = Path(__file__).resolve().parents[1]


def _start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a_fast.mp4").write_text("ok 4")
    for name in ("b_slow", "c_slow", "d_slow"):
        (src / f"{name}.mp4").write_text(f"ok 4 sleep=30 {name}")  # 3 contents: 3 jobs
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ["PYTHONPATH"]]),
        "ZSVAD_CACHE": str(tmp_path / "cache"),
    }
    cmd = [sys.executable, "-m", "zsvad", "batch", str(src), "--out", str(out), "--quiet",
           "--scorer", "batch_fake_scorer:score", "--workers", "1",
           "--profile", "tiny"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        done = [p for p in out.glob("*/index.jsonl") if p.read_text().strip()]
        if done:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    return proc, out


@pytest.mark.parametrize("target", ["driver", "group"])
def test_sigterm_writes_summary_and_marks_rest_interrupted_or_pending(tmp_path, target):
    proc, out = _start(tmp_path)
    time.sleep(0.5)  # a slow job is running now
    if target == "driver":
        os.kill(proc.pid, signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGTERM)  # as a service manager or `timeout` would
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert "leaked" not in stderr, stderr  # no resource_tracker warning
    assert "zsvad: terminated: 1 input(s) interrupted, 2 not started" in stderr, stderr
    assert "1 scored" in stdout and "1 interrupted, 2 not started" in stdout, stdout
    rows = {r["video_id"]: r["status"] for r in pq.read_table(out / "summary.parquet").to_pylist()}
    assert rows.pop("a_fast") == "ok"
    assert sorted(rows.values()) == ["interrupted", "pending", "pending"]  # b runs first
    [index] = list(out.glob("*/index.jsonl"))
    finished = [json.loads(line) for line in index.read_text().splitlines()]
    assert [r["video_id"] for r in finished] == ["a_fast"]
