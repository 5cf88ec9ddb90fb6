"""SIGTERM / Ctrl-C while the judge is working (real signals to real ``zsvad`` processes, the
``fake`` judge slowed down with ``judge.options.delay_s``): judged windows stay in the judge
cache, samples taken stay in ``--log-samples``, finished videos stay finished, the video being
scored is ``interrupted``, the summary is printed, the exit status is 143 / 130; a resumed run
asks no window again."""

from __future__ import annotations

import csv
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
#: windows of the long video, judged one request each, DELAY_S seconds a request
WINDOWS = 16
DELAY_S = 0.4
JUDGE = ["--profile", "tiny", "--set", "judge.backend=fake", "--set", "judge.model=fake",
         "--set", "judge.gate=all", "--set", "judge.batch_size=1",
         "--set", f"judge.options.delay_s={DELAY_S}"]  # fmt: skip


def _rows(video_id: str, n: int) -> list[dict]:
    words = ("people walk in the park", "a man punches another man", "a car drives by")
    rows = []
    for i in range(n):
        text = f"{words[i % 3]} ({video_id} {i})"
        rows.append({"video_id": video_id, "start": 2.0 * i, "end": 2.0 * i + 2, "fps": 10,
                     "num_frames": 20 * n, "text": text})  # fmt: skip
    return rows


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    path = os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])
    return {**os.environ, "PYTHONPATH": path, "ZSVAD_CACHE": str(tmp_path / "cache")}


def _samples(path: Path, video_id: str) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["video_id"] == video_id]


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "zsvad", *cmd], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _wait_for_samples(proc: subprocess.Popen, samples: Path, video_id: str, n: int) -> None:
    deadline = time.monotonic() + 240
    while len(_samples(samples, video_id)) < n and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert len(_samples(samples, video_id)) >= n, "the judge never got going"


def test_batch_killed_mid_judging_keeps_answers_and_samples_and_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _write(src / "a_short.jsonl", _rows("a_short", 2))
    _write(src / "b_long.jsonl", _rows("b_long", WINDOWS))
    out, samples = tmp_path / "out", tmp_path / "samples.jsonl"
    cmd = ["batch", str(src), "--out", str(out), "--scorer", "captions", "--workers", "1",
           "--quiet", "--log-samples", str(samples), *JUDGE]  # fmt: skip
    env = _env(tmp_path)
    proc = _start(cmd, env)
    _wait_for_samples(proc, samples, "b_long", 3)
    os.killpg(proc.pid, signal.SIGTERM)  # driver and worker, as a service manager does
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    assert "1 scored" in stdout and "1 interrupted, 0 not started" in stdout, stdout
    assert "zsvad: terminated: 1 input(s) interrupted" in stderr, stderr
    rows = {r["video_id"]: r["status"] for r in pq.read_table(out / "summary.parquet").to_pylist()}
    assert rows == {"a_short": "ok", "b_long": "interrupted"}
    taken = _samples(samples, "b_long")  # written as they were taken: nothing lost
    assert 3 <= len(taken) < WINDOWS
    assert len(_samples(samples, "a_short")) == 2

    again = tmp_path / "samples-again.jsonl"
    cmd[cmd.index(str(samples))] = str(again)
    done = subprocess.run(
        [sys.executable, "-m", "zsvad", *cmd], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 scored, 1 already done" in done.stdout, done.stdout
    hits, asked = _judge_counts(done.stdout)
    assert hits + asked == WINDOWS
    assert hits >= len(taken)  # every window judged before the kill comes from the cache
    assert asked <= WINDOWS - len(taken)
    assert len(_samples(again, "b_long")) == WINDOWS
    rows = {r["video_id"]: r["status"] for r in pq.read_table(out / "summary.parquet").to_pylist()}
    assert rows == {"a_short": "ok", "b_long": "ok"}


def _judge_counts(stdout: str) -> tuple[int, int]:
    """``judge: H answer(s) from the judge cache, A asked of the model`` of a batch summary."""
    [line] = [ln for ln in stdout.splitlines() if ln.startswith("judge: ")]
    words = line.split()
    return int(words[1]), int(words[words.index("asked") - 1])


def test_sigterm_after_the_last_result_exits_0_with_the_summary(tmp_path, monkeypatch, capsys):
    """A signal once every result is on disk does not turn a complete run into a failed one:
    the summary is written and printed (signals are held meanwhile), exit status 0."""
    import zsvad.batch.run as batch_run
    from zsvad.cli.main import main

    src = tmp_path / "in"
    src.mkdir()
    _write(src / "a.jsonl", _rows("a", 2))
    write = batch_run.write_summaries

    def term_while_writing(out_dir, rows):
        os.kill(os.getpid(), signal.SIGTERM)  # lands while the summary is written
        return write(out_dir, rows)

    monkeypatch.setattr(batch_run, "write_summaries", term_while_writing)
    monkeypatch.setenv("ZSVAD_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "out"
    code = main(["batch", str(src), "--out", str(out), "--scorer", "captions", "--runner",
                 "serial", "--quiet", "--profile", "tiny"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "1 scored" in printed.out and "interrupted" not in printed.out, printed.out
    [row] = pq.read_table(out / "summary.parquet").to_pylist()
    assert row["status"] == "ok"


def test_score_of_several_videos_interrupted_keeps_finished_ones(tmp_path):
    captions = _write(
        tmp_path / "captions.jsonl", _rows("v1", 2) + _rows("v2", WINDOWS) + _rows("v3", 2)
    )
    out, samples = tmp_path / "out", tmp_path / "samples.jsonl"
    cmd = ["score", "--captions", str(captions), "--out", str(out), "--quiet",
           "--log-samples", str(samples), *JUDGE]  # fmt: skip
    proc = _start(cmd, _env(tmp_path))
    _wait_for_samples(proc, samples, "v2", 3)
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    assert "zsvad: interrupted: 1 video(s) interrupted, 1 not started" in stderr, stderr
    assert "wrote 1 result(s)" in stdout, stdout
    with open(out / "summary.csv", newline="") as fh:
        rows = {r["video_id"]: r["status"] for r in csv.DictReader(fh)}
    assert rows == {"v1": "ok", "v2": "interrupted", "v3": "pending"}
    assert (out / "v1.json").is_file() and not (out / "v2.json").exists()
    assert 3 <= len(_samples(samples, "v2")) < WINDOWS
