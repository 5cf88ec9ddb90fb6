"""Caption jobs embedded ahead in chunks (zsvad.batch.prefetch): fewer embedder calls, results of
scoring file by file, faults that stay with their file, resumed runs that embed only new files."""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from pathlib import Path

import pytest
from batch_helpers import batch_opts, read_summary
from caption_rows import caption

from zsvad.backends.fakes import FakeTextEmbedder
from zsvad.batch.job import Job
from zsvad.batch.prefetch import Prefetch, next_entries
from zsvad.batch.run import run_batch
from zsvad.batch.runners import base
from zsvad.configure import load_config
from zsvad.pipeline import core

TIMINGS = re.compile(r'"(created_at|wall_s|peak_rss_mb)": [^,\n]+')
CAPTION = re.compile(r"^\w+: a man ")
"""The texts of the captions these tests write (``<file stem>: a man <action>.``)."""
ACTIONS = ["walks", "punches a man", "runs", "sits", "falls down", "drives a car", "shouts"]


def _write(folder: Path, names: list[str]) -> dict[str, set[str]]:
    """One captions file per name (three captions naming it); the texts of each."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for n, name in enumerate(names):
        rows = [
            caption(name, 2 * i, 2 * i + 2, f"{name}: a man {ACTIONS[(n + i) % len(ACTIONS)]}.")
            for i in range(3)
        ]
        (folder / f"{name}.jsonl").write_text("".join(_json(r) + "\n" for r in rows))
        texts[name] = {r["text"] for r in rows}
    return texts


def _json(row: dict) -> str:
    import json

    return json.dumps(row)


@pytest.fixture
def embeds(monkeypatch) -> list[list[str]]:
    """The caption texts of every text-embedder call (calls embedding the memory left out)."""
    calls: list[list[str]] = []
    real = FakeTextEmbedder.embed_texts

    def embed_texts(self, texts):
        if texts and all(CAPTION.match(t) for t in texts):
            calls.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(FakeTextEmbedder, "embed_texts", embed_texts)
    return calls


def _results(out: Path) -> dict[str, str]:
    """Each result file's text, timings blanked out."""
    rows = read_summary(out)
    return {
        v: TIMINGS.sub(r'"\1": _', (out / r["result_file"]).read_text()) for v, r in rows.items()
    }


def test_chunks_embed_once_each_and_give_the_results_of_one_by_one(tmp_path, embeds):
    names = [f"v{i}" for i in range(7)]
    texts = _write(tmp_path / "in", names)
    cfg = load_config("tiny")
    run = run_batch(
        tmp_path / "in", tmp_path / "one", cfg, batch_opts(scorer="captions", prefetch=1)
    )
    assert run.scored == 7 and len(embeds) == 7  # one by one: a call per video
    embeds.clear()
    run = run_batch(
        tmp_path / "in", tmp_path / "chunks", cfg, batch_opts(scorer="captions", prefetch=3)
    )
    assert run.scored == 7
    assert len(embeds) <= math.ceil(7 / 3)  # one pass per chunk, scoring embeds nothing more
    assert Counter(t for call in embeds for t in call) == Counter(set().union(*texts.values()))
    assert _results(tmp_path / "chunks") == _results(tmp_path / "one")  # byte for byte
    assert len(_results(tmp_path / "one")) == 7


def test_passes_hold_at_most_prefetch_texts_captions(tmp_path, embeds):
    _write(tmp_path / "in", ["a", "b", "c", "d"])  # 3 captions each
    opts = batch_opts(scorer="captions", prefetch=4, prefetch_texts=6)
    assert run_batch(tmp_path / "in", tmp_path / "out", load_config("tiny"), opts).scored == 4
    assert [len(c) for c in embeds] == [6, 6]


def test_a_bad_file_in_a_chunk_fails_alone(tmp_path, embeds):
    texts = _write(tmp_path / "in", ["a", "c"])
    (tmp_path / "in" / "b.jsonl").write_text("{not json\n")
    two = [caption("x", 0, 2, "x: a dog."), caption("y", 0, 2, "y: a cat.")]
    (tmp_path / "in" / "d.jsonl").write_text("".join(_json(r) + "\n" for r in two))
    opts = batch_opts(scorer="captions", prefetch=4)
    report = run_batch(tmp_path / "in", tmp_path / "out", load_config("tiny"), opts)
    assert (report.scored, report.failed) == (2, 2)
    rows = read_summary(tmp_path / "out")
    assert rows["a"]["status"] == rows["c"]["status"] == "ok"
    for name in ("b", "d"):
        assert rows[name]["status"] == "error" and rows[name]["error_stage"] == "input"
        assert str(tmp_path / "in" / f"{name}.jsonl") in rows[name]["error"]
    assert "2 videos" in rows["d"]["error"]
    assert [set(c) for c in embeds] == [texts["a"] | texts["c"]]  # one pass for the good ones


def test_a_resumed_run_embeds_only_the_new_files(tmp_path, monkeypatch):
    asked: list[str] = []
    real = core.Pipeline.prefetch

    def prefetch(self, texts, progress=None):
        asked.extend(texts)
        return real(self, texts, progress)

    monkeypatch.setattr(core.Pipeline, "prefetch", prefetch)
    cfg, opts = load_config("tiny"), batch_opts(scorer="captions", prefetch=8)
    _write(tmp_path / "in", ["a", "b", "c"])
    assert run_batch(tmp_path / "in", tmp_path / "out", cfg, opts).scored == 3
    assert len(asked) == 9
    asked.clear()
    new = _write(tmp_path / "in", ["d", "e"])
    report = run_batch(tmp_path / "in", tmp_path / "out", cfg, opts)
    assert (report.reused, report.scored) == (3, 2)
    assert sorted(asked) == sorted(new["d"] | new["e"])


def test_local_workers_each_embed_their_own_chunks(tmp_path, monkeypatch):
    log = tmp_path / "log.txt"
    monkeypatch.setenv("ZSVAD_TEST_COUNTER", str(log))
    names = [f"f{i}" for i in range(8)]
    _write(tmp_path / "in", names)
    opts = batch_opts(scorer="batch_caption_scorer:score", runner="local", workers=2, prefetch=4)
    report = run_batch(f"{tmp_path / 'in'}/*.jsonl", tmp_path / "out", load_config("tiny"), opts)
    assert report.scored == 8
    lines = [line.split() for line in log.read_text().splitlines()]
    scored: dict[str, set[str]] = {}
    embedded: dict[str, list[str]] = {}
    for kind, pid, files in lines:
        if kind == "score":
            scored.setdefault(pid, set()).add(files)
        else:
            embedded.setdefault(pid, []).extend(files.split(","))
    assert len(scored) == 2 and set().union(*scored.values()) == set(names)
    for pid, files in scored.items():  # a worker embeds its own jobs' captions, each once
        assert sorted(embedded[pid]) == sorted(files)
    assert max(len(files.split(",")) for kind, _, files in lines if kind == "embed") >= 2


def test_next_entries_chunks_share_what_is_left_and_keep_solo_jobs_alone():
    jobs = deque(Job(f"k{i}", f"p{i}", f"v{i}", solo=i == 6) for i in range(8))
    first = next_entries(jobs, chunk=4, workers=2)
    assert first[0] == Prefetch("prefetch:k0", ("p0", "p1", "p2", "p3"), ("k0", "k1", "k2", "k3"))
    assert [j.key for j in first[1:]] == ["k0", "k1", "k2", "k3"]
    second = next_entries(jobs, chunk=4, workers=2)  # 4 left for 2 workers: 2 each
    assert second[0].keys == ("k4", "k5") and [j.key for j in second[1:]] == ["k4", "k5"]
    assert [j.key for j in next_entries(jobs, chunk=4, workers=1)] == ["k6"]  # solo: alone
    assert [j.key for j in next_entries(jobs, chunk=4, workers=2)] == ["k7"]  # the last one
    assert not jobs
    one_by_one = deque(Job(f"k{i}", "p", "v") for i in range(3))
    assert [j.key for j in next_entries(one_by_one, chunk=1)] == ["k0"]


def test_a_chunk_gets_the_time_of_its_videos_and_blames_none_when_killed(monkeypatch):
    clock = type("Clock", (), {"now": 0.0, "monotonic": lambda self: self.now})()
    monkeypatch.setattr(base, "time", clock)
    jobs = [Job(f"k{i}", f"p{i}", f"v{i}") for i in range(3)]
    lane = base.Lane()
    for entry in [Prefetch.of(jobs), *jobs, Job("later", "p", "v")]:
        lane.sent(entry)
    assert lane.load() == 4
    clock.now = 3 * 10 + base.HARD_TIMEOUT_GRACE_S - 1
    assert not lane.overdue(10)  # the timeout of each of its 3 videos
    clock.now += 2
    assert lane.overdue(10)
    pending: deque[Job] = deque()
    assert lane.fail_head(pending, "timeout", "timed out", "w") is None  # no video blamed
    assert [(j.key, j.solo) for j in pending] == [
        ("k0", True), ("k1", True), ("k2", True), ("later", False)
    ]  # fmt: skip
    assert not lane.jobs


def test_cli_prefetch_flag(tmp_path, embeds):
    from zsvad.cli.main import main

    _write(tmp_path / "in", ["a", "b", "c"])
    argv = ["batch", str(tmp_path / "in"), "--scorer", "captions", "--profile", "tiny"]
    argv += ["--runner", "serial", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "one"), "--prefetch", "1"]) == 0
    assert len(embeds) == 3  # one by one
    embeds.clear()
    assert main([*argv, "--out", str(tmp_path / "ahead")]) == 0
    assert len(embeds) == 1  # the default: one pass
