"""The judge: requests, batching, cache, gating, parse-failure counting, pipeline fusion."""

from __future__ import annotations

import math

import pytest

from zsvad.backends.fakes import FakeLLM
from zsvad.backends.protocols import Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.judge.judge import Judge
from zsvad.pipeline.core import Pipeline, WindowInput

TEXTS = [
    "A woman buys bread at the counter.",
    "Two men fight and one punches the other.",
    "People walk in the park.",
    "A car crash blocks the road.",
    "A man reads a newspaper.",
]


def windows(retrieval=None):
    out = []
    for i, t in enumerate(TEXTS):
        w = WindowInput(2.0 * i, 2.0 * i + 2, t)
        if retrieval is not None:
            w.components["retrieval"] = retrieval[i]
        out.append(w)
    return out


class TextOnlyLLM:
    """An LLM double without log-probabilities or constrained choice: it answers in words."""

    capabilities = frozenset()

    def __init__(self, answers):
        self.answers = answers
        self.info = ModelInfo("llm", "text-double", "t", "r1")
        self.requests = []

    def generate(self, requests):
        self.requests.extend(requests)
        return [Generation(self.answers(r.user), latency_s=0.5) for r in requests]


def judge(llm=None, **cfg):
    cfg.setdefault("backend", "fake")
    return Judge(JudgeConfig(**cfg), llm=llm or FakeLLM())


def test_logprob_scores_rationale_and_stats():
    llm = FakeLLM()
    ws = windows()
    stats = judge(llm).score(ws)
    # FakeLLM: P(yes) = 1 - 0.9 / (1 + keyword hits) in the rendered window (span 1: the
    # caption and one neighbour each side): fight+punch, fight+punch, fight+punch+crash, crash…
    hits = [2, 2, 3, 1, 1]
    assert [w.components["judge"] for w in ws] == pytest.approx([1 - 0.9 / (1 + h) for h in hits])
    assert ws[1].rationale == "yes (P(yes)=0.70)"
    assert stats["windows_judged"] == 5 and stats["parse_failures"] == 0
    assert stats["judge_by_logprobs"] == 5 and stats["llm_calls"] == 1


def test_span_zero_judges_the_caption_alone():
    ws = windows()
    judge(span=0).score(ws)
    assert ws[0].components["judge"] == pytest.approx(0.1)
    assert ws[2].components["judge"] == pytest.approx(0.1)


def test_batching_many_windows_per_call():
    llm = FakeLLM()
    stats = judge(llm, batch_size=2).score(windows())
    assert llm.calls == 3 and stats["llm_calls"] == 3 and stats["llm_requests"] == 5


def test_text_answers_use_regex_and_count_parse_failures():
    llm = TextOnlyLLM(lambda u: "Maybe." if "crash" in u.split("->")[1] else "Yes, it is.")
    ws = windows()
    stats = judge(llm, span=0).score(ws)
    assert all(r.choices is None for r in llm.requests)  # no choices without the capability
    assert stats["parse_failures"] == 1 and stats["windows_judged"] == 4
    assert "judge" not in ws[3].components  # failed parse: no component, never 0
    assert ws[0].components["judge"] == 1.0 and stats["judge_by_regex"] == 4
    assert stats["judge_latency_s"] == pytest.approx(2.5)


def test_cache_makes_rescoring_free_and_is_keyed_by_prompt_version(tmp_path, monkeypatch):
    llm = FakeLLM()
    first = windows()
    judge(llm).score(first)
    again = windows()
    stats = judge(llm).score(again)
    assert stats["judge_cache_hits"] == 5 and stats["llm_calls"] == 0 and llm.calls == 1
    assert [w.components for w in again] == [w.components for w in first]
    assert [w.rationale for w in again] == [w.rationale for w in first]
    # another version of the prompt (a copy with version 2) misses the cache
    from zsvad.prompts.loader import resolve_prompt

    _, path = resolve_prompt("yesno_logprob")
    v2 = tmp_path / "v2.yaml"
    v2.write_text(path.read_text().replace("version: 1", "version: 2"))
    stats = judge(llm, prompt=str(v2)).score(windows())
    assert stats["judge_cache_hits"] == 0 and llm.calls == 2
    # another model revision misses it too
    stats = judge(FakeLLM(revision="v2")).score(windows())
    assert stats["judge_cache_hits"] == 0


def test_cache_off():
    llm = FakeLLM()
    judge(llm, cache=False).score(windows())
    judge(llm, cache=False).score(windows())
    assert llm.calls == 2


def test_gate_sends_only_uncertain_windows():
    llm = FakeLLM()
    ws = windows(retrieval=[0.05, 0.55, 0.95, 0.45, 0.3])
    ws[4].components["clip"] = 0.9  # disagrees with retrieval 0.3
    stats = judge(llm, gate="uncertain", gate_margin=0.1).score(ws)
    judged = [i for i, w in enumerate(ws) if "judge" in w.components]
    assert judged == [1, 3, 4]
    assert stats["windows_gated_out"] == 2 and stats["llm_requests"] == 3


def test_summary_step_feeds_the_rating_prompt():
    llm = TextOnlyLLM(lambda u: '{"summary": "a fight", "score": 0.9}' if "Summary" in u else "S.")
    ws = windows()
    stats = judge(llm, prompt="lavad_rating", summary_prompt="window_summary").score(ws)
    assert stats["llm_requests"] == 10 and stats["judge_by_json"] == 5
    assert ws[0].components["judge"] == pytest.approx(0.9) and ws[0].rationale == "a fight"
    rating = [r for r in llm.requests if "Summary of the window: S." in r.user]
    assert len(rating) == 5


def test_open_vocabulary_prompt_needs_and_uses_descriptions():
    with pytest.raises(ConfigError, match="judge.anomalies"):
        judge(prompt="custom_anomalies")
    llm = TextOnlyLLM(lambda u: "no")
    j = judge(llm, prompt="custom_anomalies", anomalies=["people climbing the fence"])
    j.score(windows())
    assert "- people climbing the fence" in llm.requests[0].system


def test_text_prompts_and_unknown_variables_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="output type text"):
        judge(prompt="window_summary")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad\nversion: 1\ndescription: d\nuser: '{{ weather }}'\n"
        "variables: [{name: weather}]\noutput: {type: regex, regex: '(\\d)'}\n"
    )
    with pytest.raises(ConfigError, match="weather"):
        judge(prompt=str(bad))


def _pipeline(**judge_cfg):
    overrides = [f"judge.{k}={v}" for k, v in judge_cfg.items()]
    return Pipeline(load_config("tiny", overrides=overrides))


def _score(pipe):
    return pipe.score_windows(
        "v", 10.0, 100, [WindowInput(2.0 * i, 2.0 * i + 2, t) for i, t in enumerate(TEXTS)]
    )


def test_pipeline_fuses_judge_with_retrieval_and_records_it():
    pipe = _pipeline(backend="fake", model="fake-llm")
    pipe.config.fusion.judge_smoothing_s = 0  # fusion.judge_rule min, window by window,
    pipe.config.fusion.judge_boundary = 0.5  # on the scale of its readers
    res = _score(pipe)
    for w in res.windows:
        assert set(w.scores) == {"retrieval", "judge"}
        assert w.score == pytest.approx(min(w.scores.values()), abs=1e-5)
        assert w.rationale
    stats = res.provenance.stats
    assert stats["windows_judged"] == 5 and stats["parse_failures"] == 0
    assert [m.role for m in res.provenance.models] == ["text_embedder", "llm"]
    assert res.provenance.config["judge"]["backend"] == "fake"
    for seg in res.segments:
        assert "judge: " in seg.explanation


def test_pipeline_fusion_rules_and_determinism():
    a = _score(_pipeline(backend="fake", model="fake-llm"))
    b = _score(_pipeline(backend="fake", model="fake-llm"))
    assert a.frame_scores == b.frame_scores and a.windows == b.windows
    pipe = _pipeline(backend="fake", model="fake-llm")
    pipe.config.fusion.judge_rule = "component"  # the judge as one component of ``rule``
    pipe.config.fusion.rule = "max"
    for w in _score(pipe).windows:
        assert w.score == pytest.approx(max(w.scores.values()), abs=1e-5)
    pipe = _pipeline(backend="fake", model="fake-llm")
    pipe.config.fusion.judge_rule = "component"
    pipe.config.fusion.rule = "lec"  # mean of judge (agnostic) and retrieval (1 - P(normal))
    for w in _score(pipe).windows:
        expected = 0.5 * (w.scores["judge"] + w.scores["retrieval"])
        assert w.score == pytest.approx(expected, abs=1e-5)
    pipe = _pipeline(backend="fake", model="fake-llm")
    pipe.config.fusion.judge_rule = "component"
    pipe.config.fusion.weights = {"retrieval": 1.0, "judge": 3.0}
    for w in _score(pipe).windows:
        expected = (w.scores["retrieval"] + 3 * w.scores["judge"]) / 4
        assert w.score == pytest.approx(expected, abs=1e-5)


def test_backend_answering_too_few_is_an_error():
    class Short(FakeLLM):
        def generate(self, requests):
            return super().generate(requests)[:-1]

    from zsvad.errors import ZsvadError

    with pytest.raises(ZsvadError, match="answered 4 of 5"):
        judge(Short()).score(windows())


def test_no_judge_means_retrieval_only():
    res = _score(_pipeline())
    assert all(set(w.scores) == {"retrieval"} for w in res.windows)
    assert "windows_judged" not in res.provenance.stats
    assert not math.isnan(res.frame_scores[0])
