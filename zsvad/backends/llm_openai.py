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
        mass[target] += math.exp(float(entry["logprob"]))
    if not any(mass.values()):
        return None
    floor = min(float(e["logprob"]) for e in top)
    return {c: math.log(m) if m > 0 else floor for c, m in mass.items()}


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
        choice = (answer.get("choices") or [{}])[0]
        text = ((choice.get("message") or {}).get("content") or "").strip()
        lp = None
        if req.choices:
            content = (choice.get("logprobs") or {}).get("content") or []
            if content and content[0].get("top_logprobs"):
                lp = choice_logprobs_from_top(content[0]["top_logprobs"], req.choices)
        usage = answer.get("usage") or {}
        return Generation(
            text,
            lp,
            dt,
            tokens=int(usage.get("completion_tokens") or 0),
            finish_reason=choice.get("finish_reason"),
        )

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        """Send every request (``concurrency`` at a time) and return answers in order."""
        return self.client.map(self._one, requests)
