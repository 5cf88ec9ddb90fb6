"""Raw LLM answers are bounded wherever they are stored: judge cache, ``--log-samples`` file,
results (rationale); the samples file is whole JSON lines even with several writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from zsvad.backends.protocols import MAX_ANSWER_CHARS, Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.judge.judge import Judge
from zsvad.paths import cache_dir
from zsvad.pipeline.core import WindowInput

ROOT = Path(__file__).resolve().parents[1]
HUGE = "Yes, it is. " + "blah " * 40_000  # 200,012 characters: a server ignoring max_tokens


class RamblingLLM:
    """An LLM double that answers every request with :data:`HUGE`."""

    capabilities = frozenset()

    def __init__(self):
        self.info = ModelInfo("llm", "rambling-double", "r", "r1")
        self.calls = 0

    def generate(self, requests):
        self.calls += 1
        return [Generation(HUGE) for _ in requests]


def _windows():
    return [WindowInput(0.0, 2.0, "Two men fight."), WindowInput(2.0, 4.0, "A man walks.")]


def test_huge_answers_are_cut_before_cache_samples_and_results(tmp_path):
    samples = tmp_path / "samples.jsonl"
    cfg = JudgeConfig(backend="fake", span=0, log_samples=str(samples), max_rationale_chars=50)
    llm = RamblingLLM()
    ws = _windows()
    stats = Judge(cfg, llm=llm).score(ws, video_id="v1")
    assert stats["answers_cut"] == 2 and stats["windows_judged"] == 2
    rows = [json.loads(line) for line in samples.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert len(row["answer"]) == MAX_ANSWER_CHARS and row["answer"].endswith("…")
        assert row["answer"].startswith("Yes, it is.") and row["video_id"] == "v1"
    for w in ws:  # results carry the rationale, cut to max_rationale_chars
        assert w.components["judge"] == 1.0 and len(w.rationale) <= 50
    cached = [json.loads(p.read_text()) for p in cache_dir("judge").rglob("*.json")]
    answers = [c["text"] for c in cached if "text" in c]
    assert answers and all(len(t) == MAX_ANSWER_CHARS for t in answers)
    # a rerun answers from the cache: the same bounded text, no model call
    again = _windows()
    Judge(cfg, llm=llm).score(again, video_id="v1")
    assert llm.calls == 1 and [w.rationale for w in again] == [w.rationale for w in ws]


def test_short_answers_are_kept_whole(tmp_path):
    class Brief(RamblingLLM):
        def generate(self, requests):
            return [Generation("Yes, it is.") for _ in requests]

    samples = tmp_path / "samples.jsonl"
    cfg = JudgeConfig(backend="fake", span=0, log_samples=str(samples))
    stats = Judge(cfg, llm=Brief()).score(_windows())
    assert stats["answers_cut"] == 0
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    assert [r["answer"] for r in rows] == ["Yes, it is."] * 2


def test_sample_lines_from_several_processes_never_interleave(tmp_path):
    """Batch workers append to one --log-samples file: every line stays one whole JSON row."""
    samples = tmp_path / "samples.jsonl"
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from zsvad.judge.judge import _append_jsonl
        me = sys.argv[1]
        for i in range(200):
            rows = [{{"writer": me, "i": i, "j": j, "answer": me * 3_000}} for j in range(3)]
            _append_jsonl(Path({str(samples)!r}), rows)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])}
    procs = [subprocess.Popen([sys.executable, "-c", code, w], env=env) for w in "ab"]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    assert len(rows) == 1200
    assert all(r["answer"] == r["writer"] * 3_000 for r in rows)


def test_batch_log_samples_option(tmp_path, monkeypatch):
    """``zsvad batch --log-samples`` writes this run's samples (a finished rerun: none)."""
    import pytest
    from data_paths import VIDEOS

    from zsvad.cli.main import main

    clip = VIDEOS / "carphone_pristine.mp4"
    if not clip.is_file():
        pytest.skip("needs ../shared/videos")
    pytest.importorskip("pyarrow")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / clip.name).write_bytes(clip.read_bytes())
    monkeypatch.chdir(tmp_path)
    args = ["batch", "in", "--out", "out", "--runner", "serial", "--quiet"]
    args += ["--profile", "tiny", "--log-samples", "logs/samples.jsonl"]
    for kv in ("captioner.backend=fake", "captioner.model=fake", "image_embedder.backend=fake",
               "image_embedder.model=fake", "video.cache=false", "judge.backend=fake",
               "judge.model=fake-llm"):  # fmt: skip
        args += ["--set", kv]
    assert main(args) == 0
    rows = [json.loads(line) for line in Path("logs/samples.jsonl").read_text().splitlines()]
    assert rows and {r["video_id"] for r in rows} == {"carphone_pristine"}
    assert all(r["answer"] in ("yes", "no") and r["user"] for r in rows)
    assert main(args) == 0  # nothing left to do: the file starts over and stays empty
    assert Path("logs/samples.jsonl").read_text() == ""
