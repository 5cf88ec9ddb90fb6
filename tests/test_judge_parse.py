"""Reading P(anomalous) from answers: log-probabilities, choice, JSON, regex, failures."""

from __future__ import annotations

import math

import pytest

from zsvad.backends.protocols import Generation
from zsvad.judge.parse import read_answer
from zsvad.prompts.schema import OutputSpec

YESNO = OutputSpec(type="choices", choices=["yes", "no"], positive="yes")
JSON = OutputSpec.model_validate(
    {
        "type": "json",
        "schema": {
            "type": "object",
            "properties": {"score": {"type": "number"}, "why": {"type": "string"}},
        },
        "rationale_field": "why",
        "regex": r"(?i)score\W{0,3}([01](?:\.\d+)?)",
    }
)


def test_logprobs_give_normalised_probability():
    gen = Generation("no", {"yes": math.log(0.2), "no": math.log(0.6)})
    v = read_answer(YESNO, gen)
    assert v.method == "logprobs" and v.score == pytest.approx(0.25)
    assert "P(yes)=0.25" in v.rationale


def test_constrained_choice_without_logprobs():
    assert read_answer(YESNO, Generation("Yes.")).score == 1.0
    v = read_answer(YESNO, Generation("no"))
    assert v.score == 0.0 and v.method == "choice"


def test_partial_logprobs_fall_back_to_the_text():
    v = read_answer(YESNO, Generation("yes", {"yes": -0.1}))
    assert v.method == "choice" and v.score == 1.0


def test_free_text_choice_found_by_regex():
    v = read_answer(YESNO, Generation("I think no, it is ordinary."))
    assert v.method == "regex" and v.score == 0.0


def test_unreadable_answer_is_a_failure_not_zero():
    v = read_answer(YESNO, Generation("Perhaps. Hard to tell."))
    assert v.score is None and v.method == "failed" and "no choice" in v.problem


def test_json_answer_with_rationale():
    v = read_answer(JSON, Generation('Sure: {"score": 0.7, "why": "a fight"} done'))
    assert v.method == "json" and v.score == pytest.approx(0.7) and v.rationale == "a fight"


def test_json_out_of_range_falls_back_to_regex_then_fails():
    v = read_answer(JSON, Generation('{"score": 7} Score: 0.4'))
    assert v.method == "regex" and v.score == pytest.approx(0.4)
    v = read_answer(JSON, Generation('{"score": 7}'))
    assert v.score is None and v.method == "failed"


def test_regex_scale_and_fallback():
    spec = OutputSpec(type="regex", regex=r"rating: (\d+)", fallback=[r"(\d+)/10"], max_value=10)
    assert read_answer(spec, Generation("rating: 8")).score == pytest.approx(0.8)
    assert read_answer(spec, Generation("I give it 3/10")).score == pytest.approx(0.3)
    assert read_answer(spec, Generation("rating: 12")).score is None  # out of scale
    assert read_answer(spec, Generation("no idea")).method == "failed"
