"""LLM backend for OpenAI-compatible chat servers (vLLM serve, llama.cpp server, TGI, OpenAI).

Choice requests ask for ``top_logprobs`` of the first answer token and read each label's
probability from them (tokens matched case-insensitively to a label, or to the start of exactly
one label); a label absent from the top list gets the smallest listed log-probability (an upper
bound). Servers without log-probabilities still answer with text, which the judge parses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, Literal

from zsvad.backends.llm_common import chat_messages
from zsvad.backends.openai_client import OpenAIClient
from zsvad.backends.protocols import ChatRequest, Generation, ModelInfo


def choice_logprobs_from_top(
    top: Sequence[dict[str, Any]], choices: Sequence[str]
) -> dict[str, float] | None:
    """Label log-probabilities from the ``top_logprobs`` of the first answer token."""
    lowered = [c.strip().lower() for c in choices]
    mass = dict.fromkeys(choices, 0.0)
    top = [e for e in top if isinstance(e, dict) and _finite(e.get("logprob")) is not None]
    for entry in top:
        tok = str(entry.get("token", "")).strip().lower()
        if not tok:
            continue
        if tok in lowered:
            target = choices[lowered.index(tok)]
        else:
            starts = [c for c, low in zip(choices, lowered) if low.startswith(tok)]
            if len(starts) != 1:
                continue
            target = starts[0]
        mass[target] += math.exp(min(_finite(entry["logprob"]), 0.0))
    if not any(mass.values()):
        return None
    floor = min(_finite(e["logprob"]) for e in top)
    return {c: math.log(m) if m > 0 else floor for c, m in mass.items()}


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (servers send strings, nulls, NaN)."""
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def read_answer(answer: Any, choices: Sequence[str] | None) -> tuple[str, dict | None, int, Any]:
    """``(text, choice log-probs, completion tokens, finish reason)`` from a chat-completions
    answer; anything malformed reads as empty (the judge counts it as a parse failure)."""
    answer = answer if isinstance(answer, dict) else {}
    picks = answer.get("choices")
    choice = picks[0] if isinstance(picks, list) and picks else None
    choice = choice if isinstance(choice, dict) else {}
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    text = content.strip() if isinstance(content, str) else ""
    lp = None
    if choices:
        logprobs = choice.get("logprobs")
        tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
        first = tokens[0] if isinstance(tokens, list) and tokens else None
        top = first.get("top_logprobs") if isinstance(first, dict) else None
        if isinstance(top, list) and top:
            lp = choice_logprobs_from_top(top, choices)
    usage = answer.get("usage")
    n = _finite(usage.get("completion_tokens")) if isinstance(usage, dict) else None
    tokens_out = int(n) if n is not None and 0 <= n < 1e12 else 0
    reason = choice.get("finish_reason")
    return text, lp, tokens_out, reason if isinstance(reason, str) else None


class OpenAICompatLLM:
    """Chat completions over HTTP, ``concurrency`` requests in flight."""

    def __init__(
        self,
        model: str,
        base_url: str = "http://127.0.0.1:8000/v1",
        revision: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout_s: float = 60.0,
        max_retries: int = 3,
        retry_budget_s: float | None = None,
        concurrency: int = 4,
        top_logprobs: int = 20,
        logprobs: bool = True,
        json_mode: Literal["json_schema", "json_object", "none"] = "json_schema",
        extra_body: dict[str, Any] | None = None,
        client: OpenAIClient | None = None,
        **_,
    ):
        self.model = model
        self.top_logprobs = top_logprobs
        self.logprobs = logprobs
        self.json_mode = json_mode
        self.extra_body = dict(extra_body or {})
        self.client = client or OpenAIClient(
            base_url,
            api_key_env=api_key_env,
            timeout_s=timeout_s,
            max_retries=max_retries,
            retry_budget_s=retry_budget_s,
            concurrency=concurrency,
        )
        caps = {"logprobs"} if logprobs else set()
        if json_mode != "none":
            caps.add("json")
        self.capabilities = frozenset(caps)
        self.info = ModelInfo("llm", "openai", model, revision)

    def payload(self, req: ChatRequest) -> dict[str, Any]:
        """The chat-completions body for ``req``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(req),
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
            "seed": req.seed,
        }
        if req.stop:
            body["stop"] = list(req.stop)
        if req.choices and self.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = self.top_logprobs
        if req.json_schema is not None and self.json_mode == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": req.json_schema},
            }
        elif req.json_schema is not None and self.json_mode == "json_object":
            body["response_format"] = {"type": "json_object"}
        body.update(self.extra_body)
        return body

    def _one(self, req: ChatRequest) -> Generation:
        t0 = time.perf_counter()
        answer = self.client.chat(self.payload(req))
        dt = time.perf_counter() - t0
        text, lp, tokens, reason = read_answer(answer, req.choices)
        return Generation(text, lp, dt, tokens=tokens, finish_reason=reason)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Send every request (``concurrency`` at a time) and return answers in order."""
        return self.client.map(self._one, requests)
