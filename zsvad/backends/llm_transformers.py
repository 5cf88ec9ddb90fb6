"""LLM backend on Hugging Face transformers (``AutoModelForCausalLM`` + the chat template).

Loads safetensors checkpoints and GGUF files (``gguf_file=``, dequantised by transformers).
Choice requests are answered by scoring each label's tokens after the prompt (exact
log-probabilities, no sampling); other requests are generated greedily (or sampled with a fixed
seed when temperature > 0).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.hf_common import quiet_gguf_loading
from zsvad.backends.llm_common import (
    LLMOptions,
    chat_messages,
    cut_at_stop,
    file_revision,
    split_gguf,
)
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ChatRequest, Generation, ModelInfo
from zsvad.config.judge import JudgeConfig
from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)


class _Options(LLMOptions):
    """Options of the transformers LLM backend (``judge.options``)."""

    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    """Weights dtype; auto: float32 on CPU, bfloat16 on GPU."""
    gguf_file: str | None = None
    """GGUF file inside ``judge.model`` (a hub repo or a folder); ``judge.model`` may also name
    the .gguf file itself."""
    max_input_tokens: int = Field(4096, ge=16)
    """Longest prompt, tokens (longer ones keep their end)."""
    choice_variants: bool = True
    """Sum a label's surface forms (yes, Yes, YES) when scoring choices."""


class TransformersLLM:
    """A causal LM run by transformers on CPU or GPU."""

    capabilities = frozenset({"logprobs", "choice", "prefill"})

    Options = takes(JudgeConfig, *KINDS["llm"].common, "device", "batch_size", base=_Options)

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision, device = o.model, o.revision, o.device
        torch = require("torch", "the transformers LLM backend")
        tf = require("transformers", "the transformers LLM backend")
        tf.utils.logging.disable_progress_bar()  # zsvad draws the bars (zsvad.progress)
        self._torch = torch
        repo, gguf = split_gguf(model, o.gguf_file)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.batch_size = o.batch_size
        self.max_input_tokens = o.max_input_tokens
        self.choice_variants = o.choice_variants
        if o.dtype == "auto":
            torch_dtype = torch.float32 if device == "cpu" else torch.bfloat16
        else:
            torch_dtype = getattr(torch, o.dtype)
        kwargs = {"revision": revision} if revision else {}
        if gguf:
            kwargs["gguf_file"] = gguf
            quiet_gguf_loading()
        try:
            self.tokenizer = tf.AutoTokenizer.from_pretrained(repo, **kwargs)
            self.model = tf.AutoModelForCausalLM.from_pretrained(repo, dtype=torch_dtype, **kwargs)
        except OSError as exc:
            raise ModelNotAvailableError(
                f"cannot load LLM '{model}'{f' ({gguf})' if gguf else ''}: {exc}"
            ) from exc
        self.model.to(device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if gguf:
            rev = file_revision(Path(repo) / gguf) if Path(repo).is_dir() else revision
            name = str(Path(repo) / gguf)
        else:
            rev = revision or getattr(self.model.config, "_commit_hash", None)
            name = model
        self.info = ModelInfo("llm", "transformers", name, rev)

    # -- prompt encoding ----------------------------------------------------------------------
    def _prompt_text(self, req: ChatRequest) -> str:
        if self.tokenizer.chat_template:
            text = self.tokenizer.apply_chat_template(
                chat_messages(req), tokenize=False, add_generation_prompt=True
            )
            return text + req.answer_prefix
        system = f"{req.system}\n\n" if req.system else ""
        return f"{system}{req.user}\n{req.answer_prefix}"

    def _encode(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) > self.max_input_tokens:
            log.warning("prompt of %d tokens cut to its last %d", len(ids), self.max_input_tokens)
            ids = ids[-self.max_input_tokens :]
        return ids

    # -- choice scoring -----------------------------------------------------------------------
    def _variants(self, choice: str) -> list[list[int]]:
        """Token ids of the surface forms of a label (as written, Capitalised, UPPER)."""
        forms = dict.fromkeys([choice, choice.capitalize(), choice.upper()])
        if not self.choice_variants:
            forms = {choice: None}
        return [self.tokenizer(f, add_special_tokens=False)["input_ids"] for f in forms]

    def _padded(self, seqs: list[list[int]], left: bool):
        torch = self._torch
        width = max(len(s) for s in seqs)
        pad = self.tokenizer.pad_token_id
        rows, masks = [], []
        for s in seqs:
            fill = [pad] * (width - len(s))
            rows.append(fill + s if left else s + fill)
            m = [0] * (width - len(s))
            masks.append(m + [1] * len(s) if left else [1] * len(s) + m)
        ids = torch.tensor(rows, device=self.device)
        mask = torch.tensor(masks, device=self.device)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        return ids, mask, pos

    def _next_token_logprobs(self, prompts: list[list[int]]):
        """``(len(prompts), vocab)`` log-probabilities of the token after each prompt."""
        torch = self._torch
        ids, mask, pos = self._padded(prompts, left=True)
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids, attention_mask=mask, position_ids=pos, logits_to_keep=1
            ).logits[:, -1, :]
        return torch.log_softmax(logits.float(), dim=-1)

    def _sequence_logprob(self, prompt: list[int], label: list[int]) -> float:
        """Log-probability of the tokens ``label`` right after ``prompt``."""
        torch = self._torch
        ids = torch.tensor([prompt + label], device=self.device)
        with torch.inference_mode():
            logits = self.model(input_ids=ids).logits[0].float()
        logp = torch.log_softmax(logits, dim=-1)
        n = len(prompt)
        # token n + j is predicted by the logits at position n + j - 1
        return sum(float(logp[n + j - 1, tok]) for j, tok in enumerate(label))

    def choice_logprobs_batch(self, reqs: Sequence[ChatRequest]) -> list[dict[str, float]]:
        """For each request, log P(choice | prompt) per choice, summed over its surface forms.

        Single-token forms are read from one forward pass of the prompt (batched over
        requests); longer forms are scored token by token.
        """
        torch = self._torch
        prompts = [self._encode(self._prompt_text(r)) for r in reqs]
        next_lp = self._next_token_logprobs(prompts)
        out = []
        for row, (req, prompt) in enumerate(zip(reqs, prompts)):
            scores = {}
            for choice in req.choices:
                parts = []
                for ids in self._variants(choice):
                    if len(ids) == 1:
                        parts.append(float(next_lp[row, ids[0]]))
                    elif ids:
                        parts.append(self._sequence_logprob(prompt, ids))
                scores[choice] = float(torch.logsumexp(torch.tensor(parts), 0))
            out.append(scores)
        return out

    # -- free generation ----------------------------------------------------------------------
    def _generate_batch(self, reqs: Sequence[ChatRequest]) -> list[tuple[str, int, str]]:
        torch = self._torch
        prompts = [self._encode(self._prompt_text(r)) for r in reqs]
        width = max(len(p) for p in prompts)
        pad = self.tokenizer.pad_token_id
        # left padding so every answer starts at the same position
        ids, mask, _ = self._padded(prompts, left=True)
        r0 = reqs[0]
        sample = r0.temperature > 0
        torch.manual_seed(r0.seed)
        kwargs = {"temperature": r0.temperature} if sample else {}
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=max(r.max_tokens for r in reqs),
                do_sample=sample,
                pad_token_id=pad,
                top_p=None,
                top_k=None,
                **kwargs,
            )
        results = []
        eos = self.tokenizer.eos_token_id
        for row, r in enumerate(reqs):
            new = out[row, width:].tolist()
            if eos in new:
                new = new[: new.index(eos)]
            new = new[: r.max_tokens]
            text = self.tokenizer.decode(new, skip_special_tokens=True)
            text, stopped = cut_at_stop(text, r.stop)
            reason = "stop" if stopped or len(new) < r.max_tokens else "length"
            results.append((text.strip(), len(new), reason))
        return results

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Answer every request: choices by label scoring, others by batched generation."""
        out: list[Generation | None] = [None] * len(requests)
        chosen = [i for i, r in enumerate(requests) if r.choices]
        free = [i for i, r in enumerate(requests) if not r.choices]
        for k in range(0, len(chosen), self.batch_size):
            chunk = chosen[k : k + self.batch_size]
            t0 = time.perf_counter()
            scored = self.choice_logprobs_batch([requests[i] for i in chunk])
            dt = (time.perf_counter() - t0) / len(chunk)
            for i, lp in zip(chunk, scored):
                best = max(lp, key=lp.__getitem__)
                out[i] = Generation(best, lp, dt, finish_reason="choice")
        # batch requests with the same sampling settings together
        groups: dict[tuple, list[int]] = {}
        for i in free:
            r = requests[i]
            groups.setdefault((r.temperature, r.seed), []).append(i)
        for idx in groups.values():
            for k in range(0, len(idx), self.batch_size):
                chunk = idx[k : k + self.batch_size]
                t0 = time.perf_counter()
                answers = self._generate_batch([requests[i] for i in chunk])
                dt = (time.perf_counter() - t0) / len(chunk)
                for i, (text, ntok, reason) in zip(chunk, answers):
                    out[i] = Generation(text, None, dt, tokens=ntok, finish_reason=reason)
        return [g for g in out if g is not None]
