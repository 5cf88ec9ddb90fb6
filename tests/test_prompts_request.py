"""zsvad.prompts.request: one request builder for the judge and the memory generator; a
template's answer_prefix reaches backends that can prefill, and answers are read after it."""

from __future__ import annotations

import pytest

from zsvad.backends.protocols import Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.judge.judge import Judge
from zsvad.pipeline.core import WindowInput
from zsvad.prompts import load_prompt, render_prompt
from zsvad.prompts.loader import resolve_prompt
from zsvad.prompts.request import answer_text, build_request

PREFIX = '{"summary": "'


class RecordingLLM:
    """Continues a prefilled JSON answer and records every request it gets."""

    def __init__(self, capabilities):
        self.capabilities = frozenset(capabilities)
        self.info = ModelInfo("llm", "recording", "rec", "v1", meaningless=True)
        self.requests = []

    def generate(self, requests):
        self.requests += requests
        return [Generation(text='two men fight.", "score": 0.9}') for _ in requests]


@pytest.fixture
def prefixed(tmp_path):
    """lavad_rating with an answer prefix that opens its JSON object."""
    text = resolve_prompt("lavad_rating")[1].read_text()
    path = tmp_path / "prefixed.yaml"
    budget = "  max_tokens: 96\n"
    path.write_text(text.replace(budget, f"{budget}  answer_prefix: '{PREFIX}'\n"))
    assert load_prompt(str(path)).generation.answer_prefix == PREFIX
    return path


def _judge(path, llm):
    judge = Judge(JudgeConfig(prompt=str(path), cache=False), llm=llm)
    windows = [WindowInput(0.0, 2.0, "Two men fight."), WindowInput(2.0, 4.0, "A man walks.")]
    return judge.score(windows), windows


def test_answer_prefix_reaches_a_prefilling_backend_from_the_judge(prefixed):
    llm = RecordingLLM({"prefill"})
    stats, windows = _judge(prefixed, llm)
    assert [r.answer_prefix for r in llm.requests] == [PREFIX, PREFIX]
    assert stats["judge_by_json"] == 2  # read as prefix + answer: a whole JSON object
    assert windows[0].components["judge"] == pytest.approx(0.9)
    assert windows[0].rationale == "two men fight."


def test_no_prefix_for_a_backend_that_cannot_prefill(prefixed):
    llm = RecordingLLM({"json"})
    _judge(prefixed, llm)
    assert [r.answer_prefix for r in llm.requests] == ["", ""]


def test_choices_follow_capabilities_and_choice_answers_stand_alone():
    rendered = render_prompt(load_prompt("yesno_logprob"), {"captions": []})
    assert build_request(rendered, {"logprobs"}).choices == ("yes", "no")
    assert build_request(rendered, set()).choices is None
    req = build_request(rendered, {"choice", "prefill"})
    assert answer_text(req, Generation(text="yes")) == "yes"


def test_memory_generator_builds_the_same_request():
    from zsvad.memory.generate import PROMPT, GenerationPlan, plan_requests
    from zsvad.memory.taxonomy import load_taxonomy

    template = load_prompt(PROMPT)
    [ask, *_] = plan_requests(load_taxonomy(), template, GenerationPlan(), prefill=True)
    assert ask.request.answer_prefix == template.generation.answer_prefix != ""
    assert ask.request.max_tokens == template.generation.max_tokens
    assert ask.request.stop == tuple(template.generation.stop)
