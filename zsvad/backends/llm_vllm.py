"""LLM backend on vLLM's offline engine (``vllm.LLM`` + ``SamplingParams``), for GPUs.

Choice requests are scored exactly like the transformers backend: each label's tokens are
appended to the chat prompt and their prompt log-probabilities summed (``prompt_logprobs``,
one generated token). JSON requests use structured outputs (``StructuredOutputsParams`` in
vLLM >= 0.11, ``GuidedDecodingParams`` before).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.llm_common import LLMOptions, chat_messages, file_revision
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ChatRequest, Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require


def _logprob_value(entry: Any) -> float:
    return float(getattr(entry, "logprob", entry))


class _Options(LLMOptions):
    """Options of the vllm LLM backend (``judge.options``)."""

    tokenizer: str | None = None
    """Tokenizer (HF id or folder) when ``judge.model`` has none, e.g. a GGUF file."""
    dtype: str = "auto"
    """Weights dtype as vLLM names it (auto, float16, bfloat16, ...)."""
    seed: int = 0
    """Seed of vLLM's sampler."""
    gpu_memory_utilization: float = Field(0.85, gt=0, le=1)
    """Share of GPU memory vLLM may use."""
    max_model_len: int | None = Field(None, ge=256)
    """Context length (None: the model's)."""
    choice_variants: bool = True
    """Sum a label's surface forms (yes, Yes, YES) when scoring choices."""
    engine_args: dict[str, Any] = {}
    """Other keyword arguments of ``vllm.LLM`` (engine arguments such as ``enforce_eager`` or
    ``tensor_parallel_size``), passed as they are."""


class VLLMLLM:
    """A model served in-process by vLLM."""

    capabilities = frozenset({"logprobs", "choice", "json", "prefill"})

    Options = takes(JudgeConfig, *KINDS["llm"].common, base=_Options)

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision = o.model, o.revision
        vllm = require("vllm", "the vLLM LLM backend")
        self._vllm = vllm
        self.choice_variants = o.choice_variants
        kwargs: dict[str, Any] = {
            "model": model,
            "dtype": o.dtype,
            "seed": o.seed,
            "gpu_memory_utilization": o.gpu_memory_utilization,
        }
        if revision:
            kwargs["revision"] = revision
        if o.tokenizer:
            kwargs["tokenizer"] = o.tokenizer
        if o.max_model_len:
            kwargs["max_model_len"] = o.max_model_len
        kwargs.update(o.engine_args)
        try:
            self.engine = vllm.LLM(**kwargs)
        except OSError as exc:
            raise ModelNotAvailableError(f"vLLM cannot load '{model}': {exc}") from exc
        self.tokenizer = self.engine.get_tokenizer()
        rev = revision
        if rev is None and Path(model).is_file():
            rev = file_revision(model)
        self.info = ModelInfo("llm", "vllm", model, rev)

    # -- helpers ------------------------------------------------------------------------------
    def _prompt_ids(self, req: ChatRequest) -> list[int]:
        ids = list(
            self.tokenizer.apply_chat_template(
                chat_messages(req), tokenize=True, add_generation_prompt=True
            )
        )
        if req.answer_prefix:
            ids += self.tokenizer.encode(req.answer_prefix, add_special_tokens=False)
        return ids

    def _structured(self, **spec: Any) -> dict[str, Any]:
        """SamplingParams keyword for guided decoding, across vLLM versions."""
        sp = self._vllm.sampling_params
        if hasattr(sp, "StructuredOutputsParams"):
            return {"structured_outputs": sp.StructuredOutputsParams(**spec)}
        return {"guided_decoding": sp.GuidedDecodingParams(**spec)}

    def _params(self, req: ChatRequest, **extra: Any):
        return self._vllm.SamplingParams(
            max_tokens=req.max_tokens,
            temperature=req.temperature,
            seed=req.seed,
            stop=list(req.stop) or None,
            **extra,
        )

    def _forms(self, choice: str) -> list[str]:
        if not self.choice_variants:
            return [choice]
        return list(dict.fromkeys([choice, choice.capitalize(), choice.upper()]))

    # -- API ----------------------------------------------------------------------------------
    def _score_choices(self, reqs: Sequence[ChatRequest]) -> list[dict[str, float]]:
        prompts, where = [], []
        for r_i, req in enumerate(reqs):
            base = self._prompt_ids(req)
            for choice in req.choices:
                for form in self._forms(choice):
                    label = self.tokenizer.encode(form, add_special_tokens=False)
                    prompts.append({"prompt_token_ids": base + label})
                    where.append((r_i, choice, len(base), label))
        params = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1)
        outputs = self.engine.generate(prompts, params, use_tqdm=False)
        parts: list[dict[str, list[float]]] = [{c: [] for c in r.choices} for r in reqs]
        for out, (r_i, choice, n, label) in zip(outputs, where):
            plp = out.prompt_logprobs
            total = sum(_logprob_value(plp[n + j][tok]) for j, tok in enumerate(label))
            parts[r_i][choice].append(total)
        result = []
        for p in parts:
            scores = {}
            for choice, vals in p.items():
                top = max(vals)
                scores[choice] = top + math.log(sum(math.exp(v - top) for v in vals))
            result.append(scores)
        return result

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Answer every request in one engine call per kind (choices / free / JSON)."""
        out: list[Generation | None] = [None] * len(requests)
        chosen = [i for i, r in enumerate(requests) if r.choices]
        if chosen:
            t0 = time.perf_counter()
            scored = self._score_choices([requests[i] for i in chosen])
            dt = (time.perf_counter() - t0) / len(chosen)
            for i, lp in zip(chosen, scored):
                out[i] = Generation(max(lp, key=lp.__getitem__), lp, dt, finish_reason="choice")
        free = [i for i, r in enumerate(requests) if not r.choices]
        if free:
            prompts, params = [], []
            for i in free:
                req = requests[i]
                prompts.append({"prompt_token_ids": self._prompt_ids(req)})
                extra = self._structured(json=req.json_schema) if req.json_schema else {}
                params.append(self._params(req, **extra))
            t0 = time.perf_counter()
            outputs = self.engine.generate(prompts, params, use_tqdm=False)
            dt = (time.perf_counter() - t0) / len(free)
            for i, o in zip(free, outputs):
                c = o.outputs[0]
                out[i] = Generation(
                    c.text.strip(), None, dt, tokens=len(c.token_ids), finish_reason=c.finish_reason
                )
        return [g for g in out if g is not None]
