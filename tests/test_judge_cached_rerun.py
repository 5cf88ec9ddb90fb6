"""A rerun whose judge answers are all cached does not load the LLM, and still records it."""

from __future__ import annotations

from zsvad import registry
from zsvad.backends.fakes import FakeLLM
from zsvad.configure import load_config
from zsvad.pipeline.core import Pipeline, WindowInput

TEXTS = ["A man punches a guard.", "People walk in the park.", "A car crashes into a pole."]


def _score(tmp_path, monkeypatch, created: list, **extra):
    monkeypatch.setenv("ZSVAD_CACHE", str(tmp_path / "cache"))

    def make(**kw):
        created.append(kw)
        return FakeLLM(**kw)

    monkeypatch.setattr(registry, "create", _patched(registry.create, make))
    over = ["judge.backend=fake", "judge.model=fake-llm"]
    over += [f"{k}={v}" for k, v in extra.items()]
    pipe = Pipeline(load_config("tiny", overrides=over))
    wins = [WindowInput(2.0 * i, 2.0 * i + 2, t) for i, t in enumerate(TEXTS)]
    return pipe.score_windows("v", 10.0, 60, wins)


def _patched(orig, make):
    def create(kind, name, **kw):
        return make(**kw) if kind == "llm" else orig(kind, name, **kw)

    return create


def test_cached_rerun_loads_no_llm(tmp_path, monkeypatch):
    created: list = []
    first = _score(tmp_path, monkeypatch, created)
    assert len(created) == 1 and first.provenance.stats["llm_calls"] == 1
    again = _score(tmp_path, monkeypatch, created)
    assert len(created) == 1  # no second LLM: every answer came from the cache
    assert again.provenance.stats["judge_cache_hits"] == len(TEXTS)
    assert again.frame_scores == first.frame_scores and again.windows == first.windows
    assert [m.role for m in again.provenance.models] == [m.role for m in first.provenance.models]
    assert again.provenance.models[-1].model == "fake-llm"


def test_changed_config_or_prompt_loads_the_llm(tmp_path, monkeypatch):
    created: list = []
    _score(tmp_path, monkeypatch, created)
    _score(tmp_path, monkeypatch, created, **{"judge.revision": "v2"})
    assert len(created) == 2
    _score(tmp_path, monkeypatch, created, **{"judge.prompt": "yesno_evidence"})
    assert len(created) == 3


def test_log_samples_holds_prompts_and_raw_answers(tmp_path, monkeypatch):
    import json

    from zsvad.cli.main import main

    monkeypatch.setenv("ZSVAD_CACHE", str(tmp_path / "cache"))
    log = tmp_path / "samples.jsonl"
    args = ["score", "--captions", "examples/captions.jsonl", "--profile", "tiny", "--quiet"]
    args += ["--judge", "fake", "--judge-model", "fake-llm", "--log-samples", str(log)]
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    n = sum(1 for _ in open("examples/captions.jsonl"))  # noqa: SIM115
    assert len(rows) == n  # one per judged window (every caption has text)
    fight = [r for r in rows if r["video_id"] == "example_street_fight" and r["start"] == 18]
    assert fight and "punches" in fight[0]["user"] and fight[0]["answer"] in ("yes", "no")
    assert fight[0]["prompt"].startswith("yesno_logprob@1 sha256:")
    assert main([*args, "--out", str(tmp_path / "run2")]) == 0  # rerun: the file starts over
    assert len(log.read_text().splitlines()) == n
