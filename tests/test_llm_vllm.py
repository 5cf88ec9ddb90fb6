"""vLLM backend against a test double of the ``vllm`` module (vLLM needs a GPU)."""

from __future__ import annotations

import math
import sys
import types
from dataclasses import dataclass, field

import pytest

from zsvad.backends.protocols import ChatRequest

VOCAB = {"yes": 1, "Yes": 2, "YES": 3, "no": 4, "No": 5, "NO": 6, "ab": 7, "normal": 8}


class FakeTokenizer:
    """Words are tokens; 'abnormal' splits into 'ab' + 'normal'."""

    def encode(self, text, add_special_tokens=False):
        if text.lower() == "abnormal":
            return [VOCAB["ab"], VOCAB["normal"]] if text == "abnormal" else [99, 98]
        return [VOCAB.get(text, 50 + len(text))]

    def apply_chat_template(self, messages, tokenize=True, add_generation_prompt=True):
        text = " ".join(m["content"] for m in messages)
        return [100 + (sum(map(ord, text)) % 50), 200, 201]


@dataclass
class Logprob:
    logprob: float


def fake_logprob(position: int, token: int) -> float:
    """Deterministic log-probability of ``token`` at ``position``."""
    return -0.1 * token - 0.01 * position


@dataclass
class Completion:
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"


@dataclass
class RequestOutput:
    prompt_logprobs: list
    outputs: list = field(default_factory=list)


def make_vllm(structured: bool):
    mod = types.ModuleType("vllm")
    sp = types.ModuleType("vllm.sampling_params")

    class SamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class Spec:
        def __init__(self, **kw):
            self.kw = kw

    if structured:
        sp.StructuredOutputsParams = Spec
    else:
        sp.GuidedDecodingParams = Spec

    class LLM:
        instances: list = []

        def __init__(self, **kw):
            self.kw = kw
            self.calls = []
            LLM.instances.append(self)

        def get_tokenizer(self):
            return FakeTokenizer()

        def generate(self, prompts, params, use_tqdm=True):
            self.calls.append((prompts, params))
            outs = []
            for i, p in enumerate(prompts):
                ids = p["prompt_token_ids"]
                plp = [None] + [
                    {tok: Logprob(fake_logprob(pos, tok))} for pos, tok in enumerate(ids) if pos
                ]
                par = params[i] if isinstance(params, list) else params
                text = '{"score": 0.8}' if "structured_outputs" in par.kw else " free answer "
                if "guided_decoding" in par.kw:
                    text = '{"score": 0.7}'
                outs.append(RequestOutput(plp, [Completion(text, [1, 2, 3], "length")]))
            return outs

    mod.LLM = LLM
    mod.SamplingParams = SamplingParams
    mod.sampling_params = sp
    return mod


@pytest.fixture(params=[True, False], ids=["structured_outputs", "guided_decoding"])
def vllm_mod(request, monkeypatch):
    mod = make_vllm(request.param)
    monkeypatch.setitem(sys.modules, "vllm", mod)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", mod.sampling_params)
    return mod


def lse(xs):
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def test_engine_arguments(vllm_mod):
    from zsvad.backends.llm_vllm import VLLMLLM

    llm = VLLMLLM("org/model", revision="abc", seed=7, max_model_len=2048, tokenizer="org/tok")
    kw = llm.engine.kw
    assert kw["model"] == "org/model" and kw["revision"] == "abc" and kw["seed"] == 7
    assert kw["max_model_len"] == 2048 and kw["tokenizer"] == "org/tok"
    assert llm.info.backend == "vllm" and llm.info.revision == "abc"
    assert {"logprobs", "choice", "json"} <= llm.capabilities


def test_choice_logprobs_sum_label_tokens_over_surface_forms(vllm_mod):
    from zsvad.backends.llm_vllm import VLLMLLM

    llm = VLLMLLM("m")
    req = ChatRequest(user="is it?", choices=("yes", "abnormal"))
    [g] = llm.generate([req])
    n = 3  # prompt length of the fake chat template
    yes = lse([fake_logprob(n, VOCAB[f]) for f in ("yes", "Yes", "YES")])
    # 'abnormal' is two tokens; 'Abnormal' / 'ABNORMAL' are [99, 98]
    ab = fake_logprob(n, 7) + fake_logprob(n + 1, 8)
    other = fake_logprob(n, 99) + fake_logprob(n + 1, 98)
    assert g.choice_logprobs["yes"] == pytest.approx(yes)
    assert g.choice_logprobs["abnormal"] == pytest.approx(lse([ab, other, other]))
    assert g.text == "yes" and g.finish_reason == "choice"
    prompts, params = llm.engine.calls[0]
    assert params.kw == {"max_tokens": 1, "temperature": 0.0, "prompt_logprobs": 1}
    assert len(prompts) == 6  # 2 choices x 3 surface forms


def test_json_uses_guided_decoding_and_sampling_settings(vllm_mod):
    from zsvad.backends.llm_vllm import VLLMLLM

    llm = VLLMLLM("m")
    schema = {"type": "object", "properties": {"score": {"type": "number"}}}
    reqs = [
        ChatRequest(user="rate", json_schema=schema, max_tokens=20, seed=3, stop=("}",)),
        ChatRequest(user="say", max_tokens=5, temperature=0.5),
    ]
    g = llm.generate(reqs)
    _, params = llm.engine.calls[0]
    guided = params[0].kw.get("structured_outputs") or params[0].kw.get("guided_decoding")
    assert guided.kw == {"json": schema}
    assert params[0].kw["max_tokens"] == 20 and params[0].kw["seed"] == 3
    assert params[0].kw["stop"] == ["}"] and params[0].kw["temperature"] == 0.0
    assert params[1].kw["temperature"] == 0.5 and params[1].kw["stop"] is None
    assert g[0].text in ('{"score": 0.8}', '{"score": 0.7}')
    assert g[1].text == "free answer" and g[1].tokens == 3 and g[1].finish_reason == "length"


def test_missing_vllm_names_the_extra(monkeypatch):
    from zsvad.backends.llm_vllm import VLLMLLM
    from zsvad.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(MissingExtraError, match=r"zsvad\[vllm\]"):
        VLLMLLM("m")


def test_answer_prefix_is_appended_to_the_prompt_tokens(vllm_mod):
    from zsvad.backends.llm_vllm import VLLMLLM

    llm = VLLMLLM("m")
    assert "prefill" in llm.capabilities
    llm.generate(
        [ChatRequest(user="write", max_tokens=8), ChatRequest(user="write", answer_prefix="yes")]
    )
    (plain, prefilled), _ = llm.engine.calls[0]
    assert prefilled["prompt_token_ids"] == plain["prompt_token_ids"] + [VOCAB["yes"]]
